/* Fake quantisation of weights for QAT on a hand-built model description: a
 * conv weight {3, 2, 3, 3} (three output channels, one of them all zero), a
 * linear weight {4, 6}, a bias and norm parameters. Weights must land on
 * their channel's grid k * max|w| / 127, everything else pass unchanged. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_run.h"
#include "qat_weights.h"

enum { CONV = 3 * 2 * 3 * 3, LINEAR = 4 * 6, CHANNELS = 3 };
enum { CONV_AT = 0, BIAS_AT = CONV, SCALE_AT = BIAS_AT + 3, SHIFT_AT = SCALE_AT + 3 };
enum { LINEAR_AT = SHIFT_AT + 3, TOTAL = LINEAR_AT + LINEAR };

static const AscTensorInfo tensors[] = {
    {"conv.weight", ASC_WEIGHT, CONV_AT, CONV, {3, 2, 3, 3}, 18, 0},
    {"conv.bias", ASC_BIAS, BIAS_AT, 3, {3, 0, 0, 0}, 18, 0},
    {"norm.weight", ASC_NORM_SCALE, SCALE_AT, 3, {3, 0, 0, 0}, 0, 0},
    {"norm.bias", ASC_NORM_SHIFT, SHIFT_AT, 3, {3, 0, 0, 0}, 0, 0},
    {"fc.weight", ASC_WEIGHT, LINEAR_AT, LINEAR, {4, 6, 0, 0}, 6, 1},
};

static const AscModelInfo model = {
    .name = "qat_fake",
    .params = TOTAL,
    .ntensors = (int)(sizeof tensors / sizeof tensors[0]),
    .tensors = tensors,
};

/* Values of every magnitude and sign; conv channel 1 all zero. */
static void make_params(float *p, int seed)
{
    for (int i = 0; i < TOTAL; i++)
        p[i] = (float)(sin(2.3 * i + seed) * exp(2 * cos(0.7 * i * seed)));
    for (int i = 0; i < CONV / CHANNELS; i++)
        p[CONV_AT + CONV / CHANNELS + i] = 0;
}

/* One channel of n values against its grid, computed here in double:
 * scale = max|w| / 127, q = k * scale rounded to float with |k| <= 127, the
 * nearest grid point to w (error <= scale / 2; the extra 1e-6 covers the
 * float rounding of q itself), the largest |w| kept exactly (k = +-127). */
static void check_channel(const float *w, const float *q, int n, const char *what)
{
    double top = 0;
    for (int i = 0; i < n; i++)
        top = fmax(top, fabs(w[i]));
    for (int i = 0; i < n; i++) {
        if (top == 0) {
            ck_assert_msg(q[i] == 0, "%s[%d]: zero channel gives %g", what, i, q[i]);
            continue;
        }
        double scale = top / 127, k = nearbyint(q[i] / scale);
        ck_assert_msg(fabs(k) <= 127 && q[i] == (float)(k * scale),
                      "%s[%d]: %.9g is not on the grid of %.9g", what, i, q[i], scale);
        ck_assert_msg(fabs(q[i] - w[i]) <= scale * (0.5 + 1e-6), "%s[%d]: %.9g rounds to %.9g",
                      what, i, w[i], q[i]);
        if (fabs(w[i]) == top)
            ck_assert_msg(q[i] == w[i], "%s[%d]: the largest value %.9g became %.9g", what, i,
                          w[i], q[i]);
    }
}

START_TEST(weights_land_on_the_channel_grid)
{
    float p[TOTAL], q[TOTAL];
    for (int seed = 1; seed <= 200; seed++) {
        make_params(p, seed);
        qat_quantize_weights(&model, p, q);
        for (int c = 0; c < CHANNELS; c++)
            check_channel(p + CONV_AT + c * 18, q + CONV_AT + c * 18, 18, "conv");
        for (int c = 0; c < 4; c++)
            check_channel(p + LINEAR_AT + c * 6, q + LINEAR_AT + c * 6, 6, "fc");
        for (int i = BIAS_AT; i < LINEAR_AT; i++)
            ck_assert_msg(q[i] == p[i], "bias or norm parameter %d changed", i);
    }
}
END_TEST

/* The rounding really happens: a value between two grid points moves, and
 * channels are scaled apart (a tiny channel keeps 127 levels of its own). */
START_TEST(rounding_is_per_channel)
{
    float p[TOTAL] = {0}, q[TOTAL];
    p[CONV_AT + 0] = 1.0f;
    p[CONV_AT + 1] = 0.5f / 127 * 2.6f; /* 1.3 steps: rounds to one step */
    p[CONV_AT + 36] = 1e-3f;
    p[CONV_AT + 37] = -0.3e-3f; /* -38.1 steps of 1e-3 / 127 */
    qat_quantize_weights(&model, p, q);
    ck_assert(q[CONV_AT + 0] == 1.0f);
    ck_assert(q[CONV_AT + 1] == (float)(1.0 / 127));
    ck_assert(q[CONV_AT + 36] == 1e-3f);
    ck_assert_float_eq_tol(q[CONV_AT + 37], (float)(-38 * 1e-3 / 127), 1e-12);
    for (int i = CONV_AT + 18; i < CONV_AT + 36; i++)
        ck_assert(q[i] == 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qat_weights");
    TCase *tc = tcase_create("qat_weights");
    tcase_add_test(tc, weights_land_on_the_channel_grid);
    tcase_add_test(tc, rounding_is_per_channel);
    suite_add_tcase(s, tc);
    return check_run(s);
}
