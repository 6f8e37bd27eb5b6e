/* SPDX-License-Identifier: MIT */
/* zk_cancel() and zk_submit() of ops in the wrong state. */
#include <unistd.h>

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
