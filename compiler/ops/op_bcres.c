/* bcres2net(out, scales = 4, subbands = 4, dropout = 0.1) and bcres(out, subbands = 4,
 * dropout = 0.1): broadcast residual blocks (DESIGN.md section 3).
 *   transition (input width != out): z = relu(bn(conv1x1(x))), g = F2(z),
 *     y = relu(bn(g + broadcast_F(u)));   normal: g = F2(x), y = relu(bn(x + g + u)),
 *   with u = drop(conv1x1(F1(mean_F(g)))). F2 is a depthwise 3x1 conv + ssn, F1 a
 *   depthwise 1x3 conv + relu; bcres2net applies them Res2Net-style to `scales`
 *   chunks, bcres to all channels at once. */
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
        if (scales > 1 && i >= 1)
            count_saved(c, shape_elems(chunk)); /* x_i + y_(i-1) */
        count_conv(c, cc, cc, kf, kt, cc, chunk, 0);
        if (ssn_subbands > 0)
            count_norm(c, cc, ssn_subbands, 1, 0);
        count_saved(c, shape_elems(chunk)); /* normaliser or relu output */
    }
}

void bcres_block_counts(Counts *c, int cin, int cout, int f, int t, int scales,
                        int subbands) {
    Shape full = {cout, f, t};
    if (cin != cout) {
        count_conv(c, cin, cout, 1, 1, 1, full, 0);
        count_norm(c, cout, 1, 1, 0);
        count_saved(c, 2 * shape_elems(full)); /* bn and relu outputs */
    }
    count_split_path(c, cout, f, t, scales, 3, 1, subbands);
    count_saved(c, (int64_t)cout * t); /* mean over frequency */
    count_split_path(c, cout, 1, t, scales, 1, 3, 0);
    count_conv(c, cout, cout, 1, 1, 1, (Shape){cout, 1, t}, 0);
    count_saved(c, (int64_t)cout * t); /* after channel dropout */
    count_norm(c, cout, 1, 0, 0);      /* after the residual sum: does not fold */
    count_saved(c, 3 * shape_elems(full)); /* sum, bn and relu outputs */
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

const OpDesc op_bcres2net = {
    .name = "bcres2net",
    .summary = "BC-Res2Net block: broadcast residual learning with Res2Net splits",
    .args = bcres2net_args,
    .nargs = 4,
    .npositional = 1,
    .infer = block_infer,
    .count = block_count,
};

const OpDesc op_bcres = {
    .name = "bcres",
    .summary = "BC-ResNet block: broadcast residual learning (DCASE 2021)",
    .args = bcres2net_args,
    .nargs = 3, /* no `scales` */
    .npositional = 1,
    .infer = block_infer,
    .count = block_count,
};
