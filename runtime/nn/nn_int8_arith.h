/* Fixed-point arithmetic of INT8 inference: real multipliers as a 32-bit
 * mantissa and a power-of-two shift (as TFLite stores them), and the
 * requantisation of int32 accumulators to uint8 by one 64-bit product
 * rounded once, to nearest, ties towards +infinity. (TFLite rounds twice, in a
 * high multiply and a rounding shift; on the small accumulators of means and
 * 1x1 convs over few channels that misses the nearest code often enough to
 * flip the attention gates, see docs/int8.md.) Strict C99, header-only: the standalone classifier pastes it. docs/int8.md
 * gives the number formats and the rounding rules. */
#ifndef NN_INT8_ARITH_H
#define NN_INT8_ARITH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "nn_int8_vnni.h"

/* real ~= mult * 2^(shift - 31), mult in [2^30, 2^31), for real in (0, 2^31)
 * (TFLite's QuantizeMultiplier). real == 0, or below 2^-32 where the shift
 * would pass the 31 bits the requantisation can divide by, gives mult 0. */
static inline void nn_i8_quantize_multiplier(double real, int32_t *mult, int *shift) {
    int e = 0;
    double q = real > 0 ? frexp(real, &e) : 0; /* q in [0.5, 1) */
    int64_t m = (int64_t)round(q * 2147483648.0);
    if (m == (INT64_C(1) << 31)) { /* q rounded up to 1: renormalise */
        m /= 2;
        e++;
    }
    if (m == 0 || e < -31) {
        *mult = 0;
        *shift = 0;
        return;
    }
    *mult = (int32_t)m;
    *shift = e;
}

/* round(a * b / 2^31), ties towards +infinity (gemmlowp's
 * SaturatingRoundingDoublingHighMul); INT32_MIN * INT32_MIN, the only product
 * out of range, saturates to INT32_MAX. The product of two multipliers (the
 * ResNorm's 1 / sqrt by the output's), not a requantisation. */
static inline int32_t nn_i8_srdhm(int32_t a, int32_t b) {
    uint64_t biased = (uint64_t)((int64_t)a * b) + ((UINT64_C(1) << 62) + (UINT64_C(1) << 30));
    int64_t q = (int64_t)(biased >> 31) - (INT64_C(1) << 31);
    return q > INT32_MAX ? INT32_MAX : (int32_t)q;
}

/* p / 2^right rounded to nearest, ties away from zero, for right in 1 .. 62
 * and |p| < 2^63: the magnitude shifted and its last bit dropped added back,
 * no branch and no test of right, so that the loops of the fused sum and
 * ResNorm vectorise. */
static inline int64_t nn_i8_round_shift(int64_t p, int right) {
    int64_t magnitude = p < 0 ? -p : p;
    int64_t v = (magnitude >> right) + ((magnitude >> (right - 1)) & 1);
    return p < 0 ? -v : v;
}

/* x * mult * 2^(shift - 31) in 64 bits, rounded once, ties away from zero:
 * the terms of ResNorm and the fused sum, kept with 16 fractional bits of a
 * code. mult may be negative; |x| < 2^32; the result saturates to int64
 * where a left shift would overflow. */
static inline int64_t nn_i8_mul_by_multiplier64(int64_t x, int32_t mult, int shift) {
    int64_t p = x * mult; /* |p| < 2^63 */
    int right = 31 - shift;
    if (right <= 0) {
        int64_t limit = INT64_MAX >> -right;
        return p > limit ? INT64_MAX : p < -limit ? -INT64_MAX : p * ((int64_t)1 << -right);
    }
    return right > 62 ? 0 : nn_i8_round_shift(p, right);
}

/* nn_i8_mul_by_multiplier64 where 31 - shift = right is in 1 .. 62 (a right
 * shift, the usual case), branch-free. */
static inline int64_t nn_i8_mul_by_multiplier64_right(int64_t x, int32_t mult, int right) {
    return nn_i8_round_shift(x * mult, right);
}

