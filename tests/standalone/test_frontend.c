/* The standalone front end (compiler/standalone/frontend.c) against the
 * runtime it must reproduce (runtime/logmel.c with FFTW, audio_resample with
 * libsoxr), against an independent double-precision direct DFT, and on
 * every refusal: the length policy, each error code, NaN/Inf, and inputs
 * that must be refused without being read.  Run under ASan/UBSan too. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "check_run.h"
#include "frontend.h"
#include "logmel.h"

#define NB ascfe_BANDS
#define NT ascfe_FRAMES
#define NF ascfe_FEATURES
#define CLIP 16000
#define PI 3.14159265358979323846
#define MAX_IN (2 * 96000)

static double arena[ascfe_ARENA_BYTES / sizeof(double)];
static float sig[MAX_IN], ours[NF], theirs[NF];

static double uniform(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void setup(void)
{
    ck_assert_int_eq(ascfe_init(arena, sizeof arena), ascfe_OK);
}

/* The runtime's features of n samples at rate, the way audio_load makes a
 * clip: decode at most 1.05 s, resample with soxr, pad or crop to 1 s. */
static void runtime_features(const float *x, int n, int rate, float *out)
{
    static float res[2 * CLIP + 16];
    asc_err err;
    long got, used = n < rate + rate / 20 ? n : rate + rate / 20;
    audio_loader *ld = audio_loader_new();
    ck_assert_ptr_nonnull(ld);
    ck_assert_int_eq(audio_resample(ld, x, used, rate, res, 2 * CLIP + 16,
                                    &got, &err), ASC_OK);
    audio_loader_free(ld);
    for (long i = got; i < CLIP; i++)
        res[i] = 0.0f;
    logmel *lm = logmel_new(&err);
    ck_assert_ptr_nonnull(lm);
    logmel_compute(lm, res, CLIP, out);
    logmel_free(lm);
}

typedef struct {
    double max, mean;
} diff;

static diff compare(const float *a, const float *b)
{
    diff d = {0.0, 0.0};
    for (int i = 0; i < NF; i++) {
        double e = fabs((double)a[i] - b[i]);
        d.mean += e / NF;
        if (e > d.max)
            d.max = e;
    }
    return d;
}

static diff against_runtime(const char *name, int n, int rate)
{
    int st = ascfe_logmel(arena, sig, n, rate, ours);
    ck_assert_msg(st >= 0, "%s: %s", name, ascfe_strerror(st));
    runtime_features(sig, n, rate, theirs);
    diff d = compare(ours, theirs);
    printf("%-22s %5d Hz: max |log diff| %.3g, mean %.3g\n", name, rate,
           d.max, d.mean);
    return d;
}

/* ---- 16 kHz: the runtime's numbers ----------------------------------- */

/* Both sides window, transform, square and sum the mel bands in double
 * from the same float clip; only the FFTs' round-off differs, about 1e-16
 * of a frame's energy.  The quietest band sits at the 1e-5 floor, so even a
 * full-scale frame (bin power up to ~1e6) moves it by ~1e-5 relative, and
 * the final logf of a float rounds the same way on both sides: 1e-3 (the
 * runtime's own bound against its reference) leaves a wide margin; the
 * measured difference is 0 or a float ulp. */
#define EXACT_TOL 1e-3

static void expect_exact(const char *name)
{
    diff d = against_runtime(name, CLIP, 16000);
    ck_assert_msg(d.max <= EXACT_TOL, "%s: max |log diff| %g", name, d.max);
}

START_TEST(noise_16k)
{
    unsigned long long s = 1;
    for (int i = 0; i < CLIP; i++)
        sig[i] = (float)(0.5 * uniform(&s));
    expect_exact("noise");
}
END_TEST

START_TEST(quiet_noise_16k)
{
    unsigned long long s = 2;
    for (int i = 0; i < CLIP; i++)
        sig[i] = (float)(1e-4 * uniform(&s));
    expect_exact("quiet noise");
}
END_TEST

