/* SPDX-License-Identifier: MIT */
#include "conf/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct zc_arena_block {
    zc_arena_block_t *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

#define BLOCK_SIZE 16384
#define ALIGN      (alignof(max_align_t))

void zc_arena_init(zc_arena_t *a)
{
    a->head = NULL;
    a->fail_after = -1;
}

static zc_arena_block_t *new_block(size_t size)
{
    zc_arena_block_t *b = malloc(sizeof(*b) + size);

    if (b == NULL) return NULL;
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

void *zc_arena_alloc(zc_arena_t *a, size_t n)
{
    zc_arena_block_t *b = a->head;
    void *p;

    if (a->fail_after == 0) return NULL;
    if (a->fail_after > 0) a->fail_after--;
    if (n > SIZE_MAX / 2) return NULL;
    n = (n + ALIGN - 1) & ~(ALIGN - 1);
    if (n == 0) n = ALIGN;
    if (b == NULL || b->size - b->used < n) {
        /* A large request gets a block of its own behind the current one, so the space left in
         * the current block is not wasted. */
        b = new_block(n > BLOCK_SIZE / 4 ? n : BLOCK_SIZE);
        if (b == NULL) return NULL;
        if (n > BLOCK_SIZE / 4 && a->head != NULL) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *zc_arena_strndup(zc_arena_t *a, const char *s, size_t len)
{
    char *d = zc_arena_alloc(a, len + 1);

    if (d == NULL) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *zc_arena_strdup(zc_arena_t *a, const char *s) { return zc_arena_strndup(a, s, strlen(s)); }

void *zc_arena_grow(zc_arena_t *a, void *arr, size_t n, size_t *cap, size_t size)
{
    size_t ncap;
    void *grown;

    if (n < *cap) return arr;
    ncap = *cap ? *cap * 2 : 4;
    if (ncap > SIZE_MAX / 2 / size) return NULL;
    grown = zc_arena_alloc(a, ncap * size);
    if (grown == NULL) return NULL;
    if (n) memcpy(grown, arr, n * size);
    *cap = ncap;
    return grown;
}

void zc_arena_free(zc_arena_t *a)
{
    zc_arena_block_t *b = a->head;

    while (b != NULL) {
        zc_arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}
