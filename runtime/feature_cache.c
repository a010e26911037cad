/* Feature cache (see feature_cache.h).  Built in chunks of clips computed
 * in parallel (one audio loader and one log-mel plan per thread) and
 * appended in order, so memory stays bounded and the file is the same
 * whatever the thread count. */
#include "feature_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "atomic_file.h"
#include "audio.h"
#include "logmel.h"

#define CHUNK 512

static void fnv(uint64_t *h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ p[i]) * 1099511628211ULL;
}

asc_status feature_cache_hash(const tau_set *set, uint64_t *hash,
                              asc_err *err)
{
    uint64_t h = 1469598103934665603ULL;
    const double params[] = {FEATURE_CACHE_VERSION, AUDIO_RATE,
                             AUDIO_CLIP_SAMPLES, LOGMEL_N_FFT, LOGMEL_HOP,
                             LOGMEL_BANDS, LOGMEL_F_MIN, LOGMEL_F_MAX,
                             LOGMEL_FLOOR};
    fnv(&h, params, sizeof params);
    for (long i = 0; i < set->n_clips; i++) {
        char path[2048];
        struct stat sb;
        tau_clip_path(set, i, path, sizeof path);
        if (stat(path, &sb) != 0)
            return err_set(err, path, "cannot stat: %s", strerror(errno));
        int64_t key[3] = {(int64_t)sb.st_size, (int64_t)sb.st_mtim.tv_sec,
                          (int64_t)sb.st_mtim.tv_nsec};
        fnv(&h, set->clips[i].filename, strlen(set->clips[i].filename) + 1);
        fnv(&h, key, sizeof key);
    }
    *hash = h;
    return ASC_OK;
}

static void cache_path(const tau_set *set, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", set->root, FEATURE_CACHE_NAME);
}

