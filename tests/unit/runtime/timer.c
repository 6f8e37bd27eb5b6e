/* SPDX-License-Identifier: MIT */
/* zk_timer_* and the ZK_OP_TIMEOUT op. */
#include "tests/unit/runtime/rt.h"

#define NT 12

struct order {
    int fired[NT * 2];
    int n;
    uint64_t late; /* a callback ran before its deadline (loop clock) */
};

struct tnode {
    zk_timer_t t;
    int id;
    uint64_t deadline;
    struct order *o;
    int calls;
};

static void order_cb(zk_loop_t *loop, zk_timer_t *t)
{
    struct tnode *n = t->data;
    n->calls++;
    if (zk_loop_now(loop) < n->deadline) n->o->late++;
    if (n->o->n < NT * 2) n->o->fired[n->o->n++] = n->id;
}

ZT_TEST(timer_fire_in_deadline_order)
{
    RT_LOOP(loop);
    /* offsets in ms, in start order; equal ones must fire in start order */
    static const unsigned off[NT] = {9, 3, 6, 3, 1, 9, 0, 6, 12, 3, 1, 9};
    static struct tnode nodes[NT];
    struct order o;
    memset(&o, 0, sizeof(o));
    uint64_t base = zk_loop_update_now(loop) + 5 * ZK_MSEC;
    for (int i = 0; i < NT; i++) {
        nodes[i].id = i;
        nodes[i].o = &o;
        nodes[i].calls = 0;
        nodes[i].deadline = base + off[i] * ZK_MSEC;
        zk_timer_init(&nodes[i].t, order_cb, &nodes[i]);
        ZT_EQ_INT(zk_timer_start(loop, &nodes[i].t, nodes[i].deadline), 0);
        ZT_CHECK(zk_timer_armed(&nodes[i].t));
    }
    ZT_EQ_INT(zk_loop_alive(loop), NT);
    /* stall the loop thread so that many deadlines expire within one tick too */
    rt_spin_us(7000);
    RT_RUN_UNTIL(loop, o.n >= NT, 2000);
    ZT_EQ_INT(o.n, NT);
    ZT_EQ_INT(o.late, 0);
    /* expected: stable sort of ids by offset */
    int want[NT], k = 0;
    for (unsigned ms = 0; ms <= 12; ms++)
        for (int i = 0; i < NT; i++)
            if (off[i] == ms) want[k++] = i;
    for (int i = 0; i < NT; i++)
        if (o.fired[i] != want[i])
            ZT_FAIL("position %d: timer %d fired, want %d (deadline order, ties in start order)", i,
                    o.fired[i], want[i]);
    for (int i = 0; i < NT; i++) {
        ZT_EQ_INT(nodes[i].calls, 1);
        ZT_CHECK(!zk_timer_armed(&nodes[i].t));
    }
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* All deadlines already in the past: they fire in the first tick, still in order. */
ZT_TEST(timer_past_deadlines_in_order)
{
    RT_LOOP(loop);
    static struct tnode nodes[6];
    static const unsigned back[6] = {5, 1, 5, 3, 0, 1}; /* ms before now */
    struct order o;
    memset(&o, 0, sizeof(o));
    uint64_t now = zk_loop_update_now(loop);
    for (int i = 0; i < 6; i++) {
        nodes[i].id = i;
        nodes[i].o = &o;
        nodes[i].deadline = now - back[i] * ZK_MSEC;
        zk_timer_init(&nodes[i].t, order_cb, &nodes[i]);
        ZT_EQ_INT(zk_timer_start(loop, &nodes[i].t, nodes[i].deadline), 0);
    }
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(o.n, 6);
    static const int want[6] = {0, 2, 3, 1, 5, 4};
    for (int i = 0; i < 6; i++)
        ZT_EQ_INT(o.fired[i], want[i]);
    zk_loop_free(loop);
}

ZT_TEST(timer_stop_prevents_callback)
{
    RT_LOOP(loop);
    struct order o;
    memset(&o, 0, sizeof(o));
    static struct tnode a, b, c;
    uint64_t now = zk_loop_update_now(loop);
    struct tnode *all[3] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        all[i]->id = i;
        all[i]->o = &o;
        all[i]->calls = 0;
        all[i]->deadline = now + (uint64_t)(5 + 10 * i) * ZK_MSEC;
        zk_timer_init(&all[i]->t, order_cb, all[i]);
        ZT_EQ_INT(zk_timer_start(loop, &all[i]->t, all[i]->deadline), 0);
    }
    zk_timer_stop(loop, &a.t); /* the heap root */
    zk_timer_stop(loop, &b.t);
    ZT_CHECK(!zk_timer_armed(&a.t));
    ZT_CHECK(!zk_timer_armed(&b.t));
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    zk_timer_stop(loop, &b.t); /* stopping twice is a no-op */
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    RT_RUN_UNTIL(loop, c.calls > 0, 2000);
    ZT_EQ_INT(a.calls, 0);
    ZT_EQ_INT(b.calls, 0);
    ZT_EQ_INT(c.calls, 1);
    ZT_EQ_INT(o.n, 1);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* A timer stopped by an earlier callback in the same tick does not run. */
static struct tnode *victim;

static void stopper_cb(zk_loop_t *loop, zk_timer_t *t)
{
    order_cb(loop, t);
    zk_timer_stop(loop, &victim->t);
}

ZT_TEST(timer_stop_from_callback)
{
    RT_LOOP(loop);
    struct order o;
    memset(&o, 0, sizeof(o));
    static struct tnode a, b;
    uint64_t now = zk_loop_update_now(loop);
    a.id = 0, a.o = &o, a.calls = 0, a.deadline = now + 1 * ZK_MSEC;
    b.id = 1, b.o = &o, b.calls = 0, b.deadline = now + 2 * ZK_MSEC;
    zk_timer_init(&a.t, stopper_cb, &a);
    zk_timer_init(&b.t, order_cb, &b);
    victim = &b;
    ZT_EQ_INT(zk_timer_start(loop, &a.t, a.deadline), 0);
    ZT_EQ_INT(zk_timer_start(loop, &b.t, b.deadline), 0);
    rt_spin_us(4000); /* both expired before the tick */
    RT_RUN_UNTIL(loop, a.calls > 0, 2000);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(b.calls, 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

ZT_TEST(timer_rearm_moves_it)
{
    RT_LOOP(loop);
    struct order o;
    memset(&o, 0, sizeof(o));
    static struct tnode e, l;
    uint64_t now = zk_loop_update_now(loop);
    /* e: from +1 s to +10 ms (earlier) */
    e.id = 0, e.o = &o, e.calls = 0;
    zk_timer_init(&e.t, order_cb, &e);
    ZT_EQ_INT(zk_timer_start(loop, &e.t, now + 1000 * ZK_MSEC), 0);
    e.deadline = now + 10 * ZK_MSEC;
    ZT_EQ_INT(zk_timer_start(loop, &e.t, e.deadline), 0);
    /* l: from +5 ms to +60 ms (later) */
    l.id = 1, l.o = &o, l.calls = 0;
    zk_timer_init(&l.t, order_cb, &l);
    ZT_EQ_INT(zk_timer_start(loop, &l.t, now + 5 * ZK_MSEC), 0);
    l.deadline = now + 60 * ZK_MSEC;
    ZT_EQ_INT(zk_timer_start(loop, &l.t, l.deadline), 0);
    ZT_EQ_INT(zk_loop_alive(loop), 2); /* re-arming does not count twice */
    uint64_t t0 = rt_wall_ns();
    RT_RUN_UNTIL(loop, o.n >= 2, 2000);
    uint64_t dt = rt_wall_ns() - t0;
    ZT_EQ_INT(o.late, 0); /* l did not fire at its old +5 ms */
    ZT_EQ_INT(o.fired[0], 0);
    ZT_EQ_INT(o.fired[1], 1);
    ZT_CHECK(dt < 500 * ZK_MSEC); /* e did not wait for its old +1 s */
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(e.calls, 1);
    ZT_EQ_INT(l.calls, 1);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* A callback may re-arm its own timer (a periodic timer). */
static void periodic_cb(zk_loop_t *loop, zk_timer_t *t)
{
    struct tnode *n = t->data;
    n->calls++;
    if (n->calls < 5) zk_timer_start(loop, t, zk_loop_now(loop) + 2 * ZK_MSEC);
}

ZT_TEST(timer_rearm_from_callback)
{
    RT_LOOP(loop);
    struct tnode p;
    memset(&p, 0, sizeof(p));
    zk_timer_init(&p.t, periodic_cb, &p);
    uint64_t now = zk_loop_update_now(loop);
    ZT_EQ_INT(zk_timer_start(loop, &p.t, now + 2 * ZK_MSEC), 0);
    RT_RUN_UNTIL(loop, p.calls >= 5, 2000);
    ZT_CHECK(zk_loop_now(loop) >= now + 10 * ZK_MSEC);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(p.calls, 5);
    ZT_CHECK(!zk_timer_armed(&p.t));
    zk_loop_free(loop);
}

/* Many timers: the heap stays ordered through growth and removals from the middle. */
ZT_TEST(timer_many)
{
    RT_LOOP(loop);
    enum { N = 2000 };
    static struct tnode nodes[N];
    static struct order o; /* only counts; fired[] is too small and capped */
    memset(&o, 0, sizeof(o));
    uint64_t now = zk_loop_update_now(loop);
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        nodes[i].id = i;
        nodes[i].o = &o;
        nodes[i].calls = 0;
        nodes[i].deadline = now + (uint64_t)((x >> 8) % 40000) * 1000u; /* 0..40 ms */
        zk_timer_init(&nodes[i].t, order_cb, &nodes[i]);
        ZT_EQ_INT(zk_timer_start(loop, &nodes[i].t, nodes[i].deadline), 0);
    }
    for (int i = 0; i < N; i += 3)
        zk_timer_stop(loop, &nodes[i].t);
    int live = N - (N + 2) / 3;
    ZT_EQ_INT(zk_loop_alive(loop), live);
    RT_RUN_UNTIL(loop, zk_loop_alive(loop) == 0, 2000);
    ZT_EQ_INT(o.late, 0);
    for (int i = 0; i < N; i++)
        ZT_EQ_INT(nodes[i].calls, i % 3 == 0 ? 0 : 1);
    zk_loop_free(loop);
}

/* 200,000 pending timers, each re-armed (reset) once and every other one stopped (cancel): the
 * 600,000 heap operations take well under a second when each is O(log n) (an O(n) removal would
 * be ~10^10 steps), and the survivors fire once, never early, in deadline order. */
static uint64_t last_fired;
static int out_of_order, scale_fired;
static void scale_cb(zk_loop_t *loop, zk_timer_t *t)
{
    struct tnode *n = t->data;
    n->calls++;
    scale_fired++;
    if (zk_loop_now(loop) < n->deadline) n->o->late++;
    if (n->deadline < last_fired) out_of_order++;
    last_fired = n->deadline;
}

ZT_TEST(timer_reset_cancel_scale)
{
    RT_LOOP(loop);
    enum { N = 200000 };
    static struct tnode nodes[N];
    static struct order o;
    memset(&o, 0, sizeof(o));
    uint64_t now = zk_loop_update_now(loop);
    uint32_t x = 777;
    uint64_t t0 = rt_wall_ns();
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        nodes[i].o = &o;
        nodes[i].calls = 0;
        zk_timer_init(&nodes[i].t, scale_cb, &nodes[i]);
        ZT_EQ_INT(zk_timer_start(loop, &nodes[i].t, now + 1000000000u + (x >> 4)), 0);
    }
    for (int i = 0; i < N; i++) { /* reset: 20..70 ms from now */
        x = x * 1103515245u + 12345u;
        nodes[i].deadline = now + 20 * ZK_MSEC + (uint64_t)((x >> 8) % 50000) * 1000u;
        ZT_EQ_INT(zk_timer_start(loop, &nodes[i].t, nodes[i].deadline), 0);
    }
    for (int i = 0; i < N; i += 2)
        zk_timer_stop(loop, &nodes[i].t);
    uint64_t took = rt_wall_ns() - t0;
    ZT_CHECK(took < ZK_SEC);
    ZT_EQ_INT(zk_loop_alive(loop), N / 2);
    last_fired = 0;
    out_of_order = scale_fired = 0;
    /* (not zk_loop_alive(): the guard timer of RT_RUN_UNTIL keeps the loop alive) */
    RT_RUN_UNTIL(loop, scale_fired == N / 2, 5000);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(o.late, 0);
    ZT_EQ_INT(out_of_order, 0);
    for (int i = 0; i < N; i++)
        ZT_EQ_INT(nodes[i].calls, i % 2);
    zk_loop_free(loop);
}

/* ---- the TIMEOUT op ---- */

ZT_TEST(timer_op_timeout_relative)
{
    RT_LOOP(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    uint64_t now = zk_loop_update_now(loop);
    uint64_t w0 = rt_wall_ns();
    zk_prep_timeout(&op, 30 * ZK_MSEC, rt_rec_cb, &r);
    ZT_EQ_INT(op.type, ZK_OP_TIMEOUT);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    uint64_t dw = rt_wall_ns() - w0;
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ETIME);
    ZT_EQ_INT(r.busy_in_cb, 0);
    if (r.now < now + 30 * ZK_MSEC)
        ZT_FAIL("fired %lld ns early on the loop clock", (long long)(now + 30 * ZK_MSEC - r.now));
    ZT_CHECK(dw >= 29 * ZK_MSEC);
    ZT_CHECK(dw < 500 * ZK_MSEC);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

ZT_TEST(timer_op_timeout_absolute)
{
    RT_LOOP(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    uint64_t now = zk_loop_update_now(loop);
    uint64_t w0 = rt_wall_ns();
    zk_prep_timeout_abs(&op, now + 25 * ZK_MSEC, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    uint64_t dw = rt_wall_ns() - w0;
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ETIME);
    if (r.now < now + 25 * ZK_MSEC)
        ZT_FAIL("fired %lld ns early on the loop clock", (long long)(now + 25 * ZK_MSEC - r.now));
    ZT_CHECK(dw >= 24 * ZK_MSEC);
    ZT_CHECK(dw < 500 * ZK_MSEC);
    zk_loop_free(loop);
}

ZT_TEST(timer_op_timeouts_in_order)
{
    RT_LOOP(loop);
    zk_op_t ops[4];
    rt_rec_t r[4];
    memset(r, 0, sizeof(r));
    static const unsigned ms[4] = {20, 5, 15, 10};
    uint64_t now = zk_loop_update_now(loop);
    for (int i = 0; i < 4; i++) {
        zk_prep_timeout_abs(&ops[i], now + ms[i] * ZK_MSEC, rt_rec_cb, &r[i]);
        ZT_EQ_INT(zk_submit(loop, &ops[i]), 0);
    }
    RT_RUN_UNTIL(loop, r[0].calls > 0, 2000);
    for (int i = 0; i < 4; i++) {
        ZT_EQ_INT(r[i].calls, 1);
        ZT_EQ_INT(r[i].res, -ETIME);
        ZT_CHECK(r[i].now >= now + ms[i] * ZK_MSEC);
    }
    ZT_CHECK(r[1].seq < r[3].seq);
    ZT_CHECK(r[3].seq < r[2].seq);
    ZT_CHECK(r[2].seq < r[0].seq);
    zk_loop_free(loop);
}

/* A TIMEOUT op is one user operation for zk_loop_alive(), armed or not yet run. */
ZT_TEST(timer_op_timeout_alive_count)
{
    RT_LOOP(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_timeout(&op, 5 * ZK_MSEC, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* A callback re-arming its timer at the current time fires again on the next tick, not in a
 * loop inside the same tick. */
static void now_again_cb(zk_loop_t *loop, zk_timer_t *t)
{
    struct tnode *n = t->data;
    n->calls++;
    zk_timer_start(loop, t, zk_loop_now(loop));
}

ZT_TEST(timer_rearm_now_next_tick)
{
    RT_LOOP(loop);
    struct tnode p;
    memset(&p, 0, sizeof(p));
    zk_timer_init(&p.t, now_again_cb, &p);
    ZT_EQ_INT(zk_timer_start(loop, &p.t, zk_loop_update_now(loop)), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(p.calls, 1);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(p.calls, 2);
    zk_timer_stop(loop, &p.t);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}
