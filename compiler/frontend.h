/* The compiler's front end as one call: text in, checked model out. The program,
 * the tests and the fuzz target all go through here. */
#ifndef ASCC_FRONTEND_H
#define ASCC_FRONTEND_H

#include <stddef.h>

#include "arena.h"
#include "model.h"

enum { FRONTEND_MAX_SPEC_BYTES = 1 << 20 };

/* lex -> parse -> resolve -> infer shapes and counts -> plan the generated code's
 * memory (lower.h). Returns NULL after reporting
 * errors; the budget is checked separately (budget.h) so that a model over budget
 * can still be reported. */
Model *frontend_compile(const char *file, const char *text, size_t len, Arena *arena, Diag *diag);

/* Reads a whole spec file into arena memory (NUL-terminated). On failure reports
 * one error naming the file and returns NULL. */
char *frontend_read_file(const char *path, size_t *len, Arena *arena, Diag *diag);

#endif
