/* The activation and gradient arenas of training and batch evaluation: hundreds of
 * megabytes that every step streams through, pass after pass. They are placed on
 * 2 MiB boundaries and offered to the kernel as transparent huge pages, which keeps
 * the TLB from missing on every 4 KiB of a streamed tensor and lets the hardware
 * prefetcher run past what would have been page boundaries (a batch-64 training step
 * of the paper's model: 23-42 ms of ~230 faster; docs/codegen.md, Speed). */
#ifndef ASC_ARENA_ALLOC_H
#define ASC_ARENA_ALLOC_H

#include <stddef.h>

/* Room for n floats, or NULL; release with free(). */
float *arena_alloc_floats(size_t n);

#endif
