/* The asc driver as users see it: exit statuses, one-line errors naming
 * the file, and no output file left behind by a failed command. */
#include <check.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define PI 3.14159265358979323846

static char out_text[4096];

/* Runs asc with args (a shell fragment); stderr+stdout land in out_text. */
static int run(const char *args)
{
    char cmd[2048];
    const char *log = tu_path("cli.log");
    snprintf(cmd, sizeof cmd, "%s %s >'%s' 2>&1", ASC_BIN, args, log);
    int st = system(cmd);
    FILE *f = fopen(log, "r");
    size_t n = f ? fread(out_text, 1, sizeof out_text - 1, f) : 0;
    out_text[n] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

START_TEST(usage_errors_exit_2)
{
    ck_assert_int_eq(run(""), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "usage: asc COMMAND"));
    ck_assert_int_eq(run("frobnicate"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "unknown command 'frobnicate'"));
    ck_assert_int_eq(run("--help"), 0);
    ck_assert_ptr_nonnull(strstr(out_text, "synth"));
    ck_assert_int_eq(run("features --bogus x"), 2);
    ck_assert_int_eq(lines(out_text), 1);
    ck_assert_int_eq(run("features"), 2);
}
END_TEST

START_TEST(bad_input_is_one_line_exit_1)
{
    char args[1024];
    tu_write_bytes(tu_path("junk.wav"), "junk", 4);
    snprintf(args, sizeof args, "features '%s' --npy '%s'", tu_path("junk.wav"),
             tu_path("junk.npy"));
    ck_assert_int_eq(run(args), 1);
    ck_assert_int_eq(lines(out_text), 1);
    char want[600];
    snprintf(want, sizeof want, "asc: %s: ", tu_path("junk.wav"));
    ck_assert_msg(strncmp(out_text, want, strlen(want)) == 0, "%s", out_text);
    ck_assert_int_ne(access(tu_path("junk.npy"), F_OK), 0);
}
END_TEST

START_TEST(npy_holds_the_features)
{
    static float x[44100];
    for (int i = 0; i < 44100; i++)
        x[i] = (float)(0.5 * sin(2 * PI * 1000.0 * i / 44100.0));
    tu_write_audio(tu_path("sine.wav"), x, 44100, 1, 44100,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_24);
    char args[1024];
    snprintf(args, sizeof args, "features '%s' --npy '%s'", tu_path("sine.wav"),
             tu_path("sine.npy"));
    ck_assert_int_eq(run(args), 0);
    ck_assert_str_eq(out_text, "");
    FILE *f = fopen(tu_path("sine.npy"), "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char pre[10];
    ck_assert_int_eq(fread(pre, 1, 10, f), 10);
    ck_assert(memcmp(pre, "\x93NUMPY\x01\x00", 8) == 0);
    unsigned hlen = pre[8] | pre[9] << 8;
    ck_assert_int_eq((10 + hlen) % 64, 0);
    char hdr[256] = {0};
    ck_assert_int_eq(fread(hdr, 1, hlen, f), hlen);
    ck_assert_ptr_nonnull(strstr(hdr, "'descr': '<f4'"));
    ck_assert_ptr_nonnull(strstr(hdr, "'shape': (256, 32)"));
    static float mel[256 * 32];
    ck_assert_int_eq(fread(mel, sizeof(float), 256 * 32, f), 256 * 32);
    ck_assert_int_eq(fgetc(f), EOF);
    fclose(f);
    /* 1 kHz is near HTK mel band 90 of 256 (0..8 kHz): loud there, at the
     * floor log(1e-5) = -11.5 far above. */
    ck_assert(mel[90 * 32 + 16] > 5.0f);
    ck_assert(mel[250 * 32 + 16] < -10.0f);
}
END_TEST

START_TEST(fixed_clip_warns_and_succeeds)
{
    static float x[2 * 22050];
    for (int i = 0; i < 2 * 22050; i++)
        x[i] = (float)(0.1 * sin(2 * PI * 440.0 * i / 22050.0));
    tu_write_audio(tu_path("stereo-short.wav"), x, 15000, 2, 22050,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    char args[1024];
    snprintf(args, sizeof args, "features '%s' --npy '%s'",
             tu_path("stereo-short.wav"), tu_path("short.npy"));
    ck_assert_int_eq(run(args), 0);
    ck_assert_int_eq(lines(out_text), 1);
    ck_assert_ptr_nonnull(strstr(out_text, "asc: warning: "));
    ck_assert_ptr_nonnull(strstr(out_text, "0.680 s long, zero-padded to 1 s"));
    ck_assert_int_eq(access(tu_path("short.npy"), F_OK), 0);
}
END_TEST

START_TEST(data_commands_validate_inputs)
{
    char args[1024];
    ck_assert_int_eq(run("synth --out x --scale huge"), 2);
    ck_assert_int_eq(run("synth --out"), 2);
    ck_assert_int_eq(run("devices"), 2);
    tu_write_bytes(tu_path("a-file"), "x", 1);
    snprintf(args, sizeof args, "synth --out '%s/sub'", tu_path("a-file"));
    ck_assert_int_eq(run(args), 1);
    ck_assert_int_eq(lines(out_text), 1);
    ck_assert_ptr_nonnull(strstr(out_text, "a-file/sub: cannot create directory"));
    snprintf(args, sizeof args, "features --data '%s'", tu_path("no-set"));
    ck_assert_int_eq(run(args), 1);
    ck_assert_int_eq(lines(out_text), 1);
    ck_assert_ptr_nonnull(strstr(out_text, "no-set/meta.csv: cannot open"));
    snprintf(args, sizeof args, "devices --data '%s'", tu_path("no-set"));
    ck_assert_int_eq(run(args), 1);
    ck_assert_int_eq(lines(out_text), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("asc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_test(tc, bad_input_is_one_line_exit_1);
    tcase_add_test(tc, npy_holds_the_features);
    tcase_add_test(tc, data_commands_validate_inputs);
    tcase_add_test(tc, fixed_clip_warns_and_succeeds);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
