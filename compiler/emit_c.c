/* The C emitter; see emit_c.h. Bodies are printed into memory first so that only
 * the tensor and parameter pointers a function uses are declared at its top. */
#include "emit_c.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int8.h"
#include "ops.h"

typedef struct Body {
    FILE *f;
    char *text;
    size_t len;
    unsigned char *used_tensor; /* declare these activation pointers */
    unsigned char *used_grad;   /* ... gradient pointers */
    unsigned char *used_param;  /* ... parameter (and parameter-gradient) pointers */
    unsigned char **grad_init;  /* backward: per root, which channels hold a gradient */
    const Program *p;
    int backward;
    int infer; /* the inference-only forward: reused slots, no training branches */
} Body;

static const char *real_type(const EmitOptions *o) { return o->precision_double ? "double" : "float"; }

static void upper(char *dst, const char *src, size_t n) {
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = '\0';
}

/* Per-clip elements of a tensor. */
static long long elems(const Tensor *t) { return (long long)t->c * t->f * t->t; }

static const char *act(Body *b, int id) {
    b->used_tensor[id] = 1;
    return b->p->tensors[id].name;
}

static const char *grad_name(Body *b, int id) {
    static char buf[4][200];
    static int k;
    const Tensor *t = &b->p->tensors[id];
    if (t->external)
        return "dinput";
    b->used_grad[id] = 1;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "d_%s", t->name);
    return buf[k];
}

/* A parameter's value pointer, or (grad = 1) its gradient's; "NULL" for none. */
static const char *param(Body *b, int id, int grad) {
    static char buf[8][200];
    static int k;
    if (id < 0)
        return "NULL";
    b->used_param[id] |= grad ? 2 : 1;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s%s", grad ? "d_" : "", b->p->params[id].name);
    for (char *c = buf[k]; *c; c++)
        if (*c == '.')
            *c = '_';
    return buf[k];
}

#define OUT(...) fprintf(b->f, __VA_ARGS__)

/* Opens a parallel loop over `count` independent groups (channels, norm groups)
 * in the generated code; the kernel called in its body is inlined with constant
 * shapes, which a parallel region inside the kernel would hide. `work` is the
 * per-clip cost, scaled by N at run time. */
static void parallel_loop_at(Body *b, int indent, const char *var, const char *count,
                             long long work) {
    OUT("%*s#pragma omp parallel for schedule(static) if ((size_t)N * %lld >= NN_PARALLEL_MIN)\n"
        "%*sfor (int %s = 0; %s < %s; %s++)\n%*s",
        indent, "", work, indent, "", var, var, count, var, indent + 4, "");
}

static void parallel_loop(Body *b, const char *var, const char *count, long long work) {
    parallel_loop_at(b, 4, var, count, work);
}

/* The same loop with a block body of several calls; the caller closes it. */
static void parallel_block(Body *b, const char *var, const char *count, long long work) {
    OUT("    #pragma omp parallel for schedule(static) if ((size_t)N * %lld >= NN_PARALLEL_MIN)\n"
        "    for (int %s = 0; %s < %s; %s++) {\n",
        work, var, var, count, var);
}

static const char *str_int(int v) {
    static char buf[4][24];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%d", v);
    return buf[k];
}

static const char *conv_shape(const Program *p, const Prim *pr) {
    static char buf[160];
    const Tensor *x = &p->tensors[pr->x], *y = &p->tensors[pr->y];
    snprintf(buf, sizeof buf, "(ConvShape){%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d}",
             x->c, y->c, pr->i[6], x->f, x->t, y->f, y->t, pr->i[0], pr->i[1], pr->i[2], pr->i[3],
             pr->i[4], pr->i[5]);
    return buf;
}

static const char *norm_shape(const Program *p, const Prim *pr) {
    static char buf[96];
    const Tensor *x = &p->tensors[pr->x];
    snprintf(buf, sizeof buf, "(NormShape){%d, %d, N, %d, %d}", x->c, pr->i[0], x->f, x->t);
    return buf;
}

