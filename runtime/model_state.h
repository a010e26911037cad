/* What a trained float model is at run time: its parameters, its norms'
 * running statistics and, after quantisation-aware training, the activation
 * ranges of its quantisation points. Loaded from a checkpoint's "params",
 * "stats" and "quant" sections (docs/checkpoints.md). */
#ifndef ASC_MODEL_STATE_H
#define ASC_MODEL_STATE_H

#include "asc_model.h"
#include "error.h"
#include "int8_model.h"
#include "metrics.h"
#include "tau.h"

typedef struct model_state {
    const AscModel *model;
    float *params; /* info->params */
    float *stats;  /* info->stats_floats */
    float *quant;  /* 2 * info->ngrids ranges, or NULL: not quantisation-aware */
    int int8_grids; /* the internal grids are calibrated: inference simulates INT8 */
    int8_model *int8; /* set by model_state_use_int8: inference runs INT8 */
} model_state;

/* The checkpoint section holding the calibrated internal INT8 grids: 2 floats
 * (lo, hi) for each of info->ngrids - info->nquant grids, in the info's order. */
#define INT8_GRIDS_SECTION "int8_grids"

/* Sets n ranges to "no history yet" (lo > hi): nothing is rounded there. */
void quant_ranges_clear(float *ranges, int n);

/* Fresh buffers: parameters initialised from seed, statistics 0 / 1, and QAT
 * ranges "no history yet" when with_quant. Returns 0 when out of memory. */
int model_state_init(model_state *s, const AscModel *model, uint64_t seed, int with_quant);

/* Reads path (a checkpoint of this model); quant is loaded when the checkpoint
 * has QAT ranges, the internal INT8 grids when it has them too (asc calibrate). */
asc_status model_state_load(model_state *s, const AscModel *model, const char *path,
                            asc_err *err);

void model_state_free(model_state *s);

/* From now on the state's inference is INT8 (a calibrated QAT checkpoint's; path
 * names it in the error line). */
asc_status model_state_use_int8(model_state *s, const char *path, asc_err *err);

/* Inference with a state, batch clips at a time, in buffers allocated once.
 * A quantisation-aware state runs as the fake-quantised model (weights rounded
 * per channel, activations on their frozen ranges); once its internal grids are
 * calibrated, with every tensor INT8 stores (the input features too) on its grid:
 * the model INT8 inference computes. */
typedef struct predictor {
    const model_state *state;
    int batch;
    float *arena, *input, *qparams, *stats;
    float *qinput; /* the input on its grid (INT8 simulation) */
    uint8_t *int8_arena; /* INT8: one clip's activations per thread */
    float *calib;  /* while calibrating: each grid's batch [lo, hi], else NULL */
} predictor;

/* Returns 0 when out of memory. A quantisation-aware state's weights are
 * rounded here, once: make a new predictor after the parameters change. */
int predictor_init(predictor *p, const model_state *s, int batch);
/* logits (n x classes) of n <= batch inputs stored one after another. */
void predictor_run(predictor *p, const float *inputs, int n, float *logits);
/* Copies n <= batch clips of a feature array (clip c at features + c * clip_size)
 * into p->input, one after another. */
void predictor_load_clips(predictor *p, const float *features, long clip_size,
                          const long *clips, int n);
void predictor_free(predictor *p);

/* Logits (n x classes) of the clips of a feature array (clip c at features +
 * c * clip_size), through a predictor. Returns 0 when out of memory. */
int model_state_predict(const model_state *s, const float *features, long clip_size,
                        const long *clips, long n, int batch, float *logits);

/* Accuracy and log loss of the clips of a data set (features as above, scenes
 * and devices from set) into m, and their logits (n x classes) into logits
 * unless it is NULL. Returns 0 when out of memory. */
int model_state_evaluate(const model_state *s, const tau_set *set, const float *features,
                         long clip_size, const long *clips, long n, int batch, eval_metrics *m,
                         float *logits);

#endif
