/* Atomic output files (see atomic_file.h).  rename() within one directory
 * is atomic on POSIX file systems, so readers see the old or the new file. */
#include "atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

asc_status atomic_open(atomic_file *af, const char *path, asc_err *err)
{
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path)
        return err_set(err, path, "path too long");
    strcpy(af->path, path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0)
        return err_set(err, path, "cannot create: %s", strerror(errno));
    /* mkstemp makes the file private (0600); outputs are ordinary files. */
    if (fchmod(fd, 0644) != 0) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        return err_set(err, path, "cannot create: %s", strerror(e));
    }
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        return err_set(err, path, "cannot create: %s", strerror(e));
    }
    return ASC_OK;
}

asc_status atomic_commit(atomic_file *af, asc_err *err)
{
    int bad = fflush(af->fp) != 0 || ferror(af->fp);
    int e = errno;
    if (!bad && fsync(fileno(af->fp)) != 0) {
        bad = 1;
        e = errno;
    }
    if (fclose(af->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    af->fp = NULL;
    if (!bad && rename(af->tmp, af->path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(af->tmp);
        return err_set(err, af->path, "cannot write: %s", strerror(e));
    }
    return ASC_OK;
}

void atomic_abort(atomic_file *af)
{
    if (af->fp)
        fclose(af->fp);
    af->fp = NULL;
    unlink(af->tmp);
}
