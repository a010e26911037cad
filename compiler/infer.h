/* Shape inference and counting: walks the layers in order, feeding each the
 * previous layer's output, and sums the model's costs. */
#ifndef ASCC_INFER_H
#define ASCC_INFER_H

#include "model.h"

/* Returns 0 after reporting the first shape error (later shapes would be guesses). */
int infer_model(Model *model, Diag *diag);

#endif
