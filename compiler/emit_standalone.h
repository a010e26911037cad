/* ascc --emit=standalone --weights CKPT: the classifier deployers ship, one C file
 * and its header, strict C99 + libm: the INT8 network of a model with the
 * constants of a calibrated checkpoint as const arrays, the log-mel front end, and
 * int <model>_classify(pcm, n, sample_rate, probs). docs/standalone.md. */
#ifndef ASCC_EMIT_STANDALONE_H
#define ASCC_EMIT_STANDALONE_H

#include <stdio.h>

#include "int8_plan.h"

typedef struct Standalone {
    const Program *p;
    const I8Program *q;
    const char *ckpt;
    NnI8Weights w; /* the prepared constants (owned) */
} Standalone;

/* Reads the checkpoint and prepares the constants; 0 with one line in why (the
 * file and the problem) when the model has no INT8 form or the checkpoint is not
 * a calibrated QAT checkpoint of this spec. */
int standalone_prepare(Standalone *s, const Program *p, const char *ckpt, char *why,
                       size_t why_size);
void standalone_free(Standalone *s);

/* <model>_classifier.h and <model>_classifier.c */
void emit_standalone_header(FILE *out, const Standalone *s);
void emit_standalone_source(FILE *out, const Standalone *s);

#endif