static void emit_forward_prim(Body *b, const Prim *pr) {
    const Program *p = b->p;
    const Tensor *x = pr->x >= 0 ? &p->tensors[pr->x] : NULL;
    const Tensor *y = pr->y >= 0 ? &p->tensors[pr->y] : NULL;
    switch (pr->kind) {
    case P_CONV1X1: {
        /* Inference (the inference-only forward, and this one with training = 0, which
         * must agree with it to the bit) is one GEMM; training runs the blocks. */
        char args[400], blocks[64];
        snprintf(args, sizeof args, "%s, %s, %s, %s, %d, %d, (size_t)N * %d", act(b, pr->y),
                 act(b, pr->x), param(b, pr->w, 0), param(b, pr->b, 0), x->c, y->c,
                 x->f * x->t);
        if (b->infer) {
            OUT("    conv1x1_forward(%s);\n", args);
            break;
        }
        snprintf(blocks, sizeof blocks, "conv1x1_blocks((size_t)N * %d)", x->f * x->t);
        OUT("    if (training) {\n");
        parallel_loop_at(b, 8, "k", blocks, elems(x) * y->c);
        OUT("conv1x1_forward_block(k, %s);\n    } else {\n        conv1x1_forward(%s);\n    }\n",
            args, args);
        break;
    }
    case P_DWCONV:
        parallel_loop(b, "c", str_int(x->c), elems(x) * pr->i[0] * pr->i[1]);
        OUT("dwconv_forward_channel(c, %s, %s, %s, N, %d, %d, %d, %d, %d, %d);\n", act(b, pr->y),
            act(b, pr->x), param(b, pr->w, 0), x->f, x->t, pr->i[0], pr->i[1], pr->i[4], pr->i[5]);
        break;
    case P_CONV:
        OUT("    conv_forward(%s, %s, %s, %s, scratch, %s, N);\n", act(b, pr->y), act(b, pr->x),
            param(b, pr->w, 0), param(b, pr->b, 0), conv_shape(p, pr));
        break;
    case P_NORM: {
        const StatsSlot *st = &p->stats[pr->stats];
        if (b->infer) {
            parallel_loop(b, "g", str_int(st->groups), elems(x));
            OUT("norm_forward_infer_group(g, %s, %s, %s, %s, stats + %lld, stats + %lld, %s, %d);\n",
                act(b, pr->y), act(b, pr->x), param(b, pr->w, 0), param(b, pr->b, 0),
                (long long)st->offset, (long long)(st->offset + st->groups), norm_shape(p, pr),
                pr->i[1]);
            break;
        }
        OUT("    if (training) {\n");
        parallel_loop_at(b, 8, "g", str_int(st->groups), elems(x));
        OUT("norm_forward_train_group(g, %s, %s, %s, %s, stats + %lld, stats + %lld, %s, %s, %d);\n",
            act(b, pr->y), act(b, pr->x), param(b, pr->w, 0), param(b, pr->b, 0),
            (long long)st->offset, (long long)(st->offset + st->groups), act(b, pr->aux),
            norm_shape(p, pr), pr->i[1]);
        OUT("    } else {\n");
        parallel_loop_at(b, 8, "g", str_int(st->groups), elems(x));
        OUT("norm_forward_infer_group(g, %s, %s, %s, %s, stats + %lld, stats + %lld, %s, %d);\n    }\n",
            act(b, pr->y), act(b, pr->x), param(b, pr->w, 0), param(b, pr->b, 0),
            (long long)st->offset, (long long)(st->offset + st->groups), norm_shape(p, pr),
            pr->i[1]);
        break;
    }
    case P_RELU:
    case P_SIGMOID:
    case P_SWISH:
    case P_COPY:
        OUT("    %s_forward(%s, %s, (size_t)N * %lld);\n",
            pr->kind == P_RELU ? "relu" : pr->kind == P_SIGMOID ? "sigmoid" : pr->kind == P_SWISH ? "swish" : "copy",
            act(b, pr->y), act(b, pr->x), elems(y));
        break;
    case P_ADD:
        OUT("    add_forward(%s, %s, %s, (size_t)N * %lld);\n", act(b, pr->y), act(b, pr->x),
            act(b, pr->x2), elems(y));
        break;
    case P_MAXPOOL:
        parallel_loop(b, "c", str_int(x->c), elems(x));
        OUT("maxpool_forward_channel(c, %s, %s, %s, N, %d, %d, %d, %d, %d, %d);\n", act(b, pr->y),
            b->infer ? "NULL" : act(b, pr->aux), act(b, pr->x), x->f, x->t, pr->i[0], pr->i[1],
            y->f, y->t);
        break;
    case P_AVGPOOL:
        OUT("    avgpool_forward(%s, %s, (PoolShape){%d * N, %d, %d, %d, %d, %d, %d});\n",
            act(b, pr->y), act(b, pr->x), x->c, x->f, x->t, pr->i[0], pr->i[1], y->f, y->t);
        break;
    case P_GLOBALPOOL:
        OUT("    globalpool_forward(%s, %s, %d * N, %d);\n", act(b, pr->y), act(b, pr->x), x->c,
            x->f * x->t);
        break;
    case P_DROPOUT:
        if (b->infer) {
            OUT("    copy_forward(%s, %s, (size_t)N * %lld);\n", act(b, pr->y), act(b, pr->x),
                elems(y));
            break;
        }
        OUT("    if (training)\n        dropout_forward(%s, %s, %s, (size_t)N * %lld, %d, %g, rng);\n",
            act(b, pr->y), act(b, pr->aux), act(b, pr->x), elems(y) / pr->i[0], pr->i[0], pr->r);
        OUT("    else\n        copy_forward(%s, %s, (size_t)N * %lld);\n", act(b, pr->y),
            act(b, pr->x), elems(y));
        break;
    case P_FLATTEN:
        OUT("    flatten_forward(%s, %s, %d, N, %d, %d);\n", act(b, pr->y), act(b, pr->x), x->c,
            x->f, x->t);
        break;
    case P_LINEAR:
        OUT("    linear_forward(%s, %s, %s, %s, %d, %d, N);\n", act(b, pr->y), act(b, pr->x),
            param(b, pr->w, 0), param(b, pr->b, 0), x->c, y->c);
        break;
    case P_RESNORM:
        parallel_loop(b, "k", "N", elems(x));
        OUT("resnorm_forward_clip(k, %s, %s, %s, %g, %d, N, %d, %d);\n", act(b, pr->y),
            act(b, pr->aux), act(b, pr->x), pr->r, x->c, x->f, x->t);
        break;
    case P_MEAN_F:
    case P_MEAN_T:
        parallel_loop(b, "c", str_int(x->c), elems(x));
        OUT("mean_%c_forward_channel(c, %s, %s, N, %d, %d);\n", pr->kind == P_MEAN_F ? 'f' : 't',
            act(b, pr->y), act(b, pr->x), x->f, x->t);
        break;
    case P_BCAST_ADD_F:
        parallel_loop(b, "c", str_int(y->c), elems(y));
        OUT("bcast_add_f_forward_channel(c, %s, %s, %s, %s, N, %d, %d);\n", act(b, pr->y),
            act(b, pr->x), pr->x2 >= 0 ? act(b, pr->x2) : "NULL", act(b, pr->x3), y->f, y->t);
        break;
    case P_BCAST_MUL_T:
        parallel_loop(b, "c", str_int(y->c), elems(y));
        OUT("bcast_mul_t_forward_channel(c, %s, %s, %s, N, %d, %d);\n", act(b, pr->y),
            act(b, pr->x), act(b, pr->x2), y->f, y->t);
        break;
    case P_PIXEL_SHUFFLE:
        parallel_loop(b, "c", str_int(y->c), elems(y));
        OUT("pixel_shuffle_forward_channel(c, %s, %s, N, %d, %d);\n", act(b, pr->y),
            act(b, pr->x), x->f, x->t);
        break;
    case P_UPSAMPLE_NEAREST:
        OUT("    upsample_nearest_forward(%s, %s, %d * N, %d, %d);\n", act(b, pr->y),
            act(b, pr->x), x->c, x->f, x->t);
        break;
    case P_LOGITS:
        OUT("    logits_forward(logits, %s, %d, N);\n", act(b, pr->x), x->c);
        break;
    }
}

