/* What `ascc --report`, `--json` and `--emit=dot` print about a checked model. */
#ifndef ASCC_REPORT_H
#define ASCC_REPORT_H

#include <stdio.h>

#include "model.h"

/* The per-layer table and the totals against the budget. `batch` sizes the
 * training-memory line. */
void report_table(FILE *out, const Model *model, int batch);

/* The same as one JSON object (DESIGN.md section 7). */
void report_json(FILE *out, const Model *model, int batch);

/* The layer graph in Graphviz dot. */
void emit_dot(FILE *out, const Model *model);

/* Bytes the generated code's training arenas take for a batch (fp32). */
int64_t train_activation_bytes(const Model *model, int batch);

#endif
