/* asc predict: a model's logits for every clip of a data set, in meta.csv
 * order, as a (clips, classes) float32 .npy: a teacher's targets for
 * distillation (asc train --teacher-logits). */
#include <stdio.h>
#include <stdlib.h>

#include "cli_options.h"
#include "commands.h"
#include "logmel.h"
#include "model_data.h"
#include "npy.h"

int cmd_predict(int argc, char **argv) {
    const char *model = NULL, *ckpt = NULL, *data = NULL, *out = NULL;
    int threads = 0, batch = 64, int8 = 0;
    const CliOption options[] = {
        {"--model", CLI_STRING, &model, 0, 0, NULL},
        {"--ckpt", CLI_STRING, &ckpt, 0, 0, NULL},
        {"--data", CLI_STRING, &data, 0, 0, NULL},
        {"--out", CLI_STRING, &out, 0, 0, NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, NULL},
        {"--batch", CLI_INT, &batch, 1, 4096, NULL},
        {"--int8", CLI_FLAG, &int8, 0, 0, NULL},
    };
    if (cli_parse("predict", argc, argv, options, sizeof options / sizeof *options, NULL, 0, NULL) ||
        cli_require("predict", "--model", model) || cli_require("predict", "--ckpt", ckpt) ||
        cli_require("predict", "--data", data) || cli_require("predict", "--out", out))
        return 1;
    model_data_threads(threads);
    model_data md;
    asc_err err;
    if (model_data_open(&md, model, ckpt, data, threads, &err))
        return cli_fail("predict", "%s", err.msg);
    if (int8 && model_state_use_int8(&md.state, ckpt, &err)) {
        model_data_close(&md);
        return cli_fail("predict", "%s", err.msg);
    }
    long n = md.set.n_clips, classes = md.state.model->info->classes;
    long *clips = malloc(sizeof *clips * (size_t)(n + 1));
    float *logits = malloc(sizeof *logits * (size_t)(n * classes + 1));
    int status = 0;
    for (long i = 0; clips && i < n; i++)
        clips[i] = i;
    if (!clips || !logits ||
        !model_state_predict(&md.state, md.cache.features, (long)LOGMEL_BANDS * LOGMEL_FRAMES,
                             clips, n, batch, logits))
        status = cli_fail("predict", "%s: out of memory", data);
    long shape[2] = {n, classes};
    if (status == 0 && npy_write_f32(out, logits, shape, 2, &err))
        status = cli_fail("predict", "%s", err.msg);
    if (status == 0)
        printf("%s: logits of %ld clips x %ld classes\n", out, n, classes);
    free(clips), free(logits);
    model_data_close(&md);
    return status;
}
