/* The layer graph in Graphviz dot: one node per layer (operator and output shape),
 * chain edges, one cluster per stage, and fpm's edges from the stages it names. */
#include "ops.h"
#include "report.h"

void emit_dot(FILE *out, const Model *m) {
    fprintf(out, "digraph \"%s\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
            m->name);
    fprintf(out, "  input [label=\"input\\n%d x %d x %d\"];\n", m->input.c, m->input.f, m->input.t);
    for (int s = 0; s < m->nstages; s++) {
        const StageInfo *st = &m->stages[s];
        fprintf(out, "  subgraph \"cluster_%s\" {\n    label=\"%s\";\n", st->name, st->name);
        for (int i = st->first; i < st->first + st->count; i++) {
            const Layer *l = &m->layers[i];
            fprintf(out, "    L%d [label=\"%s\\n%d x %d x %d\"];\n", i, l->name, l->out.c,
                    l->out.f, l->out.t);
        }
        fputs("  }\n", out);
    }
    for (int i = 0; i < m->nlayers; i++) {
        const Layer *l = &m->layers[i];
        if (l->nrefs > 0) {
            for (int r = 0; r < l->nrefs; r++) {
                const StageInfo *src = &m->stages[l->refs[r]];
                fprintf(out, "  L%d -> L%d;\n", src->first + src->count - 1, i);
            }
        } else if (i == 0) {
            fprintf(out, "  input -> L0;\n");
        } else {
            fprintf(out, "  L%d -> L%d;\n", i - 1, i);
        }
    }
    fputs("}\n", out);
}
