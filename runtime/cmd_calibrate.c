/* asc calibrate: sets the internal INT8 grids of a quantisation-aware checkpoint
 * (int8_calibrate.h) from clips of the training split and writes the checkpoint
 * again with them (section int8_grids), atomically: in place, or to --out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cli_options.h"
#include "commands.h"
#include "int8_calibrate.h"
#include "logmel.h"
#include "model_data.h"

/* n clips spread evenly over the training split (all of it when it has fewer). */
static long pick_clips(const tau_set *set, long n, long *clips) {
    long total = set->n_train;
    if (n > total)
        n = total;
    for (long i = 0; i < n; i++)
        clips[i] = set->train[(long)((double)i * (double)total / (double)n)];
    return n;
}

/* The checkpoint's sections with int8_grids (new or replaced) at the end. */
static asc_status write_calibrated(const char *in, const char *out, const model_state *s,
                                   asc_err *err) {
    const AscModelInfo *m = s->model->info;
    ckpt_file ck;
    if (ckpt_read(in, m->name, m->spec_hash, &ck, err))
        return ASC_EFAIL;
    ckpt_section *sections = malloc(sizeof *sections * (size_t)(ck.nsections + 1));
    if (!sections) {
        ckpt_close(&ck);
        return err_set(err, out, "out of memory");
    }
    int n = 0;
    for (int i = 0; i < ck.nsections; i++)
        if (strcmp(ck.sections[i].name, INT8_GRIDS_SECTION) != 0)
            sections[n++] = ck.sections[i];
    sections[n++] = (ckpt_section){INT8_GRIDS_SECTION, s->quant + 2 * m->nquant,
                                   sizeof(float) * 2 * (uint64_t)(m->ngrids - m->nquant)};
    asc_status st = ckpt_write(out, m->name, m->spec_hash, sections, n, err);
    free(sections);
    ckpt_close(&ck);
    return st;
}

int cmd_calibrate(int argc, char **argv) {
    const char *model = NULL, *ckpt = NULL, *data = NULL, *out = NULL;
    int threads = 0, batch = 64, nclips = 1024;
    const CliOption options[] = {
        {"--model", CLI_STRING, &model, 0, 0, NULL},
        {"--ckpt", CLI_STRING, &ckpt, 0, 0, NULL},
        {"--data", CLI_STRING, &data, 0, 0, NULL},
        {"--out", CLI_STRING, &out, 0, 0, NULL},
        {"--clips", CLI_INT, &nclips, 1, 1000000, NULL},
        {"--threads", CLI_INT, &threads, 1, 1024, NULL},
        {"--batch", CLI_INT, &batch, 1, 4096, NULL},
    };
    if (cli_parse("calibrate", argc, argv, options, sizeof options / sizeof *options, NULL, 0,
                  NULL) ||
        cli_require("calibrate", "--model", model) || cli_require("calibrate", "--ckpt", ckpt) ||
        cli_require("calibrate", "--data", data))
        return 1;
    if (!out)
        out = ckpt;
    model_data_threads(threads);
    model_data md;
    asc_err err;
    if (model_data_open(&md, model, ckpt, data, threads, &err))
        return cli_fail("calibrate", "%s", err.msg);
    int status = 0, unobserved = -1;
    long *clips = malloc(sizeof *clips * (size_t)(nclips + 1));
    long n = clips ? pick_clips(&md.set, nclips, clips) : 0;
    if (!md.state.quant)
        status = cli_fail("calibrate", "%s: not quantisation-aware (train with --qat): INT8 "
                          "needs its trained ranges", ckpt);
    else if (!clips)
        status = cli_fail("calibrate", "%s: out of memory", data);
    else if (n == 0)
        status = cli_fail("calibrate", "%s: the training split has no clips", data);
    else if (!int8_calibrate(&md.state, md.cache.features, (long)LOGMEL_BANDS * LOGMEL_FRAMES,
                             clips, n, batch, &unobserved))
        status = cli_fail("calibrate", "%s: out of memory", data);
    else if (unobserved >= 0)
        status = cli_fail("calibrate", "%s: INT8 grid '%s' saw no values on %ld clips: the "
                          "generated model's forward pass does not reach it (a bug in ascc)",
                          model, md.state.model->info->grid_names[unobserved], n);
    else if (write_calibrated(ckpt, out, &md.state, &err))
        status = cli_fail("calibrate", "%s", err.msg);
    if (status == 0) {
        const AscModelInfo *m = md.state.model->info;
        printf("%s: %d internal INT8 grids calibrated on %ld training clips\n", out,
               m->ngrids - m->nquant, n);
    }
    free(clips);
    model_data_close(&md);
    return status;
}