START_TEST(sines_16k)
{
    static const double freq[] = {31.25, 100.0, 440.0, 1000.0, 3333.0,
                                  6000.0, 7000.0, 7999.0};
    for (size_t f = 0; f < sizeof freq / sizeof freq[0]; f++) {
        char name[32];
        for (int i = 0; i < CLIP; i++)
            sig[i] = (float)(0.9 * sin(2 * PI * freq[f] * i / 16000.0 + 0.3));
        snprintf(name, sizeof name, "sine %.0f Hz", freq[f]);
        expect_exact(name);
    }
}
END_TEST

START_TEST(chirp_16k)
{
    for (int i = 0; i < CLIP; i++) {
        double t = i / 16000.0;
        sig[i] = (float)(0.7 * sin(2 * PI * (50.0 * t + 0.5 * 7900.0 * t * t)));
    }
    expect_exact("chirp");
}
END_TEST

START_TEST(silence_16k)
{
    memset(sig, 0, CLIP * sizeof sig[0]);
    expect_exact("silence");
    for (int i = 0; i < NF; i++)
        ck_assert_float_eq(ours[i], logf(1e-5f));
}
END_TEST

START_TEST(square_16k)
{
    /* Full scale, 440 Hz: harmonics alias all over the band. */
    for (int i = 0; i < CLIP; i++)
        sig[i] = fmod(i * 440.0 / 16000.0, 1.0) < 0.5 ? 1.0f : -1.0f;
    expect_exact("full-scale square");
}
END_TEST

/* ---- an independent reference: direct DFT in double ------------------ */

static double ref_cos[2048], ref_sin[2048];

static double htk(double hz) { return 2595.0 * log10(1.0 + hz / 700.0); }
static double htk_inv(double mel) { return 700.0 * (pow(10.0, mel / 2595.0) - 1.0); }

/* log(sum_k tri_m(f_k) |sum_i hann(i) x(t*512 + i - 1024) e^(-2 pi i k i/2048)|^2
 * + 1e-5), reflect-padded; written from docs/features.md, not from code. */
static void direct_reference(const float *x, double *ref)
{
    for (int i = 0; i < 2048; i++) {
        ref_cos[i] = cos(2 * PI * i / 2048);
        ref_sin[i] = sin(2 * PI * i / 2048);
    }
    double edge[NB + 2];
    for (int i = 0; i < NB + 2; i++)
        edge[i] = htk_inv(htk(8000.0) * i / (NB + 1));
    for (int t = 0; t < NT; t++) {
        static double frame[2048], power[1025];
        for (int i = 0; i < 2048; i++) {
            int j = t * 512 + i - 1024;
            j = j < 0 ? -j : j > CLIP - 1 ? 2 * (CLIP - 1) - j : j;
            double h = sin(PI * i / 2048);
            frame[i] = x[j] * h * h;
        }
        for (int k = 0; k <= 1024; k++) {
            double re = 0, im = 0;
            for (int i = 0; i < 2048; i++) {
                re += frame[i] * ref_cos[(k * i) % 2048];
                im -= frame[i] * ref_sin[(k * i) % 2048];
            }
            power[k] = re * re + im * im;
        }
        for (int m = 0; m < NB; m++) {
            double acc = 0;
            for (int k = 0; k <= 1024; k++) {
                double f = k * 8000.0 / 1024;
                double w = f <= edge[m + 1] ? (f - edge[m]) / (edge[m + 1] - edge[m])
                                            : (edge[m + 2] - f) / (edge[m + 2] - edge[m + 1]);
                if (w > 0)
                    acc += w * power[k];
            }
            ref[m * NT + t] = log(acc + 1e-5);
        }
    }
}

/* The reference is double throughout and takes the natural log in double;
 * ours rounds the mel sum to float before logf, ~1e-7 relative: 1e-3 is
 * the runtime's bound for the same comparison. */
static void expect_reference(const char *name)
{
    static double ref[NF];
    ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP, 16000, ours), ascfe_OK);
    direct_reference(sig, ref);
    double worst = 0;
    for (int i = 0; i < NF; i++)
        if (fabs(ours[i] - ref[i]) > worst)
            worst = fabs(ours[i] - ref[i]);
    printf("%-22s vs direct DFT: max |log diff| %.3g\n", name, worst);
    ck_assert_msg(worst <= 1e-3, "%s: %g", name, worst);
}

