/* dropout(p) and flatten: operators that move or mask values without counting. */
#include "lower.h"
#include "ops.h"

static const ArgSpec dropout_args[] = {
    {"p", ARG_REAL, 0, 0.5, 0, 0.99, NULL},
};

/* Element dropout: one mask value per element. */
static int dropout_lower(Program *p, const Layer *l, int x) {
    int y = lw_tensor(p, "", l->out.c, l->out.f, l->out.t);
    Prim *pr = lw_prim(p, P_DROPOUT, "", x, y);
    pr->aux = lw_tensor(p, "mask", l->out.c, l->out.f, l->out.t);
    pr->i[0] = 1; /* values per mask value */
    pr->r = l->args[0].real;
    return y;
}

const OpDesc op_dropout = {
    .name = "dropout",
    .summary = "zero elements with probability p in training",
    .args = dropout_args,
    .nargs = 1,
    .npositional = 1,
    .infer = op_same_shape,
    .lower = dropout_lower,
};

static int flatten_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    (void)d;
    l->out = (Shape){(int)shape_elems(l->in), 1, 1};
    return 1;
}

static int flatten_lower(Program *p, const Layer *l, int x) {
    int y = lw_tensor(p, "", l->out.c, 1, 1);
    lw_prim(p, P_FLATTEN, "", x, y);
    return y;
}

const OpDesc op_flatten = {
    .name = "flatten",
    .summary = "C x F x T to a vector of C*F*T",
    .infer = flatten_infer,
    .lower = flatten_lower,
};
