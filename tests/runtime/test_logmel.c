/* Log-mel features against an independent double-precision computation:
 * explicit reflect padding, sin^2 window, direct DFT, and the mel matrix
 * written out from the HTK formulas.  Shares no code with logmel.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "logmel.h"
#include "testutil.h"

#define N 16000
#define NFFT 2048
#define NBIN 1025
#define NMEL 256
#define NT 32
#define PI 3.14159265358979323846

static double ref_mel[NMEL][NBIN];
static double cos_t[NFFT], sin_t[NFFT];

static double htk_mel(double hz) { return 2595.0 * log10(1.0 + hz / 700.0); }
static double htk_hz(double mel) { return 700.0 * (pow(10.0, mel / 2595.0) - 1.0); }

static double corner(int i)
{
    return htk_hz(htk_mel(8000.0) * i / (NMEL + 1));
}

static void make_reference_tables(void)
{
    for (int i = 0; i < NFFT; i++) {
        cos_t[i] = cos(2.0 * PI * i / NFFT);
        sin_t[i] = sin(2.0 * PI * i / NFFT);
    }
    for (int m = 0; m < NMEL; m++) {
        double lo = corner(m), mid = corner(m + 1), hi = corner(m + 2);
        for (int k = 0; k < NBIN; k++) {
            double f = 8000.0 * k / (NBIN - 1);
            double w = 0.0;
            if (f > lo && f <= mid)
                w = (f - lo) / (mid - lo);
            else if (f > mid && f < hi)
                w = (hi - f) / (hi - mid);
            ref_mel[m][k] = w;
        }
    }
}

/* ref[m][t] = log(sum_k M[m][k] |DFT(w * frame_t)|^2 + 1e-5) */
static void reference(const float *x, double ref[NMEL][NT])
{
    static double padded[N + NFFT];
    for (int i = 0; i < N + NFFT; i++) {
        int j = i - NFFT / 2;
        if (j < 0)
            j = -j;
        else if (j > N - 1)
            j = (N - 1) - (j - (N - 1));
        padded[i] = x[j];
    }
    for (int t = 0; t < NT; t++) {
        double fr[NFFT], power[NBIN];
        for (int i = 0; i < NFFT; i++) {
            double s = sin(PI * i / NFFT);
            fr[i] = padded[t * 512 + i] * s * s;
        }
        for (int k = 0; k < NBIN; k++) {
            double re = 0.0, im = 0.0;
            for (int i = 0; i < NFFT; i++) {
                int idx = (int)(((long)k * i) % NFFT);
                re += fr[i] * cos_t[idx];
                im -= fr[i] * sin_t[idx];
            }
            power[k] = re * re + im * im;
        }
        for (int m = 0; m < NMEL; m++) {
            double acc = 0.0;
            for (int k = 0; k < NBIN; k++)
                acc += ref_mel[m][k] * power[k];
            ref[m][t] = log(acc + 1e-5);
        }
    }
}

static double max_log_error(const float *x)
{
    static double ref[NMEL][NT];
    static float out[NMEL * NT];
    asc_err err;
    logmel *lm = logmel_new(&err);
    ck_assert_ptr_nonnull(lm);
    logmel_compute(lm, x, N, out);
    logmel_free(lm);
    reference(x, ref);
    double worst = 0.0;
    for (int m = 0; m < NMEL; m++)
        for (int t = 0; t < NT; t++) {
            double d = fabs(out[m * NT + t] - ref[m][t]);
            if (d > worst)
                worst = d;
        }
    return worst;
}

static float sig[N];

START_TEST(noise_matches_reference)
{
    unsigned long long s = 12345;
    for (int i = 0; i < N; i++)
        sig[i] = (float)(0.5 * tu_uniform(&s));
    double e = max_log_error(sig);
    printf("white noise: max |log diff| %.3g\n", e);
    ck_assert_msg(e < 1e-3, "white noise: max |log diff| %g", e);
}
END_TEST

