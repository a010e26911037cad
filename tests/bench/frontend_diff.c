/* Where the standalone front end (compiler/standalone/frontend.c) and the
 * runtime's (libsoxr + runtime/logmel.c, as asc classify runs them) differ
 * on real clips: |log-mel difference| per mel band and per frame, max and
 * mean over the evaluation clips of a data set, and, given the INT8 input
 * grid's scale and zero point, how many input codes the difference moves.
 * A measurement, not a test.
 *   frontend_diff DATA [MAX_CLIPS [SCALE ZERO_POINT]] */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>

#include "audio.h"
#include "frontend.h"
#include "logmel.h"
#include "tau.h"

#define MAX_SAMPLES (60 * 192000)

static double arena[ascfe_ARENA_BYTES / sizeof(double)];
static float pcm[MAX_SAMPLES];
static float ours[ascfe_FEATURES], theirs[LOGMEL_SIZE], clip[AUDIO_CLIP_SAMPLES];

typedef struct {
    double band_max[LOGMEL_BANDS], band_sum[LOGMEL_BANDS];
    double frame_max[LOGMEL_FRAMES], frame_sum[LOGMEL_FRAMES];
    long band_moved[LOGMEL_BANDS], frame_moved[LOGMEL_FRAMES];
    double max, sum;
    long clips, codes_moved, codes_moved_low; /* low: bands below 7.2 kHz */
} diff_stats;

/* The clip's samples as libsndfile decodes them (mono files only, as asc
 * synth writes): what a deployer's reader hands the standalone front end. */
static long read_mono(const char *path, int *rate)
{
    SF_INFO si = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &si);
    if (!sf || si.channels != 1) {
        fprintf(stderr, "frontend_diff: %s: not a mono file libsndfile reads\n", path);
        exit(1);
    }
    long n = si.frames < MAX_SAMPLES ? (long)si.frames : MAX_SAMPLES;
    n = (long)sf_readf_float(sf, pcm, n);
    sf_close(sf);
    *rate = si.samplerate;
    return n;
}

static int code_of(float x, double scale, int zero_point)
{
    double v = nearbyint(x / scale) + zero_point;
    return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}

static void add_clip(diff_stats *d, double scale, int zero_point)
{
    for (int m = 0; m < LOGMEL_BANDS; m++)
        for (int t = 0; t < LOGMEL_FRAMES; t++) {
            int i = m * LOGMEL_FRAMES + t;
            double e = fabs((double)ours[i] - theirs[i]);
            d->band_sum[m] += e;
            d->frame_sum[t] += e;
            d->sum += e;
            if (e > d->band_max[m]) d->band_max[m] = e;
            if (e > d->frame_max[t]) d->frame_max[t] = e;
            if (e > d->max) d->max = e;
            if (scale > 0 && code_of(ours[i], scale, zero_point) !=
                                 code_of(theirs[i], scale, zero_point)) {
                d->codes_moved++;
                d->codes_moved_low += m < 240;
                d->band_moved[m]++;
                d->frame_moved[t]++;
            }
        }
    d->clips++;
}

/* Mel band m's centre frequency (the HTK scale of docs/features.md). */
static double band_hz(int m)
{
    double top = 2595.0 * log10(1.0 + 8000.0 / 700.0);
    return 700.0 * (pow(10.0, top * (m + 1) / (LOGMEL_BANDS + 1) / 2595.0) - 1.0);
}

static void print_stats(const diff_stats *d, double scale)
{
    double per_band = (double)d->clips * LOGMEL_FRAMES, per_frame = (double)d->clips * LOGMEL_BANDS;
    printf("%ld clips: max %.4g, mean %.4g\n", d->clips, d->max,
           d->sum / (per_band * LOGMEL_BANDS));
    if (scale > 0)
        printf("input codes moved (scale %.6g): %.4f %% of all, %.4f %% in bands 0-239\n", scale,
               100.0 * d->codes_moved / (per_band * LOGMEL_BANDS),
               100.0 * d->codes_moved_low / (per_band * 240));
    printf("\nbands      centre Hz        max       mean  codes moved\n");
    for (int g = 0; g < LOGMEL_BANDS; g += 16) {
        double mx = 0, sum = 0;
        long moved = 0;
        for (int m = g; m < g + 16; m++) {
            mx = d->band_max[m] > mx ? d->band_max[m] : mx;
            sum += d->band_sum[m];
            moved += d->band_moved[m];
        }
        printf("%3d-%3d  %5.0f-%5.0f  %9.4g  %9.4g  %11ld\n", g, g + 15, band_hz(g),
               band_hz(g + 15), mx, sum / (16 * per_band), moved);
    }
    printf("\ntop bands, one by one\n");
    for (int m = 240; m < LOGMEL_BANDS; m++)
        printf("%3d      %5.0f        %9.4g  %9.4g  %11ld\n", m, band_hz(m), d->band_max[m],
               d->band_sum[m] / per_band, d->band_moved[m]);
    printf("\nframe        max       mean  codes moved\n");
    for (int t = 0; t < LOGMEL_FRAMES; t++)
        printf("%5d  %9.4g  %9.4g  %11ld\n", t, d->frame_max[t], d->frame_sum[t] / per_frame,
               d->frame_moved[t]);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc == 4 || argc > 5) {
        fprintf(stderr, "usage: frontend_diff DATA [MAX_CLIPS [SCALE ZERO_POINT]]\n");
        return 2;
    }
    long max_clips = argc > 2 ? atol(argv[2]) : 300;
    double scale = argc > 4 ? atof(argv[3]) : 0;
    int zero_point = argc > 4 ? atoi(argv[4]) : 0;
    asc_err err = {""};
    tau_set set;
    logmel *lm = logmel_new(&err);
    audio_loader *ld = audio_loader_new();
    if (!lm || !ld || ascfe_init(arena, sizeof arena) != ascfe_OK ||
        tau_open(argv[1], &set, &err)) {
        fprintf(stderr, "frontend_diff: setup failed: %s\n", err.msg);
        return 1;
    }
    static diff_stats d;
    char path[4096];
    for (long i = 0; i < set.n_evaluate && i < max_clips; i++) {
        audio_info info;
        int rate;
        tau_clip_path(&set, set.evaluate[i], path, sizeof path);
        long n = read_mono(path, &rate);
        if (audio_load(ld, path, clip, &info, &err) ||
            ascfe_logmel(arena, pcm, (int)n, rate, ours) < 0) {
            fprintf(stderr, "frontend_diff: %s: refused\n", path);
            return 1;
        }
        logmel_compute(lm, clip, AUDIO_CLIP_SAMPLES, theirs);
        add_clip(&d, scale, zero_point);
    }
    print_stats(&d, scale);
    tau_close(&set);
    logmel_free(lm);
    audio_loader_free(ld);
    return 0;
}
