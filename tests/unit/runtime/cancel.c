/* SPDX-License-Identifier: MIT */
/* zk_cancel() and zk_submit() of ops in the wrong state. */
#include <poll.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "tests/unit/runtime/rt.h"

/* Cancels a recv on an idle socket, either before the loop ever ran (still queued) or after a
 * tick (armed in the backend); exactly one completion, -ECANCELED. */
static void cancel_recv(int tick_first)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char buf[16];
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    if (tick_first) {
        ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
        ZT_EQ_INT(r.calls, 0);
    }
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    ZT_EQ_INT(r.calls, 0); /* never from inside zk_cancel */
    ZT_CHECK(zk_op_busy(&op));
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ECANCELED);
    ZT_EQ_INT(r.flags & ZK_OP_F_MORE, 0);
    ZT_EQ_INT(r.busy_in_cb, 0);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* data arriving afterwards is not delivered into the cancelled op */
    memset(buf, 0, sizeof(buf));
    ZT_EQ_INT(write(b, "late", 4), 4);
    ZT_EQ_INT(rt_run_for(loop, 30), 0);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(buf[0], 0);
    /* the bytes are still in the socket for the next recv */
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls == 2, 2000);
    ZT_EQ_INT(r.res, 4);
    ZT_CHECK(memcmp(buf, "late", 4) == 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(cancel_recv_armed) { cancel_recv(1); }

ZT_TEST(cancel_recv_before_tick) { cancel_recv(0); }

ZT_TEST(cancel_idle_op_enoent)
{
    RT_LOOP(loop);
    zk_op_t op;
    memset(&op, 0, sizeof(op));
    ZT_EQ_INT(zk_cancel(loop, &op), -ENOENT);
    /* a completed op is idle again */
    rt_rec_t r = {0};
    zk_prep_timeout(&op, 1 * ZK_MSEC, rt_rec_cb, &r);
    ZT_EQ_INT(zk_cancel(loop, &op), -ENOENT); /* prepared, not submitted */
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.res, -ETIME);
    ZT_EQ_INT(zk_cancel(loop, &op), -ENOENT);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(r.calls, 1);
    zk_loop_free(loop);
}

static void cancel_timeout(int tick_first)
{
    RT_LOOP(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_timeout(&op, 200 * ZK_MSEC, rt_rec_cb, &r);
    uint64_t t0 = zk_loop_now(loop);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    if (tick_first) {
        ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
        ZT_EQ_INT(r.calls, 0);
    }
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    ZT_EQ_INT(r.calls, 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ECANCELED);
    /* well before the 200 ms deadline */
    ZT_CHECK(r.now < t0 + 200 * ZK_MSEC);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* and it never fires afterwards */
    ZT_EQ_INT(rt_run_for(loop, 250), 0);
    ZT_EQ_INT(r.calls, 1);
    zk_loop_free(loop);
}

ZT_TEST(cancel_timeout_armed) { cancel_timeout(1); }

ZT_TEST(cancel_timeout_before_tick) { cancel_timeout(0); }

ZT_TEST(cancel_submit_busy_ebusy)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char buf[16];
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_submit(loop, &op), -EBUSY);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(zk_submit(loop, &op), -EBUSY);
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    /* the op was not corrupted by the refused submits: it still receives, once */
    ZT_EQ_INT(write(b, "abc", 3), 3);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 3);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 1);
    /* a cancelling op is busy too */
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    ZT_EQ_INT(zk_submit(loop, &op), -EBUSY);
    RT_RUN_UNTIL(loop, r.calls == 2, 2000);
    ZT_EQ_INT(r.res, -ECANCELED);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(cancel_submit_invalid)
{
    RT_LOOP(loop);
    zk_op_t op;
    memset(&op, 0, sizeof(op));
    op.cb = rt_rec_cb;
    op.type = ZK_OP_NONE;
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    op.type = ZK_OP__COUNT;
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* Re-submitting from the callback of the final completion is allowed. */
struct resubmit {
    int calls;
    int last;
};

static void resubmit_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    struct resubmit *s = op->data;
    s->calls++;
    s->last = res;
    if (s->calls < 3) {
        zk_prep_timeout(op, 1 * ZK_MSEC, resubmit_cb, s);
        if (zk_submit(loop, op) != 0) s->last = 12345;
    }
}

