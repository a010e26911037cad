/* The training loss and its gradient with respect to the logits:
 * cross-entropy against soft labels (mixup makes them soft), optionally mixed
 * with knowledge distillation (Hinton et al.):
 *   (1 - alpha) * CE(labels, softmax(s)) + alpha * T^2 * KL(teacher_T || softmax(s / T))
 * where teacher_T are the teacher's probabilities at temperature T. */
#ifndef ASC_LOSS_H
#define ASC_LOSS_H

typedef struct loss_config {
    double kd_alpha; /* 0: plain cross-entropy */
    double kd_temp;
} loss_config;

/* Softmax of logits / temperature into probs (classes values), computed stably. */
void loss_softmax(const float *logits, int classes, double temperature, float *probs);

/* For n examples: the summed loss (returned) and dlogits = d(loss sum)/d(logits)
 * times grad_scale (1 / batch for a mean over a batch split into parts).
 * teacher_probs (n x classes, at temperature kd_temp) may be NULL when
 * kd_alpha is 0. correct receives how many argmax predictions match the
 * argmax of the labels (NULL to skip). */
double loss_compute(const loss_config *c, const float *logits, const float *labels,
                    const float *teacher_probs, int n, int classes, double grad_scale,
                    float *dlogits, int *correct);

/* Index of the largest value; the first on ties. */
int loss_argmax(const float *v, int n);

#endif
