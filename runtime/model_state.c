/* A trained model's state and inference over many clips; see model_state.h. */
#include "model_state.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "arena_alloc.h"
#include "checkpoint.h"
#include "model_init.h"
#include "nn_quant.h"
#include "qat_weights.h"

static int alloc_state(model_state *s, const AscModel *model, int with_quant) {
    const AscModelInfo *m = model->info;
    *s = (model_state){.model = model};
    s->params = malloc(sizeof(float) * (size_t)m->params);
    s->stats = malloc(sizeof(float) * ((size_t)m->stats_floats + 1));
    if (with_quant)
        s->quant = malloc(sizeof(float) * (2 * (size_t)m->ngrids + 1));
    if (!s->params || !s->stats || (with_quant && !s->quant)) {
        model_state_free(s);
        return 0;
    }
    return 1;
}

int model_state_init(model_state *s, const AscModel *model, uint64_t seed, int with_quant) {
    if (!alloc_state(s, model, with_quant))
        return 0;
    asc_init_params(model->info, s->params, seed);
    asc_init_stats(model->info, s->stats);
    if (with_quant)
        quant_ranges_clear(s->quant, model->info->ngrids);
    return 1;
}

void quant_ranges_clear(float *ranges, int n) {
    for (int g = 0; g < n; g++) {
        ranges[2 * g] = 1; /* lo > hi: no history */
        ranges[2 * g + 1] = -1;
    }
}

/* Copies section name of the expected number of floats into dest. */
static asc_status copy_floats(const ckpt_file *ck, const char *path, const char *name, float *dest,
                              int64_t count, asc_err *err) {
    const void *data;
    if (ckpt_get(ck, path, name, sizeof(float) * (uint64_t)count, &data, NULL, err))
        return ASC_EFAIL;
    memcpy(dest, data, sizeof(float) * (size_t)count);
    return ASC_OK;
}

asc_status model_state_load(model_state *s, const AscModel *model, const char *path,
                            asc_err *err) {
    const AscModelInfo *m = model->info;
    ckpt_file ck;
    if (ckpt_read(path, m->name, m->spec_hash, &ck, err))
        return ASC_EFAIL;
    int with_quant = ckpt_has(&ck, "quant");
    int internal = m->ngrids - m->nquant;
    asc_status st = ASC_EFAIL;
    if (!alloc_state(s, model, with_quant)) {
        err_set(err, path, "out of memory");
    } else {
        if (with_quant)
            quant_ranges_clear(s->quant, m->ngrids);
        s->int8_grids = with_quant && ckpt_has(&ck, INT8_GRIDS_SECTION);
        if (copy_floats(&ck, path, "params", s->params, m->params, err) == ASC_OK &&
            copy_floats(&ck, path, "stats", s->stats, m->stats_floats, err) == ASC_OK &&
            (!with_quant || copy_floats(&ck, path, "quant", s->quant, 2 * m->nquant, err) == ASC_OK) &&
            (!s->int8_grids || copy_floats(&ck, path, INT8_GRIDS_SECTION, s->quant + 2 * m->nquant,
                                           2 * internal, err) == ASC_OK))
            st = ASC_OK;
    }
    if (st != ASC_OK)
        model_state_free(s);
    ckpt_close(&ck);
    return st;
}

void model_state_free(model_state *s) {
    free(s->params);
    free(s->stats);
    free(s->quant);
    s->params = s->stats = s->quant = NULL;
    if (s->int8)
        int8_model_free(s->int8);
    free(s->int8);
    s->int8 = NULL;
}

asc_status model_state_use_int8(model_state *s, const char *path, asc_err *err) {
    if (!s->quant)
        return err_set(err, path, "not quantisation-aware (train with --qat): INT8 needs its "
                       "trained ranges");
    if (!s->int8_grids)
        return err_set(err, path, "the INT8 grids inside the blocks are not calibrated (run asc "
                       "calibrate on it)");
    s->int8 = malloc(sizeof *s->int8);
    if (!s->int8)
        return err_set(err, path, "out of memory");
    if (int8_model_prepare(s->int8, s->model, s->params, s->stats, s->quant, path, err)) {
        free(s->int8);
        s->int8 = NULL;
        return ASC_EFAIL;
    }
    return ASC_OK;
}

/* INT8 inference: one clip at a time, the clips shared among the threads. */
static int predictor_init_int8(predictor *p, const model_state *s, int batch) {
    const AscModelInfo *m = s->model->info;
    *p = (predictor){.state = s, .batch = batch};
    p->input = malloc(sizeof(float) * (size_t)batch * (size_t)(m->input_c * m->input_f * m->input_t));
    p->int8_arena = malloc((size_t)omp_get_max_threads() * (size_t)s->int8->desc->arena + 1);
    if (!p->input || !p->int8_arena) {
        predictor_free(p);
        return 0;
    }
    return 1;
}

