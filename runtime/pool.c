/* SPDX-License-Identifier: MIT */
/* zokio: fixed-size object pool. */
#include <errno.h>
#include <stdlib.h>

#include "runtime/pool.h"

int zk_pool_init(zk_pool_t *p, size_t size, unsigned count)
{
    size_t align = sizeof(void *) * 2;
    size_t s = size < sizeof(void *) ? sizeof(void *) : size;
    p->obj_size = (s + align - 1) & ~(align - 1);
    p->count = count;
    p->used = p->hwm = 0;
    p->free = NULL;
    p->mem = calloc(count, p->obj_size); /* large: fresh zero pages, mapped on first touch */
    if (!p->mem && count) return -ENOMEM;
    return 0;
}

void zk_pool_fini(zk_pool_t *p)
{
    free(p->mem);
    p->mem = NULL;
    p->free = NULL;
}

void *zk_pool_get(zk_pool_t *p)
{
    void **obj = p->free;
    if (obj) {
        p->free = *obj;
    } else if (p->hwm < p->count) {
        obj = (void **)(p->mem + (size_t)p->hwm++ * p->obj_size);
    } else {
        return NULL;
    }
    p->used++;
    return obj;
}

void zk_pool_put(zk_pool_t *p, void *obj)
{
    *(void **)obj = p->free;
    p->free = obj;
    p->used--;
}
