/* asc eval: accuracy and log loss of a checkpoint, overall and per device, in
 * the paper's Table 2 layout with a confusion matrix, or as JSON. With --int8
 * the INT8 model is evaluated and compared with the float model it implements
 * (the fake-quantised model with every grid calibrated): top-1 agreement,
 * both accuracies and log losses, the largest probability difference. */
#include <stdio.h>
#include <stdlib.h>

#include "cli_options.h"
#include "commands.h"
#include "logmel.h"
#include "metrics.h"
#include "model_data.h"

static const char *const split_names[] = {"evaluate", "train", NULL};

typedef struct eval_run {
    eval_metrics metrics;
    float *logits; /* clips x classes */
} eval_run;

/* The state's logits for the clips and their metrics; 0 when out of memory. */
static int run_model(const model_data *md, const long *clips, long n, int batch, eval_run *r) {
    int classes = md->state.model->info->classes;
    r->logits = malloc(sizeof(float) * ((size_t)n * (size_t)classes + 1));
    return r->logits && model_state_evaluate(&md->state, &md->set, md->cache.features,
                                             (long)LOGMEL_BANDS * LOGMEL_FRAMES, clips, n, batch,
                                             &r->metrics, r->logits);
}

static void print_comparison(const eval_run *i8, const eval_run *fp, long n, int classes,
                             int json) {
    logits_agreement a;
    metrics_agreement(i8->logits, fp->logits, n, classes, &a);
    double share = (double)a.same_top1 / (double)a.clips;
    if (json) {
        char extra[400];
        snprintf(extra, sizeof extra,
                 "\"int8_vs_float\": {\"top1_agreement\": %.10g, \"float_accuracy\": %.10g, "
                 "\"float_logloss\": %.10g, \"max_prob_diff\": %.10g}",
                 share, metrics_accuracy(&fp->metrics), metrics_logloss(&fp->metrics),
                 a.max_prob_diff);
        metrics_print_json_with(stdout, &i8->metrics, extra);
        return;
    }
    printf("INT8 against the float model it implements (fake-quantised, every grid):\n"
           "  top-1 agreement %ld / %ld clips (%.2f %%), largest probability difference %.4f\n"
           "  accuracy %.2f %% (float %.2f %%), mean log loss %.4f (float %.4f)\n",
           a.same_top1, a.clips, 100 * share, a.max_prob_diff,
           100 * metrics_accuracy(&i8->metrics), 100 * metrics_accuracy(&fp->metrics),
           metrics_logloss(&i8->metrics), metrics_logloss(&fp->metrics));
}

int cmd_eval(int argc, char **argv) {
    const char *model = NULL, *ckpt = NULL, *data = NULL;
    int json = 0, split = 0, threads = 0, batch = 64, int8 = 0;
    const CliOption options[] = {
        {"--model", CLI_STRING, &model, 0, 0, NULL},
        {"--ckpt", CLI_STRING, &ckpt, 0, 0, NULL},
        {"--data", CLI_STRING, &data, 0, 0, NULL},
        {"--split", CLI_CHOICE, &split, 0, 0, split_names},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--int8", CLI_FLAG, &int8, 0, 0, NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, NULL},
        {"--batch", CLI_INT, &batch, 1, 4096, NULL},
    };
    if (cli_parse("eval", argc, argv, options, sizeof options / sizeof *options, NULL, 0, NULL) ||
        cli_require("eval", "--model", model) || cli_require("eval", "--ckpt", ckpt) ||
        cli_require("eval", "--data", data))
        return 1;
    model_data_threads(threads);
    model_data md;
    asc_err err;
    if (model_data_open(&md, model, ckpt, data, threads, &err))
        return cli_fail("eval", "%s", err.msg);
    const long *clips = split ? md.set.train : md.set.evaluate;
    long n = split ? md.set.n_train : md.set.n_evaluate;
    int classes = md.state.model->info->classes;
    const char *how = md.state.int8_grids ? ", INT8-simulated (every grid calibrated)"
                      : md.state.quant    ? ", fake-quantised"
                                          : "";
    eval_run fp = {0}, i8 = {0};
    int status = 0;
    if (n == 0)
        status = cli_fail("eval", "%s: the split has no clips", data);
    else if (!run_model(&md, clips, n, batch, &fp))
        status = cli_fail("eval", "%s: out of memory", data);
    else if (int8 && model_state_use_int8(&md.state, ckpt, &err))
        status = cli_fail("eval", "%s", err.msg);
    else if (int8 && !run_model(&md, clips, n, batch, &i8))
        status = cli_fail("eval", "%s: out of memory", data);
    if (status == 0) {
        const eval_run *shown = int8 ? &i8 : &fp;
        if (int8 && json) {
            print_comparison(&i8, &fp, n, classes, 1);
        } else if (json) {
            metrics_print_json(stdout, &shown->metrics);
        } else {
            char title[1200];
            snprintf(title, sizeof title, "%s (%s) on %s, %s split, %ld clips%s", ckpt, model,
                     data, split_names[split], n, int8 ? ", INT8" : how);
            metrics_print_table(stdout, title, &shown->metrics);
            metrics_print_confusion(stdout, &shown->metrics);
            if (int8)
                print_comparison(&i8, &fp, n, classes, 0);
        }
    }
    free(fp.logits), free(i8.logits);
    model_data_close(&md);
    return status;
}
