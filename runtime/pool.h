/* SPDX-License-Identifier: MIT */
/* zokio: a fixed-size object pool. One reservation at init (pages are touched only as objects
 * are first handed out, so a large pool costs little until it is used); get/put are O(1). */
#ifndef ZK_POOL_H
#define ZK_POOL_H

#include <stddef.h>

typedef struct zk_pool {
    char *mem;
    void *free; /* singly linked through the first word of each free object */
    size_t obj_size;
    unsigned count, used;
    unsigned hwm; /* objects ever handed out: [0, hwm) have been touched */
} zk_pool_t;

/* Reserves `count` objects of `size` bytes. Returns 0 or -ENOMEM. */
int zk_pool_init(zk_pool_t *p, size_t size, unsigned count);
void zk_pool_fini(zk_pool_t *p);
/* NULL when exhausted. The object is not zeroed. */
void *zk_pool_get(zk_pool_t *p);
void zk_pool_put(zk_pool_t *p, void *obj);
/* Gives back the pages above the highest object in use when at most half of the objects ever
 * handed out are in use (after a burst); the free list is rebuilt lowest address first, so later
 * objects pack at the bottom. O(objects ever used): call it at most once a second. Returns the
 * bytes given back. */
size_t zk_pool_trim(zk_pool_t *p);

#endif