START_TEST(noise_vs_direct_dft)
{
    unsigned long long s = 3;
    for (int i = 0; i < CLIP; i++)
        sig[i] = (float)(0.3 * uniform(&s));
    expect_reference("noise");
}
END_TEST

START_TEST(sines_vs_direct_dft)
{
    for (int i = 0; i < CLIP; i++)
        sig[i] = (float)(0.5 * sin(2 * PI * 1000.0 * i / 16000.0) +
                         0.01 * sin(2 * PI * 5555.0 * i / 16000.0));
    expect_reference("1 kHz + 5.555 kHz");
}
END_TEST

/* ---- resampling against soxr ------------------------------------------ */

/* docs/standalone.md: where the front end reproduces soxr's SOXR_HQ chain
 * (one filtering stage, optionally a polyphase one: 16-64 kHz except 24-32
 * kHz), every feature is within 2e-3 of the runtime's and the mean within
 * 1e-4 (measured: 9.2e-4 and 3.7e-6 at most; what is left is float
 * round-off, soxr's own included).  Elsewhere (here 88.2 and 96 kHz, whose
 * chains add a half-band stage, and at 88.2 kHz a longer polyphase one)
 * only soxr's filter is reproduced: mean within 1e-2, and within 0.05 below
 * 7.2 kHz (bands 0..239). */
#define REPRODUCED_MAX_TOL 2e-3
#define REPRODUCED_MEAN_TOL 1e-4
#define RESAMPLE_MEAN_TOL 1e-2
#define RESAMPLE_LOW_TOL 5e-2

static void expect_resampled(const char *name, int n, int rate)
{
    diff d = against_runtime(name, n, rate);
    if (rate <= 64000) {
        ck_assert_msg(d.max <= REPRODUCED_MAX_TOL, "%s at %d Hz: max %g", name, rate, d.max);
        ck_assert_msg(d.mean <= REPRODUCED_MEAN_TOL, "%s at %d Hz: mean %g", name, rate,
                      d.mean);
    }
    ck_assert_msg(d.mean <= RESAMPLE_MEAN_TOL, "%s at %d Hz: mean %g", name,
                  rate, d.mean);
    double low = 0;
    for (int i = 0; i < 240 * NT; i++)
        if (fabs(ours[i] - theirs[i]) > low)
            low = fabs(ours[i] - theirs[i]);
    printf("%-22s %5d Hz: bands 0..239 max |log diff| %.3g\n", name, rate,
           low);
    ck_assert_msg(low <= RESAMPLE_LOW_TOL, "%s at %d Hz: bands 0..239 max %g",
                  name, rate, low);
}

static void make_noise(int n, double amp, unsigned long long seed)
{
    for (int i = 0; i < n; i++)
        sig[i] = (float)(amp * uniform(&seed));
}

/* Brown-ish noise, two tones and a little hiss: the low-heavy spectrum of
 * street or transport scenes. */
static void make_scene(int n, int rate)
{
    unsigned long long s = 9;
    double y = 0;
    for (int i = 0; i < n; i++) {
        y = 0.995 * y + 0.05 * uniform(&s);
        sig[i] = (float)(y + 0.1 * sin(2 * PI * 440.0 * i / rate) +
                         0.02 * sin(2 * PI * 3000.0 * i / rate) +
                         0.01 * uniform(&s));
    }
}

static const int rates[] = {22050, 24000, 32000, 44100, 48000, 88200, 96000};

START_TEST(resampled_noise)
{
    int rate = rates[_i];
    make_noise(rate, 0.5, 4);
    expect_resampled("noise", rate, rate);
}
END_TEST

START_TEST(resampled_scene)
{
    int rate = rates[_i];
    make_scene(rate, rate);
    expect_resampled("scene-like", rate, rate);
}
END_TEST

