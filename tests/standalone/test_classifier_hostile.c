/* The standalone classifier (ascc --emit=standalone) fed what a careless or
 * hostile host passes it: bad samples, absurd lengths and rates, NULL
 * pointers, small, misaligned and uninitialised arenas.  Each call must give
 * the documented status and leave probs untouched on failure; on success
 * probs is a distribution.  Every case runs twice on one arena and once
 * through the stack variant, which must agree bit for bit.  Linked with a
 * bcres2net_mfa_fpm_classifier.c that tests/standalone/hostile.sh generates
 * from a freshly trained checkpoint. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bcres2net_mfa_fpm_classifier.h"
#include "check_run.h"

#define CLASSES BCRES2NET_MFA_FPM_CLASSES
#define ARENA_BYTES BCRES2NET_MFA_FPM_ARENA_BYTES
#define SENTINEL (-7.0f)
#define PI 3.14159265358979323846

/* One call's input.  The pcm buffer holds `made` samples, exactly allocated,
 * so a read past it is a heap overflow that ASan reports; for absurd n it is
 * much shorter than n and must not be read at all. */
typedef struct {
    const char *name;
    int rate, n;
    long made;
    long bad_at; /* index of the bad sample, or -1 */
    float bad;
    int expect;
} Case;

enum { OK = BCRES2NET_MFA_FPM_OK, PADDED = BCRES2NET_MFA_FPM_PADDED,
       CROPPED = BCRES2NET_MFA_FPM_CROPPED, E_NULL = BCRES2NET_MFA_FPM_E_NULL,
       E_ARENA = BCRES2NET_MFA_FPM_E_ARENA, E_RATE = BCRES2NET_MFA_FPM_E_RATE,
       E_EMPTY = BCRES2NET_MFA_FPM_E_EMPTY, E_TOO_LONG = BCRES2NET_MFA_FPM_E_TOO_LONG,
       E_TOO_SHORT = BCRES2NET_MFA_FPM_E_TOO_SHORT, E_SAMPLE = BCRES2NET_MFA_FPM_E_SAMPLE };

