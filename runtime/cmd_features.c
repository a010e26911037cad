/* asc features: the log-mel front end from the command line.
 *   asc features FILE --npy OUT   one clip's (256, 32) float32 log-mel */
#include <stdio.h>
#include <string.h>

#include "audio.h"
#include "commands.h"
#include "logmel.h"
#include "npy.h"

static int one_clip(const char *in, const char *out)
{
    asc_err err;
    static float pcm[AUDIO_CLIP_SAMPLES], mel[LOGMEL_SIZE];
    audio_info info;
    audio_loader *ld = audio_loader_new();
    logmel *lm = logmel_new(&err);
    int status = 1;
    if (!ld || !lm) {
        fprintf(stderr, "asc: %s\n", ld ? err.msg : "out of memory");
        goto done;
    }
    if (audio_load(ld, in, pcm, &info, &err)) {
        fprintf(stderr, "asc: %s\n", err.msg);
        goto done;
    }
    if (info.warnings) {
        char w[256];
        audio_warning_text(&info, w, sizeof w);
        fprintf(stderr, "asc: warning: %s: %s\n", in, w);
    }
    logmel_compute(lm, pcm, AUDIO_CLIP_SAMPLES, mel);
    long shape[2] = {LOGMEL_BANDS, LOGMEL_FRAMES};
    if (npy_write_f32(out, mel, shape, 2, &err)) {
        fprintf(stderr, "asc: %s\n", err.msg);
        goto done;
    }
    status = 0;
done:
    logmel_free(lm);
    audio_loader_free(ld);
    return status;
}

int cmd_features(int argc, char **argv)
{
    const char *in = NULL, *npy = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--npy") == 0) {
            if (++i == argc)
                return cmd_fail(2, "features: --npy needs a file name");
            npy = argv[i];
        } else if (argv[i][0] == '-') {
            return cmd_fail(2, "features: unknown option '%s'", argv[i]);
        } else if (in) {
            return cmd_fail(2, "features: one input file only");
        } else {
            in = argv[i];
        }
    }
    if (!in || !npy)
        return cmd_fail(2, "features: usage: asc features FILE --npy OUT");
    return one_clip(in, npy);
}
