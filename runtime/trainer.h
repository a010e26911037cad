/* The training loop behind `asc train` and `asc finetune` (docs/training.md):
 * pre-training with AdamW, warm-up and cosine schedule, mixup, SpecAugment,
 * time roll, optional distillation and quantisation-aware training; and the
 * paper's device-aware fine-tuning (random drop of device-A examples, a fresh
 * classifier, L2 pull towards the pre-trained weights). */
#ifndef ASC_TRAINER_H
#define ASC_TRAINER_H

typedef enum { SPLIT_TRAIN, SPLIT_ALL } train_split;

typedef struct train_options {
    const char *model, *data, *out;
    int epochs, batch, micro_batch, threads, seed;
    int warmup_epochs;
    double lr, weight_decay;
    double mixup_alpha;        /* 0: no mixup */
    int no_augment;            /* no roll, masks or mixup */
    int split;                 /* train_split */
    int qat, qat_freeze_epochs; /* observers frozen for the last epochs */
    /* distillation: precomputed logits or a live teacher */
    const char *teacher_logits, *teacher_model, *teacher_ckpt;
    double kd_alpha, kd_temp;
    int resume;
    /* fine-tuning (asc finetune) */
    int finetune;
    const char *from;
    int drop_device;           /* -1: no drop */
    double drop_max, lambda, fc_lr;
} train_options;

/* The defaults of `asc train` (the paper's pre-training recipe). */
train_options train_defaults(void);

/* The defaults of `asc finetune` (the paper's section 3.3). */
train_options finetune_defaults(void);

/* Runs training; returns the exit status (errors printed as one line). */
int train_run(const train_options *o);

#endif
