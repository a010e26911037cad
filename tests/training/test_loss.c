/* The training loss: its value against an independent transcription of
 * (1 - a) CE + a T^2 KL(p_teacher || softmax(s / T)), its gradient against
 * central finite differences of the returned loss (one-hot, mixup and
 * distillation targets), grad_scale, the argmax count, and huge logits. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "loss.h"

#define BATCH 4
#define CLASSES 10
#define VALUES (BATCH * CLASSES)

/* Logits in [-3, 3), varied per example; the same every run. */
static void make_logits(float *z, int seed)
{
    for (int i = 0; i < VALUES; i++)
        z[i] = (float)(3 * sin(1.7 * i + seed) + 0.4 * cos(5.3 * i * seed));
}

static void one_hot(float *y)
{
    memset(y, 0, sizeof(float) * VALUES);
    for (int i = 0; i < BATCH; i++)
        y[i * CLASSES + (3 * i + 1) % CLASSES] = 1;
}

/* Mixup targets: lambda on one class, 1 - lambda on another. */
static void mixed(float *y)
{
    static const float lambda[BATCH] = {0.7f, 0.05f, 0.5f, 0.93f};
    memset(y, 0, sizeof(float) * VALUES);
    for (int i = 0; i < BATCH; i++) {
        y[i * CLASSES + (3 * i + 1) % CLASSES] += lambda[i];
        y[i * CLASSES + (7 * i + 4) % CLASSES] += 1 - lambda[i];
    }
}

/* Reference log softmax(z / T) of one example, in double. */
static void ref_log_softmax(const float *z, double T, double *out)
{
    double top = -INFINITY, sum = 0;
    for (int k = 0; k < CLASSES; k++)
        top = fmax(top, z[k] / T);
    for (int k = 0; k < CLASSES; k++)
        sum += exp(z[k] / T - top);
    for (int k = 0; k < CLASSES; k++)
        out[k] = z[k] / T - top - log(sum);
}

/* Teacher probabilities at temperature T from logits of its own. */
static void teacher_probs(float *p, double T)
{
    float zt[VALUES];
    double lp[CLASSES];
    make_logits(zt, 11);
    for (int i = 0; i < BATCH; i++) {
        ref_log_softmax(zt + i * CLASSES, T, lp);
        for (int k = 0; k < CLASSES; k++)
            p[i * CLASSES + k] = (float)exp(lp[k]);
    }
}

/* sum_i (1 - a) CE(y_i, softmax(s_i)) + a T^2 KL(p_i || softmax(s_i / T)). */
static double ref_loss(const float *z, const float *y, const float *p, double a, double T)
{
    double total = 0, lq[CLASSES];
    for (int i = 0; i < BATCH; i++) {
        double ce = 0, kl = 0;
        ref_log_softmax(z + i * CLASSES, 1, lq);
        for (int k = 0; k < CLASSES; k++)
            ce -= y[i * CLASSES + k] * lq[k];
        ref_log_softmax(z + i * CLASSES, T, lq);
        for (int k = 0; k < CLASSES && p; k++) {
            double pk = p[i * CLASSES + k];
            kl += pk > 0 ? pk * (log(pk) - lq[k]) : 0;
        }
        total += (1 - a) * ce + a * T * T * kl;
    }
    return total;
}

/* Central differences with h = 1e-2. The step actually taken is the
 * difference of the two rounded float logits, computed in double, so float
 * rounding of z +- h costs nothing. The loss is smooth with third
 * derivatives below 1 in these logits, so truncation error h^2/6 |f'''| is
 * under 2e-5; the analytic gradient is a float (2^-24 relative). A tolerance
 * of 1e-3 relative to the gradient's largest component (plus 1e-3 of the
 * component itself) is therefore loose for a correct gradient yet catches a
 * missing factor T, (1 - a) or a wrong sign at once. */
static void check_gradient(const loss_config *c, const float *y, const float *p)
{
    float z[VALUES], dz[VALUES], scratch[VALUES];
    make_logits(z, 1);
    double loss = loss_compute(c, z, y, p, BATCH, CLASSES, 1, dz, NULL);
    ck_assert_double_eq_tol(loss, ref_loss(z, y, p, p ? c->kd_alpha : 0, c->kd_temp),
                            1e-12 * fabs(loss));
    double biggest = 0;
    for (int j = 0; j < VALUES; j++)
        biggest = fmax(biggest, fabs(dz[j]));
    for (int j = 0; j < VALUES; j++) {
        float z0 = z[j], up = (float)(z0 + 1e-2), down = (float)(z0 - 1e-2);
        z[j] = up;
        double lu = loss_compute(c, z, y, p, BATCH, CLASSES, 1, scratch, NULL);
        z[j] = down;
        double ld = loss_compute(c, z, y, p, BATCH, CLASSES, 1, scratch, NULL);
        z[j] = z0;
        double fd = (lu - ld) / ((double)up - (double)down);
        ck_assert_msg(fabs(fd - dz[j]) <= 1e-3 * (biggest + fabs(fd)),
                      "logit %d: gradient %.8g, finite difference %.8g", j, dz[j], fd);
    }
}

START_TEST(one_hot_gradient)
{
    float y[VALUES];
    one_hot(y);
    loss_config c = {0, 1};
    check_gradient(&c, y, NULL);
}
END_TEST

START_TEST(mixup_gradient)
{
    float y[VALUES];
    mixed(y);
    loss_config c = {0, 1};
    check_gradient(&c, y, NULL);
}
END_TEST

