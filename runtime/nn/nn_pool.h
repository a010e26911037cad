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

/* The maximum of window (a, b) of plane xp over its rows [a*kf, a*kf + rows) and
 * columns [b*kt, b*kt + cols), scanned row by row, the first maximum winning;
 * with ar, the winner's offset within the plane (exact in a float for any plane
 * the language allows). */
NN_INLINE void maxpool_window(real *restrict yr, real *restrict ar, const real *restrict xp, int a,
                              int b, int rows, int cols, int t, int kf, int kt) {
    int first = a * kf * t + b * kt, arg = first;
    real best = xp[first];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            int o = first + i * t + j, take = xp[o] > best;
            arg += take * (o - arg); /* not ?: which became a branch that mispredicts */
            best = xp[o] > best ? xp[o] : best;
        }
    yr[b] = best;
    if (ar)
        ar[b] = (real)arg;
}

/* Output row a: full windows with the window's constant extent (the compiler
 * unrolls it and vectorises across windows), then any partial ones (ceil mode). */
NN_INLINE void maxpool_row(real *restrict yr, real *restrict ar, const real *restrict xp, int a,
                           int f, int t, int kf, int kt, int to) {
    int rows = f - a * kf < kf ? f - a * kf : kf;
    int full = t / kt < to ? t / kt : to; /* windows wholly inside the row */
    if (rows == kf)
        for (int b = 0; b < full; b++)
            maxpool_window(yr, ar, xp, a, b, kf, kt, t, kf, kt);
    else
        for (int b = 0; b < full; b++)
            maxpool_window(yr, ar, xp, a, b, rows, kt, t, kf, kt);
    for (int b = full; b < to; b++)
        maxpool_window(yr, ar, xp, a, b, rows, t - b * kt, t, kf, kt);
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
