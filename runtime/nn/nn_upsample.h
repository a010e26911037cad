/* 2x upsampling for the feature pyramid: pixel shuffle (channel 4c + 2i + j at
 * (f, t) goes to channel c at (2f + i, 2t + j), as PyTorch's PixelShuffle(2)) and
 * nearest neighbour. */
#ifndef NN_UPSAMPLE_H
#define NN_UPSAMPLE_H

#include "nn_base.h"

/* x: 4c x N x f x t; y: c x N x 2f x 2t. Output channel ch; the emitter runs the
 * channels in parallel. */
NN_INLINE void pixel_shuffle_forward_channel(int ch, real *restrict y, const real *restrict x,
                                             int n, int f, int t) {
    for (int k = 0; k < n; k++)
        for (int a = 0; a < 2 * f; a++)
            for (int b = 0; b < 2 * t; b++) {
                int src = 4 * ch + 2 * (a % 2) + b % 2;
                y[(((size_t)ch * n + k) * 2 * f + a) * 2 * t + b] =
                    x[(((size_t)src * n + k) * f + a / 2) * t + b / 2];
            }
}

/* The gradients of input channels 4ch .. 4ch + 3. */
NN_INLINE void pixel_shuffle_backward_channel(int ch, real *restrict dx, int acc,
                                              const real *restrict dy, int n, int f, int t) {
    for (int k = 0; k < n; k++)
        for (int a = 0; a < 2 * f; a++)
            for (int b = 0; b < 2 * t; b++) {
                int src = 4 * ch + 2 * (a % 2) + b % 2;
                size_t o = (((size_t)src * n + k) * f + a / 2) * t + b / 2;
                real g = dy[(((size_t)ch * n + k) * 2 * f + a) * 2 * t + b];
                dx[o] = acc ? dx[o] + g : g;
            }
}

/* x: rows x f x t; y: rows x 2f x 2t. */
NN_INLINE void upsample_nearest_forward(real *restrict y, const real *restrict x, int rows, int f,
                                        int t) {
    for (int r = 0; r < rows; r++)
        for (int a = 0; a < 2 * f; a++)
            for (int b = 0; b < 2 * t; b++)
                y[((size_t)r * 2 * f + a) * 2 * t + b] = x[((size_t)r * f + a / 2) * t + b / 2];
}

NN_INLINE void upsample_nearest_backward(real *restrict dx, int acc, const real *restrict dy,
                                         int rows, int f, int t) {
    if (!acc)
        nn_zero(dx, (size_t)rows * f * t);
    for (int r = 0; r < rows; r++)
        for (int a = 0; a < 2 * f; a++)
            for (int b = 0; b < 2 * t; b++)
                dx[((size_t)r * f + a / 2) * t + b / 2] += dy[((size_t)r * 2 * f + a) * 2 * t + b];
}

#endif
