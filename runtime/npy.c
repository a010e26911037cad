/* NumPy .npy writer (see npy.h).  The header is padded with spaces so the
 * data starts on a 64-byte boundary, as numpy itself does. */
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"

static size_t header_text(char *buf, size_t size, const long *shape, int ndim)
{
    size_t n = (size_t)snprintf(buf, size,
                                "{'descr': '<f4', 'fortran_order': False, "
                                "'shape': (");
    for (int i = 0; i < ndim; i++)
        n += (size_t)snprintf(buf + n, size - n, "%ld%s", shape[i],
                              ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
    n += (size_t)snprintf(buf + n, size - n, "), }");
    size_t total = 10 + n + 1;
    size_t padded = (total + 63) / 64 * 64;
    while (10 + n + 1 < padded)
        buf[n++] = ' ';
    buf[n++] = '\n';
    return n;
}

asc_status npy_write_f32(const char *path, const float *data, const long *shape,
                         int ndim, asc_err *err)
{
    char hdr[512];
    size_t hlen = header_text(hdr, sizeof hdr - 1, shape, ndim);
    size_t count = 1;
    for (int i = 0; i < ndim; i++)
        count *= (size_t)shape[i];
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    atomic_file af;
    if (atomic_open(&af, path, err))
        return ASC_EFAIL;
    /* float32 on every platform ascc targets is IEEE little-endian. */
    if (fwrite(pre, 1, sizeof pre, af.fp) != sizeof pre ||
        fwrite(hdr, 1, hlen, af.fp) != hlen ||
        fwrite(data, sizeof(float), count, af.fp) != count) {
        atomic_abort(&af);
        return err_set(err, path, "cannot write");
    }
    return atomic_commit(&af, err);
}
