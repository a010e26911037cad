/* Training batches from the feature cache: each epoch's order, each batch's
 * examples with their labels (and teacher targets for distillation), the
 * device-aware random drop of fine-tuning, and augmentation.
 *
 * A batch depends only on (seed, epoch, batch index), never on what ran before,
 * so a run resumed at an epoch boundary draws exactly the batches the
 * uninterrupted run would have drawn, and batches can be prepared ahead on
 * another thread. */
#ifndef ASC_BATCH_SOURCE_H
#define ASC_BATCH_SOURCE_H

#include <stdint.h>

#include "augment.h"
#include "tau.h"

typedef struct batch_plan {
    const float *features;         /* the cache: clip c at features + c * clip_size */
    int bands, frames;
    long clip_size;                /* bands * frames */
    const tau_set *set;            /* scenes and devices of the clips */
    const long *clips;             /* the clips trained on (indices into set->clips) */
    long nclips;
    int batch, classes;
    const augment_config *augment; /* NULL: none */
    const float *teacher_logits;   /* set->n_clips x classes, or NULL */
    double kd_temp;                /* temperature of the teacher's targets */
    int drop_device;               /* device whose examples may be dropped, -1: none */
    uint64_t seed;
} batch_plan;

typedef struct batch {
    int n;                         /* examples kept */
    float *x;                      /* n x clip_size */
    float *labels;                 /* n x classes, soft after mixup */
    float *teacher;                /* n x classes teacher probabilities, or NULL */
    int *device;                   /* n */
    long drawn[TAU_DEVICES];       /* examples of each device before dropping */
    long kept[TAU_DEVICES];
    float *scratch;
    float *lambdas;
    int *partners;
} batch;

/* Batches per epoch: every clip once, the last batch possibly smaller. */
long batch_count(const batch_plan *p);

/* The epoch's order of p->clips: a permutation drawn from (seed, epoch). */
void batch_epoch_order(const batch_plan *p, int epoch, long *order);

int batch_alloc(batch *b, const batch_plan *p);
void batch_free(batch *b);

/* Batch `index` of the epoch whose order is given: takes its clips, drops each
 * example of p->drop_device with probability drop_rate, then rolls, masks and
 * mixes (p->augment), mixing teacher targets with the same partners. */
void batch_fill(const batch_plan *p, const long *order, int epoch, long index, double drop_rate,
                batch *b);

#endif
