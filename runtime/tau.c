/* TAU Urban Acoustic Scenes 2022 Mobile reader (see tau.h).  meta.csv is
 * the master list; the split files may only name clips it lists, with the
 * same scene.  File names are looked up through a small hash table. */
#include "tau.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const tau_scene_names[TAU_SCENES] = {
    "airport", "bus", "metro", "metro_station", "park", "public_square",
    "shopping_mall", "street_pedestrian", "street_traffic", "tram"};

const char *const tau_device_names[TAU_DEVICES] = {
    "a", "b", "c", "s1", "s2", "s3", "s4", "s5", "s6"};

#define MAX_FIELDS 8

typedef struct {
    const char *path;
    FILE *fp;
    char *line;
    size_t cap;
    long lineno;
    char *field[MAX_FIELDS];
    int nfields;
} csv;

typedef struct {
    long *slot; /* clip index + 1; 0 = empty */
    size_t size;
} name_table;

int tau_scene_index(const char *name)
{
    for (int i = 0; i < TAU_SCENES; i++)
        if (strcmp(name, tau_scene_names[i]) == 0)
            return i;
    return -1;
}

int tau_device_index(const char *name)
{
    for (int i = 0; i < TAU_DEVICES; i++)
        if (strcmp(name, tau_device_names[i]) == 0)
            return i;
    return -1;
}

int tau_device_of(const char *filename)
{
    size_t n = strlen(filename);
    if (n < 4 || strcmp(filename + n - 4, ".wav") != 0)
        return -1;
    const char *dash = NULL;
    for (const char *p = filename; p < filename + n - 4; p++)
        if (*p == '-')
            dash = p;
    if (!dash)
        return -1;
    char dev[8];
    size_t len = (size_t)(filename + n - 4 - (dash + 1));
    if (len == 0 || len >= sizeof dev)
        return -1;
    memcpy(dev, dash + 1, len);
    dev[len] = '\0';
    return tau_device_index(dev);
}

void tau_clip_path(const tau_set *set, long clip, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", set->root, set->clips[clip].filename);
}

/* Reads the next line split at tabs; 0 at end of file. */
static int csv_next(csv *c)
{
    ssize_t n = getline(&c->line, &c->cap, c->fp);
    if (n < 0)
        return 0;
    c->lineno++;
    while (n > 0 && (c->line[n - 1] == '\n' || c->line[n - 1] == '\r'))
        c->line[--n] = '\0';
    c->nfields = 0;
    char *p = c->line;
    for (;;) {
        if (c->nfields < MAX_FIELDS)
            c->field[c->nfields] = p;
        c->nfields++;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return 1;
}

static asc_status csv_open(csv *c, const char *path, const char *header,
                           asc_err *err)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->fp = fopen(path, "r");
    if (!c->fp)
        return err_set(err, path, "cannot open");
    if (!csv_next(c))
        return err_set(err, path, "is empty (expected header '%s')", header);
    char got[512] = "";
    for (int i = 0; i < c->nfields && i < MAX_FIELDS; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s",
                 i ? "\\t" : "", c->field[i]);
    char want[512];
    snprintf(want, sizeof want, "%s", header);
    for (char *p; (p = strchr(want, '\t'));) {
        memmove(p + 2, p + 1, strlen(p + 1) + 1);
        p[0] = '\\';
        p[1] = 't';
    }
    if (strcmp(got, want) != 0)
        return err_set_line(err, path, 1, "wrong header '%s' (expected '%s')",
                            got, want);
    return ASC_OK;
}