static void predictor_run_int8(predictor *p, const float *inputs, int n, float *logits) {
    const AscModelInfo *m = p->state->model->info;
    const int8_model *q = p->state->int8;
    size_t clip = (size_t)(m->input_c * m->input_f * m->input_t);
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; i++)
        q->desc->forward(&q->c, inputs + i * clip, logits + (size_t)i * (size_t)m->classes,
                         p->int8_arena + (size_t)omp_get_thread_num() * (size_t)q->desc->arena);
}

int predictor_init(predictor *p, const model_state *s, int batch) {
    if (s->int8)
        return predictor_init_int8(p, s, batch);
    const AscModelInfo *m = s->model->info;
    size_t arena_size = s->quant ? asc_arena_size(m, batch) : asc_infer_arena_size(m, batch);
    size_t input_size = (size_t)batch * (size_t)(m->input_c * m->input_f * m->input_t);
    *p = (predictor){.state = s, .batch = batch};
    p->arena = arena_alloc_floats(arena_size + 1);
    p->input = malloc(sizeof(float) * input_size);
    p->qinput = malloc(sizeof(float) * input_size);
    if (s->quant) {
        p->qparams = malloc(sizeof(float) * (size_t)m->params);
        p->stats = malloc(sizeof(float) * ((size_t)m->stats_floats + 1));
    }
    if (!p->arena || !p->input || !p->qinput || (s->quant && (!p->qparams || !p->stats))) {
        predictor_free(p);
        return 0;
    }
    if (s->quant) {
        qat_quantize_weights(m, s->params, p->qparams);
        memcpy(p->stats, s->stats, sizeof(float) * (size_t)m->stats_floats);
    }
    return 1;
}

void predictor_run(predictor *p, const float *inputs, int n, float *logits) {
    const model_state *s = p->state;
    if (s->int8) {
        predictor_run_int8(p, inputs, n, logits);
        return;
    }
    if (!s->quant) {
        s->model->infer(n, s->params, s->stats, inputs, logits, p->arena);
        return;
    }
    /* Inference mode reads the statistics without writing them; the copy made
     * at init only satisfies forward_qat's signature, which training shares. */
    AscQuant quant = {s->quant, 0, s->int8_grids || p->calib, p->calib};
    if (quant.int8_grids) {
        const AscModelInfo *m = s->model->info;
        size_t count = (size_t)n * (size_t)(m->input_c * m->input_f * m->input_t);
        memcpy(p->qinput, inputs, sizeof(float) * count);
        fake_quant_internal(p->qinput, count, &quant, m->input_grid);
        inputs = p->qinput;
    }
    s->model->forward_qat(n, 0, p->qparams, p->stats, inputs, logits, p->arena, NULL, &quant);
}

void predictor_free(predictor *p) {
    free(p->arena), free(p->input), free(p->qinput), free(p->qparams), free(p->stats);
    free(p->int8_arena);
    *p = (predictor){0};
}

void predictor_load_clips(predictor *p, const float *features, long clip_size,
                          const long *clips, int n) {
    for (int i = 0; i < n; i++)
        memcpy(p->input + (long)i * clip_size, features + clips[i] * clip_size,
               sizeof(float) * (size_t)clip_size);
}

int model_state_predict(const model_state *s, const float *features, long clip_size,
                        const long *clips, long n, int batch, float *logits) {
    predictor p;
    if (!predictor_init(&p, s, batch))
        return 0;
    int classes = s->model->info->classes;
    for (long first = 0; first < n; first += batch) {
        int count = (int)(n - first < batch ? n - first : batch);
        predictor_load_clips(&p, features, clip_size, clips + first, count);
        predictor_run(&p, p.input, count, logits + first * classes);
    }
    predictor_free(&p);
    return 1;
}

int model_state_evaluate(const model_state *s, const tau_set *set, const float *features,
                         long clip_size, const long *clips, long n, int batch, eval_metrics *m,
                         float *keep_logits) {
    int classes = s->model->info->classes;
    float *logits = keep_logits ? keep_logits
                                : malloc(sizeof(float) * ((size_t)n * (size_t)classes + 1));
    if (!logits || !model_state_predict(s, features, clip_size, clips, n, batch, logits)) {
        if (!keep_logits)
            free(logits);
        return 0;
    }
    metrics_init(m);
    for (long i = 0; i < n; i++) {
        const tau_clip *c = &set->clips[clips[i]];
        metrics_add(m, c->device, c->scene, logits + i * classes);
    }
    if (!keep_logits)
        free(logits);
    return 1;
}
