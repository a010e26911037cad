/* The INT8 program; see int8_plan.h. One pass over the float program's steps:
 * each becomes an INT8 step, or is absorbed into the one before it (a norm or relu
 * after a conv, a norm after a sum), then the activations get arena slots. */
#include "int8_plan.h"

#include <stdio.h>
#include <string.h>

#include "slots.h"

typedef struct Planner {
    I8Program *q;
    const Program *p;
    unsigned char *absorbed; /* per prim: part of an earlier INT8 step */
    char *why;
    size_t why_size;
} Planner;

static int root_of(const Program *p, int t) { return p->tensors[t].root; }

static int grid_of(const Program *p, int t) { return p->tensors[root_of(p, t)].grid; }

/* The one prim reading root r, or NULL when none or several do. */
static const Prim *sole_reader(const Program *p, int r) {
    const Prim *reader = NULL;
    for (int k = 0; k < p->nprims; k++)
        if (lw_reads_root(p, &p->prims[k], r)) {
            if (reader)
                return NULL;
            reader = &p->prims[k];
        }
    return reader;
}

static int unsupported(Planner *pl, const Prim *pr, const char *what) {
    snprintf(pl->why, pl->why_size, "%s: %s has no INT8 form", pl->p->tensors[pr->y >= 0 ? pr->y : pr->x].name,
             what);
    return 0;
}

static I8Step *add_step(Planner *pl, I8Kind kind, const Prim *pr, int y) {
    I8Program *q = pl->q;
    q->steps = arena_grow(pl->p->arena, q->steps, q->nsteps, &q->cap, sizeof *q->steps);
    I8Step *s = &q->steps[q->nsteps++];
    *s = (I8Step){.kind = kind, .prim = pr, .y = y, .x = {-1, -1, -1}};
    s->prep = (NnI8Prep){.kind = -1, .gy = y >= 0 ? grid_of(pl->p, y) : -1, .gx = {-1, -1, -1},
                         .weight = -1, .bias = -1, .gamma = -1, .beta = -1, .mean = -1, .var = -1,
                         .channels = 0, .groups = 1, .at8 = -1, .at32 = -1, .at64 = -1, .atu8 = -1};
    return s;
}

static void add_input(I8Step *s, const Program *p, int x) {
    s->x[s->nx] = x;
    s->prep.gx[s->nx] = grid_of(p, x);
    s->nx++;
}

/* A relu that reads only what prim pr writes, when INT8 does not store that:
 * it becomes pr's clamp. */
static void absorb_relu(Planner *pl, I8Step *s, int y) {
    const Program *p = pl->p;
    if (int8_materialises(p, root_of(p, y)))
        return;
    const Prim *relu = sole_reader(p, root_of(p, y));
    if (relu && relu->kind == P_RELU) {
        pl->absorbed[relu - p->prims] = 1;
        s->y = relu->y;
        s->relu = 1;
    }
}

static void fold_norm(Planner *pl, I8Step *s, const Prim *norm) {
    const Program *p = pl->p;
    pl->absorbed[norm - p->prims] = 1;
    s->norm = norm;
    s->y = norm->y;
    s->relu = norm->i[1];
    s->prep.gamma = p->params[norm->w].offset;
    s->prep.beta = p->params[norm->b].offset;
    s->prep.mean = p->stats[norm->stats].offset;
    s->prep.var = s->prep.mean + p->stats[norm->stats].groups;
    s->prep.groups = norm->i[0];
    if (!s->relu)
        absorb_relu(pl, s, norm->y);
}

/* A conv (any kind) or linear, with the norm or relu that alone reads it. */
static int plan_conv(Planner *pl, const Prim *pr) {
    const Program *p = pl->p;
    I8Step *s = add_step(pl, I8_CONV, pr, pr->y);
    add_input(s, p, pr->x);
    const ParamTensor *w = &p->params[pr->w];
    s->prep.kind = NN_I8P_CONV;
    s->prep.weight = w->offset;
    s->prep.bias = pr->b >= 0 ? p->params[pr->b].offset : -1;
    s->prep.channels = p->tensors[pr->y].c;
    s->prep.per_channel = (int)(w->count / s->prep.channels);
    if (!int8_materialises(p, root_of(p, pr->y))) {
        const Prim *next = sole_reader(p, root_of(p, pr->y));
        if (next && next->kind == P_NORM)
            fold_norm(pl, s, next);
        else
            absorb_relu(pl, s, pr->y);
    }
    if (s->prep.groups > 1 && pr->kind != P_DWCONV)
        return unsupported(pl, pr, "a sub-band norm after a conv that is not depthwise");
    s->prep.gy = grid_of(p, s->y);
    s->prep.relu = s->relu;
    return 1;
}

