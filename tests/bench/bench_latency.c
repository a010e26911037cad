/* Latency of one clip on one thread along asc's paths: `asc classify`
 * (resampling by libsoxr, log-mel by FFTW, the fp32 network) and `asc
 * classify --int8` (the standalone classifier's front end, compiled into asc,
 * and the INT8 network), of a checkpoint of bcres2net_mfa_fpm; for a 1-second
 * clip at 44.1 kHz and one at 16 kHz.  Prints medians of REPEATS runs of
 * each part and the two paths' sums; a measurement, not a test.  The
 * standalone build's side is bench_standalone_classify.c;
 * scripts/bench-latency.sh runs both.
 *   bench_latency CKPT [REPEATS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#include "audio.h"
#include "logmel.h"
#include "model_data.h"
#include "standalone_features.h"

#define MODEL "bcres2net_mfa_fpm"
#define MAX_REPEATS 5001

static float pcm[44100], clip[AUDIO_CLIP_SAMPLES], logits[64];
static double times[MAX_REPEATS];

/* Resampling (none at 16 kHz) and log-mel into p->input. */
static double time_features(audio_loader *ld, logmel *lm, predictor *p, int rate, int repeats)
{
    asc_err err;
    long got;
    for (int r = -5; r < repeats; r++) {
        double t0 = bench_now();
        if (audio_resample(ld, pcm, rate, rate, clip, AUDIO_CLIP_SAMPLES, &got, &err)) {
            fprintf(stderr, "bench_latency: %s\n", err.msg);
            exit(1);
        }
        logmel_compute(lm, clip, AUDIO_CLIP_SAMPLES, p->input);
        if (r >= 0)
            times[r] = bench_now() - t0;
    }
    return 1e3 * bench_median(times, repeats);
}

/* The standalone front end, as asc classify --int8 runs it. */
static double time_standalone_features(standalone_features *sf, predictor *p, int rate,
                                       int repeats)
{
    asc_err err;
    for (int r = -5; r < repeats; r++) {
        double t0 = bench_now();
        if (standalone_features_compute(sf, pcm, rate, rate, "clip", p->input, &err)) {
            fprintf(stderr, "bench_latency: %s\n", err.msg);
            exit(1);
        }
        if (r >= 0)
            times[r] = bench_now() - t0;
    }
    return 1e3 * bench_median(times, repeats);
}

static double time_network(predictor *p, int repeats)
{
    for (int r = -5; r < repeats; r++) {
        double t0 = bench_now();
        predictor_run(p, p->input, 1, logits);
        if (r >= 0)
            times[r] = bench_now() - t0;
    }
    return 1e3 * bench_median(times, repeats);
}

/* fp32 and INT8 states of the checkpoint, each with a one-clip predictor. */
static void open_model(model_data *md, predictor *p, const char *ckpt, int int8)
{
    asc_err err;
    if (model_data_open(md, MODEL, ckpt, NULL, 1, &err) ||
        (int8 && model_state_use_int8(&md->state, ckpt, &err))) {
        fprintf(stderr, "bench_latency: %s\n", err.msg);
        exit(1);
    }
    if (!predictor_init(p, &md->state, 1)) {
        fprintf(stderr, "bench_latency: out of memory\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_latency CKPT [REPEATS]\n");
        return 2;
    }
    int repeats = argc > 2 ? atoi(argv[2]) : 501;
    if (repeats < 1 || repeats > MAX_REPEATS)
        repeats = 501;
    model_data_threads(1);
    model_data fp32_md, int8_md;
    predictor fp32 = {0}, int8 = {0};
    open_model(&fp32_md, &fp32, argv[1], 0);
    open_model(&int8_md, &int8, argv[1], 1);
    asc_err err;
    logmel *lm = logmel_new(&err);
    audio_loader *ld = audio_loader_new();
    standalone_features *sf = standalone_features_new();
    if (!lm || !ld || !sf) {
        fprintf(stderr, "bench_latency: setup failed\n");
        return 1;
    }
    unsigned long s = 1;
    for (int i = 0; i < 44100; i++) {
        s = s * 1103515245ul + 12345ul;
        pcm[i] = (float)((s >> 8 & 0xffff) / 32768.0 - 1.0) * 0.5f;
    }
    printf("asc's path, one thread, median of %d runs, ms per 1-second clip\n", repeats);
    printf("            features          network        classify\n");
    printf("input       asc  standalone   int8   fp32    --int8   fp32\n");
    int rates[] = {44100, 16000};
    for (int k = 0; k < 2; k++) {
        double fe = time_features(ld, lm, &fp32, rates[k], repeats);
        double f = time_network(&fp32, repeats);
        double sfe = time_standalone_features(sf, &int8, rates[k], repeats);
        double q = time_network(&int8, repeats);
        printf("%5d Hz  %5.3f  %7.3f     %6.3f %6.3f   %6.3f  %6.3f\n", rates[k], fe, sfe, q, f,
               sfe + q, fe + f);
    }
    predictor_free(&fp32);
    predictor_free(&int8);
    model_data_close(&fp32_md);
    model_data_close(&int8_md);
    standalone_features_free(sf);
    logmel_free(lm);
    audio_loader_free(ld);
    return 0;
}
