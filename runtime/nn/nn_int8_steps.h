/* The recipe of a model's INT8 constants, one entry per INT8 step: what ascc
 * emits with each model (<model>_int8_steps) and nn_i8_prepare (nn_int8_prepare.h)
 * turns into weight codes, biases and multipliers. Plain data, strict C99. */
#ifndef NN_INT8_STEPS_H
#define NN_INT8_STEPS_H

#include <stdint.h>

typedef enum NnI8PrepKind {
    /* codes w8[o * per + i]; w32: bias[G], mult[G], shift[G], G = channels * groups:
     * a conv, depthwise conv or linear with the norm after it folded in (groups =
     * its sub-bands) and a following relu as the clamp */
    NN_I8P_CONV,
    /* the BC blocks' relu(bn(sum of terms)): w32 mult[C], shift[C] per term; w64 bias16[C] */
    NN_I8P_SUM_NORM,
    /* a norm on a stored tensor: w32 k[G], b[G], mult[G], shift[G] */
    NN_I8P_AFFINE,
    NN_I8P_ADD,   /* w32: NnI8Add (nn_i8_add_load) */
    NN_I8P_MUL,   /* w32: NnI8Mul (nn_i8_mul_load) */
    NN_I8P_MEAN,  /* w32: mult, shift of x_scale / (count * y_scale) */
    NN_I8P_COPY,  /* w32: mult, shift of x_scale / y_scale */
    NN_I8P_LUT,   /* u8: 256 output codes */
    NN_I8P_RESNORM, /* w32 and w64: NnI8ResNorm (nn_i8_resnorm_load) */
} NnI8PrepKind;

enum { NN_I8_FN_SIGMOID, NN_I8_FN_SWISH };

/* int32 values of the stored NnI8Add, NnI8Mul and NnI8ResNorm (nn_int8_params.h). */
enum { NN_I8_ADD_VALUES = 8, NN_I8_MUL_VALUES = 7, NN_I8_RESNORM_VALUES = 6 };

/* One step's recipe: where its inputs live in the float model and where its
 * constants go. -1 marks what a step does not have. */
typedef struct NnI8Prep {
    int kind;
    int gy, gx[3];     /* grids of the output and the inputs */
    int64_t weight, bias;            /* parameter offsets */
    int64_t gamma, beta, mean, var;  /* a folded norm: parameters and running statistics */
    int channels, per_channel, groups; /* output channels, weights per channel, norm groups per channel */
    int relu;          /* clamp at the output's zero point */
    int nterms;        /* SUM_NORM */
    int count;         /* MEAN: values averaged; RESNORM: values per bin */
    double lambda;     /* RESNORM */
    int fn;            /* LUT: NN_I8_FN_* */
    int64_t at8, at32, at64, atu8; /* where the constants go */
} NnI8Prep;

/* The arrays nn_i8_prepare fills, and the same read-only for the INT8 forward
 * (the standalone classifier's are const arrays). */
typedef struct NnI8Weights {
    int8_t *w8;
    int32_t *w32;
    int64_t *w64;
    uint8_t *u8;
    float *wf;
} NnI8Weights;

typedef struct NnI8Constants {
    const int8_t *w8;
    const int32_t *w32;
    const int64_t *w64;
    const uint8_t *u8;
    const float *wf;
} NnI8Constants;

#endif
