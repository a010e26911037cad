/* C for INT8 inference from an INT8 plan (int8_plan.h): the forward of one clip,
 * and the table of steps nn_i8_prepare turns into constants. Used for the model's
 * own C file (linked into asc) and for the standalone classifier. */
#ifndef ASCC_EMIT_INT8_H
#define ASCC_EMIT_INT8_H

#include <stdio.h>

#include "int8_plan.h"

/* void <model>_int8_forward(const NnI8Constants *, const float *features,
 * float *logits, uint8_t *arena); storage is "" or "static ". */
void emit_int8_forward(FILE *out, const I8Program *q, const char *storage);
/* <model>_int8_steps and the AscInt8 descriptor <model>_int8 (after the forward). */
void emit_int8_steps(FILE *out, const I8Program *q);

#endif
