/* asc eval: accuracy and log loss of a checkpoint, overall and per device, in
 * the paper's Table 2 layout with a confusion matrix, or as JSON. */
#include <stdio.h>

#include "cli_options.h"
#include "commands.h"
#include "logmel.h"
#include "metrics.h"
#include "model_data.h"

static const char *const split_names[] = {"evaluate", "train", NULL};

int cmd_eval(int argc, char **argv) {
    const char *model = NULL, *ckpt = NULL, *data = NULL;
    int json = 0, split = 0, threads = 0, batch = 64;
    const CliOption options[] = {
        {"--model", CLI_STRING, &model, 0, 0, NULL},
        {"--ckpt", CLI_STRING, &ckpt, 0, 0, NULL},
        {"--data", CLI_STRING, &data, 0, 0, NULL},
        {"--split", CLI_CHOICE, &split, 0, 0, split_names},
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
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
    eval_metrics m;
    int ok = n > 0 && model_state_evaluate(&md.state, &md.set, md.cache.features,
                                             (long)LOGMEL_BANDS * LOGMEL_FRAMES, clips, n,
                                             batch, &m), quantised = md.state.quant != NULL;
    const char *how = md.state.int8_grids ? ", INT8-simulated (every grid calibrated)"
                      : quantised        ? ", fake-quantised"
                                         : "";
    model_data_close(&md);
    if (!ok)
        return cli_fail("eval", "%s: %s", data, n ? "out of memory" : "the split has no clips");
    if (json) {
        metrics_print_json(stdout, &m);
        return 0;
    }
    char title[1200];
    snprintf(title, sizeof title, "%s (%s) on %s, %s split, %ld clips%s", ckpt, model, data,
             split_names[split], n, how);
    metrics_print_table(stdout, title, &m);
    metrics_print_confusion(stdout, &m);
    return 0;
}
