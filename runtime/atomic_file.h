/* Output files that are never seen half-written: write to a temporary file
 * in the target's directory, fsync, then rename over the target. */
#ifndef ASC_ATOMIC_FILE_H
#define ASC_ATOMIC_FILE_H

#include <stdio.h>

#include "error.h"

typedef struct {
    FILE *fp;
    char path[1024];
    char tmp[1040];
} atomic_file;

asc_status atomic_open(atomic_file *af, const char *path, asc_err *err);

/* Flushes, fsyncs and renames; on failure removes the temporary file. */
asc_status atomic_commit(atomic_file *af, asc_err *err);

/* Drops the temporary file; the target is left as it was. */
void atomic_abort(atomic_file *af);

#endif
