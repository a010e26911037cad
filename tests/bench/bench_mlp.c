/* A stronger floor than bench_baseline for how separable the scenes are:
 * a one-hidden-layer perceptron (1024 -> 128 ReLU -> 10, minibatch SGD with
 * momentum) on per-band statistics of log-mel that keep some temporal
 * structure: mean, standard deviation, mean |frame-to-frame change| and
 * peak above mean.  Trained on fold1_train, scored per device on
 * fold1_evaluate.  A CNN on the full 256 x 32 input should do better.
 *   bench_mlp DIR [EPOCHS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feature_cache.h"
#include "logmel.h"
#include "rng.h"
#include "tau.h"

#define IN (4 * LOGMEL_BANDS)
#define HID 128
#define OUT TAU_SCENES
#define BATCH 64

typedef struct {
    float w1[HID][IN], b1[HID], w2[OUT][HID], b2[OUT];
} net;

static void stats(const float *x, float *v)
{
    for (int m = 0; m < LOGMEL_BANDS; m++) {
        const float *r = x + m * LOGMEL_FRAMES;
        double s = 0, q = 0, d = 0, mx = -1e30;
        for (int t = 0; t < LOGMEL_FRAMES; t++) {
            s += r[t];
            q += (double)r[t] * r[t];
            mx = fmax(mx, r[t]);
            if (t)
                d += fabs(r[t] - r[t - 1]);
        }
        s /= LOGMEL_FRAMES;
        v[m] = (float)s;
        v[LOGMEL_BANDS + m] = (float)sqrt(fmax(q / LOGMEL_FRAMES - s * s, 0));
        v[2 * LOGMEL_BANDS + m] = (float)(d / (LOGMEL_FRAMES - 1));
        v[3 * LOGMEL_BANDS + m] = (float)(mx - s);
    }
}

/* Forward one example; h (HID) and p (OUT, softmax) are filled. */
static void forward(const net *n, const float *x, float *h, float *p)
{
    for (int j = 0; j < HID; j++) {
        float a = n->b1[j];
        for (int k = 0; k < IN; k++)
            a += n->w1[j][k] * x[k];
        h[j] = a > 0 ? a : 0;
    }
    float mx = -1e30f, s = 0;
    for (int c = 0; c < OUT; c++) {
        p[c] = n->b2[c];
        for (int j = 0; j < HID; j++)
            p[c] += n->w2[c][j] * h[j];
        mx = fmaxf(mx, p[c]);
    }
    for (int c = 0; c < OUT; c++)
        s += (p[c] = expf(p[c] - mx));
    for (int c = 0; c < OUT; c++)
        p[c] /= s;
}

/* Adds the gradient of one example's cross-entropy to g. */
static void backward(const net *n, const float *x, const float *h,
                     const float *p, int y, net *g)
{
    float dh[HID] = {0};
    for (int c = 0; c < OUT; c++) {
        float d = p[c] - (c == y);
        g->b2[c] += d;
        for (int j = 0; j < HID; j++) {
            g->w2[c][j] += d * h[j];
            dh[j] += d * n->w2[c][j];
        }
    }
    for (int j = 0; j < HID; j++) {
        if (h[j] <= 0)
            continue;
        g->b1[j] += dh[j];
        for (int k = 0; k < IN; k++)
            g->w1[j][k] += dh[j] * x[k];
    }
}

static void step(net *n, net *g, net *v, int count)
{
    float *pn = (float *)n, *pg = (float *)g, *pv = (float *)v;
    for (size_t i = 0; i < sizeof(net) / sizeof(float); i++) {
        pv[i] = 0.9f * pv[i] - 0.02f * (pg[i] / count + 1e-4f * pn[i]);
        pn[i] += pv[i];
    }
    memset(g, 0, sizeof *g);
}

