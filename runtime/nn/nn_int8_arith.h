/* Fixed-point arithmetic of INT8 inference: real multipliers as a 32-bit
 * mantissa and a power-of-two shift, and the requantisation of int32
 * accumulators to uint8, bit for bit as TFLite's reference kernels
 * (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT).
 * Strict C99, header-only: the standalone classifier pastes it. docs/int8.md
 * gives the number formats and the rounding rules. */
#ifndef NN_INT8_ARITH_H
#define NN_INT8_ARITH_H

#include <math.h>
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
 * product out of range, saturates to INT32_MAX. */
static inline int32_t nn_i8_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* round(x / 2^exponent), ties away from zero, exponent in 0..31 (the mask is
 * 64-bit so that exponent 31 stays defined). */
static inline int32_t nn_i8_rdbpot(int32_t x, int exponent) {
    int64_t mask = (INT64_C(1) << exponent) - 1;
    int64_t remainder = (int64_t)x & mask;
    int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    /* >> of a negative int64 is implementation-defined in C99: floor it by hand. */
    int64_t floor_q = x >= 0 ? (int64_t)x >> exponent : -((-(int64_t)x + mask) >> exponent);
    return (int32_t)(floor_q + (remainder > threshold ? 1 : 0));
}

/* x * mult * 2^(shift - 31) as TFLite's MultiplyByQuantizedMultiplier: a left
 * shift for shift > 0, the high multiply, a rounding right shift for shift < 0.
 * Where TFLite's left shift would overflow int32 (undefined there) it
 * saturates here. */
static inline int32_t nn_i8_mul_by_multiplier(int32_t x, int32_t mult, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int64_t wide = (int64_t)x * ((int64_t)1 << left);
    int32_t shifted = wide > INT32_MAX ? INT32_MAX : wide < INT32_MIN ? INT32_MIN : (int32_t)wide;
    return nn_i8_rdbpot(nn_i8_srdhm(shifted, mult), right);
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

/* v / 2^16 rounded to nearest, ties away from zero (v > INT64_MIN): the last
 * step of sums kept with 16 fractional bits of an output code. */
static inline int64_t nn_i8_round16(int64_t v) {
    int64_t abs_v = v < 0 ? -v : v;
    int64_t mag = (abs_v >> 16) + ((abs_v >> 15) & 1);
    return v < 0 ? -mag : mag;
}

#endif
