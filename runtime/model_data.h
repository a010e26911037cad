/* What the evaluating commands (eval, predict) share: a model by name, its
 * checkpoint, and a data set with its feature cache, opened together and
 * closed together, with one error line for whatever is wrong. */
#ifndef ASC_MODEL_DATA_H
#define ASC_MODEL_DATA_H

#include "feature_cache.h"
#include "model_state.h"
#include "tau.h"

typedef struct model_data {
    model_state state;
    tau_set set;
    feature_cache cache;
} model_data;

/* Opens model `model` from checkpoint `ckpt`, and (when data is non-NULL) the
 * data set in `data` with its feature cache (built if missing or stale). */
asc_status model_data_open(model_data *md, const char *model, const char *ckpt, const char *data,
                           int threads, asc_err *err);
void model_data_close(model_data *md);

/* Sets the OpenMP and OpenBLAS thread counts (0 leaves the defaults). */
void model_data_threads(int threads);

#endif