/* A sum: stored (ADD), or folded with the norm that alone reads it (SUM_NORM). */
static int plan_sum(Planner *pl, const Prim *pr) {
    const Program *p = pl->p;
    int terms[3] = {pr->x, pr->x2, pr->x3};
    if (int8_materialises(p, root_of(p, pr->y))) {
        if (pr->kind != P_ADD)
            return unsupported(pl, pr, "a broadcast sum without a norm after it");
        I8Step *s = add_step(pl, I8_ADD, pr, pr->y);
        add_input(s, p, pr->x);
        add_input(s, p, pr->x2);
        s->prep.kind = NN_I8P_ADD;
        return 1;
    }
    const Prim *norm = sole_reader(p, root_of(p, pr->y));
    if (!norm || norm->kind != P_NORM || norm->i[0] != 1)
        return unsupported(pl, pr, "a sum read by something other than one batch norm");
    I8Step *s = add_step(pl, I8_SUM_NORM, pr, pr->y);
    for (int j = 0; j < 3; j++)
        if (terms[j] >= 0)
            add_input(s, p, terms[j]);
    fold_norm(pl, s, norm);
    s->prep.kind = NN_I8P_SUM_NORM;
    s->prep.nterms = s->nx;
    s->prep.channels = p->tensors[pr->y].c;
    s->prep.gy = grid_of(p, s->y);
    s->prep.relu = s->relu;
    return 1;
}

/* Steps that only move codes need their output on their input's grid. */
static int plan_move(Planner *pl, const Prim *pr) {
    const Program *p = pl->p;
    if (grid_of(p, pr->x) != grid_of(p, pr->y)) {
        if (pr->kind != P_COPY && pr->kind != P_DROPOUT && pr->kind != P_RELU)
            return unsupported(pl, pr, "a step that moves codes onto another grid");
        I8Step *s = add_step(pl, I8_COPY, pr, pr->y);
        add_input(s, p, pr->x);
        s->relu = s->prep.relu = pr->kind == P_RELU;
        s->prep.kind = NN_I8P_COPY;
        return 1;
    }
    I8Step *s = add_step(pl, I8_MOVE, pr, pr->y);
    add_input(s, p, pr->x);
    s->relu = pr->kind == P_RELU;
    return 1;
}

static int plan_prim(Planner *pl, const Prim *pr) {
    const Program *p = pl->p;
    I8Step *s;
    switch (pr->kind) {
    case P_CONV1X1: case P_CONV: case P_DWCONV: case P_LINEAR:
        return plan_conv(pl, pr);
    case P_ADD: case P_BCAST_ADD_F:
        return plan_sum(pl, pr);
    case P_NORM:
        s = add_step(pl, I8_AFFINE, pr, pr->y);
        add_input(s, p, pr->x);
        s->prep.channels = p->tensors[pr->y].c;
        fold_norm(pl, s, pr);
        s->prep.kind = NN_I8P_AFFINE;
        s->prep.gy = grid_of(p, s->y);
        s->prep.relu = s->relu;
        return 1;
    case P_SIGMOID: case P_SWISH:
        s = add_step(pl, I8_LUT, pr, pr->y);
        add_input(s, p, pr->x);
        s->prep.kind = NN_I8P_LUT;
        s->prep.fn = pr->kind == P_SWISH ? NN_I8_FN_SWISH : NN_I8_FN_SIGMOID;
        return 1;
    case P_MEAN_F: case P_MEAN_T: case P_GLOBALPOOL: {
        const Tensor *x = &p->tensors[pr->x];
        s = add_step(pl, I8_MEAN, pr, pr->y);
        add_input(s, p, pr->x);
        s->prep.kind = NN_I8P_MEAN;
        s->prep.count = pr->kind == P_MEAN_F ? x->f : pr->kind == P_MEAN_T ? x->t : x->f * x->t;
        return 1;
    }
    case P_RESNORM: {
        const Tensor *x = &p->tensors[pr->x];
        s = add_step(pl, I8_RESNORM, pr, pr->y);
        add_input(s, p, pr->x);
        s->prep.kind = NN_I8P_RESNORM;
        s->prep.count = x->c * x->t;
        s->prep.lambda = pr->r;
        return 1;
    }
    case P_BCAST_MUL_T:
        s = add_step(pl, I8_MUL_T, pr, pr->y);
        add_input(s, p, pr->x);
        add_input(s, p, pr->x2);
        s->prep.kind = NN_I8P_MUL;
        return 1;
    case P_RELU: case P_COPY: case P_DROPOUT: case P_MAXPOOL: case P_FLATTEN:
    case P_PIXEL_SHUFFLE: case P_UPSAMPLE_NEAREST:
        return plan_move(pl, pr);
    case P_LOGITS:
        s = add_step(pl, I8_LOGITS, pr, -1);
        add_input(s, p, pr->x);
        return 1;
    case P_AVGPOOL:
        return unsupported(pl, pr, "avgpool");
    }
    return unsupported(pl, pr, "this step");
}

