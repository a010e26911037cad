/* Evaluation metrics against figures computed by hand: log loss of uniform,
 * confident and extreme logits, clipping as scikit-learn's log_loss does,
 * macro versus micro averages, merging, the confusion matrix and the exact
 * text of the table and the JSON. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "metrics.h"

#define LN10 2.302585092994045684
#define LN2 0.693147180559945309
#define LOSS_CAP 34.538776394910684 /* -log(1e-15) */

enum { DEV_A = 0, DEV_B = 1, DEV_S1 = 3, DEV_S4 = 6 };

/* The log loss and prediction of one clip, from a fresh eval_metrics. */
static double one_loss(const float *logits, int scene, int *correct)
{
    eval_metrics m;
    metrics_init(&m);
    metrics_add(&m, DEV_A, scene, logits);
    if (correct)
        *correct = (int)m.correct[DEV_A];
    return m.loss_sum[DEV_A];
}

static void fill(float *v, float x)
{
    for (int k = 0; k < TAU_SCENES; k++)
        v[k] = x;
}

START_TEST(uniform_logits_cost_ln10)
{
    float z[TAU_SCENES];
    fill(z, 0.3f);
    int correct;
    /* A tie everywhere predicts the first scene. */
    ck_assert_double_eq_tol(one_loss(z, 0, &correct), LN10, 1e-12);
    ck_assert_int_eq(correct, 1);
    ck_assert_double_eq_tol(one_loss(z, 5, &correct), LN10, 1e-12);
    ck_assert_int_eq(correct, 0);
}
END_TEST

START_TEST(confident_correct_prediction)
{
    float z[TAU_SCENES];
    fill(z, 0.0f);
    z[3] = 20.0f;
    int correct;
    /* -log(e^20 / (e^20 + 9)) = log(1 + 9 e^-20); nothing clipped. */
    double want = log1p(9 * exp(-20.0));
    ck_assert_double_eq_tol(one_loss(z, 3, &correct), want, 1e-15);
    ck_assert_int_eq(correct, 1);
    /* At 50 every probability is clipped: 1 - 1e-15 for the winner, 1e-15
     * for the others, and the row renormalised by its sum 1 + 8e-15. */
    z[3] = 50.0f;
    double loss = one_loss(z, 3, NULL);
    ck_assert_msg(loss > 8e-15 && loss < 1e-14, "%g", loss);
}
END_TEST

START_TEST(confident_wrong_prediction_is_clipped)
{
    float z[TAU_SCENES];
    fill(z, 0.0f);
    z[0] = 100.0f;
    int correct;
    ck_assert_double_eq_tol(one_loss(z, 1, &correct), LOSS_CAP, 1e-9);
    ck_assert_int_eq(correct, 0);
    /* Below the cap nothing is clipped: 30 + log(1 + 9 e^-30). */
    z[0] = 30.0f;
    ck_assert_double_eq_tol(one_loss(z, 1, NULL), 30.0, 1e-9);
}
END_TEST

START_TEST(huge_logits_stay_finite)
{
    const float big[] = {1e4f, 1e30f, FLT_MAX};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        float z[TAU_SCENES];
        fill(z, -big[i]);
        z[2] = big[i];
        double right = one_loss(z, 2, NULL), wrong = one_loss(z, 7, NULL);
        ck_assert_msg(right >= 0 && right < 1e-14, "%g: %g", big[i], right);
        ck_assert_msg(fabs(wrong - LOSS_CAP) < 1e-9, "%g: %g", big[i], wrong);
    }
}
END_TEST

START_TEST(ties_predict_the_first_index)
{
    float z[TAU_SCENES];
    fill(z, 0.0f);
    z[4] = z[8] = 5.0f;
    eval_metrics m;
    metrics_init(&m);
    metrics_add(&m, DEV_B, 8, z);
    ck_assert_int_eq(m.confusion[8][4], 1);
    ck_assert_int_eq(m.correct[DEV_B], 0);
    /* -log(e^5 / (2 e^5 + 8)) = log(2 + 8 e^-5). */
    ck_assert_double_eq_tol(m.loss_sum[DEV_B], log(2 + 8 * exp(-5.0)), 1e-12);
}
END_TEST

