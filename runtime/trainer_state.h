/* The state of a training run, shared by the files of the trainer:
 * trainer.c (setup and the epoch loop), train_step.c (one optimiser step),
 * train_checkpoint.c (saving and resuming) and train_log.c (progress and
 * log.tsv). */
#ifndef ASC_TRAINER_STATE_H
#define ASC_TRAINER_STATE_H

#include <stdio.h>

#include "adamw.h"
#include "batch_source.h"
#include "feature_cache.h"
#include "loss.h"
#include "model_state.h"
#include "tau.h"
#include "trainer.h"

typedef struct trainer {
    const train_options *o;
    const AscModelInfo *info;
    tau_set set;
    feature_cache cache;
    long *clips, nclips;           /* trained on */
    long *eval_clips, neval;       /* the evaluation split: validated after each epoch */

    model_state state;             /* parameters, statistics, QAT ranges */
    float *qparams;                /* fake-quantised weights (QAT) */
    float *dparams;
    float *anchor;                 /* fine-tuning: the pre-trained parameters */
    AscQuant quant;
    adamw opt;
    loss_config loss;

    int micro;                     /* examples per forward/backward */
    float *arena, *grad_arena, *logits, *dlogits;
    float *teacher_logits;         /* precomputed: set.n_clips x classes */
    model_state teacher;           /* live teacher, or teacher.model == NULL */
    predictor teacher_run;
    float *teacher_probs;

    batch_plan plan;
    augment_config augment;
    long *order;

    int epoch;                     /* next epoch to run */
    long step;                     /* optimiser steps taken */
    double best_val_logloss;
    char config[4096];             /* the options that define the run, as text */
    char *log;                     /* log.tsv so far (header and one row per epoch) */
    size_t log_len, log_cap;
    int tty;                       /* progress on a terminal */
} trainer;

/* What one step measured. */
typedef struct step_result {
    double loss_sum, penalty;
    int correct, n;
} step_result;

/* One optimiser step on batch b at learning rate lr. */
void train_step(trainer *t, const batch *b, double lr, step_result *r);

/* RUNDIR/last.ckpt (and RUNDIR/best.ckpt when best is set), then log.tsv. */
asc_status train_save(trainer *t, int best, asc_err *err);

/* Restores a run from RUNDIR/last.ckpt, which must have been written with the
 * same options (threads aside). */
asc_status train_restore(trainer *t, const char *path, asc_err *err);

/* The options that define the run, as "name value" lines. */
void train_describe(const train_options *o, char *buf, size_t size);

/* log.tsv */
void train_log_header(trainer *t);
void train_log_row(trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Progress on a terminal: one line rewritten in place. */
void train_progress(const trainer *t, long batch_index, long batches, double loss, double acc,
                    double clips_per_s, double eta_s);
void train_progress_clear(const trainer *t);

#endif
