/* bcres2net(out, scales = 4, subbands = 4, dropout = 0.1) and bcres(out, subbands = 4,
 * dropout = 0.1): broadcast residual blocks (DESIGN.md section 3).
 *   transition (input width != out): z = relu(bn(conv1x1(x))), g = F2(z),
 *     y = relu(bn(g + broadcast_F(u)));   normal: g = F2(x), y = relu(bn(x + g + u)),
 *   with u = drop(conv1x1(F1(mean_F(g)))). F2 is a depthwise 3x1 conv + ssn, F1 a
 *   depthwise 1x3 conv + relu; bcres2net applies them Res2Net-style to `scales`
 *   chunks, bcres to all channels at once. */
#include <stdio.h>

#include "lower.h"
#include "ops.h"

/* One path of the block: depthwise convs of kf x kt over `width` channels on an
 * f x t grid, either whole (scales = 1) or on chunks 2..scales with the chunk sums
 * in between. ssn_subbands > 0 adds the folded SSN after each conv, else a relu. */
static void count_split_path(Counts *c, int width, int f, int t, int scales, int kf, int kt,
                             int ssn_subbands) {
    int cc = scales == 1 ? width : width / scales;
    int convs = scales == 1 ? 1 : scales - 1;
    Shape chunk = {cc, f, t};
    for (int i = 0; i < convs; i++) {
        count_conv(c, cc, cc, kf, kt, cc, chunk, 0);
        if (ssn_subbands > 0)
            count_norm(c, cc, ssn_subbands, 1, 0);
    }
}

void bcres_block_counts(Counts *c, int cin, int cout, int f, int t, int scales,
                        int subbands) {
    Shape full = {cout, f, t};
    if (cin != cout) {
        count_conv(c, cin, cout, 1, 1, 1, full, 0);
        count_norm(c, cout, 1, 1, 0);
    }
    count_split_path(c, cout, f, t, scales, 3, 1, subbands);
    count_split_path(c, cout, 1, t, scales, 1, 3, 0);
    count_conv(c, cout, cout, 1, 1, 1, (Shape){cout, 1, t}, 0);
    count_norm(c, cout, 1, 0, 0);      /* after the residual sum: does not fold */
}

/* A Res2Net path over x into a new tensor: chunk 1 is copied; chunk i > 1 goes
 * through a depthwise kf x kt conv (after adding output chunk i-1 when i > 2) and
 * then an SSN (ssn_subbands > 0) or a relu. scales = 1: one conv over all of x. */
static int lower_split_path(Program *p, const char *path, int x, int scales, int kf, int kt,
                            int ssn_subbands) {
    const Tensor *in = &p->tensors[x];
    int out = lw_tensor(p, path, in->c, in->f, in->t);
    if (scales == 1) {
        char what[48];
        snprintf(what, sizeof what, "%s.dw", path);
        int c = lw_dwconv(p, what, x, kf, kt);
        snprintf(what, sizeof what, "%s.%s", path, ssn_subbands ? "ssn" : "relu");
        return ssn_subbands ? lw_norm_into(p, what, c, ssn_subbands, out)
                            : lw_unary_into(p, P_RELU, what, c, out);
    }
    int cc = in->c / scales, chunk_in[16] = {0}, chunk_out[16] = {0};
    char what[48];
    for (int i = 0; i < scales; i++) {
        snprintf(what, sizeof what, "%s.in%d", path, i + 1);
        chunk_in[i] = lw_view(p, x, i * cc, cc, what);
        snprintf(what, sizeof what, "%s.out%d", path, i + 1);
        chunk_out[i] = lw_view(p, out, i * cc, cc, what);
    }
    snprintf(what, sizeof what, "%s.copy1", path);
    lw_unary_into(p, P_COPY, what, chunk_in[0], chunk_out[0]);
    for (int i = 1; i < scales; i++) {
        int src = chunk_in[i];
        if (i > 1) {
            snprintf(what, sizeof what, "%s.sum%d", path, i + 1);
            src = lw_add(p, what, src, chunk_out[i - 1]);
        }
        snprintf(what, sizeof what, "%s.dw%d", path, i + 1);
        int c = lw_dwconv(p, what, src, kf, kt);
        snprintf(what, sizeof what, "%s.%s%d", path, ssn_subbands ? "ssn" : "relu", i + 1);
        if (ssn_subbands)
            lw_norm_into(p, what, c, ssn_subbands, chunk_out[i]);
        else
            lw_unary_into(p, P_RELU, what, c, chunk_out[i]);
    }
    return out;
}

