/* The reductions and broadcasts of broadcast residual learning and MFA attention:
 * means over frequency or time, a frequency-broadcast sum and a time-broadcast
 * product. A "row" is one (channel, clip) pair. Each kernel handles the n rows of
 * one channel ch; the emitter runs the channels in parallel in generated code, so
 * each call is inlined with constant shapes. Input gradients may be NULL (the
 * model input's, when the caller does not want it). */
#ifndef NN_BROADCAST_H
#define NN_BROADCAST_H

#include "nn_base.h"
#include "nn_reduce.h"

/* y[r][t] = mean over f of x[r][f][t]. */
NN_INLINE void mean_f_forward_channel(int ch, real *restrict y, const real *restrict x, int n,
                                      int f, int t) {
    for (int r = ch * n; r < (ch + 1) * n; r++) {
        real *yr = y + (size_t)r * t;
        const real *xr = x + (size_t)r * f * t;
        for (int j = 0; j < t; j++)
            yr[j] = 0;
        for (int i = 0; i < f; i++)
            for (int j = 0; j < t; j++)
                yr[j] += xr[i * t + j];
        for (int j = 0; j < t; j++)
            yr[j] /= (real)f;
    }
}

NN_INLINE void mean_f_backward_channel(int ch, real *restrict dx, int acc, const real *restrict dy,
                                       int n, int f, int t) {
    if (!dx)
        return;
    for (int r = ch * n; r < (ch + 1) * n; r++)
        for (int i = 0; i < f; i++)
            for (int j = 0; j < t; j++) {
                size_t o = ((size_t)r * f + i) * t + j;
                real g = dy[(size_t)r * t + j] / (real)f;
                dx[o] = acc ? dx[o] + g : g;
            }
}

/* y[r][f] = mean over t of x[r][f][t]. */
NN_INLINE void mean_t_forward_channel(int ch, real *restrict y, const real *restrict x, int n,
                                      int f, int t) {
    for (size_t i = (size_t)ch * n * f; i < (size_t)(ch + 1) * n * f; i++) {
        real sum = 0;
        for (int j = 0; j < t; j++)
            sum += x[i * t + j];
        y[i] = sum / (real)t;
    }
}

NN_INLINE void mean_t_backward_channel(int ch, real *restrict dx, int acc, const real *restrict dy,
                                       int n, int f, int t) {
    if (!dx)
        return;
    for (size_t i = (size_t)ch * n * f; i < (size_t)(ch + 1) * n * f; i++) {
        real g = dy[i] / (real)t;
        for (int j = 0; j < t; j++)
            dx[i * t + j] = acc ? dx[i * t + j] + g : g;
    }
}

/* y = a (+ b) + u broadcast over frequency; b may be NULL. u is rows x t. */
NN_INLINE void bcast_add_f_forward_channel(int ch, real *restrict y, const real *restrict a,
                                           const real *restrict b, const real *restrict u, int n,
                                           int f, int t) {
    for (int r = ch * n; r < (ch + 1) * n; r++)
        for (int i = 0; i < f; i++)
            for (int j = 0; j < t; j++) {
                size_t o = ((size_t)r * f + i) * t + j;
                y[o] = a[o] + (b ? b[o] : 0) + u[(size_t)r * t + j];
            }
}

/* da and db get dy; du gets dy summed over frequency; one pass over dy. Any
 * gradient may be NULL. */
NN_INLINE void bcast_add_f_backward_channel(int ch, real *restrict da, int acc_a, real *restrict db,
                                            int acc_b, real *restrict du, int acc_u,
                                            const real *restrict dy, int n, int f, int t) {
    for (int r = ch * n; r < (ch + 1) * n; r++) {
        real *ur = du ? du + (size_t)r * t : NULL;
        if (ur && !acc_u)
            for (int j = 0; j < t; j++)
                ur[j] = 0;
        for (int i = 0; i < f; i++)
            for (int j = 0; j < t; j++) {
                size_t o = ((size_t)r * f + i) * t + j;
                real d = dy[o];
                if (da)
                    da[o] = acc_a ? da[o] + d : d;
                if (db)
                    db[o] = acc_b ? db[o] + d : d;
                if (ur)
                    ur[j] += d;
            }
    }
}

/* y[r][f][t] = x[r][f][t] * a[r][f]. */
NN_INLINE void bcast_mul_t_forward_channel(int ch, real *restrict y, const real *restrict x,
                                           const real *restrict a, int n, int f, int t) {
    for (size_t i = (size_t)ch * n * f; i < (size_t)(ch + 1) * n * f; i++)
        for (int j = 0; j < t; j++)
            y[i * t + j] = x[i * t + j] * a[i];
}

NN_INLINE void bcast_mul_t_backward_channel(int ch, real *restrict dx, int acc_x,
                                            real *restrict da, int acc_a, const real *restrict dy,
                                            const real *restrict x, const real *restrict a, int n,
                                            int f, int t) {
    for (size_t i = (size_t)ch * n * f; i < (size_t)(ch + 1) * n * f; i++) {
        real g = 0;
        for (int j = 0; j < t; j++) {
            g += dy[i * t + j] * x[i * t + j];
            if (dx)
                dx[i * t + j] = (acc_x ? dx[i * t + j] : 0) + dy[i * t + j] * a[i];
        }
        if (da)
            da[i] = (acc_a ? da[i] : 0) + g;
    }
}

#endif
