/* Checkpoint container: round trip, the on-disk layout as docs/checkpoints.md
 * states it (decoded here independently, with a bitwise CRC-32), refusal of
 * other models, truncated, bit-flipped, foreign and structurally broken
 * files, and atomic writes that leave nothing behind on failure. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "check_run.h"
#include "checkpoint.h"
#include "testutil.h"

#define HASH 0x0123456789abcdefULL

/* Reference CRC-32 (reflected, polynomial 0xEDB88320), one bit at a time. */
static uint32_t ref_crc(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void fix_crc(unsigned char *b, size_t n)
{
    put_le(b + n - 4, ref_crc(b, n - 4), 4);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n + 1);
    ck_assert(fread(b, 1, *n, f) == *n);
    fclose(f);
    return b;
}

/* A new empty directory under the test's mkdtemp directory. */
static const char *fresh_dir(void)
{
    static char dir[600];
    snprintf(dir, sizeof dir, "%s/dXXXXXX", tu_tmpdir());
    ck_assert(mkdtemp(dir) != NULL);
    return dir;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static const float small_w[3] = {1.5f, -2.0f, 0.25f};
static const uint64_t small_step = 77;

/* Two short sections: small enough to truncate and flip bit by bit. */
static void write_small(const char *path)
{
    ckpt_section s[] = {{"w", small_w, sizeof small_w},
                        {"step", &small_step, sizeof small_step}};
    asc_err err;
    ck_assert_msg(ckpt_write(path, "tiny", HASH, s, 2, &err) == ASC_OK, "%s",
                  err.msg);
}

/* ckpt_read refuses path with one line "PATH: ..." containing fragment,
 * and leaves the ckpt_file zeroed. */
static void expect_refused(const char *path, const char *fragment)
{
    ckpt_file ck;
    asc_err err;
    memset(&ck, 0xa5, sizeof ck);
    ck_assert_int_eq(ckpt_read(path, "tiny", HASH, &ck, &err), ASC_EFAIL);
    ck_assert_ptr_null(ck.buf);
    ck_assert_ptr_null(ck.sections);
    ck_assert_int_eq(ck.nsections, 0);
    ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0 &&
                      strncmp(err.msg + strlen(path), ": ", 2) == 0,
                  "%s", err.msg);
    ck_assert_msg(strchr(err.msg, '\n') == NULL, "%s", err.msg);
    if (fragment)
        ck_assert_msg(strstr(err.msg, fragment) != NULL, "'%s' lacks '%s'",
                      err.msg, fragment);
}

START_TEST(round_trip_keeps_every_section)
{
    enum { NW = 1000 };
    static float w[NW];
    float bn[7];
    uint64_t counters[3] = {12, 3456, UINT64_MAX};
    double after[2] = {3.25, -1e300};
    const char *config = "epochs=300\nlr=0.01\n";
    for (int i = 0; i < NW; i++)
        w[i] = (float)i / 7.0f;
    for (int i = 0; i < 7; i++)
        bn[i] = (float)-i;
    ckpt_section s[] = {
        {"params", w, sizeof w},        {"bn_mean", bn, sizeof bn},
        {"counters", counters, sizeof counters}, {"empty", NULL, 0},
        {"config", config, strlen(config)},  {"after_string", after, sizeof after},
    };
    const char *path = tu_path("round.ckpt");
    asc_err err;
    ck_assert_msg(ckpt_write(path, "bcres2net", HASH, s, 6, &err) == ASC_OK,
                  "%s", err.msg);
    ckpt_file ck;
    ck_assert_msg(ckpt_read(path, "bcres2net", HASH, &ck, &err) == ASC_OK,
                  "%s", err.msg);
    ck_assert_str_eq(ck.model, "bcres2net");
    ck_assert(ck.spec_hash == HASH);
    ck_assert_int_eq(ck.nsections, 6);
    for (int i = 0; i < 6; i++) {
        const void *data;
        uint64_t size;
        ck_assert_str_eq(ck.sections[i].name, s[i].name);
        ck_assert(ckpt_has(&ck, s[i].name));
        ck_assert_msg(ckpt_get(&ck, path, s[i].name, s[i].size, &data, &size,
                               &err) == ASC_OK, "%s", err.msg);
        ck_assert(size == s[i].size);
        ck_assert_msg((uintptr_t)data % 8 == 0, "%s unaligned", s[i].name);
        if (size)
            ck_assert(memcmp(data, s[i].data, size) == 0);
    }
    ck_assert(!ckpt_has(&ck, "param"));
    /* Used in place, as the trainer will. */
    const void *data;
    ck_assert(ckpt_get(&ck, path, "counters", UINT64_MAX, &data, NULL,
                       &err) == ASC_OK);
    ck_assert(((const uint64_t *)data)[2] == UINT64_MAX);
    ck_assert(ckpt_get(&ck, path, "after_string", 16, &data, NULL, &err) ==
              ASC_OK);
    ck_assert(((const double *)data)[1] == -1e300);
    ckpt_close(&ck);
    ck_assert_ptr_null(ck.buf);
    ckpt_close(&ck);
}
END_TEST

