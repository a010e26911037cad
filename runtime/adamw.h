/* AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the
 * gradient, as PyTorch's torch.optim.AdamW computes it, so our runs and a
 * PyTorch run of the same recipe take the same steps. */
#ifndef ASC_ADAMW_H
#define ASC_ADAMW_H

#include <stdint.h>

typedef struct adamw {
    float *m, *v;   /* first and second moments, one per parameter */
    int64_t n;
    int64_t step;   /* steps taken: the bias corrections depend on it */
    double beta1, beta2, eps;
} adamw;

/* Moments zeroed, betas 0.9 and 0.999, eps 1e-8. Returns 0 when out of memory. */
int adamw_init(adamw *opt, int64_t n);
void adamw_free(adamw *opt);

/* Counts one optimiser step; call once per step before the updates. */
void adamw_begin_step(adamw *opt);

/* Updates params[begin, end) from grads with this learning rate and decay:
 * p -= lr * wd * p, then p -= lr * m_hat / (sqrt(v_hat) + eps). Different
 * ranges of one step may use different rates (a fresh classifier's own). */
void adamw_update(adamw *opt, float *params, const float *grads, int64_t begin, int64_t end,
                  double lr, double weight_decay);

#endif
