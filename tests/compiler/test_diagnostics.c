/* Malformed specs: every file in tests/compiler/bad/ ends with `# expect:` lines
 * giving the exact error lines ascc must print, in order, with exit status 1.
 * Inputs that cannot carry comments (empty, binary, pathological) are built here. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_helper.h"
#include "run_helper.h"
#include "check_run.h"

#define BAD_DIR TEST_DIR "/bad"

static int line_has(const char *line, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(line + i, needle, n) == 0)
            return 1;
    return 0;
}

/* The lines of `text` that contain ": error: ", joined by newlines. */
static void error_lines(const char *text, char *out, size_t size) {
    out[0] = '\0';
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (line_has(line, len, ": error: ") && strlen(out) + len + 2 < size) {
            strncat(out, line, len);
            strcat(out, "\n");
        }
        line += len + (end ? 1 : 0);
    }
}

static void expected_lines(const char *path, char *out, size_t size) {
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[1024];
    out[0] = '\0';
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "# expect: ", 10) == 0 && strlen(out) + strlen(line) < size)
            strcat(out, line + 10);
    fclose(f);
}

START_TEST(every_bad_spec_reports_its_exact_errors) {
    DIR *dir = opendir(BAD_DIR);
    ck_assert_ptr_nonnull(dir);
    int checked = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".asc") != 0)
            continue;
        char path[1024], want[8192], got[8192];
        snprintf(path, sizeof path, "%s/%s", BAD_DIR, e->d_name);
        expected_lines(path, want, sizeof want);
        ck_assert_msg(want[0], "%s has no '# expect:' line", e->d_name);
        char *argv[] = {ASCC_BIN, "--check", e->d_name, NULL};
        RunResult r;
        run_program(&r, BAD_DIR, argv);
        error_lines(r.err, got, sizeof got);
        ck_assert_msg(r.status == 1, "%s: exit status %d, want 1", e->d_name, r.status);
        ck_assert_msg(strcmp(want, got) == 0, "%s:\nwant:\n%sgot:\n%s", e->d_name, want, got);
        ck_assert_msg(r.out[0] == '\0', "%s: printed on stdout", e->d_name);
        run_free(&r);
        checked++;
    }
    closedir(dir);
    ck_assert_int_ge(checked, 30);
}
END_TEST

/* In-process compile of generated text: the error lines, or "" when it compiles. */
static Compiled compile_generated(const char *name, const char *text, size_t len) {
    Compiled c;
    compile_text(&c, name, text, len);
    return c;
}

static void assert_first_error(const char *text, size_t len, const char *want) {
    Compiled c = compile_generated("gen.asc", text, len);
    ck_assert_ptr_null(c.model);
    char got[8192];
    error_lines(c.diagnostics, got, sizeof got);
    ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "want: %s\ngot: %s", want, got);
    compile_free(&c);
}

START_TEST(empty_and_blank_files) {
    assert_first_error("", 0, "gen.asc:1:1: error: empty spec: expected 'model NAME { ... }'\n");
    assert_first_error(" \n\t\n", 4, "gen.asc:1:1: error: empty spec: expected 'model NAME { ... }'\n");
    assert_first_error("# only a comment\n", 17,
                       "gen.asc:2:1: error: syntax error, unexpected end of file, expecting model\n");
}
END_TEST

START_TEST(binary_garbage_with_nul) {
    const char text[] = "model\n m\x01\x02\0\xff\xfe";
    assert_first_error(text, sizeof text - 1,
                       "gen.asc:2:5: error: not a text file (NUL byte at offset 10)\n");
}
END_TEST

/* Random high and control bytes: errors in the right form, capped, never a crash. */
START_TEST(binary_garbage_without_nul) {
    srand(7);
    char text[4096];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)(1 + rand() % 255);
    Compiled c = compile_generated("junk.asc", text, sizeof text);
    ck_assert_ptr_null(c.model);
    ck_assert_int_ge(c.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(c.diagnostics, "junk.asc:1:1: error: "));
    compile_free(&c);
}
END_TEST

static char *repeat_text(const char *head, const char *unit, int n, const char *mid,
                         const char *unit2, int n2, const char *tail) {
    size_t len = strlen(head) + strlen(unit) * (size_t)n + strlen(mid) +
                 strlen(unit2) * (size_t)n2 + strlen(tail) + 1;
    char *s = malloc(len), *p = s;
    p += sprintf(p, "%s", head);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s", unit);
    p += sprintf(p, "%s", mid);
    for (int i = 0; i < n2; i++)
        p += sprintf(p, "%s", unit2);
    sprintf(p, "%s", tail);
    return s;
}

START_TEST(very_deep_nesting) {
    char *text = repeat_text("model m {\n  let C = ", "(", 100000, "1", ")", 100000, ";\n}\n");
    assert_first_error(text, strlen(text), "gen.asc:2:");
    Compiled c = compile_generated("gen.asc", text, strlen(text));
    ck_assert_ptr_nonnull(strstr(c.diagnostics, "error: nesting is too deep"));
    compile_free(&c);
    free(text);
}
END_TEST

