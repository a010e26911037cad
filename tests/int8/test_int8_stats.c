/* The integer statistics of runtime/nn/nn_int8_stats.h: sums against direct
 * loops over the 4-D index, the 128-bit product and the fixed-point rsqrt
 * against __int128 (the rsqrt by its defining inequality), and ResNorm on
 * codes against the exact value of its integer formula and against float
 * ResNorm (DESIGN.md 3). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "nn_int8.h"
#include "ref_int8.h"

#define MAXV 20000

static uint8_t x_buf[MAXV], y_buf[MAXV];

START_TEST(stats) {
    uint64_t s = 21;
    for (int rep = 0; rep < 300; rep++) {
        int c = (int)ref_int(&s, 1, 8), n = (int)ref_int(&s, 1, 3), f = (int)ref_int(&s, 1, 9);
        int t = (int)ref_int(&s, 1, 20);
        for (int i = 0; i < c * n * f * t; i++)
            x_buf[i] = (uint8_t)(rep % 5 == 0 ? 255 : ref_int(&s, 0, 255));
        for (int clip = 0; clip < n; clip++)
            for (int fi = 0; fi < f; fi++) {
                int64_t s1 = 0, s2 = 0, got1, got2;
                for (int ch = 0; ch < c; ch++)
                    for (int ti = 0; ti < t; ti++) {
                        int64_t v = x_buf[((ch * n + clip) * f + fi) * t + ti];
                        s1 += v;
                        s2 += v * v;
                    }
                nn_i8_stats(x_buf + (clip * f + fi) * t, c, (size_t)n * f * t, t, &got1, &got2);
                ck_assert(got1 == s1 && got2 == s2);
            }
        /* a frequency column: one (channel, clip) row, one time step */
        int64_t s1 = 0, s2 = 0, got1, got2;
        for (int fi = 0; fi < f; fi++) {
            int64_t v = x_buf[fi * t + t - 1];
            s1 += v;
            s2 += v * v;
        }
        nn_i8_stats(x_buf + t - 1, f, (size_t)t, 1, &got1, &got2);
        ck_assert(got1 == s1 && got2 == s2);
    }
}
END_TEST

START_TEST(mul_u64) {
    uint64_t s = 24;
    for (int i = 0; i < 200000; i++) {
        uint64_t a = ref_next(&s) >> ref_int(&s, 0, 63), b = ref_next(&s) >> ref_int(&s, 0, 63);
        if (i < 4)
            a = b = i % 2 ? UINT64_MAX : 0;
        uint64_t hi, lo;
        nn_i8_mul_u64(a, b, &hi, &lo);
        unsigned __int128 p = (unsigned __int128)a * b;
        ck_assert(hi == (uint64_t)(p >> 64) && lo == (uint64_t)p);
    }
}
END_TEST

/* mult 2^(shift - 31) <= 1 / sqrt(d) < (mult + 1) 2^(shift - 31), squared:
 * mult^2 d <= 4^e < (mult + 1)^2 d with e = 31 - shift. */
static void check_rsqrt(uint64_t d) {
    int32_t m;
    int shift;
    ck_assert_int_eq(nn_i8_rsqrt(d, &m, &shift), 0);
    ck_assert_msg(m >= (1 << 30), "d %llu: mult %d", (unsigned long long)d, m);
    int e = 31 - shift;
    ck_assert(e >= 1 && e <= 61);
    unsigned __int128 four_e = (unsigned __int128)1 << (2 * e);
    unsigned __int128 lo = (unsigned __int128)m * m * d,
                      hi = (unsigned __int128)(m + 1ull) * (m + 1ull) * d;
    ck_assert_msg(lo <= four_e && four_e < hi, "d %llu", (unsigned long long)d);
}

START_TEST(rsqrt) {
    for (uint64_t d = 1; d < 5000; d++)
        check_rsqrt(d);
    for (int k = 0; k < 62; k++) {
        check_rsqrt(UINT64_C(1) << k);
        check_rsqrt((UINT64_C(1) << k) + 1);
        check_rsqrt((UINT64_C(1) << k) - 1 + (k == 0));
        check_rsqrt((UINT64_C(3) << k) >> 1 | 1);
    }
    check_rsqrt((UINT64_C(1) << 62) - 1);
    uint64_t s = 22;
    for (int i = 0; i < 200000; i++) {
        int bits = (int)ref_int(&s, 1, 62);
        uint64_t d = ref_next(&s) >> (64 - bits);
        check_rsqrt(d ? d : 1);
    }
    int32_t m;
    int shift;
    ck_assert_int_eq(nn_i8_rsqrt(0, &m, &shift), -1);
    ck_assert_int_eq(m, 0);
    ck_assert_int_eq(nn_i8_rsqrt(UINT64_C(1) << 62, &m, &shift), -1);
    ck_assert_int_eq(nn_i8_rsqrt(UINT64_MAX, &m, &shift), -1);
}
END_TEST

