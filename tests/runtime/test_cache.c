/* The feature cache: built once and reused, holding exactly what the front
 * end computes clip by clip in meta.csv order, rebuilt when an input
 * changes or the file is damaged, and never left half-written. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio.h"
#include "feature_cache.h"
#include "logmel.h"
#include "tau.h"
#include "testutil.h"

#define PI 3.14159265358979323846

static const char *names[] = {"audio/bus-lyon-1-0-a.wav", "audio/park-milan-2-10-b.wav",
                              "audio/tram-paris-3-20-a.wav"};
static const char *scenes[] = {"bus", "park", "tram"};
static const char *devices[] = {"a", "b", "a"};

static void write_clip(const char *dir, int i, double hz, long frames)
{
    static float x[2 * 44100];
    unsigned long long s = (unsigned long long)i + 1;
    for (long k = 0; k < frames; k++)
        x[k] = (float)(0.3 * sin(2 * PI * hz * k / 44100.0) +
                       0.05 * tu_uniform(&s));
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    tu_write_audio(p, x, frames, 1, 44100, SF_FORMAT_WAV | SF_FORMAT_PCM_24);
}

static const char *make_set(const char *name)
{
    static char dir[512];
    char p[1024], meta[2048] = "filename\tscene_label\tidentifier\tsource_label\n";
    snprintf(dir, sizeof dir, "%s", tu_path(name));
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/audio", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/evaluation_setup", dir);
    mkdir(p, 0755);
    for (int i = 0; i < 3; i++) {
        write_clip(dir, i, 300.0 * (i + 1), 44100);
        snprintf(meta + strlen(meta), sizeof meta - strlen(meta),
                 "%s\t%s\tx-%d\t%s\n", names[i], scenes[i], i, devices[i]);
    }
    snprintf(p, sizeof p, "%s/meta.csv", dir);
    tu_write_bytes(p, meta, strlen(meta));
    const char *train = "filename\tscene_label\naudio/bus-lyon-1-0-a.wav\tbus\n";
    const char *eval = "filename\tscene_label\naudio/tram-paris-3-20-a.wav\ttram\n";
    snprintf(p, sizeof p, "%s/evaluation_setup/fold1_train.csv", dir);
    tu_write_bytes(p, train, strlen(train));
    snprintf(p, sizeof p, "%s/evaluation_setup/fold1_evaluate.csv", dir);
    tu_write_bytes(p, eval, strlen(eval));
    return dir;
}

static void load(const char *dir, int threads, tau_set *set, feature_cache *fc,
                 feature_cache_stats *st)
{
    asc_err err;
    ck_assert_msg(tau_open(dir, set, &err) == 0, "%s", err.msg);
    ck_assert_msg(feature_cache_load(set, threads, NULL, fc, st, &err) == 0,
                  "%s", err.msg);
}

/* Features of clip i computed directly, compared exactly with the cache. */
static void check_clip(const tau_set *set, const feature_cache *fc, long i)
{
    static float pcm[AUDIO_CLIP_SAMPLES], mel[LOGMEL_SIZE];
    asc_err err;
    audio_info info;
    char path[1024];
    audio_loader *ld = audio_loader_new();
    logmel *lm = logmel_new(&err);
    tau_clip_path(set, i, path, sizeof path);
    ck_assert_int_eq(audio_load(ld, path, pcm, &info, &err), 0);
    logmel_compute(lm, pcm, AUDIO_CLIP_SAMPLES, mel);
    ck_assert(memcmp(mel, fc->features + i * LOGMEL_SIZE, sizeof mel) == 0);
    audio_loader_free(ld);
    logmel_free(lm);
}

