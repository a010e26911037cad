/* Device statistics (see device_stats.h).  Log-mel values are natural
 * logs of power, so dB = 10 / ln 10 times the value. */
#include "device_stats.h"

#include <math.h>
#include <string.h>

#define DB_PER_NEPER_POWER 4.342944819032518

static void count_splits(const tau_set *set, device_stats *ds)
{
    for (long i = 0; i < set->n_train; i++)
        ds->train[set->clips[set->train[i]].device]++;
    for (long i = 0; i < set->n_evaluate; i++)
        ds->evaluate[set->clips[set->evaluate[i]].device]++;
}

void device_stats_compute(const tau_set *set, const feature_cache *fc,
                          device_stats *ds)
{
    memset(ds, 0, sizeof *ds);
    count_splits(set, ds);
    for (long i = 0; i < set->n_clips; i++) {
        int d = set->clips[i].device;
        const float *x = fc->features + i * LOGMEL_SIZE;
        ds->clips[d]++;
        for (int m = 0; m < LOGMEL_BANDS; m++) {
            double s = 0.0;
            for (int t = 0; t < LOGMEL_FRAMES; t++)
                s += x[m * LOGMEL_FRAMES + t];
            ds->mean_db[d][m] += s;
        }
    }
    for (int d = 0; d < TAU_DEVICES; d++)
        for (int m = 0; m < LOGMEL_BANDS && ds->clips[d]; m++)
            ds->mean_db[d][m] *= DB_PER_NEPER_POWER /
                                 ((double)ds->clips[d] * LOGMEL_FRAMES);
    for (int d = 0; d < TAU_DEVICES && ds->clips[0]; d++) {
        if (!ds->clips[d])
            continue;
        double sum = 0.0, worst = 0.0;
        for (int m = 0; m < LOGMEL_BANDS; m++) {
            double diff = fabs(ds->mean_db[d][m] - ds->mean_db[0][m]);
            sum += diff;
            if (diff > worst)
                worst = diff;
        }
        ds->shift_db[d] = sum / LOGMEL_BANDS;
        ds->max_shift_db[d] = worst;
    }
}
