/* Calibration of the internal INT8 grids; see int8_calibrate.h. */
#include "int8_calibrate.h"

#include <stdlib.h>

/* Adds each internal grid's batch [lo, hi], weighted by the batch's clips. */
static void accumulate(const AscModelInfo *m, const float *calib, int clips, double *sums,
                       double *weights) {
    for (int g = m->nquant; g < m->ngrids; g++) {
        if (calib[2 * g] > calib[2 * g + 1])
            continue; /* nothing written there */
        sums[2 * g] += clips * (double)calib[2 * g];
        sums[2 * g + 1] += clips * (double)calib[2 * g + 1];
        weights[g] += clips;
    }
}

int int8_calibrate(model_state *s, const float *features, long clip_size, const long *clips,
                   long n, int batch, int *unobserved) {
    const AscModelInfo *m = s->model->info;
    float *calib = malloc(sizeof(float) * 2 * (size_t)m->ngrids);
    double *sums = calloc(2 * (size_t)m->ngrids, sizeof(double));
    double *weights = calloc((size_t)m->ngrids, sizeof(double));
    float *logits = malloc(sizeof(float) * (size_t)batch * (size_t)m->classes);
    predictor p;
    int ok = calib && sums && weights && logits && predictor_init(&p, s, batch);
    if (ok) {
        /* Internal grids not yet set round nothing; the layer points do. */
        quant_ranges_clear(s->quant + 2 * m->nquant, m->ngrids - m->nquant);
        s->int8_grids = 0;
        p.calib = calib;
        for (long first = 0; first < n; first += batch) {
            int count = (int)(n - first < batch ? n - first : batch);
            predictor_load_clips(&p, features, clip_size, clips + first, count);
            quant_ranges_clear(calib, m->ngrids);
            predictor_run(&p, p.input, count, logits);
            accumulate(m, calib, count, sums, weights);
        }
        predictor_free(&p);
        *unobserved = -1;
        for (int g = m->nquant; g < m->ngrids; g++)
            if (weights[g] > 0) {
                s->quant[2 * g] = (float)(sums[2 * g] / weights[g]);
                s->quant[2 * g + 1] = (float)(sums[2 * g + 1] / weights[g]);
            } else if (*unobserved < 0) {
                *unobserved = g;
            }
        s->int8_grids = *unobserved < 0;
    }
    free(calib), free(sums), free(weights), free(logits);
    return ok;
}