static const Case cases[] = {
    {"1 s at 16 kHz", 16000, 16000, 16000, -1, 0, OK},
    {"1 s at 44.1 kHz", 44100, 44100, 44100, -1, 0, OK},
    {"1 s at 48 kHz", 48000, 48000, 48000, -1, 0, OK},
    {"0.7 s: padded", 16000, 11200, 11200, -1, 0, PADDED},
    {"1.5 s: cropped", 16000, 24000, 24000, -1, 0, CROPPED},
    {"exactly 60 s: cropped", 16000, 960000, 960000, -1, 0, CROPPED},
    {"0.4 s: too short", 16000, 6400, 6400, -1, 0, E_TOO_SHORT},
    {"n = 0", 16000, 0, 16, -1, 0, E_EMPTY},
    {"n = -5", 16000, -5, 16, -1, 0, E_EMPTY},
    {"n = INT_MAX", 16000, INT_MAX, 16, -1, 0, E_TOO_LONG},
    {"60 s + 1 sample", 16000, 960001, 960001, -1, 0, E_TOO_LONG},
    {"rate 0", 0, 16000, 16000, -1, 0, E_RATE},
    {"rate -16000", -16000, 16000, 16000, -1, 0, E_RATE},
    {"rate 8000", 8000, 16000, 16000, -1, 0, E_RATE},
    {"rate 15999", 15999, 16000, 16000, -1, 0, E_RATE},
    {"rate 96001", 96001, 16000, 16000, -1, 0, E_RATE},
    {"rate 1000000", 1000000, 16000, 16000, -1, 0, E_RATE},
    {"NaN in the middle", 16000, 16000, 16000, 8000, NAN, E_SAMPLE},
    {"+Inf first", 16000, 16000, 16000, 0, INFINITY, E_SAMPLE},
    {"-Inf last", 16000, 16000, 16000, 15999, -INFINITY, E_SAMPLE},
    {"1e10", 16000, 16000, 16000, 8000, 1e10f, E_SAMPLE},
    {"-1e10", 16000, 16000, 16000, 100, -1e10f, E_SAMPLE},
    {"1e9 is still accepted", 16000, 16000, 16000, 8000, 1e9f, OK},
    {"NaN past the first second", 16000, 24000, 24000, 23999, NAN, E_SAMPLE},
    {"NaN at 44.1 kHz, last", 44100, 44100, 44100, 44099, NAN, E_SAMPLE},
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

static double arena[(ARENA_BYTES + sizeof(double) - 1) / sizeof(double)];

static void setup(void) {
    ck_assert_int_eq(bcres2net_mfa_fpm_init(arena, sizeof arena), OK);
}

/* A scene-like signal at any rate: two tones, a chirp and noise, about 0.3. */
static float *make_pcm(const Case *c) {
    float *x = malloc(sizeof(float) * (size_t)c->made);
    ck_assert_ptr_nonnull(x);
    double rate = c->rate > 0 ? c->rate : 16000;
    unsigned long long s = 12345;
    for (long i = 0; i < c->made; i++) {
        double t = i / rate;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double noise = (double)(s >> 11) / 9007199254740992.0 - 0.5;
        x[i] = (float)(0.1 * sin(2 * PI * 440 * t) + 0.05 * sin(2 * PI * 3100 * t) +
                       0.05 * sin(2 * PI * (200 + 1500 * t) * t) + 0.2 * noise);
    }
    if (c->bad_at >= 0)
        x[c->bad_at] = c->bad;
    return x;
}

static void fill_sentinel(float probs[CLASSES]) {
    for (int k = 0; k < CLASSES; k++)
        probs[k] = SENTINEL;
}

static void assert_untouched(const float probs[CLASSES], const char *name) {
    for (int k = 0; k < CLASSES; k++)
        ck_assert_msg(probs[k] == SENTINEL, "%s: probs[%d] written on failure", name, k);
}

static void assert_distribution(const float probs[CLASSES], const char *name) {
    double sum = 0;
    for (int k = 0; k < CLASSES; k++) {
        ck_assert_msg(isfinite(probs[k]) && probs[k] >= 0 && probs[k] <= 1,
                      "%s: probs[%d] = %g", name, k, probs[k]);
        sum += probs[k];
    }
    ck_assert_msg(fabs(sum - 1) <= 1e-5, "%s: probabilities sum to %.9f", name, sum);
}

/* The status and probs of one call on `on` (NULL: the stack variant), with
 * the checks every call must pass. */
static int run(void *on, const Case *c, const float *pcm, float probs[CLASSES]) {
    fill_sentinel(probs);
    int st = on ? bcres2net_mfa_fpm_classify_arena(on, pcm, c->n, c->rate, probs)
                : bcres2net_mfa_fpm_classify(pcm, c->n, c->rate, probs);
    ck_assert_msg(st == c->expect, "%s%s: status %d (%s), expected %d", c->name,
                  on ? "" : " (stack)", st, bcres2net_mfa_fpm_strerror(st), c->expect);
    if (st < 0)
        assert_untouched(probs, c->name);
    else
        assert_distribution(probs, c->name);
    return st;
}

/* Each case twice on one arena, then through the stack variant: the same
 * status and bit-identical probs every time. */
START_TEST(each_case) {
    const Case *c = &cases[_i];
    float *pcm = make_pcm(c);
    float first[CLASSES], again[CLASSES], stack[CLASSES];
    run(arena, c, pcm, first);
    run(arena, c, pcm, again);
    run(NULL, c, pcm, stack);
    ck_assert_msg(memcmp(first, again, sizeof first) == 0, "%s: the second call differs",
                  c->name);
    ck_assert_msg(memcmp(first, stack, sizeof first) == 0, "%s: the stack variant differs",
                  c->name);
    free(pcm);
}
END_TEST

/* All cases in order on one arena, twice over, interleaving rates and
 * failures: every result equals that of a freshly initialised arena. */
START_TEST(one_arena_for_all_cases) {
    static double fresh[sizeof arena / sizeof *arena];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < NCASES; i++) {
            if (cases[i].made > 100000)
                continue; /* the minute-long cases: covered by each_case */
            float *pcm = make_pcm(&cases[i]);
            float shared[CLASSES], alone[CLASSES];
            ck_assert_int_eq(bcres2net_mfa_fpm_init(fresh, sizeof fresh), OK);
            run(arena, &cases[i], pcm, shared);
            run(fresh, &cases[i], pcm, alone);
            ck_assert_msg(memcmp(shared, alone, sizeof shared) == 0,
                          "%s (round %d): a used arena gives other probs", cases[i].name, round);
            free(pcm);
        }
}
END_TEST

START_TEST(null_pointers) {
    Case c = {"NULL checks", 16000, 16000, 16000, -1, 0, E_NULL};
    float *pcm = make_pcm(&c), probs[CLASSES];
    ck_assert_int_eq(bcres2net_mfa_fpm_init(NULL, ARENA_BYTES), E_NULL);
    fill_sentinel(probs);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(NULL, pcm, 16000, 16000, probs), E_NULL);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(arena, NULL, 16000, 16000, probs), E_NULL);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(arena, pcm, 16000, 16000, NULL), E_NULL);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify(NULL, 16000, 16000, probs), E_NULL);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify(pcm, 16000, 16000, NULL), E_NULL);
    /* pointers are checked before anything else */
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(NULL, NULL, -1, 0, probs), E_NULL);
    assert_untouched(probs, c.name);
    free(pcm);
}
END_TEST

