/* The INT8 program of a model: the lowered float program (lower.h) regrouped into
 * the steps INT8 inference runs on one clip. A conv absorbs the norm and relu after
 * it, the BC blocks' sum absorbs its norm and relu, and every stored tensor lives on
 * its grid (int8_grid.c). Each step carries the recipe of its constants
 * (NnI8Prep, runtime/nn/nn_int8_steps.h), which asc and ascc's standalone emitter
 * both turn into numbers with nn_i8_prepare; the emitter prints the steps as calls
 * of the kernels in runtime/nn/nn_int8*.h. */
#ifndef ASCC_INT8_PLAN_H
#define ASCC_INT8_PLAN_H

#include "lower.h"
#include "nn_int8_steps.h"

typedef enum I8Kind {
    I8_QUANTIZE,  /* the float input onto its grid */
    I8_CONV,      /* conv, depthwise conv, 1x1 conv or linear (+ norm, + relu) */
    I8_SUM_NORM,  /* the BC blocks' relu(bn(g + x + broadcast(u))) */
    I8_AFFINE,    /* a norm on a stored tensor */
    I8_ADD,
    I8_MUL_T,     /* MFA: y = x * a, a broadcast over time */
    I8_MEAN,      /* over frequency, time, or both (global pooling) */
    I8_COPY,      /* codes onto another grid (a chunk into a concatenation) */
    I8_LUT,       /* sigmoid, swish */
    I8_RESNORM,
    I8_MOVE,      /* codes moved unchanged: max-pool, flatten, dropout, upsamplings, relu */
    I8_LOGITS,    /* the last layer's codes back to float */
} I8Kind;

typedef struct I8Step {
    I8Kind kind;
    const Prim *prim; /* the float step it starts from (shapes, comments) */
    const Prim *norm; /* a folded norm, or NULL */
    int relu;
    int y, x[3], nx;  /* tensors (views allowed) */
    NnI8Prep prep;    /* its constants' recipe; prep.kind -1 when it has none */
} I8Step;

typedef struct I8Program {
    const Program *p;
    I8Step *steps;
    int nsteps, cap;
    /* the constant arrays' sizes (NnI8Weights), grid table included */
    int64_t n8, n32, n64, nu8, nf;
    int64_t arena;           /* activation bytes for one clip */
    int64_t *offset;         /* per root tensor: its place in the arena, -1 if not stored */
} I8Program;

/* NULL, with a message in why, when the model has a step INT8 cannot run. */
I8Program *int8_plan(const Program *p, Arena *arena, char *why, size_t why_size);

#endif
