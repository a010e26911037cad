/* Huge-page arenas (see arena_alloc.h). */
#define _DEFAULT_SOURCE /* madvise */
#include "arena_alloc.h"

#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

float *arena_alloc_floats(size_t n) {
    size_t bytes = (n ? n : 1) * sizeof(float);
    if (bytes < HUGE_PAGE)
        return malloc(bytes);
    bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE; /* aligned_alloc's rule */
    float *p = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
    /* Only advice: where the kernel has no huge pages the arena works as before. */
    if (p)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}
