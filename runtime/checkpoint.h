/* Checkpoint files: a container of named binary sections (parameters, BN
 * statistics, QAT ranges, optimiser moments, counters, RNG state, the
 * training configuration: what goes in is the trainer's business).  Written
 * atomically; read whole and validated before anything is used, so a
 * truncated, corrupted or foreign file, or one of another model, is refused
 * with one line naming the file.  docs/checkpoints.md has the details.
 *
 * On disk, every integer little-endian:
 *
 *   offset  size
 *        0     8  magic "ASCCKPT\0"
 *        8     4  format version (CKPT_VERSION)
 *       12     4  section count N
 *       16    64  model name, NUL-padded (1..64 printable ASCII bytes)
 *       80     8  spec hash
 *       88     8  total file size in bytes, CRC included
 *       96  48*N  section table, one entry per section:
 *                   name    32 bytes, NUL-padded (1..32 printable ASCII)
 *                   offset   8 bytes, from the start of the file
 *                   size     8 bytes
 *        .     .  section data, in table order, each section at an 8-byte
 *                 aligned offset (zero padding between), stored as given
 *   size-4     4  CRC-32 (zlib's) of every preceding byte
 *
 * Section contents are the caller's bytes, not converted: float, double and
 * uint64 arrays are stored in the host's (little-endian) layout, and are
 * usable in place after ckpt_read since the buffer and every section are
 * 8-byte aligned. */
#ifndef ASC_CHECKPOINT_H
#define ASC_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CKPT_VERSION 1u
#define CKPT_MODEL_MAX 64 /* bytes of the model name field */
#define CKPT_NAME_MAX 32  /* bytes of a section name field */
#define CKPT_HEADER_SIZE 96
#define CKPT_ENTRY_SIZE 48

typedef struct {
    const char *name;
    const void *data; /* may be NULL when size is 0 */
    uint64_t size;
} ckpt_section;

/* Writes the sections, in this order, to path: a temporary file in the same
 * directory, fsync, rename (atomic_file.h).  On failure nothing is left
 * behind and the file already at path, if any, is untouched.  Names must
 * be distinct, model and names printable ASCII of the sizes above. */
asc_status ckpt_write(const char *path, const char *model, uint64_t spec_hash,
                      const ckpt_section *sections, int nsections,
                      asc_err *err);

/* A checkpoint read into memory.  sections[i].data points into buf (8-byte
 * aligned); sections[i].name is NUL-terminated.  Zeroed on failure. */
typedef struct {
    void *buf;
    size_t size;
    char model[CKPT_MODEL_MAX + 1];
    uint64_t spec_hash;
    int nsections;
    ckpt_section *sections; /* in file order */
} ckpt_file;

/* Reads and validates the whole file: magic, version, size, CRC, section
 * table (bounds, alignment, unique names).  When model is non-NULL, a
 * checkpoint of another model or of another spec hash is refused. */
asc_status ckpt_read(const char *path, const char *model, uint64_t spec_hash,
                     ckpt_file *ck, asc_err *err);

/* Section `name` into *data (and its size into *size if non-NULL).  Its size
 * must equal expected_size unless that is UINT64_MAX (any size).  A missing
 * section or a size mismatch is an error naming path and the section. */
asc_status ckpt_get(const ckpt_file *ck, const char *path, const char *name,
                    uint64_t expected_size, const void **data, uint64_t *size,
                    asc_err *err);

int ckpt_has(const ckpt_file *ck, const char *name);

/* Frees what ckpt_read allocated; harmless on a zeroed ckpt_file. */
void ckpt_close(ckpt_file *ck);

#endif
