/* asc features: the log-mel front end from the command line.
 *   asc features FILE --npy OUT          one clip's (256, 32) float32 log-mel
 *   asc features --data DIR [--threads N] the data set's feature cache */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "commands.h"
#include "feature_cache.h"
#include "logmel.h"
#include "npy.h"
#include "tau.h"

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

static void print_warning(const char *line)
{
    fprintf(stderr, "asc: warning: %s\n", line);
}

static int data_set(const char *dir, int threads)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    asc_err err;
    if (tau_open(dir, &set, &err))
        return cmd_fail(1, "%s", err.msg);
    if (feature_cache_load(&set, threads, print_warning, &fc, &st, &err)) {
        tau_close(&set);
        return cmd_fail(1, "%s", err.msg);
    }
    printf("%s/%s: %ld clips of %d x %d, %.1f MB", dir, FEATURE_CACHE_NAME,
           fc.count, LOGMEL_BANDS, LOGMEL_FRAMES, st.bytes / 1e6);
    if (st.rebuilt)
        printf(", built in %.1f s (%.0f clips/s)", st.seconds,
               fc.count / (st.seconds > 0 ? st.seconds : 1e-9));
    else
        printf(", up to date");
    if (st.warnings)
        printf(", %ld clips padded, cropped or upsampled", st.warnings);
    printf("\n");
    feature_cache_close(&fc);
    tau_close(&set);
    return 0;
}

int cmd_features(int argc, char **argv)
{
    const char *in = NULL, *npy = NULL, *data = NULL;
    long threads = 0;
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i];
        if (opt[0] != '-') {
            if (in)
                return cmd_fail(2, "features: one input file only");
            in = opt;
            continue;
        }
        if (i + 1 == argc)
            return cmd_fail(2, "features: '%s' needs a value", opt);
        const char *val = argv[++i];
        char *end;
        if (strcmp(opt, "--npy") == 0)
            npy = val;
        else if (strcmp(opt, "--data") == 0)
            data = val;
        else if (strcmp(opt, "--threads") == 0) {
            threads = strtol(val, &end, 10);
            if (*end || end == val || threads < 0)
                return cmd_fail(2, "features: --threads needs a count");
        } else
            return cmd_fail(2, "features: unknown option '%s'", opt);
    }
    if (data && !in && !npy)
        return data_set(data, (int)threads);
    if (!in || !npy || data)
        return cmd_fail(2, "features: usage: asc features FILE --npy OUT | "
                           "asc features --data DIR [--threads N]");
    return one_clip(in, npy);
}
