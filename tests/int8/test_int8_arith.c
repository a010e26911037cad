/* The fixed-point arithmetic of runtime/nn/nn_int8_arith.h against the slow
 * references of ref_int8.h (exact 128-bit integers): every function bit for
 * bit on many random inputs and on the edges (ties, saturation, INT32_MIN,
 * shifts 0 and 31, zero points 0 and 255). */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "check_run.h"
#include "nn_int8.h"
#include "ref_int8.h"

#define RANDOM_CASES 200000

/* A random int32 biased towards the edges: small, huge and exact extremes. */
static int32_t edgy_int32(uint64_t *s) {
    switch (ref_next(s) % 6) {
    case 0:
        return (int32_t)ref_int(s, -300, 300);
    case 1:
        return ref_next(s) % 2 ? INT32_MIN + (int32_t)ref_int(s, 0, 3)
                               : INT32_MAX - (int32_t)ref_int(s, 0, 3);
    case 2:
        return (int32_t)ref_int(s, -(1 << 20), 1 << 20);
    default:
        return (int32_t)ref_int(s, INT32_MIN, INT32_MAX);
    }
}

static int32_t random_mult(uint64_t *s) {
    switch (ref_next(s) % 4) {
    case 0:
        return (int32_t)1 << 30;
    case 1:
        return INT32_MAX;
    default:
        return (int32_t)ref_int(s, (int64_t)1 << 30, INT32_MAX);
    }
}

/* real = m 2^(e - 31) with m in [2^30, 2^31): e from the doubling definition,
 * m by rounding real 2^(31 - e) to nearest (ldexp is exact). */
static void ref_quantize_multiplier(double real, int32_t *mult, int *shift) {
    *mult = 0;
    *shift = 0;
    if (real <= 0)
        return;
    int e = 0;
    while (ldexp(1, e) <= real)
        e++;
    while (ldexp(1, e - 1) > real)
        e--;
    double m = round(ldexp(real, 31 - e));
    if (m == 2147483648.0) {
        m = 1073741824.0;
        e++;
    }
    if (e < -31)
        return;
    *mult = (int32_t)m;
    *shift = e;
}

static void check_multiplier(double real) {
    int32_t mult, rmult;
    int shift, rshift;
    nn_i8_quantize_multiplier(real, &mult, &shift);
    ref_quantize_multiplier(real, &rmult, &rshift);
    ck_assert_msg(mult == rmult && shift == rshift, "real %.17g: (%d, %d) vs (%d, %d)", real, mult,
                  shift, rmult, rshift);
    if (mult == 0)
        return;
    ck_assert(mult >= (1 << 30));
    double back = ldexp(mult, shift - 31);
    ck_assert_msg(fabs(back - real) <= ldexp(real, -31), "real %.17g back %.17g", real, back);
}

START_TEST(quantize_multiplier) {
    /* zero, powers of two, the ends of the range, mantissas that round up to 2^31 */
    const double edges[] = {0, 1, 0.5, 0.25, 1.5, 1e-300, 2147483647.0, 2147483647.5,
                            ldexp(1, -32), ldexp(1, -33), ldexp(1, -31), ldexp(1, 30),
                            1 - ldexp(1, -40), 1 - ldexp(1, -32), 1 - ldexp(1, -31),
                            0.5 - ldexp(1, -34), ldexp(1, -32) * (1 - ldexp(1, -40))};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        check_multiplier(edges[i]);
    int32_t mult;
    int shift;
    nn_i8_quantize_multiplier(0, &mult, &shift);
    ck_assert(mult == 0 && shift == 0);
    nn_i8_quantize_multiplier(1 - ldexp(1, -40), &mult, &shift); /* rounds up to 2^31 */
    ck_assert(mult == (1 << 30) && shift == 1);
    uint64_t s = 1;
    for (int i = 0; i < RANDOM_CASES; i++)
        check_multiplier(ldexp(ref_uniform(&s, 0.5, 1), (int)ref_int(&s, -34, 31)));
}
END_TEST

