/* How far each device's recordings sit from device A's: the mean log-mel
 * spectrum per device, and its distance from device A's in dB.  Shows that
 * a data set's device shift is real (asc devices). */
#ifndef ASC_DEVICE_STATS_H
#define ASC_DEVICE_STATS_H

#include "feature_cache.h"
#include "logmel.h"
#include "tau.h"

typedef struct {
    long train[TAU_DEVICES], evaluate[TAU_DEVICES], clips[TAU_DEVICES];
    /* Mean over a device's clips and frames, per band, in dB. */
    double mean_db[TAU_DEVICES][LOGMEL_BANDS];
    /* Mean and largest |mean_db[d] - mean_db[A]| over the bands. */
    double shift_db[TAU_DEVICES], max_shift_db[TAU_DEVICES];
} device_stats;

void device_stats_compute(const tau_set *set, const feature_cache *fc,
                          device_stats *ds);

#endif
