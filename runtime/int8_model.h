/* A model's INT8 inference at run time: the constants nn_i8_prepare makes from a
 * calibrated quantisation-aware checkpoint (weight codes, folded biases,
 * multipliers, tables), for the generated INT8 forward (AscInt8). */
#ifndef ASC_INT8_MODEL_H
#define ASC_INT8_MODEL_H

#include "asc_model.h"
#include "error.h"

typedef struct int8_model {
    const AscInt8 *desc;
    NnI8Weights w;     /* owned */
    NnI8Constants c;   /* the same, read-only, for the forward */
} int8_model;

/* From float parameters, running statistics and every grid's range (2 * ngrids
 * floats); path names the checkpoint in the error line. */
asc_status int8_model_prepare(int8_model *m, const AscModel *model, const float *params,
                              const float *stats, const float *ranges, const char *path,
                              asc_err *err);
void int8_model_free(int8_model *m);

#endif
