/* Audio loading: every format libsndfile writes here, mono mix-down,
 * resampling quality (a 3 kHz sine keeps everything else 60 dB down), and
 * the documented outcome of each kind of bad audio (docs/features.md). */
#include <check.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "testutil.h"

#define PI 3.14159265358979323846

static float pcm[AUDIO_CLIP_SAMPLES];
static float src[3 * 48000 * 2];

static void sine(float *x, long n, int channels, int rate, double hz,
                 double amp)
{
    for (long i = 0; i < n; i++)
        for (int c = 0; c < channels; c++)
            x[i * channels + c] = (float)(amp * sin(2 * PI * hz * i / rate));
}

static asc_status load(const char *path, audio_info *info, asc_err *err)
{
    audio_loader *ld = audio_loader_new();
    ck_assert_ptr_nonnull(ld);
    asc_status st = audio_load(ld, path, pcm, info, err);
    audio_loader_free(ld);
    return st;
}

/* The clip must be a 440 Hz sine of amplitude 0.5 at 16 kHz. */
static double sine_error(void)
{
    double worst = 0.0;
    for (int i = 100; i < AUDIO_CLIP_SAMPLES - 100; i++) {
        double d = fabs(pcm[i] - 0.5 * sin(2 * PI * 440.0 * i / 16000.0));
        if (d > worst)
            worst = d;
    }
    return worst;
}

static void check_format(const char *name, int format, int rate, double tol)
{
    audio_info info;
    asc_err err;
    sine(src, rate, 1, rate, 440.0, 0.5);
    tu_write_audio(tu_path(name), src, rate, 1, rate, format);
    ck_assert_msg(load(tu_path(name), &info, &err) == ASC_OK, "%s", err.msg);
    ck_assert_uint_eq(info.warnings, 0);
    double e = sine_error();
    ck_assert_msg(e < tol, "%s: max error %g", name, e);
}

