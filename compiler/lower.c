/* Lowering and memory planning; see lower.h. Activations are all kept for backward
 * (one slot each); gradients share slots by liveness, since each is needed only
 * from its first write in backward until the backward of the step that made it. */
#include "lower.h"

#include <stdio.h>
#include <string.h>

#include "ops.h"
#include "slots.h"

/* "stage1.bcres2net1" + "f2_sum3" -> "stage1_bcres2net1_f2_sum3". */
static const char *c_name(Program *p, const char *what) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s%s%s", p->layer ? p->layer->name : "", what[0] && p->layer ? "_" : "",
             what);
    for (char *c = buf; *c; c++)
        if (*c == '.')
            *c = '_';
    return arena_strdup(p->arena, buf);
}

/* Tensor names become C identifiers, so a repeated name gets a number. */
static const char *unique_name(Program *p, const char *name) {
    for (int i = p->ntensors - 1; i >= 0; i--)
        if (strcmp(p->tensors[i].name, name) == 0) {
            char buf[200];
            snprintf(buf, sizeof buf, "%s_%d", name, p->ntensors);
            return arena_strdup(p->arena, buf);
        }
    return name;
}

static int add_tensor(Program *p, Tensor t) {
    p->tensors = arena_grow(p->arena, p->tensors, p->ntensors, &p->tensor_cap, sizeof t);
    t.name = unique_name(p, t.name);
    t.grad_offset = -1;
    p->tensors[p->ntensors] = t;
    if (p->tensors[p->ntensors].root < 0)
        p->tensors[p->ntensors].root = p->ntensors;
    return p->ntensors++;
}

/* "f2.dw2" + "weight" -> "f2.dw2.weight"; an empty `what` gives just "weight". */
static const char *join(char buf[96], const char *what, const char *leaf) {
    snprintf(buf, 96, "%s%s%s", what, what[0] ? "." : "", leaf);
    return buf;
}

int lw_tensor(Program *p, const char *what, int c, int f, int t) {
    return add_tensor(p, (Tensor){.name = c_name(p, what), .c = c, .f = f, .t = t, .root = -1});
}

int lw_view(Program *p, int of, int ch_offset, int c, const char *what) {
    const Tensor *base = &p->tensors[of];
    return add_tensor(p, (Tensor){.name = c_name(p, what), .c = c, .f = base->f, .t = base->t,
                                  .root = base->root, .ch_offset = base->ch_offset + ch_offset});
}

int lw_fixed(Program *p, const char *what, int64_t count) {
    return add_tensor(p, (Tensor){.name = c_name(p, what), .c = (int)count, .f = 1, .t = 1,
                                  .root = -1, .fixed = 1});
}

int lw_param(Program *p, const char *what, ParamKind kind, int s0, int s1, int s2, int s3,
             int fan_in) {
    p->params = arena_grow(p->arena, p->params, p->nparams, &p->param_cap, sizeof *p->params);
    char buf[160];
    snprintf(buf, sizeof buf, "%s.%s", p->layer->name, what);
    ParamTensor *t = &p->params[p->nparams];
    *t = (ParamTensor){.name = arena_strdup(p->arena, buf), .kind = kind, .offset = p->param_floats,
                       .count = (int64_t)s0 * s1 * s2 * s3, .shape = {s0, s1, s2, s3},
                       .fan_in = fan_in, .layer = p->layer_index};
    p->param_floats += t->count;
    return p->nparams++;
}

int lw_stats(Program *p, int groups) {
    p->stats = arena_grow(p->arena, p->stats, p->nstats, &p->stats_cap, sizeof *p->stats);
    p->stats[p->nstats] = (StatsSlot){.offset = p->stats_floats, .groups = groups};
    p->stats_floats += 2 * (int64_t)groups;
    return p->nstats++;
}

Prim *lw_prim(Program *p, PrimKind kind, const char *note, int x, int y) {
    p->prims = arena_grow(p->arena, p->prims, p->nprims, &p->prim_cap, sizeof *p->prims);
    Prim *pr = &p->prims[p->nprims++];
    *pr = (Prim){.kind = kind, .layer = p->layer, .note = note, .x = x, .x2 = -1, .x3 = -1,
                 .y = y, .aux = -1, .w = -1, .b = -1, .stats = -1};
    return pr;
}

int lw_conv1x1(Program *p, const char *what, int x, int cout) {
    const Tensor *in = &p->tensors[x];
    int cin = in->c, f = in->f, t = in->t;
    char name[96];
    int w = lw_param(p, join(name, what, "weight"), PARAM_WEIGHT, cout, cin, 1, 1, cin);
    int y = lw_tensor(p, what, cout, f, t);
    Prim *pr = lw_prim(p, P_CONV1X1, what, x, y);
    pr->w = w;
    return y;
}

