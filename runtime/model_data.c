/* Model, checkpoint and data set together; see model_data.h. */
#include "model_data.h"

#include <omp.h>
#include <string.h>

#include <cblas.h>

#include "model_registry.h"

void model_data_threads(int threads) {
    if (threads <= 0)
        return;
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
}

asc_status model_data_open(model_data *md, const char *model, const char *ckpt, const char *data,
                           int threads, asc_err *err) {
    memset(md, 0, sizeof *md);
    const AscModel *m = asc_find_model(model);
    if (!m) {
        char names[512];
        asc_model_names(names, sizeof names);
        return err_set(err, model, "no such model in this asc (it has: %s)", names);
    }
    if (model_state_load(&md->state, m, ckpt, err))
        return ASC_EFAIL;
    if (!data)
        return ASC_OK;
    feature_cache_stats built;
    if (tau_open(data, &md->set, err) ||
        feature_cache_load(&md->set, threads, NULL, &md->cache, &built, err)) {
        model_data_close(md);
        return ASC_EFAIL;
    }
    return ASC_OK;
}

void model_data_close(model_data *md) {
    model_state_free(&md->state);
    feature_cache_close(&md->cache);
    tau_close(&md->set);
}
