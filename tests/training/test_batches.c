/* Training batches from an in-memory set: 20,000 clips, 73 % of them from
 * device a like TAU 2022's training split, the rest from b, c and s1-s3;
 * every value of clip c's features is c, so a batch row names its clip.
 * Checks the device-aware drop, epoch coverage, determinism of a batch in
 * (seed, epoch, index), labels and teacher targets through mixup, and the
 * independence of the drop and augmentation streams. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch_source.h"
#include "check_run.h"
#include "schedule.h"

enum { NCLIPS = 20000, BANDS = 8, FRAMES = 32, SIZE = BANDS * FRAMES, CLASSES = 10 };
enum { BATCH = 512, DEVICE_A = 0 };

static tau_clip clips[NCLIPS];
static tau_set set = {.clips = clips, .n_clips = NCLIPS};
static float *features, *teacher_logits;
static long all[NCLIPS];
static const augment_config *no_augment = NULL;

/* Device a for 73 of every 100 clips, then b, c, s1, s2, s3 in turn. */
static void build_set(void)
{
    features = malloc(sizeof(float) * NCLIPS * SIZE);
    teacher_logits = malloc(sizeof(float) * NCLIPS * CLASSES);
    if (!features || !teacher_logits)
        abort();
    for (long c = 0; c < NCLIPS; c++) {
        clips[c].scene = (int)(c % CLASSES);
        clips[c].device = c % 100 < 73 ? DEVICE_A : 1 + (int)(c % 5);
        for (int v = 0; v < SIZE; v++)
            features[c * SIZE + v] = (float)c;
        for (int k = 0; k < CLASSES; k++)
            teacher_logits[c * CLASSES + k] = (float)(3 * sin(0.37 * c + 1.1 * k));
        all[c] = c;
    }
}

static void free_set(void)
{
    free(features);
    free(teacher_logits);
}

/* The paper's augmentation scaled to 8 bands: its 40-band masks would blank
 * whole clips here. */
static augment_config scaled_augment(void)
{
    augment_config c = augment_defaults();
    c.freq_max = 2;
    return c;
}

static batch_plan plan_of(const long *list, long n, const augment_config *augment)
{
    return (batch_plan){.features = features, .bands = BANDS, .frames = FRAMES,
                        .clip_size = SIZE, .set = &set, .clips = list, .nclips = n,
                        .batch = BATCH, .classes = CLASSES, .augment = augment,
                        .kd_temp = 2, .drop_device = DEVICE_A, .seed = 7};
}

/* The clip in row i of an unaugmented batch. */
static long clip_at(const batch *b, int i)
{
    return (long)b->x[(long)i * SIZE];
}

/* Acceptance criterion of the project (device-aware drop fine-tuning): in
 * every epoch of a 20-epoch fine-tuning run with r = schedule_drop_rate(e,
 * 20, 0.9), the fraction of device-a examples kept is within 0.02 of 1 - r,
 * and no example of another device is ever dropped. Device a has 14,600
 * examples an epoch, so the kept fraction's standard deviation is at most
 * sqrt(0.25 / 14600) = 0.0041: 0.02 is nearly five of them. */
START_TEST(drop_keeps_one_minus_r_of_device_a)
{
    batch_plan p = plan_of(all, NCLIPS, no_augment);
    long *order = malloc(sizeof(long) * NCLIPS);
    batch b;
    ck_assert(order && batch_alloc(&b, &p));
    for (int e = 0; e < 20; e++) {
        double r = schedule_drop_rate(e, 20, 0.9);
        long drawn = 0, kept = 0;
        batch_epoch_order(&p, e, order);
        for (long k = 0; k < batch_count(&p); k++) {
            batch_fill(&p, order, e, k, r, &b);
            for (int d = 1; d < TAU_DEVICES; d++)
                ck_assert_msg(b.kept[d] == b.drawn[d], "epoch %d batch %ld: device %d dropped", e,
                              k, d);
            long rows = 0;
            for (int d = 0; d < TAU_DEVICES; d++)
                rows += b.kept[d];
            ck_assert_int_eq(rows, b.n);
            for (int i = 0; i < b.n; i++)
                ck_assert_int_eq(b.device[i], clips[clip_at(&b, i)].device);
            drawn += b.drawn[DEVICE_A];
            kept += b.kept[DEVICE_A];
        }
        ck_assert_int_eq(drawn, 14600);
        double fraction = (double)kept / (double)drawn;
        ck_assert_msg(fabs(fraction - (1 - r)) <= 0.02, "epoch %d: kept %.4f of device a, 1 - r = %.4f",
                      e, fraction, 1 - r);
    }
    batch_free(&b);
    free(order);
}
END_TEST

