/* The TAU layout reader: a small hand-written data set, then one broken
 * copy per kind of inconsistency, each refused with FILE:LINE. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tau.h"
#include "testutil.h"

#define HDR "filename\tscene_label\tidentifier\tsource_label\n"
#define R1 "audio/airport-lisbon-1000-40000-a.wav\tairport\tlisbon-1000\ta\n"
#define R2 "audio/airport-lisbon-1000-40000-b.wav\tairport\tlisbon-1000\tb\n"
#define R3 "audio/bus-paris-20-1000-a.wav\tbus\tparis-20\ta\n"
#define R4 "audio/park-prague-3-2000-s4.wav\tpark\tprague-3\ts4\n"
#define META HDR R1 R2 R3 R4
#define SHDR "filename\tscene_label\n"
#define TRAIN SHDR "audio/airport-lisbon-1000-40000-a.wav\tairport\n" \
                   "audio/bus-paris-20-1000-a.wav\tbus\n"
#define EVAL SHDR "audio/airport-lisbon-1000-40000-b.wav\tairport\n" \
                  "audio/park-prague-3-2000-s4.wav\tpark\n"
#define TEST "filename\naudio/airport-lisbon-1000-40000-b.wav\n" \
             "audio/park-prague-3-2000-s4.wav\n"

static const char *audio[] = {
    "audio/airport-lisbon-1000-40000-a.wav",
    "audio/airport-lisbon-1000-40000-b.wav", "audio/bus-paris-20-1000-a.wav",
    "audio/park-prague-3-2000-s4.wav"};

static char dir[512];

static void put(const char *name, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (text)
        tu_write_bytes(p, text, strlen(text));
}

/* A fresh data set directory with these file contents (NULL: absent). */
static const char *build(const char *meta, const char *train,
                         const char *eval, const char *test)
{
    static int n;
    char sub[64], p[1024];
    snprintf(sub, sizeof sub, "set%d", n++);
    snprintf(dir, sizeof dir, "%s", tu_path(sub));
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/audio", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/evaluation_setup", dir);
    mkdir(p, 0755);
    for (int i = 0; i < 4; i++)
        put(audio[i], "RIFF");
    put("meta.csv", meta);
    put("evaluation_setup/fold1_train.csv", train);
    put("evaluation_setup/fold1_evaluate.csv", eval);
    put("evaluation_setup/fold1_test.csv", test);
    return dir;
}

static void refused(const char *d, const char *file, const char *what)
{
    tau_set set;
    asc_err err;
    ck_assert_int_eq(tau_open(d, &set, &err), ASC_EFAIL);
    char want[1024];
    snprintf(want, sizeof want, "%s/%s", d, file);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0,
                  "'%s' does not start with '%s'", err.msg, want);
    ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'", err.msg,
                  what);
}

START_TEST(valid_set_is_read)
{
    tau_set set;
    asc_err err;
    const char *d = build(META, TRAIN, EVAL, TEST);
    ck_assert_msg(tau_open(d, &set, &err) == ASC_OK, "%s", err.msg);
    ck_assert_int_eq(set.n_clips, 4);
    ck_assert_int_eq(set.n_train, 2);
    ck_assert_int_eq(set.n_evaluate, 2);
    ck_assert_int_eq(set.n_test, 2);
    ck_assert_int_eq(set.clips[3].scene, tau_scene_index("park"));
    ck_assert_int_eq(set.clips[3].device, tau_device_index("s4"));
    ck_assert_str_eq(set.clips[3].identifier, "prague-3");
    ck_assert_int_eq(set.train[1], 2);
    ck_assert_int_eq(set.evaluate[0], 1);
    char p[1024];
    tau_clip_path(&set, 0, p, sizeof p);
    char want[1024];
    snprintf(want, sizeof want, "%s/%s", d, audio[0]);
    ck_assert_str_eq(p, want);
    tau_close(&set);
}
END_TEST

START_TEST(test_split_is_optional)
{
    tau_set set;
    asc_err err;
    ck_assert_msg(tau_open(build(META, TRAIN, EVAL, NULL), &set, &err) == 0,
                  "%s", err.msg);
    ck_assert_int_eq(set.n_test, 0);
    tau_close(&set);
}
END_TEST

START_TEST(devices_from_suffix)
{
    ck_assert_int_eq(tau_device_of("audio/x-y-1-2-a.wav"), 0);
    ck_assert_int_eq(tau_device_of("audio/x-y-1-2-c.wav"), 2);
    ck_assert_int_eq(tau_device_of("audio/x-y-1-2-s6.wav"), 8);
    ck_assert_int_eq(tau_device_of("audio/x-y-1-2-d.wav"), -1);
    ck_assert_int_eq(tau_device_of("audio/x-y-1-2-s7.wav"), -1);
    ck_assert_int_eq(tau_device_of("audio/x-y-1-2-a.flac"), -1);
    ck_assert_int_eq(tau_device_of("a.wav"), -1);
}
END_TEST

