/* The optimiser and its schedules: AdamW against an independent
 * double-precision transcription of torch.optim.AdamW's update, per-range
 * learning rates, decoupled weight decay on its own; the warm-up + cosine
 * learning rate and the sigmoid drop rate of device-aware fine-tuning. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "adamw.h"
#include "check_run.h"
#include "schedule.h"

#define N 8
#define PI 3.14159265358979323846

/* torch.optim.AdamW for one parameter, in double (PyTorch's _single_tensor_adamw):
 *   p *= 1 - lr * wd
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
typedef struct {
    double p, m, v;
} ref_param;

static void ref_step(ref_param *r, double g, int t, double lr, double wd)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    r->p *= 1 - lr * wd;
    r->m = b1 * r->m + (1 - b1) * g;
    r->v = b2 * r->v + (1 - b2) * g * g;
    double m_hat = r->m / (1 - pow(b1, t));
    double denom = sqrt(r->v) / sqrt(1 - pow(b2, t)) + eps;
    r->p -= lr * m_hat / denom;
}

/* Gradients of every size that matters: 1e-7 makes sqrt(v_hat) comparable to
 * eps, so eps added after the bias correction (PyTorch) and before it (the
 * Adam paper's eps-hat) differ by a factor of four; zero leaves decay alone. */
static double grad_of(int i, int step)
{
    static const double base[N] = {1.0, -0.5, 3e-2, -2.0, 1e-7, 0.0, 0.25, -1e-3};
    return base[i] * (1 + 0.3 * sin(step + i));
}

/* Float rounding budget: every step rounds p (2^-24 |p|) and computes the
 * update in about ten float operations (a few 1e-7 of lr); m and v carry
 * their own rounding from step to step. 1e-6 * lr + 2e-7 |p| per step covers
 * that with margin, and is far below what a wrong formula moves (a missing
 * bias correction or a misplaced eps changes the step by a factor > 1.5). */
static double tolerance(int steps, double lr, double p)
{
    return steps * (1e-6 * lr + 2e-7 * fabs(p));
}

static void run_against_reference(int steps, const double lr[N], double wd)
{
    float params[N], grads[N];
    ref_param ref[N];
    adamw opt;
    ck_assert(adamw_init(&opt, N));
    for (int i = 0; i < N; i++) {
        params[i] = (float)(0.75 - 0.2 * i);
        ref[i] = (ref_param){params[i], 0, 0};
    }
    for (int t = 1; t <= steps; t++) {
        adamw_begin_step(&opt);
        ck_assert_int_eq(opt.step, t);
        for (int i = 0; i < N; i++) {
            grads[i] = (float)grad_of(i, t);
            ref_step(&ref[i], grads[i], t, lr[i], wd);
        }
        /* Two ranges, each with its own rate, as a fresh classifier gets. */
        adamw_update(&opt, params, grads, 0, 5, lr[0], wd);
        adamw_update(&opt, params, grads, 5, N, lr[5], wd);
        for (int i = 0; i < N; i++)
            ck_assert_msg(fabs(params[i] - ref[i].p) <= tolerance(t, lr[i], ref[i].p),
                          "step %d param %d: %.9g, PyTorch's formula %.9g", t, i,
                          params[i], ref[i].p);
    }
    adamw_free(&opt);
}

START_TEST(adamw_one_step_matches_pytorch)
{
    const double lr[N] = {1e-2, 1e-2, 1e-2, 1e-2, 1e-2, 1e-2, 1e-2, 1e-2};
    run_against_reference(1, lr, 0.01);
}
END_TEST

START_TEST(adamw_many_steps_match_pytorch)
{
    const double lr[N] = {3e-3, 3e-3, 3e-3, 3e-3, 3e-3, 3e-3, 3e-3, 3e-3};
    run_against_reference(25, lr, 0.05);
}
END_TEST

/* A rate ten times larger on [5, 8): the reference gives each index its own. */
START_TEST(adamw_ranges_take_their_own_rate)
{
    const double lr[N] = {1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-2, 1e-2, 1e-2};
    run_against_reference(10, lr, 0.01);
}
END_TEST

/* With zero gradients m and v stay 0 and the Adam term is exactly 0, so each
 * step must be exactly the float product p * (float)(1 - lr * wd). */
START_TEST(adamw_decay_alone_shrinks_exactly)
{
    const double lr = 0.1, wd = 0.01;
    const float factor = (float)(1 - lr * wd);
    float params[N], grads[N] = {0}, expect[N];
    adamw opt;
    ck_assert(adamw_init(&opt, N));
    for (int i = 0; i < N; i++)
        expect[i] = params[i] = (float)(i - 3.5);
    for (int t = 1; t <= 20; t++) {
        adamw_begin_step(&opt);
        adamw_update(&opt, params, grads, 0, N, lr, wd);
        for (int i = 0; i < N; i++) {
            expect[i] *= factor;
            ck_assert_msg(params[i] == expect[i], "step %d param %d: %.9g, expected %.9g", t, i,
                          params[i], expect[i]);
        }
    }
    /* And the product is what it says: 20 steps of 0.999 each. */
    ck_assert_double_eq_tol(params[0] / -3.5, pow(0.999, 20), 1e-6);
    adamw_free(&opt);
}
END_TEST

