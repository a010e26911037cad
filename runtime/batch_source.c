/* Training batches; see batch_source.h. */
#include "batch_source.h"

#include <stdlib.h>
#include <string.h>

#include "loss.h"

/* Independent random streams per epoch and batch, one for each use, so that
 * changing the drop rate never changes the augmentation drawn. */
enum { STREAM_ORDER, STREAM_DROP, STREAM_AUGMENT };

static uint64_t stream_of(int use, int epoch, long index) {
    return ((uint64_t)use << 56) ^ ((uint64_t)(unsigned)epoch << 32) ^ (uint64_t)index;
}

long batch_count(const batch_plan *p) {
    return (p->nclips + p->batch - 1) / p->batch;
}

void batch_epoch_order(const batch_plan *p, int epoch, long *order) {
    rng r;
    rng_seed(&r, p->seed, stream_of(STREAM_ORDER, epoch, 0));
    memcpy(order, p->clips, sizeof *order * (size_t)p->nclips);
    for (long i = p->nclips - 1; i > 0; i--) { /* Fisher-Yates */
        long j = rng_below(&r, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

int batch_alloc(batch *b, const batch_plan *p) {
    size_t n = (size_t)p->batch;
    *b = (batch){0};
    b->x = malloc(sizeof(float) * n * (size_t)p->clip_size);
    b->labels = malloc(sizeof(float) * n * (size_t)p->classes);
    b->device = malloc(sizeof(int) * n);
    b->scratch = malloc(sizeof(float) * n * (size_t)(p->clip_size + p->classes));
    b->lambdas = malloc(sizeof(float) * n);
    b->partners = malloc(sizeof(int) * n);
    if (p->teacher_logits)
        b->teacher = malloc(sizeof(float) * n * (size_t)p->classes);
    return b->x && b->labels && b->device && b->scratch && b->lambdas && b->partners &&
           (b->teacher || !p->teacher_logits);
}

void batch_free(batch *b) {
    free(b->x), free(b->labels), free(b->teacher), free(b->device);
    free(b->scratch), free(b->lambdas), free(b->partners);
    *b = (batch){0};
}

/* Copies clip c into slot i of the batch. */
static void take_clip(const batch_plan *p, long c, int i, batch *b) {
    const tau_clip *clip = &p->set->clips[c];
    memcpy(b->x + (long)i * p->clip_size, p->features + c * p->clip_size,
           sizeof(float) * (size_t)p->clip_size);
    float *y = b->labels + (long)i * p->classes;
    memset(y, 0, sizeof(float) * (size_t)p->classes);
    y[clip->scene] = 1;
    b->device[i] = clip->device;
    if (b->teacher)
        loss_softmax(p->teacher_logits + c * p->classes, p->classes, p->kd_temp,
                     b->teacher + (long)i * p->classes);
}

/* Teacher targets follow the examples' mixup: t_i = l_i t_i + (1 - l_i) t_partner(i). */
static void mix_teacher(batch *b, int classes) {
    float *orig = b->scratch;
    memcpy(orig, b->teacher, sizeof(float) * (size_t)b->n * (size_t)classes);
    for (int i = 0; i < b->n; i++)
        for (int k = 0; k < classes; k++)
            b->teacher[(long)i * classes + k] = b->lambdas[i] * orig[(long)i * classes + k] +
                (1 - b->lambdas[i]) * orig[(long)b->partners[i] * classes + k];
}

static void augment(const batch_plan *p, int epoch, long index, batch *b) {
    const augment_config *c = p->augment;
    rng r;
    rng_seed(&r, p->seed, stream_of(STREAM_AUGMENT, epoch, index));
    augment_roll(b->x, b->n, p->bands, p->frames, c->roll_max, &r, NULL);
    augment_specaugment(b->x, b->n, p->bands, p->frames, c, &r);
    if (c->mixup_alpha <= 0 || b->n < 2)
        return;
    augment_mixup(b->x, b->labels, b->n, (int)p->clip_size, p->classes, c->mixup_alpha, &r,
                  b->scratch, b->lambdas, b->partners);
    if (b->teacher)
        mix_teacher(b, p->classes);
}

void batch_fill(const batch_plan *p, const long *order, int epoch, long index, double drop_rate,
                batch *b) {
    rng drop;
    rng_seed(&drop, p->seed, stream_of(STREAM_DROP, epoch, index));
    long first = index * p->batch, last = first + p->batch;
    if (last > p->nclips)
        last = p->nclips;
    memset(b->drawn, 0, sizeof b->drawn);
    memset(b->kept, 0, sizeof b->kept);
    b->n = 0;
    for (long k = first; k < last; k++) {
        int device = p->set->clips[order[k]].device;
        b->drawn[device]++;
        /* Every example draws, so the other examples' fate is independent of the rate. */
        double u = rng_uniform(&drop);
        if (device == p->drop_device && u < drop_rate)
            continue;
        b->kept[device]++;
        take_clip(p, order[k], b->n++, b);
    }
    if (p->augment)
        augment(p, epoch, index, b);
}
