/* Slow references for the INT8 tests, written from the definitions in
 * docs/int8.md and sharing no code with runtime/nn/nn_int8*.h: exact integer
 * or long double arithmetic, floor division by hand, direct loops. Also the
 * tests' random numbers. */
#ifndef TESTS_INT8_REF_INT8_H
#define TESTS_INT8_REF_INT8_H

#include <math.h>
#include <stdint.h>

static inline uint64_t ref_next(uint64_t *s) {
    *s += 0x9e3779b97f4a7c15ull; /* splitmix64 */
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi]. */
static inline int64_t ref_int(uint64_t *s, int64_t lo, int64_t hi) {
    return lo + (int64_t)(ref_next(s) % (uint64_t)(hi - lo + 1));
}

static inline double ref_uniform(uint64_t *s, double lo, double hi) {
    return lo + (hi - lo) * (double)(ref_next(s) >> 11) / 9007199254740992.0;
}

/* floor(p / 2^k) and the remainder in [0, 2^k), for any sign of p. */
static inline __int128 ref_floor_div(__int128 p, int k, __int128 *rem) {
    __int128 d = (__int128)1 << k, q = p / d, r = p % d;
    if (r < 0) {
        q -= 1;
        r += d;
    }
    *rem = r;
    return q;
}

/* p / 2^k rounded to nearest, ties towards +infinity. */
static inline __int128 ref_round_half_up(__int128 p, int k) {
    __int128 r, q = ref_floor_div(p, k, &r);
    return 2 * r >= ((__int128)1 << k) ? q + 1 : q;
}

/* p / 2^k rounded to nearest, ties away from zero. */
static inline __int128 ref_round_half_away(__int128 p, int k) {
    return p < 0 ? -ref_round_half_up(-p, k) : ref_round_half_up(p, k);
}

/* gemmlowp's high multiply: a * b / 2^31, ties up, INT32_MIN^2 saturating. */
static inline int32_t ref_srdhm(int32_t a, int32_t b) {
    __int128 v = ref_round_half_up((__int128)a * b, 31);
    return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* x * mult * 2^(shift - 31) rounded once, ties towards +infinity, saturated
 * to int32. */
static inline int32_t ref_mul_by_multiplier(int32_t x, int32_t mult, int shift) {
    __int128 p = (__int128)x * mult;
    __int128 v = shift < 31 ? ref_round_half_up(p, 31 - shift) : p * ((__int128)1 << (shift - 31));
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* zp + (acc * mult + offset) * 2^(shift - 31) rounded once, ties towards
 * +infinity, saturated to int32, clamped to [lo, hi]. */
static inline int32_t ref_requantize_offset(int64_t acc, int32_t mult, int32_t offset, int shift,
                                            int32_t zp, int32_t lo, int32_t hi) {
    __int128 p = (__int128)acc * mult + offset;
    __int128 v = shift < 31 ? ref_round_half_up(p, 31 - shift) : p * ((__int128)1 << (shift - 31));
    v = (v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v) + zp;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static inline int32_t ref_requantize(int64_t acc, int32_t mult, int shift, int32_t zp, int32_t lo,
                                     int32_t hi) {
    return ref_requantize_offset(acc, mult, 0, shift, zp, lo, hi);
}

#endif