/* Each clip of the plan's list (here every clip but one in seven, so the
 * list is not the identity) exactly once, full batches but the last. */
static void check_coverage(int drop_device, double rate)
{
    static long list[NCLIPS];
    static unsigned char seen[NCLIPS];
    long n = 0;
    for (long c = 0; c < NCLIPS; c++)
        if (c % 7 != 3)
            list[n++] = c;
    batch_plan p = plan_of(list, n, no_augment);
    p.drop_device = drop_device;
    long *order = malloc(sizeof(long) * (size_t)n), count = batch_count(&p);
    batch b;
    ck_assert(order && batch_alloc(&b, &p));
    ck_assert_int_eq(count, (n + BATCH - 1) / BATCH);
    for (int e = 0; e < 3; e++) {
        memset(seen, 0, sizeof seen);
        batch_epoch_order(&p, e, order);
        for (long k = 0; k < count; k++) {
            batch_fill(&p, order, e, k, rate, &b);
            ck_assert_int_eq(b.n, k + 1 < count ? BATCH : n - (count - 1) * BATCH);
            for (int i = 0; i < b.n; i++)
                seen[clip_at(&b, i)]++;
        }
        for (long c = 0; c < NCLIPS; c++)
            ck_assert_msg(seen[c] == (c % 7 != 3), "epoch %d: clip %ld seen %d times", e, c,
                          seen[c]);
    }
    batch_free(&b);
    free(order);
}

START_TEST(every_clip_once_an_epoch)
{
    check_coverage(DEVICE_A, 0);
    check_coverage(-1, 0.9); /* no drop device: the rate does nothing */
}
END_TEST

static void check_same_batch(const batch *a, const batch *b)
{
    ck_assert_int_eq(a->n, b->n);
    ck_assert(memcmp(a->drawn, b->drawn, sizeof a->drawn) == 0);
    ck_assert(memcmp(a->kept, b->kept, sizeof a->kept) == 0);
    ck_assert(memcmp(a->x, b->x, sizeof(float) * (size_t)a->n * SIZE) == 0);
    ck_assert(memcmp(a->labels, b->labels, sizeof(float) * (size_t)a->n * CLASSES) == 0);
    ck_assert(memcmp(a->teacher, b->teacher, sizeof(float) * (size_t)a->n * CLASSES) == 0);
    ck_assert(memcmp(a->device, b->device, sizeof(int) * (size_t)a->n) == 0);
    ck_assert(memcmp(a->lambdas, b->lambdas, sizeof(float) * (size_t)a->n) == 0);
    ck_assert(memcmp(a->partners, b->partners, sizeof(int) * (size_t)a->n) == 0);
}

/* What a resumed run or the prefetch thread relies on: batch k of epoch e is
 * the same whichever batches were filled before it, and in which buffer. */
