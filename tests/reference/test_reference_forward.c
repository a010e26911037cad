/* The generated float forward pass (inference, training = 0, and the inference-only
 * entry point) against the independent
 * naive reference of reference_forward.c, for a model of every operator family and
 * for the paper's model, with random parameters, running statistics and input. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bcres2net_mfa_fpm.h"
#include "op_activation.h"
#include "op_bcres.h"
#include "op_bcres2net.h"
#include "op_conv.h"
#include "op_fpm.h"
#include "op_fpm_nearest.h"
#include "op_mfa.h"
#include "op_norm.h"
#include "op_pool.h"
#include "op_resnorm.h"
#include "reference_forward.h"
#include "check_run.h"

/* Relative to the logits' scale, floored at 1 so tiny logits are judged absolutely:
 * max |generated - reference| <= REL_TOLERANCE * max(1, max |reference|). */
static const double REL_TOLERANCE = 1e-5;

typedef struct ModelCase {
    const AscModel *model;
    RefForwardFn reference;
    int batch;
} ModelCase;

static const ModelCase CASES[] = {
    {&op_activation_model, ref_op_activation, 3},
    {&op_bcres_model, ref_op_bcres, 3},
    {&op_bcres2net_model, ref_op_bcres2net, 3},
    {&op_conv_model, ref_op_conv, 3},
    {&op_fpm_model, ref_op_fpm, 3},
    {&op_fpm_nearest_model, ref_op_fpm_nearest, 3},
    {&op_mfa_model, ref_op_mfa, 3},
    {&op_norm_model, ref_op_norm, 3},
    {&op_pool_model, ref_op_pool, 3},
    {&op_resnorm_model, ref_op_resnorm, 3},
    /* batch 2 keeps the naive reference of the full model fast under ASan */
    {&bcres2net_mfa_fpm_model, ref_paper, 2},
};
enum { NCASES = sizeof CASES / sizeof CASES[0] };

static float uniform(NnRng *rng, double lo, double hi) {
    return (float)(lo + (hi - lo) * nn_rng_uniform(rng));
}

static void *checked_calloc(size_t count, size_t size) {
    /* calloc(0, ...) may return NULL legitimately: ask for at least one element */
    void *p = calloc(count ? count : 1, size);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Weights and biases uniform +-1/sqrt(fan_in); norm scales in [0.5, 1.5] and shifts
 * in [-0.5, 0.5]; running means in [-0.2, 0.2], running variances in [0.5, 1.5]: away
 * from the defaults (1, 0, 0, 1) so that every parameter and statistic matters. */
static void fill_parameters(const AscModelInfo *info, float *params, float *stats, NnRng *rng) {
    for (int i = 0; i < info->ntensors; i++) {
        const AscTensorInfo *t = &info->tensors[i];
        for (int64_t j = 0; j < t->count; j++) {
            float *v = &params[t->offset + j];
            switch (t->kind) {
            case ASC_WEIGHT:
            case ASC_BIAS: {
                double bound = 1.0 / sqrt((double)t->fan_in);
                *v = uniform(rng, -bound, bound);
                break;
            }
            case ASC_NORM_SCALE: *v = uniform(rng, 0.5, 1.5); break;
            case ASC_NORM_SHIFT: *v = uniform(rng, -0.5, 0.5); break;
            }
        }
    }
    for (int k = 0; k < info->nnorms; k++) {
        const AscStatsInfo *s = &info->norms[k];
        for (int g = 0; g < s->groups; g++) {
            stats[s->offset + g] = uniform(rng, -0.2, 0.2);
            stats[s->offset + s->groups + g] = uniform(rng, 0.5, 1.5);
        }
    }
}

START_TEST(generated_forward_matches_reference) {
    const ModelCase *mc = &CASES[_i];
    const AscModelInfo *info = mc->model->info;
    int batch = mc->batch;
    size_t input_count = (size_t)batch * info->input_c * info->input_f * info->input_t;
    size_t logit_count = (size_t)batch * info->classes;

    NnRng rng = {0x5eed0000u + (uint64_t)_i};
    float *params = checked_calloc((size_t)info->params, sizeof(float));
    float *stats = checked_calloc((size_t)info->stats_floats, sizeof(float));
    float *input = checked_calloc(input_count, sizeof(float));
    float *logits = checked_calloc(logit_count, sizeof(float));
    float *arena = checked_calloc(asc_arena_size(info, batch), sizeof(float));
    double *expected = checked_calloc(logit_count, sizeof(double));
    fill_parameters(info, params, stats, &rng);
    for (size_t i = 0; i < input_count; i++) input[i] = uniform(&rng, -2.0, 2.0);

    mc->model->forward(batch, 0, params, stats, input, logits, arena, &rng);
    RefModel ref = {info, params, stats};
    mc->reference(&ref, batch, input, expected);

    double max_diff = 0.0, max_ref = 0.0;
    for (size_t i = 0; i < logit_count; i++) {
        ck_assert_msg(isfinite(logits[i]), "%s: logit %zu is %g", info->name, i, logits[i]);
        max_diff = fmax(max_diff, fabs(logits[i] - expected[i]));
        max_ref = fmax(max_ref, fabs(expected[i]));
    }
    double bound = REL_TOLERANCE * fmax(1.0, max_ref);
    printf("%-18s batch %d: max |generated - reference| = %.3e (max |reference| %.3f, bound "
           "%.1e)\n",
           info->name, batch, max_diff, max_ref, bound);
    fflush(stdout);
    ck_assert_msg(max_diff <= bound, "%s: max difference %.3e exceeds %.1e", info->name,
                  max_diff, bound);

    /* The inference-only forward (slots reused) computes the same thing, to the bit. */
    float *infer_logits = checked_calloc(logit_count, sizeof(float));
    float *infer_arena = checked_calloc(asc_infer_arena_size(info, batch), sizeof(float));
    mc->model->infer(batch, params, stats, input, infer_logits, infer_arena);
    for (size_t i = 0; i < logit_count; i++)
        ck_assert_msg(infer_logits[i] == logits[i], "%s: infer differs from forward at %zu",
                      info->name, i);
    free(infer_logits);
    free(infer_arena);

    free(params);
    free(stats);
    free(input);
    free(logits);
    free(arena);
    free(expected);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("reference_forward");
    TCase *tc = tcase_create("inference");
    tcase_set_timeout(tc, 120); /* the paper's model under ASan */
    tcase_add_loop_test(tc, generated_forward_matches_reference, 0, NCASES);
    suite_add_tcase(suite, tc);
    return check_run(suite);
}
