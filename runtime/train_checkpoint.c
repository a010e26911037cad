/* Saving a training run and resuming it (docs/checkpoints.md lists the
 * sections). Everything a step depends on is saved at the end of an epoch:
 * parameters, statistics, QAT ranges, AdamW moments and step, the counters, the
 * pre-trained anchor of fine-tuning and log.tsv so far; batches depend only on
 * (seed, epoch, index), so no generator state is needed beyond those. */
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "checkpoint.h"
#include "trainer_state.h"

/* The counters of a run, stored as one section. */
typedef struct run_counters {
    int64_t epochs_done, step, adam_step;
    double best_val_logloss;
} run_counters;

static int run_sections(const trainer *t, const run_counters *pr, ckpt_section *s) {
    const AscModelInfo *m = t->info;
    uint64_t np = sizeof(float) * (uint64_t)m->params;
    int n = 0;
    s[n++] = (ckpt_section){"params", t->state.params, np};
    s[n++] = (ckpt_section){"stats", t->state.stats, sizeof(float) * (uint64_t)m->stats_floats};
    if (t->state.quant)
        s[n++] = (ckpt_section){"quant", t->state.quant, sizeof(float) * 2 * (uint64_t)m->nquant};
    s[n++] = (ckpt_section){"adam_m", t->opt.m, np};
    s[n++] = (ckpt_section){"adam_v", t->opt.v, np};
    s[n++] = (ckpt_section){"progress", pr, sizeof *pr};
    if (t->anchor)
        s[n++] = (ckpt_section){"anchor", t->anchor, np};
    s[n++] = (ckpt_section){"config", t->config, strlen(t->config)};
    s[n++] = (ckpt_section){"log", t->log, t->log_len};
    return n;
}

static asc_status write_log(const trainer *t, asc_err *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/log.tsv", t->o->out);
    atomic_file af;
    if (atomic_open(&af, path, err))
        return ASC_EFAIL;
    if (fwrite(t->log, 1, t->log_len, af.fp) != t->log_len) {
        atomic_abort(&af);
        return err_set(err, path, "write failed");
    }
    return atomic_commit(&af, err);
}

asc_status train_save(trainer *t, int best, asc_err *err) {
    run_counters pr = {t->epoch, t->step, t->opt.step, t->best_val_logloss};
    ckpt_section sections[12];
    int n = run_sections(t, &pr, sections);
    char path[1024];
    snprintf(path, sizeof path, "%s/last.ckpt", t->o->out);
    if (ckpt_write(path, t->info->name, t->info->spec_hash, sections, n, err))
        return ASC_EFAIL;
    snprintf(path, sizeof path, "%s/best.ckpt", t->o->out);
    if (best && ckpt_write(path, t->info->name, t->info->spec_hash, sections, n, err))
        return ASC_EFAIL;
    return write_log(t, err);
}

/* The first line where two descriptions differ, for the error message. */
static void first_difference(const char *a, const char *b, char *out, size_t size) {
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0) {
            snprintf(out, size, "it has '%.*s', this run '%.*s'", (int)la, a, (int)lb, b);
            return;
        }
        a += la + (a[la] == '\n');
        b += lb + (b[lb] == '\n');
    }
    snprintf(out, size, "its options differ");
}

static asc_status check_config(const trainer *t, const ckpt_file *ck, const char *path,
                               asc_err *err) {
    const void *data;
    uint64_t size;
    if (ckpt_get(ck, path, "config", UINT64_MAX, &data, &size, err))
        return ASC_EFAIL;
    if (size == strlen(t->config) && memcmp(data, t->config, size) == 0)
        return ASC_OK;
    char saved[4096], why[600];
    snprintf(saved, sizeof saved, "%.*s", (int)(size < sizeof saved ? size : sizeof saved - 1),
             (const char *)data);
    first_difference(saved, t->config, why, sizeof why);
    return err_set(err, path, "cannot resume: written by a run with other options (%s)", why);
}

static asc_status restore_floats(const ckpt_file *ck, const char *path, const char *name,
                                 float *dest, int64_t count, asc_err *err) {
    const void *data;
    if (ckpt_get(ck, path, name, sizeof(float) * (uint64_t)count, &data, NULL, err))
        return ASC_EFAIL;
    memcpy(dest, data, sizeof(float) * (size_t)count);
    return ASC_OK;
}

static asc_status restore_log(trainer *t, const ckpt_file *ck, const char *path, asc_err *err) {
    const void *data;
    uint64_t size;
    if (ckpt_get(ck, path, "log", UINT64_MAX, &data, &size, err))
        return ASC_EFAIL;
    char *log = malloc(size + 1);
    if (!log)
        return err_set(err, path, "out of memory");
    memcpy(log, data, size);
    free(t->log);
    t->log = log;
    t->log_len = t->log_cap = size;
    return ASC_OK;
}

static asc_status restore_sections(trainer *t, const ckpt_file *ck, const char *path,
                                   asc_err *err) {
    const AscModelInfo *m = t->info;
    const void *data;
    if (restore_floats(ck, path, "params", t->state.params, m->params, err) ||
        restore_floats(ck, path, "stats", t->state.stats, m->stats_floats, err) ||
        (t->state.quant && restore_floats(ck, path, "quant", t->state.quant, 2 * m->nquant, err)) ||
        restore_floats(ck, path, "adam_m", t->opt.m, m->params, err) ||
        restore_floats(ck, path, "adam_v", t->opt.v, m->params, err) ||
        (t->anchor && restore_floats(ck, path, "anchor", t->anchor, m->params, err)) ||
        ckpt_get(ck, path, "progress", sizeof(run_counters), &data, NULL, err) ||
        restore_log(t, ck, path, err))
        return ASC_EFAIL;
    run_counters pr;
    memcpy(&pr, data, sizeof pr);
    if (pr.epochs_done < 0 || pr.epochs_done > t->o->epochs || pr.step < 0 || pr.adam_step < 0)
        return err_set(err, path, "cannot resume: its progress counters are out of range");
    t->epoch = (int)pr.epochs_done;
    t->step = (long)pr.step;
    t->opt.step = pr.adam_step;
    t->best_val_logloss = pr.best_val_logloss;
    return ASC_OK;
}

asc_status train_restore(trainer *t, const char *path, asc_err *err) {
    ckpt_file ck;
    if (ckpt_read(path, t->info->name, t->info->spec_hash, &ck, err))
        return ASC_EFAIL;
    asc_status st = check_config(t, &ck, path, err);
    if (st == ASC_OK)
        st = restore_sections(t, &ck, path, err);
    ckpt_close(&ck);
    return st;
}
