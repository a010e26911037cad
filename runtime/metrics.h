/* Evaluation figures of a scene classifier, gathered one clip at a time:
 * accuracy and multi-class log loss per device, their averages, and the
 * confusion matrix; printed as the paper's Table 2, as a confusion table, or
 * as the JSON of `asc eval --json` (DESIGN.md section 7). */
#ifndef ASC_METRICS_H
#define ASC_METRICS_H

#include <stdio.h>

#include "tau.h"

typedef struct {
    long clips[TAU_DEVICES];
    long correct[TAU_DEVICES];
    double loss_sum[TAU_DEVICES];
    long confusion[TAU_SCENES][TAU_SCENES]; /* [true][predicted] */
} eval_metrics;

void metrics_init(eval_metrics *m);

/* One clip: its device, its true scene and the model's TAU_SCENES logits.
 * The log loss is -log softmax(logits)[scene], computed in double from log
 * probabilities (no overflow for any finite logits), with every probability
 * clipped to [1e-15, 1 - 1e-15] and the row renormalised, as scikit-learn's
 * log_loss did for DCASE 2022 (a clip costs at most -log(1e-15) = 34.54).
 * The prediction is the argmax, the first index on ties. */
void metrics_add(eval_metrics *m, int device, int scene, const float *logits);

/* The same from TAU_SCENES probabilities (the INT8 and standalone paths);
 * they need not sum to exactly 1. */
void metrics_add_probs(eval_metrics *m, int device, int scene,
                       const float *probs);

/* Adds from's counts to into's: per-thread partial results. */
void metrics_merge(eval_metrics *into, const eval_metrics *from);

/* Per device; NAN when the device has no clips. */
double metrics_device_accuracy(const eval_metrics *m, int device);
double metrics_device_logloss(const eval_metrics *m, int device);

/* Macro averages over the devices that have clips: how DCASE 2022 Task 1
 * ranks (log loss per device, then averaged).  NAN without clips. */
double metrics_accuracy(const eval_metrics *m);
double metrics_logloss(const eval_metrics *m);

/* Micro averages over all clips.  NAN without clips. */
double metrics_micro_accuracy(const eval_metrics *m);
double metrics_micro_logloss(const eval_metrics *m);

long metrics_clips(const eval_metrics *m);

/* The paper's Table 2 layout, after a title line (none if title is NULL):
 * a header with the devices that have clips, rows "log loss" (3 decimals)
 * and "accuracy %" (1 decimal) with the macro averages in the columns
 * "mean log loss" and "accuracy", and a row of clip counts. */
void metrics_print_table(FILE *out, const char *title, const eval_metrics *m);

/* Rows: true scene; columns: predicted scene (names abbreviated to fit in
 * 110 columns); last column: the scene's accuracy. */
void metrics_print_confusion(FILE *out, const eval_metrics *m);

/* One line: {"clips": N, "accuracy": x, "logloss": y, "micro_accuracy": x,
 * "micro_logloss": y, "devices": {"a": {"clips": n, "accuracy": x,
 * "logloss": y}, ...}, "confusion": [[...], ...]}.  Accuracies are fractions,
 * numbers have 10 significant digits, devices without clips are left out
 * and an undefined average is null. */
void metrics_print_json(FILE *out, const eval_metrics *m);
/* The same with extra members ("\"key\": value, ...") before the closing brace. */
void metrics_print_json_with(FILE *out, const eval_metrics *m, const char *extra);

/* How two models' outputs on the same clips agree (INT8 against the float model
 * it implements): clips with the same top-1 class (first index on ties), and
 * the largest difference between their softmax probabilities. */
typedef struct {
    long clips, same_top1;
    double max_prob_diff;
} logits_agreement;

/* a and b: n rows of `classes` logits (at most 80 classes). */
void metrics_agreement(const float *a, const float *b, long n, int classes,
                       logits_agreement *out);

/* Mean and sample standard deviation (n - 1) of n runs, e.g. seeds: the
 * mean is NAN for n < 1, the deviation NAN for n < 2. */
void metrics_mean_std(const double *x, int n, double *mean, double *std);

#endif