START_TEST(very_long_chain) {
    char *text = repeat_text("model m {\n input logmel(freq = 8, time = 8);\n classes 2;\n"
                             " s: conv(out = 2)",
                             " -> relu", 5000, " -> globalpool;\n", "", 0, "}\n");
    assert_first_error(text, strlen(text), "gen.asc:1:7: error: model 'm' has more than 4096 layers\n");
    free(text);
}
END_TEST

START_TEST(huge_numbers_and_sizes) {
    const char *a = "model m { input logmel(freq = 8192, time = 8192); classes 2;\n"
                    " s: conv(out = 8192, kernel = 64) -> conv(out = 8192, kernel = 64) -> globalpool"
                    " -> linear(classes); }";
    assert_first_error(a, strlen(a), "gen.asc:2:5: error: conv: output of 8192 x 8193 x 8193 is too large\n");
    const char *b = "model m { input logmel(freq = 8, time = 8); classes 2;\n"
                    " budget params <= 999999999999999999999;\n s: conv(out = 2) -> globalpool; }";
    assert_first_error(b, strlen(b), "gen.asc:2:19: error: number '999999999999999999999' is too large\n");
}
END_TEST

/* Random edits of the paper's spec: whatever they break must be reported as
 * `file:line:col: error:` lines (or compile cleanly), never crash. */
START_TEST(mutated_paper_spec_never_crashes) {
    FILE *f = fopen(SPEC_DIR "/bcres2net_mfa_fpm.asc", "rb");
    ck_assert_ptr_nonnull(f);
    char orig[4096];
    size_t n = fread(orig, 1, sizeof orig, f);
    fclose(f);
    static const char alphabet[] = "(){};:=,->*+/x 0123456789Cabcdefghijklmnopqrstuvwxyz\n#.";
    srand(12345);
    int errors = 0;
    for (int iter = 0; iter < 2000; iter++) {
        char text[4200];
        memcpy(text, orig, n);
        size_t len = n;
        for (int k = 0; k < 1 + rand() % 4; k++) {
            size_t at = (size_t)rand() % len;
            int op = rand() % 3;
            if (op == 0)
                text[at] = alphabet[rand() % (int)(sizeof alphabet - 1)];
            else if (op == 1 && len > 1)
                memmove(text + at, text + at + 1, --len - at);
            else if (len < sizeof text - 1) {
                memmove(text + at + 1, text + at, len++ - at);
                text[at] = alphabet[rand() % (int)(sizeof alphabet - 1)];
            }
        }
        Compiled c = compile_generated("m.asc", text, len);
        if (!c.model || !c.budget_ok) {
            errors++;
            ck_assert_msg(c.nerrors > 0, "rejected without an error");
            ck_assert_msg(strncmp(c.diagnostics, "m.asc:", 6) == 0, "%s", c.diagnostics);
            ck_assert_ptr_nonnull(strstr(c.diagnostics, ": error: "));
        }
        compile_free(&c);
    }
    ck_assert_int_gt(errors, 1000);
}
END_TEST

START_TEST(usage_errors_exit_2) {
    char *bad_option[] = {ASCC_BIN, "--bogus", "x.asc", NULL};
    char *no_file[] = {ASCC_BIN, "--report", NULL};
    char *bad_emit[] = {ASCC_BIN, "--emit=pdf", "x.asc", NULL};
    char *bad_batch[] = {ASCC_BIN, "--batch", "0", "x.asc", NULL};
    char **cases[] = {bad_option, no_file, bad_emit, bad_batch};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        RunResult r;
        run_program(&r, NULL, cases[i]);
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "ascc: "));
        ck_assert_ptr_null(strchr(strchr(r.err, '\n') + 1, '\n')); /* one line */
        run_free(&r);
    }
}
END_TEST

START_TEST(missing_file_is_one_line_exit_1) {
    char *argv[] = {ASCC_BIN, "--check", "no/such/spec.asc", NULL};
    RunResult r;
    run_program(&r, NULL, argv);
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.err, "no/such/spec.asc: error: cannot open: No such file or directory\n");
    run_free(&r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("diagnostics");
    TCase *files = tcase_create("bad spec files");
    tcase_set_timeout(files, 120);
    tcase_add_test(files, every_bad_spec_reports_its_exact_errors);
    suite_add_tcase(s, files);
    TCase *gen = tcase_create("generated inputs");
    tcase_set_timeout(gen, 120);
    tcase_add_test(gen, empty_and_blank_files);
    tcase_add_test(gen, binary_garbage_with_nul);
    tcase_add_test(gen, binary_garbage_without_nul);
    tcase_add_test(gen, very_deep_nesting);
    tcase_add_test(gen, very_long_chain);
    tcase_add_test(gen, huge_numbers_and_sizes);
    tcase_add_test(gen, mutated_paper_spec_never_crashes);
    suite_add_tcase(s, gen);
    TCase *cli = tcase_create("command line");
    tcase_add_test(cli, usage_errors_exit_2);
    tcase_add_test(cli, missing_file_is_one_line_exit_1);
    suite_add_tcase(s, cli);
    return check_run(s);
}