START_TEST(resampled_lengths)
{
    make_noise(2 * 44100, 0.5, 5);
    expect_resampled("noise 0.7 s", 30870, 44100);
    expect_resampled("noise 2 s", 2 * 44100, 44100);
    expect_resampled("noise 0.5 s", 22050, 44100);
}
END_TEST

/* Independent of soxr: in band, resampling is transparent but for soxr's
 * polyphase stage, whose passband droop the front end reproduces at the
 * rates whose chain has one (22.05 and 44.1 kHz here: 0.0065 dB at 7 kHz,
 * 1.5e-3 in log power; under 1e-4 up to 5 kHz).  A tone made at 22.05-96
 * kHz gives the features of the same tone made at 16 kHz in every band it
 * reaches (value above -5), away from the clip's first and last 64 ms where
 * the filters start and stop, within 2e-3. */
START_TEST(in_band_tones_match_native)
{
    static const int tone_rates[] = {22050, 44100, 48000, 96000};
    static const double freq[] = {100.0, 1000.0, 5000.0, 7000.0};
    static float native[NF];
    for (size_t f = 0; f < sizeof freq / sizeof freq[0]; f++) {
        for (int i = 0; i < CLIP; i++)
            sig[i] = (float)(0.5 * sin(2 * PI * freq[f] * i / 16000.0));
        ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP, 16000, native), ascfe_OK);
        for (size_t r = 0; r < sizeof tone_rates / sizeof tone_rates[0]; r++) {
            int rate = tone_rates[r];
            for (int i = 0; i < rate; i++)
                sig[i] = (float)(0.5 * sin(2 * PI * freq[f] * i / rate));
            ck_assert_int_eq(ascfe_logmel(arena, sig, rate, rate, ours), ascfe_OK);
            double worst = 0;
            for (int m = 0; m < NB; m++)
                for (int t = 2; t < NT - 2; t++)
                    if (native[m * NT + t] > -5.0 &&
                        fabs(ours[m * NT + t] - native[m * NT + t]) > worst)
                        worst = fabs(ours[m * NT + t] - native[m * NT + t]);
            ck_assert_msg(worst <= (freq[f] <= 5000.0 ? 1e-4 : 2e-3), "%.0f Hz at %d Hz: %g",
                          freq[f], rate, worst);
        }
    }
}
END_TEST

/* Above 8 kHz a tone must vanish: what it leaves in 0..8 kHz (aliases and
 * images) must be at least 95 dB below what the same tone leaves in band
 * (stage A's stopband is 120 dB, stage B's soxr's 126-138 dB). */
static double mel_power_peak(const float *feat, int excess)
{
    double peak = 0;
    for (int m = 0; m < NB; m++)
        for (int t = 2; t < NT - 2; t++) {
            double p = exp(feat[m * NT + t]) - (excess ? 1e-5 : 0.0);
            if (p > peak)
                peak = p;
        }
    return peak;
}

START_TEST(out_of_band_tones_vanish)
{
    static const struct {
        int rate;
        double freq;
    } tone[] = {{22050, 9000}, {44100, 12000}, {44100, 20000}, {48000, 10000},
                {48000, 23000}, {96000, 30000}, {96000, 40000}};
    for (size_t k = 0; k < sizeof tone / sizeof tone[0]; k++) {
        int rate = tone[k].rate;
        for (int i = 0; i < rate; i++)
            sig[i] = (float)(0.9 * sin(2 * PI * 1000.0 * i / rate));
        ck_assert_int_eq(ascfe_logmel(arena, sig, rate, rate, ours), ascfe_OK);
        double in_band = mel_power_peak(ours, 0);
        for (int i = 0; i < rate; i++)
            sig[i] = (float)(0.9 * sin(2 * PI * tone[k].freq * i / rate));
        ck_assert_int_eq(ascfe_logmel(arena, sig, rate, rate, ours), ascfe_OK);
        double db = 10 * log10(fmax(mel_power_peak(ours, 1), 1e-30) / in_band);
        printf("%5.0f Hz tone at %5d Hz: leaves %.1f dB in 0..8 kHz\n",
               tone[k].freq, rate, db);
        ck_assert_msg(db <= -95.0, "%.0f Hz at %d Hz: %.1f dB", tone[k].freq,
                      rate, db);
    }
}
END_TEST

