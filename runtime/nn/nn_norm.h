/* Batch normalisation and SubSpectral Norm in one kernel: S = 1 is BN; S > 1 splits
 * each channel's frequency axis into S sub-bands normalised separately (group
 * c*S + s, as PyTorch's BatchNorm2d(C*S) on the N x C*S x F/S x T view). A group
 * holds N segments of (F/S)*T values, one per clip. eps 1e-5, momentum 0.1; the
 * running variance takes the unbiased batch variance, as PyTorch does. */
#ifndef NN_NORM_H
#define NN_NORM_H

#include "nn_base.h"
#include "nn_reduce.h"

#define NN_NORM_EPS 1e-5
#define NN_NORM_MOMENTUM 0.1

/* The shape of a norm; `saved` keeps the batch mean and 1/std per group for backward. */
typedef struct NormShape {
    int c, subbands, n, f, t;
} NormShape;

/* Segment k (clip) of group (ch, sb): its first value. */
NN_INLINE size_t norm_segment(const NormShape *s, int ch, int sb, int k) {
    size_t plane = (size_t)s->n * s->f * s->t;
    return ch * plane + (size_t)k * s->f * s->t + (size_t)sb * (s->f / s->subbands) * s->t;
}

/* y = x * scale + shift over one group's segments, then max(0, y) if relu. */
NN_INLINE void norm_apply(real *restrict y, const real *restrict x, real scale, real shift,
                          const NormShape *s, int ch, int sb, int relu) {
    size_t seg = (size_t)(s->f / s->subbands) * s->t;
    for (int k = 0; k < s->n; k++) {
        size_t o = norm_segment(s, ch, sb, k);
        if (relu)
            for (size_t i = 0; i < seg; i++) {
                real v = x[o + i] * scale + shift;
                y[o + i] = v > 0 ? v : 0;
            }
        else
            for (size_t i = 0; i < seg; i++)
                y[o + i] = x[o + i] * scale + shift;
    }
}

/* The kernels below handle one group g (channel, or channel and sub-band); the
 * emitter runs the groups in parallel in generated code, so that each call is
 * inlined with constant shapes. */

/* Training: batch statistics; running statistics updated; mean and 1/std saved.
 * relu = 1 fuses a following ReLU: y = max(0, norm(x)). */
NN_INLINE void norm_forward_train_group(int g, real *restrict y, const real *restrict x,
                                        const real *gamma, const real *beta, real *run_mean,
                                        real *run_var, real *saved, NormShape s, int relu) {
    size_t seg = (size_t)(s.f / s.subbands) * s.t, count = seg * s.n;
    {
        int ch = g / s.subbands, sb = g % s.subbands;
        /* Sums per segment at the working precision, in vector lanes; across segments
         * in double. */
        double sum = 0, sq = 0;
        for (int k = 0; k < s.n; k++)
            sum += nn_sum(x + norm_segment(&s, ch, sb, k), seg);
        double mean = sum / (double)count;
        real m = (real)mean;
        for (int k = 0; k < s.n; k++) {
            real lanes[NN_LANES] = {0};
            nn_lanes_sq_dev(lanes, x + norm_segment(&s, ch, sb, k), m, seg);
            sq += nn_lanes_total(lanes);
        }
        double var = sq / (double)count;
        real invstd = (real)(1 / sqrt(var + NN_NORM_EPS));
        real scale = gamma[g] * invstd, shift = beta[g] - (real)mean * scale;
        norm_apply(y, x, scale, shift, &s, ch, sb, relu);
        saved[2 * g] = (real)mean;
        saved[2 * g + 1] = invstd;
        double unbiased = count > 1 ? sq / (double)(count - 1) : var;
        run_mean[g] = (real)((1 - NN_NORM_MOMENTUM) * run_mean[g] + NN_NORM_MOMENTUM * mean);
        run_var[g] = (real)((1 - NN_NORM_MOMENTUM) * run_var[g] + NN_NORM_MOMENTUM * unbiased);
    }
}

/* Inference folds group g's running statistics and affine parameters into one
 * scale and shift. */
NN_INLINE void norm_infer_scale_shift(int g, const real *gamma, const real *beta,
                                      const real *run_mean, const real *run_var, real *scale,
                                      real *shift) {
    *scale = gamma[g] / nn_sqrt(run_var[g] + (real)NN_NORM_EPS);
    *shift = beta[g] - run_mean[g] * *scale;
}

/* Inference: running statistics. */
NN_INLINE void norm_forward_infer_group(int g, real *restrict y, const real *restrict x,
                                        const real *gamma, const real *beta,
                                        const real *run_mean, const real *run_var, NormShape s,
                                        int relu) {
    real scale, shift;
    norm_infer_scale_shift(g, gamma, beta, run_mean, run_var, &scale, &shift);
    norm_apply(y, x, scale, shift, &s, g / s.subbands, g % s.subbands, relu);
}

/* dx = gamma/std * (dy - mean(dy) - xhat * mean(dy * xhat)), over each group. With a
 * fused ReLU (relu = 1) dy first passes only where the norm's output was positive,
 * recomputed from x with forward's own scale and shift (the same operations give
 * the same values) rather than read from the stored output: one stream less. */
NN_INLINE void norm_backward_group(int g, real *restrict dx, int acc, real *dgamma, real *dbeta,
                                   const real *restrict dy, const real *restrict x,
                                   const real *gamma, const real *beta, const real *saved,
                                   NormShape s, int relu) {
    size_t seg = (size_t)(s.f / s.subbands) * s.t, count = seg * s.n;
    int ch = g / s.subbands, sb = g % s.subbands;
    real mean = saved[2 * g], invstd = saved[2 * g + 1];
    real scale = gamma[g] * invstd, shift = beta[g] - mean * scale;
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int k = 0; k < s.n; k++) {
        size_t o = norm_segment(&s, ch, sb, k);
        real lanes_dy[NN_LANES] = {0}, lanes_dyx[NN_LANES] = {0};
        size_t i = 0;
        for (; i + NN_LANES <= seg; i += NN_LANES)
            for (int l = 0; l < NN_LANES; l++) {
                size_t e = o + i + l;
                real d = relu ? dy[e] * (real)(x[e] * scale + shift > 0) : dy[e];
                lanes_dy[l] += d;
                lanes_dyx[l] += d * (x[e] - mean);
            }
        for (int l = 0; i + (size_t)l < seg; l++) {
            size_t e = o + i + l;
            real d = relu ? dy[e] * (real)(x[e] * scale + shift > 0) : dy[e];
            lanes_dy[l] += d;
            lanes_dyx[l] += d * (x[e] - mean);
        }
        sum_dy += nn_lanes_total(lanes_dy);
        sum_dy_xhat += nn_lanes_total(lanes_dyx) * invstd;
    }
    dgamma[g] += (real)sum_dy_xhat;
    dbeta[g] += (real)sum_dy;
    if (!dx)
        return;
    real m_dy = (real)(sum_dy / (double)count), m_dyx = (real)(sum_dy_xhat / (double)count);
    for (int k = 0; k < s.n; k++) {
        size_t o = norm_segment(&s, ch, sb, k);
        for (size_t i = 0; i < seg; i++) {
            real xhat = (x[o + i] - mean) * invstd;
            real dyi = relu ? dy[o + i] * (real)(x[o + i] * scale + shift > 0) : dy[o + i];
            real d = scale * (dyi - m_dy - xhat * m_dyx);
            dx[o + i] = acc ? dx[o + i] + d : d;
        }
    }
}

#endif
