/* NumPy .npy files (format version 1.0), so features and logits can be
 * exchanged with Python tools: little-endian float32, C order. */
#ifndef ASC_NPY_H
#define ASC_NPY_H

#include "error.h"

/* Writes data (product of shape[0..ndim) floats) atomically to path. */
asc_status npy_write_f32(const char *path, const float *data, const long *shape,
                         int ndim, asc_err *err);

/* Reads a 2-D float32 array of exactly rows x cols (malloc'd into *data).
 * Anything else (another dtype or order, another shape, a short file) is
 * refused with one line naming the file. */
asc_status npy_read_f32_2d(const char *path, long rows, long cols, float **data,
                           asc_err *err);

#endif