ZT_TEST(cancel_resubmit_from_callback)
{
    RT_LOOP(loop);
    zk_op_t op;
    struct resubmit s = {0, 0};
    zk_prep_timeout(&op, 1 * ZK_MSEC, resubmit_cb, &s);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, s.calls >= 3, 2000);
    ZT_EQ_INT(s.last, -ETIME);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(s.calls, 3);
    ZT_CHECK(!zk_op_busy(&op));
    zk_loop_free(loop);
}

/* Cancel while the result is already there: exactly one completion, either -ECANCELED (the bytes
 * stay in the socket) or the real result (the bytes are in the buffer). */
ZT_TEST(cancel_race_exactly_once)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    ZT_EQ_INT(write(b, "race", 4), 4);
    char buf[16] = {0};
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    int cr = zk_cancel(loop, &op);
    ZT_CHECK(cr == 0 || cr == -ENOENT); /* -ENOENT: it already completed in that tick */
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 1);
    if (r.res == 4) {
        ZT_CHECK(memcmp(buf, "race", 4) == 0);
    } else {
        ZT_EQ_INT(r.res, -ECANCELED);
        ZT_EQ_INT(rt_read_full(a, buf, 4, 1000), 4);
        ZT_CHECK(memcmp(buf, "race", 4) == 0);
    }
    ZT_CHECK(!zk_op_busy(&op));
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* A multishot recv cancelled while armed: one final -ECANCELED, buffers all back. */
ZT_TEST(cancel_multishot_recv)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    unsigned start = zk_buf_free_count(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv_pool(&op, a, 1, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(r.calls, 0);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ECANCELED);
    ZT_EQ_INT(r.flags & (ZK_OP_F_MORE | ZK_OP_F_BUF), 0);
    ZT_EQ_INT(zk_buf_free_count(loop), start);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* Cancels asked for while the SQ is full and cannot be flushed (the kernel refusing a submission,
 * simulated by zk__test_refuse_flush() on io_uring) wait for a later tick instead of being
 * dropped: every cancelled op completes, once, with -ECANCELED. More cancels than the backend
 * keeps room for up front, and a tick that still cannot submit them must not block. On epoll the
 * same cancels run without the hook. */
#define SQF_OPS  100
#define SQF_FILL 4

static int recs_done(const rt_rec_t *r, int n)
{
    int done = 0;
    for (int i = 0; i < n; i++)
        done += r[i].calls > 0;
    return done;
}

ZT_TEST(cancel_sq_full_waits_for_next_tick)
{
    zk_loop_opts_t o = {.entries = SQF_FILL};
    RT_LOOP_OPTS(loop, &o);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    static zk_op_t ops[SQF_OPS], fill[SQF_FILL];
    static rt_rec_t rec[SQF_OPS], frec[SQF_FILL];
    for (int i = 0; i < SQF_OPS; i++) {
        zk_prep_poll(&ops[i], a, POLLIN, rt_rec_cb, &rec[i]);
        ZT_EQ_INT(zk_submit(loop, &ops[i]), 0);
    }
    ZT_EQ_INT(rt_run_for(loop, 20), 0); /* all armed in the kernel */
    /* a full SQ: ops prepared and not yet submitted */
    for (int i = 0; i < SQF_FILL; i++) {
        zk_prep_poll(&fill[i], a, POLLIN, rt_rec_cb, &frec[i]);
        ZT_EQ_INT(zk_submit(loop, &fill[i]), 0);
    }
    int hooked = zk__test_refuse_flush(loop, 1) == 0;
    for (int i = 0; i < SQF_OPS; i++)
        ZT_EQ_INT(zk_cancel(loop, &ops[i]), 0);
    /* one tick while the kernel still refuses: it returns at once (the cancels cannot go out) */
    rt_guard_t g;
    rt_guard_start(loop, &g, 3000);
    uint64_t t0 = rt_wall_ns();
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_ONCE), 0);
    uint64_t took = rt_wall_ns() - t0;
    rt_guard_stop(loop, &g);
    if (took > 1000 * ZK_MSEC)
        ZT_FAIL("a tick with cancels waiting blocked for %llu ms",
                (unsigned long long)(took / ZK_MSEC));
    if (hooked) ZT_EQ_INT(zk__test_refuse_flush(loop, 0), 0);
    RT_WAIT(loop, recs_done(rec, SQF_OPS) == SQF_OPS, 2000);
    int done = recs_done(rec, SQF_OPS);
    if (done != SQF_OPS) ZT_FAIL("%d of %d cancelled ops never completed", SQF_OPS - done, SQF_OPS);
    for (int i = 0; i < SQF_OPS; i++) {
        ZT_EQ_INT(rec[i].calls, 1);
        ZT_EQ_INT(rec[i].res, -ECANCELED);
    }
    for (int i = 0; i < SQF_FILL; i++) {
        ZT_EQ_INT(frec[i].calls, 0); /* the ops that filled the SQ were not cancelled */
        ZT_EQ_INT(zk_cancel(loop, &fill[i]), 0);
    }
    RT_RUN_UNTIL(loop, zk_loop_alive(loop) == 0, 2000);
    for (int i = 0; i < SQF_FILL; i++)
        ZT_EQ_INT(frec[i].res, -ECANCELED);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* A cancel that waits for an SQE is for the op's current run only. Two polls wake in the same
 * tick; the first callback fills the SQ and cancels the other, whose real result is already in
 * that tick's batch: it completes with it and is submitted again (on an idle fd). The waiting
 * cancel must not then hit that next run. */