/* floor(p / 2^right + 1/2): p / 2^right rounded to nearest, ties towards
 * +infinity, for right in 1 .. 62 and |p| <= 2^62 + 2^30. The floor of a
 * negative value without C99's implementation-defined >> of one: p biased
 * by 2^63 in uint64, shifted, the bias taken off. Four operations and no
 * branch: the requantisation of every kernel's rows runs here. */
static inline int64_t nn_i8_round_up_shift(int64_t p, int right) {
    uint64_t biased = (uint64_t)p + ((UINT64_C(1) << 63) + (UINT64_C(1) << (right - 1)));
    return (int64_t)(biased >> right) - (INT64_C(1) << (63 - right));
}

/* THE requantisation (docs/int8.md): (acc * mult + offset) * 2^(shift - 31)
 * in 64 bits, rounded once to nearest, ties towards +infinity. mult may be
 * negative (a folded norm's sign travels in it); offset is a conv's bias
 * below one accumulator unit, already times mult (|offset| <= 2^30). The
 * result saturates to int64 where a left shift would overflow. */
static inline int64_t nn_i8_requant_scale(int32_t acc, int32_t mult, int32_t offset, int shift) {
    int64_t p = (int64_t)acc * mult + offset; /* |p| <= 2^62 + 2^30 */
    int right = 31 - shift;
    if (right <= 0) {
        int64_t limit = INT64_MAX >> -right;
        return p > limit ? INT64_MAX : p < -limit ? -INT64_MAX : p * ((int64_t)1 << -right);
    }
    return right > 62 ? 0 : nn_i8_round_up_shift(p, right);
}