/* Channels [lo, hi) of tensor id's root, and the root's bitmap of channels whose
 * gradient has been written in this backward pass. */
static unsigned char *grad_bitmap(Body *b, int id, int *lo, int *hi) {
    const Tensor *t = &b->p->tensors[id];
    const Tensor *root = &b->p->tensors[t->root];
    if (!b->grad_init[t->root])
        b->grad_init[t->root] = calloc((size_t)root->c, 1);
    *lo = t->ch_offset;
    *hi = t->ch_offset + t->c;
    return b->grad_init[t->root];
}

/* Zero-fills the root's gradient for channels [lo, hi) not yet written. */
static void zero_unwritten(Body *b, int id, unsigned char *init, int lo, int hi) {
    const Tensor *root = &b->p->tensors[b->p->tensors[id].root];
    long long plane = (long long)root->f * root->t;
    const char *dr = grad_name(b, b->p->tensors[id].root);
    for (int c = lo; c < hi;) {
        if (init[c]) {
            c++;
            continue;
        }
        int end = c;
        while (end < hi && !init[end])
            end++;
        OUT("    %snn_zero(%s + (size_t)N * %lld, (size_t)N * %lld);\n",
            root->external ? "if (dinput) " : "", dr, c * plane, (end - c) * plane);
        for (int k = c; k < end; k++)
            init[k] = 1;
        c = end;
    }
}

/* Before a kernel writes tensor id's gradient: 0 when it may overwrite (nothing
 * there yet), 1 when it must add. A partly written range is zero-filled first. */
static int grad_write(Body *b, int id) {
    int lo, hi;
    unsigned char *init = grad_bitmap(b, id, &lo, &hi);
    int any = 0, all = 1;
    for (int c = lo; c < hi; c++)
        any |= init[c], all &= init[c];
    if (!any) {
        memset(init + lo, 1, (size_t)(hi - lo));
        return 0;
    }
    if (!all)
        zero_unwritten(b, id, init, lo, hi);
    return 1;
}

/* Before a kernel reads tensor id's gradient: every channel must hold one. */
static void grad_read(Body *b, int id) {
    int lo, hi;
    unsigned char *init = grad_bitmap(b, id, &lo, &hi);
    zero_unwritten(b, id, init, lo, hi);
}

/* Kernels that cannot skip a NULL input gradient are guarded when their input is
 * the model's (whose gradient the caller may not want). */
static const char *guard(Body *b, int id) {
    return id >= 0 && b->p->tensors[id].external ? "if (dinput)\n        " : "";
}