int lw_norm(Program *p, const char *what, int x, int subbands) {
    const Tensor *in = &p->tensors[x];
    return lw_norm_into(p, what, x, subbands, lw_tensor(p, what, in->c, in->f, in->t));
}

int lw_norm_into(Program *p, const char *what, int x, int subbands, int y) {
    int groups = p->tensors[x].c * subbands;
    char name[96];
    int gamma = lw_param(p, join(name, what, "scale"), PARAM_NORM_SCALE, groups, 1, 1, 1, 0);
    int beta = lw_param(p, join(name, what, "shift"), PARAM_NORM_SHIFT, groups, 1, 1, 1, 0);
    int saved = lw_fixed(p, join(name, what, "saved"), 2 * (int64_t)groups);
    Prim *pr = lw_prim(p, P_NORM, what, x, y);
    pr->w = gamma;
    pr->b = beta;
    pr->aux = saved;
    pr->stats = lw_stats(p, groups);
    pr->i[0] = subbands;
    return y;
}

int lw_norm_relu(Program *p, const char *what, int x, int subbands) {
    const Tensor *in = &p->tensors[x];
    int y = lw_norm_into(p, what, x, subbands, lw_tensor(p, what, in->c, in->f, in->t));
    p->prims[p->nprims - 1].i[1] = 1; /* fused relu */
    return y;
}

static int is_norm_layer(const Layer *l) {
    return strcmp(l->op->name, "bn") == 0 || strcmp(l->op->name, "ssn") == 0;
}

int lw_fuses_next_relu(const Program *p, const Layer *l) {
    const Model *m = p->model;
    int i = (int)(l - m->layers);
    return i + 1 < m->nlayers && is_norm_layer(l) && strcmp(m->layers[i + 1].op->name, "relu") == 0 &&
           m->layers[i + 1].stage == l->stage;
}

int lw_relu_fused_into_previous(const Program *p, const Layer *l) {
    int i = (int)(l - p->model->layers);
    return i > 0 && lw_fuses_next_relu(p, &p->model->layers[i - 1]);
}

int lw_relu(Program *p, const char *what, int x) {
    const Tensor *in = &p->tensors[x];
    return lw_unary_into(p, P_RELU, what, x, lw_tensor(p, what, in->c, in->f, in->t));
}

int lw_unary_into(Program *p, PrimKind kind, const char *what, int x, int y) {
    lw_prim(p, kind, what, x, y);
    return y;
}

int lw_add(Program *p, const char *what, int a, int b) {
    const Tensor *in = &p->tensors[a];
    int y = lw_tensor(p, what, in->c, in->f, in->t);
    lw_prim(p, P_ADD, what, a, y)->x2 = b;
    return y;
}

int lw_dwconv(Program *p, const char *what, int x, int kf, int kt) {
    const Tensor *in = &p->tensors[x];
    char name[96];
    int w = lw_param(p, join(name, what, "weight"), PARAM_WEIGHT, in->c, 1, kf, kt, kf * kt);
    int y = lw_tensor(p, what, in->c, in->f, in->t);
    Prim *pr = lw_prim(p, P_DWCONV, what, x, y);
    pr->w = w;
    int ints[] = {kf, kt, 1, 1, kf / 2, kt / 2, in->c};
    for (int i = 0; i < 7; i++)
        pr->i[i] = ints[i];
    return y;
}

int lw_globalpool_into(Program *p, const char *what, int x, int y) {
    lw_prim(p, P_GLOBALPOOL, what, x, y);
    return y;
}

/* Activation slots in order; fixed buffers after all per-clip ones. */
static void plan_activations(Program *p) {
    for (int i = 0; i < p->ntensors; i++) {
        Tensor *t = &p->tensors[i];
        if (t->root != i || t->external)
            continue;
        int64_t size = (int64_t)t->c * t->f * t->t;
        if (t->fixed) {
            t->offset = p->act_fixed;
            p->act_fixed += size;
        } else {
            t->offset = p->act_per_clip;
            p->act_per_clip += size;
        }
    }
}

/* A gradient slot lives from the backward of the root's last consumer (its first
 * write) to the backward of its first producer (its last read). */
