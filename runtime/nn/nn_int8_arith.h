/* Fixed-point arithmetic of INT8 inference: real multipliers as a 32-bit
 * mantissa and a power-of-two shift, and the requantisation of int32
 * accumulators to uint8, bit for bit as TFLite's reference kernels
 * (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT).
 * Strict C99, header-only: the standalone classifier pastes it. docs/int8.md
 * gives the number formats and the rounding rules. */
#ifndef NN_INT8_ARITH_H
#define NN_INT8_ARITH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

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

/* round(a * b / 2^31), ties towards +infinity (gemmlowp's nudge of 2^30 for
 * a * b >= 0 and 1 - 2^30 below, then division truncating towards zero, is
 * exactly floor((a * b + 2^30) / 2^31)); INT32_MIN * INT32_MIN, the only
 * product out of range, saturates to INT32_MAX. The floor is taken of
 * a * b + 2^30 + 2^62 >= 0 (|a * b| <= 2^62), because C99 leaves >> of a
 * negative value to the implementation, and nothing branches on the data, so
 * that loops over it vectorise (every kernel's requantisation runs here). */
static inline int32_t nn_i8_srdhm(int32_t a, int32_t b) {
    uint64_t biased = (uint64_t)((int64_t)a * b) + ((UINT64_C(1) << 62) + (UINT64_C(1) << 30));
    int64_t q = (int64_t)(biased >> 31) - (INT64_C(1) << 31);
    return q > INT32_MAX ? INT32_MAX : (int32_t)q;
}

/* round(x / 2^exponent), ties away from zero, exponent in 0..31: the
 * magnitude |x| <= 2^31 rounded half up in uint32 (|x| + 2^(exponent - 1)
 * < 2^32), then the sign. Branch-free like nn_i8_srdhm, and with no test of
 * the exponent, which keeps GCC from vectorising the loops around it. */
static inline int32_t nn_i8_rdbpot(int32_t x, int exponent) {
    uint32_t mask = (UINT32_C(1) << exponent) - 1, half = mask - (mask >> 1);
    uint32_t magnitude = x < 0 ? 0u - (uint32_t)x : (uint32_t)x;
    uint32_t q = (magnitude + half) >> exponent;
    uint32_t top = q >> 31; /* q = 2^31: x = INT32_MIN, exponent 0 */
    int32_t rounded = (int32_t)(q - top);
    return x < 0 ? -rounded - (int32_t)top : rounded;
}

/* x * 2^left, saturating to int32 (TFLite's left shift is undefined where it
 * overflows). */
static inline int32_t nn_i8_shl_saturating(int32_t x, int left) {
    int64_t wide = (int64_t)x * ((int64_t)1 << left);
    return wide > INT32_MAX ? INT32_MAX : wide < INT32_MIN ? INT32_MIN : (int32_t)wide;
}

/* x * mult * 2^(shift - 31) as TFLite's MultiplyByQuantizedMultiplier: a left
 * shift for shift > 0, the high multiply, a rounding right shift for shift < 0.
 * Where TFLite's left shift would overflow int32 (undefined there) it
 * saturates here. */
static inline int32_t nn_i8_mul_by_multiplier(int32_t x, int32_t mult, int shift) {
    int32_t shifted = shift > 0 ? nn_i8_shl_saturating(x, shift) : x;
    return nn_i8_rdbpot(nn_i8_srdhm(shifted, mult), shift > 0 ? 0 : -shift);
}

