/* Element-wise kernels: copies, sums and activations, on n contiguous values. */
#ifndef NN_ELEMENTWISE_H
#define NN_ELEMENTWISE_H

#include "nn_base.h"

NN_INLINE void copy_forward(real *restrict y, const real *restrict x, size_t n) {
    nn_write(y, x, n, 0);
}

NN_INLINE void copy_backward(real *restrict dx, const real *restrict dy, size_t n, int acc) {
    nn_write(dx, dy, n, acc);
}

NN_INLINE void add_range(real *restrict y, const real *restrict a, const real *restrict b,
                         size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        y[i] = a[i] + b[i];
}

NN_INLINE void add_forward(real *y, const real *a, const real *b, size_t n) {
    NN_SPLIT(n, add_range(y, a, b, nn_lo, nn_hi));
}

/* Both operands receive dy; either gradient may be NULL (no gradient wanted). */
NN_INLINE void add_backward(real *da, int acc_a, real *db, int acc_b, const real *dy, size_t n) {
    if (da)
        nn_write(da, dy, n, acc_a);
    if (db)
        nn_write(db, dy, n, acc_b);
}

NN_INLINE void relu_range(real *restrict y, const real *restrict x, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

NN_INLINE void relu_forward(real *y, const real *x, size_t n) {
    NN_SPLIT(n, relu_range(y, x, nn_lo, nn_hi));
}

/* Branch-free: the sign of y is random, a branch would mispredict half the time. */
NN_INLINE void relu_backward_range(real *restrict dx, const real *restrict dy,
                                   const real *restrict y, size_t lo, size_t hi, int acc) {
    if (acc)
        for (size_t i = lo; i < hi; i++)
            dx[i] += dy[i] * (real)(y[i] > 0);
    else
        for (size_t i = lo; i < hi; i++)
            dx[i] = dy[i] * (real)(y[i] > 0);
}

/* Uses the output: y > 0 exactly where x > 0. */
NN_INLINE void relu_backward(real *dx, const real *dy, const real *y, size_t n, int acc) {
    NN_SPLIT(n, relu_backward_range(dx, dy, y, nn_lo, nn_hi, acc));
}

NN_INLINE real nn_sigmoid(real x) { return 1 / (1 + nn_exp(-x)); }

NN_INLINE void sigmoid_range(real *restrict y, const real *restrict x, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++)
        y[i] = nn_sigmoid(x[i]);
}

/* Split between the threads: an exp costs ~15 cycles, and MFA's attention maps at
 * batch 64 (up to 163,840 values each) took 0.8 ms apiece on one thread. */
NN_INLINE void sigmoid_forward(real *y, const real *x, size_t n) {
    NN_SPLIT(n, sigmoid_range(y, x, nn_lo, nn_hi));
}

NN_INLINE void sigmoid_backward_range(real *restrict dx, const real *restrict dy,
                                      const real *restrict y, size_t lo, size_t hi, int acc) {
    for (size_t i = lo; i < hi; i++) {
        real g = dy[i] * y[i] * (1 - y[i]);
        dx[i] = acc ? dx[i] + g : g;
    }
}

NN_INLINE void sigmoid_backward(real *dx, const real *dy, const real *y, size_t n, int acc) {
    NN_SPLIT(n, sigmoid_backward_range(dx, dy, y, nn_lo, nn_hi, acc));
}

NN_INLINE void swish_forward(real *y, const real *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * nn_sigmoid(x[i]);
}

NN_INLINE void swish_backward(real *restrict dx, const real *restrict dy, const real *restrict x,
                              size_t n, int acc) {
    for (size_t i = 0; i < n; i++) {
        real s = nn_sigmoid(x[i]);
        real g = dy[i] * (s + x[i] * s * (1 - s));
        dx[i] = acc ? dx[i] + g : g;
    }
}

#endif