static long double clamp255(long double v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

START_TEST(resnorm) {
    uint64_t s = 23;
    long exact_same = 0, float_same = 0, total = 0;
    for (int rep = 0; rep < 400; rep++) {
        int c = (int)ref_int(&s, 1, 10), n = (int)ref_int(&s, 1, 2), f = (int)ref_int(&s, 1, 6);
        int t = (int)ref_int(&s, 1, 16);
        double sx = pow(10, ref_uniform(&s, -3, 0)), sy = ref_uniform(&s, 0.01, 0.06);
        double lambda = rep % 7 == 0 ? 0 : rep % 7 == 1 ? 1 : 0.1, eps = 1e-8;
        if (rep % 11 == 0)
            sx = 1e-5; /* E = n^2 eps / sx^2 well above one */
        int32_t zx = (int32_t)ref_int(&s, 0, 255), zy = (int32_t)ref_int(&s, 80, 180);
        int mode = rep % 4; /* 0: constant slabs, 1: two codes, else uniform */
        int base = (int)ref_int(&s, 0, 254);
        for (int i = 0; i < c * n * f * t; i++)
            x_buf[i] = (uint8_t)(mode == 0   ? base
                                 : mode == 1 ? base + ref_int(&s, 0, 1)
                                             : ref_int(&s, 0, 255));
        NnI8ResNorm p;
        nn_i8_resnorm_params(&p, lambda, eps, c * t, sx, zx, sy, zy);
        nn_i8_resnorm(y_buf, x_buf, c, n, f, t, &p);
        for (int clip = 0; clip < n; clip++)
            for (int fi = 0; fi < f; fi++) {
                long double s1 = 0, s2 = 0, cnt = (long double)c * t, mean = 0, var = 0;
                for (int ch = 0; ch < c; ch++)
                    for (int ti = 0; ti < t; ti++) {
                        long double v = x_buf[((ch * n + clip) * f + fi) * t + ti];
                        s1 += v;
                        s2 += v * v;
                        mean += sx * (v - zx) / cnt;
                    }
                for (int ch = 0; ch < c; ch++)
                    for (int ti = 0; ti < t; ti++) {
                        long double xv = sx * (x_buf[((ch * n + clip) * f + fi) * t + ti] - zx);
                        var += (xv - mean) * (xv - mean) / cnt;
                    }
                long double d = cnt * s2 - s1 * s1 + (long double)p.eps_q;
                for (int ch = 0; ch < c; ch++)
                    for (int ti = 0; ti < t; ti++) {
                        int o = ((ch * n + clip) * f + fi) * t + ti;
                        long double q = x_buf[o];
                        /* the integer formula, exactly */
                        long double norm = d > 0 ? (cnt * q - s1) / sqrtl(d) : 0;
                        long double v = zy + (lambda * sx * (q - zx) + norm) / sy;
                        /* float ResNorm on the dequantised input */
                        long double xv = sx * (q - zx);
                        long double fv = zy + (lambda * xv + (xv - mean) / sqrtl(var + eps)) / sy;
                        ck_assert_msg(fabsl(y_buf[o] - clamp255(v)) <= 0.5L + 1e-3L,
                                      "rep %d: %d vs %Lf", rep, y_buf[o], v);
                        ck_assert_msg(fabsl(y_buf[o] - clamp255(fv)) <= 1, "rep %d float", rep);
                        exact_same += y_buf[o] == clamp255(roundl(v));
                        float_same += y_buf[o] == clamp255(roundl(fv));
                        total++;
                    }
            }
    }
    ck_assert_msg(exact_same >= total * 0.999, "%ld of %ld", exact_same, total);
    ck_assert_msg(float_same >= total * 0.99, "%ld of %ld", float_same, total);
}
END_TEST

/* (x mult 2^(shift16 - 31)) rounded half away from zero, exactly. */
static __int128 ref_term16(int64_t x, int32_t mult, int shift16) {
    __int128 p = (__int128)x * mult;
    return 31 - shift16 > 0 ? ref_round_half_away(p, 31 - shift16)
                            : p * ((__int128)1 << (shift16 - 31));
}

/* nn_i8_resnorm value by value from its definition: the bin's sums by direct
 * loops, its scale 1 / sqrt(D + E) / y_scale from nn_i8_rsqrt (tested above)
 * and the reference high multiply, each value's two terms and one rounding in
 * 128 bits. */
static void ref_resnorm(uint8_t *y, const uint8_t *x, int c, int n, int f, int t,
                        const NnI8ResNorm *p) {
    int64_t cnt = (int64_t)c * t;
    for (int clip = 0; clip < n; clip++)
        for (int fi = 0; fi < f; fi++) {
            int64_t s1 = 0, s2 = 0;
            for (int ch = 0; ch < c; ch++)
                for (int ti = 0; ti < t; ti++) {
                    int64_t v = x[(((size_t)ch * n + clip) * f + fi) * t + ti];
                    s1 += v;
                    s2 += v * v;
                }
            int32_t r_mult, mult = 0;
            int r_shift, shift = 0;
            if (nn_i8_rsqrt((uint64_t)(cnt * s2 - s1 * s1 + p->eps_q), &r_mult, &r_shift) == 0) {
                mult = ref_srdhm(r_mult, p->inv_mult);
                shift = r_shift + p->inv_shift;
                if (mult < (1 << 30))
                    mult *= 2, shift--;
            }
            for (int ch = 0; ch < c; ch++)
                for (int ti = 0; ti < t; ti++) {
                    size_t o = (((size_t)ch * n + clip) * f + fi) * t + ti;
                    int64_t q = x[o];
                    __int128 v = ref_term16(q - p->x_zp, p->lambda_mult, p->lambda_shift + 16) +
                                 ref_term16(cnt * q - s1, mult, shift + 16);
                    __int128 out = ref_round_half_away(v, 16) + p->y_zp;
                    y[o] = (uint8_t)(out < 0 ? 0 : out > 255 ? 255 : out);
                }
        }
}

/* Bit for bit against ref_resnorm: bins of more than 256 values (a table of
 * the codes' outputs) and fewer (one run), clips of several blocks of bins,
 * rows longer than a block, constant and two-code slabs, lambda 0 and
 * negative. */
START_TEST(resnorm_reference) {
    uint64_t s = 25;
    static uint8_t r_buf[MAXV];
    for (int rep = 0; rep < 120; rep++) {
        int c = (int)ref_int(&s, 1, 70), n = (int)ref_int(&s, 1, 2), f = (int)ref_int(&s, 1, 3);
        int t = (int)ref_int(&s, 1, 40);
        if (rep % 10 == 0) /* rows longer than a block of bins */
            c = 2, n = 1, f = 3, t = (int)ref_int(&s, 1025, 3000);
        if (rep % 10 == 5) /* several blocks of bins, tables */
            c = 10, n = 1, f = 40, t = 40;
        if (rep % 10 == 6) /* several blocks of bins, runs */
            c = 5, n = 2, f = 60, t = 9;
        double sx = pow(10, ref_uniform(&s, -3, 0)), sy = ref_uniform(&s, 0.01, 0.06);
        double lambda = rep % 5 == 0 ? 0 : ref_uniform(&s, -1, 1);
        int32_t zx = (int32_t)ref_int(&s, 0, 255), zy = (int32_t)ref_int(&s, 0, 255);
        int base = (int)ref_int(&s, 0, 254), mode = rep % 4;
        for (int i = 0; i < c * n * f * t; i++)
            x_buf[i] = (uint8_t)(mode == 0   ? base
                                 : mode == 1 ? base + ref_int(&s, 0, 1)
                                             : ref_int(&s, 0, 255));
        NnI8ResNorm p;
        nn_i8_resnorm_params(&p, fabs(lambda), 1e-8, c * t, sx, zx, sy, zy);
        if (lambda < 0) /* a negative lambda: the same multiplier, negated */
            p.lambda_mult = -p.lambda_mult;
        nn_i8_resnorm(y_buf, x_buf, c, n, f, t, &p);
        ref_resnorm(r_buf, x_buf, c, n, f, t, &p);
        ck_assert_msg(!memcmp(y_buf, r_buf, (size_t)c * n * f * t), "rep %d: c %d t %d", rep, c, t);
    }
}
END_TEST

int main(void) {
    Suite *suite = suite_create("int8_stats");
    TCase *tc = tcase_create("stats");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stats);
    tcase_add_test(tc, mul_u64);
    tcase_add_test(tc, rsqrt);
    tcase_add_test(tc, resnorm);
    tcase_add_test(tc, resnorm_reference);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
