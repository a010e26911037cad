/* NumPy .npy writer (see npy.h).  The header is padded with spaces so the
 * data starts on a 64-byte boundary, as numpy itself does. */
#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The header's text after the 10-byte preamble, NUL-terminated. */
static asc_status read_header(FILE *f, const char *path, char *text, size_t size,
                              asc_err *err)
{
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0)
        return err_set(err, path, "not a .npy file");
    if (pre[6] != 1)
        return err_set(err, path, ".npy format version %d.%d (this asc reads 1.0)",
                       pre[6], pre[7]);
    size_t hlen = pre[8] | (size_t)pre[9] << 8;
    if (hlen >= size || fread(text, 1, hlen, f) != hlen)
        return err_set(err, path, "truncated or oversized .npy header");
    text[hlen] = '\0';
    return ASC_OK;
}

asc_status npy_read_f32_2d(const char *path, long rows, long cols, float **data,
                           asc_err *err)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, path, "cannot open");
    char text[512];
    asc_status st = read_header(f, path, text, sizeof text, err);
    long r = -1, c = -1;
    const char *shape = strstr(text, "'shape': (");
    if (st == ASC_OK && (!strstr(text, "'descr': '<f4'") ||
                         !strstr(text, "'fortran_order': False") || !shape ||
                         sscanf(shape, "'shape': (%ld, %ld)", &r, &c) != 2))
        st = err_set(err, path, "expected a 2-D little-endian float32 array in C order");
    else if (st == ASC_OK && (r != rows || c != cols))
        st = err_set(err, path, "shape (%ld, %ld), expected (%ld, %ld)", r, c, rows, cols);
    if (st == ASC_OK) {
        size_t count = (size_t)rows * (size_t)cols;
        *data = malloc(sizeof(float) * (count + 1));
        if (!*data)
            st = err_set(err, path, "out of memory");
        else if (fread(*data, sizeof(float), count, f) != count || fgetc(f) != EOF)
            st = err_set(err, path, "data size does not match its shape (%ld, %ld)", r, c);
    }
    fclose(f);
    if (st != ASC_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}