START_TEST(distillation_value_and_gradient)
{
    static const double temps[] = {2, 4};
    float y[VALUES], p[VALUES];
    for (int t = 0; t < 2; t++) {
        teacher_probs(p, temps[t]);
        loss_config c = {0.3, temps[t]};
        one_hot(y);
        check_gradient(&c, y, p);
        mixed(y);
        check_gradient(&c, y, p);
    }
}
END_TEST

/* Without teacher targets alpha is ignored: plain cross-entropy. */
START_TEST(no_teacher_means_plain_cross_entropy)
{
    float z[VALUES], y[VALUES], d_kd[VALUES], d_ce[VALUES];
    make_logits(z, 2);
    mixed(y);
    loss_config kd = {0.3, 2}, ce = {0, 1};
    double a = loss_compute(&kd, z, y, NULL, BATCH, CLASSES, 1, d_kd, NULL);
    double b = loss_compute(&ce, z, y, NULL, BATCH, CLASSES, 1, d_ce, NULL);
    ck_assert(a == b);
    ck_assert(memcmp(d_kd, d_ce, sizeof d_kd) == 0);
}
END_TEST

/* A power-of-two scale commutes with every rounding, so the scaled gradient
 * must be exactly scale times the unscaled one, and the loss untouched. */
START_TEST(grad_scale_scales_the_gradient_only)
{
    float z[VALUES], y[VALUES], p[VALUES], d1[VALUES], dq[VALUES];
    make_logits(z, 3);
    mixed(y);
    teacher_probs(p, 4);
    loss_config c = {0.3, 4};
    double l1 = loss_compute(&c, z, y, p, BATCH, CLASSES, 1, d1, NULL);
    double lq = loss_compute(&c, z, y, p, BATCH, CLASSES, 0.25, dq, NULL);
    ck_assert(l1 == lq);
    for (int j = 0; j < VALUES; j++)
        ck_assert_msg(dq[j] == 0.25f * d1[j], "logit %d: %g vs %g", j, dq[j], d1[j]);
}
END_TEST

/* mixed() puts the largest label on classes 1, 1, 7 (a 0.5/0.5 tie with 8,
 * the first wins) and 0 for the four examples. */
START_TEST(correct_counts_argmax_matches)
{
    float z[VALUES] = {0}, y[VALUES], dz[VALUES];
    mixed(y);
    z[0 * CLASSES + 1] = 2; /* matches */
    z[1 * CLASSES + 1] = 1; /* matches the 0.95 class */
    z[2 * CLASSES + 9] = 5; /* misses */
    z[2 * CLASSES + 7] = 4;
    z[3 * CLASSES + 5] = 1; /* misses the 0.93 class */
    loss_config c = {0, 1};
    int correct = -1;
    loss_compute(&c, z, y, NULL, BATCH, CLASSES, 1, dz, &correct);
    ck_assert_int_eq(correct, 2);
    z[2 * CLASSES + 7] = 6; /* now the first of the tied label classes */
    loss_compute(&c, z, y, NULL, BATCH, CLASSES, 1, dz, &correct);
    ck_assert_int_eq(correct, 3);
    ck_assert_int_eq(loss_argmax((const float[]){1, 3, 3, 2}, 4), 1);
}
END_TEST

/* Logits of +-1e4 overflow exp() without the max shift. Here every example
 * has 3 or 4 logits at 1e4 (indices divisible by 3), so softmax puts 1/m on
 * each and the CE of a label is 1e4 - z_label + log m: labels at indices 1,
 * 14, 27, 30 hold -1e4, 0, 1e4, 1e4 with m = 4, 3, 3, 4. The gradient
 * (1 - a)(q - y) + a T (q_T - p) is bounded by (1 - a) + a T. */
START_TEST(huge_logits_stay_finite)
{
    float z[VALUES], y[VALUES], p[VALUES], dz[VALUES];
    for (int j = 0; j < VALUES; j++)
        z[j] = j % 3 == 0 ? 1e4f : j % 3 == 1 ? -1e4f : 0;
    one_hot(y);
    teacher_probs(p, 2);
    p[1] += p[0]; /* a zero teacher probability adds nothing to the KL */
    p[0] = 0;
    for (int kd = 0; kd < 2; kd++) {
        loss_config c = {kd ? 0.3 : 0, 2};
        double bound = 1 - c.kd_alpha + c.kd_alpha * c.kd_temp;
        double loss = loss_compute(&c, z, y, kd ? p : NULL, BATCH, CLASSES, 1, dz, NULL);
        ck_assert(isfinite(loss));
        for (int j = 0; j < VALUES; j++)
            ck_assert_msg(isfinite(dz[j]) && fabsf(dz[j]) <= bound + 1e-6, "logit %d: %g", j,
                          dz[j]);
        if (!kd)
            ck_assert_double_eq_tol(loss, 2e4 + log(4) + 1e4 + log(3) + log(3) + log(4), 1e-9);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loss");
    TCase *tc = tcase_create("loss");
    tcase_add_test(tc, one_hot_gradient);
    tcase_add_test(tc, mixup_gradient);
    tcase_add_test(tc, distillation_value_and_gradient);
    tcase_add_test(tc, no_teacher_means_plain_cross_entropy);
    tcase_add_test(tc, grad_scale_scales_the_gradient_only);
    tcase_add_test(tc, correct_counts_argmax_matches);
    tcase_add_test(tc, huge_logits_stay_finite);
    suite_add_tcase(s, tc);
    return check_run(s);
}
