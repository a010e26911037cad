/* AdamW; see adamw.h. */
#include "adamw.h"

#include <math.h>
#include <stdlib.h>

int adamw_init(adamw *opt, int64_t n) {
    *opt = (adamw){.n = n, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    opt->m = calloc((size_t)n, sizeof(float));
    opt->v = calloc((size_t)n, sizeof(float));
    if (!opt->m || !opt->v) {
        adamw_free(opt);
        return 0;
    }
    return 1;
}

void adamw_free(adamw *opt) {
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

void adamw_begin_step(adamw *opt) {
    opt->step++;
}

void adamw_update(adamw *opt, float *params, const float *grads, int64_t begin, int64_t end,
                  double lr, double weight_decay) {
    double b1 = opt->beta1, b2 = opt->beta2;
    /* Bias corrections folded into the step size and the epsilon, as PyTorch does. */
    double correction1 = 1 - pow(b1, (double)opt->step);
    double correction2_sqrt = sqrt(1 - pow(b2, (double)opt->step));
    float step_size = (float)(lr / correction1);
    float decay = (float)(1 - lr * weight_decay);
    float eps = (float)opt->eps;
    for (int64_t i = begin; i < end; i++) {
        float g = grads[i];
        opt->m[i] = (float)b1 * opt->m[i] + (float)(1 - b1) * g;
        opt->v[i] = (float)b2 * opt->v[i] + (float)(1 - b2) * g * g;
        float denom = sqrtf(opt->v[i]) / (float)correction2_sqrt + eps;
        params[i] = params[i] * decay - step_size * opt->m[i] / denom;
    }
}