START_TEST(rate_cache_switches)
{
    /* The arena keeps the last rate's polyphase table; switching rates and
     * back must give what a fresh arena gives. */
    static float first[NF];
    make_noise(48000, 0.5, 6);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 44100, 44100, first), ascfe_OK);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 48000, 48000, ours), ascfe_OK);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 22050, 22050, ours), ascfe_OK);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 44100, 44100, ours), ascfe_OK);
    ck_assert_mem_eq(first, ours, sizeof first);
}
END_TEST

/* ---- length policy ------------------------------------------------------ */

START_TEST(short_clips_are_padded)
{
    make_noise(CLIP, 0.5, 7);
    for (int n = 8000; n < CLIP; n += 2500) {
        ck_assert_int_eq(ascfe_logmel(arena, sig, n, 16000, ours), ascfe_PADDED);
        static float padded[CLIP];
        memcpy(padded, sig, n * sizeof(float));
        memset(padded + n, 0, (CLIP - n) * sizeof(float));
        asc_err err;
        logmel *lm = logmel_new(&err);
        logmel_compute(lm, padded, CLIP, theirs);
        logmel_free(lm);
        ck_assert_double_le(compare(ours, theirs).max, EXACT_TOL);
    }
    ck_assert_int_eq(ascfe_logmel(arena, sig, 8000, 16000, ours), ascfe_PADDED);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 22050, 44100, ours), ascfe_PADDED);
}
END_TEST

START_TEST(long_clips_are_cropped)
{
    static float first[NF];
    make_noise(MAX_IN, 0.5, 8);
    ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP, 16000, first), ascfe_OK);
    ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP + 1, 16000, ours),
                     ascfe_CROPPED);
    ck_assert_mem_eq(first, ours, sizeof first);
    ck_assert_int_eq(ascfe_logmel(arena, sig, MAX_IN, 16000, ours),
                     ascfe_CROPPED);
    ck_assert_mem_eq(first, ours, sizeof first);
    ck_assert_int_eq(ascfe_logmel(arena, sig, MAX_IN, 96000, ours),
                     ascfe_CROPPED);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 44100, 44100, ours), ascfe_OK);
}
END_TEST

START_TEST(too_short_is_refused)
{
    make_noise(CLIP, 0.5, 9);
    for (int i = 0; i < NF; i++)
        ours[i] = 42.0f;
    ck_assert_int_eq(ascfe_logmel(arena, sig, 7999, 16000, ours),
                     ascfe_E_TOO_SHORT);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 1, 16000, ours),
                     ascfe_E_TOO_SHORT);
    /* The runtime's rule: n < (long)(0.5 * rate). */
    ck_assert_int_eq(ascfe_logmel(arena, sig, 22049, 44100, ours),
                     ascfe_E_TOO_SHORT);
    ck_assert_int_eq(ascfe_logmel(arena, sig, 11024, 22050, ours),
                     ascfe_E_TOO_SHORT);
    for (int i = 0; i < NF; i++)
        ck_assert_float_eq(ours[i], 42.0f);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(null_pointers)
{
    ck_assert_int_eq(ascfe_init(NULL, sizeof arena), ascfe_E_NULL);
    ck_assert_int_eq(ascfe_logmel(NULL, sig, CLIP, 16000, ours), ascfe_E_NULL);
    ck_assert_int_eq(ascfe_logmel(arena, NULL, CLIP, 16000, ours), ascfe_E_NULL);
    ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP, 16000, NULL), ascfe_E_NULL);
}
END_TEST

