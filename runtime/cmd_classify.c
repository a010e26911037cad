/* asc classify: the scene of each audio file, with the model's probability:
 * one line per file, "FILE<TAB>scene<TAB>probability". A file that cannot be
 * read gets one error line; the others are still classified, and the exit
 * status is 1.  With --int8 the features come from the standalone
 * classifier's own front end, so the answer is the shipped classifier's. */
#include <stdio.h>

#include "audio.h"
#include "cli_options.h"
#include "commands.h"
#include "logmel.h"
#include "loss.h"
#include "model_data.h"
#include "standalone_features.h"

#define MAX_FILES 65536

/* How a file becomes features: asc's front end (libsoxr and FFTW) or, for
 * --int8, the standalone classifier's. */
typedef struct {
    audio_loader *loader;
    logmel *logmel;
    standalone_features *standalone;
} front_end;

static int load_features(front_end *fe, const char *path, float *features) {
    static float pcm[AUDIO_CLIP_SAMPLES];
    audio_info info;
    asc_err err;
    const float *decoded;
    long n;
    asc_status st;
    if (fe->standalone) {
        st = audio_decode(fe->loader, path, &decoded, &n, &info, &err);
        if (!st)
            st = standalone_features_compute(fe->standalone, decoded, n, info.rate, path,
                                             features, &err);
    } else {
        st = audio_load(fe->loader, path, pcm, &info, &err);
    }
    if (st) {
        cli_fail("classify", "%s", err.msg);
        return 0;
    }
    if (info.warnings) {
        char w[256];
        audio_warning_text(&info, w, sizeof w);
        fprintf(stderr, "asc classify: warning: %s: %s\n", path, w);
    }
    if (!fe->standalone)
        logmel_compute(fe->logmel, pcm, AUDIO_CLIP_SAMPLES, features);
    return 1;
}

/* Features, network and softmax of one file; 0 after printing its error. */
static int classify_file(front_end *fe, predictor *p, const char *path) {
    const AscModelInfo *m = p->state->model->info;
    float logits[1024], probs[1024];
    if (!load_features(fe, path, p->input))
        return 0;
    predictor_run(p, p->input, 1, logits);
    loss_softmax(logits, m->classes, 1, probs);
    int best = loss_argmax(probs, m->classes);
    printf("%s\t%s\t%.4f\n", path, m->classes == TAU_SCENES ? tau_scene_names[best] : "?",
           probs[best]);
    return 1;
}

int cmd_classify(int argc, char **argv) {
    const char *model = NULL, *ckpt = NULL, *files[MAX_FILES];
    int nfiles = 0, int8 = 0;
    const CliOption options[] = {
        {"--model", CLI_STRING, &model, 0, 0, NULL},
        {"--ckpt", CLI_STRING, &ckpt, 0, 0, NULL},
        {"--int8", CLI_FLAG, &int8, 0, 0, NULL},
    };
    if (cli_parse("classify", argc, argv, options, sizeof options / sizeof *options, files,
                  MAX_FILES, &nfiles) ||
        cli_require("classify", "--model", model) || cli_require("classify", "--ckpt", ckpt))
        return 1;
    if (nfiles == 0)
        return cli_fail("classify", "no audio files given");
    model_data md;
    asc_err err;
    if (model_data_open(&md, model, ckpt, NULL, 1, &err))
        return cli_fail("classify", "%s", err.msg);
    if (int8 && model_state_use_int8(&md.state, ckpt, &err)) {
        model_data_close(&md);
        return cli_fail("classify", "%s", err.msg);
    }
    const AscModelInfo *m = md.state.model->info;
    if (m->input_f != LOGMEL_BANDS || m->input_t != LOGMEL_FRAMES || m->classes > 1024) {
        model_data_close(&md);
        return cli_fail("classify", "%s: the model does not take 1-second log-mel clips", model);
    }
    predictor p = {0};
    front_end fe = {audio_loader_new(), NULL, NULL};
    int status = 0;
    if (!int8 && !(fe.logmel = logmel_new(&err)))
        status = cli_fail("classify", "%s", err.msg);
    else if (int8 && !(fe.standalone = standalone_features_new()))
        status = cli_fail("classify", "out of memory");
    else if (!fe.loader || !predictor_init(&p, &md.state, 1))
        status = cli_fail("classify", "out of memory");
    int ready = status == 0;
    for (int i = 0; ready && i < nfiles; i++)
        if (!classify_file(&fe, &p, files[i]))
            status = 1;
    predictor_free(&p);
    standalone_features_free(fe.standalone);
    logmel_free(fe.logmel);
    audio_loader_free(fe.loader);
    model_data_close(&md);
    return status;
}
