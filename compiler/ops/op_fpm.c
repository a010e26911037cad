/* fpm(stage, ..., width = D, upsample = conv): the feature pyramid module. Laterals
 * map every named stage to D channels; top-down from the deepest stage p = L_k and,
 * for each shallower stage, p = up(p) + L_i, where up is the identity on the same
 * grid and a 2x upsampling on a grid twice as fine (a 1x1 conv D -> 4D with
 * pixel shuffle, or nearest). After each step a smoothing bcres2net(D) block and a
 * global average pool give one D-vector; the k vectors, deepest first, make k*D. */
#include <stdio.h>

#include "lower.h"
#include "ops.h"

enum { FPM_STAGES, FPM_WIDTH, FPM_UPSAMPLE };
enum { UPSAMPLE_CONV, UPSAMPLE_NEAREST };
enum { FPM_SMOOTH_SCALES = 4, FPM_SMOOTH_SUBBANDS = 4 };

static const char *const upsample_choices[] = {"conv", "nearest", NULL};

static const ArgSpec fpm_args[] = {
    [FPM_STAGES] = {"stages", ARG_STAGES, 1, 0, 1, MAX_STAGE_REFS, NULL},
    [FPM_WIDTH] = {"width", ARG_INT, 1, 0, 1, MODEL_MAX_CHANNELS, NULL},
    [FPM_UPSAMPLE] = {"upsample", ARG_CHOICE, 0, UPSAMPLE_CONV, 0, 0, upsample_choices},
};

static Shape ref_shape(const Layer *l, const Model *m, int i) {
    return m->stages[l->refs[i]].out;
}

/* Each stage must share the grid of the next deeper one or be exactly twice as fine. */
static int fpm_check_grids(const Layer *l, const Model *m, Diag *d) {
    for (int i = 0; i + 1 < l->nrefs; i++) {
        Shape fine = ref_shape(l, m, i), coarse = ref_shape(l, m, i + 1);
        int same = fine.f == coarse.f && fine.t == coarse.t;
        int twice = fine.f == 2 * coarse.f && fine.t == 2 * coarse.t;
        if (!same && !twice) {
            diag_error(d, l->ref_locs[i],
                       "fpm: stage '%s' (%d x %d) must have the grid of '%s' (%d x %d) or twice it",
                       m->stages[l->refs[i]].name, fine.f, fine.t,
                       m->stages[l->refs[i + 1]].name, coarse.f, coarse.t);
            return 0;
        }
    }
    return 1;
}

static int fpm_infer(Layer *l, const Model *m, Diag *d) {
    int width = l->args[FPM_WIDTH].i[0];
    if (!fpm_check_grids(l, m, d))
        return 0;
    if (width % FPM_SMOOTH_SCALES != 0) {
        LAYER_ERROR(d, l, "fpm: width %d does not split into the %d scales of its smoothing blocks",
                    width, FPM_SMOOTH_SCALES);
        return 0;
    }
    for (int i = 0; i < l->nrefs; i++) {
        if (ref_shape(l, m, i).f % FPM_SMOOTH_SUBBANDS != 0) {
            diag_error(d, l->ref_locs[i],
                       "fpm: stage '%s' has %d frequency bins, which do not split into %d sub-bands",
                       m->stages[l->refs[i]].name, ref_shape(l, m, i).f, FPM_SMOOTH_SUBBANDS);
            return 0;
        }
    }
    l->out = (Shape){l->nrefs * width, 1, 1};
    return 1;
}

static void fpm_count(Layer *l, const Layer *prev, const Model *m) {
    (void)prev;
    Counts *c = &l->counts;
    int width = l->args[FPM_WIDTH].i[0];
    for (int i = 0; i < l->nrefs; i++) {
        Shape s = ref_shape(l, m, i);
        count_conv(c, s.c, width, 1, 1, 1, (Shape){width, s.f, s.t}, 0);
    }
    for (int i = l->nrefs - 1; i >= 0; i--) {
        Shape s = ref_shape(l, m, i);
        if (i + 1 < l->nrefs && s.f != ref_shape(l, m, i + 1).f) {
            Shape coarse = ref_shape(l, m, i + 1);
            if (l->args[FPM_UPSAMPLE].i[0] == UPSAMPLE_CONV)
                count_conv(c, width, 4 * width, 1, 1, 1, (Shape){4 * width, coarse.f, coarse.t}, 0);
        }
        bcres_block_counts(c, width, width, s.f, s.t, FPM_SMOOTH_SCALES, FPM_SMOOTH_SUBBANDS);
    }
}

/* Laterals, then top-down from the deepest stage; the pooled vector of step j
 * (deepest first) fills channels j*D .. j*D + D - 1 of the output. */
static int fpm_lower(Program *p, const Layer *l, int x) {
    (void)x;
    int width = l->args[FPM_WIDTH].i[0], k = l->nrefs;
    int lateral[MAX_STAGE_REFS];
    char what[48];
    for (int i = 0; i < k; i++) {
        snprintf(what, sizeof what, "lateral%d", i + 1);
        lateral[i] = lw_conv1x1(p, what, p->stage_out[l->refs[i]], width);
    }
    int out = lw_tensor(p, "", k * width, 1, 1);
    int top = lateral[k - 1];
    for (int i = k - 1; i >= 0; i--) {
        const Tensor *lat = &p->tensors[lateral[i]];
        if (i < k - 1) {
            int up = top;
            if (p->tensors[top].f != lat->f) {
                snprintf(what, sizeof what, "up%d", i + 1);
                if (l->args[FPM_UPSAMPLE].i[0] == UPSAMPLE_CONV) {
                    int wide = lw_conv1x1(p, what, top, 4 * width);
                    snprintf(what, sizeof what, "shuffle%d", i + 1);
                    up = lw_tensor(p, what, width, lat->f, lat->t);
                    lw_prim(p, P_PIXEL_SHUFFLE, what, wide, up);
                } else {
                    up = lw_tensor(p, what, width, lat->f, lat->t);
                    lw_prim(p, P_UPSAMPLE_NEAREST, what, top, up);
                }
            }
            snprintf(what, sizeof what, "merge%d", i + 1);
            top = lw_add(p, what, up, lateral[i]);
        }
        snprintf(what, sizeof what, "smooth%d", i + 1);
        int smooth = lw_bcres_block(p, what, top, width, FPM_SMOOTH_SCALES, FPM_SMOOTH_SUBBANDS, 0.1);
        snprintf(what, sizeof what, "pool%d", i + 1);
        lw_globalpool_into(p, what, smooth, lw_view(p, out, (k - 1 - i) * width, width, what));
    }
    return out;
}

const OpDesc op_fpm = {
    .name = "fpm",
    .summary = "feature pyramid module over named stages",
    .args = fpm_args,
    .nargs = 3,
    .npositional = 0,
    .infer = fpm_infer,
    .count = fpm_count,
    .lower = fpm_lower,
};