START_TEST(every_format_loads)
{
    check_format("pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2e-3);
    check_format("pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 44100, 2e-3);
    check_format("pcm32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 48000, 2e-3);
    check_format("float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1e-6);
    check_format("flac.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 22050, 2e-3);
    check_format("vorbis.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 0.05);
    check_format("pcm24.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_24, 32000, 2e-3);
}
END_TEST

/* 4-term Blackman-Harris window: sidelobes below -92 dB, so leakage cannot
 * hide or fake a component 60 dB down. */
static double bh(int i, int n)
{
    double a = 2 * PI * i / n;
    return 0.35875 - 0.48829 * cos(a) + 0.14128 * cos(2 * a) -
           0.01168 * cos(3 * a);
}

START_TEST(resampling_keeps_3k_sine_clean)
{
    enum { M = 4096, OFF = 6000 };
    audio_info info;
    asc_err err;
    sine(src, 44100, 1, 44100, 3000.0, 0.5);
    tu_write_audio(tu_path("sine3k.wav"), src, 44100, 1, 44100,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    ck_assert_msg(load(tu_path("sine3k.wav"), &info, &err) == ASC_OK, "%s",
                  err.msg);
    static double mag[M / 2 + 1];
    double peak = 0.0;
    int peak_k = 0;
    for (int k = 0; k <= M / 2; k++) {
        double re = 0.0, im = 0.0;
        for (int i = 0; i < M; i++) {
            double v = pcm[OFF + i] * bh(i, M);
            re += v * cos(2 * PI * (double)k * i / M);
            im -= v * sin(2 * PI * (double)k * i / M);
        }
        mag[k] = sqrt(re * re + im * im);
        if (mag[k] > peak) {
            peak = mag[k];
            peak_k = k;
        }
    }
    double peak_hz = peak_k * 16000.0 / M;
    ck_assert_msg(fabs(peak_hz - 3000.0) < 16000.0 / M, "peak at %g Hz",
                  peak_hz);
    double worst_db = -400.0;
    for (int k = 0; k <= M / 2; k++)
        if (abs(k - peak_k) > 6) {
            double db = 20 * log10(mag[k] / peak + 1e-30);
            if (db > worst_db)
                worst_db = db;
        }
    printf("3 kHz sine 44.1k->16k: peak %.1f Hz, strongest other "
           "component %.1f dB\n", peak_hz, worst_db);
    ck_assert_msg(worst_db < -60.0, "other component at %g dB", worst_db);
    /* No delay and no gain change either. */
    for (int i = 200; i < AUDIO_CLIP_SAMPLES - 200; i++)
        ck_assert_double_eq_tol(pcm[i], 0.5 * sin(2 * PI * 3000.0 * i / 16000.0),
                                2e-3);
}
END_TEST

START_TEST(stereo_is_mixed_to_mono)
{
    audio_info info;
    asc_err err;
    for (long i = 0; i < 16000; i++) {
        src[2 * i] = (float)(0.8 * sin(2 * PI * 440.0 * i / 16000.0));
        src[2 * i + 1] = (float)(0.2 * sin(2 * PI * 440.0 * i / 16000.0));
    }
    tu_write_audio(tu_path("stereo.wav"), src, 16000, 2, 16000,
                   SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    ck_assert_msg(load(tu_path("stereo.wav"), &info, &err) == ASC_OK, "%s",
                  err.msg);
    ck_assert_int_eq(info.channels, 2);
    ck_assert_uint_eq(info.warnings, 0);
    ck_assert(sine_error() < 1e-6);
}
END_TEST

START_TEST(eight_bit_is_accepted)
{
    check_format("u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 16000, 1.0 / 127);
}
END_TEST

START_TEST(eight_khz_is_upsampled_with_warning)
{
    audio_info info;
    asc_err err;
    sine(src, 8000, 1, 8000, 440.0, 0.5);
    tu_write_audio(tu_path("8k.wav"), src, 8000, 1, 8000,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    ck_assert_msg(load(tu_path("8k.wav"), &info, &err) == ASC_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(info.warnings, AUDIO_WARN_UPSAMPLED);
    ck_assert(sine_error() < 2e-3);
    char w[256];
    audio_warning_text(&info, w, sizeof w);
    ck_assert_ptr_nonnull(strstr(w, "8000 Hz"));
}
END_TEST

START_TEST(short_clip_is_zero_padded)
{
    audio_info info;
    asc_err err;
    sine(src, 44100 * 7 / 10, 1, 44100, 440.0, 0.5);
    tu_write_audio(tu_path("short.wav"), src, 44100 * 7 / 10, 1, 44100,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    ck_assert_msg(load(tu_path("short.wav"), &info, &err) == ASC_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(info.warnings, AUDIO_WARN_PADDED);
    for (int i = 11200; i < AUDIO_CLIP_SAMPLES; i++)
        ck_assert(pcm[i] == 0.0f);
    for (int i = 200; i < 11000; i++)
        ck_assert_double_eq_tol(pcm[i], 0.5 * sin(2 * PI * 440.0 * i / 16000.0),
                                2e-3);
}
END_TEST

START_TEST(long_clip_is_cropped)
{
    audio_info info;
    asc_err err;
    sine(src, 3 * 44100, 1, 44100, 440.0, 0.5);
    tu_write_audio(tu_path("long.wav"), src, 3 * 44100, 1, 44100,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    ck_assert_msg(load(tu_path("long.wav"), &info, &err) == ASC_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(info.warnings, AUDIO_WARN_CROPPED);
    /* Cropping keeps the start, and the last samples are not an edge. */
    ck_assert(sine_error() < 2e-3);
    ck_assert_double_eq_tol(pcm[15999], 0.5 * sin(2 * PI * 440.0 * 15999 / 16000.0),
                            2e-3);
}
END_TEST

/* audio_decode stops before resampling: stereo mixed to mono at the file's
 * rate, the first second and a twentieth of a long file, all of a short one. */
START_TEST(decode_keeps_the_file_rate)
{
    audio_info info;
    asc_err err;
    const float *mono;
    long n;
    audio_loader *ld = audio_loader_new();
    ck_assert_ptr_nonnull(ld);
    for (long i = 0; i < 3 * 22050; i++) {
        src[2 * i] = (float)(0.8 * sin(2 * PI * 440.0 * i / 22050.0));
        src[2 * i + 1] = (float)(0.2 * sin(2 * PI * 440.0 * i / 22050.0));
    }
    tu_write_audio(tu_path("decode-long.wav"), src, 3 * 22050, 2, 22050,
                   SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    ck_assert_msg(audio_decode(ld, tu_path("decode-long.wav"), &mono, &n, &info, &err) == ASC_OK,
                  "%s", err.msg);
    ck_assert_int_eq(info.rate, 22050);
    ck_assert_uint_eq(info.warnings, AUDIO_WARN_CROPPED);
    ck_assert_int_eq(n, 22050 + 22050 / 20);
    for (long i = 0; i < n; i++)
        ck_assert_double_eq_tol(mono[i], 0.5 * sin(2 * PI * 440.0 * i / 22050.0), 1e-6);
    tu_write_audio(tu_path("decode-short.wav"), src, 15000, 2, 22050,
                   SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    ck_assert_msg(audio_decode(ld, tu_path("decode-short.wav"), &mono, &n, &info, &err) == ASC_OK,
                  "%s", err.msg);
    ck_assert_int_eq(n, 15000);
    ck_assert_uint_eq(info.warnings, AUDIO_WARN_PADDED);
    audio_loader_free(ld);
}
END_TEST

/* A refused file: one error line that names the file and contains `what`. */
static void refused(const char *name, const char *what)
{
    audio_info info;
    asc_err err;
    const char *path = tu_path(name);
    ck_assert_int_eq(load(path, &info, &err), ASC_EFAIL);
    ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0,
                  "message does not start with the file: %s", err.msg);
    ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'", err.msg,
                  what);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
}

START_TEST(empty_file_is_refused)
{
    tu_write_bytes(tu_path("empty.wav"), "", 0);
    refused("empty.wav", "empty file");
}
END_TEST

START_TEST(text_file_is_refused)
{
    const char *text = "filename\tscene_label\nthis is not audio\n";
    tu_write_bytes(tu_path("text.wav"), text, strlen(text));
    refused("text.wav", "cannot read as audio");
}
END_TEST

START_TEST(truncated_header_is_refused)
{
    unsigned char h[44];
    tu_wav_header(h, 1, 44100, 16, 88200);
    tu_write_bytes(tu_path("cut.wav"), h, 22);
    refused("cut.wav", "cannot read as audio");
}
END_TEST

START_TEST(truncated_data_is_refused)
{
    static unsigned char buf[44 + 88200];
    tu_wav_header(buf, 1, 44100, 16, 88200);
    memset(buf + 44, 0, 88200);
    tu_write_bytes(tu_path("short-data.wav"), buf, 44 + 30000);
    refused("short-data.wav", "header claims");
}
END_TEST

START_TEST(nan_and_inf_are_refused)
{
    sine(src, 16000, 1, 16000, 440.0, 0.5);
    src[1234] = NAN;
    tu_write_audio(tu_path("nan.wav"), src, 16000, 1, 16000,
                   SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    refused("nan.wav", "sample 1234 is NaN");
    src[1234] = 0.0f;
    src[777] = INFINITY;
    tu_write_audio(tu_path("inf.wav"), src, 16000, 1, 16000,
                   SF_FORMAT_WAV | SF_FORMAT_FLOAT);
    refused("inf.wav", "sample 777 is infinite");
}
END_TEST

START_TEST(zero_channels_is_refused)
{
    static unsigned char buf[44 + 32000];
    tu_wav_header(buf, 0, 16000, 16, 32000);
    tu_write_bytes(tu_path("nochan.wav"), buf, sizeof buf);
    refused("nochan.wav", "0 channels");
}
END_TEST

START_TEST(zero_rate_is_refused)
{
    static unsigned char buf[44 + 32000];
    tu_wav_header(buf, 1, 0, 16, 32000);
    tu_write_bytes(tu_path("norate.wav"), buf, sizeof buf);
    refused("norate.wav", "sample rate 0");
}
END_TEST

START_TEST(too_short_is_refused)
{
    sine(src, 4410, 1, 44100, 440.0, 0.5);
    tu_write_audio(tu_path("tiny.wav"), src, 4410, 1, 44100,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    refused("tiny.wav", "too short: 0.100 s");
}
END_TEST

START_TEST(missing_file_is_refused)
{
    refused("no-such-file.wav", "cannot read as audio");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("audio");
    TCase *ok = tcase_create("accepted");
    tcase_set_timeout(ok, 60);
    tcase_add_test(ok, every_format_loads);
    tcase_add_test(ok, resampling_keeps_3k_sine_clean);
    tcase_add_test(ok, stereo_is_mixed_to_mono);
    tcase_add_test(ok, eight_bit_is_accepted);
    tcase_add_test(ok, eight_khz_is_upsampled_with_warning);
    tcase_add_test(ok, short_clip_is_zero_padded);
    tcase_add_test(ok, long_clip_is_cropped);
    tcase_add_test(ok, decode_keeps_the_file_rate);
    suite_add_tcase(s, ok);
    TCase *bad = tcase_create("refused");
    tcase_add_test(bad, empty_file_is_refused);
    tcase_add_test(bad, text_file_is_refused);
    tcase_add_test(bad, truncated_header_is_refused);
    tcase_add_test(bad, truncated_data_is_refused);
    tcase_add_test(bad, nan_and_inf_are_refused);
    tcase_add_test(bad, zero_channels_is_refused);
    tcase_add_test(bad, zero_rate_is_refused);
    tcase_add_test(bad, too_short_is_refused);
    tcase_add_test(bad, missing_file_is_refused);
    suite_add_tcase(s, bad);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
