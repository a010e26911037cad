/* classify_wav: the scene of each WAV file, from the standalone classifier of
 * the paper's model (bcres2net_mfa_fpm_classifier.c, made by
 * `ascc --emit=standalone`).  Prints "FILE<TAB>scene<TAB>probability", the
 * format of `asc classify`, so the two can be compared line by line; with
 * --probs all ten probabilities follow.  A file that cannot be classified gets
 * one line on stderr, the others are still classified, and the exit status is
 * 1.  Build (examples/deploy/build.sh does it):
 *   cc -std=c99 -O2 -I OUTDIR classify_wav.c wav.c OUTDIR/bcres2net_mfa_fpm_classifier.c -lm */
#include <stdio.h>
#include <string.h>

#include "bcres2net_mfa_fpm_classifier.h"
#include "wav.h"

#define CLASSES BCRES2NET_MFA_FPM_CLASSES

/* The classifier's working memory: one arena, initialised once and reused for
 * every file.  It belongs to this program; the classifier has no state of its
 * own.  An array of double gives the alignment the arena needs. */
static double arena[(BCRES2NET_MFA_FPM_ARENA_BYTES + sizeof(double) - 1) / sizeof(double)];

static void usage(FILE *out) {
    fprintf(out, "usage: classify_wav [--probs] FILE.wav...\n"
                 "  prints FILE<TAB>scene<TAB>probability per file; --probs adds all %d\n"
                 "  class probabilities, in the order of bcres2net_mfa_fpm_class_names\n",
            CLASSES);
}

/* Why the classifier refused a clip, with the figure that decided it. */
static void report_refusal(const char *path, const WavAudio *wav, int status) {
    double seconds = (double)wav->frames / wav->sample_rate;
    const char *why = bcres2net_mfa_fpm_strerror(status);
    if (status == BCRES2NET_MFA_FPM_E_RATE)
        fprintf(stderr, "classify_wav: %s: %s: %d Hz (supported: 16 kHz and the usual rates "
                "up to 96 kHz)\n", path, why, wav->sample_rate);
    else if (status == BCRES2NET_MFA_FPM_E_TOO_LONG || status == BCRES2NET_MFA_FPM_E_TOO_SHORT)
        fprintf(stderr, "classify_wav: %s: %s: %.3f s\n", path, why, seconds);
    else
        fprintf(stderr, "classify_wav: %s: %s\n", path, why);
}

/* The same warnings as asc classify: the clip was used, but not as it was. */
static void report_length(const char *path, const WavAudio *wav, int status) {
    double seconds = (double)wav->frames / wav->sample_rate;
    if (status & BCRES2NET_MFA_FPM_PADDED)
        fprintf(stderr, "classify_wav: warning: %s: %.3f s long, zero-padded to 1 s\n", path,
                seconds);
    if (status & BCRES2NET_MFA_FPM_CROPPED)
        fprintf(stderr, "classify_wav: warning: %s: %.3f s long, cropped to its first second\n",
                path, seconds);
}

static void print_result(const char *path, const float probs[CLASSES], int all_probs) {
    int best = 0;
    for (int k = 1; k < CLASSES; k++)
        if (probs[k] > probs[best])
            best = k;
    printf("%s\t%s\t%.4f", path, bcres2net_mfa_fpm_class_names[best], probs[best]);
    for (int k = 0; all_probs && k < CLASSES; k++)
        printf("\t%.6f", probs[k]);
    putchar('\n');
}

/* Reads, classifies and prints one file; 0 after printing why it could not. */
static int classify_file(const char *path, int all_probs) {
    char why[256];
    WavAudio wav;
    if (wav_read(path, &wav, why, sizeof why)) {
        fprintf(stderr, "classify_wav: %s: %s\n", path, why);
        return 0;
    }
    float probs[CLASSES];
    /* wav.frames <= WAV_MAX_FRAMES, far below INT_MAX */
    int status = bcres2net_mfa_fpm_classify_arena(arena, wav.samples, (int)wav.frames,
                                                  wav.sample_rate, probs);
    if (status < 0)
        report_refusal(path, &wav, status);
    else {
        report_length(path, &wav, status);
        print_result(path, probs, all_probs);
    }
    wav_free(&wav);
    return status >= 0;
}

int main(int argc, char **argv) {
    int all_probs = 0, first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else if (strcmp(argv[first], "--probs") == 0) {
            all_probs = 1;
        } else if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "classify_wav: unknown option %s\n", argv[first]);
            usage(stderr);
            return 2;
        }
    }
    if (first == argc) {
        usage(stderr);
        return 2;
    }
    int status = bcres2net_mfa_fpm_init(arena, sizeof arena);
    if (status < 0) {
        fprintf(stderr, "classify_wav: %s\n", bcres2net_mfa_fpm_strerror(status));
        return 1;
    }
    int failed = 0;
    for (int i = first; i < argc; i++)
        failed |= !classify_file(argv[i], all_probs);
    return failed ? 1 : 0;
}
