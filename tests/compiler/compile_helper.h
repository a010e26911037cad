/* Compiles spec text in-process for the tests, with diagnostics captured in a
 * string instead of printed. */
#ifndef TESTS_COMPILE_HELPER_H
#define TESTS_COMPILE_HELPER_H

#include "arena.h"
#include "model.h"

typedef struct Compiled {
    Arena arena;
    Model *model;      /* NULL when the spec has errors */
    int budget_ok;
    char *diagnostics; /* everything the front end reported; malloc'd */
    size_t diag_len;
    int nerrors;
} Compiled;

void compile_text(Compiled *out, const char *file, const char *text, size_t len);
void compile_free(Compiled *c);

/* A whole file, NUL-terminated and malloc'd; fails the running test if unreadable. */
char *read_text_file(const char *path);

/* The layer with this name, or NULL. */
const Layer *find_layer(const Model *m, const char *name);

#endif
