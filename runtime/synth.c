/* The synthetic data set generator (see synth.h): plans segments and the
 * devices that record each one, renders them in parallel (every clip has
 * its own seed, so the output does not depend on the thread count), then
 * writes meta.csv and the fold-1 split files. */
/* sync() is an XSI function. */
#define _XOPEN_SOURCE 700

#include "synth.h"

#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "atomic_file.h"
#include "tau.h"

#define SEGMENTS_PER_LOCATION 5
#define CITIES 10
#define PLACE_STREAM 0x100000000ULL

static const char *const city[CITIES] = {
    "barcelona", "helsinki", "lisbon", "london", "lyon",
    "milan", "paris", "prague", "stockholm", "vienna"};

/* Devices of a training segment with parallel recordings (A, B, C, S1-S3)
 * and of an evaluation segment (all nine). */
#define TRAIN_PARALLEL_DEVICES 0x3fu
#define ALL_DEVICES 0x1ffu

typedef struct {
    int scene, city, evaluate;
    long location, id;
    unsigned devices; /* bit d: recorded by tau_device_names[d] */
} segment;

typedef struct {
    segment *seg;
    long n;
} plan;

synth_counts synth_scale_counts(synth_scale scale)
{
    /* full: device counts of the TAU 2022 development set's fold 1 (A 73 %
     * of training; B, C, S1-S3 7,500 each; 3,300 test clips per device). */
    static const synth_counts counts[] = {
        {1100, 80, 50}, {11000, 800, 500}, {102150, 7500, 3300}, {100, 10, 10}};
    return counts[scale];
}

int synth_parse_scale(const char *name, synth_scale *scale)
{
    static const char *const names[] = {"tiny", "small", "full", "micro"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *scale = (synth_scale)i;
            return 0;
        }
    return -1;
}

/* n segments of every scene in locations of SEGMENTS_PER_LOCATION; the
 * first `parallel` of each scene get `par_devices`, the rest device A. */
static void plan_split(plan *p, long per_scene, long parallel,
                       unsigned par_devices, int evaluate, long *location,
                       rng *r)
{
    for (int s = 0; s < TAU_SCENES; s++) {
        int c = 0;
        for (long k = 0; k < per_scene; k++) {
            if (k % SEGMENTS_PER_LOCATION == 0) {
                (*location)++;
                c = (int)rng_below(r, CITIES);
            }
            segment *g = &p->seg[p->n];
            g->scene = s;
            g->city = c;
            g->evaluate = evaluate;
            g->location = *location;
            g->id = p->n;
            g->devices = k < parallel ? par_devices : 1u;
            p->n++;
        }
    }
}

static int make_plan(plan *p, synth_counts c, uint64_t seed)
{
    long train = c.train_a / TAU_SCENES, par = c.train_parallel / TAU_SCENES;
    long eval = c.evaluate / TAU_SCENES, location = 0;
    p->n = 0;
    p->seg = malloc(sizeof(segment) * (size_t)(TAU_SCENES * (train + eval)));
    if (!p->seg)
        return -1;
    rng r;
    rng_seed(&r, seed, PLACE_STREAM - 1);
    plan_split(p, train, par, TRAIN_PARALLEL_DEVICES, 0, &location, &r);
    plan_split(p, eval, eval, ALL_DEVICES, 1, &location, &r);
    return 0;
}

static void clip_name(const segment *g, int d, char *buf, size_t size)
{
    snprintf(buf, size, "audio/%s-%s-%ld-%ld-%s.wav",
             tau_scene_names[g->scene], city[g->city], 1000 + g->location,
             10 * g->id, tau_device_names[d]);
}

/* 44.1 kHz 24-bit mono WAV, written under a temporary name then renamed. */
static asc_status write_wav(const char *path, const float *x, asc_err *err)
{
    char tmp[1500];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    SF_INFO si = {0};
    si.samplerate = SYNTH_RATE;
    si.channels = 1;
    si.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
    SNDFILE *sf = sf_open(tmp, SFM_WRITE, &si);
    if (!sf)
        return err_set(err, path, "cannot create: %s", sf_strerror(NULL));
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    sf_count_t n = sf_writef_float(sf, x, SYNTH_SAMPLES);
    if (sf_close(sf) != 0 || n != SYNTH_SAMPLES) {
        unlink(tmp);
        return err_set(err, path, "cannot write");
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return err_set(err, path, "cannot rename: %s", strerror(errno));
    }
    return ASC_OK;
}