static void emit_backward_prim(Body *b, const Prim *pr) {
    const Program *p = b->p;
    const Tensor *x = pr->x >= 0 ? &p->tensors[pr->x] : NULL;
    const Tensor *y = pr->y >= 0 ? &p->tensors[pr->y] : NULL;
    char dy[200] = "";
    if (pr->y >= 0) {
        grad_read(b, pr->y);
        snprintf(dy, sizeof dy, "%s", grad_name(b, pr->y));
    }
    int ax = pr->x >= 0 ? grad_write(b, pr->x) : 0;
    int ax2 = pr->x2 >= 0 ? grad_write(b, pr->x2) : 0;
    int ax3 = pr->x3 >= 0 ? grad_write(b, pr->x3) : 0;
    const char *dx = pr->x >= 0 ? grad_name(b, pr->x) : "NULL";
    const char *g = guard(b, pr->x);
    switch (pr->kind) {
    case P_CONV1X1: {
        char chunks[64];
        snprintf(chunks, sizeof chunks, "conv1x1_chunks((size_t)N * %d)", x->f * x->t);
        parallel_loop(b, "k", chunks, 2 * elems(x) * y->c);
        OUT("conv1x1_backward_chunk(k, %s, %d, scratch, %d, %s, %s, %s, %d, %d, (size_t)N * %d);\n",
            dx, ax, pr->b >= 0, dy, act(b, pr->x), param(b, pr->w, 0), x->c, y->c, x->f * x->t);
        OUT("    conv1x1_backward_reduce(%s, %s, scratch, %d, %d, (size_t)N * %d);\n",
            param(b, pr->w, 1), param(b, pr->b, 1), x->c, y->c, x->f * x->t);
        break;
    }
    case P_DWCONV:
        parallel_loop(b, "c", str_int(x->c), 2 * elems(x) * pr->i[0] * pr->i[1]);
        OUT("dwconv_backward_channel(c, %s, %d, %s, %s, %s, %s, N, %d, %d, %d, %d, %d, %d);\n", dx,
            ax, param(b, pr->w, 1), dy, act(b, pr->x), param(b, pr->w, 0), x->f, x->t, pr->i[0],
            pr->i[1], pr->i[4], pr->i[5]);
        break;
    case P_CONV:
        OUT("    conv_backward(%s, %d, %s, %s, %s, %s, %s, scratch, %s, N);\n", dx, ax,
            param(b, pr->w, 1), param(b, pr->b, 1), dy, act(b, pr->x), param(b, pr->w, 0),
            conv_shape(p, pr));
        break;
    case P_NORM:
        parallel_loop(b, "g", str_int(p->stats[pr->stats].groups), 2 * elems(x));
        OUT("norm_backward_group(g, %s, %d, %s, %s, %s, %s, %s, %s, %s, %s, %d);\n", dx, ax,
            param(b, pr->w, 1), param(b, pr->b, 1), dy, act(b, pr->x), param(b, pr->w, 0),
            param(b, pr->b, 0), act(b, pr->aux), norm_shape(p, pr), pr->i[1]);
        break;
    case P_RELU:
    case P_SIGMOID:
        OUT("    %s%s_backward(%s, %s, %s, (size_t)N * %lld, %d);\n", g,
            pr->kind == P_RELU ? "relu" : "sigmoid", dx, dy, act(b, pr->y), elems(y), ax);
        break;
    case P_SWISH:
        OUT("    %sswish_backward(%s, %s, %s, (size_t)N * %lld, %d);\n", g, dx, dy, act(b, pr->x),
            elems(y), ax);
        break;
    case P_COPY:
        OUT("    %scopy_backward(%s, %s, (size_t)N * %lld, %d);\n", g, dx, dy, elems(y), ax);
        break;
    case P_ADD:
        OUT("    add_backward(%s, %d, %s, %d, %s, (size_t)N * %lld);\n", dx, ax,
            grad_name(b, pr->x2), ax2, dy, elems(y));
        break;
    case P_MAXPOOL:
        OUT("    %smaxpool_backward(%s, %d, %s, %s, (PoolShape){%d * N, %d, %d, %d, %d, %d, %d});\n",
            g, dx, ax, dy, act(b, pr->aux), x->c, x->f, x->t, pr->i[0], pr->i[1], y->f, y->t);
        break;
    case P_AVGPOOL:
        OUT("    %savgpool_backward(%s, %d, %s, (PoolShape){%d * N, %d, %d, %d, %d, %d, %d});\n", g,
            dx, ax, dy, x->c, x->f, x->t, pr->i[0], pr->i[1], y->f, y->t);
        break;
    case P_GLOBALPOOL:
        OUT("    %sglobalpool_backward(%s, %d, %s, %d * N, %d);\n", g, dx, ax, dy, x->c, x->f * x->t);
        break;
    case P_DROPOUT:
        OUT("    %sdropout_backward(%s, %d, %s, %s, (size_t)N * %lld, %d);\n", g, dx, ax, dy,
            act(b, pr->aux), elems(y) / pr->i[0], pr->i[0]);
        break;
    case P_FLATTEN:
        OUT("    %sflatten_backward(%s, %d, %s, %d, N, %d, %d);\n", g, dx, ax, dy, x->c, x->f, x->t);
        break;
    case P_LINEAR:
        OUT("    linear_backward(%s, %d, %s, %s, %s, %s, %s, %d, %d, N);\n", dx, ax,
            param(b, pr->w, 1), param(b, pr->b, 1), dy, act(b, pr->x), param(b, pr->w, 0), x->c,
            y->c);
        break;
    case P_RESNORM:
        parallel_loop(b, "k", "N", 2 * elems(x));
        OUT("resnorm_backward_clip(k, %s, %d, %s, %s, %s, %g, %d, N, %d, %d);\n", dx, ax, dy,
            act(b, pr->x), act(b, pr->aux), pr->r, x->c, x->f, x->t);
        break;
    case P_MEAN_F:
    case P_MEAN_T:
        parallel_loop(b, "c", str_int(x->c), elems(x));
        OUT("mean_%c_backward_channel(c, %s, %d, %s, N, %d, %d);\n",
            pr->kind == P_MEAN_F ? 'f' : 't', dx, ax, dy, x->f, x->t);
        break;
    case P_BCAST_ADD_F: {
        const char *db = pr->x2 >= 0 ? grad_name(b, pr->x2) : "NULL";
        parallel_loop(b, "c", str_int(y->c), 2 * elems(y));
        OUT("bcast_add_f_backward_channel(c, %s, %d, %s, %d, %s, %d, %s, N, %d, %d);\n", dx, ax,
            db, ax2, grad_name(b, pr->x3), ax3, dy, y->f, y->t);
        break;
    }
    case P_BCAST_MUL_T: {
        const char *da = grad_name(b, pr->x2);
        parallel_loop(b, "c", str_int(y->c), 2 * elems(y));
        OUT("bcast_mul_t_backward_channel(c, %s, %d, %s, %d, %s, %s, %s, N, %d, %d);\n", dx, ax,
            da, ax2, dy, act(b, pr->x), act(b, pr->x2), y->f, y->t);
        break;
    }
    case P_PIXEL_SHUFFLE: /* x is the FPM's own upsampling conv's output, never the input */
        parallel_loop(b, "c", str_int(y->c), elems(y));
        OUT("pixel_shuffle_backward_channel(c, %s, %d, %s, N, %d, %d);\n", dx, ax, dy, x->f,
            x->t);
        break;
    case P_UPSAMPLE_NEAREST:
        OUT("    %supsample_nearest_backward(%s, %d, %s, %d * N, %d, %d);\n", g, dx, ax, dy, x->c,
            x->f, x->t);
        break;
    case P_LOGITS:
        OUT("    %slogits_backward(%s, dlogits, %d, N);\n", g, dx, x->c);
        break;
    }
}

/* The spec's line n, trimmed, for comments ("" if out of range). */
static void spec_line(const EmitOptions *o, int n, char *buf, size_t size) {
    buf[0] = '\0';
    if (!o->spec_text || n <= 0)
        return;
    const char *s = o->spec_text, *end = s + o->spec_len;
    for (int line = 1; line < n && s < end; s++)
        if (*s == '\n')
            line++;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    size_t k = 0;
    while (s < end && *s != '\n' && k + 1 < size) {
        if (s[0] == '*' && s + 1 < end && s[1] == '/')
            break; /* never close our own comment */
        buf[k++] = *s == '\t' ? ' ' : *s;
        s++;
    }
    while (k > 0 && buf[k - 1] == ' ')
        k--;
    buf[k] = '\0';
}

/* Each spec line once, then each layer with its shapes; a layer fused into this
 * one (a relu into its norm) is named with it. */
