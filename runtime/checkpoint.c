/* Checkpoint files (see checkpoint.h for the layout).  Integers are encoded
 * byte by byte, so the files are the same on any host; the reader checks
 * every field before it trusts it, because a checkpoint may be truncated by
 * a full disk, damaged in a copy, or not a checkpoint at all. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic_file.h"

static const char MAGIC[8] = "ASCCKPT";

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* zlib's crc32() takes an unsigned int length; feed it in chunks. */
static uint32_t crc_update(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? 1u << 30 : (unsigned)n;
        crc = (uint32_t)crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* Names and the model are printable ASCII so that error messages quoting
 * them stay one readable line. */
static int printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

static int label_ok(const char *s, size_t width)
{
    size_t n = s ? strnlen(s, width + 1) : 0;
    return n >= 1 && n <= width && printable(s, n);
}

static asc_status check_args(const char *path, const char *model,
                             const ckpt_section *sec, int n, asc_err *err)
{
    if (!label_ok(model, CKPT_MODEL_MAX))
        return err_set(err, path, "model name must be 1 to %d printable "
                       "characters", CKPT_MODEL_MAX);
    if (n < 0 || (n > 0 && !sec))
        return err_set(err, path, "no section list");
    /* The header and table are built in memory. */
    if ((size_t)n > (SIZE_MAX - CKPT_HEADER_SIZE) / CKPT_ENTRY_SIZE)
        return err_set(err, path, "too many sections (%d)", n);
    for (int i = 0; i < n; i++) {
        if (!label_ok(sec[i].name, CKPT_NAME_MAX))
            return err_set(err, path, "section %d: name must be 1 to %d "
                           "printable characters", i, CKPT_NAME_MAX);
        if (sec[i].size > 0 && !sec[i].data)
            return err_set(err, path, "section '%s' has no data",
                           sec[i].name);
        if (sec[i].size > SIZE_MAX)
            return err_set(err, path, "section '%s' is too large",
                           sec[i].name);
        for (int j = 0; j < i; j++)
            if (strcmp(sec[i].name, sec[j].name) == 0)
                return err_set(err, path, "two sections named '%s'",
                               sec[i].name);
    }
    return ASC_OK;
}

/* Section offsets into off[] and the file size into *total, refusing sums
 * that do not fit in 64 bits. */
static asc_status layout(const char *path, const ckpt_section *sec, int n,
                         uint64_t *off, uint64_t *total, asc_err *err)
{
    uint64_t end = CKPT_HEADER_SIZE + (uint64_t)n * CKPT_ENTRY_SIZE;
    for (int i = 0; i < n; i++) {
        if (end > UINT64_MAX - 7)
            return err_set(err, path, "sections too large");
        off[i] = (end + 7) & ~(uint64_t)7;
        if (sec[i].size > UINT64_MAX - off[i])
            return err_set(err, path, "sections too large");
        end = off[i] + sec[i].size;
    }
    if (end > UINT64_MAX - 4)
        return err_set(err, path, "sections too large");
    *total = end + 4;
    return ASC_OK;
}

typedef struct {
    FILE *fp;
    uint32_t crc;
    int bad;
} writer;

static void emit(writer *w, const void *data, size_t n)
{
    if (w->bad || n == 0)
        return;
    w->crc = crc_update(w->crc, data, n);
    w->bad = fwrite(data, 1, n, w->fp) != n;
}

static unsigned char *make_head(const char *model, uint64_t spec_hash,
                                const ckpt_section *sec, int n,
                                const uint64_t *off, uint64_t total)
{
    size_t len = CKPT_HEADER_SIZE + (size_t)n * CKPT_ENTRY_SIZE;
    unsigned char *h = calloc(1, len);
    if (!h)
        return NULL;
    memcpy(h, MAGIC, sizeof MAGIC);
    put_u32(h + 8, CKPT_VERSION);
    put_u32(h + 12, (uint32_t)n);
    memcpy(h + 16, model, strlen(model));
    put_u64(h + 80, spec_hash);
    put_u64(h + 88, total);
    for (int i = 0; i < n; i++) {
        unsigned char *e = h + CKPT_HEADER_SIZE + (size_t)i * CKPT_ENTRY_SIZE;
        memcpy(e, sec[i].name, strlen(sec[i].name));
        put_u64(e + 32, off[i]);
        put_u64(e + 40, sec[i].size);
    }
    return h;
}

static asc_status write_body(const char *path, FILE *fp, const char *model,
                             uint64_t spec_hash, const ckpt_section *sec,
                             int n, const uint64_t *off, uint64_t total,
                             asc_err *err)
{
    static const unsigned char zeros[8];
    unsigned char *head = make_head(model, spec_hash, sec, n, off, total);
    if (!head)
        return err_set(err, path, "out of memory");
    writer w = {fp, (uint32_t)crc32(0, NULL, 0), 0};
    uint64_t pos = CKPT_HEADER_SIZE + (uint64_t)n * CKPT_ENTRY_SIZE;
    emit(&w, head, (size_t)pos);
    free(head);
    for (int i = 0; i < n; i++) {
        emit(&w, zeros, (size_t)(off[i] - pos));
        emit(&w, sec[i].data, (size_t)sec[i].size);
        pos = off[i] + sec[i].size;
    }
    unsigned char crc[4];
    put_u32(crc, w.crc);
    emit(&w, crc, sizeof crc);
    if (w.bad)
        return err_set(err, path, "cannot write: %s", strerror(errno));
    return ASC_OK;
}

asc_status ckpt_write(const char *path, const char *model, uint64_t spec_hash,
                      const ckpt_section *sections, int nsections,
                      asc_err *err)
{
    if (check_args(path, model, sections, nsections, err))
        return ASC_EFAIL;
    uint64_t *off = calloc((size_t)nsections + 1, sizeof *off);
    uint64_t total = 0;
    if (!off)
        return err_set(err, path, "out of memory");
    atomic_file af;
    asc_status st = layout(path, sections, nsections, off, &total, err);
    if (!st)
        st = atomic_open(&af, path, err);
    if (!st) {
        st = write_body(path, af.fp, model, spec_hash, sections, nsections,
                        off, total, err);
        if (st)
            atomic_abort(&af);
        else
            st = atomic_commit(&af, err);
    }
    free(off);
    return st;
}

/* The whole file into one malloc'd buffer: malloc's alignment suits any
 * fundamental type, so 8-aligned sections are usable in place.  O_NONBLOCK
 * so that a FIFO named by mistake is refused instead of waited on. */
static asc_status read_whole(const char *path, void **buf, size_t *size,
                             asc_err *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return err_set(err, path, "cannot open: %s", strerror(errno));
    struct stat sb;
    asc_status st = ASC_OK;
    if (fstat(fd, &sb) != 0)
        st = err_set(err, path, "cannot stat: %s", strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = err_set(err, path, "not a regular file");
    else if (sb.st_size == 0)
        st = err_set(err, path, "empty file, not a checkpoint");
    else if ((uintmax_t)sb.st_size != (uintmax_t)(size_t)sb.st_size)
        st = err_set(err, path, "too large to read (%jd bytes)",
                     (intmax_t)sb.st_size);
    else if (!(*buf = malloc((size_t)sb.st_size)))
        st = err_set(err, path, "out of memory");
    size_t got = 0;
    while (!st && got < (size_t)sb.st_size) {
        ssize_t r = read(fd, (char *)*buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            st = err_set(err, path, "cannot read: %s",
                         r < 0 ? strerror(errno) : "file shrank while read");
        else
            got += (size_t)r;
    }
    close(fd);
    *size = got;
    return st;
}

/* Magic, version, declared size and CRC: whether the bytes are a whole,
 * intact checkpoint of a version this code reads. */
static asc_status check_envelope(const char *path, const unsigned char *b,
                                 size_t size, asc_err *err)
{
    size_t m = size < sizeof MAGIC ? size : sizeof MAGIC;
    if (memcmp(b, MAGIC, m) != 0)
        return err_set(err, path, "not a checkpoint (no ASCCKPT magic)");
    if (size < CKPT_HEADER_SIZE + 4)
        return err_set(err, path, "truncated: %zu bytes, a checkpoint has at "
                       "least %d", size, CKPT_HEADER_SIZE + 4);
    uint32_t version = get_u32(b + 8);
    if (version != CKPT_VERSION)
        return err_set(err, path, "format version %" PRIu32 ", this asc "
                       "reads %u", version, CKPT_VERSION);
    uint64_t declared = get_u64(b + 88);
    if (declared != size)
        return err_set(err, path, "%s%zu bytes, header says %" PRIu64,
                       size < declared ? "truncated: " : "", size, declared);
    uint32_t crc = crc_update((uint32_t)crc32(0, NULL, 0), b, size - 4);
    if (crc != get_u32(b + size - 4))
        return err_set(err, path, "corrupted: CRC mismatch");
    return ASC_OK;
}

/* A fixed-width NUL-padded text field into out (width + 1 bytes); 0 when
 * empty, not printable, or not padded with NULs only. */
static int read_label(const unsigned char *field, size_t width, char *out)
{
    size_t n = strnlen((const char *)field, width);
    for (size_t i = n; i < width; i++)
        if (field[i] != 0)
            return 0;
    memcpy(out, field, n);
    out[n] = '\0';
    return n > 0 && printable(out, n);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static asc_status unique_names(const char *path, const ckpt_section *sec,
                               int n, asc_err *err)
{
    if (n < 2)
        return ASC_OK;
    const char **names = malloc(sizeof *names * (size_t)n);
    if (!names)
        return err_set(err, path, "out of memory");
    for (int i = 0; i < n; i++)
        names[i] = sec[i].name;
    qsort(names, (size_t)n, sizeof *names, by_name);
    asc_status st = ASC_OK;
    for (int i = 1; i < n && !st; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            st = err_set(err, path, "two sections named '%s'", names[i]);
    free(names);
    return st;
}

/* One table entry: aligned, after the previous section (*end), before the
 * CRC. */
static asc_status read_entry(const char *path, const unsigned char *b,
                             size_t size, uint32_t i, char *name,
                             ckpt_section *s, uint64_t *end, asc_err *err)
{
    const unsigned char *e = b + CKPT_HEADER_SIZE + (size_t)i * CKPT_ENTRY_SIZE;
    if (!read_label(e, CKPT_NAME_MAX, name))
        return err_set(err, path, "section %" PRIu32 ": bad name", i);
    uint64_t off = get_u64(e + 32), len = get_u64(e + 40);
    if (off % 8 != 0)
        return err_set(err, path, "section '%s' at offset %" PRIu64 " is not "
                       "8-byte aligned", name, off);
    if (off < *end || off > size - 4 || len > size - 4 - off)
        return err_set(err, path, "section '%s' (%" PRIu64 " bytes at offset "
                       "%" PRIu64 ") is outside its place in the file",
                       name, len, off);
    s->name = name;
    s->data = b + off;
    s->size = len;
    *end = off + len;
    return ASC_OK;
}

static asc_status read_table(const char *path, ckpt_file *ck, asc_err *err)
{
    const unsigned char *b = ck->buf;
    uint32_t n = get_u32(b + 12);
    size_t room = (ck->size - CKPT_HEADER_SIZE - 4) / CKPT_ENTRY_SIZE;
    if (n > room || n > INT32_MAX)
        return err_set(err, path, "%" PRIu32 " sections do not fit in %zu "
                       "bytes", n, ck->size);
    if (n == 0)
        return ASC_OK;
    /* The entries, then their NUL-terminated names, in one block. */
    size_t per = sizeof(ckpt_section) + CKPT_NAME_MAX + 1;
    if (n > SIZE_MAX / per || !(ck->sections = malloc(per * n)))
        return err_set(err, path, "out of memory");
    char *names = (char *)(ck->sections + n);
    uint64_t end = CKPT_HEADER_SIZE + (uint64_t)n * CKPT_ENTRY_SIZE;
    for (uint32_t i = 0; i < n; i++)
        if (read_entry(path, b, ck->size, i,
                       names + (size_t)i * (CKPT_NAME_MAX + 1),
                       &ck->sections[i], &end, err))
            return ASC_EFAIL;
    ck->nsections = (int)n;
    return unique_names(path, ck->sections, ck->nsections, err);
}

static asc_status parse(const char *path, const char *model,
                        uint64_t spec_hash, ckpt_file *ck, asc_err *err)
{
    const unsigned char *b = ck->buf;
    if (check_envelope(path, b, ck->size, err))
        return ASC_EFAIL;
    if (!read_label(b + 16, CKPT_MODEL_MAX, ck->model))
        return err_set(err, path, "bad model name in the header");
    ck->spec_hash = get_u64(b + 80);
    if (read_table(path, ck, err))
        return ASC_EFAIL;
    if (model && (strcmp(model, ck->model) != 0 || spec_hash != ck->spec_hash))
        return err_set(err, path, "checkpoint of model '%s' (spec %016" PRIx64
                       "), not of '%s' (spec %016" PRIx64 ")", ck->model,
                       ck->spec_hash, model, spec_hash);
    return ASC_OK;
}

asc_status ckpt_read(const char *path, const char *model, uint64_t spec_hash,
                     ckpt_file *ck, asc_err *err)
{
    memset(ck, 0, sizeof *ck);
    if (read_whole(path, &ck->buf, &ck->size, err) ||
        parse(path, model, spec_hash, ck, err)) {
        ckpt_close(ck);
        return ASC_EFAIL;
    }
    return ASC_OK;
}

static const ckpt_section *find(const ckpt_file *ck, const char *name)
{
    for (int i = 0; i < ck->nsections; i++)
        if (strcmp(ck->sections[i].name, name) == 0)
            return &ck->sections[i];
    return NULL;
}

asc_status ckpt_get(const ckpt_file *ck, const char *path, const char *name,
                    uint64_t expected_size, const void **data, uint64_t *size,
                    asc_err *err)
{
    const ckpt_section *s = find(ck, name);
    if (!s)
        return err_set(err, path, "no section '%s'", name);
    if (expected_size != UINT64_MAX && s->size != expected_size)
        return err_set(err, path, "section '%s' has %" PRIu64 " bytes, "
                       "expected %" PRIu64, name, s->size, expected_size);
    *data = s->data;
    if (size)
        *size = s->size;
    return ASC_OK;
}

int ckpt_has(const ckpt_file *ck, const char *name)
{
    return find(ck, name) != NULL;
}

void ckpt_close(ckpt_file *ck)
{
    free(ck->buf);
    free(ck->sections);
    memset(ck, 0, sizeof *ck);
}
