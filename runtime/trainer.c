/* The training loop: setup from the options, then epochs of prefetched
 * batches, a validation pass and a checkpoint after each. See trainer.h. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "arena_alloc.h"
#include "cli_options.h"
#include "logmel.h"
#include "metrics.h"
#include "model_init.h"
#include "model_registry.h"
#include "npy.h"
#include "schedule.h"
#include "trainer_state.h"

train_options train_defaults(void) {
    return (train_options){
        .epochs = 300, .batch = 512, .micro_batch = 64, .threads = 0, .seed = 1,
        .warmup_epochs = -1, .lr = 0.01, .weight_decay = 0.05, .mixup_alpha = 0.3,
        .split = SPLIT_TRAIN, .qat_freeze_epochs = -1, .kd_alpha = 0.5, .kd_temp = 2,
        .drop_device = -1, .drop_max = 0.9, .lambda = 0.4, .fc_lr = 1e-3,
    };
}

train_options finetune_defaults(void) {
    train_options o = train_defaults();
    o.finetune = 1;
    o.epochs = 20;
    o.lr = 1e-5;
    o.weight_decay = 1e-8;
    o.warmup_epochs = 0;
    o.mixup_alpha = 0;
    o.drop_device = 0; /* a */
    return o;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- setup ---------------------------------------------------------------- */

/* The clips of one or two splits, in file order. */
static long *join_splits(const long *a, long na, const long *b, long nb, long *n) {
    long *out = malloc(sizeof *out * (size_t)(na + nb + 1));
    if (out && na) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(out, a, sizeof *a * (size_t)na);
    if (out && nb)
        memcpy(out + na, b, sizeof *b * (size_t)nb);
    *n = na + nb;
    return out;
}

static asc_status open_data(trainer *t, asc_err *err) {
    const train_options *o = t->o;
    if (tau_open(o->data, &t->set, err))
        return ASC_EFAIL;
    feature_cache_stats built;
    if (feature_cache_load(&t->set, o->threads, NULL, &t->cache, &built, err))
        return ASC_EFAIL;
    if (built.rebuilt)
        printf("%s/%s: features of %ld clips computed in %.1f s\n", o->data, FEATURE_CACHE_NAME,
               t->cache.count, built.seconds);
    const tau_set *s = &t->set;
    t->clips = join_splits(s->train, s->n_train, s->evaluate,
                           o->split == SPLIT_ALL ? s->n_evaluate : 0, &t->nclips);
    t->eval_clips = join_splits(s->evaluate, s->n_evaluate, NULL, 0, &t->neval);
    if (!t->clips || !t->eval_clips)
        return err_set(err, o->data, "out of memory");
    if (t->nclips == 0)
        return err_set(err, o->data, "no training clips in evaluation_setup/fold1_train.csv");
    return ASC_OK;
}

static asc_status open_teacher(trainer *t, asc_err *err) {
    const train_options *o = t->o;
    int classes = t->info->classes;
    if (o->teacher_logits)
        return npy_read_f32_2d(o->teacher_logits, t->set.n_clips, classes, &t->teacher_logits, err);
    if (!o->teacher_model)
        return ASC_OK;
    const AscModel *tm = asc_find_model(o->teacher_model);
    if (!tm)
        return err_set(err, o->teacher_model, "no such model linked into asc");
    const AscModelInfo *ti = tm->info;
    if (ti->classes != classes || ti->input_f != t->info->input_f || ti->input_t != t->info->input_t)
        return err_set(err, o->teacher_model, "teacher's input or classes differ from the student's");
    if (model_state_load(&t->teacher, tm, o->teacher_ckpt, err))
        return ASC_EFAIL;
    t->teacher_probs = malloc(sizeof(float) * (size_t)t->micro * (size_t)classes);
    if (!t->teacher_probs || !predictor_init(&t->teacher_run, &t->teacher, t->micro))
        return err_set(err, o->teacher_ckpt, "out of memory for the teacher");
    return ASC_OK;
}

/* Parameters: fresh, or (fine-tuning) the pre-trained ones with a fresh
 * classifier and the pre-trained values kept as the anchor. */