static void plan_gradients(Program *p) {
    int *first_write = arena_alloc(p->arena, sizeof(int) * (size_t)p->ntensors);
    int *last_read = arena_alloc(p->arena, sizeof(int) * (size_t)p->ntensors);
    for (int i = 0; i < p->ntensors; i++)
        first_write[i] = -1, last_read[i] = p->nprims;
    for (int k = 0; k < p->nprims; k++) {
        const Prim *pr = &p->prims[k];
        int ins[3] = {pr->x, pr->x2, pr->x3};
        for (int j = 0; j < 3; j++)
            if (ins[j] >= 0)
                first_write[p->tensors[ins[j]].root] = k;
        if (pr->y >= 0 && last_read[p->tensors[pr->y].root] == p->nprims)
            last_read[p->tensors[pr->y].root] = k;
    }
    SlotList fl = {.arena = p->arena};
    for (int k = p->nprims - 1; k >= 0; k--) {
        for (int i = 0; i < p->ntensors; i++) {
            Tensor *t = &p->tensors[i];
            if (t->root == i && !t->fixed && !t->external && first_write[i] == k)
                t->grad_offset = slots_alloc(&fl, (int64_t)t->c * t->f * t->t);
        }
        for (int i = 0; i < p->ntensors; i++) {
            Tensor *t = &p->tensors[i];
            if (t->root == i && t->grad_offset >= 0 && last_read[i] == k)
                slots_free(&fl, t->grad_offset, (int64_t)t->c * t->f * t->t);
        }
    }
    p->grad_per_clip = fl.top;
}

int lw_reads_root(const Program *p, const Prim *q, int root) {
    int ins[3] = {q->x, q->x2, q->x3};
    for (int j = 0; j < 3; j++)
        if (ins[j] >= 0 && p->tensors[ins[j]].root == root)
            return 1;
    return 0;
}

int lw_infer_fuses_norm(const Program *p, int k) {
    const Prim *pr = &p->prims[k];
    if ((pr->kind != P_DWCONV && pr->kind != P_BCAST_ADD_F) || k + 1 >= p->nprims)
        return 0;
    const Prim *norm = &p->prims[k + 1];
    if (norm->kind != P_NORM || norm->x != pr->y || norm->layer != pr->layer)
        return 0;
    for (int j = 0; j < p->nprims; j++)
        if (j != k + 1 && lw_reads_root(p, &p->prims[j], p->tensors[pr->y].root))
            return 0;
    return 1;
}

/* Per-clip gradient ranges of roots a and b overlap. */
static int grad_overlap(const Tensor *a, const Tensor *b) {
    int64_t a_end = a->grad_offset + (int64_t)a->c * a->f * a->t;
    int64_t b_end = b->grad_offset + (int64_t)b->c * b->f * b->t;
    return a->grad_offset < b_end && b->grad_offset < a_end;
}

/* Fused, a channel's norm passes find its conv output in cache (forward), and the
 * conv's backward finds the norm's dx in cache. The norm's groups lie within
 * channels. Nothing may run between the steps: the conv output must have no INT8
 * grid to round to. Backward writes the conv's input gradient channel by channel
 * while the norm still reads later channels of its output gradient, so the two
 * may not share memory (the planner may reuse a slot freed at the norm's step). */
int lw_train_fuses_norm(const Program *p, int k) {
    const Prim *pr = &p->prims[k];
    if (pr->kind != P_DWCONV || k + 1 >= p->nprims)
        return 0;
    const Prim *norm = &p->prims[k + 1];
    if (norm->kind != P_NORM || norm->x != pr->y || norm->layer != pr->layer)
        return 0;
    const Tensor *c = &p->tensors[pr->y];
    if (c->root != pr->y || c->grid >= 0)
        return 0;
    const Tensor *dx = &p->tensors[p->tensors[pr->x].root];
    const Tensor *dy = &p->tensors[p->tensors[norm->y].root];
    return dx->external || !grad_overlap(dx, dy);
}

/* Inference keeps nothing for backward: a tensor's slot is free again after its
 * last reader, so the arena holds only what is live at once. A step fused with
 * the norm after it still reads its inputs while the norm writes. */
static void plan_inference(Program *p) {
    int *first = arena_alloc(p->arena, sizeof(int) * (size_t)p->ntensors);
    int *last = arena_alloc(p->arena, sizeof(int) * (size_t)p->ntensors);
    for (int i = 0; i < p->ntensors; i++)
        first[i] = -1, last[i] = -1;
    for (int k = 0; k < p->nprims; k++) {
        const Prim *pr = &p->prims[k];
        int touched[] = {pr->x, pr->x2, pr->x3, pr->y, pr->aux};
        for (int j = 0; j < 5; j++) {
            if (touched[j] < 0)
                continue;
            int r = p->tensors[touched[j]].root;
            if (first[r] < 0)
                first[r] = k;
            last[r] = k;
        }
        if (lw_infer_fuses_norm(p, k)) {
            int ins[3] = {pr->x, pr->x2, pr->x3};
            for (int j = 0; j < 3; j++)
                if (ins[j] >= 0)
                    last[p->tensors[ins[j]].root] = k + 1;
        }
    }
    SlotList fl = {.arena = p->arena};
    for (int k = 0; k < p->nprims; k++) {
        for (int i = 0; i < p->ntensors; i++) {
            Tensor *t = &p->tensors[i];
            if (t->root == i && !t->external && !t->fixed && first[i] == k)
                t->infer_offset = slots_alloc(&fl, (int64_t)t->c * t->f * t->t);
        }
        for (int i = 0; i < p->ntensors; i++) {
            Tensor *t = &p->tensors[i];
            if (t->root == i && !t->external && !t->fixed && last[i] == k)
                slots_free(&fl, t->infer_offset, (int64_t)t->c * t->f * t->t);
        }
    }
    p->infer_per_clip = fl.top;
}

