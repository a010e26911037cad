/* The budget check; see budget.h. */
#include "budget.h"

#include "numfmt.h"

static int params_ok(const Model *m) { return !m->budget.has_params || m->total.params <= m->budget.params; }
static int macs_ok(const Model *m) { return !m->budget.has_macs || m->total.macs <= m->budget.macs; }

int budget_ok(const Model *m) { return params_ok(m) && macs_ok(m); }

int budget_check(const Model *m, Diag *diag) {
    char a[NUMFMT_SIZE], b[NUMFMT_SIZE], c[NUMFMT_SIZE];
    const Budget *bud = &m->budget;
    if (!params_ok(m))
        diag_error(diag, bud->params_loc,
                   "parameter budget exceeded: %s parameters > %s allowed (%s over)",
                   numfmt_group(a, m->total.params), numfmt_group(b, bud->params),
                   numfmt_group(c, m->total.params - bud->params));
    if (!macs_ok(m))
        diag_error(diag, bud->macs_loc, "MAC budget exceeded: %s MACs > %s allowed (%s over)",
                   numfmt_group(a, m->total.macs), numfmt_group(b, bud->macs),
                   numfmt_group(c, m->total.macs - bud->macs));
    return budget_ok(m);
}