START_TEST(missing_audio)
{
    const char *d = build(META, TRAIN, EVAL, TEST);
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", d, audio[2]);
    remove(p);
    refused(d, "meta.csv:4:", "bus-paris-20-1000-a.wav is missing");
}
END_TEST

START_TEST(missing_meta)
{
    refused(build(NULL, TRAIN, EVAL, TEST), "meta.csv", "cannot open");
}
END_TEST

START_TEST(unknown_scene)
{
    refused(build(HDR R1 "audio/bus-paris-20-1000-a.wav\tbeach\tparis-20\ta\n",
                  TRAIN, EVAL, TEST),
            "meta.csv:3:", "unknown scene 'beach'");
}
END_TEST

START_TEST(unknown_device)
{
    refused(build(HDR R1 "audio/bus-paris-20-1000-d.wav\tbus\tparis-20\td\n",
                  TRAIN, EVAL, TEST),
            "meta.csv:3:", "unknown device");
}
END_TEST

START_TEST(source_label_mismatch)
{
    refused(build(HDR R1 "audio/bus-paris-20-1000-a.wav\tbus\tparis-20\tb\n",
                  TRAIN, EVAL, TEST),
            "meta.csv:3:", "source_label 'b'");
}
END_TEST

START_TEST(duplicate_meta_row)
{
    refused(build(META R2, TRAIN, EVAL, TEST), "meta.csv:6:",
            "duplicate row for 'audio/airport-lisbon-1000-40000-b.wav' "
            "(first on line 3)");
}
END_TEST

START_TEST(wrong_meta_header)
{
    refused(build("filename,scene_label,identifier,source_label\n" R1, TRAIN,
                  EVAL, TEST),
            "meta.csv:1:", "wrong header");
}
END_TEST

START_TEST(wrong_field_count)
{
    refused(build(HDR R1 "audio/bus-paris-20-1000-a.wav\tbus\n", TRAIN, EVAL,
                  TEST),
            "meta.csv:3:", "2 fields (expected 4");
}
END_TEST

START_TEST(wrong_split_header)
{
    refused(build(META, "filename\n", EVAL, TEST),
            "evaluation_setup/fold1_train.csv:1:", "wrong header");
    refused(build(META, TRAIN, EVAL, SHDR),
            "evaluation_setup/fold1_test.csv:1:", "wrong header");
}
END_TEST

START_TEST(split_names_unknown_file)
{
    refused(build(META, TRAIN SHDR, EVAL, TEST),
            "evaluation_setup/fold1_train.csv:4:", "is not in meta.csv");
    refused(build(META, TRAIN "audio/tram-x-1-1-a.wav\ttram\n", EVAL, TEST),
            "evaluation_setup/fold1_train.csv:4:",
            "'audio/tram-x-1-1-a.wav' is not in meta.csv");
}
END_TEST

START_TEST(split_duplicate_and_wrong_scene)
{
    refused(build(META, TRAIN "audio/bus-paris-20-1000-a.wav\tbus\n", EVAL,
                  TEST),
            "evaluation_setup/fold1_train.csv:4:", "duplicate row");
    refused(build(META, TRAIN, SHDR "audio/park-prague-3-2000-s4.wav\ttram\n",
                  TEST),
            "evaluation_setup/fold1_evaluate.csv:2:",
            "scene 'tram' but meta.csv says 'park'");
    refused(build(META, TRAIN, SHDR "audio/park-prague-3-2000-s4.wav\tzoo\n",
                  TEST),
            "evaluation_setup/fold1_evaluate.csv:2:", "unknown scene 'zoo'");
}
END_TEST

START_TEST(train_and_evaluate_overlap)
{
    refused(build(META, TRAIN, EVAL "audio/bus-paris-20-1000-a.wav\tbus\n",
                  TEST),
            "evaluation_setup/fold1_evaluate.csv:4:",
            "also in fold1_train.csv");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tau");
    TCase *tc = tcase_create("reader");
    const TTest *tests[] = {valid_set_is_read, test_split_is_optional,
                    devices_from_suffix, missing_audio, missing_meta,
                    unknown_scene, unknown_device, source_label_mismatch,
                    duplicate_meta_row, wrong_meta_header, wrong_field_count,
                    wrong_split_header, split_names_unknown_file,
                    split_duplicate_and_wrong_scene,
                    train_and_evaluate_overlap};
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
