/* Same seed, one thread: two training steps from the same state give bit-identical
 * logits, parameter and input gradients and running statistics, in plain and in
 * quantisation-aware mode. Also checks the QAT observers and the fake-quantisation
 * kernel's grid. */
#include <check.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#define NN_REAL float
#include "bcres2net_mfa_fpm.h"
#include "nn.h"
#include "op_bcres2net.h"
#include "check_run.h"

typedef struct Step {
    float *params, *stats, *input, *logits, *dlogits, *arena, *grad, *dparams, *dinput, *ranges;
} Step;

static float frand(NnRng *g) { return (float)(nn_rng_uniform(g) * 2 - 1); }

static void step_alloc(Step *s, const AscModelInfo *m, int n) {
    size_t in = (size_t)n * m->input_c * m->input_f * m->input_t;
    s->params = malloc(sizeof(float) * (size_t)m->params);
    s->dparams = calloc((size_t)m->params, sizeof(float));
    s->stats = malloc(sizeof(float) * (size_t)(m->stats_floats + 1));
    s->input = malloc(sizeof(float) * in);
    s->dinput = calloc(in, sizeof(float));
    s->logits = calloc((size_t)n * m->classes, sizeof(float));
    s->dlogits = malloc(sizeof(float) * (size_t)n * m->classes);
    s->arena = calloc(asc_arena_size(m, n), sizeof(float));
    s->grad = calloc(asc_grad_arena_size(m, n) + 1, sizeof(float));
    s->ranges = malloc(sizeof(float) * 2 * (size_t)(m->nquant + 1));
    NnRng g = {42};
    for (int64_t i = 0; i < m->params; i++)
        s->params[i] = frand(&g) * 0.3f;
    for (int64_t i = 0; i < m->stats_floats; i++)
        s->stats[i] = 1;
    for (size_t i = 0; i < in; i++)
        s->input[i] = frand(&g);
    for (int i = 0; i < n * m->classes; i++)
        s->dlogits[i] = frand(&g);
    for (int i = 0; i < m->nquant; i++)
        s->ranges[2 * i] = 1, s->ranges[2 * i + 1] = -1; /* no history */
}

static void step_free(Step *s) {
    free(s->params), free(s->dparams), free(s->stats), free(s->input), free(s->dinput);
    free(s->logits), free(s->dlogits), free(s->arena), free(s->grad), free(s->ranges);
}

static void run(const AscModel *m, Step *s, int n, int qat) {
    NnRng rng = {2022};
    AscQuant quant = {s->ranges, 1, 0, NULL};
    if (qat) {
        m->forward_qat(n, 1, s->params, s->stats, s->input, s->logits, s->arena, &rng, &quant);
        m->backward_qat(n, s->params, s->input, s->arena, s->dlogits, s->dparams, s->dinput,
                        s->grad, &quant);
    } else {
        m->forward(n, 1, s->params, s->stats, s->input, s->logits, s->arena, &rng);
        m->backward(n, s->params, s->input, s->arena, s->dlogits, s->dparams, s->dinput, s->grad);
    }
}

static void assert_same(const float *a, const float *b, size_t n, const char *what) {
    ck_assert_msg(memcmp(a, b, n * sizeof(float)) == 0, "%s differs between runs", what);
}

static void check_model(const AscModel *m, int n, int qat) {
    const AscModelInfo *info = m->info;
    Step a, b;
    step_alloc(&a, info, n);
    step_alloc(&b, info, n);
    run(m, &a, n, qat);
    run(m, &b, n, qat);
    size_t in = (size_t)n * info->input_c * info->input_f * info->input_t;
    assert_same(a.logits, b.logits, (size_t)n * info->classes, "logits");
    assert_same(a.dparams, b.dparams, (size_t)info->params, "parameter gradients");
    assert_same(a.dinput, b.dinput, in, "input gradient");
    assert_same(a.stats, b.stats, (size_t)info->stats_floats, "running statistics");
    if (qat) {
        assert_same(a.ranges, b.ranges, 2 * (size_t)info->nquant, "QAT ranges");
        for (int i = 0; i < info->nquant; i++)
            ck_assert_msg(a.ranges[2 * i] <= a.ranges[2 * i + 1], "range %d (%s) not observed", i,
                          info->quant_names[i]);
    }
    for (int i = 0; i < n * info->classes; i++)
        ck_assert(isfinite(a.logits[i]));
    step_free(&a);
    step_free(&b);
}

START_TEST(same_seed_one_thread_is_bit_identical) {
    omp_set_num_threads(1);
    openblas_set_num_threads(1);
    check_model(&op_bcres2net_model, 4, 0);
    check_model(&op_bcres2net_model, 4, 1);
    check_model(&bcres2net_mfa_fpm_model, 2, 0);
    check_model(&bcres2net_mfa_fpm_model, 2, 1);
}
END_TEST

/* Observed ranges always include zero; values land on the uint8 grid, clipped. */
START_TEST(fake_quant_rounds_onto_the_grid) {
    float x[6] = {-1.0f, -0.3f, 0.0f, 0.26f, 2.0f, 3.5f};
    float range[2] = {1, -1};
    fake_quant_forward(x, 6, range, 1);
    ck_assert(range[0] == -1.0f && range[1] == 3.5f);
    float scale = 4.5f / 255, zp = nearbyintf(1.0f / scale);
    for (int i = 0; i < 6; i++) {
        float q = x[i] / scale + zp;
        ck_assert_msg(fabsf(q - nearbyintf(q)) < 1e-3f, "value %d off the grid", i);
    }
    ck_assert(x[2] == 0.0f); /* zero is exact */
    float y[3] = {10.0f, -10.0f, 1.0f};
    fake_quant_forward(y, 3, range, 0); /* frozen: clip to the range */
    ck_assert(range[0] == -1.0f && range[1] == 3.5f);
    ck_assert(fabsf(y[0] - (255 - zp) * scale) < 1e-5f);
    ck_assert(fabsf(y[1] - (0 - zp) * scale) < 1e-5f);
    float dy[3] = {1, 1, 1};
    fake_quant_backward(dy, y, 3, range);
    ck_assert(dy[0] == 0 && dy[1] == 0 && dy[2] == 1); /* no gradient through clipped values */
}
END_TEST

int main(void) {
    Suite *s = suite_create("determinism and QAT");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, same_seed_one_thread_is_bit_identical);
    tcase_add_test(tc, fake_quant_rounds_onto_the_grid);
    suite_add_tcase(s, tc);
    return check_run(s);
}
