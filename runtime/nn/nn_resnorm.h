/* ResNorm: y = lambda*x + (x - mean)/sqrt(var + 1e-8), mean and biased variance over
 * channels and time for each clip and frequency bin. Saves mean and 1/std per
 * (clip, bin), at 2*(clip*F + bin), for backward. */
#ifndef NN_RESNORM_H
#define NN_RESNORM_H

#include "nn_base.h"
#include "nn_reduce.h"

#define NN_RESNORM_EPS 1e-8

/* Values of one clip's rows whose statistics are gathered at once: sums over the
 * channels run down columns (vector adds over contiguous memory) into a buffer of
 * this size, then each row's total is taken once. The channels' rows of a block
 * stay in cache across the passes. */
#define NN_RESNORM_SPAN 512

/* The emitter runs the clips in parallel. Row block [f0, f0 + nr) of clip k: its
 * rows' sums, then squared deviations, then the output. */
NN_INLINE void resnorm_forward_block(int k, int f0, int nr, real *restrict y, real *restrict saved,
                                     const real *restrict x, real lambda, int c, int n, int f,
                                     int t) {
    size_t plane = (size_t)n * f * t, base = ((size_t)k * f + f0) * t, len = (size_t)nr * t;
    real *sv = saved + 2 * ((size_t)k * f + f0);
    real acc[NN_RESNORM_SPAN];
    for (size_t e = 0; e < len; e++)
        acc[e] = 0;
    for (int ch = 0; ch < c; ch++)
        for (size_t e = 0; e < len; e++)
            acc[e] += x[ch * plane + base + e];
    for (int r = 0; r < nr; r++)
        sv[2 * r] = nn_sum(acc + (size_t)r * t, (size_t)t) / (real)(c * t);
    for (size_t e = 0; e < len; e++)
        acc[e] = 0;
    for (int ch = 0; ch < c; ch++)
        for (int r = 0; r < nr; r++) {
            real m = sv[2 * r];
            const real *xr = x + ch * plane + base + (size_t)r * t;
            for (int j = 0; j < t; j++)
                acc[r * t + j] += (xr[j] - m) * (xr[j] - m);
        }
    for (int r = 0; r < nr; r++)
        sv[2 * r + 1] = (real)(1 / sqrt(nn_sum(acc + (size_t)r * t, (size_t)t) / ((double)c * t) +
                                        NN_RESNORM_EPS));
    for (int ch = 0; ch < c; ch++)
        for (int r = 0; r < nr; r++) {
            real m = sv[2 * r], invstd = sv[2 * r + 1];
            size_t o = ch * plane + base + (size_t)r * t;
            for (int j = 0; j < t; j++)
                y[o + j] = lambda * x[o + j] + (x[o + j] - m) * invstd;
        }
}

/* Rows of a block: as many as fit the span (rows longer than it use the row-wise
 * kernels below). */
NN_INLINE int resnorm_block_rows(int t) { return t <= NN_RESNORM_SPAN ? NN_RESNORM_SPAN / t : 0; }

/* A row (clip k, bin fi) longer than the span: sums in vector lanes along it. */
NN_INLINE void resnorm_forward_row(int k, int fi, real *restrict y, real *restrict saved,
                                   const real *restrict x, real lambda, int c, int n, int f,
                                   int t) {
    size_t plane = (size_t)n * f * t, base = ((size_t)k * f + fi) * t;
    real *sv = saved + 2 * ((size_t)k * f + fi);
    real lanes[NN_LANES] = {0};
    for (int ch = 0; ch < c; ch++)
        nn_lanes_add(lanes, x + ch * plane + base, (size_t)t);
    sv[0] = nn_lanes_total(lanes) / (real)(c * t);
    real lanes_sq[NN_LANES] = {0};
    for (int ch = 0; ch < c; ch++)
        nn_lanes_sq_dev(lanes_sq, x + ch * plane + base, sv[0], (size_t)t);
    sv[1] = (real)(1 / sqrt(nn_lanes_total(lanes_sq) / ((double)c * t) + NN_RESNORM_EPS));
    for (int ch = 0; ch < c; ch++)
        for (int j = 0; j < t; j++) {
            size_t o = ch * plane + base + j;
            y[o] = lambda * x[o] + (x[o] - sv[0]) * sv[1];
        }
}

NN_INLINE void resnorm_forward_clip(int k, real *restrict y, real *restrict saved,
                                    const real *restrict x, real lambda, int c, int n, int f,
                                    int t) {
    int rows = resnorm_block_rows(t);
    if (rows == 0)
        for (int fi = 0; fi < f; fi++)
            resnorm_forward_row(k, fi, y, saved, x, lambda, c, n, f, t);
    else
        for (int f0 = 0; f0 < f; f0 += rows)
            resnorm_forward_block(k, f0, f - f0 < rows ? f - f0 : rows, y, saved, x, lambda, c, n,
                                  f, t);
}

