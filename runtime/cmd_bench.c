/* asc bench: how fast a generated model trains and infers on this machine.
 * Median time of a training step (forward + backward) at --batch, and of a
 * batch-1 fp32 inference, with --threads OpenMP and OpenBLAS threads; for a
 * model with an INT8 form, the median time of its INT8 inference of one clip
 * (always one thread: the INT8 forward runs a clip on the calling thread). */
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

#include "arena_alloc.h"
#include "commands.h"
#include "cpu_clock.h"
#include "int8_model.h"
#include "model_init.h"
#include "model_registry.h"
#include "rng.h"

typedef struct BenchOptions {
    const char *model;
    int batch, threads, steps, json;
} BenchOptions;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

static int parse_bench_options(int argc, char **argv, BenchOptions *o) {
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},   {"batch", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'}, {"steps", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},          {NULL, 0, NULL, 0},
    };
    *o = (BenchOptions){.batch = 64, .threads = 1, .steps = 10};
    optind = 0;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc + 1, argv - 1, "", longopts, NULL)) != -1) {
        char *end = NULL;
        long v = 0;
        if (ch == 'b' || ch == 't' || ch == 's') {
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 4096)
                return cmd_fail(2, "bench: %s needs a number from 1 to 4096, got '%s'",
                                argv[optind - 2], optarg);
        }
        switch (ch) {
        case 'm': o->model = optarg; break;
        case 'b': o->batch = (int)v; break;
        case 't': o->threads = (int)v; break;
        case 's': o->steps = (int)v; break;
        case 'j': o->json = 1; break;
        default: return cmd_fail(2, "bench: unknown option '%s'", argv[optind - 2]);
        }
    }
    if (optind - 1 != argc)
        return cmd_fail(2, "bench: unexpected argument '%s'", argv[optind - 1]);
    if (!o->model)
        return cmd_fail(2, "bench: --model M is required");
    return -1;
}

typedef struct Buffers {
    float *params, *stats, *input, *logits, *dlogits, *arena, *grad, *dparams;
} Buffers;

static int alloc_buffers(Buffers *b, const AscModelInfo *m, int batch) {
    size_t in = (size_t)batch * m->input_c * m->input_f * m->input_t;
    b->params = malloc(sizeof(float) * (size_t)m->params);
    b->dparams = calloc((size_t)m->params, sizeof(float));
    b->stats = malloc(sizeof(float) * ((size_t)m->stats_floats + 1));
    b->input = malloc(sizeof(float) * in);
    b->logits = malloc(sizeof(float) * (size_t)batch * m->classes);
    b->dlogits = malloc(sizeof(float) * (size_t)batch * m->classes);
    b->arena = arena_alloc_floats(asc_arena_size(m, batch));
    b->grad = arena_alloc_floats(asc_grad_arena_size(m, batch) + 1);
    if (!b->params || !b->dparams || !b->stats || !b->input || !b->logits || !b->dlogits ||
        !b->arena || !b->grad)
        return 0;
    asc_init_params(m, b->params, 1);
    asc_init_stats(m, b->stats);
    rng r;
    rng_seed(&r, 7, 0);
    for (size_t i = 0; i < in; i++)
        b->input[i] = (float)rng_normal(&r);
    for (int i = 0; i < batch * m->classes; i++)
        b->dlogits[i] = (float)rng_range(&r, -1, 1) / (float)batch;
    return 1;
}

static void free_buffers(Buffers *b) {
    free(b->params), free(b->dparams), free(b->stats), free(b->input);
    free(b->logits), free(b->dlogits), free(b->arena), free(b->grad);
}

/* Median ms of one training step (forward + backward) at batch n. */
static double time_training(const AscModel *model, Buffers *b, int n, int steps) {
    double *t = malloc(sizeof *t * (size_t)steps);
    NnRng rng = {1};
    for (int i = -2; i < steps; i++) { /* two warm-up steps */
        double t0 = now_ms();
        model->forward(n, 1, b->params, b->stats, b->input, b->logits, b->arena, &rng);
        model->backward(n, b->params, b->input, b->arena, b->dlogits, b->dparams, NULL, b->grad);
        if (i >= 0)
            t[i] = now_ms() - t0;
    }
    double m = median(t, steps);
    free(t);
    return m;
}