START_TEST(batches_depend_only_on_seed_epoch_index)
{
    augment_config aug = scaled_augment();
    batch_plan p = plan_of(all, NCLIPS, &aug);
    p.teacher_logits = teacher_logits;
    long *order = malloc(sizeof(long) * NCLIPS);
    batch one, three, again1, again3;
    ck_assert(order && batch_alloc(&one, &p) && batch_alloc(&three, &p));
    ck_assert(batch_alloc(&again1, &p) && batch_alloc(&again3, &p));
    batch_epoch_order(&p, 4, order);
    batch_fill(&p, order, 4, 3, 0.5, &three);
    batch_fill(&p, order, 4, 1, 0.5, &one);
    batch_epoch_order(&p, 5, order);
    batch_fill(&p, order, 5, 1, 0.5, &again1); /* another epoch in between */
    batch_epoch_order(&p, 4, order);
    batch_fill(&p, order, 4, 1, 0.5, &again1);
    batch_fill(&p, order, 4, 3, 0.5, &again3);
    check_same_batch(&one, &again1);
    check_same_batch(&three, &again3);
    ck_assert(memcmp(one.x, three.x, sizeof(float) * (size_t)one.n * SIZE) != 0);
    batch_free(&one), batch_free(&three), batch_free(&again1), batch_free(&again3);
    free(order);
}
END_TEST

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Each epoch a permutation of the list, a different one every epoch. */
START_TEST(epochs_shuffle_differently)
{
    batch_plan p = plan_of(all, NCLIPS, no_augment);
    long *order[3], same = 0;
    for (int e = 0; e < 3; e++) {
        order[e] = malloc(sizeof(long) * NCLIPS);
        batch_epoch_order(&p, e, order[e]);
    }
    batch_epoch_order(&p, 0, order[2]);
    ck_assert(memcmp(order[0], order[2], sizeof(long) * NCLIPS) == 0);
    batch_epoch_order(&p, 2, order[2]);
    for (long i = 0; i < NCLIPS; i++)
        same += order[0][i] == order[1][i];
    ck_assert_msg(same < 10, "epochs 0 and 1 agree at %ld positions", same);
    for (int e = 0; e < 3; e++) {
        qsort(order[e], NCLIPS, sizeof(long), cmp_long);
        ck_assert(memcmp(order[e], all, sizeof all) == 0);
        free(order[e]);
    }
}
END_TEST

/* Teacher probabilities of clip c at temperature T, computed here in double. */
static void teacher_of(long c, double T, double *t)
{
    double top = -INFINITY, sum = 0;
    for (int k = 0; k < CLASSES; k++)
        top = fmax(top, teacher_logits[c * CLASSES + k] / T);
    for (int k = 0; k < CLASSES; k++)
        sum += t[k] = exp(teacher_logits[c * CLASSES + k] / T - top);
    for (int k = 0; k < CLASSES; k++)
        t[k] /= sum;
}

/* Row i of labels or teacher targets against what it should hold, 1e-6:
 * float mixing of two values in [0, 1] rounds by a few 1e-8 at most. */
static void check_row(const float *row, const double *expect, const char *what, int i)
{
    double sum = 0;
    for (int k = 0; k < CLASSES; k++) {
        ck_assert_msg(fabs(row[k] - expect[k]) <= 1e-6, "%s row %d class %d: %g, expected %g",
                      what, i, k, row[k], expect[k]);
        sum += row[k];
    }
    ck_assert_msg(fabs(sum - 1) <= 1e-6, "%s row %d sums to %.9g", what, i, sum);
}

/* Without augmentation: one-hot scene labels and the teacher's own targets. */
START_TEST(labels_are_one_hot_without_augmentation)
{
    batch_plan p = plan_of(all, NCLIPS, no_augment);
    p.teacher_logits = teacher_logits;
    batch b;
    double y[CLASSES], t[CLASSES];
    ck_assert(batch_alloc(&b, &p));
    batch_fill(&p, all, 0, 7, 0.3, &b);
    for (int i = 0; i < b.n; i++) {
        long c = clip_at(&b, i);
        for (int k = 0; k < CLASSES; k++)
            y[k] = k == clips[c].scene;
        teacher_of(c, p.kd_temp, t);
        check_row(b.labels + i * CLASSES, y, "label", i);
        check_row(b.teacher + i * CLASSES, t, "teacher", i);
    }
    batch_free(&b);
}
END_TEST

/* With mixup, row i is lambda_i of its clip and 1 - lambda_i of its
 * partner's, for the labels and the teacher targets alike. The clips of the
 * rows come from the same batch unaugmented: the drop stream is separate, so
 * the same examples are kept. */