static void layer_comment(Body *b, const Layer *l, const Layer *prev, const EmitOptions *o) {
    if (!prev || prev->loc.line != l->loc.line) {
        char line[200];
        spec_line(o, l->loc.line, line, sizeof line);
        OUT("\n    /* ---- spec line %d: %s */\n", l->loc.line, line);
    }
    const Program *p = b->p;
    int i = (int)(l - p->model->layers);
    OUT("\n    /* %s%s", b->backward ? "backward of " : "", l->name);
    for (int k = i + 1; k < p->model->nlayers && p->layer_out[k] == p->layer_out[i]; k++)
        OUT(" + %s", p->model->layers[k].name);
    OUT(": %d x %d x %d -> %d x %d x %d */\n", l->in.c, l->in.f, l->in.t, l->out.c, l->out.f,
        l->out.t);
}

/* The memory stream writes through b's own fields, so b must not move. */
static void body_open(Body *b, const Program *p, int backward) {
    *b = (Body){.p = p, .backward = backward};
    b->f = open_memstream(&b->text, &b->len);
    b->used_tensor = calloc((size_t)p->ntensors, 1);
    b->used_grad = calloc((size_t)p->ntensors, 1);
    b->used_param = calloc((size_t)p->nparams + 1, 1);
    b->grad_init = calloc((size_t)p->ntensors, sizeof *b->grad_init);
}

static void body_close(Body *b) {
    free(b->text);
    free(b->used_tensor);
    free(b->used_grad);
    free(b->used_param);
    for (int i = 0; i < b->p->ntensors; i++)
        free(b->grad_init[i]);
    free(b->grad_init);
}

/* Per-clip offset of a tensor (a view: its channel range within its root). */
static long long tensor_offset(const Program *p, const Tensor *t, int grad, int infer) {
    const Tensor *root = &p->tensors[t->root];
    long long base = grad ? root->grad_offset : infer ? root->infer_offset : root->offset;
    return base + (long long)t->ch_offset * t->f * t->t;
}

static void declare_pointers(FILE *out, Body *b) {
    const Program *p = b->p;
    const char *cq = b->backward ? "const " : "";
    for (int i = 0; i < p->ntensors; i++) {
        const Tensor *t = &p->tensors[i];
        if (!b->used_tensor[i] || t->external)
            continue;
        if (t->fixed)
            fprintf(out, "    %sreal *%s = arena + fixed + %lld;\n", cq, t->name,
                    tensor_offset(p, t, 0, 0));
        else
            fprintf(out, "    %sreal *%s = arena + (size_t)N * %lld; /* %d x N x %d x %d */\n", cq,
                    t->name, tensor_offset(p, t, 0, b->infer), t->c, t->f, t->t);
    }
    for (int i = 0; i < p->ntensors; i++) {
        const Tensor *t = &p->tensors[i];
        if (b->used_grad[i] && !t->external)
            fprintf(out, "    real *d_%s = grad + (size_t)N * %lld;\n", t->name,
                    tensor_offset(p, t, 1, 0));
    }
    for (int i = 0; i < p->nparams; i++) {
        const ParamTensor *pt = &p->params[i];
        char name[200];
        snprintf(name, sizeof name, "%s", pt->name);
        for (char *c = name; *c; c++)
            if (*c == '.')
                *c = '_';
        if (b->used_param[i] & 1)
            fprintf(out, "    const real *%s = params + %lld; /* %d x %d x %d x %d */\n", name,
                    (long long)pt->offset, pt->shape[0], pt->shape[1], pt->shape[2], pt->shape[3]);
        if (b->used_param[i] & 2)
            fprintf(out, "    real *d_%s = dparams + %lld;\n", name, (long long)pt->offset);
    }
}

static int layer_index(const Program *p, const Layer *l) { return (int)(l - p->model->layers); }

/* Layers after l that have no steps of their own (a relu fused into its norm):
 * their quantisation points are emitted with l's. */
static int quant_span_end(const Program *p, int i) {
    int end = i + 1;
    while (end < p->model->nlayers && p->layer_out[end] == p->layer_out[i])
        end++;
    return end;
}

/* After a layer's last step: its output onto the grid of its quantisation point. */
static void emit_quant_forward(Body *b, const Layer *l) {
    int i = layer_index(b->p, l);
    for (int k = i; k < quant_span_end(b->p, i); k++) {
        int q = b->p->quant_index[k], y = b->p->layer_out[k];
        if (q >= 0)
            OUT("    if (quant)\n        fake_quant_forward(%s, (size_t)N * %lld, quant->ranges + %d, quant->observe);\n",
                act(b, y), elems(&b->p->tensors[y]), 2 * q);
    }
}

/* Before a layer's backward: no gradient through values its quantisation clipped. */
static void emit_quant_backward(Body *b, const Layer *l) {
    int i = layer_index(b->p, l);
    for (int k = quant_span_end(b->p, i) - 1; k >= i; k--) {
        int q = b->p->quant_index[k], y = b->p->layer_out[k];
        if (q < 0)
            continue;
        grad_read(b, y);
        OUT("    if (quant)\n        fake_quant_backward(%s, %s, (size_t)N * %lld, quant->ranges + %d);\n",
            grad_name(b, y), act(b, y), elems(&b->p->tensors[y]), 2 * q);
    }
}

/* INT8 simulation (inference with quant->int8_grids): after a step writes (part of)
 * a tensor INT8 stores, the values go onto that tensor's grid, so the next step
 * reads what INT8 would. Layer outputs written whole are rounded at the layer's end
 * (emit_quant_forward); views of them (chunks of a concatenation) as written. */