static inline int32_t nn_i8_saturate32(int64_t v) {
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* x * mult * 2^(shift - 31) requantised (nn_i8_requant_scale), saturated to
 * int32. */
static inline int32_t nn_i8_mul_by_multiplier(int32_t x, int32_t mult, int shift) {
    return nn_i8_saturate32(nn_i8_requant_scale(x, mult, 0, shift));
}

static inline int32_t nn_i8_clamp(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* An accumulator on the output's grid: zero_point + (acc * mult + offset) *
 * 2^(shift - 31) requantised (nn_i8_requant_scale), saturated to int32, clamped to [lo, hi]
 * (0..255 for uint8; lo = zero_point fuses a ReLU). The sum is taken in 64
 * bits so a saturated product cannot wrap. */
static inline int32_t nn_i8_requantize_offset(int32_t acc, int32_t mult, int32_t offset, int shift,
                                              int32_t zero_point, int32_t lo, int32_t hi) {
    int64_t v = (int64_t)nn_i8_saturate32(nn_i8_requant_scale(acc, mult, offset, shift)) + zero_point;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static inline int32_t nn_i8_requantize(int32_t acc, int32_t mult, int shift, int32_t zero_point,
                                       int32_t lo, int32_t hi) {
    return nn_i8_requantize_offset(acc, mult, 0, shift, zero_point, lo, hi);
}

/* A uint8 grid's zero point and clamp bounds: 0 <= lo <= hi <= 255, zero
 * point in 0..255 (as every grid of the INT8 plan has). */
static inline int nn_i8_uint8_grid(int32_t zero_point, int32_t lo, int32_t hi) {
    return zero_point >= 0 && zero_point <= 255 && lo >= 0 && lo <= hi && hi <= 255;
}

/* zero_point + v clamped to [lo, hi] on a uint8 grid (nn_i8_uint8_grid): v is
 * first clamped to [-256, 511], which changes no result and keeps the sum in
 * int32. */
static inline uint8_t nn_i8_code(int64_t v, int32_t zero_point, int32_t lo, int32_t hi) {
    int32_t near = (int32_t)(v < -256 ? -256 : v > 511 ? 511 : v);
    return (uint8_t)nn_i8_clamp(near + zero_point, lo, hi);
}

/* y[r][k] = table[x[r][k]] for rows r < rows of len codes, rows stride apart
 * in x and y (y may be x): a function of the code alone, computed once per
 * code (lookup tables, and requantisations that see many more values than
 * codes). By VBMI's byte permutes where the target has them. */
static inline void nn_i8_lookup_rows(uint8_t *y, const uint8_t *x, int rows, size_t len,
                                     size_t stride, const uint8_t table[256]) {
#ifdef NN_I8_VBMI
    nn_i8_vbmi_lookup_rows(y, x, rows, len, stride, table);
#else
    for (int r = 0; r < rows; r++)
        for (size_t k = 0; k < len; k++)
            y[(size_t)r * stride + k] = table[x[(size_t)r * stride + k]];
#endif
}

/* Whether a run on this grid takes the vectorised loop of
 * nn_i8_requantize_wide: a uint8 grid and a multiplier below one (shift in
 * -31 .. 0, right = 31 - shift in 31 .. 62; every step of the INT8 plan). */
static inline int nn_i8_run_vectorises(int32_t shift, int32_t zero_point, int32_t lo, int32_t hi) {
    return shift <= 0 && shift >= -31 && nn_i8_uint8_grid(zero_point, lo, hi);
}

/* The vectorised requantisation of n accumulators sharing a multiplier, for
 * the runs nn_i8_run_vectorises takes: floor((acc mult + offset) / 2^right
 * + 1/2) on the uint8 grid. offset is 64-bit, so a kernel can fold a base
 * that every accumulator lacks into it (base mult + offset) instead of adding
 * the base to each: the product and so the result are the same. |acc mult +
 * offset| <= 2^62 + 2^30 (docs/int8.md, Limits). */
static inline void nn_i8_requantize_wide(uint8_t *y, const int32_t *acc, size_t n, int32_t mult,
                                         int64_t offset, int right, int32_t zero_point,
                                         int32_t lo, int32_t hi) {
#ifdef NN_I8_VNNI
    NnI8VnniRequant q = nn_i8_vnni_requant(mult, offset, right, zero_point, lo, hi);
    nn_i8_vnni_requantize(y, acc, n, &q);
#else
    for (size_t i = 0; i < n; i++)
        y[i] = nn_i8_code(nn_i8_round_up_shift((int64_t)acc[i] * mult + offset, right), zero_point,
                          lo, hi);
#endif
}

/* y[i] = nn_i8_requantize_offset(acc[i], mult, offset, shift, zero_point, lo,
 * hi), bit for bit, for n accumulators sharing one multiplier: the kernels
 * requantise whole rows through here. On a uint8 grid with a multiplier
 * below one (shift <= 0: every step of the INT8 plan) the loop is
 * branch-free and vectorises, where a call per value does not; anything else
 * goes value by value. */
static inline void nn_i8_requantize_run(uint8_t *y, const int32_t *acc, size_t n, int32_t mult,
                                        int32_t offset, int32_t shift, int32_t zero_point,
                                        int32_t lo, int32_t hi) {
    if (!nn_i8_run_vectorises(shift, zero_point, lo, hi)) {
        for (size_t i = 0; i < n; i++)
            y[i] = (uint8_t)nn_i8_requantize_offset(acc[i], mult, offset, shift, zero_point, lo,
                                                    hi);
        return;
    }
    nn_i8_requantize_wide(y, acc, n, mult, offset, 31 - shift, zero_point, lo, hi);
}

/* v / 2^16 rounded to nearest, ties away from zero (v > INT64_MIN): the last
 * step of sums kept with 16 fractional bits of an output code. */
static inline int64_t nn_i8_round16(int64_t v) {
    int64_t abs_v = v < 0 ? -v : v;
    int64_t mag = (abs_v >> 16) + ((abs_v >> 15) & 1);
    return v < 0 ? -mag : mag;
}

#endif
