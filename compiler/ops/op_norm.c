/* bn and ssn(subbands): batch normalisation per channel, and SubSpectral Norm, the
 * same per channel and frequency sub-band. Directly after a conv of the same stage
 * they fold into it for INT8. */
#include "lower.h"
#include "ops.h"

/* A norm folds when the conv feeding it is in the same chain. */
static int norm_folds(const Layer *l, const Layer *prev, int *conv_had_bias) {
    *conv_had_bias = 0;
    if (!prev || prev->stage != l->stage || prev->op != &op_conv)
        return 0;
    *conv_had_bias = conv_has_bias(prev);
    return 1;
}

static void bn_count(Layer *l, const Layer *prev, const Model *m) {
    (void)m;
    int had_bias;
    int folded = norm_folds(l, prev, &had_bias);
    count_norm(&l->counts, l->out.c, 1, folded, had_bias);
}

static int bn_lower(Program *p, const Layer *l, int x) {
    return lw_fuses_next_relu(p, l) ? lw_norm_relu(p, "", x, 1) : lw_norm(p, "", x, 1);
}


const OpDesc op_bn = {
    .name = "bn",
    .summary = "batch normalisation (eps 1e-5, momentum 0.1, affine)",
    .args = NULL,
    .nargs = 0,
    .npositional = 0,
    .infer = op_same_shape,
    .count = bn_count,
    .lower = bn_lower,
};

enum { SSN_SUBBANDS };

static const ArgSpec ssn_args[] = {
    [SSN_SUBBANDS] = {"subbands", ARG_INT, 0, 4, 1, MODEL_MAX_EXTENT, NULL},
};

static int ssn_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    int s = l->args[SSN_SUBBANDS].i[0];
    if (l->in.f % s != 0) {
        LAYER_ERROR(d, l, "ssn: %d frequency bins do not split into %d sub-bands", l->in.f, s);
        return 0;
    }
    l->out = l->in;
    return 1;
}

static void ssn_count(Layer *l, const Layer *prev, const Model *m) {
    (void)m;
    int had_bias;
    int folded = norm_folds(l, prev, &had_bias);
    count_norm(&l->counts, l->out.c, l->args[SSN_SUBBANDS].i[0], folded, had_bias);
}

static int ssn_lower(Program *p, const Layer *l, int x) {
    int subbands = l->args[SSN_SUBBANDS].i[0];
    return lw_fuses_next_relu(p, l) ? lw_norm_relu(p, "", x, subbands) : lw_norm(p, "", x, subbands);
}

const OpDesc op_ssn = {
    .name = "ssn",
    .summary = "SubSpectral Norm: batch norm per channel and frequency sub-band",
    .args = ssn_args,
    .nargs = 1,
    .npositional = 1,
    .infer = ssn_infer,
    .count = ssn_count,
    .lower = ssn_lower,
};
