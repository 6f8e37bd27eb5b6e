/* SPDX-License-Identifier: MIT */
/* zokiod conf: the allocator of one parsed configuration. Everything a zc_config_t points to
 * (strings, arrays, the directive tree, file names) lives in one arena, so freeing the config is
 * one walk over a list of blocks and no error path can leak. Not thread-safe; one per config. */
#ifndef ZC_ARENA_H
#define ZC_ARENA_H

#include <stddef.h>

typedef struct zc_arena_block zc_arena_block_t;

typedef struct zc_arena {
    zc_arena_block_t *head; /* newest block first */
    long fail_after;        /* tests: allocations left before a simulated failure; <0 = never */
} zc_arena_t;

/* Sets up an empty arena (no allocation). */
void zc_arena_init(zc_arena_t *a);

/* Returns `n` bytes aligned for any type, zeroed, owned by the arena; NULL when out of memory
 * (or when the test countdown `fail_after` reaches 0). */
void *zc_arena_alloc(zc_arena_t *a, size_t n);

/* Copies `len` bytes of `s` plus a NUL into the arena; NULL when out of memory. */
char *zc_arena_strndup(zc_arena_t *a, const char *s, size_t len);

/* Copies the NUL-terminated `s` into the arena; NULL when out of memory. */
char *zc_arena_strdup(zc_arena_t *a, const char *s);

/* Returns the array `arr` of `n` elements of `size` bytes with room for one more (the same
 * pointer, or a doubled copy in the arena when `n == *cap`); NULL when out of memory. Slots at
 * and beyond `n` are zero. `*cap` starts at 0 with `arr` NULL. Use it through ZC_PUSH. */
void *zc_arena_grow(zc_arena_t *a, void *arr, size_t n, size_t *cap, size_t size);

/* Appends a zeroed element to the arena array `arr` (an lvalue pointer) of `n` elements with
 * capacity `cap` (lvalues): evaluates to a pointer to it, or NULL when out of memory (then `arr`
 * is NULL too: the caller gives up on the whole config). */
#define ZC_PUSH(a, arr, n, cap)                                                                    \
    (((arr) = zc_arena_grow((a), (arr), (n), &(cap), sizeof(*(arr)))) == NULL ? NULL               \
                                                                              : &(arr)[(n)++])

/* Frees every block and leaves the arena empty and reusable. */
void zc_arena_free(zc_arena_t *a);

#endif
