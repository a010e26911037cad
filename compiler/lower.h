/* Lowering: every layer becomes a short list of primitive operations (convs,
 * norms, sums, broadcasts ...) on tensors, with its parameters laid out in one flat
 * buffer. The C emitter walks this list forward for the forward pass and backward
 * for the backward pass; each primitive knows how to print both. */
#ifndef ASCC_LOWER_H
#define ASCC_LOWER_H

#include "arena.h"
#include "model.h"

typedef enum PrimKind {
    P_CONV1X1, P_DWCONV, P_CONV, P_NORM, P_RELU, P_SIGMOID, P_SWISH, P_ADD, P_COPY,
    P_MAXPOOL, P_AVGPOOL, P_GLOBALPOOL, P_DROPOUT, P_FLATTEN, P_LINEAR, P_RESNORM,
    P_MEAN_F, P_MEAN_T, P_BCAST_ADD_F, P_BCAST_MUL_T, P_PIXEL_SHUFFLE, P_UPSAMPLE_NEAREST,
    P_LOGITS,
} PrimKind;

/* A tensor of C x N x F x T values (N, the batch, is known only at run time), or
 * a channel range of another (a view), or a buffer whose size does not grow with
 * N (fixed: saved batch statistics). */
typedef struct Tensor {
    const char *name; /* a C identifier */
    int c, f, t;
    int root;      /* the tensor owning the memory: itself unless a view */
    int ch_offset; /* a view's first channel in its root */
    int fixed;     /* size c*f*t, independent of N */
    int external;  /* the model input: the caller's buffer */
    int64_t offset;      /* root: per-clip (or fixed) position in the activation arena */
    int64_t grad_offset; /* root: per-clip position in the gradient arena, -1 if none */
    int64_t infer_offset; /* root: per-clip position in the inference arena (slots reused) */
    int grid;           /* root: its INT8 grid (quantisation range index), -1 if not stored */
    int grid_inherited; /* root: the grid is its input's (the step keeps codes) */
} Tensor;

typedef enum ParamKind { PARAM_WEIGHT, PARAM_BIAS, PARAM_NORM_SCALE, PARAM_NORM_SHIFT } ParamKind;

typedef struct ParamTensor {
    const char *name; /* stage1.bcres2net1.conv1x1.weight */
    ParamKind kind;
    int64_t offset, count;
    int shape[4];
    int fan_in;     /* for initialisation bounds */
    int classifier; /* belongs to the final layer (re-initialised by fine-tuning) */
    int layer;
} ParamTensor;

/* A norm's running mean and variance, `groups` of each, in the statistics buffer. */
typedef struct StatsSlot {
    int64_t offset;
    int groups;
} StatsSlot;

enum { PRIM_MAX_INTS = 14 };

typedef struct Prim {
    PrimKind kind;
    const Layer *layer;
    const char *note; /* what this step is within its layer, for comments */
    int x, x2, x3, y; /* tensors; -1 when unused */
    int aux;          /* saved tensor (statistics, masks, argmax); -1 when none */
    int w, b;         /* parameter tensors; -1 when none */
    int stats;        /* StatsSlot index; -1 when none */
    int i[PRIM_MAX_INTS];
    double r;
} Prim;

typedef struct Program {
    const Model *model;
    Tensor *tensors;
    int ntensors, tensor_cap;
    Prim *prims;
    int nprims, prim_cap;
    ParamTensor *params;
    int nparams, param_cap;
    int64_t param_floats;
    StatsSlot *stats;
    int nstats, stats_cap;
    int64_t stats_floats;
    int input, output; /* tensors */
    int64_t act_per_clip, act_fixed, grad_per_clip, col_per_clip, infer_per_clip;
    int *stage_out;   /* each stage's output tensor, for fpm */
    int *layer_out;   /* each layer's output tensor */
    int *quant_index; /* each layer's activation quantisation point, or -1 */
    int nquant;
    /* INT8 grids: the nquant layer points, then the input's, then internal ones */
    int ngrids, input_grid;
    /* while lowering */
    Arena *arena;
    const Layer *layer;
    int layer_index;
} Program;

Program *lower_model(const Model *model, Arena *arena);

/* The builder, for the operators' lower functions. */
int lw_tensor(Program *p, const char *what, int c, int f, int t);
int lw_view(Program *p, int of, int ch_offset, int c, const char *what);
int lw_fixed(Program *p, const char *what, int64_t count);
int lw_param(Program *p, const char *what, ParamKind kind, int s0, int s1, int s2, int s3,
             int fan_in);
int lw_stats(Program *p, int groups);
Prim *lw_prim(Program *p, PrimKind kind, const char *note, int x, int y);

/* Lowered building blocks that several operators share. */
int lw_conv1x1(Program *p, const char *what, int x, int cout);
int lw_norm(Program *p, const char *what, int x, int subbands);
int lw_norm_into(Program *p, const char *what, int x, int subbands, int y);
int lw_relu(Program *p, const char *what, int x);
/* relu(norm(x)) as one step: the norm's output is never stored. */
int lw_norm_relu(Program *p, const char *what, int x, int subbands);
/* A bn or ssn layer followed by a relu layer of its stage runs as one step; the
 * relu layer then lowers to nothing. */
int lw_fuses_next_relu(const Program *p, const Layer *l);
int lw_relu_fused_into_previous(const Program *p, const Layer *l);
int lw_unary_into(Program *p, PrimKind kind, const char *what, int x, int y);
int lw_add(Program *p, const char *what, int a, int b);
/* Depthwise kf x kt conv, stride 1, same size. */
int lw_dwconv(Program *p, const char *what, int x, int kf, int kt);
/* One BC-(Res2)Net block on x; scales = 1 is the plain BC-ResNet block. */
int lw_bcres_block(Program *p, const char *what, int x, int cout, int scales, int subbands,
                   double dropout);
int lw_globalpool_into(Program *p, const char *what, int x, int y);

/* 1 when prim q reads (a view of) root tensor `root`. */
int lw_reads_root(const Program *p, const Prim *q, int root);

/* Inference runs prim k (a depthwise conv or a frequency-broadcast sum) and the
 * norm right after it in the same layer as one step when that norm is the only
 * reader of prim k's output (runtime/nn/nn_fused.h). */
int lw_infer_fuses_norm(const Program *p, int k);

/* Training runs prim k (a depthwise conv) and the norm right after it as one loop
 * over channels, forward and backward, when nothing happens between them and the
 * conv's input gradient does not share memory with the norm's output gradient. */
int lw_train_fuses_norm(const Program *p, int k);

/* INT8 grids (int8_grid.c): every tensor INT8 inference stores gets one. */
void plan_int8_grids(Program *p);
/* 1 when INT8 inference stores root tensor r (no later step absorbs it). */
int int8_materialises(const Program *p, int r);
/* The root tensor whose values define grid g (not one that inherits it). */
int int8_grid_owner(const Program *p, int g);

#endif
