/* The gradient checker; see gradcheck.h. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Gradients below this are compared in absolute terms. */
#define GC_SCALE_FLOOR 1e-3

/* The double-precision reference run that finite differences perturb. */
typedef struct Reference {
    const GcModel *m;
    int n;
    double *params, *stats, *stats0, *input, *logits, *arena, *r;
    uint64_t dropout_seed;
} Reference;

static double uniform(NnRng *g, double lo, double hi) { return lo + (hi - lo) * nn_rng_uniform(g); }

/* Weights within their init bound; norm scales around 1 and shifts around 0, so
 * that every path carries signal. Values are rounded to gc_real, so both
 * precisions see the same point. */
static void random_params(const AscModelInfo *info, double *params, NnRng *g) {
    for (int i = 0; i < info->ntensors; i++) {
        const AscTensorInfo *t = &info->tensors[i];
        for (int64_t k = 0; k < t->count; k++) {
            double v;
            switch (t->kind) {
            case ASC_NORM_SCALE: v = uniform(g, 0.5, 1.5); break;
            case ASC_NORM_SHIFT: v = uniform(g, -0.5, 0.5); break;
            default: v = uniform(g, -1, 1) * 1.7 / sqrt((double)t->fan_in); break;
            }
            params[t->offset + k] = (double)(gc_real)v;
        }
    }
}

/* One training forward with the same dropout masks every time. */
static double loss(Reference *r) {
    NnRng rng = {r->dropout_seed};
    memcpy(r->stats, r->stats0, sizeof(double) * (size_t)r->m->info->stats_floats);
    r->m->ref_forward(r->n, 1, r->params, r->stats, r->input, r->logits, r->arena, &rng);
    double sum = 0;
    for (int i = 0; i < r->n * r->m->info->classes; i++)
        sum += r->logits[i] * r->r[i];
    return sum;
}

static double numeric(Reference *r, double *x, double eps) {
    double saved = *x;
    *x = saved + eps;
    double up = loss(r);
    *x = saved - eps;
    double down = loss(r);
    *x = saved;
    return (up - down) / (2 * eps);
}

/* A finite difference is trusted only where the loss is smooth: near a ReLU or
 * max-pool kink the estimates at eps and eps/2 disagree, while elsewhere they agree
 * to O(eps^2). */
static int smooth_here(double n1, double n2) { return fabs(n1 - n2) <= 1e-9 + 1e-6 * fabs(n1); }

/* Compares the gradient g of `count` values at x in up to per_tensor positions
 * (all when per_tensor <= 0). A sampled position at a kink is replaced by another;
 * an exhaustive check skips it. */
static double check_tensor(Reference *r, double *x, const gc_real *g, int64_t count,
                           int per_tensor, double eps, NnRng *pick, GcResult *res) {
    int exhaustive = per_tensor <= 0 || per_tensor >= count;
    int64_t k = exhaustive ? count : per_tensor;
    double max_err = 0, max_num = 0;
    for (int64_t j = 0; j < k; j++) {
        int64_t at = j;
        double num = 0;
        for (int tries = 0;; tries++) {
            if (!exhaustive)
                at = (int64_t)(nn_rng_uniform(pick) * (double)count);
            num = numeric(r, x + at, eps);
            if (smooth_here(num, numeric(r, x + at, eps / 2)))
                break;
            res->at_kinks++;
            if (exhaustive || tries == 20)
                goto next;
        }
        double err = fabs((double)g[at] - num);
        if (err > max_err)
            max_err = err;
        if (fabs(num) > max_num)
            max_num = fabs(num);
        res->checked++;
    next:;
    }
    return max_err / (max_num > GC_SCALE_FLOOR ? max_num : GC_SCALE_FLOOR);
}

static gc_real *to_real(const double *x, size_t n) {
    gc_real *y = malloc(sizeof *y * (n ? n : 1));
    for (size_t i = 0; i < n; i++)
        y[i] = (gc_real)x[i];
    return y;
}

/* The analytic gradients of the model under test at the reference's point. */
static void analytic(const Reference *r, gc_real *dparams, gc_real *dinput) {
    const AscModelInfo *info = r->m->info;
    int n = r->n;
    size_t in_count = (size_t)n * info->input_c * info->input_f * info->input_t;
    gc_real *params = to_real(r->params, (size_t)info->params);
    gc_real *stats = to_real(r->stats0, (size_t)info->stats_floats);
    gc_real *input = to_real(r->input, in_count);
    gc_real *dlogits = to_real(r->r, (size_t)n * info->classes);
    gc_real *logits = calloc((size_t)n * info->classes, sizeof *logits);
    gc_real *arena = calloc(asc_arena_size(info, n), sizeof *arena);
    gc_real *grad = calloc(asc_grad_arena_size(info, n) + 1, sizeof *grad);
    NnRng rng = {r->dropout_seed};
    r->m->forward(n, 1, params, stats, input, logits, arena, &rng);
    r->m->backward(n, params, input, arena, dlogits, dparams, dinput, grad);
    free(params), free(stats), free(input), free(dlogits), free(logits), free(arena), free(grad);
}

GcResult gradcheck(const GcModel *m, int n, int per_tensor, double eps, unsigned seed) {
    const AscModelInfo *info = m->info;
    size_t in_count = (size_t)n * info->input_c * info->input_f * info->input_t;
    Reference r = {.m = m, .n = n, .dropout_seed = seed * 7919u + 1};
    r.params = calloc((size_t)info->params, sizeof(double));
    r.stats = calloc((size_t)info->stats_floats + 1, sizeof(double));
    r.stats0 = calloc((size_t)info->stats_floats + 1, sizeof(double));
    r.input = calloc(in_count, sizeof(double));
    r.logits = calloc((size_t)n * info->classes, sizeof(double));
    r.r = calloc((size_t)n * info->classes, sizeof(double));
    r.arena = calloc(asc_arena_size(info, n), sizeof(double));
    NnRng g = {seed};
    random_params(info, r.params, &g);
    for (int i = 0; i < info->nnorms; i++)
        for (int k = 0; k < info->norms[i].groups; k++)
            r.stats0[info->norms[i].offset + info->norms[i].groups + k] = 1;
    for (size_t i = 0; i < in_count; i++)
        r.input[i] = (double)(gc_real)uniform(&g, -2, 2);
    for (int i = 0; i < n * info->classes; i++)
        r.r[i] = (double)(gc_real)uniform(&g, -1, 1);

    gc_real *dparams = calloc((size_t)info->params, sizeof *dparams);
    gc_real *dinput = calloc(in_count, sizeof *dinput);
    analytic(&r, dparams, dinput);

    GcResult res = {0, "", 0, 0};
    NnRng pick = {seed + 99};
    for (int i = 0; i < info->ntensors; i++) {
        const AscTensorInfo *t = &info->tensors[i];
        double e = check_tensor(&r, r.params + t->offset, dparams + t->offset, t->count,
                                per_tensor, eps, &pick, &res);
        if (!res.worst_tensor[0] || e > res.worst) {
            res.worst = e;
            res.worst_tensor = t->name;
        }
    }
    double e = check_tensor(&r, r.input, dinput, (int64_t)in_count, per_tensor, eps, &pick, &res);
    if (e > res.worst)
        res.worst = e, res.worst_tensor = "input";
    free(r.params), free(r.stats), free(r.stats0), free(r.input), free(r.logits), free(r.r);
    free(r.arena), free(dparams), free(dinput);
    return res;
}
