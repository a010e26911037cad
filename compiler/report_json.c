/* The report as one JSON object, for scripts (DESIGN.md section 7). Names in a spec
 * are plain identifiers, so no string here needs escaping beyond the file name. */
#include "budget.h"
#include "ops.h"
#include "report.h"

static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static void json_limit(FILE *out, int has, int64_t limit) {
    if (has)
        fprintf(out, "%lld", (long long)limit);
    else
        fputs("null", out);
}

static void json_layer(FILE *out, const Model *m, const Layer *l) {
    fputs("    {\"name\": ", out);
    json_string(out, l->name);
    fprintf(out, ", \"op\": \"%s\", \"stage\": ", l->op->name);
    json_string(out, m->stages[l->stage].name);
    fprintf(out,
            ", \"line\": %d, \"input\": [%d, %d, %d], \"output\": [%d, %d, %d], \"params\": %lld, "
            "\"macs\": %lld, \"activation_bytes\": %lld, \"int8_bytes\": %lld}",
            l->loc.line, l->in.c, l->in.f, l->in.t, l->out.c, l->out.f, l->out.t,
            (long long)l->counts.params, (long long)l->counts.macs,
            (long long)(l->counts.act_elems * 4),
            (long long)(l->counts.int8_bytes + l->counts.int32_bytes));
}

void report_json(FILE *out, const Model *m, int batch) {
    const Counts *t = &m->total;
    fputs("{\n  \"model\": ", out);
    json_string(out, m->name);
    fputs(",\n  \"file\": ", out);
    json_string(out, m->file);
    fprintf(out, ",\n  \"hash\": \"%016llx\"", (unsigned long long)m->hash);
    fprintf(out, ",\n  \"input\": [%d, %d, %d],\n  \"classes\": %d", m->input.c, m->input.f,
            m->input.t, m->classes);
    fprintf(out, ",\n  \"params\": %lld,\n  \"macs\": %lld", (long long)t->params,
            (long long)t->macs);
    fprintf(out, ",\n  \"activation_bytes\": %lld", (long long)(t->act_elems * 4));
    fprintf(out, ",\n  \"train_activation_bytes\": {\"batch\": %d, \"bytes\": %lld}", batch,
            (long long)train_activation_bytes(m, batch));
    fprintf(out, ",\n  \"infer_arena_bytes_per_clip\": %lld", (long long)(4 * m->memory.infer_per_clip));
    fprintf(out, ",\n  \"int8_bytes\": %lld,\n  \"int8_weight_bytes\": %lld,\n  \"int32_bias_bytes\": %lld",
            (long long)(t->int8_bytes + t->int32_bytes), (long long)t->int8_bytes,
            (long long)t->int32_bytes);
    fputs(",\n  \"budget\": {\"params\": ", out);
    json_limit(out, m->budget.has_params, m->budget.params);
    fputs(", \"macs\": ", out);
    json_limit(out, m->budget.has_macs, m->budget.macs);
    fprintf(out, ", \"weights\": \"%s\", \"ok\": %s},\n  \"layers\": [\n",
            m->budget.weights ? m->budget.weights : "fp32", budget_ok(m) ? "true" : "false");
    for (int i = 0; i < m->nlayers; i++) {
        json_layer(out, m, &m->layers[i]);
        fputs(i + 1 < m->nlayers ? ",\n" : "\n", out);
    }
    fputs("  ]\n}\n", out);
}
