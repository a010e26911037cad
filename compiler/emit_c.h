/* The C emitter: a lowered model (lower.h) as <model>.h and <model>.c, the
 * forward pass in layer order and the backward pass in reverse, one kernel call per
 * primitive, each layer introduced by the spec line it came from. */
#ifndef ASCC_EMIT_C_H
#define ASCC_EMIT_C_H

#include <stdio.h>

#include "lower.h"

typedef struct EmitOptions {
    int precision_double; /* `real` is double: for gradient checks */
    const char *spec_text; /* for quoting spec lines in comments */
    size_t spec_len;
} EmitOptions;

void emit_c_header(FILE *out, const Program *p, const EmitOptions *opt);
void emit_c_source(FILE *out, const Program *p, const EmitOptions *opt);

#endif
