/* The feature cache of a data set: every clip's log-mel in one file,
 * memory-mapped, so features are computed once per data set.  The header
 * holds a hash of the inputs (file names, sizes, modification times and the
 * front end's parameters); a cache whose hash differs is rebuilt. */
#ifndef ASC_FEATURE_CACHE_H
#define ASC_FEATURE_CACHE_H

#include <stdint.h>

#include "error.h"
#include "tau.h"

#define FEATURE_CACHE_NAME "logmel.cache"
#define FEATURE_CACHE_VERSION 1u

/* On disk, little-endian, 64 bytes, then count x bands x frames float32 in
 * meta.csv order. */
typedef struct {
    char magic[8]; /* "ASCFEAT\0" */
    uint32_t version, bands, frames, reserved;
    uint64_t count, inputs_hash;
    uint8_t pad[24];
} feature_cache_header;

typedef struct {
    void *map;
    size_t map_size;
    const float *features; /* clip i at features + i * LOGMEL_SIZE */
    long count;
} feature_cache;

typedef struct {
    int rebuilt;       /* 0: the existing cache was up to date */
    long warnings;     /* clips accepted with a length or rate warning */
    double seconds;    /* build time */
    double bytes;      /* file size */
} feature_cache_stats;

/* Hash of everything the cached features depend on. */
asc_status feature_cache_hash(const tau_set *set, uint64_t *hash,
                              asc_err *err);

/* Opens DIR/logmel.cache, rebuilding it first (atomically, with `threads`
 * OpenMP threads, <= 0 for the default) when missing or stale.  Warnings
 * for accepted-but-fixed clips go to warn (one line each) if non-NULL. */
asc_status feature_cache_load(const tau_set *set, int threads,
                              void (*warn)(const char *line),
                              feature_cache *fc, feature_cache_stats *stats,
                              asc_err *err);

void feature_cache_close(feature_cache *fc);

#endif