/* Columns per chunk of a 1x1 conv's backward: NN_PW_CHUNK in runtime/nn/nn_pointwise.h. */
enum { PW_CHUNK = 1024 };

/* Scratch, per clip: the largest a step needs of the general conv's im2col buffer
 * and the 1x1 convs' partial weight gradients (one per chunk of columns, and
 * ceil(N*F*T/chunk) <= N*ceil(F*T/chunk)). */
static void plan_scratch(Program *p) {
    for (int k = 0; k < p->nprims; k++) {
        const Prim *pr = &p->prims[k];
        if (pr->kind != P_CONV && pr->kind != P_CONV1X1)
            continue;
        const Tensor *x = &p->tensors[pr->x], *y = &p->tensors[pr->y];
        int64_t need;
        if (pr->kind == P_CONV) {
            int groups = pr->i[6];
            int64_t rows = (int64_t)(x->c / groups) * pr->i[0] * pr->i[1];
            need = rows * y->f * y->t;
        } else {
            int64_t chunks = ((int64_t)x->f * x->t + PW_CHUNK - 1) / PW_CHUNK;
            need = chunks * ((int64_t)y->c * x->c + y->c);
        }
        if (need > p->col_per_clip)
            p->col_per_clip = need;
    }
}

static int is_op(const Layer *l, const char *name) { return strcmp(l->op->name, name) == 0; }

/* Activations are quantised where INT8 inference requantises: at layer outputs,
 * except where the next layer fuses in (a norm folds into the conv or linear
 * before it; a relu becomes the clamp of the layer before it), and after layers
 * that keep their input's grid (max-pool, dropout, flatten). */
static int is_quant_point(const Model *m, int i) {
    const Layer *l = &m->layers[i], *next = i + 1 < m->nlayers ? &m->layers[i + 1] : NULL;
    if (is_op(l, "maxpool") || is_op(l, "dropout") || is_op(l, "flatten"))
        return 0;
    int weighted = is_op(l, "conv") || is_op(l, "linear");
    if (next && weighted && (is_op(next, "bn") || is_op(next, "ssn")))
        return 0;
    if (next && is_op(next, "relu") && (weighted || is_op(l, "bn") || is_op(l, "ssn")))
        return 0;
    return 1;
}

Program *lower_model(const Model *m, Arena *arena) {
    Program *p = arena_alloc(arena, sizeof *p);
    p->model = m;
    p->arena = arena;
    p->stage_out = arena_alloc(arena, sizeof(int) * (size_t)(m->nstages + 1));
    p->layer_out = arena_alloc(arena, sizeof(int) * (size_t)(m->nlayers + 1));
    p->quant_index = arena_alloc(arena, sizeof(int) * (size_t)(m->nlayers + 1));
    p->input = add_tensor(p, (Tensor){.name = "input", .c = m->input.c, .f = m->input.f,
                                      .t = m->input.t, .root = -1, .external = 1});
    int x = p->input;
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        p->layer = l;
        p->layer_index = i;
        x = l->op->lower(p, l, x);
        p->layer_out[i] = x;
        p->quant_index[i] = is_quant_point(m, i) ? p->nquant++ : -1;
        const StageInfo *s = &m->stages[l->stage];
        if (i == s->first + s->count - 1)
            p->stage_out[l->stage] = x;
    }
    p->layer = NULL;
    /* The classifier is the last layer with parameters: fine-tuning re-initialises it. */
    for (int k = 0; k < p->nparams; k++)
        p->params[k].classifier = p->params[k].layer == p->params[p->nparams - 1].layer;
    p->output = x;
    lw_prim(p, P_LOGITS, "logits", x, -1);
    plan_int8_grids(p);
    plan_activations(p);
    plan_gradients(p);
    plan_inference(p);
    plan_scratch(p);
    return p;
}
