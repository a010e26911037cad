/* What a generated model tells the runtime about itself: its parameter tensors in
 * the flat parameter buffer, its BN statistics, and the arena sizes its forward and
 * backward passes need. Plain data, the same at every precision. */
#ifndef ASC_MODEL_H
#define ASC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn_int8_steps.h"
#include "nn_rng.h"

typedef enum AscParamKind {
    ASC_WEIGHT,     /* conv or linear weights: uniform(+-1/sqrt(fan_in)) at init */
    ASC_BIAS,       /* conv or linear bias: the same bound */
    ASC_NORM_SCALE, /* BN / SSN scale: 1 */
    ASC_NORM_SHIFT, /* BN / SSN shift: 0 */
} AscParamKind;

typedef struct AscTensorInfo {
    const char *name; /* stage1.bcres2net1.conv_in.weight */
    AscParamKind kind;
    int64_t offset, count;
    int shape[4];
    int fan_in;
    int classifier; /* part of the final layer */
} AscTensorInfo;

/* A norm's running mean (groups values) then running variance (groups values). */
typedef struct AscStatsInfo {
    int64_t offset;
    int groups;
} AscStatsInfo;

typedef struct AscModelInfo {
    const char *name;
    uint64_t spec_hash;
    int input_c, input_f, input_t, classes;
    int64_t params, macs;
    int ntensors;
    const AscTensorInfo *tensors;
    int nnorms;
    const AscStatsInfo *norms;
    int64_t stats_floats;
    /* activation quantisation points (QAT, INT8): layer outputs, in order */
    int nquant;
    const char *const *quant_names;
    /* INT8 grids: every tensor INT8 inference stores has one. The first nquant are
     * the layer points above; input_grid is the input features'; the rest are
     * internal tensors, calibrated after training. Names of the tensors. */
    int ngrids, input_grid;
    const char *const *grid_names;
    /* arena sizes, in values: per clip of the batch, and fixed */
    int64_t act_per_clip, act_fixed, grad_per_clip, scratch_per_clip;
    int64_t infer_per_clip; /* the inference-only forward reuses slots */
} AscModelInfo;

/* Values the forward arena needs for a batch (activations kept for backward). */
static inline size_t asc_arena_size(const AscModelInfo *m, int batch) {
    return (size_t)batch * (size_t)(m->act_per_clip + m->scratch_per_clip) + (size_t)m->act_fixed;
}

/* Values the backward pass's gradient arena needs for a batch. */
static inline size_t asc_grad_arena_size(const AscModelInfo *m, int batch) {
    return (size_t)batch * (size_t)(m->grad_per_clip + m->scratch_per_clip);
}

/* Quantisation state: one [lo, hi] range per grid (info->ngrids), lo > hi while
 * there is no history. QAT trains the first info->nquant (the layer points). */
typedef struct AscQuant {
    float *ranges;
    int observe; /* update the layer points' ranges from each batch; 0 freezes them */
    /* Inference only: round at every INT8 grid, not just the layer points (INT8
     * simulation), or, with calib set, collect each internal grid's batch minimum
     * and maximum into calib[2g], calib[2g + 1] instead of rounding there. */
    int int8_grids;
    float *calib;
} AscQuant;

/* Values the inference-only forward's arena needs for a batch. */
static inline size_t asc_infer_arena_size(const AscModelInfo *m, int batch) {
    return (size_t)batch * (size_t)(m->infer_per_clip + m->scratch_per_clip);
}

/* INT8 inference of a model (runtime/nn/nn_int8_prepare.h makes the constants
 * from a calibrated QAT checkpoint, in arrays of the sizes given here). */
typedef struct AscInt8 {
    const NnI8Prep *steps;
    int nsteps;
    int64_t n8, n32, n64, nu8, nf; /* values of w8, w32, w64, u8, wf */
    int64_t arena;                 /* activation bytes for one clip */
    void (*forward)(const NnI8Constants *w, const float *features, float *logits,
                    uint8_t *arena);
} AscInt8;

/* A float model: the functions the driver calls, whatever the spec. */
typedef struct AscModel {
    const AscModelInfo *info;
    /* logits[batch][classes] from input[batch][1][F][T]; training = 1 uses batch
     * statistics, updates the running ones in stats and draws dropout from rng. */
    void (*forward)(int batch, int training, const float *params, float *stats,
                    const float *input, float *logits, float *arena, NnRng *rng);
    /* After a training forward: adds parameter gradients into dparams and, when
     * dinput is not NULL, writes the input's gradient. */
    void (*backward)(int batch, const float *params, const float *input, const float *arena,
                     const float *dlogits, float *dparams, float *dinput, float *grad_arena);
    /* The same with activations fake-quantised at every quantisation point. */
    void (*forward_qat)(int batch, int training, const float *params, float *stats,
                        const float *input, float *logits, float *arena, NnRng *rng,
                        AscQuant *quant);
    void (*backward_qat)(int batch, const float *params, const float *input, const float *arena,
                         const float *dlogits, float *dparams, float *dinput, float *grad_arena,
                         const AscQuant *quant);
    /* Inference only (running statistics, no dropout), in asc_infer_arena_size values. */
    void (*infer)(int batch, const float *params, const float *stats, const float *input,
                  float *logits, float *arena);
    /* INT8 inference, or NULL when the model has a step INT8 cannot run */
    const AscInt8 *int8;
} AscModel;

#endif