START_TEST(lr_warms_up_linearly_to_the_peak)
{
    const long warmup = 100, total = 1000;
    const double peak = 1e-3;
    ck_assert(schedule_lr(0, warmup, total, peak) == 1e-8);
    ck_assert(schedule_lr(warmup, warmup, total, peak) == peak);
    /* 1e-8 + (peak - 1e-8) s / W, to double rounding. */
    for (long s = 0; s < warmup; s++) {
        double expect = 1e-8 + (peak - 1e-8) * (double)s / (double)warmup;
        ck_assert_double_eq_tol(schedule_lr(s, warmup, total, peak), expect, 1e-15 * peak);
        ck_assert(schedule_lr(s + 1, warmup, total, peak) > schedule_lr(s, warmup, total, peak));
    }
}
END_TEST

/* peak (1 + cos(pi (s - W) / (total - W - 1))) / 2 after warm-up: peak at W,
 * 0 at the last step (cos(pi) is -1 exactly in double), never rising. */
static void check_cosine(long warmup, long total, double peak)
{
    double prev = INFINITY;
    for (long s = warmup; s < total; s++) {
        double lr = schedule_lr(s, warmup, total, peak);
        double expect = peak * 0.5 * (1 + cos(PI * (double)(s - warmup) / (double)(total - warmup - 1)));
        ck_assert_msg(isfinite(lr) && fabs(lr - expect) <= 1e-15 * peak,
                      "step %ld: %.12g, expected %.12g", s, lr, expect);
        ck_assert_msg(lr <= prev, "step %ld: %g rises above %g", s, lr, prev);
        prev = lr;
    }
    ck_assert(schedule_lr(warmup, warmup, total, peak) == peak);
    ck_assert(schedule_lr(total - 1, warmup, total, peak) == 0);
}

START_TEST(lr_anneals_by_cosine_to_zero)
{
    check_cosine(100, 1000, 1e-3);
    check_cosine(3, 17, 0.5);
}
END_TEST

START_TEST(lr_without_warmup_starts_at_the_peak)
{
    check_cosine(0, 500, 2e-3);
    ck_assert(schedule_lr(0, 0, 500, 2e-3) == 2e-3);
}
END_TEST

/* r_max (S(e / (E - 1)) - S(0)) / (S(1) - S(0)), S(x) = 1 / (1 + exp(-10 (x - 1/2))). */
static double ref_drop(int e, int epochs, double r_max)
{
    double s0 = 1 / (1 + exp(5.0)), s1 = 1 / (1 + exp(-5.0));
    double x = (double)e / (epochs - 1), s = 1 / (1 + exp(-10 * (x - 0.5)));
    return r_max * (s - s0) / (s1 - s0);
}

START_TEST(drop_rate_rises_by_sigmoid)
{
    const double r_max = 0.9;
    for (int epochs = 2; epochs <= 41; epochs++) {
        ck_assert(schedule_drop_rate(0, epochs, r_max) == 0);
        ck_assert_double_eq_tol(schedule_drop_rate(epochs - 1, epochs, r_max), r_max, 1e-15);
        for (int e = 0; e < epochs; e++) {
            double r = schedule_drop_rate(e, epochs, r_max);
            ck_assert_double_eq_tol(r, ref_drop(e, epochs, r_max), 1e-14);
            if (e > 0)
                ck_assert(r > schedule_drop_rate(e - 1, epochs, r_max));
        }
        /* The logistic curve is symmetric about its middle. */
        if (epochs % 2)
            ck_assert_double_eq_tol(schedule_drop_rate(epochs / 2, epochs, r_max), r_max / 2,
                                    1e-14);
    }
    ck_assert(schedule_drop_rate(0, 1, r_max) == r_max);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("optimiser");
    TCase *tc = tcase_create("adamw");
    tcase_add_test(tc, adamw_one_step_matches_pytorch);
    tcase_add_test(tc, adamw_many_steps_match_pytorch);
    tcase_add_test(tc, adamw_ranges_take_their_own_rate);
    tcase_add_test(tc, adamw_decay_alone_shrinks_exactly);
    suite_add_tcase(s, tc);
    tc = tcase_create("schedule");
    tcase_add_test(tc, lr_warms_up_linearly_to_the_peak);
    tcase_add_test(tc, lr_anneals_by_cosine_to_zero);
    tcase_add_test(tc, lr_without_warmup_starts_at_the_peak);
    tcase_add_test(tc, drop_rate_rises_by_sigmoid);
    suite_add_tcase(s, tc);
    return check_run(s);
}
