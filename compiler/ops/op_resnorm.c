/* resnorm(lambda = 0.1): y = lambda * x + (x - mean) / sqrt(var + 1e-8), the mean and
 * biased variance over channels and time for each clip and frequency bin. */
#include "ops.h"

static const ArgSpec resnorm_args[] = {
    {"lambda", ARG_REAL, 0, 0.1, 0, 100, NULL},
};

static void resnorm_count(Layer *l, const Layer *prev, const Model *m) {
    (void)prev;
    (void)m;
    /* Backward keeps the normalised tensor and one inverse deviation per bin. */
    count_saved(&l->counts, shape_elems(l->out) + l->out.f);
}

const OpDesc op_resnorm = {
    .name = "resnorm",
    .summary = "residual normalisation per frequency bin",
    .args = resnorm_args,
    .nargs = 1,
    .npositional = 1,
    .infer = op_same_shape,
    .count = resnorm_count,
};
