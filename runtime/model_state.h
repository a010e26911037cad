/* What a trained float model is at run time: its parameters, its norms'
 * running statistics and, after quantisation-aware training, the activation
 * ranges of its quantisation points. Loaded from a checkpoint's "params",
 * "stats" and "quant" sections (docs/checkpoints.md). */
#ifndef ASC_MODEL_STATE_H
#define ASC_MODEL_STATE_H

#include "asc_model.h"
#include "error.h"
#include "metrics.h"
#include "tau.h"

typedef struct model_state {
    const AscModel *model;
    float *params; /* info->params */
    float *stats;  /* info->stats_floats */
    float *quant;  /* 2 * info->nquant ranges, or NULL: not quantisation-aware */
} model_state;

/* Fresh buffers: parameters initialised from seed, statistics 0 / 1, and QAT
 * ranges "no history yet" when with_quant. Returns 0 when out of memory. */
int model_state_init(model_state *s, const AscModel *model, uint64_t seed, int with_quant);

/* Reads path (a checkpoint of this model); quant is loaded when the checkpoint
 * has QAT ranges. */
asc_status model_state_load(model_state *s, const AscModel *model, const char *path,
                            asc_err *err);

void model_state_free(model_state *s);

/* Inference with a state, batch clips at a time, in buffers allocated once.
 * A quantisation-aware state runs as the fake-quantised model (weights rounded
 * per channel, activations on their frozen ranges), which is what INT8
 * inference reproduces. */
typedef struct predictor {
    const model_state *state;
    int batch;
    float *arena, *input, *qparams, *stats;
} predictor;

/* Returns 0 when out of memory. A quantisation-aware state's weights are
 * rounded here, once: make a new predictor after the parameters change. */
int predictor_init(predictor *p, const model_state *s, int batch);
/* logits (n x classes) of n <= batch inputs stored one after another. */
void predictor_run(predictor *p, const float *inputs, int n, float *logits);
void predictor_free(predictor *p);

/* Logits (n x classes) of the clips of a feature array (clip c at features +
 * c * clip_size), through a predictor. Returns 0 when out of memory. */
int model_state_predict(const model_state *s, const float *features, long clip_size,
                        const long *clips, long n, int batch, float *logits);

/* Accuracy and log loss of the clips of a data set (features as above, scenes
 * and devices from set) into m. Returns 0 when out of memory. */
int model_state_evaluate(const model_state *s, const tau_set *set, const float *features,
                         long clip_size, const long *clips, long n, int batch, eval_metrics *m);

#endif