START_TEST(probabilities_are_clipped_and_renormalised)
{
    float p[TAU_SCENES];
    eval_metrics m;
    metrics_init(&m);
    fill(p, 0.2f); /* sums to 2: renormalised to 0.1 each */
    metrics_add_probs(&m, DEV_A, 6, p);
    ck_assert_double_eq_tol(m.loss_sum[DEV_A], LN10, 1e-7);
    ck_assert_int_eq(m.confusion[6][0], 1);
    fill(p, 0.0f);
    p[9] = 1.0f; /* a zero for the true scene costs the cap */
    metrics_add_probs(&m, DEV_S4, 2, p);
    ck_assert_double_eq_tol(m.loss_sum[DEV_S4], LOSS_CAP, 1e-9);
    ck_assert_int_eq(m.confusion[2][9], 1);
    /* The same clip from logits and from its softmax agree. */
    float z[TAU_SCENES];
    double sum = 0;
    for (int k = 0; k < TAU_SCENES; k++)
        sum += exp(z[k] = (float)(k % 4) - 1.5f);
    for (int k = 0; k < TAU_SCENES; k++)
        p[k] = (float)(exp(z[k]) / sum);
    metrics_init(&m);
    metrics_add(&m, DEV_A, 5, z);
    metrics_add_probs(&m, DEV_B, 5, p);
    ck_assert_double_eq_tol(m.loss_sum[DEV_A], m.loss_sum[DEV_B], 1e-6);
    ck_assert_int_eq(m.confusion[5][3], 2);
}
END_TEST

/* Device A: correct at p = 0.5, correct at p = 0.5, wrong at p = 0.1;
 * device S1: correct at p = 1. */
static void unequal_devices(eval_metrics *m)
{
    float p[TAU_SCENES];
    metrics_init(m);
    fill(p, 0.5f / 9);
    p[1] = 0.5f;
    metrics_add_probs(m, DEV_A, 1, p);
    metrics_add_probs(m, DEV_A, 1, p);
    fill(p, 0.0125f);
    p[0] = 0.1f;
    p[7] = 0.8f;
    metrics_add_probs(m, DEV_A, 0, p);
    fill(p, 0.0f);
    p[4] = 1.0f;
    metrics_add_probs(m, DEV_S1, 4, p);
}

START_TEST(macro_and_micro_averages)
{
    eval_metrics m;
    unequal_devices(&m);
    double loss_a = (2 * LN2 + LN10) / 3;
    ck_assert_int_eq(metrics_clips(&m), 4);
    ck_assert_double_eq_tol(metrics_device_accuracy(&m, DEV_A), 2.0 / 3, 1e-15);
    ck_assert_double_eq_tol(metrics_device_logloss(&m, DEV_A), loss_a, 1e-7);
    ck_assert_double_eq_tol(metrics_device_accuracy(&m, DEV_S1), 1.0, 1e-15);
    ck_assert_double_eq_tol(metrics_device_logloss(&m, DEV_S1), 0.0, 1e-14);
    /* Macro: each device counts once; micro: each clip counts once. */
    ck_assert_double_eq_tol(metrics_accuracy(&m), (2.0 / 3 + 1) / 2, 1e-15);
    ck_assert_double_eq_tol(metrics_logloss(&m), loss_a / 2, 1e-7);
    ck_assert_double_eq_tol(metrics_micro_accuracy(&m), 3.0 / 4, 1e-15);
    ck_assert_double_eq_tol(metrics_micro_logloss(&m), loss_a * 3 / 4, 1e-7);
}
END_TEST

START_TEST(devices_without_clips_are_nan)
{
    eval_metrics m;
    metrics_init(&m);
    ck_assert_int_eq(metrics_clips(&m), 0);
    ck_assert(isnan(metrics_accuracy(&m)) && isnan(metrics_logloss(&m)));
    ck_assert(isnan(metrics_micro_accuracy(&m)));
    ck_assert(isnan(metrics_micro_logloss(&m)));
    unequal_devices(&m);
    for (int d = 0; d < TAU_DEVICES; d++) {
        int has = d == DEV_A || d == DEV_S1;
        ck_assert_int_eq(isnan(metrics_device_accuracy(&m, d)), !has);
        ck_assert_int_eq(isnan(metrics_device_logloss(&m, d)), !has);
    }
}
END_TEST

