/* SPDX-License-Identifier: MIT */
/* zokio: streams over multishot accept and recv.
 *
 * A multishot op keeps completing while its task is busy elsewhere, so results queue up in a small
 * ring. Back-pressure cancels the op when the ring passes a high-water mark and re-arms it once the
 * task has drained it below a low one. The kernel may still post completions that were already in
 * flight when the cancel went out, so the high-water mark leaves slack below the ring's size.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "runtime/future.h"
#include "runtime/internal.h"

/* ---- accept ---- */

/* io_uring posts a whole backlog of accepts in one go: every slot above ACC_HIGH is slack */
#define ACC_HIGH (ZK_ACCEPT_QUEUE < 256 ? ZK_ACCEPT_QUEUE * 3 / 4 : 64)
#define ACC_LOW  (ACC_HIGH / 4)

static unsigned acc_count(const zk_accept_stream_t *s) { return s->tail - s->head; }

static void acc_cb(zk_loop_t *loop, zk_op_t *op, int res);

static int acc_arm(zk_loop_t *loop, zk_accept_stream_t *s)
{
    int rc;

    s->paused = 0;
    zk_prep_accept(&s->op, s->fd, 1, acc_cb, s);
    rc = zk_submit(loop, &s->op);
    if (rc < 0) s->err = rc;
    return rc;
}

static void acc_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    zk_accept_stream_t *s = op->data;
    int more = (op->flags & ZK_OP_F_MORE) != 0;

    if (res >= 0) {
        if (acc_count(s) == ZK_ACCEPT_QUEUE) {
            zk_close(loop, res); /* a burst beyond the slack: drop it */
        } else {
            s->q[s->tail++ % ZK_ACCEPT_QUEUE] = res;
            if (s->task) zk_task_wake(s->task);
        }
        if (s->fd_ceiling && res >= s->fd_ceiling && !s->closing && !s->err) {
            s->err = -EMFILE; /* out of headroom: leave the others in the backlog */
            if (more) zk_cancel(loop, op);
        }
        if (more && !s->closing && !s->paused && acc_count(s) >= ACC_HIGH) {
            s->paused = 1;
            zk_cancel(loop, op);
        }
    } else if (!more && !s->closing && !s->paused && !s->err && !zk__accept_transient(res)) {
        s->err = res; /* the listener failed (or someone else cancelled the op) */
    }
    if (more) return;
    /* final completion: the op is ours again */
    if (!s->closing && !s->err && (!s->paused || acc_count(s) <= ACC_LOW)) {
        if (acc_arm(loop, s) == 0) return;
    }
    if (s->task && (s->closing || s->err)) zk_task_wake(s->task);
}

void zk_accept_stream_init(zk_accept_stream_t *s, int listen_fd)
{
    s->task = NULL;
    s->fd = listen_fd;
    s->err = 0;
    s->head = s->tail = 0;
    s->paused = 0;
    s->closing = 0;
    s->fd_ceiling = 0;
    memset(&s->op, 0, sizeof(s->op));
}

void zk_accept_stream_set_ceiling(zk_accept_stream_t *s, int ceiling) { s->fd_ceiling = ceiling; }

zk_poll_t zk_accept_next(zk_accept_stream_t *s, zk_task_t *t, int *fd)
{
    s->task = t;
    if (acc_count(s) > 0) {
        *fd = s->q[s->head++ % ZK_ACCEPT_QUEUE];
        if (s->paused && !s->closing && !s->err && !zk_op_busy(&s->op) && acc_count(s) <= ACC_LOW)
            acc_arm(t->loop, s);
        return ZK_READY;
    }
    if (s->closing || s->err) {
        if (zk_op_busy(&s->op)) return ZK_PENDING;
        *fd = s->closing ? -ECANCELED : s->err;
        return ZK_READY;
    }
    if (!zk_op_busy(&s->op) && acc_arm(t->loop, s) < 0) {
        *fd = s->err;
        return ZK_READY;
    }
    return ZK_PENDING;
}