/* A heap arena filled with `byte`, and one double to spare for misaligning. */
static unsigned char *raw_arena(int byte) {
    unsigned char *a = malloc(ARENA_BYTES + sizeof(double));
    ck_assert_ptr_nonnull(a);
    memset(a, byte, ARENA_BYTES + sizeof(double));
    return a;
}

static void assert_refused_by(void *bad, const char *name) {
    Case c = {name, 16000, 16000, 16000, -1, 0, E_ARENA};
    float *pcm = make_pcm(&c), probs[CLASSES];
    run(bad, &c, pcm, probs);
    run(bad, &c, pcm, probs);
    free(pcm);
}

START_TEST(small_arenas) {
    unsigned char *a = raw_arena(0);
    ck_assert_int_eq(bcres2net_mfa_fpm_init(a, ARENA_BYTES - 1), E_ARENA);
    ck_assert_int_eq(bcres2net_mfa_fpm_init(a, 0), E_ARENA);
    ck_assert_int_eq(bcres2net_mfa_fpm_init(a, 1000), E_ARENA);
    assert_refused_by(a, "arena refused at init");
    free(a);
}
END_TEST

START_TEST(misaligned_arenas) {
    unsigned char *a = raw_arena(0);
    for (int off = 1; off < 8; off++) {
        ck_assert_int_eq(bcres2net_mfa_fpm_init(a + off, ARENA_BYTES), E_ARENA);
        assert_refused_by(a + off, "misaligned arena");
    }
    /* the aligned arena next to them still works */
    ck_assert_int_eq(bcres2net_mfa_fpm_init(a, ARENA_BYTES), OK);
    free(a);
}
END_TEST

START_TEST(uninitialised_arenas) {
    unsigned char *zero = raw_arena(0), *ones = raw_arena(0xff), *noise = raw_arena(0);
    unsigned long long s = 99;
    for (size_t i = 0; i < ARENA_BYTES; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        noise[i] = (unsigned char)(s >> 56);
    }
    assert_refused_by(zero, "zeroed arena");
    assert_refused_by(ones, "0xff arena");
    assert_refused_by(noise, "random arena");
    free(zero), free(ones), free(noise);
}
END_TEST

/* At 16 kHz the length policy is exact: a padded clip classifies as the same
 * clip zero-padded by hand, a cropped one as its first second. */
START_TEST(length_policy_is_exact) {
    Case c = {"1.5 s", 16000, 24000, 24000, -1, 0, CROPPED};
    float *pcm = make_pcm(&c), *padded = calloc(16000, sizeof(float));
    ck_assert_ptr_nonnull(padded);
    memcpy(padded, pcm, 11200 * sizeof(float));
    float cropped[CLASSES], first[CLASSES], short_one[CLASSES], by_hand[CLASSES];
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(arena, pcm, 24000, 16000, cropped), CROPPED);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(arena, pcm, 16000, 16000, first), OK);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(arena, pcm, 11200, 16000, short_one),
                     PADDED);
    ck_assert_int_eq(bcres2net_mfa_fpm_classify_arena(arena, padded, 16000, 16000, by_hand), OK);
    ck_assert(memcmp(cropped, first, sizeof first) == 0);
    ck_assert(memcmp(short_one, by_hand, sizeof by_hand) == 0);
    free(pcm), free(padded);
}
END_TEST

START_TEST(every_status_has_text) {
    for (int st = E_SAMPLE; st <= CROPPED; st++) {
        const char *text = bcres2net_mfa_fpm_strerror(st);
        ck_assert_msg(text && *text, "status %d has no text", st);
    }
    for (int k = 0; k < CLASSES; k++)
        ck_assert(bcres2net_mfa_fpm_class_names[k] && *bcres2net_mfa_fpm_class_names[k]);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("standalone_classifier_hostile");
    TCase *calls = tcase_create("calls");
    tcase_add_checked_fixture(calls, setup, NULL);
    tcase_set_timeout(calls, 600);
    tcase_add_loop_test(calls, each_case, 0, NCASES);
    tcase_add_test(calls, one_arena_for_all_cases);
    tcase_add_test(calls, length_policy_is_exact);
    suite_add_tcase(suite, calls);
    TCase *misuse = tcase_create("misuse");
    tcase_add_checked_fixture(misuse, setup, NULL);
    tcase_set_timeout(misuse, 300);
    tcase_add_test(misuse, null_pointers);
    tcase_add_test(misuse, small_arenas);
    tcase_add_test(misuse, misaligned_arenas);
    tcase_add_test(misuse, uninitialised_arenas);
    tcase_add_test(misuse, every_status_has_text);
    suite_add_tcase(suite, misuse);
    return check_run(suite);
}
