/* maxpool(kernel, ceil = false), avgpool(kernel, ceil = false) and globalpool.
 * Window pools step by their window; ceil mode keeps a partial last window, as the
 * authors' code does. */
#include "lower.h"
#include "ops.h"

extern const OpDesc op_maxpool;

enum { POOL_KERNEL, POOL_CEIL };

static const ArgSpec pool_args[] = {
    [POOL_KERNEL] = {"kernel", ARG_PAIR, 1, 0, 1, MODEL_MAX_KERNEL, NULL},
    [POOL_CEIL] = {"ceil", ARG_BOOL, 0, 0, 0, 1, NULL},
};

static int pool_extent(int n, int k, int ceil_mode) {
    return ceil_mode ? (n + k - 1) / k : n / k;
}

static int pool_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    int kf = l->args[POOL_KERNEL].i[0], kt = l->args[POOL_KERNEL].i[1];
    int ceil_mode = l->args[POOL_CEIL].i[0];
    int f = pool_extent(l->in.f, kf, ceil_mode), t = pool_extent(l->in.t, kt, ceil_mode);
    if (f == 0 || t == 0) {
        LAYER_ERROR(d, l, "%s: a %d x %d window is larger than the %d x %d input",
                    l->op->name, kf, kt, l->in.f, l->in.t);
        return 0;
    }
    l->out = (Shape){l->in.c, f, t};
    return 1;
}

/* Window pools keep the window in i[0..1]; maxpool also saves its argmax. */
static int pool_lower(Program *p, const Layer *l, int x) {
    int y = lw_tensor(p, "", l->out.c, l->out.f, l->out.t);
    int is_max = l->op == &op_maxpool;
    Prim *pr = lw_prim(p, is_max ? P_MAXPOOL : P_AVGPOOL, "", x, y);
    pr->i[0] = l->args[POOL_KERNEL].i[0];
    pr->i[1] = l->args[POOL_KERNEL].i[1];
    if (is_max)
        pr->aux = lw_tensor(p, "argmax", l->out.c, l->out.f, l->out.t);
    return y;
}

const OpDesc op_maxpool = {
    .name = "maxpool",
    .summary = "max over kernel windows, stride = window",
    .args = pool_args,
    .nargs = 2,
    .npositional = 1,
    .infer = pool_infer,
    .lower = pool_lower,
};

const OpDesc op_avgpool = {
    .name = "avgpool",
    .summary = "mean over kernel windows, stride = window",
    .args = pool_args,
    .nargs = 2,
    .npositional = 1,
    .infer = pool_infer,
    .lower = pool_lower,
};

static int globalpool_lower(Program *p, const Layer *l, int x) {
    return lw_globalpool_into(p, "", x, lw_tensor(p, "", l->out.c, 1, 1));
}

static int globalpool_infer(Layer *l, const Model *m, Diag *d) {
    (void)m;
    (void)d;
    l->out = (Shape){l->in.c, 1, 1};
    return 1;
}

const OpDesc op_globalpool = {
    .name = "globalpool",
    .summary = "mean over frequency and time",
    .infer = globalpool_infer,
    .lower = globalpool_lower,
};
