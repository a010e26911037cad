/* dropout(p) and flatten: operators that move or mask values without counting. */
#include "ops.h"

static const ArgSpec dropout_args[] = {
    {"p", ARG_REAL, 0, 0.5, 0, 0.99, NULL},
};

const OpDesc op_dropout = {
    .name = "dropout",
    .summary = "zero elements with probability p in training",
    .args = dropout_args,
    .nargs = 1,
    .npositional = 1,
    .infer = op_same_shape,
    .count = op_count_output,
};

static int flatten_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    (void)d;
    l->out = (Shape){(int)shape_elems(l->in), 1, 1};
    return 1;
}

const OpDesc op_flatten = {
    .name = "flatten",
    .summary = "C x F x T to a vector of C*F*T",
    .infer = flatten_infer,
    .count = op_count_output,
};
