/* ResNorm: y = lambda*x + (x - mean)/sqrt(var + 1e-8), mean and biased variance over
 * channels and time for each clip and frequency bin. Saves mean and 1/std per
 * (clip, bin) for backward. */
#ifndef NN_RESNORM_H
#define NN_RESNORM_H

#include "nn_base.h"
#include "nn_reduce.h"

#define NN_RESNORM_EPS 1e-8

/* Group g is (clip g / f, bin g % f); the emitter runs the N*F groups in parallel. */
NN_INLINE void resnorm_forward_group(int g, real *restrict y, real *restrict saved,
                                     const real *restrict x, real lambda, int c, int n, int f,
                                     int t) {
    size_t plane = (size_t)n * f * t;
    {
        int k = g / f, fi = g % f;
        const real *x0 = x + ((size_t)k * f + fi) * t; /* the group's row in channel 0 */
        real lanes[NN_LANES] = {0};
        for (int ch = 0; ch < c; ch++)
            nn_lanes_add(lanes, x0 + ch * plane, (size_t)t);
        double mean = nn_lanes_total(lanes) / ((double)c * t);
        real lanes_sq[NN_LANES] = {0};
        for (int ch = 0; ch < c; ch++)
            nn_lanes_sq_dev(lanes_sq, x0 + ch * plane, (real)mean, (size_t)t);
        double sq = nn_lanes_total(lanes_sq);
        real invstd = (real)(1 / sqrt(sq / ((double)c * t) + NN_RESNORM_EPS));
        for (int ch = 0; ch < c; ch++)
            for (int ti = 0; ti < t; ti++) {
                size_t o = ch * plane + ((size_t)k * f + fi) * t + ti;
                y[o] = lambda * x[o] + (x[o] - (real)mean) * invstd;
            }
        saved[2 * g] = (real)mean;
        saved[2 * g + 1] = invstd;
    }
}

NN_INLINE void resnorm_backward_group(int g, real *restrict dx, int acc, const real *restrict dy,
                                      const real *restrict x, const real *restrict saved,
                                      real lambda, int c, int n, int f, int t) {
    size_t plane = (size_t)n * f * t;
    double count = (double)c * t;
    if (!dx)
        return;
    {
        int k = g / f, fi = g % f;
        real mean = saved[2 * g], invstd = saved[2 * g + 1];
        size_t o0 = ((size_t)k * f + fi) * t; /* the group's row in channel 0 */
        real lanes_dy[NN_LANES] = {0}, lanes_dyx[NN_LANES] = {0};
        for (int ch = 0; ch < c; ch++) {
            const real *dyr = dy + ch * plane + o0, *xr = x + ch * plane + o0;
            int ti = 0;
            for (; ti + NN_LANES <= t; ti += NN_LANES)
                for (int l = 0; l < NN_LANES; l++) {
                    lanes_dy[l] += dyr[ti + l];
                    lanes_dyx[l] += dyr[ti + l] * (xr[ti + l] - mean);
                }
            for (int l = 0; ti + l < t; l++) {
                lanes_dy[l] += dyr[ti + l];
                lanes_dyx[l] += dyr[ti + l] * (xr[ti + l] - mean);
            }
        }
        double sum_dy = nn_lanes_total(lanes_dy), sum_dy_xhat = nn_lanes_total(lanes_dyx) * invstd;
        real m_dy = (real)(sum_dy / count), m_dyx = (real)(sum_dy_xhat / count);
        for (int ch = 0; ch < c; ch++)
            for (int ti = 0; ti < t; ti++) {
                size_t o = ch * plane + ((size_t)k * f + fi) * t + ti;
                real xhat = (x[o] - mean) * invstd;
                real d = lambda * dy[o] + invstd * (dy[o] - m_dy - xhat * m_dyx);
                dx[o] = acc ? dx[o] + d : d;
            }
    }
}

#endif