static void train(net *n, const float *x, const int *y, long count,
                  int epochs, rng *r)
{
    static net g, v;
    long *order = malloc(sizeof(long) * count);
    float h[HID], p[OUT];
    for (long i = 0; i < count; i++)
        order[i] = i;
    for (int e = 0; e < epochs; e++) {
        for (long i = count - 1; i > 0; i--) {
            long j = rng_below(r, i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (long b = 0; b < count; b += BATCH) {
            int m = 0;
            for (long i = b; i < b + BATCH && i < count; i++, m++) {
                forward(n, x + order[i] * IN, h, p);
                backward(n, x + order[i] * IN, h, p, y[order[i]], &g);
            }
            step(n, &g, &v, m);
        }
    }
    free(order);
}

static float *features(const feature_cache *fc, const long *idx, long count)
{
    float *x = malloc(sizeof(float) * IN * (size_t)count);
    for (long i = 0; i < count; i++)
        stats(fc->features + idx[i] * LOGMEL_SIZE, x + i * IN);
    return x;
}

static void standardise(float *xt, long nt, float *xe, long ne)
{
    for (int k = 0; k < IN; k++) {
        double s = 0, q = 0;
        for (long i = 0; i < nt; i++) {
            s += xt[i * IN + k];
            q += (double)xt[i * IN + k] * xt[i * IN + k];
        }
        double mu = s / nt, sd = sqrt(fmax(q / nt - mu * mu, 1e-12));
        for (long i = 0; i < nt; i++)
            xt[i * IN + k] = (float)((xt[i * IN + k] - mu) / sd);
        for (long i = 0; i < ne; i++)
            xe[i * IN + k] = (float)((xe[i * IN + k] - mu) / sd);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_mlp DIR [EPOCHS]\n");
        return 2;
    }
    int epochs = argc > 2 ? atoi(argv[2]) : 30;
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    asc_err err;
    if (tau_open(argv[1], &set, &err) ||
        feature_cache_load(&set, 0, NULL, &fc, &st, &err)) {
        fprintf(stderr, "bench_mlp: %s\n", err.msg);
        return 1;
    }
    float *xt = features(&fc, set.train, set.n_train);
    float *xe = features(&fc, set.evaluate, set.n_evaluate);
    standardise(xt, set.n_train, xe, set.n_evaluate);
    int *y = malloc(sizeof(int) * set.n_train);
    for (long i = 0; i < set.n_train; i++)
        y[i] = set.clips[set.train[i]].scene;
    static net n;
    rng r;
    rng_seed(&r, 1, 0);
    for (int j = 0; j < HID; j++)
        for (int k = 0; k < IN; k++)
            n.w1[j][k] = (float)(rng_normal(&r) * sqrt(2.0 / IN));
    for (int c = 0; c < OUT; c++)
        for (int j = 0; j < HID; j++)
            n.w2[c][j] = (float)(rng_normal(&r) * sqrt(1.0 / HID));
    train(&n, xt, y, set.n_train, epochs, &r);
    long right[TAU_DEVICES] = {0}, total[TAU_DEVICES] = {0}, all = 0;
    float h[HID], p[OUT];
    for (long i = 0; i < set.n_evaluate; i++) {
        const tau_clip *c = &set.clips[set.evaluate[i]];
        forward(&n, xe + i * IN, h, p);
        int best = 0;
        for (int k = 1; k < OUT; k++)
            if (p[k] > p[best])
                best = k;
        total[c->device]++;
        right[c->device] += best == c->scene;
        all += best == c->scene;
    }
    printf("MLP on band statistics, %d epochs, accuracy %% on fold1_evaluate:\n",
           epochs);
    for (int d = 0; d < TAU_DEVICES; d++)
        printf(" %s %.1f", tau_device_names[d],
               total[d] ? 100.0 * right[d] / total[d] : 0.0);
    printf(" | all %.1f\n", 100.0 * all / set.n_evaluate);
    free(xt);
    free(xe);
    free(y);
    feature_cache_close(&fc);
    tau_close(&set);
    return 0;
}