static asc_status init_state(trainer *t, const AscModel *model, asc_err *err) {
    const train_options *o = t->o;
    if (!o->finetune) {
        if (!model_state_init(&t->state, model, (uint64_t)o->seed, o->qat))
            return err_set(err, o->model, "out of memory");
        return ASC_OK;
    }
    if (model_state_load(&t->state, model, o->from, err))
        return ASC_EFAIL;
    t->state.int8_grids = 0; /* calibrated for the pre-trained weights: stale */
    if (!o->qat) {
        free(t->state.quant);
        t->state.quant = NULL;
    } else if (!t->state.quant) { /* QAT starts here: fresh observers */
        model_state fresh;
        if (!model_state_init(&fresh, model, 0, 1))
            return err_set(err, o->model, "out of memory");
        t->state.quant = fresh.quant;
        fresh.quant = NULL;
        model_state_free(&fresh);
    }
    t->anchor = malloc(sizeof(float) * (size_t)model->info->params);
    if (!t->anchor)
        return err_set(err, o->model, "out of memory");
    memcpy(t->anchor, t->state.params, sizeof(float) * (size_t)model->info->params);
    asc_init_classifier(model->info, t->state.params, (uint64_t)o->seed);
    return ASC_OK;
}

static asc_status alloc_buffers(trainer *t, asc_err *err) {
    const AscModelInfo *m = t->info;
    size_t np = (size_t)m->params, nl = (size_t)t->micro * (size_t)m->classes;
    t->dparams = malloc(sizeof(float) * np);
    t->qparams = t->o->qat ? malloc(sizeof(float) * np) : NULL;
    t->arena = arena_alloc_floats(asc_arena_size(m, t->micro) + 1);
    t->grad_arena = arena_alloc_floats(asc_grad_arena_size(m, t->micro) + 1);
    t->logits = malloc(sizeof(float) * nl);
    t->dlogits = malloc(sizeof(float) * nl);
    t->order = malloc(sizeof(long) * (size_t)t->nclips);
    if (!t->dparams || (t->o->qat && !t->qparams) || !t->arena || !t->grad_arena || !t->logits ||
        !t->dlogits || !t->order || !adamw_init(&t->opt, m->params))
        return err_set(err, t->o->model, "out of memory for batch %d", t->micro);
    t->quant = (AscQuant){t->state.quant, 1, 0, NULL};
    return ASC_OK;
}

static void make_plan(trainer *t) {
    const train_options *o = t->o;
    t->augment = augment_defaults();
    t->augment.mixup_alpha = o->mixup_alpha;
    t->plan = (batch_plan){
        .features = t->cache.features, .bands = LOGMEL_BANDS, .frames = LOGMEL_FRAMES,
        .clip_size = (long)LOGMEL_BANDS * LOGMEL_FRAMES, .set = &t->set, .clips = t->clips,
        .nclips = t->nclips, .batch = o->batch, .classes = t->info->classes,
        .augment = o->no_augment ? NULL : &t->augment, .teacher_logits = t->teacher_logits,
        .kd_temp = o->kd_temp, .drop_device = o->finetune ? o->drop_device : -1,
        .seed = (uint64_t)o->seed,
    };
    t->loss = (loss_config){t->teacher_logits || t->teacher.model ? o->kd_alpha : 0, o->kd_temp};
}

