/* Everything a generated model includes: the kernels, at the precision NN_REAL. */
#ifndef NN_H
#define NN_H

#include "nn_base.h"
#include "nn_broadcast.h"
#include "nn_conv.h"
#include "nn_dropout.h"
#include "nn_elementwise.h"
#include "nn_fused.h"
#include "nn_linear.h"
#include "nn_norm.h"
#include "nn_pointwise.h"
#include "nn_pool.h"
#include "nn_quant.h"
#include "nn_reduce.h"
#include "nn_resnorm.h"
#include "nn_upsample.h"

#endif
