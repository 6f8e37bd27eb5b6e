/* SPDX-License-Identifier: MIT */
/* zokio: fixed-size object pool. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/pool.h"

static size_t mem_size(const zk_pool_t *p)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return ((size_t)p->count * p->obj_size + page - 1) / page * page;
}

int zk_pool_init(zk_pool_t *p, size_t size, unsigned count)
{
    size_t align = sizeof(void *) * 2;
    size_t s = size < sizeof(void *) ? sizeof(void *) : size;
    p->obj_size = (s + align - 1) & ~(align - 1);
    p->count = count;
    p->used = p->hwm = 0;
    p->free = NULL;
    p->mem = NULL;
    if (!count) return 0;
    /* mapped: fresh zero pages, touched on first use, and given back by zk_pool_trim() */
    void *m = mmap(NULL, mem_size(p), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -ENOMEM;
    p->mem = m;
    return 0;
}

void zk_pool_fini(zk_pool_t *p)
{
    if (p->mem) munmap(p->mem, mem_size(p));
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

size_t zk_pool_trim(zk_pool_t *p)
{
    if (!p->mem || p->used * 2 > p->hwm) return 0; /* mostly in use: nothing worth it */
    /* which objects below the high-water mark are free */
    unsigned words = (p->hwm + 63) / 64;
    uint64_t *fr = calloc(words ? words : 1, sizeof *fr);
    if (!fr) return 0;
    for (void **o = p->free; o; o = *o) {
        size_t i = (size_t)((char *)o - p->mem) / p->obj_size;
        fr[i / 64] |= (uint64_t)1 << (i % 64);
    }
    unsigned top = p->hwm; /* one past the highest object in use */
    while (top && (fr[(top - 1) / 64] >> ((top - 1) % 64) & 1))
        top--;
    /* the free list again, lowest addresses first: new objects pack at the bottom */
    p->free = NULL;
    for (unsigned i = top; i-- > 0;)
        if (fr[i / 64] >> (i % 64) & 1) {
            void **o = (void **)(p->mem + (size_t)i * p->obj_size);
            *o = p->free;
            p->free = o;
        }
    free(fr);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t from = ((size_t)top * p->obj_size + page - 1) / page * page;
    size_t to = ((size_t)p->hwm * p->obj_size + page - 1) / page * page;
    p->hwm = top;
    if (to <= from) return 0;
    madvise(p->mem + from, to - from, MADV_DONTNEED); /* zero pages again when next touched */
    return to - from;
}