START_TEST(bad_arenas)
{
    static double other[ascfe_ARENA_BYTES / sizeof(double) + 1];
    make_noise(CLIP, 0.5, 13);
    ck_assert_uint_eq(ascfe_arena_bytes(), ascfe_ARENA_BYTES);
    ck_assert_int_eq(ascfe_init(other, ascfe_ARENA_BYTES - 1), ascfe_E_ARENA);
    ck_assert_int_eq(ascfe_init((char *)other + 4, ascfe_ARENA_BYTES),
                     ascfe_E_ARENA);
    /* Never initialised (zeroed, then garbage): refused, not used. */
    ck_assert_int_eq(ascfe_logmel(other, sig, CLIP, 16000, ours), ascfe_E_ARENA);
    memset(other, 0xa5, sizeof other);
    ck_assert_int_eq(ascfe_logmel(other, sig, CLIP, 16000, ours), ascfe_E_ARENA);
    ck_assert_int_eq(ascfe_logmel((char *)arena + 4, sig, CLIP, 16000, ours),
                     ascfe_E_ARENA);
    /* init on a dirty buffer gives what it gives on a clean one. */
    static float clean[NF];
    ck_assert_int_eq(ascfe_init(other, sizeof other), ascfe_OK);
    ck_assert_int_eq(ascfe_logmel(other, sig, CLIP, 16000, ours), ascfe_OK);
    ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP, 16000, clean), ascfe_OK);
    ck_assert_mem_eq(ours, clean, sizeof clean);
}
END_TEST

START_TEST(unsupported_rates)
{
    static const int bad[] = {INT_MIN, -16000, -1, 0, 1, 8000, 11025, 15999,
                              16001, 44101, 96001, 192000, INT_MAX};
    make_noise(MAX_IN, 0.5, 10);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(ascfe_logmel(arena, sig, CLIP, bad[i], ours) == ascfe_E_RATE,
                      "rate %d", bad[i]);
    static const int good[] = {16000, 20000, 22050, 24000, 32000, 40000,
                               44100, 48000, 64000, 88200, 96000};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(ascfe_logmel(arena, sig, good[i], good[i], ours) == ascfe_OK,
                      "rate %d", good[i]);
}
END_TEST

START_TEST(empty_and_huge_lengths)
{
    /* A 16-sample buffer on the heap: ASan reports any read past it. */
    float *tiny = calloc(16, sizeof(float));
    ck_assert_ptr_nonnull(tiny);
    ck_assert_int_eq(ascfe_logmel(arena, tiny, 0, 16000, ours), ascfe_E_EMPTY);
    ck_assert_int_eq(ascfe_logmel(arena, tiny, -1, 16000, ours), ascfe_E_EMPTY);
    ck_assert_int_eq(ascfe_logmel(arena, tiny, INT_MIN, 44100, ours),
                     ascfe_E_EMPTY);
    ck_assert_int_eq(ascfe_logmel(arena, tiny, INT_MAX, 16000, ours),
                     ascfe_E_TOO_LONG);
    ck_assert_int_eq(ascfe_logmel(arena, tiny, INT_MAX, 96000, ours),
                     ascfe_E_TOO_LONG);
    ck_assert_int_eq(ascfe_logmel(arena, tiny, 60 * 16000 + 1, 16000, ours),
                     ascfe_E_TOO_LONG);
    free(tiny);
    /* Exactly 60 s is accepted. */
    float *minute = calloc(60 * 16000, sizeof(float));
    ck_assert_ptr_nonnull(minute);
    ck_assert_int_eq(ascfe_logmel(arena, minute, 60 * 16000, 16000, ours),
                     ascfe_CROPPED);
    free(minute);
}
END_TEST

START_TEST(nan_and_inf_are_refused)
{
    const float bad[] = {NAN, -NAN, INFINITY, -INFINITY, 1e10f, -2e9f};
    const int where[] = {0, 7777, CLIP - 1, CLIP + 500};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
        for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
            make_noise(MAX_IN, 0.5, 11);
            sig[where[w]] = bad[b];
            for (int i = 0; i < NF; i++)
                ours[i] = 42.0f;
            ck_assert_int_eq(ascfe_logmel(arena, sig, CLIP + 1000, 16000, ours),
                             ascfe_E_SAMPLE);
            ck_assert_int_eq(ascfe_logmel(arena, sig, 30000, 44100, ours),
                             ascfe_E_SAMPLE);
            ck_assert_float_eq(ours[0], 42.0f);
            ck_assert_float_eq(ours[NF - 1], 42.0f);
        }
    /* The largest accepted magnitude gives finite features at any rate. */
    for (int i = 0; i < 48000; i++)
        sig[i] = i % 2 ? ascfe_MAX_ABS : -ascfe_MAX_ABS;
    ck_assert_int_eq(ascfe_logmel(arena, sig, 48000, 48000, ours), ascfe_OK);
    for (int i = 0; i < NF; i++)
        ck_assert(isfinite(ours[i]));
}
END_TEST