static void csv_close(csv *c)
{
    if (c->fp)
        fclose(c->fp);
    free(c->line);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Slot holding name, or the empty slot where it would go. */
static size_t table_find(const name_table *t, const tau_clip *clips,
                         const char *name)
{
    size_t i = fnv1a(name) & (t->size - 1);
    while (t->slot[i] && strcmp(clips[t->slot[i] - 1].filename, name) != 0)
        i = (i + 1) & (t->size - 1);
    return i;
}

static asc_status check_clip_row(csv *c, tau_clip *clip, asc_err *err)
{
    if (c->nfields != 4)
        return err_set_line(err, c->path, c->lineno,
                            "%d field%s (expected 4, tab-separated)",
                            c->nfields, c->nfields == 1 ? "" : "s");
    const char *name = c->field[0];
    if (strncmp(name, "audio/", 6) != 0)
        return err_set_line(err, c->path, c->lineno,
                            "file name '%s' is not under audio/", name);
    clip->scene = tau_scene_index(c->field[1]);
    if (clip->scene < 0)
        return err_set_line(err, c->path, c->lineno, "unknown scene '%s'",
                            c->field[1]);
    size_t sl = strlen(c->field[1]);
    if (strncmp(name + 6, c->field[1], sl) != 0 || name[6 + sl] != '-')
        return err_set_line(err, c->path, c->lineno,
                            "file name '%s' does not start with its scene '%s'",
                            name, c->field[1]);
    clip->device = tau_device_of(name);
    if (clip->device < 0)
        return err_set_line(err, c->path, c->lineno,
                            "unknown device in file name '%s' (expected "
                            "-a, -b, -c, -s1 .. -s6 before .wav)", name);
    if (strcmp(c->field[3], tau_device_names[clip->device]) != 0)
        return err_set_line(err, c->path, c->lineno,
                            "source_label '%s' differs from the file name's "
                            "device '%s'", c->field[3],
                            tau_device_names[clip->device]);
    if (!c->field[2][0])
        return err_set_line(err, c->path, c->lineno, "empty identifier");
    return ASC_OK;
}

static asc_status grow_clips(tau_set *set, long *cap, const char *path,
                             asc_err *err)
{
    if (set->n_clips < *cap)
        return ASC_OK;
    long ncap = *cap ? 2 * *cap : 1024;
    tau_clip *p = realloc(set->clips, (size_t)ncap * sizeof *p);
    if (!p)
        return err_set(err, path, "out of memory");
    set->clips = p;
    *cap = ncap;
    return ASC_OK;
}

static asc_status read_meta(tau_set *set, const char *path, asc_err *err)
{
    csv c;
    long cap = 0;
    asc_status st = csv_open(&c, path,
                             "filename\tscene_label\tidentifier\tsource_label",
                             err);
    while (!st && csv_next(&c)) {
        tau_clip clip;
        st = check_clip_row(&c, &clip, err);
        if (!st)
            st = grow_clips(set, &cap, path, err);
        if (st)
            break;
        clip.filename = strdup(c.field[0]);
        clip.identifier = strdup(c.field[2]);
        set->clips[set->n_clips++] = clip;
        if (!clip.filename || !clip.identifier)
            st = err_set(err, path, "out of memory");
    }
    if (!st && set->n_clips == 0)
        st = err_set(err, path, "lists no clips");
    csv_close(&c);
    return st;
}

/* Hash every meta.csv name; a second occurrence is a duplicate row (its
 * line is 1 + its index, after the header). */
static asc_status index_names(tau_set *set, name_table *t, const char *path,
                              asc_err *err)
{
    t->size = 1;
    while (t->size < 2 * (size_t)set->n_clips)
        t->size <<= 1;
    t->slot = calloc(t->size, sizeof *t->slot);
    if (!t->slot)
        return err_set(err, path, "out of memory");
    for (long i = 0; i < set->n_clips; i++) {
        size_t s = table_find(t, set->clips, set->clips[i].filename);
        if (t->slot[s])
            return err_set_line(err, path, i + 2,
                                "duplicate row for '%s' (first on line %ld)",
                                set->clips[i].filename, t->slot[s] + 1);
        t->slot[s] = i + 1;
    }
    return ASC_OK;
}

static asc_status check_audio_exists(const tau_set *set, const char *path,
                                     asc_err *err)
{
    char file[2048];
    struct stat sb;
    for (long i = 0; i < set->n_clips; i++) {
        tau_clip_path(set, i, file, sizeof file);
        if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
            return err_set_line(err, path, i + 2, "audio file %s is missing",
                                file);
    }
    return ASC_OK;
}

typedef struct {
    const char *name;   /* file under evaluation_setup/ */
    const char *header;
    int labelled;       /* has a scene_label column to check */
    int optional;
} split_spec;

static asc_status split_row(csv *c, const tau_set *set, const name_table *t,
                            const split_spec *sp, unsigned char *seen,
                            long *clip, asc_err *err)
{
    int want = sp->labelled ? 2 : 1;
    if (c->nfields != want)
        return err_set_line(err, c->path, c->lineno,
                            "%d field%s (expected %d, tab-separated)",
                            c->nfields, c->nfields == 1 ? "" : "s", want);
    size_t s = table_find(t, set->clips, c->field[0]);
    if (!t->slot[s])
        return err_set_line(err, c->path, c->lineno,
                            "'%s' is not in meta.csv", c->field[0]);
    *clip = t->slot[s] - 1;
    const tau_clip *cl = &set->clips[*clip];
    if (sp->labelled && strcmp(c->field[1], tau_scene_names[cl->scene]) != 0)
        return err_set_line(err, c->path, c->lineno,
                            "%s '%s' but meta.csv says '%s'",
                            tau_scene_index(c->field[1]) < 0
                                ? "unknown scene" : "scene",
                            c->field[1], tau_scene_names[cl->scene]);
    if (seen[*clip])
        return err_set_line(err, c->path, c->lineno, "duplicate row for '%s'",
                            c->field[0]);
    seen[*clip] = 1;
    return ASC_OK;
}

static asc_status read_split(tau_set *set, const name_table *t,
                             const split_spec *sp, long **out, long *n,
                             asc_err *err)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/evaluation_setup/%s", set->root, sp->name);
    struct stat sb;
    if (sp->optional && stat(path, &sb) != 0)
        return ASC_OK;
    unsigned char *seen = calloc((size_t)set->n_clips, 1);
    *out = malloc((size_t)set->n_clips * sizeof **out);
    if (!seen || !*out) {
        free(seen);
        return err_set(err, path, "out of memory");
    }
    csv c;
    asc_status st = csv_open(&c, path, sp->header, err);
    while (!st && csv_next(&c)) {
        long clip = 0;
        st = split_row(&c, set, t, sp, seen, &clip, err);
        if (!st)
            (*out)[(*n)++] = clip;
    }
    csv_close(&c);
    free(seen);
    return st;
}

