/* The human-readable report: one row per layer, then totals against the budget. */
#include "report.h"

#include "budget.h"
#include "numfmt.h"
#include "ops.h"

int64_t train_activation_bytes(const Model *m, int batch) {
    return 4 * ((int64_t)batch * m->memory.train_per_clip + m->memory.train_fixed);
}

static void print_row(FILE *out, const char *name, const char *op, const char *shape,
                      const Counts *c) {
    char p[NUMFMT_SIZE], k[NUMFMT_SIZE], a[NUMFMT_SIZE], q[NUMFMT_SIZE];
    fprintf(out, "%-24s %-10s %-15s %11s %13s %13s %11s\n", name, op, shape,
            numfmt_group(p, c->params), numfmt_group(k, c->macs),
            numfmt_group(a, c->act_elems * 4), numfmt_group(q, c->int8_bytes + c->int32_bytes));
}

static void print_limit(FILE *out, const char *what, int64_t value, int has, int64_t limit) {
    char v[NUMFMT_SIZE], l[NUMFMT_SIZE];
    if (!has) {
        fprintf(out, "%-12s %14s  (no budget)\n", what, numfmt_group(v, value));
        return;
    }
    fprintf(out, "%-12s %14s  of %s  (%.1f %%)  %s\n", what, numfmt_group(v, value),
            numfmt_group(l, limit), 100.0 * (double)value / (double)limit,
            value <= limit ? "ok" : "EXCEEDED");
}

void report_table(FILE *out, const Model *m, int batch) {
    char a[NUMFMT_SIZE], b[NUMFMT_SIZE], c[NUMFMT_SIZE];
    fprintf(out, "model %s (%s): input %d x %d x %d, %d classes\n\n", m->name, m->file,
            m->input.c, m->input.f, m->input.t, m->classes);
    fprintf(out, "%-24s %-10s %-15s %11s %13s %13s %11s\n", "layer", "operator", "output",
            "params", "MACs", "act. bytes", "INT8 bytes");
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        char shape[48];
        snprintf(shape, sizeof shape, "%d x %d x %d", l->out.c, l->out.f, l->out.t);
        if (i > 0 && l->stage != m->layers[i - 1].stage)
            fputc('\n', out);
        print_row(out, l->name, l->op->name, shape, &l->counts);
    }
    fputc('\n', out);
    print_row(out, "total", "", "", &m->total);
    fputc('\n', out);
    print_limit(out, "parameters", m->total.params, m->budget.has_params, m->budget.params);
    print_limit(out, "MACs", m->total.macs, m->budget.has_macs, m->budget.macs);
    fprintf(out, "%-12s %14s  bytes: %s int8 weights + %s int32 biases (BN folded)\n",
            "INT8 size", numfmt_group(a, m->total.int8_bytes + m->total.int32_bytes),
            numfmt_group(b, m->total.int8_bytes), numfmt_group(c, m->total.int32_bytes));
    fprintf(out, "%-12s %14s  bytes per clip (fp32 layer outputs)\n", "activations",
            numfmt_group(a, m->total.act_elems * 4));
    fprintf(out, "%-12s %14s  bytes for a training batch of %d (generated code: kept activations, gradients, scratch)\n",
            "training", numfmt_group(a, train_activation_bytes(m, batch)), batch);
    fprintf(out, "%-12s %14s  bytes per clip (generated inference arena)\n", "inference",
            numfmt_group(a, 4 * m->memory.infer_per_clip));
    fprintf(out, "%-12s %14s\n", "budget", budget_ok(m) ? "ok" : "EXCEEDED");
}
