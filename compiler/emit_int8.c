/* The INT8 emitter; see emit_int8.h. Every step is one call of a kernel of
 * runtime/nn/nn_int8*.h with the shapes as literals; the constants are read from
 * the prepared arrays at the offsets the plan gave (w8 + 1234: a layer's weight
 * codes), the zero points and scales from the grid table (w32[g], wf[g]). */
#include "emit_int8.h"

#include <stdlib.h>
#include <string.h>

typedef struct I8Body {
    FILE *f;
    char *text;
    size_t len;
    unsigned char *used; /* per tensor: declare its pointer */
    const I8Program *q;
} I8Body;

#define OUT(...) fprintf(b->f, __VA_ARGS__)

static const char *tname(I8Body *b, int t) {
    b->used[t] = 1;
    return b->q->p->tensors[t].name;
}

static long long elems(const Tensor *t) { return (long long)t->c * t->f * t->t; }

static const Tensor *tensor(const I8Body *b, int t) { return &b->q->p->tensors[t]; }

static void step_comment(I8Body *b, const I8Step *s) {
    const Program *p = b->q->p;
    const char *layer = s->prim && s->prim->layer ? s->prim->layer->name : "";
    OUT("\n    /* %s%s%s", layer, layer[0] ? ": " : "", p->tensors[s->y >= 0 ? s->y : s->x[0]].name);
    if (s->norm)
        OUT(", %s folded", s->norm->i[0] > 1 ? "sub-band norm" : "norm");
    if (s->relu)
        OUT(", relu as the clamp");
    OUT(" */\n");
}

static void emit_conv(I8Body *b, const I8Step *s) {
    const Prim *pr = s->prim;
    const Tensor *x = tensor(b, s->x[0]), *y = tensor(b, s->y);
    const NnI8Prep *r = &s->prep;
    int groups = r->channels * r->groups;
    char rq[160];
    snprintf(rq, sizeof rq, "nn_i8_rq(w32 + %lld, %d, w32[%d], %d, w32 + %lld)",
             (long long)(r->at32 + groups), groups, r->gy, s->relu,
             (long long)(r->at32 + 3LL * groups));
    switch (pr->kind) {
    case P_CONV1X1:
        OUT("    nn_i8_conv1x1(%s, %s, w32[%d], w8 + %lld, w32 + %lld, %d, %d, %lld, %s);\n",
            tname(b, s->y), tname(b, s->x[0]), r->gx[0], (long long)r->at8, (long long)r->at32,
            x->c, y->c, (long long)x->f * x->t, rq);
        break;
    case P_LINEAR:
        OUT("    nn_i8_linear(%s, %s, w32[%d], w8 + %lld, w32 + %lld, %d, %d, 1, %s);\n",
            tname(b, s->y), tname(b, s->x[0]), r->gx[0], (long long)r->at8, (long long)r->at32,
            x->c, y->c, rq);
        break;
    case P_CONV:
        OUT("    {\n        static const NnI8ConvShape shape = {%d, %d, %d, 1, %d, %d, %d, %d, %d, %d, "
            "%d, %d, 1, 1, %d, %d};\n",
            x->c, y->c, pr->i[6], x->f, x->t, pr->i[0], pr->i[1], pr->i[2], pr->i[3], pr->i[4],
            pr->i[5], y->f, y->t);
        OUT("        nn_i8_conv(%s, %s, w32[%d], w8 + %lld, w32 + %lld, &shape, %s);\n    }\n",
            tname(b, s->y), tname(b, s->x[0]), r->gx[0], (long long)r->at8, (long long)r->at32, rq);
        break;
    default: /* P_DWCONV: one channel at a time, its sub-bands' multipliers */
        OUT("    {\n        static const NnI8ConvShape shape = {%d, %d, %d, 1, %d, %d, %d, %d, 1, 1, "
            "%d, %d, 1, 1, %d, %d};\n",
            x->c, y->c, x->c, x->f, x->t, pr->i[0], pr->i[1], pr->i[4], pr->i[5], y->f, y->t);
        OUT("        for (int c = 0; c < %d; c++)\n"
            "            nn_i8_dwconv_ssn_channel(c, %s, %s, w32[%d], w8 + %lld, w32 + %lld, &shape, %s, %d);\n    }\n",
            y->c, tname(b, s->y), tname(b, s->x[0]), r->gx[0], (long long)r->at8,
            (long long)r->at32, rq, r->groups);
    }
}

static void emit_sum_norm(I8Body *b, const I8Step *s) {
    const Tensor *y = tensor(b, s->y);
    const NnI8Prep *r = &s->prep;
    OUT("    {\n        const NnI8SumTerm terms[%d] = {\n", s->nx);
    for (int j = 0; j < s->nx; j++) {
        int broadcast = s->x[j] == s->prim->x3;
        OUT("            {%s, %s, w32[%d], w32 + %lld},\n", tname(b, s->x[j]),
            broadcast ? "NN_I8_BCAST_F" : "NN_I8_BCAST_NONE", r->gx[j],
            (long long)(r->at32 + (long long)j * r->channels));
    }
    char lo[24] = "0";
    if (s->relu)
        snprintf(lo, sizeof lo, "w32[%d]", r->gy);
    OUT("        };\n        nn_i8_sum_affine(%s, terms, %d, w32 + %lld, w64 + %lld, w32[%d], %s, 255, %d, 1, "
        "%d, %d);\n    }\n",
        tname(b, s->y), s->nx, (long long)(r->at32 + (long long)s->nx * r->channels),
        (long long)r->at64, r->gy, lo, y->c, y->f, y->t);
}

