/* INT8 constants at run time; see int8_model.h. */
#include "int8_model.h"

#include <stdlib.h>

#include "nn_int8_prepare.h"

asc_status int8_model_prepare(int8_model *m, const AscModel *model, const float *params,
                              const float *stats, const float *ranges, const char *path,
                              asc_err *err) {
    const AscInt8 *d = model->int8;
    *m = (int8_model){.desc = d};
    if (!d)
        return err_set(err, model->info->name, "this model has no INT8 form (see its generated C)");
    m->w.w8 = malloc((size_t)d->n8 + 1);
    m->w.w32 = malloc(sizeof(int32_t) * ((size_t)d->n32 + 1));
    m->w.w64 = malloc(sizeof(int64_t) * ((size_t)d->n64 + 1));
    m->w.u8 = malloc((size_t)d->nu8 + 1);
    m->w.wf = malloc(sizeof(float) * ((size_t)d->nf + 1));
    if (!m->w.w8 || !m->w.w32 || !m->w.w64 || !m->w.u8 || !m->w.wf) {
        int8_model_free(m);
        return err_set(err, path, "out of memory");
    }
    char why[256];
    const AscModelInfo *info = model->info;
    if (nn_i8_prepare(d->steps, d->nsteps, info->ngrids, info->grid_names, params, stats, ranges,
                      &m->w, why, sizeof why)) {
        int8_model_free(m);
        return err_set(err, path, "%s", why);
    }
    m->c = (NnI8Constants){m->w.w8, m->w.w32, m->w.w64, m->w.u8, m->w.wf};
    return ASC_OK;
}

void int8_model_free(int8_model *m) {
    free(m->w.w8), free(m->w.w32), free(m->w.w64), free(m->w.u8), free(m->w.wf);
    *m = (int8_model){0};
}