START_TEST(mixup_mixes_labels_and_teacher_alike)
{
    augment_config aug = scaled_augment();
    batch_plan plain = plan_of(all, NCLIPS, no_augment), mixed = plan_of(all, NCLIPS, &aug);
    plain.teacher_logits = mixed.teacher_logits = teacher_logits;
    batch b0, b;
    double y[CLASSES], t[CLASSES], tp[CLASSES];
    ck_assert(batch_alloc(&b0, &plain) && batch_alloc(&b, &mixed));
    batch_fill(&plain, all, 2, 5, 0.6, &b0);
    batch_fill(&mixed, all, 2, 5, 0.6, &b);
    ck_assert_int_eq(b.n, b0.n);
    int strictly_mixed = 0;
    for (int i = 0; i < b.n; i++) {
        double l = b.lambdas[i];
        ck_assert(l >= 0 && l <= 1 && b.partners[i] >= 0 && b.partners[i] < b.n);
        long c = clip_at(&b0, i), partner = clip_at(&b0, b.partners[i]);
        memset(y, 0, sizeof y);
        y[clips[c].scene] += l;
        y[clips[partner].scene] += 1 - l;
        teacher_of(c, mixed.kd_temp, t);
        teacher_of(partner, mixed.kd_temp, tp);
        for (int k = 0; k < CLASSES; k++)
            t[k] = l * t[k] + (1 - l) * tp[k];
        check_row(b.labels + i * CLASSES, y, "mixed label", i);
        check_row(b.teacher + i * CLASSES, t, "mixed teacher", i);
        strictly_mixed += l > 0.01 && l < 0.99 && clips[c].scene != clips[partner].scene;
    }
    ck_assert_msg(strictly_mixed > b.n / 4, "only %d rows really mixed", strictly_mixed);
    batch_free(&b0), batch_free(&b);
}
END_TEST

/* Separate drop and augmentation streams: with no example of the drop
 * device in the list, the rate changes nothing at all. With device a
 * present, every example draws its own uniform whatever its device, so a
 * higher rate drops a superset of what a lower one drops. */
START_TEST(drop_rate_leaves_augmentation_alone)
{
    static long others[NCLIPS];
    long n = 0;
    for (long c = 0; c < NCLIPS; c++)
        if (clips[c].device != DEVICE_A)
            others[n++] = c;
    augment_config aug = scaled_augment();
    batch_plan p = plan_of(others, n, &aug);
    p.teacher_logits = teacher_logits;
    batch lo, hi;
    ck_assert(batch_alloc(&lo, &p) && batch_alloc(&hi, &p));
    for (long k = 0; k < batch_count(&p); k++) {
        batch_fill(&p, others, 1, k, 0, &lo);
        batch_fill(&p, others, 1, k, 0.9, &hi);
        check_same_batch(&lo, &hi);
    }
    batch_free(&lo), batch_free(&hi);
    batch_plan q = plan_of(all, NCLIPS, no_augment);
    ck_assert(batch_alloc(&lo, &q) && batch_alloc(&hi, &q));
    batch_fill(&q, all, 1, 2, 0.3, &lo);
    batch_fill(&q, all, 1, 2, 0.8, &hi);
    ck_assert(hi.n < lo.n);
    for (int i = 0, j = 0; i < hi.n; i++, j++) { /* hi's rows, in order, among lo's */
        while (j < lo.n && clip_at(&lo, j) != clip_at(&hi, i))
            j++;
        ck_assert_msg(j < lo.n, "clip %ld kept at rate 0.8 but not at 0.3", clip_at(&hi, i));
    }
    batch_free(&lo), batch_free(&hi);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("batches");
    TCase *tc = tcase_create("batches");
    tcase_add_unchecked_fixture(tc, build_set, free_set);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, drop_keeps_one_minus_r_of_device_a);
    tcase_add_test(tc, every_clip_once_an_epoch);
    tcase_add_test(tc, batches_depend_only_on_seed_epoch_index);
    tcase_add_test(tc, epochs_shuffle_differently);
    tcase_add_test(tc, labels_are_one_hot_without_augmentation);
    tcase_add_test(tc, mixup_mixes_labels_and_teacher_alike);
    tcase_add_test(tc, drop_rate_leaves_augmentation_alone);
    suite_add_tcase(s, tc);
    return check_run(s);
}