START_TEST(built_once_then_reused)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    const char *dir = make_set("reuse");
    load(dir, 2, &set, &fc, &st);
    ck_assert_int_eq(st.rebuilt, 1);
    ck_assert_int_eq(fc.count, 3);
    for (long i = 0; i < 3; i++)
        check_clip(&set, &fc, i);
    const feature_cache_header *h = fc.map;
    ck_assert(memcmp(h->magic, "ASCFEAT", 8) == 0);
    ck_assert_uint_eq(h->version, FEATURE_CACHE_VERSION);
    ck_assert_uint_eq(h->bands, 256);
    ck_assert_uint_eq(h->frames, 32);
    ck_assert_uint_eq(h->count, 3);
    ck_assert_double_eq(st.bytes, 64 + 3 * 256 * 32 * 4);
    feature_cache_close(&fc);
    tau_close(&set);
    load(dir, 1, &set, &fc, &st);
    ck_assert_int_eq(st.rebuilt, 0);
    check_clip(&set, &fc, 2);
    feature_cache_close(&fc);
    tau_close(&set);
}
END_TEST

START_TEST(rebuilt_when_audio_changes)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    const char *dir = make_set("change");
    load(dir, 1, &set, &fc, &st);
    float before = fc.features[LOGMEL_SIZE + 40 * 32 + 16];
    feature_cache_close(&fc);
    tau_close(&set);
    write_clip(dir, 1, 2500.0, 40000);
    load(dir, 1, &set, &fc, &st);
    ck_assert_int_eq(st.rebuilt, 1);
    ck_assert_int_eq(st.warnings, 1); /* 0.907 s: padded */
    ck_assert(fc.features[LOGMEL_SIZE + 40 * 32 + 16] != before);
    check_clip(&set, &fc, 1);
    feature_cache_close(&fc);
    tau_close(&set);
}
END_TEST

START_TEST(damaged_cache_is_rebuilt)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    const char *dir = make_set("damaged");
    load(dir, 1, &set, &fc, &st);
    feature_cache_close(&fc);
    tau_close(&set);
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, FEATURE_CACHE_NAME);
    ck_assert_int_eq(truncate(p, 5000), 0);
    load(dir, 1, &set, &fc, &st);
    ck_assert_int_eq(st.rebuilt, 1);
    check_clip(&set, &fc, 0);
    feature_cache_close(&fc);
    tau_close(&set);
}
END_TEST

START_TEST(same_file_whatever_the_threads)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    static float one[3 * LOGMEL_SIZE];
    const char *dir = make_set("threads");
    load(dir, 1, &set, &fc, &st);
    memcpy(one, fc.features, sizeof one);
    uint64_t hash = ((const feature_cache_header *)fc.map)->inputs_hash;
    feature_cache_close(&fc);
    tau_close(&set);
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, FEATURE_CACHE_NAME);
    ck_assert_int_eq(remove(p), 0);
    load(dir, 3, &set, &fc, &st);
    ck_assert_int_eq(st.rebuilt, 1);
    ck_assert(memcmp(one, fc.features, sizeof one) == 0);
    ck_assert(hash == ((const feature_cache_header *)fc.map)->inputs_hash);
    struct stat sb;
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0644);
    feature_cache_close(&fc);
    tau_close(&set);
}
END_TEST

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(bad_clip_leaves_no_cache)
{
    tau_set set;
    feature_cache fc;
    feature_cache_stats st;
    asc_err err;
    const char *dir = make_set("bad");
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, names[1]);
    tu_write_bytes(p, "not audio at all", 16);
    ck_assert_int_eq(tau_open(dir, &set, &err), 0);
    ck_assert_int_eq(feature_cache_load(&set, 2, NULL, &fc, &st, &err),
                     ASC_EFAIL);
    ck_assert_msg(strncmp(err.msg, p, strlen(p)) == 0, "%s", err.msg);
    /* meta.csv, audio/, evaluation_setup/: no cache, no temporary file. */
    ck_assert_int_eq(files_in(dir), 3);
    tau_close(&set);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("feature_cache");
    TCase *tc = tcase_create("cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, built_once_then_reused);
    tcase_add_test(tc, rebuilt_when_audio_changes);
    tcase_add_test(tc, damaged_cache_is_rebuilt);
    tcase_add_test(tc, same_file_whatever_the_threads);
    tcase_add_test(tc, bad_clip_leaves_no_cache);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
