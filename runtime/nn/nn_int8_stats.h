/* Integer statistics for ResNorm: sums and sums of squares of uint8 codes in
 * int64, an exact fixed-point inverse square root, and ResNorm itself on the
 * codes, so INT8 inference needs no float for it. Strict C99, header-only;
 * see docs/int8.md. */
#ifndef NN_INT8_STATS_H
#define NN_INT8_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nn_int8_arith.h"

/* sum and sum of squares of x[i * stride + j], i < outer, j < inner: a
 * (C, T) slab at one frequency bin for ResNorm (outer = C, stride = N*F*T,
 * inner = T), or a frequency column (outer = F, stride = T, inner = 1). The
 * mean is sum / n and n^2 times the biased variance is n sumsq - sum^2, both
 * exact in int64 for n < 2^24. */
static inline void nn_i8_stats(const uint8_t *x, int outer, size_t stride, int inner, int64_t *sum,
                               int64_t *sumsq) {
    int64_t s1 = 0, s2 = 0;
    for (int i = 0; i < outer; i++)
        for (int j = 0; j < inner; j++) {
            int64_t v = x[(size_t)i * stride + j];
            s1 += v;
            s2 += v * v;
        }
    *sum = s1;
    *sumsq = s2;
}

/* a * b as a 128-bit (hi, lo) pair from 32-bit halves: C99 has no wider type. */
static inline void nn_i8_mul_u64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *lo = (mid << 32) | (ll & 0xffffffffu);
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/* 1 / sqrt(d) = mult * 2^(shift - 31), mult in [2^30, 2^31), for d in
 * [1, 2^62); returns 0, or -1 (mult 0) outside. With d = 4^j d', d' in
 * [2^60, 2^62), mult = floor(2^61 / sqrt(d')) exactly (the largest m with
 * m^2 d' <= 2^122, found bit by bit in integers), so the result is below the
 * true value by less than one unit of mult: relative error under 2^-30. */
static inline int nn_i8_rsqrt(uint64_t d, int32_t *mult, int *shift) {
    *mult = 0;
    *shift = 0;
    if (d == 0 || d >> 62)
        return -1;
    int j = 0;
    while (!(d >> 60)) { /* pairs of bits: sqrt scales by 2 per pair */
        d <<= 2;
        j++;
    }
    if (d == (UINT64_C(1) << 60)) { /* 2^61 / 2^30 = 2^31 does not fit: mult 2^30 */
        *mult = INT32_C(1) << 30;
        *shift = j - 29;
        return 0;
    }
    uint64_t m = 0;
    for (int bit = 30; bit >= 0; bit--) {
        uint64_t c = m | (UINT64_C(1) << bit), hi, lo;
        nn_i8_mul_u64(c * c, d, &hi, &lo);
        if (hi < (UINT64_C(1) << 58) || (hi == (UINT64_C(1) << 58) && lo == 0))
            m = c; /* c^2 d <= 2^122 */
    }
    *mult = (int32_t)m;
    *shift = j - 30; /* 2^j m / 2^61 = m 2^(j - 30 - 31) */
    return 0;
}

/* ResNorm y = l x + (x - mean) / sqrt(var + eps) over the (C, T) values of
 * each clip and frequency bin, on codes. With n values, sum S1 and
 * D = n sumsq - S1^2 (n^2 times the variance in codes^2):
 *   (x - mean) / sqrt(var + eps) = (n q - S1) / sqrt(D + E), E = n^2 eps / sx^2,
 * so per bin one integer rsqrt, and per value two products summed with 16
 * fractional bits and rounded once. */
typedef struct NnI8ResNorm {
    int32_t x_zp, y_zp, lambda_mult, inv_mult;
    int lambda_shift, inv_shift;
    int64_t eps_q; /* E, rounded */
} NnI8ResNorm;

