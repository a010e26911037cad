/* Time per clip of the standalone front end (compiler/standalone/frontend.c)
 * for 1-second noise clips at 16 kHz and 44.1 kHz, next to the runtime's
 * FFTW + soxr path for the same clips.  Prints medians over repeated runs;
 * a measurement, not a test.
 *   bench_standalone_frontend [REPEATS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#include "audio.h"
#include "frontend.h"
#include "logmel.h"

#define MAX_RATE 44100
#define MAX_REPEATS 2001

static double arena[ascfe_ARENA_BYTES / sizeof(double)];
static float pcm[MAX_RATE], clip[AUDIO_CLIP_SAMPLES], feat[ascfe_FEATURES];
static double times[MAX_REPEATS];

static double time_standalone(int rate, int repeats)
{
    for (int r = 0; r < repeats; r++) {
        double t0 = bench_now();
        if (ascfe_logmel(arena, pcm, rate, rate, feat) < 0) {
            fprintf(stderr, "bench: ascfe_logmel refused %d Hz\n", rate);
            exit(1);
        }
        times[r] = bench_now() - t0;
    }
    return 1e6 * bench_median(times, repeats);
}

static double time_runtime(audio_loader *ld, logmel *lm, int rate, int repeats)
{
    asc_err err;
    long got;
    for (int r = 0; r < repeats; r++) {
        double t0 = bench_now();
        if (audio_resample(ld, pcm, rate, rate, clip, AUDIO_CLIP_SAMPLES, &got,
                           &err)) {
            fprintf(stderr, "bench: %s\n", err.msg);
            exit(1);
        }
        logmel_compute(lm, clip, AUDIO_CLIP_SAMPLES, feat);
        times[r] = bench_now() - t0;
    }
    return 1e6 * bench_median(times, repeats);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 301;
    if (repeats < 1 || repeats > MAX_REPEATS)
        repeats = 301;
    asc_err err;
    logmel *lm = logmel_new(&err);
    audio_loader *ld = audio_loader_new();
    if (!lm || !ld || ascfe_init(arena, sizeof arena) != ascfe_OK) {
        fprintf(stderr, "bench: setup failed\n");
        return 1;
    }
    unsigned long s = 1;
    for (int i = 0; i < MAX_RATE; i++) {
        s = s * 1103515245ul + 12345ul;
        pcm[i] = (float)((s >> 8 & 0xffff) / 32768.0 - 1.0) * 0.5f;
    }
    printf("arena %zu bytes, median of %d clips\n", ascfe_arena_bytes(), repeats);
    int rates[] = {16000, 44100};
    for (int k = 0; k < 2; k++) {
        int rate = rates[k];
        time_standalone(rate, 1); /* builds the rate's polyphase table */
        double fe = time_standalone(rate, repeats);
        double rt = time_runtime(ld, lm, rate, repeats);
        printf("%5d Hz: standalone %7.1f us/clip   runtime (FFTW%s) %7.1f us/clip\n",
               rate, fe, rate == AUDIO_RATE ? "" : " + soxr", rt);
    }
    logmel_free(lm);
    audio_loader_free(ld);
    return 0;
}
