/* SPDX-License-Identifier: MIT */
/* Cross-thread wake-up: zk_async_init / zk_async_send / zk_async_close. */
#include <pthread.h>

#include "tests/unit/runtime/rt.h"

struct wk {
    zk_async_t a;
    int calls;
    int max_seen;   /* highest send number visible to a callback */
    int seq;        /* bumped (atomically) by the sender before each send */
    int off_thread; /* a callback ran on another thread */
    pthread_t loop_thread;
    unsigned delay_ms;
    int sends;
    uint64_t sent_at; /* wall time of the (last) send */
};

static void wk_cb(zk_loop_t *loop, zk_async_t *a)
{
    struct wk *w = a->data;
    (void)loop;
    w->calls++;
    int s = __atomic_load_n(&w->seq, __ATOMIC_SEQ_CST);
    if (s > w->max_seen) w->max_seen = s;
    if (!pthread_equal(pthread_self(), w->loop_thread)) w->off_thread++;
}

static void *wk_sender(void *arg)
{
    struct wk *w = arg;
    if (w->delay_ms) {
        uint64_t end = rt_wall_ns() + w->delay_ms * ZK_MSEC;
        while (rt_wall_ns() < end) {
        }
    }
    for (int i = 1; i <= w->sends; i++) {
        __atomic_store_n(&w->seq, i, __ATOMIC_SEQ_CST);
        __atomic_store_n(&w->sent_at, rt_wall_ns(), __ATOMIC_SEQ_CST);
        zk_async_send(&w->a);
    }
    return NULL;
}

ZT_TEST(wake_async_1000_sends)
{
    RT_LOOP(loop);
    static struct wk w;
    memset(&w, 0, sizeof(w));
    w.loop_thread = pthread_self();
    w.sends = 1000;
    zk_async_init(loop, &w.a, wk_cb);
    w.a.data = &w;
    ZT_EQ_INT(zk_loop_alive(loop), 0); /* an async handle does not keep the loop alive */
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, wk_sender, &w), 0);
    /* a callback that ran after the 1000th send saw seq == 1000 */
    RT_RUN_UNTIL(loop, w.max_seen == 1000, 2000);
    pthread_join(th, NULL);
    ZT_CHECK(w.calls >= 1 && w.calls <= 1000);
    ZT_EQ_INT(w.off_thread, 0);
    /* coalesced: no more callbacks without more sends */
    int calls = w.calls;
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_CHECK(w.calls <= calls + 1);
    calls = w.calls;
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(w.calls, calls);
    zk_async_close(&w.a);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0);
    zk_loop_free(loop);
}

/* The loop blocks in ZK_RUN_ONCE with only a far guard timer; a send 50 ms later wakes it. */
ZT_TEST(wake_async_wakes_blocked_loop)
{
    RT_LOOP(loop);
    static struct wk w;
    memset(&w, 0, sizeof(w));
    w.loop_thread = pthread_self();
    w.sends = 1;
    w.delay_ms = 50;
    zk_async_init(loop, &w.a, wk_cb);
    w.a.data = &w;
    rt_guard_t g;
    rt_guard_start(loop, &g, 1500);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0); /* settle: nothing to do yet */
    ZT_EQ_INT(w.calls, 0);
    pthread_t th;
    uint64_t t0 = rt_wall_ns();
    ZT_EQ_INT(pthread_create(&th, NULL, wk_sender, &w), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_ONCE), 0);
    uint64_t t1 = rt_wall_ns();
    pthread_join(th, NULL);
    ZT_CHECK(!g.fired);
    if (t1 - t0 >= 1000 * ZK_MSEC)
        ZT_FAIL("ZK_RUN_ONCE returned after %llu ms: the send did not wake it",
                (unsigned long long)((t1 - t0) / ZK_MSEC));
    ZT_CHECK(t1 - t0 >= 45 * ZK_MSEC); /* it really blocked until the send */
    for (int i = 0; i < 3 && w.calls == 0; i++)
        ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(w.calls, 1);
    ZT_EQ_INT(w.max_seen, 1);
    rt_guard_stop(loop, &g);
    zk_async_close(&w.a);
    zk_loop_free(loop);
}

/* Two handles: a send to one runs only its callback. */
ZT_TEST(wake_async_two_handles)
{
    RT_LOOP(loop);
    static struct wk w1, w2;
    memset(&w1, 0, sizeof(w1));
    memset(&w2, 0, sizeof(w2));
    w1.loop_thread = w2.loop_thread = pthread_self();
    zk_async_init(loop, &w1.a, wk_cb);
    w1.a.data = &w1;
    zk_async_init(loop, &w2.a, wk_cb);
    w2.a.data = &w2;
    w2.sends = 1;
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, wk_sender, &w2), 0);
    pthread_join(th, NULL);
    RT_RUN_UNTIL(loop, w2.calls > 0, 2000);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(w2.calls, 1);
    ZT_EQ_INT(w1.calls, 0);
    /* after close, a handle's callback no longer runs; the other still works */
    zk_async_close(&w2.a);
    zk_async_send(&w1.a);
    RT_RUN_UNTIL(loop, w1.calls > 0, 2000);
    ZT_EQ_INT(w1.calls, 1);
    ZT_EQ_INT(w2.calls, 1);
    zk_async_close(&w1.a);
    zk_loop_free(loop);
}

/* An async handle alone does not keep ZK_RUN_DEFAULT running. */
ZT_TEST(wake_async_not_alive)
{
    RT_LOOP(loop);
    static struct wk w;
    memset(&w, 0, sizeof(w));
    w.loop_thread = pthread_self();
    zk_async_init(loop, &w.a, wk_cb);
    w.a.data = &w;
    /* a rescue send after 1.5 s, so that a loop that wrongly waits does not hang the test */
    w.sends = 1;
    w.delay_ms = 1500;
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, wk_sender, &w), 0);
    uint64_t t0 = rt_wall_ns();
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0);
    uint64_t dt = rt_wall_ns() - t0;
    pthread_join(th, NULL);
    if (dt > 500 * ZK_MSEC)
        ZT_FAIL("ZK_RUN_DEFAULT with only an async handle ran %llu ms",
                (unsigned long long)(dt / ZK_MSEC));
    zk_async_close(&w.a);
    zk_loop_free(loop);
}

/* A callback may close its own handle and another one (and reuse their memory, as after a free):
 * the loop's walk over the handles neither follows a closed handle's link nor calls the other. */
static struct {
    zk_async_t a, b;
    int a_calls, b_calls;
} cl;

static void close_both_cb(zk_loop_t *loop, zk_async_t *a)
{
    (void)loop;
    (void)a;
    cl.a_calls++;
    zk_async_close(&cl.a);
    zk_async_close(&cl.b);
    memset(&cl.a, 0xa5, sizeof cl.a); /* the owner's memory again: poisoned as a free() would */
    memset(&cl.b, 0xa5, sizeof cl.b);
}

static void b_cb(zk_loop_t *loop, zk_async_t *a)
{
    (void)loop;
    (void)a;
    cl.b_calls++;
}

ZT_TEST(wake_async_close_in_callback)
{
    RT_LOOP(loop);
    memset(&cl, 0, sizeof cl);
    zk_async_init(loop, &cl.b, b_cb);
    zk_async_init(loop, &cl.a, close_both_cb); /* walked first */
    zk_async_send(&cl.b);
    zk_async_send(&cl.a);
    RT_WAIT(loop, cl.a_calls > 0, 2000);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(cl.a_calls, 1);
    ZT_EQ_INT(cl.b_calls, 0);
    zk_loop_free(loop);
}
