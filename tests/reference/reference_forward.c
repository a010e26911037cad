/* The naive reference forward pass (inference: norms use running statistics, dropout
 * is the identity), restated from DESIGN.md section 3 with plain loops in double. It
 * shares no code with the emitter or runtime/nn kernels; only the parameter NAMES of
 * the generated tensor table tie the two together. */
#include "reference_forward.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NAME_MAX_LEN = 160 };

static const double NORM_EPS = 1e-5;    /* bn and ssn (DESIGN.md 3) */
static const double RESNORM_EPS = 1e-8; /* resnorm */

/* ---- tensors ------------------------------------------------------------------ */

/* A mismatch between the reference's idea of the model and the generated table is a
 * bug in one of them; stop loudly rather than compare garbage. */
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "reference_forward: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static RefTensor tensor_new(int n, int c, int f, int t) {
    RefTensor x = {n, c, f, t, calloc((size_t)n * c * f * t, sizeof(double))};
    if (!x.v) fail("out of memory for %d x %d x %d x %d", n, c, f, t);
    return x;
}

static void tensor_free(RefTensor *x) {
    free(x->v);
    x->v = NULL;
}

static size_t tensor_size(const RefTensor *x) { return (size_t)x->n * x->c * x->f * x->t; }

static size_t at(const RefTensor *x, int n, int c, int f, int t) {
    return (((size_t)n * x->c + c) * x->f + f) * x->t + t;
}

static RefTensor tensor_copy(const RefTensor *x) {
    RefTensor y = tensor_new(x->n, x->c, x->f, x->t);
    memcpy(y.v, x->v, tensor_size(x) * sizeof(double));
    return y;
}

static void require_same_shape(const RefTensor *a, const RefTensor *b) {
    if (a->n != b->n || a->c != b->c || a->f != b->f || a->t != b->t)
        fail("shape mismatch %dx%dx%dx%d vs %dx%dx%dx%d", a->n, a->c, a->f, a->t, b->n, b->c,
             b->f, b->t);
}

/* dst += src, same shapes. */
static void add_into(RefTensor *dst, const RefTensor *src) {
    require_same_shape(dst, src);
    for (size_t i = 0; i < tensor_size(dst); i++) dst->v[i] += src->v[i];
}

/* dst += u broadcast over frequency (u is N x C x 1 x T). */
static void add_broadcast_freq(RefTensor *dst, const RefTensor *u) {
    if (u->n != dst->n || u->c != dst->c || u->f != 1 || u->t != dst->t)
        fail("broadcast shape mismatch");
    for (int n = 0; n < dst->n; n++)
        for (int c = 0; c < dst->c; c++)
            for (int f = 0; f < dst->f; f++)
                for (int t = 0; t < dst->t; t++)
                    dst->v[at(dst, n, c, f, t)] += u->v[at(u, n, c, 0, t)];
}

/* Channels [c0, c0 + count) of x. */
static RefTensor channel_slice(const RefTensor *x, int c0, int count) {
    RefTensor y = tensor_new(x->n, count, x->f, x->t);
    for (int n = 0; n < x->n; n++)
        for (int c = 0; c < count; c++)
            for (int f = 0; f < x->f; f++)
                for (int t = 0; t < x->t; t++)
                    y.v[at(&y, n, c, f, t)] = x->v[at(x, n, c0 + c, f, t)];
    return y;
}

/* Writes src into channels [c0, c0 + src->c) of dst. */
static void channel_store(RefTensor *dst, int c0, const RefTensor *src) {
    for (int n = 0; n < src->n; n++)
        for (int c = 0; c < src->c; c++)
            for (int f = 0; f < src->f; f++)
                for (int t = 0; t < src->t; t++)
                    dst->v[at(dst, n, c0 + c, f, t)] = src->v[at(src, n, c, f, t)];
}

/* ---- parameters, by name -------------------------------------------------------- */

static int tensor_index(const RefModel *m, const char *name) {
    for (int i = 0; i < m->info->ntensors; i++)
        if (strcmp(m->info->tensors[i].name, name) == 0) return i;
    return -1;
}

static void format_name(char *buf, const char *fmt, va_list ap) {
    int len = vsnprintf(buf, NAME_MAX_LEN, fmt, ap);
    if (len < 0 || len >= NAME_MAX_LEN) fail("parameter name too long");
}

/* The parameter tensor named by the format, which must hold exactly count values
 * (the count the reference derives from the spec: a cheap structural cross-check). */
static const float *param(const RefModel *m, int64_t count, const char *fmt, ...) {
    char name[NAME_MAX_LEN];
    va_list ap;
    va_start(ap, fmt);
    format_name(name, fmt, ap);
    va_end(ap);
    int i = tensor_index(m, name);
    if (i < 0) fail("no parameter tensor %s", name);
    if (m->info->tensors[i].count != count)
        fail("%s holds %lld values, the reference expects %lld", name,
             (long long)m->info->tensors[i].count, (long long)count);
    return m->params + m->info->tensors[i].offset;
}

