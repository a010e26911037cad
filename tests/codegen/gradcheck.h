/* Gradient checking of generated models. A model's analytic gradients (at the
 * precision the harness is built for, GC_REAL) are compared with central finite
 * differences of a double-precision build of the same model (the model itself
 * when GC_REAL is double) at the same point. The loss is sum(R * logits) for a
 * fixed random R, so dlogits = R. */
#ifndef TESTS_GRADCHECK_H
#define TESTS_GRADCHECK_H

#include <stddef.h>

#include "asc_model.h"

typedef GC_REAL gc_real;

/* The finite-difference step in double: about the cube root of the machine
 * epsilon, where truncation and rounding errors balance. */
#define GC_DOUBLE_EPS 3e-6

#define GC_FUNCTION_TYPES(suffix, type)                                                      \
    typedef void (*GcForward##suffix)(int n, int training, const type *params, type *stats,  \
                                      const type *input, type *logits, type *arena,          \
                                      NnRng *rng);                                           \
    typedef void (*GcBackward##suffix)(int n, const type *params, const type *input,         \
                                       const type *arena, const type *dlogits,               \
                                       type *dparams, type *dinput, type *grad);
GC_FUNCTION_TYPES(, gc_real)
GC_FUNCTION_TYPES(D, double)

typedef struct GcModel {
    const char *name;
    const AscModelInfo *info;
    GcForward forward;
    GcBackward backward;
    /* the double-precision reference for finite differences */
    GcForwardD ref_forward;
} GcModel;

typedef struct GcResult {
    double worst;             /* the largest error of any tensor */
    const char *worst_tensor; /* its name ("input" for the input) */
    int checked;              /* elements compared */
    int at_kinks;             /* elements passed over: their finite differences straddle a kink */
} GcResult;

/* Checks at most `per_tensor` elements of every parameter tensor and of the
 * input (all of them when per_tensor <= 0), batch n, finite differences with
 * step eps (positions where the loss is not smooth within eps are passed over and
 * counted, see gradcheck.c). The error of a tensor is max |analytic - numeric| / max(max |numeric|,
 * 1e-3) over its checked elements: relative to the tensor's gradient scale, and
 * absolute where the true gradient vanishes. */
GcResult gradcheck(const GcModel *m, int n, int per_tensor, double eps, unsigned seed);

#endif
