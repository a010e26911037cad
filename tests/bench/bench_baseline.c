/* A floor for how separable a data set's scenes are: a nearest-class-mean
 * classifier on each clip's per-band mean and standard deviation of
 * log-mel (512 numbers, standardised), trained on fold1_train and scored
 * per device on fold1_evaluate.  A trained CNN should beat it; if this
 * already scores near 100 % the scenes are too easy.
 *   bench_baseline DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature_cache.h"
#include "logmel.h"
#include "tau.h"

#define D (2 * LOGMEL_BANDS)

static void summary(const float *x, double *v)
{
    for (int m = 0; m < LOGMEL_BANDS; m++) {
        double s = 0, q = 0;
        for (int t = 0; t < LOGMEL_FRAMES; t++) {
            s += x[m * LOGMEL_FRAMES + t];
            q += (double)x[m * LOGMEL_FRAMES + t] * x[m * LOGMEL_FRAMES + t];
        }
        s /= LOGMEL_FRAMES;
        v[m] = s;
        v[LOGMEL_BANDS + m] = sqrt(fmax(q / LOGMEL_FRAMES - s * s, 0.0));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_baseline DIR\n");
        return 2;
    }
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    asc_err err;
    if (tau_open(argv[1], &set, &err) ||
        feature_cache_load(&set, 0, NULL, &fc, &st, &err)) {
        fprintf(stderr, "bench_baseline: %s\n", err.msg);
        return 1;
    }
    static double mu[D], sd[D], centre[TAU_SCENES][D];
    long count[TAU_SCENES] = {0};
    double v[D];
    for (long i = 0; i < set.n_train; i++) {
        summary(fc.features + set.train[i] * LOGMEL_SIZE, v);
        for (int k = 0; k < D; k++) {
            mu[k] += v[k];
            sd[k] += v[k] * v[k];
        }
    }
    for (int k = 0; k < D; k++) {
        mu[k] /= set.n_train;
        sd[k] = sqrt(fmax(sd[k] / set.n_train - mu[k] * mu[k], 1e-12));
    }
    for (long i = 0; i < set.n_train; i++) {
        int s = set.clips[set.train[i]].scene;
        summary(fc.features + set.train[i] * LOGMEL_SIZE, v);
        for (int k = 0; k < D; k++)
            centre[s][k] += (v[k] - mu[k]) / sd[k];
        count[s]++;
    }
    for (int s = 0; s < TAU_SCENES; s++)
        for (int k = 0; k < D && count[s]; k++)
            centre[s][k] /= count[s];
    long right[TAU_DEVICES] = {0}, total[TAU_DEVICES] = {0};
    for (long i = 0; i < set.n_evaluate; i++) {
        const tau_clip *c = &set.clips[set.evaluate[i]];
        summary(fc.features + set.evaluate[i] * LOGMEL_SIZE, v);
        int best = 0;
        double best_d = INFINITY;
        for (int s = 0; s < TAU_SCENES; s++) {
            double d = 0;
            for (int k = 0; k < D; k++) {
                double z = (v[k] - mu[k]) / sd[k] - centre[s][k];
                d += z * z;
            }
            if (d < best_d) {
                best_d = d;
                best = s;
            }
        }
        total[c->device]++;
        right[c->device] += best == c->scene;
    }
    long r = 0, t = 0;
    printf("nearest-class-mean accuracy on fold1_evaluate:\n");
    for (int d = 0; d < TAU_DEVICES; d++) {
        printf("  %-3s %5.1f %% (%ld clips)\n", tau_device_names[d],
               total[d] ? 100.0 * right[d] / total[d] : 0.0, total[d]);
        r += right[d];
        t += total[d];
    }
    printf("  all %5.1f %%\n", t ? 100.0 * r / t : 0.0);
    feature_cache_close(&fc);
    tau_close(&set);
    return 0;
}