START_TEST(every_status_has_text)
{
    for (int st = ascfe_E_SAMPLE; st <= ascfe_CROPPED; st++) {
        const char *text = ascfe_strerror(st);
        ck_assert_ptr_nonnull(text);
        ck_assert_int_gt((int)strlen(text), 1);
        for (int other = ascfe_E_SAMPLE; other < 0; other++)
            if (other != st && st < 0)
                ck_assert_str_ne(text, ascfe_strerror(other));
    }
}
END_TEST

START_TEST(random_inputs_never_crash)
{
    /* Random lengths, rates and sample values in exactly-sized heap
     * buffers: every call returns a status, and accepted ones give finite
     * features. */
    static const int rate_pool[] = {16000, 22050, 44100, 48000, 96000, 8000, 0};
    unsigned long long s = 12;
    for (int trial = 0; trial < 40; trial++) {
        int rate = rate_pool[(int)((uniform(&s) + 1) * 3.5) % 7];
        int n = (int)((uniform(&s) + 1) * 0.75 * (rate ? rate : 16000));
        float *x = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
        ck_assert_ptr_nonnull(x);
        double amp = pow(10.0, 9.0 * uniform(&s));
        for (int i = 0; i < n; i++)
            x[i] = (float)(amp * uniform(&s));
        int st = ascfe_logmel(arena, x, n, rate, ours);
        ck_assert(st >= ascfe_E_SAMPLE && st <= ascfe_CROPPED);
        for (int i = 0; st >= 0 && i < NF; i++)
            ck_assert(isfinite(ours[i]));
        free(x);
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("standalone_frontend");
    TCase *runtime = tcase_create("runtime");
    tcase_add_checked_fixture(runtime, setup, NULL);
    tcase_set_timeout(runtime, 300);
    tcase_add_test(runtime, noise_16k);
    tcase_add_test(runtime, quiet_noise_16k);
    tcase_add_test(runtime, sines_16k);
    tcase_add_test(runtime, chirp_16k);
    tcase_add_test(runtime, silence_16k);
    tcase_add_test(runtime, square_16k);
    tcase_add_test(runtime, noise_vs_direct_dft);
    tcase_add_test(runtime, sines_vs_direct_dft);
    int nrates = (int)(sizeof rates / sizeof rates[0]);
    tcase_add_loop_test(runtime, resampled_noise, 0, nrates);
    tcase_add_loop_test(runtime, resampled_scene, 0, nrates);
    tcase_add_test(runtime, resampled_lengths);
    tcase_add_test(runtime, in_band_tones_match_native);
    tcase_add_test(runtime, out_of_band_tones_vanish);
    tcase_add_test(runtime, rate_cache_switches);
    suite_add_tcase(suite, runtime);
    TCase *policy = tcase_create("policy");
    tcase_add_checked_fixture(policy, setup, NULL);
    tcase_set_timeout(policy, 300);
    tcase_add_test(policy, short_clips_are_padded);
    tcase_add_test(policy, long_clips_are_cropped);
    tcase_add_test(policy, too_short_is_refused);
    tcase_add_test(policy, null_pointers);
    tcase_add_test(policy, bad_arenas);
    tcase_add_test(policy, unsupported_rates);
    tcase_add_test(policy, empty_and_huge_lengths);
    tcase_add_test(policy, nan_and_inf_are_refused);
    tcase_add_test(policy, every_status_has_text);
    tcase_add_test(policy, random_inputs_never_crash);
    suite_add_tcase(suite, policy);
    return check_run(suite);
}
