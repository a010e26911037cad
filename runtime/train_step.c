/* One optimiser step: the batch in micro-batches through forward and backward
 * (gradients accumulated), the fine-tuning pull towards the pre-trained
 * weights, then AdamW. */
#include <string.h>

#include "qat_weights.h"
#include "trainer_state.h"

/* The dropout stream of one micro-batch of one step: distinct for every
 * (seed, step, part), independent of threads. */
static NnRng dropout_rng(const trainer *t, long part) {
    NnRng r = {(uint64_t)t->o->seed * 0x9e3779b97f4a7c15ULL};
    r.state ^= nn_rng_next(&r) + (uint64_t)t->step * 4096 + (uint64_t)part;
    return r;
}

/* Teacher probabilities at the distillation temperature, for a live teacher
 * that sees the same augmented inputs as the student. */
static const float *live_teacher(trainer *t, const float *x, int n) {
    int classes = t->info->classes;
    predictor_run(&t->teacher_run, x, n, t->teacher_probs);
    for (int i = 0; i < n; i++)
        loss_softmax(t->teacher_probs + (long)i * classes, classes, t->o->kd_temp,
                     t->teacher_probs + (long)i * classes);
    return t->teacher_probs;
}

/* Forward, loss and backward of examples [first, first + n) of the batch. */
static void micro_step(trainer *t, const batch *b, const float *weights, int first, int n,
                       step_result *r) {
    const AscModel *model = t->state.model;
    int classes = t->info->classes;
    const float *x = b->x + (long)first * t->plan.clip_size;
    const float *teacher = NULL;
    if (b->teacher)
        teacher = b->teacher + (long)first * classes;
    else if (t->teacher.model)
        teacher = live_teacher(t, x, n);
    NnRng rng = dropout_rng(t, first);
    if (t->qparams)
        model->forward_qat(n, 1, weights, t->state.stats, x, t->logits, t->arena, &rng, &t->quant);
    else
        model->forward(n, 1, weights, t->state.stats, x, t->logits, t->arena, &rng);
    int correct;
    r->loss_sum += loss_compute(&t->loss, t->logits, b->labels + (long)first * classes, teacher, n,
                                classes, 1.0 / b->n, t->dlogits, &correct);
    r->correct += correct;
    if (t->qparams)
        model->backward_qat(n, weights, x, t->arena, t->dlogits, t->dparams, NULL, t->grad_arena,
                            &t->quant);
    else
        model->backward(n, weights, x, t->arena, t->dlogits, t->dparams, NULL, t->grad_arena);
}

/* Fine-tuning's regulariser lambda * sum((w - w_pretrained)^2) over every
 * tensor but the classifier: adds its gradient, returns its value. */
static double pull_to_anchor(trainer *t) {
    double lambda = t->o->lambda, penalty = 0;
    for (int i = 0; i < t->info->ntensors; i++) {
        const AscTensorInfo *ti = &t->info->tensors[i];
        if (ti->classifier)
            continue;
        for (int64_t k = ti->offset; k < ti->offset + ti->count; k++) {
            double d = (double)t->state.params[k] - t->anchor[k];
            penalty += d * d;
            t->dparams[k] += (float)(2 * lambda * d);
        }
    }
    return lambda * penalty;
}

static void optimise(trainer *t, double lr) {
    const train_options *o = t->o;
    adamw_begin_step(&t->opt);
    for (int i = 0; i < t->info->ntensors; i++) {
        const AscTensorInfo *ti = &t->info->tensors[i];
        double tensor_lr = o->finetune && ti->classifier ? o->fc_lr : lr;
        adamw_update(&t->opt, t->state.params, t->dparams, ti->offset, ti->offset + ti->count,
                     tensor_lr, o->weight_decay);
    }
}

void train_step(trainer *t, const batch *b, double lr, step_result *r) {
    *r = (step_result){.n = b->n};
    if (b->n == 0)
        return;
    const float *weights = t->state.params;
    if (t->qparams) {
        qat_quantize_weights(t->info, t->state.params, t->qparams);
        weights = t->qparams;
    }
    memset(t->dparams, 0, sizeof(float) * (size_t)t->info->params);
    for (int first = 0; first < b->n; first += t->micro) {
        int n = b->n - first < t->micro ? b->n - first : t->micro;
        micro_step(t, b, weights, first, n, r);
    }
    if (t->anchor)
        r->penalty = pull_to_anchor(t);
    optimise(t, lr);
    t->step++;
}
