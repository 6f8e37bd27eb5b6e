/* SPDX-License-Identifier: MIT */
/* The io_uring provided-buffer ring (runtime/uring_bufring.c): its window of posted buffers grows
 * when the ring runs dry and shrinks after quiet seconds, and zk_loop_trim() gives back the pages
 * of posted buffers once nothing was received for a whole trim period. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "tests/unit/runtime/rt.h"

#define BR_PAIRS 40
#define BR_BUFS  256

/* a task that echoes nothing: takes every chunk and gives its buffer back at once */
struct sink {
    zk_task_t t;
    zk_recv_stream_t s;
    size_t n;
};

static zk_poll_t sink_run(zk_task_t *t)
{
    struct sink *k = t->data;
    zk_recv_chunk_t c;
    while (zk_recv_next(&k->s, t, &c) == ZK_READY) {
        if (c.res <= 0) return ZK_READY;
        k->n += (size_t)c.res;
        zk_buf_put(t->loop, c.bid);
    }
    return ZK_PENDING;
}

/* resident bytes of the loop's receive buffers (mincore) */
static size_t bufs_resident(zk_loop_t *loop)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), len = (size_t)BR_BUFS * zk_buf_size(loop);
    unsigned char *v = malloc(len / page);
    if (!v || mincore(zk_buf_ptr(loop, 0), len, v) < 0) {
        free(v);
        return (size_t)-1;
    }
    size_t n = 0;
    for (size_t i = 0; i < len / page; i++)
        n += v[i] & 1;
    free(v);
    return n * page;
}

static size_t all_received(struct sink *k, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++)
        t += k[i].n;
    return t;
}

ZT_TEST(bufring_window_grows_shrinks_and_gives_back)
{
    zk_loop_opts_t o = {.buf_count = BR_BUFS, .buf_size = 8192};
    RT_LOOP_OPTS(loop, &o);
    unsigned window, posted;
    if (zk__test_bufring(loop, &window, &posted) < 0) {
        const char *name = zk_loop_backend_name(loop); /* a static string */
        zk_loop_free(loop);
        ZT_SKIP("no io_uring provided-buffer ring (%s backend)", name);
    }
    unsigned w0 = window;
    ZT_CHECK(w0 >= 1 && w0 <= 16); /* a quiet loop posts few buffers */
    static struct sink k[BR_PAIRS];
    int a[BR_PAIRS], b[BR_PAIRS];
    memset(k, 0, sizeof k);
    for (int i = 0; i < BR_PAIRS; i++) {
        ZT_EQ_INT(rt_pair(&a[i], &b[i]), 0);
        zk_recv_stream_init(&k[i].s, a[i]);
        zk_task_init(&k[i].t, loop, sink_run, NULL, &k[i]);
        zk_spawn(&k[i].t);
    }
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    /* rounds of bursts: every socket has data in the same tick, more than the window holds */
    static char data[3000];
    rt_fill(data, sizeof data, 7);
    for (int round = 1; round <= 6; round++) {
        for (int i = 0; i < BR_PAIRS; i++)
            ZT_EQ_INT(rt_write_full(b[i], data, sizeof data, 1000), (long)sizeof data);
        RT_RUN_UNTIL(loop, all_received(k, BR_PAIRS) == (size_t)round * BR_PAIRS * sizeof data,
                     3000);
    }
    ZT_EQ_INT(zk__test_bufring(loop, &window, &posted), 0);
    if (window <= w0) ZT_FAIL("the window stayed at %u buffers through the bursts", window);
    /* quiet: the first trim sees the bursts' second; the next ones find nothing received */
    zk_loop_trim(loop);
    size_t busy = bufs_resident(loop);
    for (int i = 0; i < 6; i++)
        zk_loop_trim(loop);
    ZT_EQ_INT(zk__test_bufring(loop, &window, &posted), 0);
    if (window != w0) ZT_FAIL("the window is %u buffers after quiet seconds, not %u", window, w0);
    size_t idle = bufs_resident(loop);
    /* what stays: at most the free stack's hot top (32 buffers, runtime/bufpool.c) */
    if (idle > 32 * (size_t)zk_buf_size(loop))
        ZT_FAIL("%zu KiB of receive buffers still resident after quiet seconds (%zu KiB after "
                "the bursts)",
                idle / 1024, busy / 1024);
    /* the ring still works after its pages went back */
    for (int i = 0; i < BR_PAIRS; i++)
        ZT_EQ_INT(rt_write_full(b[i], data, sizeof data, 1000), (long)sizeof data);
    RT_RUN_UNTIL(loop, all_received(k, BR_PAIRS) == (size_t)7 * BR_PAIRS * sizeof data, 3000);
    for (int i = 0; i < BR_PAIRS; i++) {
        zk_recv_stream_stop(loop, &k[i].s);
        close(b[i]);
    }
    RT_RUN_UNTIL(loop, zk_loop_alive(loop) == 0, 3000);
    for (int i = 0; i < BR_PAIRS; i++)
        zk_close(loop, a[i]);
    RT_RUN_UNTIL(loop, zk_loop_alive(loop) == 0, 3000);
    zk_loop_free(loop);
}
