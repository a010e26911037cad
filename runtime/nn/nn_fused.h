/* Inference-only fusions of a step with the norm (and relu) after it: with
 * running statistics the norm is a per-group scale and shift, applied while the
 * step's output is still in cache, and that output is never stored. The emitter
 * uses them when the norm is the only reader of the step's output. Each kernel
 * handles channel ch; the emitter runs the channels in parallel. */
#ifndef NN_FUSED_H
#define NN_FUSED_H

#include "nn_base.h"
#include "nn_conv.h"
#include "nn_norm.h"

/* y = y * scale + shift over n values, then max(0, y) if relu (as norm_apply). */
NN_INLINE void nn_scale_shift_in_place(real *restrict y, real scale, real shift, size_t n,
                                       int relu) {
    for (size_t i = 0; i < n; i++) {
        real v = y[i] * scale + shift;
        y[i] = relu ? (v > 0 ? v : 0) : v;
    }
}

/* depthwise conv -> norm (-> relu), clip by clip: a clip's conv output is
 * normalised in place while it is in L1. */
NN_INLINE void dwconv_norm_infer_channel(int ch, real *restrict y, const real *restrict x,
                                         const real *restrict w, const real *gamma,
                                         const real *beta, const real *run_mean,
                                         const real *run_var, int n, int f, int t, int kf, int kt,
                                         int pf, int pt, int subbands, int relu) {
    size_t plane = (size_t)n * f * t, clip = (size_t)f * t, band = (size_t)(f / subbands) * t;
    for (int s = 0; s < n; s++) {
        real *ys = y + ch * plane + s * clip;
        dwconv_rows(ys, x + ch * plane + s * clip, w + (size_t)ch * kf * kt, 0, 0, 1, f, t, kf, kt,
                    pf, pt);
        for (int sb = 0; sb < subbands; sb++) {
            real scale, shift;
            norm_infer_scale_shift(ch * subbands + sb, gamma, beta, run_mean, run_var, &scale,
                                   &shift);
            nn_scale_shift_in_place(ys + sb * band, scale, shift, band, relu);
        }
    }
}

/* a (+ b) + u broadcast over frequency -> norm (-> relu), in one pass. */
NN_INLINE void bcast_add_f_norm_infer_channel(int ch, real *restrict y, const real *restrict a,
                                              const real *restrict b, const real *restrict u,
                                              const real *gamma, const real *beta,
                                              const real *run_mean, const real *run_var, int n,
                                              int f, int t, int subbands, int relu) {
    int fb = f / subbands;
    for (int r = ch * n; r < (ch + 1) * n; r++)
        for (int sb = 0; sb < subbands; sb++) {
            real scale, shift;
            norm_infer_scale_shift(ch * subbands + sb, gamma, beta, run_mean, run_var, &scale,
                                   &shift);
            for (int i = sb * fb; i < (sb + 1) * fb; i++)
                for (int j = 0; j < t; j++) {
                    size_t o = ((size_t)r * f + i) * t + j;
                    real v = (a[o] + (b ? b[o] : 0) + u[(size_t)r * t + j]) * scale + shift;
                    y[o] = relu ? (v > 0 ? v : 0) : v;
                }
        }
}

#endif
