/* mfa(scales = 4, ratio = 2): multi-scale frequency-channel attention, the paper's
 * MFA unit. A Res2Net split into `scales` chunks; chunk i > 1 passes through a
 * depthwise 3x3 conv, bn and relu (after adding the previous chunk's output for
 * i > 2), and every chunk is reweighted by its own attention
 * a = sigmoid(W2 relu(W1 mean_T(y))), W1: cc -> q and W2: q -> cc 1x1 convs shared
 * across frequency bins. */
#include <stdio.h>

#include "lower.h"
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
        count_conv(c, cc, cc, 3, 3, cc, chunk, 0);
        count_norm(c, cc, 1, 1, 0);
    }
    for (int i = 0; i < scales; i++) {
        count_conv(c, cc, q, 1, 1, 1, (Shape){q, f, 1}, 0);
        count_conv(c, q, cc, 1, 1, 1, (Shape){cc, f, 1}, 0);
    }
}

/* Chunk i's frequency-channel attention: reweights k by sigmoid(W2 relu(W1 mean_T(k)))
 * and writes the result into y. */
static void lower_attention(Program *p, int i, int k, int q, int y) {
    char what[48];
    const Tensor *kt = &p->tensors[k];
    snprintf(what, sizeof what, "att%d.mean", i + 1);
    int m = lw_tensor(p, what, kt->c, kt->f, 1);
    lw_prim(p, P_MEAN_T, what, k, m);
    snprintf(what, sizeof what, "att%d.fc1", i + 1);
    int h = lw_conv1x1(p, what, m, q);
    snprintf(what, sizeof what, "att%d.relu", i + 1);
    int r = lw_relu(p, what, h);
    snprintf(what, sizeof what, "att%d.fc2", i + 1);
    int a0 = lw_conv1x1(p, what, r, kt->c);
    snprintf(what, sizeof what, "att%d.sigmoid", i + 1);
    int a = lw_unary_into(p, P_SIGMOID, what, a0, lw_tensor(p, what, kt->c, kt->f, 1));
    snprintf(what, sizeof what, "att%d.out", i + 1);
    lw_prim(p, P_BCAST_MUL_T, what, k, y)->x2 = a;
}

/* y_1 = A_1(x_1), y_2 = A_2(K_2(x_2)), y_i = A_i(K_i(x_i + y_(i-1))), concatenated. */
static int mfa_lower(Program *p, const Layer *l, int x) {
    int scales = l->args[MFA_SCALES].i[0], cc = l->in.c / scales;
    int q = mfa_attention_width(cc, l->args[MFA_RATIO].i[0]);
    int y = lw_tensor(p, "", l->out.c, l->out.f, l->out.t);
    int prev = -1;
    for (int i = 0; i < scales; i++) {
        char what[48];
        snprintf(what, sizeof what, "x%d", i + 1);
        int xi = lw_view(p, x, i * cc, cc, what);
        snprintf(what, sizeof what, "y%d", i + 1);
        int yi = lw_view(p, y, i * cc, cc, what);
        int k = xi;
        if (i > 0) {
            int src = xi;
            if (i > 1) {
                snprintf(what, sizeof what, "sum%d", i + 1);
                src = lw_add(p, what, xi, prev);
            }
            snprintf(what, sizeof what, "dw%d", i + 1);
            int c = lw_dwconv(p, what, src, 3, 3);
            snprintf(what, sizeof what, "bn%d", i + 1);
            k = lw_norm_relu(p, what, c, 1);
        }
        lower_attention(p, i, k, q, yi);
        prev = yi;
    }
    return y;
}

const OpDesc op_mfa = {
    .name = "mfa",
    .summary = "multi-scale frequency-channel attention (Res2Net split, per-chunk attention)",
    .args = mfa_args,
    .nargs = 2,
    .npositional = 1,
    .infer = mfa_infer,
    .count = mfa_count,
    .lower = mfa_lower,
};
