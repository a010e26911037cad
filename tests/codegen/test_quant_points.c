/* Every model asc links (spec/): a QAT training step observes every layer
 * quantisation point, and a calibration pass (the forward asc calibrate runs,
 * as runtime/model_state.c's predictor_run drives it) observes every internal
 * INT8 grid. A step the emitter writes in a new way (fused loops, say) that
 * skips a grid leaves the grid without a range, and INT8 inference then
 * refuses the calibrated checkpoint; this finds it without training a model.
 * Then the INT8 simulation (every grid rounded) runs and gives finite logits. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "model_init.h"
#include "model_registry.h"
#include "nn_quant.h"
#include "qat_weights.h"

enum { BATCH = 2 };

static void clear_ranges(float *r, int n) {
    for (int i = 0; i < n; i++)
        r[2 * i] = 1, r[2 * i + 1] = -1; /* lo > hi: nothing observed */
}

static void check_model(const AscModel *model) {
    const AscModelInfo *m = model->info;
    size_t in = (size_t)BATCH * m->input_c * m->input_f * m->input_t;
    float *params = malloc(sizeof(float) * (size_t)m->params);
    float *qparams = malloc(sizeof(float) * (size_t)m->params);
    float *stats = malloc(sizeof(float) * ((size_t)m->stats_floats + 1));
    float *input = malloc(sizeof(float) * in);
    float *qinput = malloc(sizeof(float) * in);
    float *logits = malloc(sizeof(float) * BATCH * (size_t)m->classes);
    float *arena = malloc(sizeof(float) * (asc_arena_size(m, BATCH) + 1));
    float *ranges = malloc(sizeof(float) * 2 * (size_t)m->ngrids);
    float *calib = malloc(sizeof(float) * 2 * (size_t)m->ngrids);
    ck_assert(params && qparams && stats && input && qinput && logits && arena && ranges && calib);
    asc_init_params(m, params, 7);
    asc_init_stats(m, stats);
    qat_quantize_weights(m, params, qparams);
    NnRng g = {11};
    for (size_t i = 0; i < in; i++)
        input[i] = (float)(nn_rng_uniform(&g) * 8 - 4);
    clear_ranges(ranges, m->ngrids);

    /* QAT training: the layer points observe their batch. */
    NnRng rng = {2022};
    AscQuant qat = {ranges, 1, 0, NULL};
    model->forward_qat(BATCH, 1, qparams, stats, input, logits, arena, &rng, &qat);
    for (int q = 0; q < m->nquant; q++)
        ck_assert_msg(ranges[2 * q] <= ranges[2 * q + 1], "%s: QAT point %s not observed",
                      m->name, m->quant_names[q]);

    /* Calibration: inference with the layer points frozen, the internal grids
     * (the input's too, which predictor_run rounds before the forward) widening
     * calib. */
    clear_ranges(calib, m->ngrids);
    AscQuant cal = {ranges, 0, 1, calib};
    memcpy(qinput, input, sizeof(float) * in);
    fake_quant_internal(qinput, in, &cal, m->input_grid);
    model->forward_qat(BATCH, 0, qparams, stats, qinput, logits, arena, NULL, &cal);
    for (int k = m->nquant; k < m->ngrids; k++)
        ck_assert_msg(calib[2 * k] <= calib[2 * k + 1], "%s: INT8 grid %s not observed by "
                      "calibration", m->name, m->grid_names[k]);

    /* INT8 simulation with the grids just calibrated. */
    for (int k = m->nquant; k < m->ngrids; k++)
        ranges[2 * k] = calib[2 * k], ranges[2 * k + 1] = calib[2 * k + 1];
    AscQuant sim = {ranges, 0, 1, NULL};
    memcpy(qinput, input, sizeof(float) * in);
    fake_quant_internal(qinput, in, &sim, m->input_grid);
    model->forward_qat(BATCH, 0, qparams, stats, qinput, logits, arena, NULL, &sim);
    for (int i = 0; i < BATCH * m->classes; i++)
        ck_assert_msg(isfinite(logits[i]), "%s: INT8-simulated logit %d not finite", m->name, i);

    free(params), free(qparams), free(stats), free(input), free(qinput), free(logits);
    free(arena), free(ranges), free(calib);
}

START_TEST(every_quantisation_point_and_grid_is_observed) {
    check_model(asc_models[_i]);
}
END_TEST

int main(void) {
    int n = 0;
    while (asc_models[n])
        n++;
    Suite *s = suite_create("quantisation points");
    TCase *tc = tcase_create("spec models");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, every_quantisation_point_and_grid_is_observed, 0, n);
    suite_add_tcase(s, tc);
    return check_run(s);
}
