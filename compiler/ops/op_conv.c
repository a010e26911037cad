/* conv(out, kernel = 3, stride = 1, padding = same, groups = 1, bias = false):
 * a 2-D convolution over frequency x time. `same` padding is kernel / 2 per axis. */
#include "lower.h"
#include "ops.h"

enum { CONV_OUT, CONV_KERNEL, CONV_STRIDE, CONV_PADDING, CONV_GROUPS, CONV_BIAS };

static const ArgSpec conv_args[] = {
    [CONV_OUT] = {"out", ARG_INT, 1, 0, 1, MODEL_MAX_CHANNELS, NULL},
    [CONV_KERNEL] = {"kernel", ARG_PAIR, 0, 3, 1, MODEL_MAX_KERNEL, NULL},
    [CONV_STRIDE] = {"stride", ARG_PAIR, 0, 1, 1, MODEL_MAX_KERNEL, NULL},
    [CONV_PADDING] = {"padding", ARG_PADDING, 0, -1, 0, MODEL_MAX_KERNEL, NULL},
    [CONV_GROUPS] = {"groups", ARG_INT, 0, 1, 1, MODEL_MAX_CHANNELS, NULL},
    [CONV_BIAS] = {"bias", ARG_BOOL, 0, 0, 0, 1, NULL},
};

/* One axis: floor((n + 2 pad - k) / stride) + 1, or 0 when the kernel does not fit. */
static int conv_extent(int n, int k, int stride, int pad) {
    int span = n + 2 * pad - k;
    return span < 0 ? 0 : span / stride + 1;
}

static int conv_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    const ArgValue *a = l->args;
    int out = a[CONV_OUT].i[0], groups = a[CONV_GROUPS].i[0];
    if (l->in.c % groups != 0 || out % groups != 0) {
        LAYER_ERROR(d, l, "conv: groups = %d must divide both the %d input and the %d output channels",
                    groups, l->in.c, out);
        return 0;
    }
    int kf = a[CONV_KERNEL].i[0], kt = a[CONV_KERNEL].i[1];
    int pf = a[CONV_PADDING].i[0] < 0 ? kf / 2 : a[CONV_PADDING].i[0];
    int pt = a[CONV_PADDING].i[1] < 0 ? kt / 2 : a[CONV_PADDING].i[1];
    int f = conv_extent(l->in.f, kf, a[CONV_STRIDE].i[0], pf);
    int t = conv_extent(l->in.t, kt, a[CONV_STRIDE].i[1], pt);
    if (f == 0 || t == 0) {
        LAYER_ERROR(d, l, "conv: a %d x %d kernel does not fit the %d x %d input", kf, kt,
                    l->in.f, l->in.t);
        return 0;
    }
    l->out = (Shape){out, f, t};
    return 1;
}

static void conv_count(Layer *l, const Layer *prev, const Model *m) {
    (void)prev;
    (void)m;
    const ArgValue *a = l->args;
    count_conv(&l->counts, l->in.c, l->out.c, a[CONV_KERNEL].i[0], a[CONV_KERNEL].i[1],
               a[CONV_GROUPS].i[0], l->out, a[CONV_BIAS].i[0]);
}

/* 1x1 stride-1 convs become one GEMM; depthwise stride-1 same-size convs direct
 * loops; everything else im2col + GEMM. */
static int conv_lower(Program *p, const Layer *l, int x) {
    const ArgValue *a = l->args;
    int kf = a[CONV_KERNEL].i[0], kt = a[CONV_KERNEL].i[1];
    int sf = a[CONV_STRIDE].i[0], st = a[CONV_STRIDE].i[1];
    int pf = a[CONV_PADDING].i[0] < 0 ? kf / 2 : a[CONV_PADDING].i[0];
    int pt = a[CONV_PADDING].i[1] < 0 ? kt / 2 : a[CONV_PADDING].i[1];
    int groups = a[CONV_GROUPS].i[0], cin = l->in.c, cout = l->out.c;
    int w = lw_param(p, "weight", PARAM_WEIGHT, cout, cin / groups, kf, kt, cin / groups * kf * kt);
    int b = a[CONV_BIAS].i[0] ? lw_param(p, "bias", PARAM_BIAS, cout, 1, 1, 1, cin / groups * kf * kt)
                              : -1;
    int y = lw_tensor(p, "", cout, l->out.f, l->out.t);
    int pointwise = kf == 1 && kt == 1 && sf == 1 && st == 1 && pf == 0 && pt == 0 && groups == 1;
    int depthwise = groups == cin && cin == cout && sf == 1 && st == 1 && l->out.f == l->in.f &&
                    l->out.t == l->in.t && b < 0;
    Prim *pr = lw_prim(p, pointwise ? P_CONV1X1 : depthwise ? P_DWCONV : P_CONV, "", x, y);
    pr->w = w;
    pr->b = b;
    int ints[] = {kf, kt, sf, st, pf, pt, groups};
    for (int i = 0; i < 7; i++)
        pr->i[i] = ints[i];
    return y;
}

int conv_has_bias(const Layer *conv) { return conv->args[CONV_BIAS].i[0]; }

const OpDesc op_conv = {
    .name = "conv",
    .summary = "2-D convolution (kernel, stride, padding, groups, bias)",
    .args = conv_args,
    .nargs = sizeof conv_args / sizeof conv_args[0],
    .npositional = 1,
    .infer = conv_infer,
    .count = conv_count,
    .lower = conv_lower,
};
