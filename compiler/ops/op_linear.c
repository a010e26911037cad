/* linear(out, bias = true): fully connected on a flat input; the last one gives the
 * logits. MACs use the true input size. */
#include "lower.h"
#include "ops.h"

enum { LINEAR_OUT, LINEAR_BIAS };

static const ArgSpec linear_args[] = {
    [LINEAR_OUT] = {"out", ARG_INT, 1, 0, 1, 65536, NULL},
    [LINEAR_BIAS] = {"bias", ARG_BOOL, 0, 1, 0, 1, NULL},
};

static int linear_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    if (l->in.f != 1 || l->in.t != 1) {
        LAYER_ERROR(d, l,
                    "linear: needs a flat input, got %d x %d x %d (add flatten or globalpool before it)",
                    l->in.c, l->in.f, l->in.t);
        return 0;
    }
    l->out = (Shape){l->args[LINEAR_OUT].i[0], 1, 1};
    return 1;
}

static void linear_count(Layer *l, const Layer *prev, const Model *m) {
    (void)prev;
    (void)m;
    count_linear(&l->counts, l->in.c, l->out.c, l->args[LINEAR_BIAS].i[0]);
}

static int linear_lower(Program *p, const Layer *l, int x) {
    int in = l->in.c, out = l->out.c;
    int w = lw_param(p, "weight", PARAM_WEIGHT, out, in, 1, 1, in);
    int b = l->args[LINEAR_BIAS].i[0] ? lw_param(p, "bias", PARAM_BIAS, out, 1, 1, 1, in) : -1;
    int y = lw_tensor(p, "", out, 1, 1);
    Prim *pr = lw_prim(p, P_LINEAR, "", x, y);
    pr->w = w;
    pr->b = b;
    return y;
}

const OpDesc op_linear = {
    .name = "linear",
    .summary = "fully connected layer with bias",
    .args = linear_args,
    .nargs = 2,
    .npositional = 1,
    .infer = linear_infer,
    .count = linear_count,
    .lower = linear_lower,
};