static void emit_int8_grid_forward(Body *b, const Prim *pr) {
    const Program *p = b->p;
    if (pr->y < 0)
        return;
    const Tensor *y = &p->tensors[pr->y], *root = &p->tensors[y->root];
    if (root->grid < 0 || root->grid_inherited)
        return;
    if (root->grid >= p->nquant)
        OUT("    if (int8_grids)\n        fake_quant_internal(%s, (size_t)N * %lld, quant, %d);\n",
            act(b, pr->y), elems(y), root->grid);
    else if (y->root != pr->y)
        OUT("    if (int8_grids)\n        fake_quant_forward(%s, (size_t)N * %lld, quant->ranges + %d, 0);\n",
            act(b, pr->y), elems(y), 2 * root->grid);
}

static void emit_fused_norm_infer(Body *b, const Prim *pr, const Prim *norm) {
    const Program *p = b->p;
    const Tensor *y = &p->tensors[norm->y];
    const StatsSlot *st = &p->stats[norm->stats];
    char stats[160];
    snprintf(stats, sizeof stats, "%s, %s, stats + %lld, stats + %lld", param(b, norm->w, 0),
             param(b, norm->b, 0), (long long)st->offset, (long long)(st->offset + st->groups));
    if (pr->kind == P_DWCONV) {
        parallel_loop(b, "c", str_int(y->c), elems(y) * pr->i[0] * pr->i[1]);
        OUT("dwconv_norm_infer_channel(c, %s, %s, %s, %s, N, %d, %d, %d, %d, %d, %d, %d, %d);\n",
            act(b, norm->y), act(b, pr->x), param(b, pr->w, 0), stats, y->f, y->t, pr->i[0],
            pr->i[1], pr->i[4], pr->i[5], norm->i[0], norm->i[1]);
    } else {
        parallel_loop(b, "c", str_int(y->c), elems(y));
        OUT("bcast_add_f_norm_infer_channel(c, %s, %s, %s, %s, %s, N, %d, %d, %d, %d);\n",
            act(b, norm->y), act(b, pr->x), pr->x2 >= 0 ? act(b, pr->x2) : "NULL",
            act(b, pr->x3), stats, y->f, y->t, norm->i[0], norm->i[1]);
    }
}

/* A depthwise conv and the norm after it (lw_train_fuses_norm), channel by channel.
 * The norm's output then goes onto its INT8 grid (or is observed by calibration)
 * as unfused, after the whole tensor is written: calibration's [lo, hi] is shared
 * by the channels, so it may not be widened inside the parallel loop, and the
 * rounding is elementwise, so doing it afterwards gives the unfused values. The
 * conv's output has no grid (lw_train_fuses_norm). */
static void emit_fused_norm_train(Body *b, const Prim *dw, const Prim *norm) {
    const Program *p = b->p;
    const Tensor *x = &p->tensors[dw->x];
    const StatsSlot *st = &p->stats[norm->stats];
    int sub = norm->i[0];
    char stats[160];
    snprintf(stats, sizeof stats, "%s, %s, stats + %lld, stats + %lld", param(b, norm->w, 0),
             param(b, norm->b, 0), (long long)st->offset, (long long)(st->offset + st->groups));
    parallel_block(b, "c", str_int(x->c), elems(x) * (dw->i[0] * dw->i[1] + 1));
    OUT("        dwconv_forward_channel(c, %s, %s, %s, N, %d, %d, %d, %d, %d, %d);\n",
        act(b, dw->y), act(b, dw->x), param(b, dw->w, 0), x->f, x->t, dw->i[0], dw->i[1],
        dw->i[4], dw->i[5]);
    OUT("        for (int g = c * %d; g < (c + 1) * %d; g++)\n            if (training)\n", sub, sub);
    OUT("                norm_forward_train_group(g, %s, %s, %s, %s, %s, %d);\n",
        act(b, norm->y), act(b, norm->x), stats, act(b, norm->aux), norm_shape(p, norm),
        norm->i[1]);
    OUT("            else\n                norm_forward_infer_group(g, %s, %s, %s, %s, %d);\n    }\n",
        act(b, norm->y), act(b, norm->x), stats, norm_shape(p, norm), norm->i[1]);
    emit_int8_grid_forward(b, norm);
}

/* The training-capable forward, or (infer = 1) the inference-only one. */
static void emit_forward(FILE *out, const Program *p, const EmitOptions *o, int infer) {
    Body b;
    body_open(&b, p, 0);
    b.infer = infer;
    const Layer *layer = NULL;
    for (int k = 0; k < p->nprims; k++) {
        const Prim *pr = &p->prims[k];
        if (pr->layer != layer && layer && !infer)
            emit_quant_forward(&b, layer);
        if (pr->layer && pr->layer != layer)
            layer_comment(&b, pr->layer, layer, o);
        else if (!pr->layer)
            fputs("\n    /* logits, clip-major */\n", b.f);
        layer = pr->layer;
        if (infer && lw_infer_fuses_norm(p, k)) {
            emit_fused_norm_infer(&b, pr, &p->prims[k + 1]);
            k++;
        } else if (!infer && lw_train_fuses_norm(p, k)) {
            emit_fused_norm_train(&b, pr, &p->prims[k + 1]);
            k++;
        } else {
            emit_forward_prim(&b, pr);
            if (!infer)
                emit_int8_grid_forward(&b, pr);
        }
    }
    fclose(b.f);
    const char *m = p->model->name;
    if (infer)
        fprintf(out,
                "void %s_infer(int N, const real *params, const real *stats, const real *input,\n"
                "    real *logits, real *arena) {\n"
                "    real *scratch = arena + (size_t)N * %lld;\n"
                "    (void)scratch, (void)stats;\n",
                m, (long long)p->infer_per_clip);
    else
        fprintf(out,
            "static void %s_run_forward(int N, int training, const real *params, real *stats,\n"
            "    const real *input, real *logits, real *arena, NnRng *rng, AscQuant *quant) {\n"
            "    const size_t fixed = (size_t)N * %lld;\n"
            "    real *scratch = arena + (size_t)N * %lld;\n"
            "    const int int8_grids = quant && quant->int8_grids && !training;\n"
            "    (void)training, (void)stats, (void)rng, (void)fixed, (void)scratch, (void)quant;\n"
            "    (void)int8_grids;\n",
            m, (long long)(p->act_per_clip + p->col_per_clip), (long long)p->act_per_clip);
    declare_pointers(out, &b);
    fwrite(b.text, 1, b.len, out);
    fputs("}\n", out);
    body_close(&b);
}

