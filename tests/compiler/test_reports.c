/* The reports of every spec in spec/ against golden files (regenerate with
 * scripts/update-golden.sh after an intended change, and review the diff), and the
 * behaviour of the program around them: budget failures, dot output files. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile_helper.h"
#include "run_helper.h"
#include "check_run.h"

#define GOLDEN_DIR TEST_DIR "/golden"

/* Runs ascc from the project root, so reports name the file as spec/NAME.asc. */
static void check_golden(const char *flag, const char *spec, const char *golden) {
    char *argv[] = {ASCC_BIN, (char *)flag, (char *)spec, NULL};
    RunResult r;
    run_program(&r, PROJECT_DIR, argv);
    ck_assert_msg(r.status == 0, "%s %s: exit %d\n%s", flag, spec, r.status, r.err);
    char *want = read_text_file(golden);
    ck_assert_msg(strcmp(want, r.out) == 0, "%s %s differs from %s", flag, spec, golden);
    free(want);
    run_free(&r);
}

START_TEST(every_spec_matches_its_golden_reports) {
    DIR *dir = opendir(SPEC_DIR);
    ck_assert_ptr_nonnull(dir);
    int checked = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".asc") != 0)
            continue;
        char spec[512], golden[1024];
        snprintf(spec, sizeof spec, "spec/%s", e->d_name);
        snprintf(golden, sizeof golden, "%s/%.*s.report", GOLDEN_DIR, (int)(n - 4), e->d_name);
        check_golden("--report", spec, golden);
        snprintf(golden, sizeof golden, "%s/%.*s.json", GOLDEN_DIR, (int)(n - 4), e->d_name);
        check_golden("--json", spec, golden);
        checked++;
    }
    closedir(dir);
    ck_assert_int_ge(checked, 4);
}
END_TEST

START_TEST(dot_graph_matches_golden) {
    check_golden("--emit=dot", "spec/dcase2022_baseline.asc", GOLDEN_DIR "/dcase2022_baseline.dot");
}
END_TEST

START_TEST(dot_file_is_written_whole) {
    char dir[] = "/tmp/ascc-dot-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    char *argv[] = {ASCC_BIN, "--emit=dot", "-o", out, SPEC_DIR "/bcres2net_mfa_fpm.asc", NULL};
    RunResult r;
    run_program(&r, NULL, argv);
    ck_assert_int_eq(r.status, 0);
    run_free(&r);
    char path[700];
    snprintf(path, sizeof path, "%s/bcres2net_mfa_fpm.dot", out);
    char *dot = read_text_file(path);
    ck_assert_ptr_nonnull(strstr(dot, "digraph \"bcres2net_mfa_fpm\""));
    ck_assert_ptr_nonnull(strstr(dot, "head.fpm"));
    ck_assert(dot[strlen(dot) - 2] == '}');
    free(dot);
    /* Nothing else (no temporary file) is left in the directory. */
    DIR *d = opendir(out);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    ck_assert_int_eq(files, 1);
    remove(path);
    rmdir(out);
    rmdir(dir);
}
END_TEST

/* The paper's model at C = 48: exit 1, the exceeded budgets named, then the table. */
START_TEST(budget_failure_prints_error_then_table) {
    char *spec = read_text_file(SPEC_DIR "/bcres2net_mfa_fpm.asc");
    char *let = strstr(spec, "let C = 40;");
    ck_assert_ptr_nonnull(let);
    let[8] = '4';
    let[9] = '8';
    char dir[] = "/tmp/ascc-c48-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/c48.asc", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(spec, f);
    fclose(f);
    free(spec);
    char *argv[] = {ASCC_BIN, "--report", path, NULL};
    RunResult r;
    run_program(&r, NULL, argv);
    remove(path);
    rmdir(dir);
    ck_assert_int_eq(r.status, 1);
    char want[256];
    snprintf(want, sizeof want, "%s:6:10: error: parameter budget exceeded: 178,402 parameters > 128,000 allowed", path);
    ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    char *table = strstr(r.err, "layer                    operator");
    ck_assert_ptr_nonnull(table);
    ck_assert_ptr_nonnull(strstr(table, "stage4.bcres2net3"));
    ck_assert_ptr_nonnull(strstr(table, "EXCEEDED"));
    run_free(&r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("reports");
    TCase *tc = tcase_create("golden");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_spec_matches_its_golden_reports);
    tcase_add_test(tc, dot_graph_matches_golden);
    tcase_add_test(tc, dot_file_is_written_whole);
    tcase_add_test(tc, budget_failure_prints_error_then_table);
    suite_add_tcase(s, tc);
    return check_run(s);
}
