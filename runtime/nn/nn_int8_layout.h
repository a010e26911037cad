/* INT8 data movement and the float boundary: the feature pyramid's 2x
 * upsamplings and flatten on codes (a code moves with its grid unchanged),
 * the input features onto their grid, and the logits back to float. Strict
 * C99, header-only; see docs/int8.md. */
#ifndef NN_INT8_LAYOUT_H
#define NN_INT8_LAYOUT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes of the pixel shuffle's interleaved rows on the stack. */
#define NN_I8_SHUFFLE_BYTES 2048

/* out[2m] = p0[m], out[2m + 1] = p1[m] for m < n: one long loop, which GCC
 * vectorises with byte unpacks, where rows of 4 to 16 codes would not be. */
static inline void nn_i8_interleave2(uint8_t *out, const uint8_t *p0, const uint8_t *p1, size_t n) {
    for (size_t m = 0; m < n; m++) {
        out[2 * m] = p0[m];
        out[2 * m + 1] = p1[m];
    }
}

/* PyTorch's PixelShuffle(2): channel 4c + 2i + j at (f, t) goes to channel c at
 * (2f + i, 2t + j). x: 4c x n x f x t; y: c x n x 2f x 2t. Output row
 * (c, clip, 2f + i) interleaves row f of channels 4c + 2i and 4c + 2i + 1: the
 * two planes are interleaved whole, a block of rows at a time, and the rows
 * copied to every other output row. */
static inline void nn_i8_pixel_shuffle2(uint8_t *y, const uint8_t *x, int c, int n, int f, int t) {
    size_t plane = (size_t)n * f * t, row = 2 * (size_t)t;
    int staged = row <= NN_I8_SHUFFLE_BYTES; /* else a row is interleaved in place */
    int block = staged ? (int)(NN_I8_SHUFFLE_BYTES / row) : 1;
    uint8_t rows[NN_I8_SHUFFLE_BYTES];
    for (int ch = 0; ch < c; ch++)
        for (int k = 0; k < n; k++)
            for (int i = 0; i < 2; i++) {
                const uint8_t *x0 = x + (size_t)(4 * ch + 2 * i) * plane + (size_t)k * f * t;
                uint8_t *yi = y + ((size_t)ch * n + k) * 2 * f * row + (size_t)i * row;
                for (int a = 0; a < f; a += block) {
                    int count = f - a < block ? f - a : block;
                    if (!staged) {
                        nn_i8_interleave2(yi + (size_t)a * 2 * row, x0 + (size_t)a * t,
                                          x0 + plane + (size_t)a * t, (size_t)t);
                        continue;
                    }
                    nn_i8_interleave2(rows, x0 + (size_t)a * t, x0 + plane + (size_t)a * t,
                                      (size_t)count * t);
                    for (int r = 0; r < count; r++)
                        memcpy(yi + (size_t)(a + r) * 2 * row, rows + (size_t)r * row, row);
                }
            }
}

/* Nearest-neighbour 2x: x rows x f x t, y rows x 2f x 2t. */
static inline void nn_i8_upsample_nearest2(uint8_t *y, const uint8_t *x, int rows, int f, int t) {
    for (int r = 0; r < rows; r++)
        for (int a = 0; a < 2 * f; a++)
            for (int b = 0; b < 2 * t; b++)
                y[((size_t)r * 2 * f + a) * 2 * t + b] = x[((size_t)r * f + a / 2) * t + b / 2];
}

/* y[(c*F + f)*T + t][n] = x[c][n][f][t]: PyTorch's flatten order, feature-major
 * for nn_i8_linear. */
static inline void nn_i8_flatten(uint8_t *y, const uint8_t *x, int c, int n, int f, int t) {
    for (int ch = 0; ch < c; ch++)
        for (int k = 0; k < n; k++)
            for (int i = 0; i < f * t; i++)
                y[((size_t)ch * f * t + i) * n + k] = x[((size_t)ch * n + k) * f * t + i];
}

/* The input features onto their grid exactly as QAT's fake quantisation puts
 * them (nn_quant.h in float: nearbyint of x / scale, ties to even in the
 * default rounding mode, plus the zero point, clamped). */
static inline void nn_i8_quantize(uint8_t *q, const float *x, size_t n, float scale,
                                  int32_t zero_point) {
    for (size_t i = 0; i < n; i++) {
        float v = nearbyintf(x[i] / scale) + (float)zero_point;
        q[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

/* logits[s][k] = (y[k][s] - zp) * scale: the last linear's codes (classes x n)
 * back to float, in the N x classes order callers see. */
static inline void nn_i8_dequantize_logits(float *logits, const uint8_t *y, int classes, int n,
                                           float scale, int32_t zero_point) {
    for (int k = 0; k < classes; k++)
        for (int s = 0; s < n; s++)
            logits[(size_t)s * classes + k] =
                (float)((int32_t)y[(size_t)k * n + s] - zero_point) * scale;
}

#endif