START_TEST(srdhm) {
    static const int32_t edges[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX, 1 << 30};
    for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < 7; j++)
            ck_assert_int_eq(nn_i8_srdhm(edges[i], edges[j]), ref_srdhm(edges[i], edges[j]));
    ck_assert_int_eq(nn_i8_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    uint64_t s = 2;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int32_t a = edgy_int32(&s), b = edgy_int32(&s);
        ck_assert_msg(nn_i8_srdhm(a, b) == ref_srdhm(a, b), "%d * %d", a, b);
        /* exact ties: a b = (2k + 1) 2^30, of both signs */
        int32_t odd = (int32_t)(2 * ref_int(&s, -32768, 32767) + 1);
        int32_t ta = odd * (1 << 15), tb = (ref_next(&s) % 2 ? 1 : -1) * (1 << 15);
        ck_assert_msg(nn_i8_srdhm(ta, tb) == ref_srdhm(ta, tb), "tie %d * %d", ta, tb);
    }
    /* the ties go up: +0.5 -> 1, -0.5 -> 0, -1.5 -> -1 */
    ck_assert_int_eq(nn_i8_srdhm(1 << 15, 1 << 15), 1);
    ck_assert_int_eq(nn_i8_srdhm(-(1 << 15), 1 << 15), 0);
    ck_assert_int_eq(nn_i8_srdhm(-3 * (1 << 15), 1 << 15), -1);
}
END_TEST

START_TEST(mul_by_multiplier) {
    uint64_t s = 4;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int32_t x = edgy_int32(&s), m = random_mult(&s);
        int shift = ref_next(&s) % 8 == 0 ? (int)ref_int(&s, 1, 31) : (int)ref_int(&s, -31, 0);
        int32_t got = nn_i8_mul_by_multiplier(x, m, shift);
        ck_assert_msg(got == ref_mul_by_multiplier(x, m, shift), "%d %d %d", x, m, shift);
        /* one rounding: within half a unit of the exact product unless saturated */
        long double exact = ldexpl((long double)x * m, shift - 31);
        if (fabsl(exact) < 2147483000.0L)
            ck_assert_msg(fabsl(got - exact) <= 0.5L, "%d %d %d", x, m, shift);
    }
}
END_TEST

START_TEST(requantize) {
    uint64_t s = 5;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int32_t acc = edgy_int32(&s), m = random_mult(&s);
        int shift = (int)ref_int(&s, -31, 2);
        int32_t zp = ref_next(&s) % 3 == 0 ? 0
                     : ref_next(&s) % 2    ? 255
                                           : (int32_t)ref_int(&s, 0, 255);
        int32_t lo = ref_next(&s) % 2 ? zp : 0, hi = 255;
        ck_assert_int_eq(nn_i8_requantize(acc, m, shift, zp, lo, hi),
                         ref_requantize(acc, m, shift, zp, lo, hi));
        ck_assert_int_eq(nn_i8_requantize(acc, m, shift, zp, INT32_MIN, INT32_MAX),
                         ref_requantize(acc, m, shift, zp, INT32_MIN, INT32_MAX));
    }
}
END_TEST

/* Requantisation's ties go towards +infinity: 1.5 -> 2, -1.5 -> -1, and an
 * offset moves them. */
START_TEST(requantize_ties) {
    ck_assert_int_eq(nn_i8_requantize(3, 1 << 30, 0, 0, -1000, 1000), 2);
    ck_assert_int_eq(nn_i8_requantize(-3, 1 << 30, 0, 0, -1000, 1000), -1);
    ck_assert_int_eq(nn_i8_requantize_offset(-3, 1 << 30, -1, 0, 0, -1000, 1000), -2);
    ck_assert_int_eq(nn_i8_requantize_offset(3, 1 << 30, -1, 0, 0, -1000, 1000), 1);
    int32_t acc[4] = {3, -3, 5, -5};
    uint8_t y[4];
    nn_i8_requantize_run(y, acc, 4, 1 << 30, 0, 0, 100, 0, 255);
    ck_assert(y[0] == 102 && y[1] == 99 && y[2] == 103 && y[3] == 98);
}
END_TEST

START_TEST(mul_by_multiplier64) {
    uint64_t s = 6;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int64_t x = ref_int(&s, -((int64_t)1 << 32) + 1, ((int64_t)1 << 32) - 1);
        if (ref_next(&s) % 4 == 0)
            x = ref_int(&s, -1000, 1000);
        int32_t m = random_mult(&s) * (ref_next(&s) % 2 ? -1 : 1); /* signed: the fused sum */
        int shift = (int)ref_int(&s, -31, 31);
        __int128 p = (__int128)x * m, want;
        if (shift < 31)
            want = ref_round_half_away(p, 31 - shift);
        else
            want = p * ((__int128)1 << (shift - 31));
        want = want > INT64_MAX ? INT64_MAX : want < -INT64_MAX ? -INT64_MAX : want;
        ck_assert_msg(nn_i8_mul_by_multiplier64(x, m, shift) == (int64_t)want, "%lld %d %d",
                      (long long)x, m, shift);
    }
    /* a tie: 3 * 2^30 / 2^31 = 1.5 -> 2, and -1.5 -> -2 */
    ck_assert(nn_i8_mul_by_multiplier64(3, 1 << 30, 0) == 2);
    ck_assert(nn_i8_mul_by_multiplier64(-3, 1 << 30, 0) == -2);
    ck_assert(nn_i8_mul_by_multiplier64(3, -(1 << 30), 0) == -2);
}
END_TEST

