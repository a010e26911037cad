/* asc, the runtime driver: dispatches to one command per file through the
 * table below. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"features", cmd_features,
     "FILE --npy OUT | --data DIR: log-mel of a clip, or a data set's cache"},
    {"synth", cmd_synth,
     "--out DIR [--scale micro|tiny|small|full] [--seed N]: synthetic data set"},
    {"devices", cmd_devices,
     "--data DIR: clips per device and split, spectral shift from device A"},
    {"train", cmd_train,
     "--model M --data DIR --out RUNDIR [...]: train (docs/training.md)"},
    {"finetune", cmd_finetune,
     "--model M --data DIR --from CKPT --out RUNDIR [...]: device-aware fine-tuning"},
    {"predict", cmd_predict,
     "--model M --ckpt CKPT --data DIR --out LOGITS [--int8]: logits of every clip (.npy)"},
    {"eval", cmd_eval,
     "--model M --ckpt CKPT --data DIR [--int8] [--json]: per-device log loss and accuracy"},
    {"calibrate", cmd_calibrate,
     "--model M --ckpt CKPT --data DIR [--clips N] [--out FILE]: INT8 grids inside the blocks"},
    {"classify", cmd_classify,
     "--model M --ckpt CKPT [--int8] FILE...: scene and probability of each file"},
    {"bench", cmd_bench,
     "--model M [--batch B] [--threads N] [--steps S] [--json]: training and inference speed"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

int cmd_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("asc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

static int usage(FILE *to, int status)
{
    fputs("usage: asc COMMAND [options]\n\ncommands:\n", to);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].help);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr, 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return usage(stdout, 0);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "asc: unknown command '%s'\n", argv[1]);
    return usage(stderr, 2);
}
