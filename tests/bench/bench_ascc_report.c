/* Measures `ascc --report` on a spec as a user runs it (process start to exit),
 * and the front end alone in-process. Prints medians; asserts nothing.
 * usage: bench_ascc_report ASCC_BIN SPEC [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "budget.h"
#include "frontend.h"
#include "report.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run_once(const char *bin, const char *spec) {
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(bin, bin, "--report", spec, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench: %s --report %s failed\n", bin, spec);
        exit(1);
    }
    return now_ms() - t0;
}

static double front_end_once(const char *spec, FILE *sink) {
    double t0 = now_ms();
    Arena arena;
    arena_init(&arena);
    Diag diag;
    diag_init(&diag, stderr, spec, NULL, 0);
    size_t len;
    char *text = frontend_read_file(spec, &len, &arena, &diag);
    Model *m = text ? frontend_compile(spec, text, len, &arena, &diag) : NULL;
    if (!m) {
        fprintf(stderr, "bench: %s does not compile\n", spec);
        exit(1);
    }
    budget_check(m, &diag);
    report_table(sink, m, 512);
    arena_free(&arena);
    return now_ms() - t0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_ascc_report ASCC_BIN SPEC [RUNS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 200;
    if (runs < 1)
        runs = 1;
    double *t = malloc(sizeof *t * (size_t)runs);
    for (int i = 0; i < runs; i++)
        t[i] = run_once(argv[1], argv[2]);
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("ascc --report %s: median %.2f ms, min %.2f ms, max %.2f ms over %d runs (whole process)\n",
           argv[2], t[runs / 2], t[0], t[runs - 1], runs);
    FILE *sink = fopen("/dev/null", "w");
    for (int i = 0; i < runs; i++)
        t[i] = front_end_once(argv[2], sink);
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("front end + report in-process: median %.3f ms, min %.3f ms over %d runs\n",
           t[runs / 2], t[0], runs);
    fclose(sink);
    free(t);
    return 0;
}
