/* First-fit slot allocation; see slots.h. */
#include "slots.h"

#include <string.h>

int64_t slots_alloc(SlotList *fl, int64_t size) {
    for (int i = 0; i < fl->n; i++) {
        SlotBlock *b = &fl->blocks[i];
        if (b->size >= size) {
            int64_t at = b->offset;
            b->offset += size;
            b->size -= size;
            if (b->size == 0)
                memmove(b, b + 1, sizeof *b * (size_t)(--fl->n - i));
            return at;
        }
    }
    int64_t at = fl->top;
    if (fl->n > 0 && fl->blocks[fl->n - 1].offset + fl->blocks[fl->n - 1].size == fl->top) {
        at = fl->blocks[fl->n - 1].offset; /* extend the last free block */
        fl->n--;
    }
    fl->top = at + size;
    return at;
}

void slots_free(SlotList *fl, int64_t offset, int64_t size) {
    int i = 0;
    while (i < fl->n && fl->blocks[i].offset < offset)
        i++;
    fl->blocks = arena_grow(fl->arena, fl->blocks, fl->n, &fl->cap, sizeof *fl->blocks);
    memmove(fl->blocks + i + 1, fl->blocks + i, sizeof *fl->blocks * (size_t)(fl->n - i));
    fl->blocks[i] = (SlotBlock){offset, size};
    fl->n++;
    if (i + 1 < fl->n && fl->blocks[i].offset + fl->blocks[i].size == fl->blocks[i + 1].offset) {
        fl->blocks[i].size += fl->blocks[i + 1].size;
        memmove(fl->blocks + i + 1, fl->blocks + i + 2, sizeof *fl->blocks * (size_t)(fl->n - i - 2));
        fl->n--;
    }
    if (i > 0 && fl->blocks[i - 1].offset + fl->blocks[i - 1].size == fl->blocks[i].offset) {
        fl->blocks[i - 1].size += fl->blocks[i].size;
        memmove(fl->blocks + i, fl->blocks + i + 1, sizeof *fl->blocks * (size_t)(fl->n - i - 1));
        fl->n--;
    }
}

