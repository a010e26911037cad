/* A bump allocator for everything the compiler builds from one spec: the AST, the
 * model and its strings live and die together, so nothing is freed piecemeal and
 * error paths never leak. */
#ifndef ASCC_ARENA_H
#define ASCC_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
    ArenaBlock *head;
} Arena;

void arena_init(Arena *arena);
void arena_free(Arena *arena);

/* Zeroed, suitably aligned memory; aborts only if the machine is out of memory. */
void *arena_alloc(Arena *arena, size_t size);
char *arena_strdup(Arena *arena, const char *s);
/* An array of n elements of `size` bytes with room for one more: items itself, or
 * a copy in memory twice as large (*cap updated). The old block stays in the arena. */
void *arena_grow(Arena *arena, void *items, int n, int *cap, size_t size);
char *arena_strndup(Arena *arena, const char *s, size_t n);

#endif