static asc_status render_segment(const char *dir, const segment *g,
                                 uint64_t seed, asc_err *err)
{
    static _Thread_local float src[SYNTH_SAMPLES], out[SYNTH_SAMPLES];
    synth_place place;
    rng r;
    rng_seed(&r, seed, PLACE_STREAM + (uint64_t)g->location);
    synth_place_draw(g->scene, &r, &place);
    rng_seed(&r, seed, 16 * (uint64_t)g->id);
    synth_source(&place, &r, src);
    for (int d = 0; d < TAU_DEVICES; d++) {
        if (!(g->devices & (1u << d)))
            continue;
        char name[256], path[1400];
        clip_name(g, d, name, sizeof name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        rng_seed(&r, seed, 16 * (uint64_t)g->id + 1 + (uint64_t)d);
        synth_device(d, src, &r, out);
        if (write_wav(path, out, err))
            return ASC_EFAIL;
    }
    return ASC_OK;
}

static asc_status render_all(const char *dir, const plan *p, uint64_t seed,
                             int threads, asc_err *err)
{
    int failed = 0;
#ifdef _OPENMP
    if (threads > 0)
        omp_set_num_threads(threads);
#else
    (void)threads;
#endif
#pragma omp parallel for schedule(dynamic, 4)
    for (long i = 0; i < p->n; i++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop)
            continue;
        asc_err e;
        if (render_segment(dir, &p->seg[i], seed, &e)) {
#pragma omp critical(synth_error)
            if (!failed) {
                *err = e;
#pragma omp atomic write
                failed = 1;
            }
        }
    }
    return failed ? ASC_EFAIL : ASC_OK;
}

typedef enum { LIST_META, LIST_TRAIN, LIST_EVALUATE, LIST_TEST } list_kind;

static void list_rows(FILE *f, const plan *p, list_kind kind)
{
    static const char *const header[] = {
        "filename\tscene_label\tidentifier\tsource_label\n",
        "filename\tscene_label\n", "filename\tscene_label\n", "filename\n"};
    fputs(header[kind], f);
    for (long i = 0; i < p->n; i++) {
        const segment *g = &p->seg[i];
        if ((kind == LIST_TRAIN && g->evaluate) ||
            ((kind == LIST_EVALUATE || kind == LIST_TEST) && !g->evaluate))
            continue;
        for (int d = 0; d < TAU_DEVICES; d++) {
            if (!(g->devices & (1u << d)))
                continue;
            char name[256];
            clip_name(g, d, name, sizeof name);
            const char *scene = tau_scene_names[g->scene];
            if (kind == LIST_META)
                fprintf(f, "%s\t%s\t%s-%ld\t%s\n", name, scene, city[g->city],
                        1000 + g->location, tau_device_names[d]);
            else if (kind == LIST_TEST)
                fprintf(f, "%s\n", name);
            else
                fprintf(f, "%s\t%s\n", name, scene);
        }
    }
}

static asc_status write_list(const char *dir, const char *name, const plan *p,
                             list_kind kind, asc_err *err)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    atomic_file af;
    if (atomic_open(&af, path, err))
        return ASC_EFAIL;
    list_rows(af.fp, p, kind);
    return atomic_commit(&af, err);
}

static asc_status make_dirs(const char *dir, asc_err *err)
{
    const char *sub[] = {"", "/audio", "/evaluation_setup"};
    char path[1400];
    struct stat sb;
    snprintf(path, sizeof path, "%s/meta.csv", dir);
    if (stat(path, &sb) == 0)
        return err_set(err, dir, "already holds a data set (meta.csv); "
                                 "choose another --out");
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", dir, sub[i]);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return err_set(err, path, "cannot create directory: %s",
                           strerror(errno));
        if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return err_set(err, path, "is not a directory");
    }
    return ASC_OK;
}

asc_status synth_generate(const char *dir, synth_counts counts, uint64_t seed,
                          int threads, asc_err *err)
{
    plan p;
    if (make_dirs(dir, err))
        return ASC_EFAIL;
    if (make_plan(&p, counts, seed))
        return err_set(err, dir, "out of memory");
    asc_status st = render_all(dir, &p, seed, threads, err);
    /* Audio on disk before meta.csv names it: meta.csv marks a finished set. */
    if (!st)
        sync();
    if (!st)
        st = write_list(dir, "evaluation_setup/fold1_train.csv", &p, LIST_TRAIN, err);
    if (!st)
        st = write_list(dir, "evaluation_setup/fold1_evaluate.csv", &p,
                        LIST_EVALUATE, err);
    if (!st)
        st = write_list(dir, "evaluation_setup/fold1_test.csv", &p, LIST_TEST, err);
    if (!st)
        st = write_list(dir, "meta.csv", &p, LIST_META, err);
    free(p.seg);
    return st;
}