/* The backward of a norm and the depthwise conv before it (lw_train_fuses_norm),
 * channel by channel: the norm's groups of channel c, then the conv's channel c. */
static void emit_fused_norm_backward(Body *b, const Prim *dw, const Prim *norm) {
    const Program *p = b->p;
    const Tensor *x = &p->tensors[dw->x];
    grad_read(b, norm->y);
    int a_norm = grad_write(b, norm->x);
    grad_read(b, dw->y);
    int a_dw = grad_write(b, dw->x);
    int sub = norm->i[0];
    parallel_block(b, "c", str_int(x->c), 2 * elems(x) * (dw->i[0] * dw->i[1] + 1));
    OUT("        for (int g = c * %d; g < (c + 1) * %d; g++)\n", sub, sub);
    OUT("            norm_backward_group(g, %s, %d, %s, %s, ", grad_name(b, norm->x), a_norm,
        param(b, norm->w, 1), param(b, norm->b, 1));
    OUT("%s, %s, %s, %s, %s, %s, %d);\n", grad_name(b, norm->y), act(b, norm->x),
        param(b, norm->w, 0), param(b, norm->b, 0), act(b, norm->aux), norm_shape(p, norm),
        norm->i[1]);
    OUT("        dwconv_backward_channel(c, %s, %d, %s, ", grad_name(b, dw->x), a_dw,
        param(b, dw->w, 1));
    OUT("%s, %s, %s, N, %d, %d, %d, %d, %d, %d);\n    }\n", grad_name(b, dw->y), act(b, dw->x),
        param(b, dw->w, 0), x->f, x->t, dw->i[0], dw->i[1], dw->i[4], dw->i[5]);
}

static void emit_backward(FILE *out, const Program *p, const EmitOptions *o) {
    Body b;
    body_open(&b, p, 1);
    const Layer *layer = NULL;
    for (int k = p->nprims - 1; k >= 0; k--) {
        const Prim *pr = &p->prims[k];
        if (pr->layer && pr->layer != layer) {
            layer_comment(&b, pr->layer, layer, o);
            emit_quant_backward(&b, pr->layer);
        } else if (!pr->layer) {
            fputs("\n    /* logits, clip-major */\n", b.f);
        }
        layer = pr->layer;
        if (k > 0 && lw_train_fuses_norm(p, k - 1)) {
            emit_fused_norm_backward(&b, &p->prims[k - 1], pr);
            k--;
        } else {
            emit_backward_prim(&b, pr);
        }
    }
    fclose(b.f);
    const char *m = p->model->name;
    fprintf(out,
            "static void %s_run_backward(int N, const real *params, const real *input,\n"
            "    const real *arena, const real *dlogits, real *dparams, real *dinput, real *grad,\n"
            "    const AscQuant *quant) {\n"
            "    const size_t fixed = (size_t)N * %lld;\n"
            "    real *scratch = grad + (size_t)N * %lld;\n"
            "    (void)input, (void)fixed, (void)scratch, (void)quant;\n",
            m, (long long)(p->act_per_clip + p->col_per_clip), (long long)p->grad_per_clip);
    declare_pointers(out, &b);
    fwrite(b.text, 1, b.len, out);
    fputs("}\n", out);
    body_close(&b);
}

static const char *kind_name(ParamKind k) {
    switch (k) {
    case PARAM_WEIGHT: return "ASC_WEIGHT";
    case PARAM_BIAS: return "ASC_BIAS";
    case PARAM_NORM_SCALE: return "ASC_NORM_SCALE";
    default: return "ASC_NORM_SHIFT";
    }
}

static void emit_info(FILE *out, const Program *p) {
    const Model *m = p->model;
    fprintf(out, "static const AscTensorInfo %s_tensors[] = {\n", m->name);
    for (int i = 0; i < p->nparams; i++) {
        const ParamTensor *t = &p->params[i];
        fprintf(out, "    {\"%s\", %s, %lld, %lld, {%d, %d, %d, %d}, %d, %d},\n", t->name,
                kind_name(t->kind), (long long)t->offset, (long long)t->count, t->shape[0],
                t->shape[1], t->shape[2], t->shape[3], t->fan_in, t->classifier);
    }
    fprintf(out, "};\n\nstatic const char *const %s_quant_names[] = {\n", m->name);
    for (int i = 0; i < m->nlayers; i++)
        if (p->quant_index[i] >= 0)
            fprintf(out, "    \"%s\",\n", m->layers[i].name);
    fprintf(out, "};\n\n/* INT8 grids: the layer points above, the input, then internal tensors. */\n"
                 "static const char *const %s_grid_names[] = {\n", m->name);
    for (int g = 0; g < p->ngrids; g++) {
        int owner = int8_grid_owner(p, g);
        fprintf(out, "    \"%s\",\n", p->tensors[owner].name);
    }
    fprintf(out, "};\n\nstatic const AscStatsInfo %s_norms[] = {\n", m->name);
    for (int i = 0; i < p->nstats; i++)
        fprintf(out, "    {%lld, %d},\n", (long long)p->stats[i].offset, p->stats[i].groups);
    if (p->nstats == 0)
        fputs("    {0, 0},\n", out);
    fprintf(out,
            "};\n\nconst AscModelInfo %s_info = {\n"
            "    .name = \"%s\",\n    .spec_hash = 0x%016llxULL,\n"
            "    .input_c = %d, .input_f = %d, .input_t = %d, .classes = %d,\n"
            "    .params = %lld, .macs = %lld,\n"
            "    .ntensors = %d, .tensors = %s_tensors,\n"
            "    .nnorms = %d, .norms = %s_norms, .stats_floats = %lld,\n"
            "    .nquant = %d, .quant_names = %s_quant_names,\n"
            "    .ngrids = %d, .input_grid = %d, .grid_names = %s_grid_names,\n"
            "    .act_per_clip = %lld, .act_fixed = %lld, .grad_per_clip = %lld, .scratch_per_clip = %lld,\n"
            "    .infer_per_clip = %lld,\n"
            "};\n",
            m->name, m->name, (unsigned long long)m->hash, m->input.c, m->input.f, m->input.t,
            m->classes, (long long)p->param_floats, (long long)m->total.macs, p->nparams, m->name,
            p->nstats, m->name, (long long)p->stats_floats, p->nquant, m->name, p->ngrids,
            p->input_grid, m->name,
            (long long)p->act_per_clip,
            (long long)p->act_fixed, (long long)p->grad_per_clip, (long long)p->col_per_clip,
            (long long)p->infer_per_clip);
}

