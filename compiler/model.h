/* The resolved model: a flat list of layers in execution order, each with its
 * arguments bound, its shapes inferred and its costs counted. Everything after
 * resolve.c (reports, budget, code emitters) reads only this. */
#ifndef ASCC_MODEL_H
#define ASCC_MODEL_H

#include <stdint.h>

#include "diag.h"

/* Channels x frequency x time of one clip; the batch dimension is implicit. */
typedef struct Shape {
    int c, f, t;
} Shape;

/* Costs of one layer or of a whole model, by the rules of DESIGN.md section 2. */
typedef struct Counts {
    int64_t params;      /* trainable scalars; BN running statistics excluded */
    int64_t macs;        /* multiply-accumulates of convs and linears, one clip */
    int64_t act_elems;   /* elements of the layer's output, one clip */
    int64_t int8_bytes;  /* int8 weight bytes after BN folding */
    int64_t int32_bytes; /* int32 bias bytes after BN folding */
} Counts;

enum { MAX_OP_ARGS = 8, MAX_STAGE_REFS = 16 };

/* One bound argument. Integers, pairs, booleans and choice indices use i[];
 * reals use real. `given` tells an explicit argument from a default. */
typedef struct ArgValue {
    int given;
    int i[2];
    double real;
} ArgValue;

struct OpDesc;

typedef struct Layer {
    const struct OpDesc *op;
    Loc loc;          /* the call in the spec */
    const char *name; /* stage1.bcres2net1: stage, operator, copy number if repeated */
    int stage;
    int repeat_index;
    ArgValue args[MAX_OP_ARGS];
    int refs[MAX_STAGE_REFS]; /* stages named by fpm, as indices */
    Loc ref_locs[MAX_STAGE_REFS];
    int nrefs;
    Shape in, out;
    int transition; /* bcres/bcres2net: a 1x1 conv changes the width first */
    Counts counts;
} Layer;

typedef struct StageInfo {
    const char *name;
    Loc loc;
    int first, count; /* its layers */
    Shape out;
} StageInfo;

typedef struct Budget {
    int has_params, has_macs;
    int64_t params, macs;
    Loc params_loc, macs_loc;
    const char *weights; /* "int8" or "fp32": the precision the parameter budget counts */
} Budget;

/* What the generated code allocates, from the lowering's memory plan (lower.h), in
 * values: training keeps activations for backward plus gradient slots and scratch. */
typedef struct MemoryPlan {
    int64_t train_per_clip, train_fixed, infer_per_clip;
} MemoryPlan;

typedef struct Model {
    const char *name;
    const char *file;
    Loc loc;
    Shape input;
    int classes;
    Budget budget;
    Layer *layers;
    int nlayers;
    StageInfo *stages;
    int nstages;
    Counts total;
    MemoryPlan memory;
    uint64_t hash; /* of the resolved layers: comments and spacing do not change it */
} Model;

/* Limits that keep every count inside 64 bits and every tensor addressable. */
enum {
    MODEL_MAX_CHANNELS = 8192,
    MODEL_MAX_EXTENT = 8192,  /* frequency bins or time frames */
    MODEL_MAX_KERNEL = 64,
    MODEL_MAX_REPEAT = 64,
    MODEL_MAX_LAYERS = 4096,
    MODEL_MAX_CLASSES = 10000,
};
#define MODEL_MAX_TENSOR_ELEMS ((int64_t)1 << 30)

#endif