/* Training and evaluation clips must be disjoint, or scores mean nothing. */
static asc_status check_disjoint(const tau_set *set, asc_err *err)
{
    unsigned char *in_train = calloc((size_t)set->n_clips, 1);
    if (!in_train)
        return err_set(err, set->root, "out of memory");
    for (long i = 0; i < set->n_train; i++)
        in_train[set->train[i]] = 1;
    asc_status st = ASC_OK;
    for (long i = 0; i < set->n_evaluate && !st; i++)
        if (in_train[set->evaluate[i]]) {
            char path[2048];
            snprintf(path, sizeof path,
                     "%s/evaluation_setup/fold1_evaluate.csv", set->root);
            st = err_set_line(err, path, i + 2,
                              "'%s' is also in fold1_train.csv",
                              set->clips[set->evaluate[i]].filename);
        }
    free(in_train);
    return st;
}

asc_status tau_open(const char *dir, tau_set *set, asc_err *err)
{
    static const split_spec specs[3] = {
        {"fold1_train.csv", "filename\tscene_label", 1, 0},
        {"fold1_evaluate.csv", "filename\tscene_label", 1, 0},
        {"fold1_test.csv", "filename", 0, 1}};
    memset(set, 0, sizeof *set);
    set->root = strdup(dir);
    if (!set->root)
        return err_set(err, dir, "out of memory");
    char meta[2048];
    snprintf(meta, sizeof meta, "%s/meta.csv", dir);
    name_table t = {0};
    asc_status st = read_meta(set, meta, err);
    if (!st)
        st = index_names(set, &t, meta, err);
    if (!st)
        st = check_audio_exists(set, meta, err);
    if (!st)
        st = read_split(set, &t, &specs[0], &set->train, &set->n_train, err);
    if (!st)
        st = read_split(set, &t, &specs[1], &set->evaluate, &set->n_evaluate,
                        err);
    if (!st)
        st = read_split(set, &t, &specs[2], &set->test, &set->n_test, err);
    if (!st)
        st = check_disjoint(set, err);
    free(t.slot);
    if (st)
        tau_close(set);
    return st;
}

void tau_close(tau_set *set)
{
    for (long i = 0; i < set->n_clips; i++) {
        free(set->clips[i].filename);
        free(set->clips[i].identifier);
    }
    free(set->clips);
    free(set->train);
    free(set->evaluate);
    free(set->test);
    free(set->root);
    memset(set, 0, sizeof *set);
}