/* n = c * t, the values per bin; lambda and eps as in the spec (eps 1e-8). */
static inline void nn_i8_resnorm_params(NnI8ResNorm *p, double lambda, double eps, int n,
                                        double x_scale, int32_t x_zp, double y_scale,
                                        int32_t y_zp) {
    p->x_zp = x_zp;
    p->y_zp = y_zp;
    nn_i8_quantize_multiplier(lambda * x_scale / y_scale, &p->lambda_mult, &p->lambda_shift);
    nn_i8_quantize_multiplier(1 / y_scale, &p->inv_mult, &p->inv_shift);
    p->eps_q = (int64_t)round((double)n * n * eps / (x_scale * x_scale));
}

/* The bin's multiplier of (n q - S1): 1 / sqrt(D + E) / y_scale, or 0 (with
 * shift 0) where nn_i8_rsqrt refuses D + E. */
static inline void nn_i8_resnorm_scale(int64_t n, int64_t s1, int64_t s2, const NnI8ResNorm *p,
                                       int32_t *mult, int *shift) {
    int32_t r_mult = 0;
    int r_shift = 0;
    *mult = 0;
    *shift = 0;
    if (nn_i8_rsqrt((uint64_t)(n * s2 - s1 * s1 + p->eps_q), &r_mult, &r_shift) == 0) {
        *mult = nn_i8_srdhm(r_mult, p->inv_mult); /* (1 / sqrt) / y_scale */
        *shift = r_shift + p->inv_shift;
        if (*mult < (INT32_C(1) << 30)) {
            *mult *= 2;
            *shift -= 1;
        }
    }
}

/* One normalised value: the two terms with 16 fractional bits, one rounding. */
static inline uint8_t nn_i8_resnorm_value(int64_t q, int64_t n, int64_t s1, int32_t mult, int shift,
                                          const NnI8ResNorm *p) {
    int64_t v = nn_i8_mul_by_multiplier64(q - p->x_zp, p->lambda_mult, p->lambda_shift + 16) +
                nn_i8_mul_by_multiplier64(n * q - s1, mult, shift + 16);
    int64_t out = nn_i8_round16(v) + p->y_zp;
    return (uint8_t)(out < 0 ? 0 : out > 255 ? 255 : out);
}

/* nn_i8_resnorm_value for count contiguous codes, the usual right shifts
 * (1 .. 62 bits, nn_i8_mul_by_multiplier64_right) without branches so that
 * the loop vectorises. */
static inline void nn_i8_resnorm_run(uint8_t *y, const uint8_t *x, size_t count, int64_t n,
                                     int64_t s1, int32_t mult, int shift, const NnI8ResNorm *p) {
    int lambda_right = 15 - p->lambda_shift, right = 15 - shift;
    if (lambda_right < 1 || lambda_right > 62 || right < 1 || right > 62) {
        for (size_t k = 0; k < count; k++)
            y[k] = nn_i8_resnorm_value(x[k], n, s1, mult, shift, p);
        return;
    }
    int32_t lambda_mult = p->lambda_mult, x_zp = p->x_zp, y_zp = p->y_zp;
    for (size_t k = 0; k < count; k++) {
        int64_t q = x[k];
        int64_t v = nn_i8_mul_by_multiplier64_right(q - x_zp, lambda_mult, lambda_right) +
                    nn_i8_mul_by_multiplier64_right(n * q - s1, mult, right);
        int64_t out = nn_i8_round16(v) + y_zp;
        y[k] = (uint8_t)(out < 0 ? 0 : out > 255 ? 255 : out);
    }
}

/* One bin's values, given its sums: the n = c * t values x[ch * stride + j],
 * written to y alike. A value's output depends on its code alone within the
 * bin, so a bin of more than 256 values gets a table of the 256 codes'
 * outputs and looks its values up; a smaller one has its channels' rows
 * gathered into one run. */