/* Maps the cache; *fresh says whether it matches (hash, count, shape). */
static asc_status map_cache(const char *path, uint64_t hash, long count,
                            feature_cache *fc, int *fresh, asc_err *err)
{
    *fresh = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno == ENOENT ? ASC_OK
                               : err_set(err, path, "cannot open: %s",
                                         strerror(errno));
    struct stat sb;
    size_t want = sizeof(feature_cache_header) +
                  (size_t)count * LOGMEL_SIZE * sizeof(float);
    feature_cache_header h;
    if (fstat(fd, &sb) != 0 || (size_t)sb.st_size != want ||
        read(fd, &h, sizeof h) != (ssize_t)sizeof h ||
        memcmp(h.magic, "ASCFEAT", 8) != 0 ||
        h.version != FEATURE_CACHE_VERSION || h.bands != LOGMEL_BANDS ||
        h.frames != LOGMEL_FRAMES || h.count != (uint64_t)count ||
        h.inputs_hash != hash) {
        close(fd);
        return ASC_OK;
    }
    void *map = mmap(NULL, want, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return err_set(err, path, "cannot map: %s", strerror(errno));
    fc->map = map;
    fc->map_size = want;
    fc->features = (const float *)((char *)map + sizeof h);
    fc->count = count;
    *fresh = 1;
    return ASC_OK;
}

typedef struct {
    audio_loader *ld;
    logmel *lm;
} worker;

typedef struct {
    const tau_set *set;
    worker *w;
    int nworkers;
    void (*warn)(const char *line);
    long warnings;
} builder;

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Clip `clip` into out; on failure err is set and -1 returned. */
static int compute_clip(builder *b, long clip, float *out, asc_err *err)
{
    static _Thread_local float pcm[AUDIO_CLIP_SAMPLES];
    worker *w = &b->w[thread_id()];
    char path[2048];
    audio_info info;
    tau_clip_path(b->set, clip, path, sizeof path);
    if (audio_load(w->ld, path, pcm, &info, err))
        return -1;
    logmel_compute(w->lm, pcm, AUDIO_CLIP_SAMPLES, out);
    if (info.warnings) {
        char text[256], line[2400];
        audio_warning_text(&info, text, sizeof text);
        snprintf(line, sizeof line, "%s: %s", path, text);
#pragma omp critical(feature_cache_warn)
        {
            b->warnings++;
            if (b->warn)
                b->warn(line);
        }
    }
    return 0;
}

/* Clips first .. first+n-1 into buf; the error reported is that of the
 * first failing clip, whatever the thread timing. */
static asc_status compute_chunk(builder *b, long first, long n, float *buf,
                                asc_err *err)
{
    long failed_at = -1;
#pragma omp parallel for schedule(dynamic, 4) num_threads(b->nworkers)
    for (long i = 0; i < n; i++) {
        asc_err e;
        if (compute_clip(b, first + i, buf + i * LOGMEL_SIZE, &e)) {
#pragma omp critical(feature_cache_error)
            if (failed_at < 0 || i < failed_at) {
                failed_at = i;
                *err = e;
            }
        }
    }
    return failed_at >= 0 ? ASC_EFAIL : ASC_OK;
}

static asc_status write_all(builder *b, FILE *fp, float *buf, asc_err *err)
{
    for (long first = 0; first < b->set->n_clips; first += CHUNK) {
        long n = b->set->n_clips - first < CHUNK ? b->set->n_clips - first
                                                 : CHUNK;
        if (compute_chunk(b, first, n, buf, err))
            return ASC_EFAIL;
        if (fwrite(buf, sizeof(float) * LOGMEL_SIZE, (size_t)n, fp) !=
            (size_t)n)
            return err_set(err, b->set->root, "cannot write the cache: %s",
                           strerror(errno));
    }
    return ASC_OK;
}

static asc_status make_workers(builder *b, int threads, asc_err *err)
{
#ifdef _OPENMP
    b->nworkers = threads > 0 ? threads : omp_get_max_threads();
#else
    (void)threads;
    b->nworkers = 1;
#endif
    b->w = calloc((size_t)b->nworkers, sizeof *b->w);
    if (!b->w)
        return err_set(err, b->set->root, "out of memory");
    for (int i = 0; i < b->nworkers; i++) {
        b->w[i].ld = audio_loader_new();
        b->w[i].lm = logmel_new(err);
        if (!b->w[i].ld || !b->w[i].lm)
            return b->w[i].lm ? err_set(err, b->set->root, "out of memory")
                              : ASC_EFAIL;
    }
    return ASC_OK;
}

static void free_workers(builder *b)
{
    for (int i = 0; b->w && i < b->nworkers; i++) {
        audio_loader_free(b->w[i].ld);
        logmel_free(b->w[i].lm);
    }
    free(b->w);
}

static asc_status build(const tau_set *set, const char *path, uint64_t hash,
                        int threads, builder *b, asc_err *err)
{
    feature_cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, "ASCFEAT", 8);
    h.version = FEATURE_CACHE_VERSION;
    h.bands = LOGMEL_BANDS;
    h.frames = LOGMEL_FRAMES;
    h.count = (uint64_t)set->n_clips;
    h.inputs_hash = hash;
    b->set = set;
    float *buf = malloc(sizeof(float) * LOGMEL_SIZE * CHUNK);
    atomic_file af;
    asc_status st = buf ? make_workers(b, threads, err)
                        : err_set(err, set->root, "out of memory");
    if (!st)
        st = atomic_open(&af, path, err);
    if (!st) {
        if (fwrite(&h, sizeof h, 1, af.fp) != 1)
            st = err_set(err, path, "cannot write: %s", strerror(errno));
        if (!st)
            st = write_all(b, af.fp, buf, err);
        if (st)
            atomic_abort(&af);
        else
            st = atomic_commit(&af, err);
    }
    free_workers(b);
    free(buf);
    return st;
}

asc_status feature_cache_load(const tau_set *set, int threads,
                              void (*warn)(const char *line),
                              feature_cache *fc, feature_cache_stats *stats,
                              asc_err *err)
{
    char path[2048];
    uint64_t hash;
    int fresh;
    memset(fc, 0, sizeof *fc);
    memset(stats, 0, sizeof *stats);
    cache_path(set, path, sizeof path);
    if (feature_cache_hash(set, &hash, err) ||
        map_cache(path, hash, set->n_clips, fc, &fresh, err))
        return ASC_EFAIL;
    if (!fresh) {
        struct timespec t0, t1;
        builder b = {0};
        b.warn = warn;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (build(set, path, hash, threads, &b, err) ||
            map_cache(path, hash, set->n_clips, fc, &fresh, err))
            return ASC_EFAIL;
        if (!fresh)
            return err_set(err, path, "changed while it was being built");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        stats->rebuilt = 1;
        stats->warnings = b.warnings;
        stats->seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    }
    stats->bytes = (double)fc->map_size;
    return ASC_OK;
}

void feature_cache_close(feature_cache *fc)
{
    if (fc->map)
        munmap(fc->map, fc->map_size);
    memset(fc, 0, sizeof *fc);
}