static asc_status make_out_dir(const char *dir, asc_err *err) {
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return err_set(err, dir, "cannot create the run directory: %s", strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(err, dir, "not a directory");
    return ASC_OK;
}

/* Continues RUNDIR/last.ckpt with --resume; refuses to overwrite a run without it. */
static asc_status start_or_resume(trainer *t, asc_err *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/last.ckpt", t->o->out);
    if (access(path, F_OK) != 0) {
        train_log_header(t);
        return ASC_OK;
    }
    if (!t->o->resume)
        return err_set(err, path, "a run is already here; pass --resume to continue it, "
                                  "or choose another --out");
    if (train_restore(t, path, err))
        return ASC_EFAIL;
    printf("resuming %s after epoch %d of %d\n", path, t->epoch, t->o->epochs);
    return ASC_OK;
}

static asc_status train_setup(trainer *t, asc_err *err) {
    const train_options *o = t->o;
    const AscModel *model = asc_find_model(o->model);
    if (!model)
        return err_set(err, o->model, "no such model linked into asc");
    t->info = model->info;
    t->micro = o->micro_batch < o->batch ? o->micro_batch : o->batch;
    t->best_val_logloss = INFINITY;
    t->tty = isatty(STDERR_FILENO);
    train_describe(o, t->config, sizeof t->config);
    /* The run directory last: a run refused for its inputs leaves nothing behind. */
    if (open_data(t, err) || init_state(t, model, err) || alloc_buffers(t, err) ||
        open_teacher(t, err) || make_out_dir(o->out, err))
        return ASC_EFAIL;
    make_plan(t);
    return start_or_resume(t, err);
}

static void train_teardown(trainer *t) {
    free(t->clips), free(t->eval_clips), free(t->qparams), free(t->dparams), free(t->anchor);
    free(t->arena), free(t->grad_arena), free(t->logits), free(t->dlogits);
    free(t->teacher_logits), free(t->teacher_probs), free(t->order), free(t->log);
    predictor_free(&t->teacher_run);
    model_state_free(&t->teacher);
    model_state_free(&t->state);
    adamw_free(&t->opt);
    feature_cache_close(&t->cache);
    tau_close(&t->set);
}

/* ---- the epoch loop --------------------------------------------------------- */

typedef struct fill_job {
    const trainer *t;
    int epoch;
    long index;
    double drop_rate;
    batch *b;
} fill_job;

static void *fill_batch(void *arg) {
    fill_job *j = arg;
    batch_fill(&j->t->plan, j->t->order, j->epoch, j->index, j->drop_rate, j->b);
    return NULL;
}

typedef struct epoch_totals {
    double loss, seconds;
    long examples, correct, drawn, kept;
} epoch_totals;

static void add_step(epoch_totals *e, const step_result *r, const batch *b, int drop_device) {
    e->loss += r->loss_sum;
    e->examples += r->n;
    e->correct += r->correct;
    if (drop_device >= 0) {
        e->drawn += b->drawn[drop_device];
        e->kept += b->kept[drop_device];
    }
}

/* One pass over the training clips; batch k + 1 is filled while k trains. */
static void run_epoch(trainer *t, batch bufs[2], double drop_rate, epoch_totals *e) {
    const train_options *o = t->o;
    long nb = batch_count(&t->plan), total = (long)o->epochs * nb;
    long warmup = (long)o->warmup_epochs * nb;
    batch_epoch_order(&t->plan, t->epoch, t->order);
    t->quant.observe = t->epoch < o->epochs - o->qat_freeze_epochs;
    fill_job jobs[2];
    jobs[0] = (fill_job){t, t->epoch, 0, drop_rate, &bufs[0]};
    fill_batch(&jobs[0]);
    double start = now_s();
    *e = (epoch_totals){0};
    for (long k = 0; k < nb; k++) {
        pthread_t loader;
        int ahead = k + 1 < nb;
        if (ahead) {
            jobs[(k + 1) % 2] = (fill_job){t, t->epoch, k + 1, drop_rate, &bufs[(k + 1) % 2]};
            ahead = pthread_create(&loader, NULL, fill_batch, &jobs[(k + 1) % 2]) == 0 ? 1 : -1;
        }
        double lr = o->finetune ? o->lr : schedule_lr(t->epoch * nb + k, warmup, total, o->lr);
        step_result r;
        train_step(t, &bufs[k % 2], lr, &r);
        add_step(e, &r, &bufs[k % 2], t->plan.drop_device);
        if (ahead == 1)
            pthread_join(loader, NULL);
        else if (ahead == -1) /* no thread to spare: fill it here */
            fill_batch(&jobs[(k + 1) % 2]);
        double elapsed = now_s() - start, rate = e->examples / (elapsed > 0 ? elapsed : 1e-9);
        double remaining = (double)(total - (t->epoch * nb + k + 1)) * elapsed / (double)(k + 1);
        train_progress(t, k, nb, e->loss / (e->examples ? e->examples : 1),
                       (double)e->correct / (e->examples ? e->examples : 1), rate, remaining);
    }
    e->seconds = now_s() - start;
}

static asc_status validate(trainer *t, eval_metrics *m, asc_err *err) {
    metrics_init(m);
    if (t->neval > 0 && !model_state_evaluate(&t->state, &t->set, t->cache.features,
                                              t->plan.clip_size, t->eval_clips, t->neval,
                                              t->micro, m, NULL))
        return err_set(err, t->o->model, "out of memory for validation");
    return ASC_OK;
}

static void report_epoch(trainer *t, const epoch_totals *e, const eval_metrics *m, double lr,
                         double drop_rate) {
    double n = e->examples ? (double)e->examples : 1;
    double loss = e->loss / n, acc = (double)e->correct / n, rate = e->examples / e->seconds;
    double kept = e->drawn ? (double)e->kept / (double)e->drawn : 1;
    double vloss = t->neval ? metrics_logloss(m) : NAN, vacc = t->neval ? metrics_accuracy(m) : NAN;
    train_progress_clear(t);
    printf("epoch %3d/%d  lr %.3g  loss %.4f  acc %5.1f %%  val logloss %.4f  val acc %5.1f %%",
           t->epoch + 1, t->o->epochs, lr, loss, 100 * acc, vloss, 100 * vacc);
    if (t->plan.drop_device >= 0)
        printf("  drop %.3f (kept %.3f)", drop_rate, kept);
    printf("  %.0f clips/s  %.1f s\n", rate, e->seconds);
    fflush(stdout);
    train_log_row(t, "%d\t%.6g\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.1f\t%.3f\n", t->epoch + 1, lr,
                  loss, acc, vloss, vacc, drop_rate, kept, rate, e->seconds);
}

static asc_status train_epochs(trainer *t, asc_err *err) {
    const train_options *o = t->o;
    batch bufs[2];
    if (!batch_alloc(&bufs[0], &t->plan) || !batch_alloc(&bufs[1], &t->plan)) {
        batch_free(&bufs[0]), batch_free(&bufs[1]);
        return err_set(err, o->model, "out of memory for batch %d", o->batch);
    }
    asc_status st = ASC_OK;
    long nb = batch_count(&t->plan);
    while (st == ASC_OK && t->epoch < o->epochs) {
        double drop = t->plan.drop_device >= 0 ? schedule_drop_rate(t->epoch, o->epochs, o->drop_max) : 0;
        double lr = o->finetune ? o->lr
                                : schedule_lr((long)t->epoch * nb, (long)o->warmup_epochs * nb,
                                              (long)o->epochs * nb, o->lr);
        epoch_totals e;
        eval_metrics m;
        run_epoch(t, bufs, drop, &e);
        st = validate(t, &m, err);
        if (st != ASC_OK)
            break;
        report_epoch(t, &e, &m, lr, drop);
        double vloss = t->neval ? metrics_logloss(&m) : e.loss / (e.examples ? e.examples : 1);
        int best = vloss < t->best_val_logloss;
        if (best)
            t->best_val_logloss = vloss;
        t->epoch++;
        st = train_save(t, best, err);
    }
    batch_free(&bufs[0]), batch_free(&bufs[1]);
    return st;
}

int train_run(const train_options *options) {
    train_options o = *options;
    if (o.warmup_epochs < 0) /* default: the paper's 10 epochs, at most a third of the run */
        o.warmup_epochs = o.epochs >= 30 ? 10 : o.epochs / 3;
    if (o.qat_freeze_epochs < 0) { /* default: the last tenth, but one epoch observes */
        int tenth = (o.epochs + 9) / 10;
        o.qat_freeze_epochs = !o.qat ? 0 : tenth < o.epochs ? tenth : o.epochs - 1;
    }
    if (o.threads > 0) {
        omp_set_num_threads(o.threads);
        openblas_set_num_threads(o.threads);
    }
    trainer t = {.o = &o};
    asc_err err;
    asc_status st = train_setup(&t, &err);
    if (st == ASC_OK)
        st = train_epochs(&t, &err);
    if (st != ASC_OK)
        cli_fail(o.finetune ? "finetune" : "train", "%s", err.msg);
    else
        printf("%s/last.ckpt: %d epochs, %ld steps\n", o.out, t.epoch, t.step);
    train_teardown(&t);
    return st == ASC_OK ? 0 : 1;
}
