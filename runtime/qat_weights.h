/* Fake quantisation of weights for quantisation-aware training: every conv and
 * linear weight tensor rounded to int8, symmetric, one scale per output channel
 * (scale = max |w| / 127, values -127..127), as INT8 export will store them.
 * The float parameters stay the master copy: the forward and backward passes
 * see the rounded copy and their gradients update the float values (the
 * straight-through estimator). Biases and norm parameters are not rounded:
 * INT8 inference folds norms and keeps biases in int32. */
#ifndef ASC_QAT_WEIGHTS_H
#define ASC_QAT_WEIGHTS_H

#include "asc_model.h"

/* qparams = params with every ASC_WEIGHT tensor fake-quantised. */
void qat_quantize_weights(const AscModelInfo *info, const float *params, float *qparams);

#endif
