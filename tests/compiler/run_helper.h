/* Runs the ascc program as a user would, capturing its output and exit status. */
#ifndef TESTS_RUN_HELPER_H
#define TESTS_RUN_HELPER_H

#include <stddef.h>

typedef struct RunResult {
    int status; /* exit status, or 128 + signal */
    char *out;  /* stdout, malloc'd, NUL-terminated */
    char *err;  /* stderr, malloc'd, NUL-terminated */
} RunResult;

/* Runs argv (argv[0] a path) in directory `dir` (NULL: the current one). */
void run_program(RunResult *r, const char *dir, char *const argv[]);
void run_free(RunResult *r);

#endif