static inline void nn_i8_resnorm_values(uint8_t *y, const uint8_t *x, int c, size_t stride, int t,
                                        int64_t s1, int64_t s2, const NnI8ResNorm *p) {
    int64_t n = (int64_t)c * t;
    int32_t mult;
    int shift;
    nn_i8_resnorm_scale(n, s1, s2, p, &mult, &shift);
    uint8_t in[256], out[256];
    if (n > 256) {
        for (int q = 0; q < 256; q++)
            in[q] = (uint8_t)q;
        nn_i8_resnorm_run(out, in, 256, n, s1, mult, shift, p);
        nn_i8_lookup_rows(y, x, c, (size_t)t, stride, out);
        return;
    }
    for (int ch = 0; ch < c; ch++)
        memcpy(in + (size_t)ch * t, x + (size_t)ch * stride, (size_t)t);
    nn_i8_resnorm_run(out, in, (size_t)n, n, s1, mult, shift, p);
    for (int ch = 0; ch < c; ch++)
        memcpy(y + (size_t)ch * stride, out + (size_t)ch * t, (size_t)t);
}

/* One bin: its sums (nn_i8_stats), then its values. */
static inline void nn_i8_resnorm_bin(uint8_t *y, const uint8_t *x, int c, size_t stride, int t,
                                     const NnI8ResNorm *p) {
    int64_t s1, s2;
    nn_i8_stats(x, c, stride, t, &s1, &s2);
    nn_i8_resnorm_values(y, x, c, stride, t, s1, s2, p);
}

/* Values per block of frequency bins whose sums nn_i8_bin_stats takes
 * together, and the most bins per block. */
#define NN_I8_STATS_BLOCK 512
#define NN_I8_STATS_BINS 64

/* The sums and sums of squares of `bins` consecutive frequency bins of one
 * clip (bins * t <= NN_I8_STATS_BLOCK values per channel, contiguous from x;
 * channels stride apart): the channels' rows are added position by position
 * in int32 (long loops along memory, where a bin's own sum is a loop of t),
 * 32,768 channels at a time (32,768 * 255^2 < 2^31), then each bin's
 * positions in int64. */
static inline void nn_i8_bin_stats(const uint8_t *x, int c, size_t stride, int t, int bins,
                                   int64_t *s1, int64_t *s2) {
    int32_t p1[NN_I8_STATS_BLOCK], p2[NN_I8_STATS_BLOCK];
    size_t len = (size_t)bins * t;
    for (int b = 0; b < bins; b++)
        s1[b] = s2[b] = 0;
    for (int ch0 = 0; ch0 < c; ch0 += 32768) {
        int end = c - ch0 < 32768 ? c : ch0 + 32768;
        for (size_t k = 0; k < len; k++)
            p1[k] = p2[k] = 0;
        for (int ch = ch0; ch < end; ch++) {
            const uint8_t *xc = x + (size_t)ch * stride;
            for (size_t k = 0; k < len; k++) {
                int32_t v = xc[k];
                p1[k] += v;
                p2[k] += v * v;
            }
        }
        for (int b = 0; b < bins; b++)
            for (int j = 0; j < t; j++) {
                s1[b] += p1[(size_t)b * t + j];
                s2[b] += p2[(size_t)b * t + j];
            }
    }
}

/* ResNorm over c x n x f x t: every clip and frequency bin, the sums of a
 * block of bins at once. */
static inline void nn_i8_resnorm(uint8_t *y, const uint8_t *x, int c, int n, int f, int t,
                                 const NnI8ResNorm *p) {
    size_t stride = (size_t)n * f * t;
    int block = t > NN_I8_STATS_BLOCK ? 0 : NN_I8_STATS_BLOCK / t; /* bins per block */
    block = block < NN_I8_STATS_BINS ? block : NN_I8_STATS_BINS;
    int64_t s1[NN_I8_STATS_BINS], s2[NN_I8_STATS_BINS];
    for (int s = 0; s < n; s++)
        for (int i0 = 0; i0 < f; i0 += block ? block : 1) {
            size_t off = ((size_t)s * f + i0) * t;
            if (!block) { /* rows too long for a block: one bin at a time */
                nn_i8_resnorm_bin(y + off, x + off, c, stride, t, p);
                continue;
            }
            int bins = f - i0 < block ? f - i0 : block;
            nn_i8_bin_stats(x + off, c, stride, t, bins, s1, s2);
            for (int b = 0; b < bins; b++)
                nn_i8_resnorm_values(y + off + (size_t)b * t, x + off + (size_t)b * t, c, stride,
                                     t, s1[b], s2[b], p);
        }
}

#endif