/* Places each step's constants in the arrays, after the grid table. */
static void place_constants(I8Program *q, const Program *p) {
    q->n32 = q->nf = p->ngrids;
    for (int i = 0; i < q->nsteps; i++) {
        NnI8Prep *r = &q->steps[i].prep;
        int64_t groups = (int64_t)r->channels * r->groups;
        switch (r->kind) {
        case NN_I8P_CONV:
            r->at8 = q->n8, q->n8 += (int64_t)r->channels * r->per_channel;
            r->at32 = q->n32, q->n32 += 4 * groups; /* bias, mult, shift, offset */
            break;
        case NN_I8P_SUM_NORM:
            r->at32 = q->n32, q->n32 += (int64_t)(r->nterms + 1) * r->channels; /* mults, shifts */
            r->at64 = q->n64, q->n64 += r->channels;
            break;
        case NN_I8P_AFFINE:
            r->at32 = q->n32, q->n32 += 4 * groups;
            break;
        case NN_I8P_ADD:
            r->at32 = q->n32, q->n32 += NN_I8_ADD_VALUES;
            break;
        case NN_I8P_MUL:
            r->at32 = q->n32, q->n32 += NN_I8_MUL_VALUES;
            break;
        case NN_I8P_MEAN: case NN_I8P_COPY:
            r->at32 = q->n32, q->n32 += 2;
            break;
        case NN_I8P_LUT:
            r->atu8 = q->nu8, q->nu8 += 256;
            break;
        case NN_I8P_RESNORM:
            r->at32 = q->n32, q->n32 += NN_I8_RESNORM_VALUES;
            r->at64 = q->n64, q->n64 += 1;
            break;
        }
    }
}

/* Arena slots (bytes, one clip) for the stored tensors, reused after their last
 * reader; a step's output never shares memory with its inputs. */
static void place_activations(I8Program *q, const Program *p, Arena *arena) {
    int *first = arena_alloc(arena, sizeof(int) * (size_t)p->ntensors);
    int *last = arena_alloc(arena, sizeof(int) * (size_t)p->ntensors);
    q->offset = arena_alloc(arena, sizeof(int64_t) * (size_t)p->ntensors);
    for (int i = 0; i < p->ntensors; i++)
        first[i] = last[i] = -1, q->offset[i] = -1;
    for (int k = 0; k < q->nsteps; k++) {
        const I8Step *s = &q->steps[k];
        int touched[4] = {s->y, s->x[0], s->x[1], s->x[2]};
        for (int j = 0; j < 4; j++)
            if (touched[j] >= 0) {
                int r = root_of(p, touched[j]);
                first[r] = first[r] < 0 ? k : first[r];
                last[r] = k;
            }
    }
    SlotList slots = {.arena = arena};
    for (int k = 0; k < q->nsteps; k++) {
        for (int r = 0; r < p->ntensors; r++)
            if (first[r] == k)
                q->offset[r] = slots_alloc(&slots, (int64_t)p->tensors[r].c * p->tensors[r].f *
                                                       p->tensors[r].t);
        for (int r = 0; r < p->ntensors; r++)
            if (last[r] == k)
                slots_free(&slots, q->offset[r], (int64_t)p->tensors[r].c * p->tensors[r].f *
                                                     p->tensors[r].t);
    }
    q->arena = slots.top;
}

I8Program *int8_plan(const Program *p, Arena *arena, char *why, size_t why_size) {
    I8Program *q = arena_alloc(arena, sizeof *q);
    *q = (I8Program){.p = p};
    Planner pl = {.q = q, .p = p, .why = why, .why_size = why_size};
    pl.absorbed = arena_alloc(arena, (size_t)p->nprims + 1); /* zeroed */
    add_step(&pl, I8_QUANTIZE, NULL, p->input);
    for (int k = 0; k < p->nprims; k++)
        if (!pl.absorbed[k] && !plan_prim(&pl, &p->prims[k]))
            return NULL;
    place_constants(q, p);
    place_activations(q, p, arena);
    return q;
}