struct sqf_two {
    zk_op_t op[2], fill[SQF_FILL];
    rt_rec_t frec[SQF_FILL];
    int calls[2], res[2], first, idle_fd, hooked;
};

static void sqf_two_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    struct sqf_two *t = op->data;
    int i = op == &t->op[1], other = !i;
    t->res[i] = res;
    if (++t->calls[i] > 1) return;
    if (t->first < 0) {
        t->first = i;
        for (int k = 0; k < SQF_FILL; k++) {
            zk_prep_poll(&t->fill[k], t->idle_fd, POLLIN, rt_rec_cb, &t->frec[k]);
            zk_submit(loop, &t->fill[k]);
        }
        t->hooked = zk__test_refuse_flush(loop, 1) == 0;
        if (!t->calls[other]) zk_cancel(loop, &t->op[other]);
        zk__test_refuse_flush(loop, 0);
        return;
    }
    zk_prep_poll(op, t->idle_fd, POLLIN, sqf_two_cb, t); /* its next run */
    zk_submit(loop, op);
}

ZT_TEST(cancel_sq_full_not_for_next_run)
{
    zk_loop_opts_t o = {.entries = SQF_FILL};
    RT_LOOP_OPTS(loop, &o);
    int a, b, c, d;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    ZT_EQ_INT(rt_pair(&c, &d), 0);
    static struct sqf_two t;
    t.first = -1;
    t.idle_fd = c;
    for (int i = 0; i < 2; i++) {
        zk_prep_poll(&t.op[i], a, POLLIN, sqf_two_cb, &t);
        ZT_EQ_INT(zk_submit(loop, &t.op[i]), 0);
    }
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(write(b, "x", 1), 1);
    RT_RUN_UNTIL(loop, t.calls[0] && t.calls[1], 2000);
    int other = !t.first;
    ZT_EQ_INT(t.res[t.first] & POLLIN, POLLIN);
    if (t.hooked) ZT_EQ_INT(t.res[other] & POLLIN, POLLIN); /* its result was in the same batch */
    ZT_CHECK(t.res[other] > 0 || t.res[other] == -ECANCELED);
    ZT_EQ_INT(rt_run_for(loop, 50), 0);
    if (t.calls[other] != 1)
        ZT_FAIL("the next run of the cancelled op completed too, with %d (%s)", t.res[other],
                t.res[other] < 0 ? strerror(-t.res[other]) : "revents");
    ZT_CHECK(zk_op_busy(&t.op[other]));
    ZT_EQ_INT(zk_cancel(loop, &t.op[other]), 0);
    for (int k = 0; k < SQF_FILL; k++)
        ZT_EQ_INT(zk_cancel(loop, &t.fill[k]), 0);
    RT_RUN_UNTIL(loop, zk_loop_alive(loop) == 0, 2000);
    ZT_EQ_INT(t.res[other], -ECANCELED);
    zk_close(loop, a);
    zk_close(loop, c);
    close(b);
    close(d);
    zk_loop_free(loop);
}
