/* Augmentation statistics: roll shifts and wrap-around, SpecAugment mask
 * probabilities and widths, mixup weights ~ Beta(0.3, 0.3) and label sums,
 * and determinism for a seed. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"
#include "rng.h"

#define F 256
#define T 32
#define C 10

static float *fill_ramp(int n)
{
    float *x = malloc(sizeof(float) * n * F * T);
    for (int i = 0; i < n; i++)
        for (int f = 0; f < F; f++)
            for (int t = 0; t < T; t++)
                x[(i * F + f) * T + t] = (float)(i * 100000 + f * 100 + t);
    return x;
}

START_TEST(roll_wraps_around)
{
    enum { N = 400 };
    float *x = fill_ramp(N);
    int shifts[N], seen[33] = {0};
    rng r;
    rng_seed(&r, 1, 0);
    augment_roll(x, N, F, T, 16, &r, shifts);
    for (int i = 0; i < N; i++) {
        int s = shifts[i];
        ck_assert(s >= -16 && s <= 16);
        seen[s + 16]++;
        int wrong = 0;
        for (int f = 0; f < F; f++)
            for (int t = 0; t < T; t++) {
                int from = ((t - s) % T + T) % T;
                wrong += x[(i * F + f) * T + t] !=
                         (float)(i * 100000 + f * 100 + from);
            }
        ck_assert_msg(wrong == 0, "sample %d, shift %d: %d misplaced", i, s,
                      wrong);
    }
    /* 400 draws over 33 shifts: every shift, the extremes included. */
    for (int k = 0; k < 33; k++)
        ck_assert_msg(seen[k] > 0, "shift %d never drawn", k - 16);
    free(x);
}
END_TEST

START_TEST(mask_probability_and_widths)
{
    enum { DRAWS = 200000 };
    rng r;
    rng_seed(&r, 2, 0);
    long applied = 0, width_sum = 0, hist[41] = {0};
    for (int i = 0; i < DRAWS; i++) {
        int start, w;
        augment_draw_mask(&r, 40, 256, 0.8, &start, &w);
        if (w < 0 || w > 40 || start < 0 || start + w > 256)
            ck_abort_msg("mask %d + %d out of range", start, w);
        hist[w]++;
        width_sum += w;
        applied += w > 0;
    }
    /* P(width > 0) = 0.8 * 40/41; mean width = 0.8 * 20. */
    double p_nonzero = (double)applied / DRAWS;
    ck_assert_msg(fabs(p_nonzero - 0.8 * 40.0 / 41.0) < 0.005, "%g", p_nonzero);
    double mean = (double)width_sum / DRAWS;
    ck_assert_msg(fabs(mean - 16.0) < 0.15, "mean width %g", mean);
    ck_assert(hist[40] > 0 && hist[1] > 0);
    /* Uniform over 1..40 when applied: each about 0.8/41 of the draws. */
    for (int w = 1; w <= 40; w++)
        ck_assert(fabs(hist[w] / (double)DRAWS - 0.8 / 41) < 0.002);
}
END_TEST

START_TEST(specaugment_masks_rows_and_columns)
{
    enum { N = 2000 };
    float *x = malloc(sizeof(float) * N * F * T);
    for (long i = 0; i < (long)N * F * T; i++)
        x[i] = 1.0f;
    augment_config c = augment_defaults();
    rng r;
    rng_seed(&r, 3, 0);
    augment_specaugment(x, N, F, T, &c, &r);
    long any_row = 0, any_col = 0;
    for (int i = 0; i < N; i++) {
        const float *s = x + (long)i * F * T;
        int rows = 0, cols = 0, rowz[F], colz[T];
        for (int f = 0; f < F; f++) {
            int z = 0;
            for (int t = 0; t < T; t++)
                z += s[f * T + t] == 0.0f;
            rowz[f] = z == T;
            rows += rowz[f];
        }
        for (int t = 0; t < T; t++) {
            int z = 0;
            for (int f = 0; f < F; f++)
                z += s[f * T + t] == 0.0f;
            colz[t] = z == F;
            cols += colz[t];
        }
        /* Zero exactly where a whole row or column is masked, else 1. */
        int wrong = 0;
        for (int f = 0; f < F; f++)
            for (int t = 0; t < T; t++)
                wrong += s[f * T + t] != (rowz[f] || colz[t] ? 0.0f : 1.0f);
        ck_assert_int_eq(wrong, 0);
        ck_assert(rows <= 80 && cols <= 8);
        any_row += rows > 0;
        any_col += cols > 0;
    }
    /* At least one of two masks: 1 - (1 - 0.8 * 40/41)^2 = 0.9586 (bands);
     * 1 - (1 - 0.8 * 4/5)^2 = 0.8704 (frames). */
    ck_assert_msg(fabs(any_row / (double)N - 0.9586) < 0.02, "%ld", any_row);
    ck_assert_msg(fabs(any_col / (double)N - 0.8704) < 0.025, "%ld", any_col);
    free(x);
}
END_TEST

