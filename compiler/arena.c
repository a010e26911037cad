/* Bump allocation in blocks of at least 64 KiB; see arena.h. */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArenaBlock {
    ArenaBlock *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_BLOCK_MIN = 64 * 1024, ARENA_ALIGN = 16 };

void arena_init(Arena *arena) { arena->head = NULL; }

void arena_free(Arena *arena) {
    ArenaBlock *b = arena->head;
    while (b) {
        ArenaBlock *next = b->next;
        free(b);
        b = next;
    }
    arena->head = NULL;
}

void *arena_alloc(Arena *arena, size_t size) {
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    ArenaBlock *b = arena->head;
    if (!b || b->size - b->used < size) {
        size_t cap = size > ARENA_BLOCK_MIN ? size : ARENA_BLOCK_MIN;
        b = malloc(sizeof *b + cap);
        if (!b) {
            fputs("ascc: out of memory\n", stderr);
            exit(1);
        }
        b->next = arena->head;
        b->used = 0;
        b->size = cap;
        arena->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(Arena *arena, const char *s, size_t n) {
    char *p = arena_alloc(arena, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *arena, const char *s) {
    return arena_strndup(arena, s, strlen(s));
}

void *arena_grow(Arena *arena, void *items, int n, int *cap, size_t size) {
    if (n < *cap)
        return items;
    int next = *cap ? *cap * 2 : 64;
    void *bigger = arena_alloc(arena, size * (size_t)next);
    if (n)
        memcpy(bigger, items, size * (size_t)n);
    *cap = next;
    return bigger;
}
