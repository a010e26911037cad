/* NumPy .npy output (format version 1.0), so features can be compared with
 * Python tools: little-endian float32, C order. */
#ifndef ASC_NPY_H
#define ASC_NPY_H

#include "error.h"

/* Writes data (product of shape[0..ndim) floats) atomically to path. */
asc_status npy_write_f32(const char *path, const float *data, const long *shape,
                         int ndim, asc_err *err);

#endif