/* Deterministic pseudo-random logits, device and scene for clip i. */
static void clip_data(int i, float *z, int *device, int *scene)
{
    unsigned s = 2654435761u * (unsigned)(i + 1);
    for (int k = 0; k < TAU_SCENES; k++) {
        s = s * 1664525u + 1013904223u;
        z[k] = (float)(s >> 8) / (1 << 24) * 8 - 4;
    }
    *device = (int)(s >> 4) % TAU_DEVICES;
    *scene = (int)(s >> 12) % TAU_SCENES;
}

START_TEST(merge_equals_sequential_adds)
{
    enum { N = 300 };
    eval_metrics all, part[3], merged;
    metrics_init(&all);
    for (int p = 0; p < 3; p++)
        metrics_init(&part[p]);
    for (int i = 0; i < N; i++) {
        float z[TAU_SCENES];
        int d, s;
        clip_data(i, z, &d, &s);
        metrics_add(&all, d, s, z);
        metrics_add(&part[i % 3], d, s, z);
    }
    metrics_init(&merged);
    for (int p = 0; p < 3; p++)
        metrics_merge(&merged, &part[p]);
    ck_assert_int_eq(metrics_clips(&merged), N);
    ck_assert(memcmp(merged.clips, all.clips, sizeof all.clips) == 0);
    ck_assert(memcmp(merged.correct, all.correct, sizeof all.correct) == 0);
    ck_assert(memcmp(merged.confusion, all.confusion, sizeof all.confusion) == 0);
    /* Loss sums differ only by the order of the additions. */
    for (int d = 0; d < TAU_DEVICES; d++)
        ck_assert_double_eq_tol(merged.loss_sum[d], all.loss_sum[d], 1e-9);
}
END_TEST

START_TEST(confusion_counts_true_by_predicted)
{
    eval_metrics m;
    metrics_init(&m);
    float z[TAU_SCENES];
    /* (true, predicted): (0,0) x3, (0,2) x1, (9,2) x2, (9,9) x1. */
    const int pairs[][2] = {{0, 0}, {0, 2}, {0, 0}, {9, 2},
                            {9, 9}, {0, 0}, {9, 2}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        fill(z, -1.0f);
        z[pairs[i][1]] = 2.0f;
        metrics_add(&m, (int)i % TAU_DEVICES, pairs[i][0], z);
    }
    long total = 0;
    for (int t = 0; t < TAU_SCENES; t++)
        for (int p = 0; p < TAU_SCENES; p++)
            total += m.confusion[t][p];
    ck_assert_int_eq(total, 7);
    ck_assert_int_eq(m.confusion[0][0], 3);
    ck_assert_int_eq(m.confusion[0][2], 1);
    ck_assert_int_eq(m.confusion[9][2], 2);
    ck_assert_int_eq(m.confusion[9][9], 1);
    ck_assert_double_eq_tol(metrics_micro_accuracy(&m), 4.0 / 7, 1e-15);
}
END_TEST

/* What print wrote into a string (caller frees). */
static char *capture(void (*print)(FILE *, const eval_metrics *),
                     const eval_metrics *m)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    print(f, m);
    fclose(f);
    return text;
}

static void print_table(FILE *f, const eval_metrics *m)
{
    metrics_print_table(f, "test split", m);
}

START_TEST(table_text_of_a_small_case)
{
    eval_metrics m;
    unequal_devices(&m);
    char *text = capture(print_table, &m);
    /* A: (2 ln 2 + ln 10) / 3 = 1.2296, 2/3; S1: 0, 1; means 0.6148, 5/6. */
    const char *want =
        "test split\n"
        "                A     S1  mean log loss  accuracy\n"
        "log loss    1.230  0.000          0.615\n"
        "accuracy %   66.7  100.0                     83.3\n"
        "clips           3      1\n";
    ck_assert_str_eq(text, want);
    free(text);
    metrics_init(&m);
    text = capture(print_table, &m);
    ck_assert_str_eq(text, "test split\nno clips\n");
    free(text);
}
END_TEST

