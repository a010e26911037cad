/* First-fit allocation of slots in an arena planned at compile time: the
 * activations of inference and the gradients of backward reuse the memory of
 * tensors no longer live. Offsets and sizes are in the caller's units. */
#ifndef ASCC_SLOTS_H
#define ASCC_SLOTS_H

#include <stdint.h>

#include "arena.h"

typedef struct SlotBlock {
    int64_t offset, size;
} SlotBlock;

/* Free blocks in offset order, and the high-water mark: the arena's size. */
typedef struct SlotList {
    SlotBlock *blocks;
    int n, cap;
    int64_t top;
    Arena *arena; /* where the block list grows */
} SlotList;

int64_t slots_alloc(SlotList *fl, int64_t size);
/* Returns a slot; adjacent free blocks merge. */
void slots_free(SlotList *fl, int64_t offset, int64_t size);

#endif