START_TEST(mixup_mixes_labels_too)
{
    enum { N = 512, S = 8 };
    static float x[N * S], y[N * C], scratch[N * (S + C)], lam[N];
    int partner[N];
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < S; k++)
            x[i * S + k] = (float)i;
        for (int k = 0; k < C; k++)
            y[i * C + k] = k == i % C ? 1.0f : 0.0f;
    }
    rng r;
    rng_seed(&r, 4, 0);
    augment_mixup(x, y, N, S, C, 0.3, &r, scratch, lam, partner);
    int used[N] = {0};
    for (int i = 0; i < N; i++) {
        double sum = 0;
        for (int k = 0; k < C; k++)
            sum += y[i * C + k];
        ck_assert_msg(fabs(sum - 1.0) < 1e-6, "row %d sums to %g", i, sum);
        ck_assert(lam[i] >= 0.0f && lam[i] <= 1.0f);
        int j = partner[i];
        used[j]++;
        double want = lam[i] * i + (1 - lam[i]) * j;
        ck_assert(fabs(x[i * S + 3] - want) < 1e-3 * (1 + want));
        if (i % C != j % C)
            ck_assert_float_eq_tol(y[i * C + i % C], lam[i], 1e-6);
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(used[i], 1); /* a permutation */
}
END_TEST

START_TEST(beta_03_statistics)
{
    enum { DRAWS = 200000 };
    rng r;
    rng_seed(&r, 5, 0);
    double sum = 0, sq = 0;
    long edges = 0;
    for (int i = 0; i < DRAWS; i++) {
        double l = rng_beta(&r, 0.3, 0.3);
        if (!(l >= 0.0 && l <= 1.0))
            ck_abort_msg("lambda %g", l);
        sum += l;
        sq += l * l;
        edges += l < 0.1 || l > 0.9;
    }
    double mean = sum / DRAWS, var = sq / DRAWS - mean * mean;
    /* Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)) = 0.15625. */
    ck_assert_msg(fabs(mean - 0.5) < 0.005, "mean %g", mean);
    ck_assert_msg(fabs(var - 0.15625) < 0.003, "variance %g", var);
    /* U-shaped: most of the mass near 0 and 1 (0.565 of it outside 0.1..0.9). */
    ck_assert_msg(fabs(edges / (double)DRAWS - 0.565) < 0.01, "%ld", edges);
}
END_TEST

START_TEST(batch_is_deterministic_for_a_seed)
{
    enum { N = 16 };
    float *a = fill_ramp(N), *b = fill_ramp(N);
    static float ya[N * C], yb[N * C], scratch[N * (F * T + C)];
    for (int i = 0; i < N * C; i++)
        ya[i] = yb[i] = i % C == 0;
    augment_config c = augment_defaults();
    rng r1, r2;
    rng_seed(&r1, 42, 7);
    rng_seed(&r2, 42, 7);
    augment_batch(a, ya, N, F, T, C, &c, &r1, scratch);
    augment_batch(b, yb, N, F, T, C, &c, &r2, scratch);
    ck_assert(memcmp(a, b, sizeof(float) * N * F * T) == 0);
    ck_assert(memcmp(ya, yb, sizeof ya) == 0);
    free(a);
    free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("augment");
    TCase *tc = tcase_create("statistics");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, roll_wraps_around);
    tcase_add_test(tc, mask_probability_and_widths);
    tcase_add_test(tc, specaugment_masks_rows_and_columns);
    tcase_add_test(tc, mixup_mixes_labels_too);
    tcase_add_test(tc, beta_03_statistics);
    tcase_add_test(tc, batch_is_deterministic_for_a_seed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
