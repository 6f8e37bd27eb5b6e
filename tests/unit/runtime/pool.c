/* SPDX-License-Identifier: MIT */
/* zk_pool: fixed-size object pool. */
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