START_TEST(file_matches_the_documented_layout)
{
    const char *path = tu_path("layout.ckpt");
    write_small(path);
    size_t n;
    unsigned char *b = slurp(path, &n);
    /* 96 header + 2 x 48 table = 192; "w" 12 bytes at 192; "step" at the
     * next multiple of 8, 208; 8 bytes; CRC at 216. */
    ck_assert_uint_eq(n, 220);
    ck_assert(memcmp(b, "ASCCKPT\0", 8) == 0);
    ck_assert_uint_eq(le(b + 8, 4), 1);
    ck_assert_uint_eq(le(b + 12, 4), 2);
    ck_assert(memcmp(b + 16, "tiny", 5) == 0);
    for (int i = 21; i < 80; i++)
        ck_assert_uint_eq(b[i], 0);
    ck_assert(le(b + 80, 8) == HASH);
    ck_assert_uint_eq(le(b + 88, 8), n);
    const unsigned char *e = b + 96;
    ck_assert(memcmp(e, "w", 2) == 0 && memcmp(e + 48, "step", 5) == 0);
    ck_assert_uint_eq(le(e + 32, 8), 192);
    ck_assert_uint_eq(le(e + 40, 8), 12);
    ck_assert_uint_eq(le(e + 48 + 32, 8), 208);
    ck_assert_uint_eq(le(e + 48 + 40, 8), 8);
    ck_assert(memcmp(b + 192, small_w, 12) == 0);
    ck_assert_uint_eq(b[204] | b[205] | b[206] | b[207], 0);
    ck_assert(le(b + 208, 8) == small_step);
    ck_assert_uint_eq(le(b + 216, 4), ref_crc(b, 216));
    free(b);
}
END_TEST