/* The run every kernel requantises through, against the reference value by
 * value: multipliers of either sign, offsets or none, shifts that need the
 * saturating left shift, uint8 grids and clamps outside them (the
 * value-by-value path). */
START_TEST(requantize_run) {
    uint64_t s = 8;
    enum { N = 300 };
    int32_t acc[N];
    uint8_t y[N];
    for (int rep = 0; rep < 3000; rep++) {
        int32_t m = random_mult(&s) * (ref_next(&s) % 3 == 0 ? -1 : 1);
        int shift = (int)ref_int(&s, -31, 3);
        int32_t zp = (int32_t)ref_int(&s, 0, 255), lo = ref_next(&s) % 2 ? zp : 0, hi = 255;
        if (rep % 10 == 0) { /* not a uint8 grid: lo below 0, hi above 255 or lo above hi */
            lo = (int32_t)ref_int(&s, -300, 100);
            hi = (int32_t)ref_int(&s, 100, 400);
            if (rep % 20 == 0)
                zp = (int32_t)ref_int(&s, -1000, 1000);
        }
        int32_t offset = rep % 3 ? (int32_t)ref_int(&s, -(1 << 30), 1 << 30) : 0;
        size_t n = (size_t)ref_int(&s, 0, N);
        for (size_t i = 0; i < n; i++)
            acc[i] = edgy_int32(&s);
        nn_i8_requantize_run(y, acc, n, m, offset, shift, zp, lo, hi);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(y[i] == (uint8_t)ref_requantize_offset(acc[i], m, offset, shift, zp, lo,
                                                                 hi),
                          "rep %d: acc %d mult %d offset %d shift %d zp %d [%d, %d]", rep, acc[i],
                          m, offset, shift, zp, lo, hi);
    }
}
END_TEST

/* The branch-free form of the right-shifting case, bit for bit the general one. */
START_TEST(mul_by_multiplier64_right) {
    uint64_t s = 9;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int64_t x = ref_int(&s, -((int64_t)1 << 32) + 1, ((int64_t)1 << 32) - 1);
        if (ref_next(&s) % 4 == 0)
            x = ref_int(&s, -1000, 1000);
        int32_t m = random_mult(&s) * (ref_next(&s) % 2 ? -1 : 1);
        int right = (int)ref_int(&s, 1, 62);
        if (i % 7 == 0 && right <= 31) { /* ties: x m an odd multiple of 2^(right - 1) */
            x = 2 * ref_int(&s, -1000, 1000) + 1;
            m = (int32_t)1 << (right - 1);
        }
        ck_assert_msg(nn_i8_mul_by_multiplier64_right(x, m, right) ==
                          nn_i8_mul_by_multiplier64(x, m, 31 - right),
                      "%lld %d %d", (long long)x, m, right);
    }
}
END_TEST

START_TEST(round16) {
    uint64_t s = 7;
    for (int i = 0; i < RANDOM_CASES; i++) {
        int64_t v = (int64_t)ref_next(&s);
        if (i % 3 == 0) /* ties: odd multiples of 2^15 */
            v = (2 * ref_int(&s, -1000000, 1000000) + 1) * 32768;
        if (v == INT64_MIN)
            continue;
        ck_assert(nn_i8_round16(v) == (int64_t)ref_round_half_away(v, 16));
    }
    ck_assert(nn_i8_round16(INT64_MAX) == (int64_t)ref_round_half_away(INT64_MAX, 16));
    ck_assert(nn_i8_round16(-INT64_MAX) == (int64_t)ref_round_half_away(-INT64_MAX, 16));
    ck_assert(nn_i8_round16(-32768) == -1 && nn_i8_round16(32768) == 1);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("int8_arith");
    TCase *tc = tcase_create("arith");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, quantize_multiplier);
    tcase_add_test(tc, srdhm);
    tcase_add_test(tc, mul_by_multiplier);
    tcase_add_test(tc, requantize);
    tcase_add_test(tc, requantize_ties);
    tcase_add_test(tc, mul_by_multiplier64);
    tcase_add_test(tc, requantize_run);
    tcase_add_test(tc, mul_by_multiplier64_right);
    tcase_add_test(tc, round16);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