/* Median ms of a batch-1 inference. */
static double time_inference(const AscModel *model, Buffers *b, int runs) {
    double *t = malloc(sizeof *t * (size_t)runs);
    for (int i = -5; i < runs; i++) {
        double t0 = now_ms();
        model->infer(1, b->params, b->stats, b->input, b->logits, b->arena);
        if (i >= 0)
            t[i] = now_ms() - t0;
    }
    double m = median(t, runs);
    free(t);
    return m;
}

/* Median ms of the INT8 inference of one clip, or -1 for a model without an
 * INT8 form (or out of memory). The constants come from the randomly
 * initialised parameters and a fabricated range of [-4, 4] for every grid:
 * the forward's time does not depend on the values. */
static double time_int8_inference(const AscModel *model, const Buffers *b, int runs) {
    const AscModelInfo *m = model->info;
    if (!model->int8)
        return -1;
    float *ranges = malloc(sizeof(float) * 2 * ((size_t)m->ngrids + 1));
    uint8_t *arena = malloc((size_t)model->int8->arena + 1);
    double *t = malloc(sizeof *t * (size_t)runs), ms = -1;
    int8_model q;
    asc_err err;
    if (ranges && arena && t) {
        for (int g = 0; g < m->ngrids; g++)
            ranges[2 * g] = -4, ranges[2 * g + 1] = 4;
        if (int8_model_prepare(&q, model, b->params, b->stats, ranges, "bench", &err) == ASC_OK) {
            for (int i = -5; i < runs; i++) {
                double t0 = now_ms();
                q.desc->forward(&q.c, b->input, b->logits, arena);
                if (i >= 0)
                    t[i] = now_ms() - t0;
            }
            ms = median(t, runs);
            int8_model_free(&q);
        }
    }
    free(ranges), free(arena), free(t);
    return ms;
}

int cmd_bench(int argc, char **argv) {
    BenchOptions o;
    int status = parse_bench_options(argc, argv, &o);
    if (status >= 0)
        return status;
    const AscModel *model = asc_find_model(o.model);
    if (!model) {
        char names[512];
        asc_model_names(names, sizeof names);
        return cmd_fail(1, "bench: unknown model '%s' (this asc has: %s)", o.model, names);
    }
    omp_set_num_threads(o.threads);
    openblas_set_num_threads(o.threads);
    const AscModelInfo *m = model->info;
    Buffers b;
    if (!alloc_buffers(&b, m, o.batch)) {
        free_buffers(&b);
        return cmd_fail(1, "bench: out of memory for batch %d", o.batch);
    }
    double step_ms = time_training(model, &b, o.batch, o.steps);
    double infer_ms = time_inference(model, &b, 50);
    double int8_ms = time_int8_inference(model, &b, 200);
    free_buffers(&b);

    double clips_per_s = o.batch / (step_ms / 1e3);
    double gmacs = 3.0 * (double)m->macs * clips_per_s / 1e9; /* a step is ~3 forwards */
    double ghz = cpu_clock_ghz(), peak = o.threads * 16.0 * ghz; /* 16 fp32 FMA per cycle per core */
    if (o.json) {
        printf("{\"model\": \"%s\", \"batch\": %d, \"threads\": %d, \"train_step_ms\": %.3f, "
               "\"train_clips_per_s\": %.1f, \"infer_fp32_ms\": %.4f, \"train_gmacs_per_s\": %.2f, "
               "\"peak_gmacs_per_s\": %.1f",
               m->name, o.batch, o.threads, step_ms, clips_per_s, infer_ms, gmacs, peak);
        if (int8_ms >= 0)
            printf(", \"infer_int8_ms\": %.4f", int8_ms);
        printf("}\n");
    } else {
        printf("%s: batch %d, %d thread%s\n", m->name, o.batch, o.threads, o.threads == 1 ? "" : "s");
        printf("  training step   %9.2f ms  (%.1f clips/s, %.2f GMAC/s", step_ms, clips_per_s, gmacs);
        if (peak > 0)
            printf(" = %.1f %% of %.0f GMAC/s peak", 100 * gmacs / peak, peak);
        printf(")\n  fp32 inference  %9.3f ms per clip (batch 1, %d thread%s)\n", infer_ms, o.threads,
               o.threads == 1 ? "" : "s");
        if (int8_ms >= 0)
            printf("  int8 inference  %9.3f ms per clip (1 thread)\n", int8_ms);
    }
    return 0;
}