static inline int32_t nn_i8_clamp(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* An accumulator on the output's grid: zero_point + acc * real multiplier,
 * clamped to [lo, hi] (0..255 for uint8; lo = zero_point fuses a ReLU). The
 * sum is taken in 64 bits so a saturated product cannot wrap. */
static inline int32_t nn_i8_requantize(int32_t acc, int32_t mult, int shift, int32_t zero_point,
                                       int32_t lo, int32_t hi) {
    int64_t v = (int64_t)nn_i8_mul_by_multiplier(acc, mult, shift) + zero_point;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* A uint8 grid's zero point and clamp bounds: 0 <= lo <= hi <= 255, zero
 * point in 0..255 (as every grid of the INT8 plan has). */
static inline int nn_i8_uint8_grid(int32_t zero_point, int32_t lo, int32_t hi) {
    return zero_point >= 0 && zero_point <= 255 && lo >= 0 && lo <= hi && hi <= 255;
}

/* zero_point + v clamped to [lo, hi] on a uint8 grid (nn_i8_uint8_grid): v is
 * first clamped to [-256, 511], which changes no result, so that the sum
 * stays in int32 where nn_i8_requantize needs int64. */
static inline uint8_t nn_i8_code(int32_t v, int32_t zero_point, int32_t lo, int32_t hi) {
    v = nn_i8_clamp(v, -256, 511) + zero_point;
    return (uint8_t)nn_i8_clamp(v, lo, hi);
}

/* y[i] = nn_i8_requantize(acc[i], mult, shift, zero_point, lo, hi), bit for
 * bit, for n accumulators sharing one multiplier: the kernels requantise whole
 * rows through here. On a uint8 grid with no left shift (a multiplier below
 * one: every step of the INT8 plan) the loop vectorises, where a call per
 * value does not; anything else goes value by value. */
static inline void nn_i8_requantize_run(uint8_t *y, const int32_t *acc, size_t n, int32_t mult,
                                        int32_t shift, int32_t zero_point, int32_t lo,
                                        int32_t hi) {
    if (shift > 0 || !nn_i8_uint8_grid(zero_point, lo, hi)) {
        for (size_t i = 0; i < n; i++)
            y[i] = (uint8_t)nn_i8_requantize(acc[i], mult, shift, zero_point, lo, hi);
        return;
    }
    for (size_t i = 0; i < n; i++)
        y[i] = nn_i8_code(nn_i8_rdbpot(nn_i8_srdhm(acc[i], mult), -shift), zero_point, lo, hi);
}

/* x * mult * 2^(shift - 31) in 64 bits with one rounding (ties away from
 * zero), for the sums of ResNorm whose products pass 32 bits; mult may be
 * negative (the fused sum carries a norm's sign in it). |x| < 2^32;
 * the result saturates to int64 where a left shift would overflow. */
static inline int64_t nn_i8_mul_by_multiplier64(int64_t x, int32_t mult, int shift) {
    int64_t p = x * mult; /* |p| < 2^63 */
    int right = 31 - shift;
    if (right <= 0) {
        int64_t limit = INT64_MAX >> -right;
        return p > limit ? INT64_MAX : p < -limit ? -INT64_MAX : p * ((int64_t)1 << -right);
    }
    if (right > 62)
        return 0;
    int64_t abs_p = p < 0 ? -p : p; /* the bit below the cut rounds: no carry past 2^63 */
    int64_t mag = (abs_p >> right) + ((abs_p >> (right - 1)) & 1);
    return p < 0 ? -mag : mag;
}

/* nn_i8_mul_by_multiplier64 where 31 - shift = right is in 1 .. 62 (a right
 * shift, the usual case): the same value, without branches, for the loops of
 * the fused sum and ResNorm to vectorise. */
static inline int64_t nn_i8_mul_by_multiplier64_right(int64_t x, int32_t mult, int right) {
    int64_t p = x * mult, magnitude = p < 0 ? -p : p;
    int64_t v = (magnitude >> right) + ((magnitude >> (right - 1)) & 1);
    return p < 0 ? -v : v;
}

/* v / 2^16 rounded to nearest, ties away from zero (v > INT64_MIN): the last
 * step of sums kept with 16 fractional bits of an output code. */
static inline int64_t nn_i8_round16(int64_t v) {
    int64_t abs_v = v < 0 ? -v : v;
    int64_t mag = (abs_v >> 16) + ((abs_v >> 15) & 1);
    return v < 0 ? -mag : mag;
}

#endif
