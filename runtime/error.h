/* Library error reporting: every runtime function that can fail returns an
 * asc_status and fills an asc_err with one line naming the file and the
 * problem.  Printing is left to the caller (the asc driver). */
#ifndef ASC_ERROR_H
#define ASC_ERROR_H

#include <stddef.h>

typedef enum { ASC_OK = 0, ASC_EFAIL = 1 } asc_status;

typedef struct {
    char msg[768];
} asc_err;

/* Formats "FILE: message" into err (if err is non-NULL); returns ASC_EFAIL so
 * callers can write `return err_set(err, path, "...")`. */
asc_status err_set(asc_err *err, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with "FILE:LINE: message". */
asc_status err_set_line(asc_err *err, const char *file, long line,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