/* dx = lambda dy + invstd (dy - mean(dy) - xhat mean(dy xhat)) per (clip, bin);
 * sums_dy and sums_dyx: per row of the block. */
NN_INLINE void resnorm_backward_rows(int k, int f0, int nr, const real *sums_dy,
                                     const real *sums_dyx, real *restrict dx, int acc,
                                     const real *restrict dy, const real *restrict x,
                                     const real *restrict saved, real lambda, int c, int n, int f,
                                     int t) {
    size_t plane = (size_t)n * f * t, base = ((size_t)k * f + f0) * t;
    const real *sv = saved + 2 * ((size_t)k * f + f0);
    real count = (real)(c * t);
    for (int ch = 0; ch < c; ch++)
        for (int r = 0; r < nr; r++) {
            real mean = sv[2 * r], invstd = sv[2 * r + 1];
            real m_dy = sums_dy[r] / count, m_dyx = sums_dyx[r] * invstd / count;
            size_t o = ch * plane + base + (size_t)r * t;
            for (int j = 0; j < t; j++) {
                real xhat = (x[o + j] - mean) * invstd;
                real d = lambda * dy[o + j] + invstd * (dy[o + j] - m_dy - xhat * m_dyx);
                dx[o + j] = acc ? dx[o + j] + d : d;
            }
        }
}

NN_INLINE void resnorm_backward_block(int k, int f0, int nr, real *restrict dx, int acc,
                                      const real *restrict dy, const real *restrict x,
                                      const real *restrict saved, real lambda, int c, int n, int f,
                                      int t) {
    size_t plane = (size_t)n * f * t, base = ((size_t)k * f + f0) * t, len = (size_t)nr * t;
    const real *sv = saved + 2 * ((size_t)k * f + f0);
    real acc_dy[NN_RESNORM_SPAN], acc_dyx[NN_RESNORM_SPAN];
    for (size_t e = 0; e < len; e++)
        acc_dy[e] = acc_dyx[e] = 0;
    for (int ch = 0; ch < c; ch++)
        for (int r = 0; r < nr; r++) {
            real mean = sv[2 * r];
            size_t o = ch * plane + base + (size_t)r * t;
            for (int j = 0; j < t; j++) {
                acc_dy[r * t + j] += dy[o + j];
                acc_dyx[r * t + j] += dy[o + j] * (x[o + j] - mean);
            }
        }
    real sums_dy[NN_RESNORM_SPAN], sums_dyx[NN_RESNORM_SPAN];
    for (int r = 0; r < nr; r++) {
        sums_dy[r] = nn_sum(acc_dy + (size_t)r * t, (size_t)t);
        sums_dyx[r] = nn_sum(acc_dyx + (size_t)r * t, (size_t)t);
    }
    resnorm_backward_rows(k, f0, nr, sums_dy, sums_dyx, dx, acc, dy, x, saved, lambda, c, n, f, t);
}

NN_INLINE void resnorm_backward_row(int k, int fi, real *restrict dx, int acc,
                                    const real *restrict dy, const real *restrict x,
                                    const real *restrict saved, real lambda, int c, int n, int f,
                                    int t) {
    size_t plane = (size_t)n * f * t, base = ((size_t)k * f + fi) * t;
    real mean = saved[2 * ((size_t)k * f + fi)];
    real lanes_dy[NN_LANES] = {0}, lanes_dyx[NN_LANES] = {0};
    for (int ch = 0; ch < c; ch++) {
        nn_lanes_add(lanes_dy, dy + ch * plane + base, (size_t)t);
        for (int j = 0; j < t; j++)
            lanes_dyx[j % NN_LANES] += dy[ch * plane + base + j] * (x[ch * plane + base + j] - mean);
    }
    real sum_dy = nn_lanes_total(lanes_dy), sum_dyx = nn_lanes_total(lanes_dyx);
    resnorm_backward_rows(k, fi, 1, &sum_dy, &sum_dyx, dx, acc, dy, x, saved, lambda, c, n, f, t);
}

NN_INLINE void resnorm_backward_clip(int k, real *restrict dx, int acc, const real *restrict dy,
                                     const real *restrict x, const real *restrict saved,
                                     real lambda, int c, int n, int f, int t) {
    if (!dx)
        return;
    int rows = resnorm_block_rows(t);
    if (rows == 0)
        for (int fi = 0; fi < f; fi++)
            resnorm_backward_row(k, fi, dx, acc, dy, x, saved, lambda, c, n, f, t);
    else
        for (int f0 = 0; f0 < f; f0 += rows)
            resnorm_backward_block(k, f0, f - f0 < rows ? f - f0 : rows, dx, acc, dy, x, saved,
                                   lambda, c, n, f, t);
}

#endif
