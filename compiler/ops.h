/* Operator descriptors: everything the compiler knows about an operator sits in
 * one descriptor in one file under ops/: its arguments, its shape rule and its
 * counting rule. Adding an operator means adding a file and a line in ops.c. */
#ifndef ASCC_OPS_H
#define ASCC_OPS_H

#include "count.h"
#include "diag.h"
#include "model.h"

struct Program;

typedef enum ArgType {
    ARG_INT,     /* a whole number; arithmetic results are rounded */
    ARG_PAIR,    /* n, or (frequency, time) */
    ARG_REAL,
    ARG_BOOL,    /* true / false */
    ARG_CHOICE,  /* one word of `choices` */
    ARG_PADDING, /* n, (f, t), `same` (kernel / 2) or `valid` (0); stored -1 for same */
    ARG_STAGES,  /* positional stage names (fpm) */
} ArgType;

typedef struct ArgSpec {
    const char *name;
    ArgType type;
    int required;
    double def;
    double min, max;
    const char *const *choices; /* NULL-terminated, for ARG_CHOICE */
} ArgSpec;

typedef struct OpDesc {
    const char *name;
    const char *summary;
    const ArgSpec *args;
    int nargs;
    int npositional; /* how many leading arguments may be given without a name */
    /* Sets layer->out (and layer->transition) from layer->in and the arguments.
     * Reports an error at the layer and returns 0 when the input does not fit. */
    int (*infer)(Layer *layer, const Model *model, Diag *diag);
    /* Adds the layer's costs to layer->counts (NULL: no parameters, no MACs). prev
     * feeds this layer (NULL for the first), which decides whether a norm folds
     * into a conv. */
    void (*count)(Layer *layer, const Layer *prev, const Model *model);
    /* Appends the layer's primitive operations on input tensor x to the program
     * (lower.h) and returns its output tensor. */
    int (*lower)(struct Program *program, const Layer *layer, int x);
} OpDesc;

const OpDesc *op_find(const char *name);

/* The operator whose name is closest to `name`, for "did you mean" hints; NULL if
 * none is close. */
const char *op_suggest(const char *name);

/* Every operator, NULL-terminated, in the order `ascc --help` lists them. */
extern const OpDesc *const op_table[];

/* The pseudo-operator of `input logmel(freq = F, time = T)`. */
extern const OpDesc op_input_logmel;

/* Edit distance bounded by 3, for hints everywhere names are looked up. */
int name_distance(const char *a, const char *b);

/* Reports "what: out of range" style errors at a layer. */
#define LAYER_ERROR(diag, layer, ...) diag_error((diag), (layer)->loc, __VA_ARGS__)

extern const OpDesc op_conv;
int conv_has_bias(const Layer *conv);

/* The shape rule of operators that keep their input's shape. */
int op_same_shape(Layer *layer, const Model *model, Diag *diag);

/* Shared pieces of the composite blocks (ops/op_bcres.c): the costs of one
 * BC-(Res2)Net block at input width cin, output width cout on an f x t grid.
 * scales = 1 is the plain BC-ResNet block (one depthwise conv per path). */
void bcres_block_counts(Counts *c, int cin, int cout, int f, int t, int scales,
                        int subbands);

/* The width q of an MFA chunk's attention bottleneck: floor(cc / ratio), made even
 * by adding one when odd (15 gives 8, 25 gives 12, as the authors' code does). */
int mfa_attention_width(int cc, int ratio);

#endif
