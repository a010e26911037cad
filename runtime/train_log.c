/* What a training run tells its user: a progress line on a terminal, a plain
 * line per epoch on stdout, and log.tsv (one row per epoch, kept in memory and
 * in the checkpoint so that a resumed run's log has exactly its epochs). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trainer_state.h"

void train_describe(const train_options *o, char *buf, size_t size) {
    static const char *const splits[] = {"train", "all"};
    snprintf(buf, size,
             "model %s\ndata %s\nsplit %s\nepochs %d\nbatch %d\nmicro_batch %d\nseed %d\n"
             "lr %.9g\nweight_decay %.9g\nwarmup_epochs %d\nmixup %.9g\naugment %s\n"
             "qat %d\nqat_freeze_epochs %d\nteacher_logits %s\nteacher %s\nteacher_ckpt %s\n"
             "kd_alpha %.9g\nkd_temp %.9g\nfinetune %d\nfrom %s\ndrop_device %d\ndrop_max %.9g\n"
             "lambda %.9g\nfc_lr %.9g\n",
             o->model, o->data, splits[o->split], o->epochs, o->batch, o->micro_batch, o->seed,
             o->lr, o->weight_decay, o->warmup_epochs, o->mixup_alpha,
             o->no_augment ? "off" : "on", o->qat, o->qat_freeze_epochs,
             o->teacher_logits ? o->teacher_logits : "-", o->teacher_model ? o->teacher_model : "-",
             o->teacher_ckpt ? o->teacher_ckpt : "-", o->kd_alpha, o->kd_temp, o->finetune,
             o->from ? o->from : "-", o->drop_device, o->drop_max, o->lambda, o->fc_lr);
}

static void log_append(trainer *t, const char *text, size_t len) {
    if (t->log_len + len + 1 > t->log_cap) {
        size_t cap = 2 * (t->log_cap + len + 64);
        char *grown = realloc(t->log, cap);
        if (!grown) /* the log is informational: keep training with what we have */
            return;
        t->log = grown;
        t->log_cap = cap;
    }
    memcpy(t->log + t->log_len, text, len);
    t->log_len += len;
    t->log[t->log_len] = '\0';
}

void train_log_header(trainer *t) {
    static const char header[] =
        "epoch\tlr\ttrain_loss\ttrain_accuracy\tval_logloss\tval_accuracy\tdrop_rate"
        "\tdrop_device_kept\tclips_per_s\tseconds\n";
    log_append(t, header, sizeof header - 1);
}

void train_log_row(trainer *t, const char *fmt, ...) {
    char row[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(row, sizeof row, fmt, ap);
    va_end(ap);
    if (n > 0)
        log_append(t, row, (size_t)n < sizeof row ? (size_t)n : sizeof row - 1);
}

static void format_duration(double s, char *buf, size_t size) {
    long v = s > 0 ? (long)(s + 0.5) : 0;
    if (v >= 3600)
        snprintf(buf, size, "%ldh%02ldm", v / 3600, v / 60 % 60);
    else
        snprintf(buf, size, "%ldm%02lds", v / 60, v % 60);
}

void train_progress(const trainer *t, long batch_index, long batches, double loss, double acc,
                    double clips_per_s, double eta_s) {
    if (!t->tty)
        return;
    char eta[32];
    format_duration(eta_s, eta, sizeof eta);
    fprintf(stderr, "\r\033[Kepoch %d/%d  step %ld/%ld  loss %.4f  acc %.1f %%  %.0f clips/s  ETA %s",
            t->epoch + 1, t->o->epochs, batch_index + 1, batches, loss, 100 * acc, clips_per_s,
            eta);
    fflush(stderr);
}

void train_progress_clear(const trainer *t) {
    if (t->tty)
        fputs("\r\033[K", stderr);
}
