/* relu, swish and sigmoid: element-wise, no parameters, no MACs. In INT8 relu is a
 * clamp; swish and sigmoid are 256-entry lookup tables. */
#include "lower.h"
#include "ops.h"

/* The activations differ only in their primitive. */
static int activation_lower(Program *p, const Layer *l, int x, PrimKind kind) {
    int y = lw_tensor(p, "", l->out.c, l->out.f, l->out.t);
    lw_prim(p, kind, "", x, y);
    return y;
}

/* A relu after a bn or ssn of the same stage is already applied by the norm. */
static int relu_lower(Program *p, const Layer *l, int x) {
    return lw_relu_fused_into_previous(p, l) ? x : activation_lower(p, l, x, P_RELU);
}
static int swish_lower(Program *p, const Layer *l, int x) { return activation_lower(p, l, x, P_SWISH); }
static int sigmoid_lower(Program *p, const Layer *l, int x) {
    return activation_lower(p, l, x, P_SIGMOID);
}

const OpDesc op_relu = {
    .name = "relu",
    .summary = "max(x, 0)",
    .infer = op_same_shape,
    .lower = relu_lower,
};

const OpDesc op_swish = {
    .name = "swish",
    .summary = "x * sigmoid(x)",
    .infer = op_same_shape,
    .lower = swish_lower,
};

const OpDesc op_sigmoid = {
    .name = "sigmoid",
    .summary = "1 / (1 + exp(-x))",
    .infer = op_same_shape,
    .lower = sigmoid_lower,
};