START_TEST(another_model_or_spec_is_refused)
{
    const char *path = tu_path("model.ckpt");
    write_small(path);
    ckpt_file ck;
    asc_err err;
    ck_assert_int_eq(ckpt_read(path, "other", HASH, &ck, &err), ASC_EFAIL);
    char want[700];
    snprintf(want, sizeof want, "%s: checkpoint of model 'tiny' (spec "
             "0123456789abcdef), not of 'other' (spec 0123456789abcdef)",
             path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(ckpt_read(path, "tiny", 0xfeed, &ck, &err), ASC_EFAIL);
    snprintf(want, sizeof want, "%s: checkpoint of model 'tiny' (spec "
             "0123456789abcdef), not of 'tiny' (spec 000000000000feed)", path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_ptr_null(ck.buf);
    /* A reader that names no model takes any. */
    ck_assert_int_eq(ckpt_read(path, NULL, 0, &ck, &err), ASC_OK);
    ck_assert_str_eq(ck.model, "tiny");
    ckpt_close(&ck);
}
END_TEST

START_TEST(every_truncation_is_refused)
{
    const char *path = tu_path("small.ckpt"), *cut = tu_path("cut.ckpt");
    write_small(path);
    size_t n;
    unsigned char *b = slurp(path, &n);
    for (size_t len = 0; len < n; len++) {
        tu_write_bytes(cut, b, len);
        expect_refused(cut, len == 0 ? "empty file" : "truncated");
    }
    char want[64];
    snprintf(want, sizeof want, "truncated: %zu bytes, header says %zu",
             n - 1, n);
    expect_refused(cut, want);
    tu_write_bytes(cut, b, 50);
    expect_refused(cut, "truncated: 50 bytes, a checkpoint has at least 100");
    free(b);
}
END_TEST

START_TEST(every_bit_flip_is_refused)
{
    const char *path = tu_path("small.ckpt"), *bad = tu_path("flip.ckpt");
    write_small(path);
    size_t n;
    unsigned char *b = slurp(path, &n);
    for (size_t bit = 0; bit < 8 * n; bit++) {
        b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        tu_write_bytes(bad, b, n);
        expect_refused(bad, NULL);
        b[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    /* A flip in the data is caught by the CRC. */
    b[200] ^= 4;
    tu_write_bytes(bad, b, n);
    expect_refused(bad, "corrupted: CRC mismatch");
    free(b);
}
END_TEST

START_TEST(other_kinds_of_file_are_refused)
{
    unsigned char junk[1000];
    unsigned long long s = 9;
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(128 * (tu_uniform(&s) + 1.0));
    junk[0] = 'x';
    const char *p = tu_path("junk.ckpt");
    tu_write_bytes(p, junk, sizeof junk);
    expect_refused(p, "not a checkpoint");

    unsigned char wav[44 + 200] = {0};
    tu_wav_header(wav, 1, 16000, 16, 200);
    p = tu_path("clip.wav");
    tu_write_bytes(p, wav, sizeof wav);
    expect_refused(p, "not a checkpoint");

    p = tu_path("empty.ckpt");
    tu_write_bytes(p, "", 0);
    expect_refused(p, "empty file, not a checkpoint");

    expect_refused(tu_tmpdir(), "not a regular file");
}
END_TEST

START_TEST(missing_file_is_refused)
{
    const char *p = tu_path("nowhere.ckpt");
    expect_refused(p, "cannot open: No such file or directory");
}
END_TEST

START_TEST(later_version_is_refused)
{
    const char *path = tu_path("v2.ckpt");
    write_small(path);
    size_t n;
    unsigned char *b = slurp(path, &n);
    put_le(b + 8, 2, 4);
    fix_crc(b, n);
    tu_write_bytes(path, b, n);
    expect_refused(path, "format version 2, this asc reads 1");
    free(b);
}
END_TEST

/* Damage the small checkpoint's header or table, give it a valid CRC, and
 * expect fragment: the structural checks behind the CRC. */
static void table_case(size_t at, uint64_t value, int bytes,
                       const char *fragment)
{
    const char *path = tu_path("small.ckpt"), *bad = tu_path("table.ckpt");
    write_small(path);
    size_t n;
    unsigned char *b = slurp(path, &n);
    put_le(b + at, value, bytes);
    fix_crc(b, n);
    tu_write_bytes(bad, b, n);
    expect_refused(bad, fragment);
    free(b);
}

START_TEST(table_is_checked_behind_a_valid_crc)
{
    /* Entries at 96 ("w") and 144 ("step"): name, offset +32, size +40. */
    table_case(96 + 32, 196, 8, "'w' at offset 196 is not 8-byte aligned");
    table_case(144 + 32, 200, 8, "'step' (8 bytes at offset 200) is outside");
    table_case(96 + 32, 184, 8, "'w' (12 bytes at offset 184) is outside");
    table_case(144 + 40, 9, 8, "'step' (9 bytes at offset 208) is outside");
    table_case(144 + 40, UINT64_MAX, 8, "is outside its place");
    table_case(144 + 32, UINT64_MAX - 7, 8, "is outside its place");
    table_case(12, 3, 4, "3 sections do not fit in 220 bytes");
    table_case(12, UINT32_MAX, 4, "4294967295 sections do not fit");
    table_case(144, 'w', 4, "two sections named 'w'");
    table_case(144, 0, 1, "section 1: bad name");
    table_case(144 + 6, 'x', 1, "section 1: bad name"); /* after the NUL */
    table_case(96, 0x07, 1, "section 0: bad name");
    table_case(16, 0, 1, "bad model name");
    table_case(16 + 63, 'x', 1, "bad model name");
    table_case(88, 221, 8, "truncated: 220 bytes, header says 221");
    table_case(88, 219, 8, "220 bytes, header says 219");
}
END_TEST

START_TEST(get_names_file_and_section)
{
    const char *path = tu_path("get.ckpt");
    write_small(path);
    ckpt_file ck;
    asc_err err;
    ck_assert_int_eq(ckpt_read(path, "tiny", HASH, &ck, &err), ASC_OK);
    const void *data = NULL;
    uint64_t size = 5;
    char want[700];
    ck_assert_int_eq(ckpt_get(&ck, path, "w", 16, &data, &size, &err),
                     ASC_EFAIL);
    snprintf(want, sizeof want, "%s: section 'w' has 12 bytes, expected 16",
             path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(ckpt_get(&ck, path, "adam_m", UINT64_MAX, &data, &size,
                              &err), ASC_EFAIL);
    snprintf(want, sizeof want, "%s: no section 'adam_m'", path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_ptr_null(data);
    ck_assert_uint_eq(size, 5);
    ckpt_close(&ck);
}
END_TEST

/* old.ckpt in a fresh directory, then a failing write over it: the old file
 * must read back unchanged and be the directory's only entry. */
static void expect_failed_write_harmless(const ckpt_section *s, int n,
                                         const char *model,
                                         const char *fragment)
{
    const char *dir = fresh_dir();
    char path[700];
    snprintf(path, sizeof path, "%s/old.ckpt", dir);
    write_small(path);
    size_t n0, n1;
    unsigned char *before = slurp(path, &n0);
    asc_err err;
    ck_assert_int_eq(ckpt_write(path, model, 1, s, n, &err), ASC_EFAIL);
    ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0 &&
                      strstr(err.msg, fragment), "%s", err.msg);
    unsigned char *after = slurp(path, &n1);
    ck_assert(n0 == n1 && memcmp(before, after, n0) == 0);
    ck_assert_int_eq(count_entries(dir), 1);
    free(before);
    free(after);
}

START_TEST(bad_write_arguments_leave_the_old_file)
{
    float x[2] = {0};
    ckpt_section dup[] = {{"a", x, 4}, {"b", x, 4}, {"a", x, 8}};
    expect_failed_write_harmless(dup, 3, "m", "two sections named 'a'");
    ckpt_section longname[] = {{"a_name_of_thirty_three_characters", x, 4}};
    expect_failed_write_harmless(longname, 1, "m", "section 0: name must be");
    ckpt_section exact[] = {{"a_name_of_exactly_32_characters_", x, 4}};
    expect_failed_write_harmless(exact, 1, "", "model name must be");
    ckpt_section nodata[] = {{"a", NULL, 4}};
    expect_failed_write_harmless(nodata, 1, "m", "section 'a' has no data");
    ckpt_section tab[] = {{"a\tb", x, 4}};
    expect_failed_write_harmless(tab, 1, "m", "section 0: name must be");
    ckpt_section huge[] = {{"a", x, UINT64_MAX - 8}, {"b", x, 16}};
    expect_failed_write_harmless(huge, 2, "m", "sections too large");
}
END_TEST

START_TEST(longest_names_round_trip)
{
    const char *model = "m234567890123456789012345678901234567890123456789012345678901234";
    const char *name = "a_name_of_exactly_32_characters_";
    ck_assert_uint_eq(strlen(model), 64);
    uint32_t v = 5;
    ckpt_section s[] = {{name, &v, sizeof v}};
    const char *path = tu_path("long.ckpt");
    ckpt_file ck;
    asc_err err;
    ck_assert_msg(ckpt_write(path, model, 7, s, 1, &err) == ASC_OK, "%s",
                  err.msg);
    ck_assert_msg(ckpt_read(path, model, 7, &ck, &err) == ASC_OK, "%s",
                  err.msg);
    ck_assert_str_eq(ck.model, model);
    ck_assert_str_eq(ck.sections[0].name, name);
    ckpt_close(&ck);
    /* No sections at all is a valid checkpoint too. */
    ck_assert(ckpt_write(path, "m", 7, NULL, 0, &err) == ASC_OK);
    ck_assert(ckpt_read(path, "m", 7, &ck, &err) == ASC_OK);
    ck_assert_int_eq(ck.nsections, 0);
    ck_assert(!ckpt_has(&ck, "a"));
    ckpt_close(&ck);
}
END_TEST

START_TEST(write_into_missing_directory_fails_cleanly)
{
    char path[700];
    snprintf(path, sizeof path, "%s/no/such/dir/last.ckpt", tu_tmpdir());
    float x = 1;
    ckpt_section s[] = {{"x", &x, sizeof x}};
    asc_err err;
    ck_assert_int_eq(ckpt_write(path, "tiny", HASH, s, 1, &err), ASC_EFAIL);
    char want[800];
    snprintf(want, sizeof want, "%s: cannot create: No such file or directory",
             path);
    ck_assert_str_eq(err.msg, want);
    struct stat sb;
    ck_assert(stat(path, &sb) != 0);
}
END_TEST

START_TEST(failure_half_way_leaves_the_old_file)
{
    /* Files may not grow past 64 KiB: the 1 MiB section cannot be written,
     * as on a full disk. */
    static float big[1 << 18];
    ckpt_section s[] = {{"big", big, sizeof big}};
    struct rlimit old, lim = {64 << 10, 64 << 10};
    ck_assert(getrlimit(RLIMIT_FSIZE, &old) == 0);
    lim.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    ck_assert(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    expect_failed_write_harmless(s, 1, "m", "cannot write: File too large");
    ck_assert(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_DFL);
}
END_TEST

START_TEST(overwrite_replaces_and_leaves_no_temp_files)
{
    const char *dir = fresh_dir();
    char path[700];
    snprintf(path, sizeof path, "%s/last.ckpt", dir);
    asc_err err;
    for (uint64_t epoch = 1; epoch <= 3; epoch++) {
        ckpt_section s[] = {{"epoch", &epoch, sizeof epoch}};
        ck_assert(ckpt_write(path, "tiny", HASH, s, 1, &err) == ASC_OK);
    }
    ckpt_file ck;
    const void *data;
    ck_assert(ckpt_read(path, "tiny", HASH, &ck, &err) == ASC_OK);
    ck_assert(ckpt_get(&ck, path, "epoch", 8, &data, NULL, &err) == ASC_OK);
    ck_assert(*(const uint64_t *)data == 3);
    ckpt_close(&ck);
    ck_assert_int_eq(count_entries(dir), 1);
    struct stat sb;
    ck_assert(stat(path, &sb) == 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0644);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("format");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_trip_keeps_every_section);
    tcase_add_test(tc, file_matches_the_documented_layout);
    tcase_add_test(tc, longest_names_round_trip);
    tcase_add_test(tc, get_names_file_and_section);
    suite_add_tcase(s, tc);
    tc = tcase_create("refusals");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, another_model_or_spec_is_refused);
    tcase_add_test(tc, every_truncation_is_refused);
    tcase_add_test(tc, every_bit_flip_is_refused);
    tcase_add_test(tc, other_kinds_of_file_are_refused);
    tcase_add_test(tc, missing_file_is_refused);
    tcase_add_test(tc, later_version_is_refused);
    tcase_add_test(tc, table_is_checked_behind_a_valid_crc);
    suite_add_tcase(s, tc);
    tc = tcase_create("atomic writes");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_write_arguments_leave_the_old_file);
    tcase_add_test(tc, write_into_missing_directory_fails_cleanly);
    tcase_add_test(tc, failure_half_way_leaves_the_old_file);
    tcase_add_test(tc, overwrite_replaces_and_leaves_no_temp_files);
    suite_add_tcase(s, tc);
    return check_run(s);
}
