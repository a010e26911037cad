/* Library error reporting (see error.h): one formatted line per failure,
 * always prefixed by the file it concerns. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static void vformat(asc_err *err, const char *prefix, const char *fmt,
                    va_list ap)
{
    int n = snprintf(err->msg, sizeof err->msg, "%s: ", prefix);
    if (n < 0 || (size_t)n >= sizeof err->msg)
        return;
    vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
}

asc_status err_set(asc_err *err, const char *file, const char *fmt, ...)
{
    if (!err)
        return ASC_EFAIL;
    va_list ap;
    va_start(ap, fmt);
    vformat(err, file, fmt, ap);
    va_end(ap);
    return ASC_EFAIL;
}

asc_status err_set_line(asc_err *err, const char *file, long line,
                        const char *fmt, ...)
{
    if (!err)
        return ASC_EFAIL;
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:%ld", file, line);
    va_list ap;
    va_start(ap, fmt);
    vformat(err, prefix, fmt, ap);
    va_end(ap);
    return ASC_EFAIL;
}
