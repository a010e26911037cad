/* A floor for how separable a data set's scenes are: two linear classifiers
 * on each clip's per-band mean and standard deviation of log-mel (512
 * numbers, standardised): nearest class mean, and softmax regression fitted
 * by full-batch gradient descent.  Trained on fold1_train, scored per
 * device on fold1_evaluate.  A trained CNN should beat both; if these
 * already score near 100 % the scenes are too easy.
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

static double *standardised(const feature_cache *fc, const long *idx, long n,
                            const double *mu, const double *sd)
{
    double *z = malloc(sizeof(double) * D * (size_t)n);
    for (long i = 0; i < n; i++) {
        summary(fc->features + idx[i] * LOGMEL_SIZE, z + i * D);
        for (int k = 0; k < D; k++)
            z[i * D + k] = (z[i * D + k] - mu[k]) / sd[k];
    }
    return z;
}

static int argmax(const double *v, int n)
{
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b])
            b = i;
    return b;
}

static void softmax_fit(const double *z, const int *y, long n, double *w)
{
    static double g[TAU_SCENES * (D + 1)];
    memset(w, 0, sizeof(double) * TAU_SCENES * (D + 1));
    for (int it = 0; it < 300; it++) {
        memset(g, 0, sizeof g);
        for (long i = 0; i < n; i++) {
            double p[TAU_SCENES], mx = -INFINITY, s = 0;
            for (int c = 0; c < TAU_SCENES; c++) {
                const double *wc = w + c * (D + 1);
                p[c] = wc[D];
                for (int k = 0; k < D; k++)
                    p[c] += wc[k] * z[i * D + k];
                mx = fmax(mx, p[c]);
            }
            for (int c = 0; c < TAU_SCENES; c++)
                s += (p[c] = exp(p[c] - mx));
            for (int c = 0; c < TAU_SCENES; c++) {
                double d = p[c] / s - (c == y[i]);
                double *gc = g + c * (D + 1);
                for (int k = 0; k < D; k++)
                    gc[k] += d * z[i * D + k];
                gc[D] += d;
            }
        }
        for (int j = 0; j < TAU_SCENES * (D + 1); j++)
            w[j] -= 0.5 * (g[j] / n + 1e-3 * w[j]);
    }
}

static void report(const char *name, const tau_set *set, const int *pred)
{
    long right[TAU_DEVICES] = {0}, total[TAU_DEVICES] = {0}, r = 0;
    for (long i = 0; i < set->n_evaluate; i++) {
        const tau_clip *c = &set->clips[set->evaluate[i]];
        total[c->device]++;
        right[c->device] += pred[i] == c->scene;
        r += pred[i] == c->scene;
    }
    printf("%-22s", name);
    for (int d = 0; d < TAU_DEVICES; d++)
        printf(" %5.1f", total[d] ? 100.0 * right[d] / total[d] : 0.0);
    printf(" | %5.1f\n", 100.0 * r / set->n_evaluate);
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
    static double mu[D], sd[D], centre[TAU_SCENES][D], w[TAU_SCENES * (D + 1)];
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
    double *zt = standardised(&fc, set.train, set.n_train, mu, sd);
    double *ze = standardised(&fc, set.evaluate, set.n_evaluate, mu, sd);
    int *y = malloc(sizeof(int) * set.n_train);
    int *pred = malloc(sizeof(int) * set.n_evaluate);
    long count[TAU_SCENES] = {0};
    for (long i = 0; i < set.n_train; i++) {
        y[i] = set.clips[set.train[i]].scene;
        count[y[i]]++;
        for (int k = 0; k < D; k++)
            centre[y[i]][k] += zt[i * D + k];
    }
    for (int s = 0; s < TAU_SCENES; s++)
        for (int k = 0; k < D && count[s]; k++)
            centre[s][k] /= count[s];
    printf("accuracy %% on fold1_evaluate by device:\n%-22s", "");
    for (int d = 0; d < TAU_DEVICES; d++)
        printf(" %5s", tau_device_names[d]);
    printf(" |   all\n");
    for (long i = 0; i < set.n_evaluate; i++) {
        double neg[TAU_SCENES];
        for (int s = 0; s < TAU_SCENES; s++) {
            neg[s] = 0;
            for (int k = 0; k < D; k++)
                neg[s] -= (ze[i * D + k] - centre[s][k]) *
                          (ze[i * D + k] - centre[s][k]);
        }
        pred[i] = argmax(neg, TAU_SCENES);
    }
    report("nearest class mean", &set, pred);
    softmax_fit(zt, y, set.n_train, w);
    for (long i = 0; i < set.n_evaluate; i++) {
        double p[TAU_SCENES];
        for (int c = 0; c < TAU_SCENES; c++) {
            p[c] = w[c * (D + 1) + D];
            for (int k = 0; k < D; k++)
                p[c] += w[c * (D + 1) + k] * ze[i * D + k];
        }
        pred[i] = argmax(p, TAU_SCENES);
    }
    report("softmax regression", &set, pred);
    free(zt);
    free(ze);
    free(y);
    free(pred);
    feature_cache_close(&fc);
    tau_close(&set);
    return 0;
}