/* Steps that move codes without changing them. */
static void emit_move(I8Body *b, const I8Step *s) {
    const Prim *pr = s->prim;
    const Tensor *x = tensor(b, s->x[0]), *y = tensor(b, s->y);
    const char *yn = tname(b, s->y), *xn = tname(b, s->x[0]);
    switch (pr->kind) {
    case P_MAXPOOL:
        OUT("    nn_i8_maxpool(%s, %s, %d, %d, %d, %d, %d, %d, %d);\n", yn, xn, x->c, x->f, x->t,
            pr->i[0], pr->i[1], y->f, y->t);
        break;
    case P_FLATTEN:
        OUT("    nn_i8_flatten(%s, %s, %d, 1, %d, %d);\n", yn, xn, x->c, x->f, x->t);
        break;
    case P_PIXEL_SHUFFLE:
        OUT("    nn_i8_pixel_shuffle2(%s, %s, %d, 1, %d, %d);\n", yn, xn, y->c, x->f, x->t);
        break;
    case P_UPSAMPLE_NEAREST:
        OUT("    nn_i8_upsample_nearest2(%s, %s, %d, %d, %d);\n", yn, xn, x->c, x->f, x->t);
        break;
    default: /* copy, inference dropout, relu */
        OUT("    memcpy(%s, %s, %lld);\n", yn, xn, elems(y));
        if (s->relu)
            OUT("    nn_i8_clamp_inplace(%s, %lld, w32[%d], 255);\n", yn, elems(y), s->prep.gy);
    }
}

static const char *mean_axis(PrimKind k) {
    return k == P_MEAN_F ? "NN_I8_MEAN_F" : k == P_MEAN_T ? "NN_I8_MEAN_T" : "NN_I8_MEAN_FT";
}

static void emit_step(I8Body *b, const I8Step *s) {
    const NnI8Prep *r = &s->prep;
    const Program *p = b->q->p;
    if (s->kind != I8_QUANTIZE && s->kind != I8_LOGITS)
        step_comment(b, s);
    const Tensor *x = s->nx ? tensor(b, s->x[0]) : NULL;
    long long at32 = (long long)r->at32;
    switch (s->kind) {
    case I8_QUANTIZE:
        OUT("    /* the features onto the input's grid */\n"
            "    nn_i8_quantize(%s, features, %lld, wf[%d], w32[%d]);\n",
            tname(b, s->y), elems(tensor(b, s->y)), r->gy, r->gy);
        break;
    case I8_CONV:
        emit_conv(b, s);
        break;
    case I8_SUM_NORM:
        emit_sum_norm(b, s);
        break;
    case I8_AFFINE: {
        int groups = r->channels * r->groups;
        OUT("    nn_i8_affine(%s, %s, w32[%d], w32 + %lld, w32 + %lld, nn_i8_rq(w32 + %lld, %d, w32[%d], %d, NULL), "
            "%d, 1, %d, %d, %d);\n",
            tname(b, s->y), tname(b, s->x[0]), r->gx[0], at32, at32 + groups, at32 + 2LL * groups,
            groups, r->gy, s->relu, x->c, x->f, x->t, r->groups);
        break;
    }
    case I8_ADD:
        OUT("    {\n        const NnI8Add add = nn_i8_add_load(w32 + %lld);\n"
            "        nn_i8_add(%s, %s, %s, %lld, &add);\n    }\n",
            at32, tname(b, s->y), tname(b, s->x[0]), tname(b, s->x[1]), elems(x));
        break;
    case I8_MUL_T:
        OUT("    {\n        const NnI8Mul mul = nn_i8_mul_load(w32 + %lld);\n"
            "        nn_i8_mul_bcast(%s, %s, %s, %d, %d, %d, NN_I8_BCAST_T, &mul);\n    }\n",
            at32, tname(b, s->y), tname(b, s->x[0]), tname(b, s->x[1]), x->c, x->f, x->t);
        break;
    case I8_MEAN:
        OUT("    nn_i8_mean_rq(%s, %s, w32[%d], %d, %d, %d, %s, w32[%lld], w32[%lld], w32[%d]);\n",
            tname(b, s->y), tname(b, s->x[0]), r->gx[0], x->c, x->f, x->t, mean_axis(s->prim->kind),
            at32, at32 + 1, r->gy);
        break;
    case I8_COPY:
        OUT("    nn_i8_requant_copy(%s, %s, %lld, w32[%d], w32[%lld], w32[%lld], w32[%d], %s%d%s, 255);\n",
            tname(b, s->y), tname(b, s->x[0]), elems(x), r->gx[0], at32, at32 + 1, r->gy,
            s->relu ? "w32[" : "", s->relu ? r->gy : 0, s->relu ? "]" : "");
        break;
    case I8_LUT:
        OUT("    nn_i8_lut_apply(%s, %s, %lld, u8 + %lld);\n", tname(b, s->y), tname(b, s->x[0]),
            elems(x), (long long)r->atu8);
        break;
    case I8_RESNORM:
        OUT("    {\n        const NnI8ResNorm norm = nn_i8_resnorm_load(w32 + %lld, w64 + %lld);\n"
            "        nn_i8_resnorm(%s, %s, %d, 1, %d, %d, &norm);\n    }\n",
            at32, (long long)r->at64, tname(b, s->y), tname(b, s->x[0]), x->c, x->f, x->t);
        break;
    case I8_MOVE:
        emit_move(b, s);
        break;
    case I8_LOGITS:
        OUT("\n    /* the logits' codes back to float */\n"
            "    nn_i8_dequantize_logits(logits, %s, %d, 1, wf[%d], w32[%d]);\n",
            tname(b, s->x[0]), p->model->classes, r->gx[0], r->gx[0]);
        break;
    }
}

