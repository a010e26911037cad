/* INT8 inference kernels, all of them: fixed-point arithmetic, convolutions
 * and the linear layer, pools and means, copies between grids, sums,
 * products, lookup tables, folded norms, ResNorm, data movement and the float
 * boundary. Strict C99 and header-only (static inline, no allocation, no
 * globals), so the standalone classifier can paste them; docs/int8.md. */
#ifndef NN_INT8_H
#define NN_INT8_H

#include "nn_int8_arith.h"
#include "nn_int8_conv.h"
#include "nn_int8_layout.h"
#include "nn_int8_ops.h"
#include "nn_int8_stats.h"

#endif
