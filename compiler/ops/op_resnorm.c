/* resnorm(lambda = 0.1): y = lambda * x + (x - mean) / sqrt(var + 1e-8), the mean and
 * biased variance over channels and time for each clip and frequency bin. */
#include "lower.h"
#include "ops.h"

static const ArgSpec resnorm_args[] = {
    {"lambda", ARG_REAL, 0, 0.1, 0, 100, NULL},
};

static int resnorm_lower(Program *p, const Layer *l, int x) {
    int y = lw_tensor(p, "", l->out.c, l->out.f, l->out.t);
    Prim *pr = lw_prim(p, P_RESNORM, "", x, y);
    pr->aux = lw_tensor(p, "saved", 2, l->out.f, 1); /* mean and 1/std per clip and bin */
    pr->r = l->args[0].real;
    return y;
}

const OpDesc op_resnorm = {
    .name = "resnorm",
    .summary = "residual normalisation per frequency bin",
    .args = resnorm_args,
    .nargs = 1,
    .npositional = 1,
    .infer = op_same_shape,
    .lower = resnorm_lower,
};