void emit_c_header(FILE *out, const Program *p, const EmitOptions *o) {
    const char *m = p->model->name, *r = real_type(o);
    char guard_name[128];
    upper(guard_name, m, sizeof guard_name);
    fprintf(out,
            "/* %s: generated by ascc from %s. Do not edit: change the spec and regenerate. */\n"
            "#ifndef %s_H\n#define %s_H\n\n#include \"asc_model.h\"\n\n"
            "extern const AscModelInfo %s_info;\n",
            m, p->model->file, guard_name, guard_name, m);
    if (!o->precision_double)
        fprintf(out, "extern const AscModel %s_model;\n", m);
    fprintf(out,
            "\n/* logits[N][%d] from input[N][1][%d][%d]; see AscModel in asc_model.h. */\n"
            "void %s_forward(int N, int training, const %s *params, %s *stats, const %s *input,\n"
            "    %s *logits, %s *arena, NnRng *rng);\n"
            "void %s_backward(int N, const %s *params, const %s *input, const %s *arena,\n"
            "    const %s *dlogits, %s *dparams, %s *dinput, %s *grad);\n"
            "/* Inference only, in a smaller arena (asc_infer_arena_size). */\n"
            "void %s_infer(int N, const %s *params, const %s *stats, const %s *input, %s *logits,\n"
            "    %s *arena);\n"
            "/* The same with activations fake-quantised (quantisation-aware training). */\n"
            "void %s_forward_qat(int N, int training, const %s *params, %s *stats, const %s *input,\n"
            "    %s *logits, %s *arena, NnRng *rng, AscQuant *quant);\n"
            "void %s_backward_qat(int N, const %s *params, const %s *input, const %s *arena,\n"
            "    const %s *dlogits, %s *dparams, %s *dinput, %s *grad, const AscQuant *quant);\n"
            "\n#endif\n",
            p->model->classes, p->model->input.f, p->model->input.t, m, r, r, r, r, r, m, r, r, r,
            r, r, r, r, m, r, r, r, r, r, m, r, r, r, r, r, m, r, r, r, r, r, r, r);
}

void emit_c_source(FILE *out, const Program *p, const EmitOptions *o) {
    const char *m = p->model->name;
    fprintf(out,
            "/* %s: generated by ascc from %s. Do not edit: change the spec and regenerate.\n"
            " * Activations are channel-major, C x N x F x T (runtime/nn/nn_base.h). */\n"
            "#define NN_REAL %s\n#include <string.h>\n\n#include \"nn.h\"\n#include \"nn_int8.h\"\n"
            "#include \"nn_int8_params.h\"\n#include \"%s.h\"\n\n",
            m, p->model->file, real_type(o), m);
    emit_info(out, p);
    fputc('\n', out);
    emit_forward(out, p, o, 0);
    fputc('\n', out);
    emit_backward(out, p, o);
    fputs("\n/* Inference only: nothing is kept for backward, so slots are reused and the\n"
          " * arena is small (info.infer_per_clip values per clip). */\n", out);
    emit_forward(out, p, o, 1);
    fprintf(out,
            "\nvoid %s_forward(int N, int training, const real *params, real *stats, const real *input,\n"
            "    real *logits, real *arena, NnRng *rng) {\n"
            "    %s_run_forward(N, training, params, stats, input, logits, arena, rng, NULL);\n}\n"
            "\nvoid %s_backward(int N, const real *params, const real *input, const real *arena,\n"
            "    const real *dlogits, real *dparams, real *dinput, real *grad) {\n"
            "    %s_run_backward(N, params, input, arena, dlogits, dparams, dinput, grad, NULL);\n}\n"
            "\nvoid %s_forward_qat(int N, int training, const real *params, real *stats, const real *input,\n"
            "    real *logits, real *arena, NnRng *rng, AscQuant *quant) {\n"
            "    %s_run_forward(N, training, params, stats, input, logits, arena, rng, quant);\n}\n"
            "\nvoid %s_backward_qat(int N, const real *params, const real *input, const real *arena,\n"
            "    const real *dlogits, real *dparams, real *dinput, real *grad, const AscQuant *quant) {\n"
            "    %s_run_backward(N, params, input, arena, dlogits, dparams, dinput, grad, quant);\n}\n",
            m, m, m, m, m, m, m, m);
    if (o->precision_double)
        return;
    char why[200], int8[160] = "NULL";
    const I8Program *q = int8_plan(p, p->arena, why, sizeof why);
    if (q) {
        fputc('\n', out);
        emit_int8_forward(out, q, "static ");
        fputc('\n', out);
        emit_int8_steps(out, q);
        snprintf(int8, sizeof int8, "&%s_int8", m);
    } else {
        fprintf(out, "\n/* No INT8 inference: %s. */\n", why);
    }
    fprintf(out,
            "\nconst AscModel %s_model = {&%s_info, %s_forward, %s_backward, %s_forward_qat,\n"
            "                            %s_backward_qat, %s_infer, %s};\n",
            m, m, m, m, m, m, m, int8);
}