START_TEST(quiet_noise_matches_reference)
{
    unsigned long long s = 777;
    for (int i = 0; i < N; i++)
        sig[i] = (float)(1e-4 * tu_uniform(&s));
    double e = max_log_error(sig);
    printf("quiet noise: max |log diff| %.3g\n", e);
    ck_assert_msg(e < 1e-3, "quiet noise: max |log diff| %g", e);
}
END_TEST

START_TEST(sines_match_reference)
{
    for (int i = 0; i < N; i++)
        sig[i] = (float)(0.4 * sin(2 * PI * 440.0 * i / 16000.0) +
                         0.2 * sin(2 * PI * 3333.0 * i / 16000.0 + 1.0) +
                         0.05 * sin(2 * PI * 7000.0 * i / 16000.0));
    double e = max_log_error(sig);
    printf("sines: max |log diff| %.3g\n", e);
    ck_assert_msg(e < 1e-3, "sines: max |log diff| %g", e);
}
END_TEST

START_TEST(chirp_matches_reference)
{
    /* Linear chirp 50 Hz -> 7950 Hz over the second. */
    for (int i = 0; i < N; i++) {
        double t = i / 16000.0;
        sig[i] = (float)(0.7 * sin(2 * PI * (50.0 * t + 0.5 * 7900.0 * t * t)));
    }
    double e = max_log_error(sig);
    printf("chirp: max |log diff| %.3g\n", e);
    ck_assert_msg(e < 1e-3, "chirp: max |log diff| %g", e);
}
END_TEST

START_TEST(sine_1k_peaks_in_its_band)
{
    static float out[NMEL * NT];
    for (int i = 0; i < N; i++)
        sig[i] = (float)(0.5 * sin(2 * PI * 1000.0 * i / 16000.0));
    asc_err err;
    logmel *lm = logmel_new(&err);
    ck_assert_ptr_nonnull(lm);
    logmel_compute(lm, sig, N, out);
    logmel_free(lm);
    for (int t = 2; t < NT - 2; t++) {
        int best = 0;
        for (int m = 1; m < NMEL; m++)
            if (out[m * NT + t] > out[best * NT + t])
                best = m;
        ck_assert_msg(corner(best) < 1000.0 && 1000.0 < corner(best + 2),
                      "frame %d peaks in band %d (%.1f..%.1f Hz)", t, best,
                      corner(best), corner(best + 2));
        /* The band whose centre is nearest 1 kHz, or its neighbour. */
        ck_assert(fabs(corner(best + 1) - 1000.0) <
                  corner(best + 2) - corner(best));
    }
}
END_TEST

START_TEST(frame_count_is_centred)
{
    ck_assert_int_eq(logmel_frames(16000), 32);
    ck_assert_int_eq(logmel_frames(16383), 32);
    ck_assert_int_eq(logmel_frames(16384), 33);
    ck_assert_int_eq(LOGMEL_FRAMES, 32);
}
END_TEST

START_TEST(silence_is_the_floor)
{
    static float out[NMEL * NT];
    for (int i = 0; i < N; i++)
        sig[i] = 0.0f;
    asc_err err;
    logmel *lm = logmel_new(&err);
    logmel_compute(lm, sig, N, out);
    logmel_free(lm);
    for (int i = 0; i < NMEL * NT; i++)
        ck_assert_double_eq_tol(out[i], log(1e-5), 1e-6);
}
END_TEST

int main(void)
{
    make_reference_tables();
    Suite *s = suite_create("logmel");
    TCase *tc = tcase_create("against reference");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, noise_matches_reference);
    tcase_add_test(tc, quiet_noise_matches_reference);
    tcase_add_test(tc, sines_match_reference);
    tcase_add_test(tc, chirp_matches_reference);
    tcase_add_test(tc, sine_1k_peaks_in_its_band);
    tcase_add_test(tc, frame_count_is_centred);
    tcase_add_test(tc, silence_is_the_floor);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