static void declare_activations(FILE *out, const I8Body *b) {
    const Program *p = b->q->p;
    for (int t = 0; t < p->ntensors; t++) {
        if (!b->used[t])
            continue;
        const Tensor *x = &p->tensors[t];
        long long at = (long long)(b->q->offset[x->root] + (int64_t)x->ch_offset * x->f * x->t);
        fprintf(out, "    uint8_t *%s = arena + %lld; /* %d x %d x %d */\n", x->name, at, x->c, x->f,
                x->t);
    }
}

void emit_int8_forward(FILE *out, const I8Program *q, const char *storage) {
    const Program *p = q->p;
    I8Body body = {.q = q}, *b = &body;
    b->used = calloc((size_t)p->ntensors, 1);
    b->f = open_memstream(&b->text, &b->len);
    for (int k = 0; k < q->nsteps; k++)
        emit_step(b, &q->steps[k]);
    fclose(b->f);
    fprintf(out,
            "/* INT8 inference of one clip: features[%d][%d] -> logits[%d], all arithmetic on\n"
            " * integers between the two ends (docs/int8.md); arena: %lld bytes. */\n"
            "%svoid %s_int8_forward(const NnI8Constants *w, const float *features, float *logits,\n"
            "    uint8_t *arena) {\n"
            "    const int8_t *w8 = w->w8;\n    const int32_t *w32 = w->w32;\n"
            "    const int64_t *w64 = w->w64;\n    const uint8_t *u8 = w->u8;\n"
            "    const float *wf = w->wf;\n"
            "    (void)w8, (void)w64, (void)u8;\n",
            p->model->input.f, p->model->input.t, p->model->classes, (long long)q->arena, storage,
            p->model->name);
    declare_activations(out, b);
    fwrite(b->text, 1, b->len, out);
    fputs("}\n", out);
    free(b->text);
    free(b->used);
}

void emit_int8_steps(FILE *out, const I8Program *q) {
    const char *m = q->p->model->name;
    fprintf(out,
            "/* The recipe of the INT8 constants, one entry per step that has any: what\n"
            " * nn_i8_prepare (runtime/nn/nn_int8_prepare.h) makes of the float model.\n"
            " * kind, output grid, input grids, weight, bias, norm scale, shift, mean, var,\n"
            " * channels, weights per channel, groups, relu, terms, count, lambda, fn, and\n"
            " * the offsets of its constants in w8, w32, w64, u8. */\n"
            "static const NnI8Prep %s_int8_steps[] = {\n", m);
    int n = 0;
    for (int k = 0; k < q->nsteps; k++) {
        const NnI8Prep *r = &q->steps[k].prep;
        if (r->kind < 0)
            continue;
        fprintf(out,
                "    {%d, %d, {%d, %d, %d}, %lld, %lld, %lld, %lld, %lld, %lld, %d, %d, %d, %d, %d, "
                "%d, %.17g, %d, %lld, %lld, %lld, %lld}, /* %s */\n",
                r->kind, r->gy, r->gx[0], r->gx[1], r->gx[2], (long long)r->weight,
                (long long)r->bias, (long long)r->gamma, (long long)r->beta, (long long)r->mean,
                (long long)r->var, r->channels, r->per_channel, r->groups, r->relu, r->nterms,
                r->count, r->lambda, r->fn, (long long)r->at8, (long long)r->at32,
                (long long)r->at64, (long long)r->atu8, q->p->tensors[q->steps[k].y].name);
        n++;
    }
    fprintf(out, "};\n\nconst AscInt8 %s_int8 = {\n"
                 "    .steps = %s_int8_steps, .nsteps = %d,\n"
                 "    .n8 = %lld, .n32 = %lld, .n64 = %lld, .nu8 = %lld, .nf = %lld,\n"
                 "    .arena = %lld, .forward = %s_int8_forward,\n};\n",
            m, m, n, (long long)q->n8, (long long)q->n32, (long long)q->n64, (long long)q->nu8,
            (long long)q->nf, (long long)q->arena, m);
}
