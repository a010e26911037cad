/* asc train and asc finetune: the flags of the two training commands
 * (docs/training.md), checked, then the trainer. */
#include <stdio.h>
#include <string.h>

#include "cli_options.h"
#include "commands.h"
#include "tau.h"
#include "trainer.h"

static const char *const split_names[] = {"train", "all", NULL};

#define COMMON_OPTIONS(o)                                                         \
    {"--model", CLI_STRING, &o.model, 0, 0, NULL},                                \
    {"--data", CLI_STRING, &o.data, 0, 0, NULL},                                  \
    {"--out", CLI_STRING, &o.out, 0, 0, NULL},                                    \
    {"--epochs", CLI_INT, &o.epochs, 1, 100000, NULL},                            \
    {"--batch", CLI_INT, &o.batch, 1, 65536, NULL},                               \
    {"--micro-batch", CLI_INT, &o.micro_batch, 1, 4096, NULL},                    \
    {"--lr", CLI_DOUBLE, &o.lr, 1e-12, 10, NULL},                                 \
    {"--weight-decay", CLI_DOUBLE, &o.weight_decay, 0, 10, NULL},                 \
    {"--mixup", CLI_DOUBLE, &o.mixup_alpha, 0, 100, NULL},                        \
    {"--no-augment", CLI_FLAG, &o.no_augment, 0, 0, NULL},                        \
    {"--qat", CLI_FLAG, &o.qat, 0, 0, NULL},                                      \
    {"--qat-freeze", CLI_INT, &o.qat_freeze_epochs, 0, 100000, NULL},             \
    {"--teacher-logits", CLI_STRING, &o.teacher_logits, 0, 0, NULL},             \
    {"--teacher", CLI_STRING, &o.teacher_model, 0, 0, NULL},                      \
    {"--teacher-ckpt", CLI_STRING, &o.teacher_ckpt, 0, 0, NULL},                  \
    {"--kd-alpha", CLI_DOUBLE, &o.kd_alpha, 0, 1, NULL},                          \
    {"--kd-temp", CLI_DOUBLE, &o.kd_temp, 0.01, 100, NULL},                       \
    {"--split", CLI_CHOICE, &o.split, 0, 0, split_names},                         \
    {"--threads", CLI_INT, &o.threads, 1, 1024, NULL},                            \
    {"--seed", CLI_INT, &o.seed, 0, 2147483647, NULL},                            \
    {"--resume", CLI_FLAG, &o.resume, 0, 0, NULL}

/* Checks between flags that the table cannot express. */
static int check_combination(const char *cmd, const train_options *o) {
    if (cli_require(cmd, "--model", o->model) || cli_require(cmd, "--data", o->data) ||
        cli_require(cmd, "--out", o->out))
        return 1;
    if (o->teacher_logits && o->teacher_model)
        return cli_fail(cmd, "--teacher-logits and --teacher exclude each other");
    if (!o->teacher_model != !o->teacher_ckpt)
        return cli_fail(cmd, "--teacher M needs --teacher-ckpt CKPT and the other way round");
    if (o->qat_freeze_epochs > o->epochs)
        return cli_fail(cmd, "--qat-freeze %d is more than --epochs %d",
                        o->qat_freeze_epochs, o->epochs);
    if (o->warmup_epochs > o->epochs)
        return cli_fail(cmd, "--warmup %d is more than --epochs %d", o->warmup_epochs,
                        o->epochs);
    return 0;
}

int cmd_train(int argc, char **argv) {
    train_options o = train_defaults();
    const CliOption options[] = {
        COMMON_OPTIONS(o),
        {"--warmup", CLI_INT, &o.warmup_epochs, 0, 100000, NULL},
    };
    if (cli_parse("train", argc, argv, options, sizeof options / sizeof *options, NULL, 0, NULL) ||
        check_combination("train", &o))
        return 1;
    return train_run(&o);
}

int cmd_finetune(int argc, char **argv) {
    train_options o = finetune_defaults();
    const char *drop_device = "a";
    const CliOption options[] = {
        COMMON_OPTIONS(o),
        {"--from", CLI_STRING, &o.from, 0, 0, NULL},
        {"--drop-device", CLI_STRING, &drop_device, 0, 0, NULL},
        {"--drop-max", CLI_DOUBLE, &o.drop_max, 0, 1, NULL},
        {"--lambda", CLI_DOUBLE, &o.lambda, 0, 1e6, NULL},
        {"--fc-lr", CLI_DOUBLE, &o.fc_lr, 0, 10, NULL},
    };
    if (cli_parse("finetune", argc, argv, options, sizeof options / sizeof *options, NULL, 0,
                  NULL) ||
        check_combination("finetune", &o) || cli_require("finetune", "--from", o.from))
        return 1;
    o.drop_device = strcmp(drop_device, "none") == 0 ? -1 : tau_device_index(drop_device);
    if (o.drop_device < 0 && strcmp(drop_device, "none") != 0)
        return cli_fail("finetune", "--drop-device must be a device name (a, b, c, s1 .. s6) "
                           "or none, got '%s'", drop_device);
    return train_run(&o);
}
