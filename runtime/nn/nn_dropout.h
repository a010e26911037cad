/* Dropout with a caller-seeded generator: element dropout, and channel dropout
 * (whole channels of one clip, as the blocks' broadcast path uses). Masks are drawn
 * in a fixed order on one thread, so a seed gives the same masks every run; they
 * are kept (as 0 or 1/(1-p)) for backward. */
#ifndef NN_DROPOUT_H
#define NN_DROPOUT_H

#include "nn_base.h"
#include "nn_rng.h"

/* `units` groups of `unit_size` values share one mask value: unit_size 1 is element
 * dropout; the size of a (channel, clip) plane is channel dropout. */
NN_INLINE void dropout_forward(real *restrict y, real *restrict mask, const real *restrict x,
                               size_t units, size_t unit_size, real p, NnRng *rng) {
    real keep = 1 / (1 - p);
    for (size_t u = 0; u < units; u++)
        mask[u] = nn_rng_uniform(rng) < (double)p ? 0 : keep;
    for (size_t u = 0; u < units; u++)
        for (size_t i = 0; i < unit_size; i++)
            y[u * unit_size + i] = x[u * unit_size + i] * mask[u];
}

NN_INLINE void dropout_backward(real *restrict dx, int acc, const real *restrict dy,
                                const real *restrict mask, size_t units, size_t unit_size) {
    for (size_t u = 0; u < units; u++)
        for (size_t i = 0; i < unit_size; i++) {
            size_t o = u * unit_size + i;
            real g = dy[o] * mask[u];
            dx[o] = acc ? dx[o] + g : g;
        }
}

#endif
