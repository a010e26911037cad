/* Diagnostics in the form editors and CI parse: `file:line:col: error: message`,
 * then the source line and a caret under the column. Every error of a file is
 * reported (up to a cap), and the caller decides from the count whether to stop. */
#ifndef ASCC_DIAG_H
#define ASCC_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* A position in the spec; line 0 means "the file as a whole". Columns count bytes. */
typedef struct Loc {
    int line, col;
} Loc;

typedef struct Diag {
    FILE *out;
    const char *file;
    const char *src; /* the spec text, for quoting the offending line */
    size_t len;
    int nerrors;
    int max_errors;
} Diag;

enum { DIAG_MAX_ERRORS = 50 };

void diag_init(Diag *diag, FILE *out, const char *file, const char *src, size_t len);

__attribute__((format(printf, 3, 4)))
void diag_error(Diag *diag, Loc loc, const char *fmt, ...);

__attribute__((format(printf, 3, 4)))
void diag_note(Diag *diag, Loc loc, const char *fmt, ...);

/* True when no further error would be shown: callers may stop early. */
int diag_full(const Diag *diag);

/* Is a earlier in the file than b? */
int loc_before(Loc a, Loc b);

#endif
