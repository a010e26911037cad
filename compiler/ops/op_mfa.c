/* mfa(scales = 4, ratio = 2): multi-scale frequency-channel attention, the paper's
 * MFA unit. A Res2Net split into `scales` chunks; chunk i > 1 passes through a
 * depthwise 3x3 conv, bn and relu (after adding the previous chunk's output for
 * i > 2), and every chunk is reweighted by its own attention
 * a = sigmoid(W2 relu(W1 mean_T(y))), W1: cc -> q and W2: q -> cc 1x1 convs shared
 * across frequency bins. */
#include "ops.h"

enum { MFA_SCALES, MFA_RATIO };

static const ArgSpec mfa_args[] = {
    [MFA_SCALES] = {"scales", ARG_INT, 0, 4, 2, 16, NULL},
    [MFA_RATIO] = {"ratio", ARG_INT, 0, 2, 1, 64, NULL},
};

int mfa_attention_width(int cc, int ratio) {
    int q = cc / ratio;
    return q % 2 ? q + 1 : q;
}

static int mfa_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    int scales = l->args[MFA_SCALES].i[0];
    if (l->in.c % scales != 0) {
        LAYER_ERROR(d, l, "mfa: %d channels do not split into %d scales (%d is not divisible by %d)",
                    l->in.c, scales, l->in.c, scales);
        return 0;
    }
    if (mfa_attention_width(l->in.c / scales, l->args[MFA_RATIO].i[0]) == 0) {
        LAYER_ERROR(d, l, "mfa: chunks of %d channels leave no attention width at ratio %d",
                    l->in.c / scales, l->args[MFA_RATIO].i[0]);
        return 0;
    }
    l->out = l->in;
    return 1;
}

static void mfa_count(Layer *l, const Layer *prev, const Model *m) {
    (void)prev;
    (void)m;
    Counts *c = &l->counts;
    int scales = l->args[MFA_SCALES].i[0];
    int cc = l->in.c / scales, f = l->in.f, t = l->in.t;
    int q = mfa_attention_width(cc, l->args[MFA_RATIO].i[0]);
    Shape chunk = {cc, f, t};
    for (int i = 1; i < scales; i++) {
        if (i >= 2)
            count_saved(c, shape_elems(chunk)); /* x_i + y_(i-1) */
        count_conv(c, cc, cc, 3, 3, cc, chunk, 0);
        count_norm(c, cc, 1, 1, 0);
        count_saved(c, 2 * shape_elems(chunk)); /* bn and relu outputs */
    }
    for (int i = 0; i < scales; i++) {
        count_saved(c, (int64_t)cc * f); /* mean over time */
        count_conv(c, cc, q, 1, 1, 1, (Shape){q, f, 1}, 0);
        count_saved(c, (int64_t)q * f); /* relu */
        count_conv(c, q, cc, 1, 1, 1, (Shape){cc, f, 1}, 0);
        count_saved(c, (int64_t)cc * f + shape_elems(chunk)); /* sigmoid, reweighted */
    }
}

const OpDesc op_mfa = {
    .name = "mfa",
    .summary = "multi-scale frequency-channel attention (Res2Net split, per-chunk attention)",
    .args = mfa_args,
    .nargs = 2,
    .npositional = 1,
    .infer = mfa_infer,
    .count = mfa_count,
};