/* A norm's affine parameters and running statistics, groups values each. */
typedef struct NormParams {
    const float *gamma, *beta, *mean, *var;
} NormParams;

static NormParams norm_params(const RefModel *m, int groups, const char *fmt, ...) {
    char layer[NAME_MAX_LEN], name[NAME_MAX_LEN + 8];
    va_list ap;
    va_start(ap, fmt);
    format_name(layer, fmt, ap);
    va_end(ap);
    NormParams p;
    p.gamma = param(m, groups, "%s.scale", layer);
    p.beta = param(m, groups, "%s.shift", layer);
    /* The k-th norm's statistics belong to the k-th scale tensor of the table. */
    snprintf(name, sizeof name, "%s.scale", layer);
    int scale_index = tensor_index(m, name), k = 0;
    for (int i = 0; i < scale_index; i++)
        if (m->info->tensors[i].kind == ASC_NORM_SCALE) k++;
    if (k >= m->info->nnorms || m->info->norms[k].groups != groups)
        fail("statistics of %s do not hold %d groups", layer, groups);
    p.mean = m->stats + m->info->norms[k].offset;
    p.var = p.mean + groups;
    return p;
}

/* ---- operators ---------------------------------------------------------------- */

/* 2-D convolution, PyTorch weight layout [cout][cin/groups][kf][kt], zero padding
 * (pf, pt), bias optional. */
static RefTensor conv2d(const RefTensor *x, const float *w, const float *bias, int cout, int kf,
                        int kt, int sf, int st, int pf, int pt, int groups) {
    if (x->c % groups || cout % groups) fail("conv groups do not divide the channels");
    int fo = (x->f + 2 * pf - kf) / sf + 1, to = (x->t + 2 * pt - kt) / st + 1;
    int cin_g = x->c / groups, cout_g = cout / groups;
    RefTensor y = tensor_new(x->n, cout, fo, to);
    for (int n = 0; n < x->n; n++)
        for (int co = 0; co < cout; co++) {
            int g = co / cout_g;
            for (int f = 0; f < fo; f++)
                for (int t = 0; t < to; t++) {
                    double sum = bias ? bias[co] : 0.0;
                    for (int ci = 0; ci < cin_g; ci++)
                        for (int i = 0; i < kf; i++) {
                            int fi = f * sf - pf + i;
                            if (fi < 0 || fi >= x->f) continue;
                            for (int j = 0; j < kt; j++) {
                                int ti = t * st - pt + j;
                                if (ti < 0 || ti >= x->t) continue;
                                double wv = w[((size_t)(co * cin_g + ci) * kf + i) * kt + j];
                                sum += wv * x->v[at(x, n, g * cin_g + ci, fi, ti)];
                            }
                        }
                    y.v[at(&y, n, co, f, t)] = sum;
                }
        }
    return y;
}

/* Depthwise kf x kt conv, "same" padding, no bias. */
static RefTensor dwconv(const RefTensor *x, const float *w, int kf, int kt) {
    return conv2d(x, w, NULL, x->c, kf, kt, 1, 1, kf / 2, kt / 2, x->c);
}

/* 1x1 conv without bias. */
static RefTensor pointwise(const RefTensor *x, const float *w, int cout) {
    return conv2d(x, w, NULL, cout, 1, 1, 1, 1, 0, 0, 1);
}

/* Inference norm with running statistics; subbands = 1 is bn, S > 1 is ssn(S) whose
 * group for channel c and frequency row f is c*S + f / (F/S). */
static void norm_inference(RefTensor *x, NormParams p, int subbands) {
    if (x->f % subbands) fail("F = %d does not divide by %d sub-bands", x->f, subbands);
    int band = x->f / subbands;
    for (int n = 0; n < x->n; n++)
        for (int c = 0; c < x->c; c++)
            for (int f = 0; f < x->f; f++) {
                int g = c * subbands + f / band;
                double scale = p.gamma[g] / sqrt((double)p.var[g] + NORM_EPS);
                for (int t = 0; t < x->t; t++) {
                    double *v = &x->v[at(x, n, c, f, t)];
                    *v = scale * (*v - p.mean[g]) + p.beta[g];
                }
            }
}

