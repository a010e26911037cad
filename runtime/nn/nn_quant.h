/* Fake quantisation of activations for quantisation-aware training: at each
 * quantisation point the values are rounded to the uint8 grid of a per-tensor
 * range (zero always representable), so the float model sees INT8 inference's
 * rounding. The range follows a moving average of the batch min and max while
 * observing (PyTorch's MovingAverageMinMaxObserver, constant 0.01) and is frozen
 * otherwise. Backward passes gradients straight through, except for values clipped
 * to the ends of the range. Weights are fake-quantised by the caller (runtime),
 * which passes the rounded copy as the model's parameters. */
#ifndef NN_QUANT_H
#define NN_QUANT_H

#include "asc_model.h"
#include "nn_base.h"

#define NN_QUANT_AVERAGING 0.01f

/* The grid of a range: scale and zero point of uint8 values q, x = (q - zp) * scale. */
NN_INLINE int nn_quant_grid(const float range[2], real *scale, real *zero_point) {
    float lo = range[0] < 0 ? range[0] : 0, hi = range[1] > 0 ? range[1] : 0;
    if (!(hi > lo))
        return 0;
    *scale = (real)((hi - lo) / 255.0f);
    real zp = (real)nearbyint(-lo / *scale);
    *zero_point = zp < 0 ? 0 : zp > 255 ? 255 : zp;
    return 1;
}

NN_KERNEL void fake_quant_forward(real *x, size_t n, float range[2], int observe) {
    if (observe && n > 0) {
        real lo = x[0], hi = x[0];
        for (size_t i = 1; i < n; i++) {
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
        if (range[0] > range[1]) { /* first batch: no history */
            range[0] = (float)lo;
            range[1] = (float)hi;
        } else {
            range[0] += NN_QUANT_AVERAGING * ((float)lo - range[0]);
            range[1] += NN_QUANT_AVERAGING * ((float)hi - range[1]);
        }
    }
    real scale, zp;
    if (!nn_quant_grid(range, &scale, &zp))
        return;
    for (size_t i = 0; i < n; i++) {
        real q = nearbyint(x[i] / scale) + zp;
        q = q < 0 ? 0 : q > 255 ? 255 : q;
        x[i] = (q - zp) * scale;
    }
}

/* An internal INT8 grid (one QAT does not train, see AscQuant): calibration
 * widens the batch's [lo, hi] in quant->calib; otherwise x goes onto the grid. */
NN_KERNEL void fake_quant_internal(real *x, size_t n, const AscQuant *quant, int grid) {
    if (quant->calib) {
        float *lohi = quant->calib + 2 * grid;
        for (size_t i = 0; i < n; i++) {
            lohi[0] = (float)x[i] < lohi[0] ? (float)x[i] : lohi[0];
            lohi[1] = (float)x[i] > lohi[1] ? (float)x[i] : lohi[1];
        }
        return;
    }
    fake_quant_forward(x, n, quant->ranges + 2 * grid, 0);
}

/* Zeroes the gradient of values clipped to either end of the grid. */
NN_KERNEL void fake_quant_backward(real *dy, const real *y, size_t n, const float range[2]) {
    real scale, zp;
    if (!nn_quant_grid(range, &scale, &zp))
        return;
    real lo = -zp * scale, hi = (255 - zp) * scale;
    for (size_t i = 0; i < n; i++)
        if ((y[i] <= lo && lo < 0) || (y[i] >= hi && hi > 0))
            dy[i] = 0;
}

#endif
