/* Latency of one clip on one thread in the standalone classifier of
 * bcres2net_mfa_fpm (ascc --emit=standalone), built as deployers build it
 * (-O2): the front end alone (resampling and log-mel), then the whole
 * bcres2net_mfa_fpm_classify_arena (features + INT8 network + softmax) on an
 * arena initialised once, then bcres2net_mfa_fpm_classify, which initialises
 * an arena on the stack at every call; for a 1-second clip at 44.1 kHz and
 * one at 16 kHz.  Medians of REPEATS runs; a measurement, not a test.
 * scripts/bench-latency.sh generates the classifier, builds and runs this.
 *   cc -std=c99 -O2 -I OUTDIR bench_standalone_classify.c
 *      OUTDIR/bcres2net_mfa_fpm_classifier.c -lm
 *   bench_standalone_classify [REPEATS] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

#include "bcres2net_mfa_fpm_classifier.h"

#define MAX_REPEATS 5001

/* The front end inside the classifier file: compiler/standalone/frontend.c
 * with its prefix renamed, external but not in the header (the arena's
 * first bytes are its own). */
int bcres2net_mfa_fpm_fe_logmel(void *arena, const float *pcm, int n, int sample_rate,
                                float out[]);

static double arena[(BCRES2NET_MFA_FPM_ARENA_BYTES + 7) / 8];
static float pcm[44100], features[256 * 32], probs[BCRES2NET_MFA_FPM_CLASSES];
static double times[MAX_REPEATS];

/* Median ms of `what` (0: front end, 1: classify_arena, 2: classify). */
static double time_call(int what, int rate, int repeats)
{
    for (int r = -5; r < repeats; r++) {
        double t0 = bench_now();
        int st = what == 0 ? bcres2net_mfa_fpm_fe_logmel(arena, pcm, rate, rate, features)
                 : what == 1 ? bcres2net_mfa_fpm_classify_arena(arena, pcm, rate, rate, probs)
                             : bcres2net_mfa_fpm_classify(pcm, rate, rate, probs);
        if (st < 0) {
            fprintf(stderr, "bench: %s\n", bcres2net_mfa_fpm_strerror(st));
            exit(1);
        }
        if (r >= 0)
            times[r] = bench_now() - t0;
    }
    return 1e3 * bench_median(times, repeats);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 501;
    if (repeats < 1 || repeats > MAX_REPEATS)
        repeats = 501;
    if (bcres2net_mfa_fpm_init(arena, sizeof arena) < 0)
        return 1;
    unsigned long s = 1;
    for (int i = 0; i < 44100; i++) {
        s = s * 1103515245ul + 12345ul;
        pcm[i] = (float)((s >> 8 & 0xffff) / 32768.0 - 1.0) * 0.5f;
    }
    printf("standalone classifier, one thread, median of %d runs, ms per 1-second clip\n",
           repeats);
    printf("input      features  classify_arena  classify (stack arena)\n");
    int rates[] = {44100, 16000};
    for (int k = 0; k < 2; k++)
        printf("%5d Hz   %8.3f  %14.3f  %22.3f\n", rates[k], time_call(0, rates[k], repeats),
               time_call(1, rates[k], repeats), time_call(2, rates[k], repeats));
    return 0;
}
