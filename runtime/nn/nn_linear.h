/* Fully connected layers on feature-major vectors (features x N), flatten from
 * C x N x F x T into (C*F*T) x N in PyTorch's feature order, and the final
 * transpose of the logits into the N x classes the caller sees. */
#ifndef NN_LINEAR_H
#define NN_LINEAR_H

#include "nn_base.h"

/* y (out x N) = w (out x in) . x (in x N) + b. */
NN_INLINE void linear_forward(real *y, const real *x, const real *w, const real *b, int in, int out,
                              int n) {
    nn_gemm(0, 0, out, n, in, 1, w, in, x, n, 0, y, n);
    if (b)
        for (int o = 0; o < out; o++)
            for (int k = 0; k < n; k++)
                y[o * n + k] += b[o];
}

NN_INLINE void linear_backward(real *dx, int acc, real *dw, real *db, const real *dy,
                               const real *x, const real *w, int in, int out, int n) {
    nn_gemm(0, 1, out, in, n, 1, dy, n, x, n, 1, dw, in);
    if (db)
        for (int o = 0; o < out; o++)
            for (int k = 0; k < n; k++)
                db[o] += dy[o * n + k];
    if (dx)
        nn_gemm(1, 0, in, n, out, 1, w, in, dy, n, acc ? 1 : 0, dx, n);
}

/* y[(c*F + f)*T + t][n] = x[c][n][f][t]. */
NN_INLINE void flatten_forward(real *restrict y, const real *restrict x, int c, int n, int f,
                               int t) {
    for (int ch = 0; ch < c; ch++)
        for (int k = 0; k < n; k++)
            for (int i = 0; i < f * t; i++)
                y[((size_t)ch * f * t + i) * n + k] = x[((size_t)ch * n + k) * f * t + i];
}

NN_INLINE void flatten_backward(real *restrict dx, int acc, const real *restrict dy, int c, int n,
                                int f, int t) {
    for (int ch = 0; ch < c; ch++)
        for (int k = 0; k < n; k++)
            for (int i = 0; i < f * t; i++) {
                size_t xi = ((size_t)ch * n + k) * f * t + i;
                real g = dy[((size_t)ch * f * t + i) * n + k];
                dx[xi] = acc ? dx[xi] + g : g;
            }
}

/* logits[n][k] = y[k][n]. */
NN_INLINE void logits_forward(real *restrict logits, const real *restrict y, int classes, int n) {
    for (int k = 0; k < classes; k++)
        for (int s = 0; s < n; s++)
            logits[s * classes + k] = y[k * n + s];
}

NN_INLINE void logits_backward(real *restrict dy, const real *restrict dlogits, int classes, int n) {
    for (int k = 0; k < classes; k++)
        for (int s = 0; s < n; s++)
            dy[k * n + s] = dlogits[s * classes + k];
}

#endif
