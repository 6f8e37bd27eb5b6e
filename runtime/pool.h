/* SPDX-License-Identifier: MIT */
/* zokio: a fixed-size object pool. One allocation at init; get/put are O(1) and never allocate. */
#ifndef ZK_POOL_H
#define ZK_POOL_H

#include <stddef.h>

typedef struct zk_pool {
    char *mem;
    void *free; /* singly linked through the first word of each free object */
    size_t obj_size;
    unsigned count, used;
} zk_pool_t;

/* Reserves `count` objects of `size` bytes. Returns 0 or -ENOMEM. */
int zk_pool_init(zk_pool_t *p, size_t size, unsigned count);
void zk_pool_fini(zk_pool_t *p);
/* NULL when exhausted. The object is not zeroed. */
void *zk_pool_get(zk_pool_t *p);
void zk_pool_put(zk_pool_t *p, void *obj);

#endif
