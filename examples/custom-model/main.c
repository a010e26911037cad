/* Driving a model that ascc generated, with nothing but its own header: allocate the
 * buffers its descriptor asks for, initialise the parameters, and train it for a few
 * steps of plain SGD on one fixed random batch (the loss must fall). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiny_kws.h" /* generated at build time by ascc_add_model() */

enum { BATCH = 8, STEPS = 30 };
static const float LR = 0.5f; /* plain SGD, no momentum */

static float uniform(NnRng *rng, float bound) { return (float)((2.0 * nn_rng_uniform(rng) - 1.0) * bound); }

int main(void) {
    const AscModelInfo *info = &tiny_kws_info;
    const int in_size = info->input_c * info->input_f * info->input_t, k = info->classes;
    /* One flat buffer each, sized by the descriptor: the model never allocates. */
    float *params = calloc((size_t)info->params, sizeof(float));
    float *dparams = calloc((size_t)info->params, sizeof(float));
    float *stats = calloc((size_t)info->stats_floats, sizeof(float));
    float *arena = calloc(asc_arena_size(info, BATCH), sizeof(float));
    float *grad_arena = calloc(asc_grad_arena_size(info, BATCH), sizeof(float));
    float *input = calloc((size_t)BATCH * (size_t)in_size, sizeof(float));
    float *logits = calloc((size_t)BATCH * (size_t)k, sizeof(float));
    float *dlogits = calloc((size_t)BATCH * (size_t)k, sizeof(float));
    int labels[BATCH];
    if (!params || !dparams || !stats || !arena || !grad_arena || !input || !logits || !dlogits) {
        fprintf(stderr, "custom_model: out of memory\n");
        return 1;
    }
    NnRng rng = {42};
    /* The descriptor says what each tensor is: weights and biases uniform
     * +-1/sqrt(fan_in), norm scales 1, norm shifts 0. */
    for (int i = 0; i < info->ntensors; i++) {
        const AscTensorInfo *t = &info->tensors[i];
        for (int64_t j = 0; j < t->count; j++)
            params[t->offset + j] = t->kind == ASC_NORM_SCALE ? 1.0f
                                  : t->kind == ASC_NORM_SHIFT ? 0.0f
                                                              : uniform(&rng, 1.0f / sqrtf((float)t->fan_in));
    }
    /* Running statistics: each norm's means (0, from calloc), then its variances (1). */
    for (int i = 0; i < info->nnorms; i++)
        for (int g = 0; g < info->norms[i].groups; g++)
            stats[info->norms[i].offset + info->norms[i].groups + g] = 1.0f;
    /* A fixed batch input[BATCH][1][F][T] with fixed labels: the model can memorise it. */
    for (int i = 0; i < BATCH * in_size; i++)
        input[i] = uniform(&rng, 1.0f);
    for (int n = 0; n < BATCH; n++)
        labels[n] = n % k;

    float first = 0.0f, loss = 0.0f;
    for (int step = 1; step <= STEPS; step++) {
        tiny_kws_model.forward(BATCH, 1, params, stats, input, logits, arena, &rng);
        /* Softmax cross-entropy, mean over the batch; its gradient (p - onehot) / BATCH. */
        loss = 0.0f;
        for (int n = 0; n < BATCH; n++) {
            const float *z = logits + n * k;
            float max = z[0], sum = 0.0f;
            for (int c = 1; c < k; c++)
                max = fmaxf(max, z[c]);
            for (int c = 0; c < k; c++)
                sum += expf(z[c] - max);
            loss += (logf(sum) + max - z[labels[n]]) / BATCH;
            for (int c = 0; c < k; c++)
                dlogits[n * k + c] = (expf(z[c] - max) / sum - (float)(c == labels[n])) / BATCH;
        }
        if (step == 1)
            first = loss;
        if (step == 1 || step % 10 == 0)
            printf("step %2d  loss %.4f\n", step, loss);
        /* backward adds into dparams, so clear them first; NULL: no input gradient. */
        for (int64_t j = 0; j < info->params; j++)
            dparams[j] = 0.0f;
        tiny_kws_model.backward(BATCH, params, input, arena, dlogits, dparams, NULL, grad_arena);
        for (int64_t j = 0; j < info->params; j++)
            params[j] -= LR * dparams[j];
    }
    printf("%s: %lld parameters, loss %.4f -> %.4f\n", info->name, (long long)info->params, first, loss);
    free(params), free(dparams), free(stats), free(arena), free(grad_arena);
    free(input), free(logits), free(dlogits);
    if (!(loss < first)) {
        fprintf(stderr, "custom_model: the loss did not fall (%.4f -> %.4f)\n", first, loss);
        return 1;
    }
    return 0;
}