int lw_bcres_block(Program *p, const char *what, int x, int cout, int scales, int subbands,
                   double dropout) {
    char name[64];
#define SUB(s) (snprintf(name, sizeof name, "%s%s%s", what, what[0] ? "." : "", s), name)
    int cin = p->tensors[x].c, z = x;
    if (cin != cout) {
        int z0 = lw_conv1x1(p, SUB("conv_in"), x, cout);
        z = lw_norm_relu(p, SUB("bn_in"), z0, 1);
    }
    int g = lower_split_path(p, SUB("f2"), z, scales, 3, 1, subbands);
    const Tensor *gt = &p->tensors[g];
    int m = lw_tensor(p, SUB("mean_f"), cout, 1, gt->t);
    lw_prim(p, P_MEAN_F, SUB("mean_f"), g, m);
    int o = lower_split_path(p, SUB("f1"), m, scales, 1, 3, 0);
    int u = lw_conv1x1(p, SUB("conv_out"), o, cout);
    if (dropout > 0) {
        int ud = lw_tensor(p, SUB("drop"), cout, 1, gt->t);
        Prim *pr = lw_prim(p, P_DROPOUT, SUB("drop"), u, ud);
        pr->aux = lw_tensor(p, SUB("drop_mask"), cout, 1, 1);
        pr->i[0] = gt->t; /* one mask value per (channel, clip): channel dropout */
        pr->r = dropout;
        u = ud;
    }
    int s = lw_tensor(p, SUB("sum"), cout, gt->f, gt->t);
    Prim *sum = lw_prim(p, P_BCAST_ADD_F, SUB("sum"), g, s);
    sum->x2 = cin == cout ? x : -1;
    sum->x3 = u;
    int y = lw_norm_relu(p, SUB("bn"), s, 1);
#undef SUB
    return y;
}

enum { BLOCK_OUT, BLOCK_SUBBANDS, BLOCK_DROPOUT, BLOCK_SCALES };

static const ArgSpec bcres2net_args[] = {
    [BLOCK_OUT] = {"out", ARG_INT, 1, 0, 1, MODEL_MAX_CHANNELS, NULL},
    [BLOCK_SUBBANDS] = {"subbands", ARG_INT, 0, 4, 1, MODEL_MAX_EXTENT, NULL},
    [BLOCK_DROPOUT] = {"dropout", ARG_REAL, 0, 0.1, 0, 0.99, NULL},
    [BLOCK_SCALES] = {"scales", ARG_INT, 0, 4, 2, 16, NULL},
};

static int block_scales(const Layer *l) {
    return l->op->nargs > BLOCK_SCALES ? l->args[BLOCK_SCALES].i[0] : 1;
}

static int block_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    int out = l->args[BLOCK_OUT].i[0], subbands = l->args[BLOCK_SUBBANDS].i[0];
    int scales = block_scales(l);
    if (out % scales != 0) {
        LAYER_ERROR(d, l, "%s: %d channels do not split into %d scales (%d is not divisible by %d)",
                    l->op->name, out, scales, out, scales);
        return 0;
    }
    if (l->in.f % subbands != 0) {
        LAYER_ERROR(d, l, "%s: %d frequency bins do not split into %d sub-bands", l->op->name,
                    l->in.f, subbands);
        return 0;
    }
    l->transition = l->in.c != out;
    l->out = (Shape){out, l->in.f, l->in.t};
    return 1;
}

static void block_count(Layer *l, const Layer *prev, const Model *m) {
    (void)prev;
    (void)m;
    bcres_block_counts(&l->counts, l->in.c, l->out.c, l->in.f, l->in.t, block_scales(l),
                       l->args[BLOCK_SUBBANDS].i[0]);
}

static int block_lower(Program *p, const Layer *l, int x) {
    return lw_bcres_block(p, "", x, l->out.c, block_scales(l), l->args[BLOCK_SUBBANDS].i[0],
                          l->args[BLOCK_DROPOUT].real);
}

const OpDesc op_bcres2net = {
    .name = "bcres2net",
    .summary = "BC-Res2Net block: broadcast residual learning with Res2Net splits",
    .args = bcres2net_args,
    .nargs = 4,
    .npositional = 1,
    .infer = block_infer,
    .count = block_count,
    .lower = block_lower,
};

const OpDesc op_bcres = {
    .name = "bcres",
    .summary = "BC-ResNet block: broadcast residual learning (DCASE 2021)",
    .args = bcres2net_args,
    .nargs = 3, /* no `scales` */
    .npositional = 1,
    .infer = block_infer,
    .count = block_count,
    .lower = block_lower,
};