static void relu_inplace(RefTensor *x) {
    for (size_t i = 0; i < tensor_size(x); i++) x->v[i] = x->v[i] > 0.0 ? x->v[i] : 0.0;
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

static void sigmoid_inplace(RefTensor *x) {
    for (size_t i = 0; i < tensor_size(x); i++) x->v[i] = sigmoid(x->v[i]);
}

static void swish_inplace(RefTensor *x) {
    for (size_t i = 0; i < tensor_size(x); i++) x->v[i] = x->v[i] * sigmoid(x->v[i]);
}

/* Max or average pooling, window = stride = (kf, kt); ceil mode keeps a partial last
 * window, whose average divides by the elements inside the input. */
static RefTensor pool(const RefTensor *x, int kf, int kt, bool ceil_mode, bool is_max) {
    int fo = ceil_mode ? (x->f + kf - 1) / kf : x->f / kf;
    int to = ceil_mode ? (x->t + kt - 1) / kt : x->t / kt;
    RefTensor y = tensor_new(x->n, x->c, fo, to);
    for (int n = 0; n < x->n; n++)
        for (int c = 0; c < x->c; c++)
            for (int f = 0; f < fo; f++)
                for (int t = 0; t < to; t++) {
                    double best = -INFINITY, sum = 0.0;
                    int count = 0;
                    for (int i = f * kf; i < (f + 1) * kf && i < x->f; i++)
                        for (int j = t * kt; j < (t + 1) * kt && j < x->t; j++) {
                            double v = x->v[at(x, n, c, i, j)];
                            best = v > best ? v : best;
                            sum += v;
                            count++;
                        }
                    y.v[at(&y, n, c, f, t)] = is_max ? best : sum / count;
                }
    return y;
}

/* Mean over (F, T): N x C x 1 x 1. */
static RefTensor global_average(const RefTensor *x) {
    RefTensor y = tensor_new(x->n, x->c, 1, 1);
    for (int n = 0; n < x->n; n++)
        for (int c = 0; c < x->c; c++) {
            double sum = 0.0;
            for (int f = 0; f < x->f; f++)
                for (int t = 0; t < x->t; t++) sum += x->v[at(x, n, c, f, t)];
            y.v[at(&y, n, c, 0, 0)] = sum / ((double)x->f * x->t);
        }
    return y;
}

/* Mean over frequency: N x C x 1 x T. */
static RefTensor mean_freq(const RefTensor *x) {
    RefTensor y = tensor_new(x->n, x->c, 1, x->t);
    for (int n = 0; n < x->n; n++)
        for (int c = 0; c < x->c; c++)
            for (int t = 0; t < x->t; t++) {
                double sum = 0.0;
                for (int f = 0; f < x->f; f++) sum += x->v[at(x, n, c, f, t)];
                y.v[at(&y, n, c, 0, t)] = sum / x->f;
            }
    return y;
}

/* Fully connected on the (c, f, t)-flattened clip; weight [out][in]. */
static RefTensor linear(const RefTensor *x, const float *w, const float *bias, int out) {
    int in = x->c * x->f * x->t;
    RefTensor y = tensor_new(x->n, out, 1, 1);
    for (int n = 0; n < x->n; n++) {
        const double *row = x->v + (size_t)n * in;
        for (int o = 0; o < out; o++) {
            double sum = bias ? bias[o] : 0.0;
            for (int i = 0; i < in; i++) sum += (double)w[(size_t)o * in + i] * row[i];
            y.v[at(&y, n, o, 0, 0)] = sum;
        }
    }
    return y;
}

/* y = lambda*x + (x - mean) / sqrt(var + 1e-8); mean and biased variance over (C, T)
 * for each clip and frequency bin. */
static void resnorm_inplace(RefTensor *x, double lambda) {
    double count = (double)x->c * x->t;
    for (int n = 0; n < x->n; n++)
        for (int f = 0; f < x->f; f++) {
            double sum = 0.0, sq = 0.0;
            for (int c = 0; c < x->c; c++)
                for (int t = 0; t < x->t; t++) sum += x->v[at(x, n, c, f, t)];
            double mean = sum / count;
            for (int c = 0; c < x->c; c++)
                for (int t = 0; t < x->t; t++) {
                    double d = x->v[at(x, n, c, f, t)] - mean;
                    sq += d * d;
                }
            double inv = 1.0 / sqrt(sq / count + RESNORM_EPS);
            for (int c = 0; c < x->c; c++)
                for (int t = 0; t < x->t; t++) {
                    double *v = &x->v[at(x, n, c, f, t)];
                    *v = lambda * *v + (*v - mean) * inv;
                }
        }
}

/* pixel_shuffle_2: channel 4c + 2i + j at (f, t) goes to channel c at (2f+i, 2t+j). */
static RefTensor pixel_shuffle2(const RefTensor *x) {
    if (x->c % 4) fail("pixel shuffle needs channels divisible by 4");
    RefTensor y = tensor_new(x->n, x->c / 4, 2 * x->f, 2 * x->t);
    for (int n = 0; n < x->n; n++)
        for (int c = 0; c < y.c; c++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    for (int f = 0; f < x->f; f++)
                        for (int t = 0; t < x->t; t++)
                            y.v[at(&y, n, c, 2 * f + i, 2 * t + j)] =
                                x->v[at(x, n, 4 * c + 2 * i + j, f, t)];
    return y;
}

/* Nearest-neighbour 2x upsampling in frequency and time. */
static RefTensor upsample_nearest2(const RefTensor *x) {
    RefTensor y = tensor_new(x->n, x->c, 2 * x->f, 2 * x->t);
    for (int n = 0; n < y.n; n++)
        for (int c = 0; c < y.c; c++)
            for (int f = 0; f < y.f; f++)
                for (int t = 0; t < y.t; t++)
                    y.v[at(&y, n, c, f, t)] = x->v[at(x, n, c, f / 2, t / 2)];
    return y;
}

/* ---- blocks --------------------------------------------------------------------- */

/* A block path's kernel name: "LAYER.f2.dw3" in a Res2Net split (index >= 1), plain
 * "LAYER.f2.dw" when the path has a single kernel (index 0, the bcres block). */
static void part_name(char *buf, const char *layer, const char *part, int index) {
    int len = index > 0 ? snprintf(buf, NAME_MAX_LEN, "%s.%s%d", layer, part, index)
                        : snprintf(buf, NAME_MAX_LEN, "%s.%s", layer, part);
    if (len < 0 || len >= NAME_MAX_LEN) fail("parameter name too long");
}

/* F2's kernel on one chunk: dw 3x1 (frequency) conv, then ssn(subbands). */
static RefTensor f2_kernel(const RefModel *m, const char *layer, int index, const RefTensor *x,
                           int subbands) {
    char dw[NAME_MAX_LEN], ssn[NAME_MAX_LEN];
    part_name(dw, layer, "f2.dw", index);
    part_name(ssn, layer, "f2.ssn", index);
    RefTensor y = dwconv(x, param(m, (int64_t)x->c * 3, "%s.weight", dw), 3, 1);
    norm_inference(&y, norm_params(m, x->c * subbands, "%s", ssn), subbands);
    return y;
}

/* F1's kernel on one chunk: dw 1x3 (time) conv, then relu. */
static RefTensor f1_kernel(const RefModel *m, const char *layer, int index, const RefTensor *x) {
    char dw[NAME_MAX_LEN];
    part_name(dw, layer, "f1.dw", index);
    RefTensor y = dwconv(x, param(m, (int64_t)x->c * 3, "%s.weight", dw), 1, 3);
    relu_inplace(&y);
    return y;
}

typedef enum { PATH_F2, PATH_F1 } BlockPath;

/* A block path: with scales >= 2 the Res2Net split (y1 = x1, y2 = K2(x2),
 * yi = Ki(xi + y(i-1))); with scales = 0 a single kernel on all channels (bcres). */
static RefTensor block_path(const RefModel *m, const char *layer, BlockPath path,
                            const RefTensor *x, int scales, int subbands) {
    if (scales == 0)
        return path == PATH_F2 ? f2_kernel(m, layer, 0, x, subbands) : f1_kernel(m, layer, 0, x);
    if (x->c % scales) fail("%s: %d channels do not split into %d", layer, x->c, scales);
    int cc = x->c / scales;
    RefTensor out = tensor_new(x->n, x->c, x->f, x->t), prev = {0};
    for (int i = 1; i <= scales; i++) {
        RefTensor xi = channel_slice(x, (i - 1) * cc, cc), yi;
        if (i == 1) {
            yi = xi;
        } else {
            if (i > 2) add_into(&xi, &prev);
            yi = path == PATH_F2 ? f2_kernel(m, layer, i, &xi, subbands)
                                 : f1_kernel(m, layer, i, &xi);
            tensor_free(&xi);
        }
        channel_store(&out, (i - 1) * cc, &yi);
        tensor_free(&prev);
        prev = yi;
    }
    tensor_free(&prev);
    return out;
}

/* bcres2net (scales >= 2) or bcres (scales = 0) block; consumes x.
 * transition (in != out): z = relu(bn_in(conv_in(x))), g = F2(z),
 *                          y = relu(bn(g + broadcast_F(u)));
 * normal:                  g = F2(x), y = relu(bn(x + g + broadcast_F(u)));
 * u = conv_out(F1(mean_F(g))) (channel dropout is the identity in inference). */
static RefTensor bc_block(const RefModel *m, RefTensor x, const char *layer, int out, int scales,
                          int subbands) {
    bool transition = x.c != out;
    RefTensor g;
    if (transition) {
        RefTensor z = pointwise(&x, param(m, (int64_t)out * x.c, "%s.conv_in.weight", layer), out);
        norm_inference(&z, norm_params(m, out, "%s.bn_in", layer), 1);
        relu_inplace(&z);
        g = block_path(m, layer, PATH_F2, &z, scales, subbands);
        tensor_free(&z);
    } else {
        g = block_path(m, layer, PATH_F2, &x, scales, subbands);
    }
    RefTensor pooled = mean_freq(&g);
    RefTensor f1 = block_path(m, layer, PATH_F1, &pooled, scales, subbands);
    RefTensor u = pointwise(&f1, param(m, (int64_t)out * out, "%s.conv_out.weight", layer), out);
    RefTensor y = g;
    if (!transition) add_into(&y, &x);
    add_broadcast_freq(&y, &u);
    norm_inference(&y, norm_params(m, out, "%s.bn", layer), 1);
    relu_inplace(&y);
    tensor_free(&pooled);
    tensor_free(&f1);
    tensor_free(&u);
    tensor_free(&x);
    return y;
}

/* MFA attention Ai on one chunk, in place: s = mean over T (Cc x F); a = sigmoid(W2
 * relu(W1 s)) with W1: Cc -> q, W2: q -> Cc shared across frequency bins; y *= a. */
static void mfa_attention(const RefModel *m, const char *layer, int index, RefTensor *y,
                          int ratio) {
    int cc = y->c, q = cc / ratio;
    if (q % 2) q += 1;
    const float *w1 = param(m, (int64_t)q * cc, "%s.att%d.fc1.weight", layer, index);
    const float *w2 = param(m, (int64_t)cc * q, "%s.att%d.fc2.weight", layer, index);
    double *s = malloc(sizeof(double) * cc), *h = malloc(sizeof(double) * q);
    if (!s || !h) fail("out of memory");
    for (int n = 0; n < y->n; n++)
        for (int f = 0; f < y->f; f++) {
            for (int c = 0; c < cc; c++) {
                double sum = 0.0;
                for (int t = 0; t < y->t; t++) sum += y->v[at(y, n, c, f, t)];
                s[c] = sum / y->t;
            }
            for (int j = 0; j < q; j++) {
                double sum = 0.0;
                for (int c = 0; c < cc; c++) sum += (double)w1[j * cc + c] * s[c];
                h[j] = sum > 0.0 ? sum : 0.0;
            }
            for (int c = 0; c < cc; c++) {
                double sum = 0.0;
                for (int j = 0; j < q; j++) sum += (double)w2[c * q + j] * h[j];
                double a = sigmoid(sum);
                for (int t = 0; t < y->t; t++) y->v[at(y, n, c, f, t)] *= a;
            }
        }
    free(s);
    free(h);
}

/* MFA; consumes x. y1 = A1(x1), y2 = A2(K2(x2)), yi = Ai(Ki(xi + y(i-1))), Ki = dw 3x3,
 * bn, relu; the next chunk adds the reweighted output. */
static RefTensor mfa(const RefModel *m, RefTensor x, const char *layer, int scales, int ratio) {
    if (x.c % scales) fail("%s: %d channels do not split into %d", layer, x.c, scales);
    int cc = x.c / scales;
    RefTensor out = tensor_new(x.n, x.c, x.f, x.t), prev = {0};
    for (int i = 1; i <= scales; i++) {
        RefTensor xi = channel_slice(&x, (i - 1) * cc, cc), yi;
        if (i == 1) {
            yi = xi;
        } else {
            if (i > 2) add_into(&xi, &prev);
            yi = dwconv(&xi, param(m, (int64_t)cc * 9, "%s.dw%d.weight", layer, i), 3, 3);
            norm_inference(&yi, norm_params(m, cc, "%s.bn%d", layer, i), 1);
            relu_inplace(&yi);
            tensor_free(&xi);
        }
        mfa_attention(m, layer, i, &yi, ratio);
        channel_store(&out, (i - 1) * cc, &yi);
        tensor_free(&prev);
        prev = yi;
    }
    tensor_free(&prev);
    tensor_free(&x);
    return out;
}

/* FPM over k stage outputs (shallowest first), width D; returns N x kD x 1 x 1 with
 * the vectors deepest first. Laterals Li = conv1x1(stage i) -> D; p = Lk; for
 * i = k-1..1, p = up(p) when stage i's grid is twice p's (pixel_shuffle_2 of a 1x1
 * conv D -> 4D, or nearest), then p += Li. Each step's p (the first too) feeds a
 * smoothing bcres2net(D) normal block and global average pooling; the top-down path
 * carries the unsmoothed p. */
static RefTensor fpm(const RefModel *m, const RefTensor *const *stages, int k, const char *layer,
                     int width, bool nearest) {
    enum { FPM_SCALES = 4, FPM_SUBBANDS = 4 };
    int n = stages[0]->n;
    RefTensor out = tensor_new(n, k * width, 1, 1);
    RefTensor p = {0};
    for (int i = k; i >= 1; i--) {
        const RefTensor *s = stages[i - 1];
        RefTensor lateral =
            pointwise(s, param(m, (int64_t)width * s->c, "%s.lateral%d.weight", layer, i), width);
        if (i == k) {
            p = lateral;
        } else {
            if (s->f == 2 * p.f && s->t == 2 * p.t) {
                RefTensor up;
                if (nearest) {
                    up = upsample_nearest2(&p);
                } else {
                    RefTensor wide = pointwise(
                        &p, param(m, (int64_t)4 * width * width, "%s.up%d.weight", layer, i),
                        4 * width);
                    up = pixel_shuffle2(&wide);
                    tensor_free(&wide);
                }
                tensor_free(&p);
                p = up;
            } else if (s->f != p.f || s->t != p.t) {
                fail("%s: stage %d's grid is neither equal to nor twice the deeper one", layer, i);
            }
            add_into(&p, &lateral);
            tensor_free(&lateral);
        }
        char smooth[NAME_MAX_LEN];
        snprintf(smooth, sizeof smooth, "%s.smooth%d", layer, i);
        RefTensor smoothed = bc_block(m, tensor_copy(&p), smooth, width, FPM_SCALES, FPM_SUBBANDS);
        RefTensor vec = global_average(&smoothed);
        int slot = k - i; /* deepest first */
        for (int b = 0; b < n; b++)
            for (int c = 0; c < width; c++)
                out.v[at(&out, b, slot * width + c, 0, 0)] = vec.v[at(&vec, b, c, 0, 0)];
        tensor_free(&smoothed);
        tensor_free(&vec);
    }
    tensor_free(&p);
    return out;
}

/* ---- layers as the model functions write them (each consumes its input) ---------- */

/* A conv's spec arguments; zero means the language's default (kt = kf, stride 1,
 * groups 1). Padding is always "same" (kernel / 2) in the test specs. */
typedef struct ConvArgs {
    int out, kf, kt, stride, groups;
    bool bias;
} ConvArgs;

static RefTensor conv_layer(const RefModel *m, RefTensor x, const char *layer, ConvArgs a) {
    int kt = a.kt ? a.kt : a.kf, stride = a.stride ? a.stride : 1;
    int groups = a.groups ? a.groups : 1;
    const float *w = param(m, (int64_t)a.out * (x.c / groups) * a.kf * kt, "%s.weight", layer);
    const float *b = a.bias ? param(m, a.out, "%s.bias", layer) : NULL;
    RefTensor y = conv2d(&x, w, b, a.out, a.kf, kt, stride, stride, a.kf / 2, kt / 2, groups);
    tensor_free(&x);
    return y;
}

static RefTensor bn_layer(const RefModel *m, RefTensor x, const char *layer) {
    norm_inference(&x, norm_params(m, x.c, "%s", layer), 1);
    return x;
}

static RefTensor ssn_layer(const RefModel *m, RefTensor x, const char *layer, int subbands) {
    norm_inference(&x, norm_params(m, x.c * subbands, "%s", layer), subbands);
    return x;
}

static RefTensor relu(RefTensor x) {
    relu_inplace(&x);
    return x;
}

static RefTensor swish(RefTensor x) {
    swish_inplace(&x);
    return x;
}

static RefTensor sigmoid_layer(RefTensor x) {
    sigmoid_inplace(&x);
    return x;
}

static RefTensor resnorm(RefTensor x, double lambda) {
    resnorm_inplace(&x, lambda);
    return x;
}

static RefTensor maxpool(RefTensor x, int kf, int kt, bool ceil_mode) {
    RefTensor y = pool(&x, kf, kt, ceil_mode, true);
    tensor_free(&x);
    return y;
}

static RefTensor avgpool(RefTensor x, int kf, int kt, bool ceil_mode) {
    RefTensor y = pool(&x, kf, kt, ceil_mode, false);
    tensor_free(&x);
    return y;
}

static RefTensor globalpool(RefTensor x) {
    RefTensor y = global_average(&x);
    tensor_free(&x);
    return y;
}

/* (c, f, t) order is already the memory order: only the shape changes. */
static RefTensor flatten(RefTensor x) {
    x.c *= x.f * x.t;
    x.f = x.t = 1;
    return x;
}

static RefTensor linear_layer(const RefModel *m, RefTensor x, const char *layer, int out,
                              bool bias) {
    int in = x.c * x.f * x.t;
    RefTensor y = linear(&x, param(m, (int64_t)out * in, "%s.weight", layer),
                         bias ? param(m, out, "%s.bias", layer) : NULL, out);
    tensor_free(&x);
    return y;
}

/* mfa's defaults: scales = 4, ratio = 2. */
static RefTensor mfa_layer(const RefModel *m, RefTensor x, const char *layer) {
    return mfa(m, x, layer, 4, 2);
}

/* bcres2net's defaults: scales = 4, subbands = 4 (dropout is inert in inference). */
static RefTensor bcres2net_layer(const RefModel *m, RefTensor x, const char *layer, int out) {
    return bc_block(m, x, layer, out, 4, 4);
}

/* bcres: one kernel per path, subbands = 4. */
static RefTensor bcres_layer(const RefModel *m, RefTensor x, const char *layer, int out) {
    return bc_block(m, x, layer, out, 0, 4);
}

static RefTensor input_tensor(const RefModel *m, int batch, const float *input) {
    RefTensor x = tensor_new(batch, m->info->input_c, m->info->input_f, m->info->input_t);
    for (size_t i = 0; i < tensor_size(&x); i++) x.v[i] = input[i];
    return x;
}

static void write_logits(const RefModel *m, RefTensor x, double *logits) {
    if (x.c != m->info->classes || x.f != 1 || x.t != 1)
        fail("output %d x %d x %d is not %d x 1 x 1", x.c, x.f, x.t, m->info->classes);
    memcpy(logits, x.v, tensor_size(&x) * sizeof(double));
    tensor_free(&x);
}

/* ---- the test models, restated from their specs ---------------------------------- */

/* body: conv(out = 4) -> relu -> conv(out = 4) -> swish -> conv(out = 4) -> sigmoid;
 * head: globalpool -> linear(classes); */
void ref_op_activation(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = relu(conv_layer(m, x, "body.conv1", (ConvArgs){.out = 4, .kf = 3}));
    x = swish(conv_layer(m, x, "body.conv2", (ConvArgs){.out = 4, .kf = 3}));
    x = sigmoid_layer(conv_layer(m, x, "body.conv3", (ConvArgs){.out = 4, .kf = 3}));
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* body: conv(out = 4) -> bcres(out = 8) x 2;  head: globalpool -> linear(classes); */
void ref_op_bcres(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv", (ConvArgs){.out = 4, .kf = 3});
    x = bcres_layer(m, x, "body.bcres1", 8); /* transition 4 -> 8 */
    x = bcres_layer(m, x, "body.bcres2", 8);
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* body: conv(out = 4) -> bcres2net(out = 8) x 2;  head: globalpool -> linear(classes); */
void ref_op_bcres2net(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv", (ConvArgs){.out = 4, .kf = 3});
    x = bcres2net_layer(m, x, "body.bcres2net1", 8); /* transition 4 -> 8 */
    x = bcres2net_layer(m, x, "body.bcres2net2", 8);
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* body: conv(out = 4, kernel = (3, 5), stride = 2, bias = true)
 *       -> conv(out = 6, kernel = 3, groups = 2) -> conv(out = 6, kernel = 1, bias = true)
 *       -> conv(out = 6, kernel = 3, groups = 6) -> conv(out = 5, kernel = 3, bias = true);
 * head: globalpool -> linear(classes); */
void ref_op_conv(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv1", (ConvArgs){.out = 4, .kf = 3, .kt = 5, .stride = 2,
                                                  .bias = true});
    x = conv_layer(m, x, "body.conv2", (ConvArgs){.out = 6, .kf = 3, .groups = 2});
    x = conv_layer(m, x, "body.conv3", (ConvArgs){.out = 6, .kf = 1, .bias = true});
    x = conv_layer(m, x, "body.conv4", (ConvArgs){.out = 6, .kf = 3, .groups = 6});
    x = conv_layer(m, x, "body.conv5", (ConvArgs){.out = 5, .kf = 3, .bias = true});
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* a: conv(out = 8);  b: maxpool(2) -> conv(out = 8);  c: conv(out = 12);
 * head: fpm(a, b, c, width = 8) -> linear(classes); */
void ref_op_fpm(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor a = conv_layer(m, input_tensor(m, batch, input), "a.conv",
                             (ConvArgs){.out = 8, .kf = 3});
    RefTensor b = conv_layer(m, maxpool(tensor_copy(&a), 2, 2, false), "b.conv",
                             (ConvArgs){.out = 8, .kf = 3});
    RefTensor c = conv_layer(m, tensor_copy(&b), "c.conv", (ConvArgs){.out = 12, .kf = 3});
    const RefTensor *stages[] = {&a, &b, &c};
    RefTensor x = fpm(m, stages, 3, "head.fpm", 8, false);
    x = linear_layer(m, x, "head.linear", 3, true);
    write_logits(m, x, logits);
    tensor_free(&a);
    tensor_free(&b);
    tensor_free(&c);
}

/* a: conv(out = 8);  b: maxpool(2) -> conv(out = 8);
 * head: fpm(a, b, width = 8, upsample = nearest) -> linear(classes); */
void ref_op_fpm_nearest(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor a = conv_layer(m, input_tensor(m, batch, input), "a.conv",
                             (ConvArgs){.out = 8, .kf = 3});
    RefTensor b = conv_layer(m, maxpool(tensor_copy(&a), 2, 2, false), "b.conv",
                             (ConvArgs){.out = 8, .kf = 3});
    const RefTensor *stages[] = {&a, &b};
    RefTensor x = fpm(m, stages, 2, "head.fpm", 8, true);
    x = linear_layer(m, x, "head.linear", 3, true);
    write_logits(m, x, logits);
    tensor_free(&a);
    tensor_free(&b);
}

/* body: conv(out = 8) -> mfa;  head: globalpool -> linear(classes); */
void ref_op_mfa(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv", (ConvArgs){.out = 8, .kf = 3});
    x = mfa_layer(m, x, "body.mfa");
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* body: conv(out = 4) -> bn -> relu -> ssn(4) -> relu;  head: globalpool -> linear; */
void ref_op_norm(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv", (ConvArgs){.out = 4, .kf = 3});
    x = relu(bn_layer(m, x, "body.bn"));
    x = relu(ssn_layer(m, x, "body.ssn", 4));
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* body: conv(out = 4) -> maxpool(3, ceil = true) -> avgpool((4, 2), ceil = true);
 * head: flatten -> linear(5) -> dropout(0.2) -> linear(classes, bias = false); */
void ref_op_pool(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv", (ConvArgs){.out = 4, .kf = 3});
    x = maxpool(x, 3, 3, true);
    x = avgpool(x, 4, 2, true); /* on 6 x 3: partial windows at both edges */
    x = linear_layer(m, flatten(x), "head.linear1", 5, true);
    /* dropout: the identity in inference */
    x = linear_layer(m, x, "head.linear2", 3, false);
    write_logits(m, x, logits);
}

/* body: conv(out = 4) -> resnorm(0.1);  head: globalpool -> linear(classes); */
void ref_op_resnorm(const RefModel *m, int batch, const float *input, double *logits) {
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "body.conv", (ConvArgs){.out = 4, .kf = 3});
    x = resnorm(x, 0.1);
    x = linear_layer(m, globalpool(x), "head.linear", 3, true);
    write_logits(m, x, logits);
}

/* spec/bcres2net_mfa_fpm.asc, C = 40:
 * stem:   conv(out = 2*C, kernel = 5, stride = 2) -> bn -> relu -> mfa;
 * stage1: bcres2net(out = C) x 2 -> resnorm(0.1) -> mfa;
 * stage2: maxpool(2) -> bcres2net(out = 1.5*C) x 2 -> resnorm(0.1) -> mfa;
 * stage3: maxpool(2) -> bcres2net(out = 2*C) x 2 -> resnorm(0.1) -> mfa;
 * stage4: bcres2net(out = 2.5*C) x 3 -> resnorm(0.1) -> mfa;
 * head:   fpm(stage1, stage2, stage3, stage4, width = C) -> linear(classes); */
void ref_paper(const RefModel *m, int batch, const float *input, double *logits) {
    const int C = 40, classes = 10;
    RefTensor x = input_tensor(m, batch, input);
    x = conv_layer(m, x, "stem.conv", (ConvArgs){.out = 2 * C, .kf = 5, .stride = 2});
    x = relu(bn_layer(m, x, "stem.bn"));
    x = mfa_layer(m, x, "stem.mfa");

    RefTensor s1 = bcres2net_layer(m, x, "stage1.bcres2net1", C);
    s1 = bcres2net_layer(m, s1, "stage1.bcres2net2", C);
    s1 = mfa_layer(m, resnorm(s1, 0.1), "stage1.mfa");

    RefTensor s2 = maxpool(tensor_copy(&s1), 2, 2, false);
    s2 = bcres2net_layer(m, s2, "stage2.bcres2net1", 3 * C / 2);
    s2 = bcres2net_layer(m, s2, "stage2.bcres2net2", 3 * C / 2);
    s2 = mfa_layer(m, resnorm(s2, 0.1), "stage2.mfa");

    RefTensor s3 = maxpool(tensor_copy(&s2), 2, 2, false);
    s3 = bcres2net_layer(m, s3, "stage3.bcres2net1", 2 * C);
    s3 = bcres2net_layer(m, s3, "stage3.bcres2net2", 2 * C);
    s3 = mfa_layer(m, resnorm(s3, 0.1), "stage3.mfa");

    RefTensor s4 = bcres2net_layer(m, tensor_copy(&s3), "stage4.bcres2net1", 5 * C / 2);
    s4 = bcres2net_layer(m, s4, "stage4.bcres2net2", 5 * C / 2);
    s4 = bcres2net_layer(m, s4, "stage4.bcres2net3", 5 * C / 2);
    s4 = mfa_layer(m, resnorm(s4, 0.1), "stage4.mfa");

    const RefTensor *stages[] = {&s1, &s2, &s3, &s4};
    RefTensor head = fpm(m, stages, 4, "head.fpm", C, false);
    head = linear_layer(m, head, "head.linear", classes, true);
    write_logits(m, head, logits);
    tensor_free(&s1);
    tensor_free(&s2);
    tensor_free(&s3);
    tensor_free(&s4);
}
