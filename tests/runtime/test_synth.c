/* The synthetic data set: readable by the TAU reader, the TAU clip format,
 * the device split of the design, determinism for a seed whatever the
 * thread count, and devices that really differ. */
#include <check.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_stats.h"
#include "feature_cache.h"
#include "synth.h"
#include "tau.h"
#include "testutil.h"

static const synth_counts small_counts = {20, 10, 10};

static const char *generate(const char *name, uint64_t seed, int threads)
{
    asc_err err;
    const char *dir = tu_path(name);
    ck_assert_msg(synth_generate(dir, small_counts, seed, threads, &err) == 0,
                  "%s", err.msg);
    return dir;
}

static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    ck_assert(fa && fb);
    int ca, cb, same = 1;
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
        if (ca != cb)
            same = 0;
    } while (same && ca != EOF);
    fclose(fa);
    fclose(fb);
    return same;
}

START_TEST(layout_and_device_split)
{
    tau_set set;
    asc_err err;
    const char *dir = generate("set-a", 5, 2);
    ck_assert_msg(tau_open(dir, &set, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(set.n_clips, 20 + 5 * 10 + 9 * 10);
    ck_assert_int_eq(set.n_train, 20 + 5 * 10);
    ck_assert_int_eq(set.n_evaluate, 90);
    ck_assert_int_eq(set.n_test, 90);
    long train[TAU_DEVICES] = {0}, eval[TAU_DEVICES] = {0};
    long scenes[TAU_SCENES] = {0};
    for (long i = 0; i < set.n_train; i++)
        train[set.clips[set.train[i]].device]++;
    for (long i = 0; i < set.n_evaluate; i++) {
        eval[set.clips[set.evaluate[i]].device]++;
        scenes[set.clips[set.evaluate[i]].scene]++;
    }
    ck_assert_int_eq(train[0], 20);
    for (int d = 1; d < 6; d++)
        ck_assert_int_eq(train[d], 10);
    for (int d = 6; d < 9; d++)
        ck_assert_int_eq(train[d], 0);
    for (int d = 0; d < 9; d++)
        ck_assert_int_eq(eval[d], 10);
    for (int s = 0; s < TAU_SCENES; s++)
        ck_assert_int_eq(scenes[s], 9);
    /* Parallel recordings: same location, next to each other in meta.csv. */
    ck_assert_int_eq(set.clips[0].device, 0);
    ck_assert_int_eq(set.clips[1].device, 1);
    ck_assert_str_eq(set.clips[0].identifier, set.clips[1].identifier);
    char path[1024];
    tau_clip_path(&set, 0, path, sizeof path);
    SF_INFO si = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &si);
    ck_assert_ptr_nonnull(sf);
    sf_close(sf);
    ck_assert_int_eq(si.samplerate, 44100);
    ck_assert_int_eq(si.channels, 1);
    ck_assert_int_eq(si.frames, 44100);
    ck_assert_int_eq(si.format, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    tau_close(&set);
}
END_TEST

START_TEST(deterministic_for_a_seed)
{
    const char *a = generate("det-a", 9, 2);
    const char *b = generate("det-b", 9, 1);
    const char *c = generate("det-c", 10, 2);
    tau_set set;
    asc_err err;
    ck_assert_msg(tau_open(a, &set, &err) == 0, "%s", err.msg);
    char pa[1024], pb[1024], pc[1024];
    for (long i = 0; i < set.n_clips; i += 7) {
        snprintf(pa, sizeof pa, "%s/%s", a, set.clips[i].filename);
        snprintf(pb, sizeof pb, "%s/%s", b, set.clips[i].filename);
        ck_assert_msg(same_file(pa, pb), "%s differs between runs", pa);
    }
    snprintf(pa, sizeof pa, "%s/meta.csv", a);
    snprintf(pb, sizeof pb, "%s/meta.csv", b);
    snprintf(pc, sizeof pc, "%s/meta.csv", c);
    ck_assert(same_file(pa, pb));
    /* Another seed: other locations, so other names and other audio. */
    ck_assert(!same_file(pa, pc));
    tau_close(&set);
}
END_TEST

START_TEST(existing_set_is_not_overwritten)
{
    asc_err err;
    const char *dir = generate("twice", 1, 2);
    ck_assert_int_eq(synth_generate(dir, small_counts, 1, 2, &err), ASC_EFAIL);
    ck_assert_ptr_nonnull(strstr(err.msg, "already holds a data set"));
}
END_TEST

START_TEST(scales_follow_the_design)
{
    synth_counts t = synth_scale_counts(SYNTH_TINY);
    synth_counts s = synth_scale_counts(SYNTH_SMALL);
    synth_counts f = synth_scale_counts(SYNTH_FULL);
    long tiny = t.train_a + 5 * t.train_parallel + 9 * t.evaluate;
    long small = s.train_a + 5 * s.train_parallel + 9 * s.evaluate;
    ck_assert(tiny >= 1800 && tiny <= 2200);
    ck_assert(small >= 18000 && small <= 22000);
    ck_assert_int_eq(f.train_a + 5 * f.train_parallel, 139650);
    ck_assert_int_eq(9 * f.evaluate, 29700);
    const synth_counts *all[] = {&t, &s, &f};
    for (int i = 0; i < 3; i++) {
        double share = (double)all[i]->train_a /
                       (all[i]->train_a + 5 * all[i]->train_parallel);
        ck_assert_msg(fabs(share - 0.73) < 0.01, "device A share %g", share);
    }
    synth_scale sc;
    ck_assert_int_eq(synth_parse_scale("small", &sc), 0);
    ck_assert_int_eq(sc, SYNTH_SMALL);
    ck_assert_int_eq(synth_parse_scale("huge", &sc), -1);
}
END_TEST

START_TEST(devices_have_distinct_responses)
{
    for (int a = 0; a < TAU_DEVICES; a++)
        for (int b = a + 1; b < TAU_DEVICES; b++) {
            double worst = 0.0;
            for (double hz = 100; hz < 8000; hz *= 1.05) {
                double d = fabs(synth_device_response_db(a, hz) -
                                synth_device_response_db(b, hz));
                if (d > worst)
                    worst = d;
            }
            ck_assert_msg(worst > 3.0, "devices %s and %s differ by %.1f dB",
                          tau_device_names[a], tau_device_names[b], worst);
        }
    /* Device A is the flat reference. */
    for (double hz = 100; hz < 8000; hz *= 1.05)
        ck_assert(fabs(synth_device_response_db(0, hz)) < 0.5);
}
END_TEST

START_TEST(device_shift_is_measurable)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    asc_err err;
    static device_stats ds;
    const char *dir = generate("shift", 3, 2);
    ck_assert_msg(tau_open(dir, &set, &err) == 0, "%s", err.msg);
    ck_assert_msg(feature_cache_load(&set, 2, NULL, &fc, &st, &err) == 0,
                  "%s", err.msg);
    device_stats_compute(&set, &fc, &ds);
    ck_assert_int_eq(ds.train[0], 20);
    ck_assert_int_eq(ds.train[6], 0);
    ck_assert_int_eq(ds.evaluate[8], 10);
    ck_assert_int_eq(ds.clips[0], 30);
    ck_assert_double_eq(ds.shift_db[0], 0.0);
    /* Each device's mean spectrum departs from A's by over 1 dB on average
     * across bands, and somewhere by over 5 dB. */
    for (int d = 1; d < TAU_DEVICES; d++) {
        printf("device %s: mean |dB - A| %.2f, max %.2f\n",
               tau_device_names[d], ds.shift_db[d], ds.max_shift_db[d]);
        ck_assert(ds.shift_db[d] > 1.0);
        ck_assert(ds.max_shift_db[d] > 5.0);
    }
    feature_cache_close(&fc);
    tau_close(&set);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("synth");
    TCase *tc = tcase_create("generator");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, layout_and_device_split);
    tcase_add_test(tc, deterministic_for_a_seed);
    tcase_add_test(tc, existing_set_is_not_overwritten);
    tcase_add_test(tc, scales_follow_the_design);
    tcase_add_test(tc, devices_have_distinct_responses);
    tcase_add_test(tc, device_shift_is_measurable);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
