/* Cross-entropy and distillation; see loss.h. */
#include "loss.h"

#include <math.h>

#define MAX_CLASSES 1024

int loss_argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

void loss_softmax(const float *logits, int classes, double temperature, float *probs) {
    double top = logits[loss_argmax(logits, classes)], sum = 0, e[MAX_CLASSES];
    for (int k = 0; k < classes; k++)
        sum += e[k] = exp((logits[k] - top) / temperature);
    for (int k = 0; k < classes; k++)
        probs[k] = (float)(e[k] / sum);
}

/* log softmax(z / T) of one example, in double. */
static void log_softmax(const float *z, int classes, double temperature, double *out) {
    double top = z[loss_argmax(z, classes)], sum = 0;
    for (int k = 0; k < classes; k++)
        sum += exp((z[k] - top) / temperature);
    double log_sum = log(sum);
    for (int k = 0; k < classes; k++)
        out[k] = (z[k] - top) / temperature - log_sum;
}

/* KL(p || q) and its gradient T * (q - p) with respect to the student logits,
 * both scaled by T^2 as Hinton et al. do to keep gradient sizes comparable. */
static double distillation(const float *z, const float *teacher, int classes, double T,
                           double weight, float *dz) {
    double logq[MAX_CLASSES], kl = 0;
    log_softmax(z, classes, T, logq);
    for (int k = 0; k < classes; k++) {
        double p = teacher[k];
        if (p > 0)
            kl += p * (log(p) - logq[k]);
        dz[k] += (float)(weight * T * (exp(logq[k]) - p));
    }
    return T * T * kl;
}

double loss_compute(const loss_config *c, const float *logits, const float *labels,
                    const float *teacher_probs, int n, int classes, double grad_scale,
                    float *dlogits, int *correct) {
    double alpha = teacher_probs ? c->kd_alpha : 0, total = 0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (long)i * classes, *y = labels + (long)i * classes;
        float *dz = dlogits + (long)i * classes;
        double logp[MAX_CLASSES], ce = 0;
        log_softmax(z, classes, 1, logp);
        for (int k = 0; k < classes; k++) {
            ce -= y[k] * logp[k];
            dz[k] = (float)(grad_scale * (1 - alpha) * (exp(logp[k]) - y[k]));
        }
        double loss = (1 - alpha) * ce;
        if (alpha > 0)
            loss += alpha * distillation(z, teacher_probs + (long)i * classes, classes, c->kd_temp,
                                         grad_scale * alpha, dz);
        total += loss;
        hits += loss_argmax(z, classes) == loss_argmax(y, classes);
    }
    if (correct)
        *correct = hits;
    return total;
}
