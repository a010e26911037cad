/* Pooling over C x N x F x T: max and average over kf x kt windows with stride =
 * window (a partial last window in ceil mode), and the global mean. A plane here is
 * one (channel, clip) pair: planes = C*N. */
#ifndef NN_POOL_H
#define NN_POOL_H

#include "nn_base.h"
#include "nn_reduce.h"

typedef struct PoolShape {
    int planes, f, t, kf, kt, fo, to;
} PoolShape;

/* Output row a of plane xp (window rows a*kf .. within f): the maximum over the
 * window, scanning it row by row, the first maximum winning; with argmax, the
 * winner's offset within the plane (exact in a float for any plane the language
 * allows). Full windows are one loop over the row with constant trip counts. */
NN_INLINE void maxpool_row(real *restrict yr, real *restrict ar, const real *restrict xp, int a,
                           int f, int t, int kf, int kt, int to) {
    int full = t / kt < to ? t / kt : to; /* windows wholly inside the row */
    for (int b = 0; b < to; b++) {
        yr[b] = xp[(size_t)a * kf * t + b * kt];
        if (ar)
            ar[b] = (real)(a * kf * t + b * kt);
    }
    for (int i = a * kf; i < a * kf + kf && i < f; i++)
        for (int j = 0; j < kt; j++) {
            if (i == a * kf && j == 0)
                continue;
            for (int b = 0; b < full; b++) {
                real v = xp[(size_t)i * t + b * kt + j];
                if (ar)
                    ar[b] = v > yr[b] ? (real)(i * t + b * kt + j) : ar[b];
                yr[b] = v > yr[b] ? v : yr[b];
            }
            for (int b = full; b < to; b++) /* the partial last window (ceil mode) */
                if (b * kt + j < t && xp[(size_t)i * t + b * kt + j] > yr[b]) {
                    yr[b] = xp[(size_t)i * t + b * kt + j];
                    if (ar)
                        ar[b] = (real)(i * t + b * kt + j);
                }
        }
}

/* The n planes of channel ch; argmax NULL (inference) keeps no winners. The
 * emitter runs the channels in parallel, each call inlined with constant shapes. */
NN_INLINE void maxpool_forward_channel(int ch, real *restrict y, real *restrict argmax,
                                       const real *restrict x, int n, int f, int t, int kf,
                                       int kt, int fo, int to) {
    for (int p = ch * n; p < (ch + 1) * n; p++)
        for (int a = 0; a < fo; a++) {
            size_t o = ((size_t)p * fo + a) * to;
            maxpool_row(y + o, argmax ? argmax + o : NULL, x + (size_t)p * f * t, a, f, t, kf,
                        kt, to);
        }
}

NN_KERNEL void maxpool_backward(real *restrict dx, int acc, const real *restrict dy,
                                const real *restrict argmax, PoolShape s) {
    if (!acc)
        nn_zero(dx, (size_t)s.planes * s.f * s.t);
    NN_OMP_FOR((size_t)s.planes * s.f * s.t)
    for (int p = 0; p < s.planes; p++)
        for (int o = 0; o < s.fo * s.to; o++) {
            size_t k = (size_t)p * s.fo * s.to + o;
            dx[(size_t)p * s.f * s.t + (size_t)argmax[k]] += dy[k];
        }
}

/* The mean over the part of the window inside the input. */
NN_KERNEL void avgpool_forward(real *restrict y, const real *restrict x, PoolShape s) {
    NN_OMP_FOR((size_t)s.planes * s.f * s.t)
    for (int p = 0; p < s.planes; p++) {
        const real *xp = x + (size_t)p * s.f * s.t;
        for (int a = 0; a < s.fo; a++)
            for (int b = 0; b < s.to; b++) {
                real sum = 0;
                int count = 0;
                for (int i = a * s.kf; i < a * s.kf + s.kf && i < s.f; i++)
                    for (int j = b * s.kt; j < b * s.kt + s.kt && j < s.t; j++, count++)
                        sum += xp[i * s.t + j];
                y[((size_t)p * s.fo + a) * s.to + b] = sum / (real)count;
            }
    }
}

NN_KERNEL void avgpool_backward(real *restrict dx, int acc, const real *restrict dy, PoolShape s) {
    if (!acc)
        nn_zero(dx, (size_t)s.planes * s.f * s.t);
    NN_OMP_FOR((size_t)s.planes * s.f * s.t)
    for (int p = 0; p < s.planes; p++) {
        real *dxp = dx + (size_t)p * s.f * s.t;
        for (int a = 0; a < s.fo; a++)
            for (int b = 0; b < s.to; b++) {
                int fi_end = a * s.kf + s.kf < s.f ? a * s.kf + s.kf : s.f;
                int ti_end = b * s.kt + s.kt < s.t ? b * s.kt + s.kt : s.t;
                int count = (fi_end - a * s.kf) * (ti_end - b * s.kt);
                real g = dy[((size_t)p * s.fo + a) * s.to + b] / (real)count;
                for (int i = a * s.kf; i < fi_end; i++)
                    for (int j = b * s.kt; j < ti_end; j++)
                        dxp[i * s.t + j] += g;
            }
    }
}

/* y[plane] = mean of the plane's `size` values. */
NN_INLINE void globalpool_forward(real *restrict y, const real *restrict x, int planes, int size) {
    for (int p = 0; p < planes; p++)
        y[p] = nn_sum(x + (size_t)p * size, (size_t)size) / (real)size;
}

NN_INLINE void globalpool_backward(real *restrict dx, int acc, const real *restrict dy, int planes,
                                   int size) {
    for (int p = 0; p < planes; p++) {
        real g = dy[p] / (real)size;
        for (int i = 0; i < size; i++) {
            size_t k = (size_t)p * size + i;
            dx[k] = acc ? dx[k] + g : g;
        }
    }
}

#endif
