/* Sums that vectorise. A plain `s += x[i]` loop is one serial chain of adds that the
 * compiler may not reorder (float addition is not associative), so it runs at one
 * add per latency. These keep NN_LANES independent partial sums, one vector
 * register's worth, and combine them in a fixed order at the end: the result does
 * not depend on the thread count or the run. */
#ifndef NN_REDUCE_H
#define NN_REDUCE_H

#include "nn_base.h"

#define NN_LANES 16

/* The lanes' total, pairwise. */
NN_INLINE real nn_lanes_total(real acc[NN_LANES]) {
    for (int w = NN_LANES / 2; w > 0; w /= 2)
        for (int l = 0; l < w; l++)
            acc[l] += acc[l + w];
    return acc[0];
}

/* acc[i % NN_LANES] += x[i] (the lanes of a sum over several arrays). */
NN_INLINE void nn_lanes_add(real acc[NN_LANES], const real *restrict x, size_t n) {
    size_t i = 0;
    for (; i + NN_LANES <= n; i += NN_LANES)
        for (int l = 0; l < NN_LANES; l++)
            acc[l] += x[i + l];
    for (int l = 0; i + (size_t)l < n; l++)
        acc[l] += x[i + l];
}

/* acc[i % NN_LANES] += a[i] * b[i]. */
NN_INLINE void nn_lanes_dot(real acc[NN_LANES], const real *restrict a, const real *restrict b,
                            size_t n) {
    size_t i = 0;
    for (; i + NN_LANES <= n; i += NN_LANES)
        for (int l = 0; l < NN_LANES; l++)
            acc[l] += a[i + l] * b[i + l];
    for (int l = 0; i + (size_t)l < n; l++)
        acc[l] += a[i + l] * b[i + l];
}

/* acc[i % NN_LANES] += (x[i] - m)^2. */
NN_INLINE void nn_lanes_sq_dev(real acc[NN_LANES], const real *restrict x, real m, size_t n) {
    size_t i = 0;
    for (; i + NN_LANES <= n; i += NN_LANES)
        for (int l = 0; l < NN_LANES; l++)
            acc[l] += (x[i + l] - m) * (x[i + l] - m);
    for (int l = 0; i + (size_t)l < n; l++)
        acc[l] += (x[i + l] - m) * (x[i + l] - m);
}

NN_INLINE real nn_sum(const real *restrict x, size_t n) {
    real acc[NN_LANES] = {0};
    nn_lanes_add(acc, x, n);
    return nn_lanes_total(acc);
}

NN_INLINE real nn_dot(const real *restrict a, const real *restrict b, size_t n) {
    real acc[NN_LANES] = {0};
    nn_lanes_dot(acc, a, b, n);
    return nn_lanes_total(acc);
}

#endif
