/* SPDX-License-Identifier: MIT */
/* zk_pool: fixed-size object pool. */
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"

ZT_TEST(pool_get_put)
{
    enum { N = 8, SZ = 48 };
    zk_pool_t p;
    ZT_EQ_INT(zk_pool_init(&p, SZ, N), 0);
    unsigned char *objs[N];
    for (int i = 0; i < N; i++) {
        objs[i] = zk_pool_get(&p);
        ZT_CHECK(objs[i] != NULL);
        memset(objs[i], 0xa0 + i, SZ); /* whole object is usable */
    }
    ZT_CHECK(zk_pool_get(&p) == NULL);
    ZT_CHECK(zk_pool_get(&p) == NULL);
    /* distinct, non-overlapping objects */
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < SZ; k++)
            if (objs[i][k] != (unsigned char)(0xa0 + i))
                ZT_FAIL("object %d byte %d overwritten", i, k);
        for (int j = i + 1; j < N; j++) {
            unsigned char *lo = objs[i] < objs[j] ? objs[i] : objs[j];
            unsigned char *hi = objs[i] < objs[j] ? objs[j] : objs[i];
            ZT_CHECK(hi - lo >= SZ);
        }
    }
    zk_pool_put(&p, objs[3]);
    unsigned char *again = zk_pool_get(&p);
    ZT_CHECK(again == objs[3]);
    ZT_CHECK(zk_pool_get(&p) == NULL);
    /* put everything back; all N come out again */
    for (int i = 0; i < N; i++)
        zk_pool_put(&p, objs[i]);
    int seen = 0;
    for (int i = 0; i < N; i++) {
        unsigned char *o = zk_pool_get(&p);
        ZT_CHECK(o != NULL);
        for (int j = 0; j < N; j++)
            if (o == objs[j]) seen |= 1 << j;
    }
    ZT_EQ_INT(seen, (1 << N) - 1);
    ZT_CHECK(zk_pool_get(&p) == NULL);
    zk_pool_fini(&p);
}

ZT_TEST(pool_aligned)
{
    zk_pool_t p;
    ZT_EQ_INT(zk_pool_init(&p, 24, 5), 0);
    for (int i = 0; i < 5; i++) {
        void *o = zk_pool_get(&p);
        ZT_CHECK(o != NULL);
        ZT_EQ_INT((uintptr_t)o % sizeof(void *), 0);
    }
    zk_pool_fini(&p);
}

/* After a burst: most objects back, the pages above the highest one still in use go back to the
 * kernel (mincore says so), the free list packs new objects at the bottom and the pool still
 * hands out every object exactly once. */
ZT_TEST(pool_trim_after_burst)
{
    enum { N = 4096, SZ = 544 };
    static unsigned char *objs[N];
    zk_pool_t p;
    ZT_EQ_INT(zk_pool_init(&p, SZ, N), 0);
    for (int i = 0; i < N; i++) {
        objs[i] = zk_pool_get(&p);
        ZT_CHECK(objs[i] != NULL);
        memset(objs[i], 0x5a, SZ);
    }
    for (int i = 0; i < N; i++) /* keep objects 10 and 100 */
        if (i != 10 && i != 100) zk_pool_put(&p, objs[i]);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t given = zk_pool_trim(&p);
    ZT_EQ_INT(p.hwm, 101);
    ZT_CHECK(given >= (size_t)(N - 101) * SZ - 2 * page);
    /* the pages above object 100 are no longer resident */
    char *from = (char *)(((uintptr_t)(objs[100] + SZ) + page - 1) & ~(uintptr_t)(page - 1));
    char *to = (char *)objs[N - 1];
    unsigned char vec[1024];
    size_t npages = (size_t)(to - from) / page;
    ZT_CHECK(npages > 0 && npages <= sizeof vec);
    ZT_EQ_INT(mincore(from, npages * page, vec), 0);
    for (size_t i = 0; i < npages; i++)
        if (vec[i] & 1) ZT_FAIL("page %zu above the last object in use is still resident", i);
    /* lowest first, then fresh ones above the mark; every object once */
    ZT_CHECK(zk_pool_get(&p) == objs[0]);
    ZT_CHECK(zk_pool_get(&p) == objs[1]);
    int n = 2;
    while (zk_pool_get(&p))
        n++;
    ZT_EQ_INT(n, N - 2);
    ZT_EQ_INT(p.used, N);
    /* mostly in use: trim does nothing */
    ZT_EQ_INT(zk_pool_trim(&p), 0);
    zk_pool_fini(&p);
}