START_TEST(json_of_a_small_case)
{
    eval_metrics m;
    metrics_init(&m);
    float z[TAU_SCENES];
    fill(z, 1.0f); /* uniform: both predict airport, at ln 10 */
    metrics_add(&m, DEV_B, 0, z);
    metrics_add(&m, DEV_B, 3, z);
    char *text = capture(metrics_print_json, &m);
    const char *want =
        "{\"clips\": 2, \"accuracy\": 0.5, \"logloss\": 2.302585093, "
        "\"micro_accuracy\": 0.5, \"micro_logloss\": 2.302585093, "
        "\"devices\": {\"b\": {\"clips\": 2, \"accuracy\": 0.5, "
        "\"logloss\": 2.302585093}}, \"confusion\": ["
        "[1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "
        "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], "
        "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "
        "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "
        "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}\n";
    ck_assert_str_eq(text, want);
    free(text);
    /* Without clips the averages are undefined: null, not NaN. */
    metrics_init(&m);
    text = capture(metrics_print_json, &m);
    const char *empty =
        "{\"clips\": 0, \"accuracy\": null, \"logloss\": null, "
        "\"micro_accuracy\": null, \"micro_logloss\": null, "
        "\"devices\": {}, \"confusion\": [[0, ";
    ck_assert_msg(strncmp(text, empty, strlen(empty)) == 0, "%s", text);
    free(text);
}
END_TEST

START_TEST(confusion_text_fits_110_columns)
{
    eval_metrics m;
    metrics_init(&m);
    float z[TAU_SCENES];
    for (int i = 0; i < 5000; i++) {
        int d, s;
        clip_data(i, z, &d, &s);
        metrics_add(&m, d, s, z);
    }
    char *text = capture(metrics_print_confusion, &m);
    int lines = 0;
    for (char *line = text, *end; *line; line = end + 1, lines++) {
        end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        ck_assert_msg(end - line <= 110, "%.*s", (int)(end - line), line);
    }
    ck_assert_int_eq(lines, 2 + TAU_SCENES);
    ck_assert_ptr_nonnull(strstr(text, "\nstreet_pedestrian "));
    ck_assert_ptr_nonnull(strstr(text, " st_ped "));
    free(text);
    /* A scene without clips has no accuracy. */
    metrics_init(&m);
    text = capture(metrics_print_confusion, &m);
    ck_assert_ptr_nonnull(strstr(text, "\ntram                    0"));
    ck_assert_ptr_nonnull(strstr(text, "0         -\n"));
    free(text);
}
END_TEST

START_TEST(mean_and_sample_std_of_runs)
{
    const double x[] = {1, 2, 3, 4};
    double mean, std;
    metrics_mean_std(x, 4, &mean, &std);
    ck_assert_double_eq_tol(mean, 2.5, 1e-15);
    ck_assert_double_eq_tol(std, sqrt(5.0 / 3), 1e-15); /* sum of squares 5 */
    metrics_mean_std(x + 2, 1, &mean, &std);
    ck_assert_double_eq_tol(mean, 3.0, 1e-15);
    ck_assert(isnan(std));
    metrics_mean_std(x, 0, &mean, &std);
    ck_assert(isnan(mean) && isnan(std));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, uniform_logits_cost_ln10);
    tcase_add_test(tc, confident_correct_prediction);
    tcase_add_test(tc, confident_wrong_prediction_is_clipped);
    tcase_add_test(tc, huge_logits_stay_finite);
    tcase_add_test(tc, ties_predict_the_first_index);
    tcase_add_test(tc, probabilities_are_clipped_and_renormalised);
    tcase_add_test(tc, macro_and_micro_averages);
    tcase_add_test(tc, devices_without_clips_are_nan);
    tcase_add_test(tc, merge_equals_sequential_adds);
    tcase_add_test(tc, confusion_counts_true_by_predicted);
    tcase_add_test(tc, table_text_of_a_small_case);
    tcase_add_test(tc, json_of_a_small_case);
    tcase_add_test(tc, confusion_text_fits_110_columns);
    tcase_add_test(tc, mean_and_sample_std_of_runs);
    suite_add_tcase(s, tc);
    return check_run(s);
}