void zk_accept_stream_stop(zk_loop_t *loop, zk_accept_stream_t *s)
{
    if (s->closing) return;
    s->closing = 1;
    /* connections the kernel already accepted stay queued: a graceful stop serves them */
    if (zk_op_busy(&s->op))
        zk_cancel(loop, &s->op);
    else if (s->task)
        zk_task_wake(s->task);
}
/* ---- recv ---- */

#define NO_BUF   0xffffu
#define RECV_LOW (ZK_RECV_HIGH / 4)

static void recv_cb(zk_loop_t *loop, zk_op_t *op, int res);

static void recv_wake(zk_recv_stream_t *s)
{
    if (s->task) zk_task_wake(s->task);
}

/* ends the stream with res (0 = EOF); the op is cancelled if it is still armed */
static void recv_end(zk_loop_t *loop, zk_recv_stream_t *s, int res)
{
    if (!s->ended) {
        s->ended = 1;
        s->end_res = res;
    }
    if (zk_op_busy(&s->op)) zk_cancel(loop, &s->op);
    recv_wake(s);
}

/* arms the multishot recv when the caller wants data, little is waiting, and the op is idle */
static void recv_arm(zk_loop_t *loop, zk_recv_stream_t *s)
{
    if (s->ended || !s->want || zk_op_busy(&s->op) || s->count > RECV_LOW) return;
    s->paused = 0;
    zk_prep_recv_pool(&s->op, s->fd, 1, recv_cb, s);
    int rc = zk_submit(loop, &s->op);
    if (rc < 0) recv_end(loop, s, rc);
}

static void recv_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    zk_recv_stream_t *s = op->data;
    int more = (op->flags & ZK_OP_F_MORE) != 0;

    if (op->flags & ZK_OP_F_BUF) {
        if (s->ended) {
            zk_buf_put(loop, op->bid); /* stopped: only buffers to give back */
        } else {
            loop->buf_link[op->bid] = NO_BUF;
            loop->buf_len[op->bid] = (uint32_t)res;
            if (s->count++)
                loop->buf_link[s->tail] = op->bid;
            else
                s->head = op->bid;
            s->tail = op->bid;
            recv_wake(s);
            if (more && !s->paused && s->count >= ZK_RECV_HIGH) {
                s->paused = 1;
                zk_cancel(loop, op);
            }
        }
    } else if (res == -ECANCELED && !more && s->paused) {
        /* our own back-pressure pause settled */
    } else if (res <= 0) {
        recv_end(loop, s, res); /* EOF, error, or a cancel that was not ours */
    }
    if (!more) {
        if (s->ended)
            recv_wake(s);
        else
            recv_arm(loop, s);
    }
}

void zk_recv_stream_init(zk_recv_stream_t *s, int fd)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->want = 1;
}

zk_poll_t zk_recv_next(zk_recv_stream_t *s, zk_task_t *t, zk_recv_chunk_t *out)
{
    s->task = t;
    if (s->count) {
        out->bid = s->head;
        out->res = (int)t->loop->buf_len[s->head];
        s->head = t->loop->buf_link[s->head];
        s->count--;
        recv_arm(t->loop, s);
        return ZK_READY;
    }
    if (!s->ended) recv_arm(t->loop, s);
    if (!s->ended || zk_op_busy(&s->op)) return ZK_PENDING;
    /* the end stays: later calls see it again; READY once nothing is in flight */
    out->res = s->end_res;
    out->bid = 0;
    return ZK_READY;
}

void zk_recv_stream_pause(zk_loop_t *loop, zk_recv_stream_t *s)
{
    s->want = 0;
    if (s->ended || s->paused) return;
    s->paused = 1;
    if (zk_op_busy(&s->op)) zk_cancel(loop, &s->op);
}

void zk_recv_stream_resume(zk_loop_t *loop, zk_recv_stream_t *s)
{
    s->want = 1;
    recv_arm(loop, s); /* a pause still in flight re-arms from its final completion */
    recv_wake(s);
}

void zk_recv_stream_stop(zk_loop_t *loop, zk_recv_stream_t *s)
{
    s->want = 0;
    while (s->count) {
        uint16_t bid = s->head;
        s->head = loop->buf_link[bid];
        s->count--;
        zk_buf_put(loop, bid);
    }
    recv_end(loop, s, -ECANCELED);
}
