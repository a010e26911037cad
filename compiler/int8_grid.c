/* Which tensors INT8 inference materialises, and on which uint8 grid; see lower.h.
 *
 * INT8 inference stores a tensor as codes on a per-tensor grid unless a later step
 * absorbs it: a conv or linear whose only readers are norms (folded into its
 * weights) or relus (its clamp), a sum whose only readers are norms (the fused
 * sum + affine), a norm whose only readers are relus. Every other root is
 * materialised; its grid is
 *   - the layer's quantisation point when it is a layer output that QAT trained;
 *   - its input's grid when a step moves codes without changing them (max-pool,
 *     dropout in inference, flatten, the FPM's upsamplings, a relu on codes);
 *   - otherwise a grid of its own, calibrated after training (the internal points:
 *     chunk sums and paths inside the blocks, attention means, hidden layers and
 *     sigmoids, the FPM's laterals, and the input features).
 * Views share their root's grid, so every chunk written into a concatenation is
 * rounded onto the concatenation's grid as it is written. */
#include <string.h>

#include "lower.h"

static int is_conv(PrimKind k) {
    return k == P_CONV1X1 || k == P_CONV || k == P_DWCONV || k == P_LINEAR;
}

static int is_sum(PrimKind k) { return k == P_ADD || k == P_BCAST_ADD_F; }

/* Steps whose output codes are some of their input codes, on the input's grid. */
static int moves_codes(PrimKind k) {
    return k == P_MAXPOOL || k == P_DROPOUT || k == P_FLATTEN || k == P_PIXEL_SHUFFLE ||
           k == P_UPSAMPLE_NEAREST;
}

/* 1 when every reader of root r is of kind a or b (and there is one). */
static int only_read_by(const Program *p, int r, PrimKind a, PrimKind b) {
    int readers = 0;
    for (int k = 0; k < p->nprims; k++) {
        const Prim *q = &p->prims[k];
        if (!lw_reads_root(p, q, r))
            continue;
        if (q->kind != a && q->kind != b)
            return 0;
        readers++;
    }
    return readers > 0;
}

/* The prim that writes all of root r (r is not a view target), or NULL. */
static const Prim *sole_writer(const Program *p, int r) {
    const Prim *writer = NULL;
    for (int k = 0; k < p->nprims; k++) {
        const Prim *q = &p->prims[k];
        if (q->y < 0 || p->tensors[q->y].root != r)
            continue;
        if (writer || q->y != r)
            return NULL;
        writer = q;
    }
    return writer;
}

int int8_materialises(const Program *p, int r) {
    const Tensor *t = &p->tensors[r];
    if (t->root != r || t->fixed)
        return 0;
    if (t->external)
        return 1;
    const Prim *w = sole_writer(p, r);
    if (!w)
        return 1;
    if (is_conv(w->kind))
        return !only_read_by(p, r, P_NORM, P_RELU);
    if (is_sum(w->kind))
        return !only_read_by(p, r, P_NORM, P_NORM);
    if (w->kind == P_NORM)
        return !only_read_by(p, r, P_RELU, P_RELU);
    return 1;
}

static const Prim *writer_of(const Program *p, int r) {
    for (int k = 0; k < p->nprims; k++)
        if (p->prims[k].y >= 0 && p->tensors[p->prims[k].y].root == r)
            return &p->prims[k];
    return NULL;
}

/* The grid a step that keeps codes inherits, or -1 when r needs its own. */
static int inherited_grid(const Program *p, int r) {
    const Prim *w = sole_writer(p, r);
    if (!w)
        return -1;
    int in = p->tensors[w->x].root;
    if (moves_codes(w->kind) || (w->kind == P_RELU && p->tensors[in].grid >= 0))
        return p->tensors[in].grid;
    return -1;
}

void plan_int8_grids(Program *p) {
    for (int i = 0; i < p->ntensors; i++)
        p->tensors[i].grid = -1;
    for (int i = 0; i < p->model->nlayers; i++)
        if (p->quant_index[i] >= 0)
            p->tensors[p->tensors[p->layer_out[i]].root].grid = p->quant_index[i];
    p->ngrids = p->nquant;
    p->tensors[p->input].grid = p->input_grid = p->ngrids++;
    /* Roots in the order their first writer runs, so an inherited grid is known. */
    for (int k = 0; k < p->nprims; k++) {
        const Prim *pr = &p->prims[k];
        if (pr->y < 0)
            continue;
        int r = p->tensors[pr->y].root;
        Tensor *t = &p->tensors[r];
        if (t->grid >= 0 || writer_of(p, r) != pr || !int8_materialises(p, r))
            continue;
        int g = inherited_grid(p, r);
        t->grid_inherited = g >= 0;
        t->grid = g >= 0 ? g : p->ngrids++;
    }
}

int int8_grid_owner(const Program *p, int g) {
    for (int i = 0; i < p->ntensors; i++)
        if (p->tensors[i].root == i && p->tensors[i].grid == g && !p->tensors[i].grid_inherited)
            return i;
    return -1;
}
