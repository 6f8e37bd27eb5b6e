/* SPDX-License-Identifier: MIT */
/* zokio: futures over single ops (one zk_op_t each) and the timeout / join / select combinators.
 * Nothing here allocates: every future is caller-owned memory that embeds what it needs. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/future.h"
#include "runtime/internal.h"

/* ---- a future per operation ---- */

/* zk_io_future_t.st: the low bits are the state, IO_CANCEL records a cancel request */
enum { IO_INIT = 0, IO_BUSY = 1, IO_DONE = 2 };
#define IO_STATE  0x0fu
#define IO_CANCEL 0x80u

static void io_finish(zk_io_future_t *f, int res)
{
    f->base.result = res;
    f->st = IO_DONE;
    if (f->task) zk_task_wake(f->task);
}

/* `all`: moves past `n` sent bytes; returns the bytes still to send */
static size_t io_advance(zk_op_t *op, size_t n)
{
    if (op->type == ZK_OP_SEND) {
        op->u.io.buf = (char *)op->u.io.buf + n;
        op->u.io.len -= n;
        return op->u.io.len;
    }
    struct iovec *iov = op->u.vec.iov;
    int cnt = op->u.vec.iovcnt;
    size_t left = 0;

    while (cnt > 0 && n >= iov->iov_len) {
        n -= iov->iov_len;
        iov++;
        cnt--;
    }
    if (cnt > 0) {
        iov->iov_base = (char *)iov->iov_base + n;
        iov->iov_len -= n;
    }
    op->u.vec.iov = iov;
    op->u.vec.iovcnt = cnt;
    for (int i = 0; i < cnt; i++)
        left += iov[i].iov_len;
    return left;
}

static void io_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    zk_io_future_t *f = op->data;
    int rc;

    if (op->type == ZK_OP_TIMEOUT && res == -ETIME) res = 0;
    if (!f->all) {
        io_finish(f, res);
        return;
    }
    if (res <= 0) { /* a zero-byte send would spin: the socket is not taking data */
        io_finish(f, res < 0 ? res : -EIO);
        return;
    }
    f->total += (size_t)res;
    if (io_advance(op, (size_t)res) == 0) {
        io_finish(f, (int)f->total);
        return;
    }
    /* a short count would look like success: a cancelled partial send is an error */
    if (f->st & IO_CANCEL) {
        io_finish(f, -ECANCELED);
        return;
    }
    rc = zk_submit(loop, op);
    if (rc < 0) io_finish(f, rc);
}

static zk_poll_t io_poll(zk_future_t *base, zk_task_t *t)
{
    zk_io_future_t *f = (zk_io_future_t *)base;

    switch (f->st & IO_STATE) {
    case IO_INIT: {
        if (f->st & IO_CANCEL) {
            f->base.result = -ECANCELED;
            f->st = IO_DONE;
            return ZK_READY;
        }
        f->task = t;
        f->st = IO_BUSY;
        int rc = zk_submit(t->loop, &f->op);
        if (rc < 0) {
            f->base.result = rc;
            f->st = IO_DONE;
            return ZK_READY;
        }
        return ZK_PENDING;
    }
    case IO_BUSY: f->task = t; return ZK_PENDING;
    default: return ZK_READY;
    }
}

static void io_cancel(zk_future_t *base)
{
    zk_io_future_t *f = (zk_io_future_t *)base;

    switch (f->st & IO_STATE) {
    case IO_INIT: f->st |= IO_CANCEL; break;
    case IO_BUSY:
        if (!(f->st & IO_CANCEL)) {
            f->st |= IO_CANCEL;
            zk_cancel(f->task->loop, &f->op);
        }
        break;
    default: break;
    }
}

static const zk_future_vt_t io_vt = {io_poll, io_cancel};

/* after zk_prep_*(): the common part of every zk_fut_*() */
static void io_init(zk_io_future_t *f, int all)
{
    f->base.vt = &io_vt;
    f->base.result = 0;
    f->task = NULL;
    f->st = IO_INIT;
    f->all = (uint8_t)(all != 0);
    f->total = 0;
}

void zk_fut_accept(zk_io_future_t *f, int listen_fd)
{
    zk_prep_accept(&f->op, listen_fd, 0, io_cb, f);
    io_init(f, 0);
}

void zk_fut_connect(zk_io_future_t *f, int fd, const struct sockaddr *addr, socklen_t len)
{
    zk_prep_connect(&f->op, fd, addr, len, io_cb, f);
    io_init(f, 0);
}

void zk_fut_recv(zk_io_future_t *f, int fd, void *buf, size_t len)
{
    zk_prep_recv(&f->op, fd, buf, len, io_cb, f);
    io_init(f, 0);
}

void zk_fut_recv_pool(zk_io_future_t *f, int fd)
{
    zk_prep_recv_pool(&f->op, fd, 0, io_cb, f);
    io_init(f, 0);
}

void zk_fut_send(zk_io_future_t *f, int fd, const void *buf, size_t len, int all)
{
    zk_prep_send(&f->op, fd, buf, len, io_cb, f);
    io_init(f, all && len > 0);
}

void zk_fut_writev(zk_io_future_t *f, int fd, struct iovec *iov, int iovcnt, int all)
{
    zk_prep_writev(&f->op, fd, iov, iovcnt, io_cb, f);
    io_init(f, all && iovcnt > 0);
}

void zk_fut_shutdown(zk_io_future_t *f, int fd, int how)
{
    zk_prep_shutdown(&f->op, fd, how, io_cb, f);
    io_init(f, 0);
}

void zk_fut_close(zk_io_future_t *f, int fd)
{
    zk_prep_close(&f->op, fd, io_cb, f);
    io_init(f, 0);
}

void zk_fut_sendfile(zk_io_future_t *f, int sock_fd, int file_fd, int64_t off, size_t len)
{
    zk_prep_sendfile(&f->op, sock_fd, file_fd, off, len, io_cb, f);
    io_init(f, 0);
}

void zk_fut_poll(zk_io_future_t *f, int fd, unsigned events)
{
    zk_prep_poll(&f->op, fd, events, io_cb, f);
    io_init(f, 0);
}

void zk_fut_sleep(zk_io_future_t *f, uint64_t ns)
{
    zk_prep_timeout(&f->op, ns, io_cb, f);
    io_init(f, 0);
}

/* ---- timeout ---- */

enum { TO_INIT = 0, TO_RUN, TO_EXPIRED, TO_CANCELLED, TO_DONE };

static void to_fire(zk_loop_t *loop, zk_timer_t *timer)
{
    zk_timeout_future_t *f = timer->data;

    (void)loop;
    if (f->st != TO_RUN) return;
    f->st = TO_EXPIRED;
    zk_future_cancel(f->inner);
    zk_task_wake(f->task);
}

static zk_poll_t to_poll(zk_future_t *base, zk_task_t *t)
{
    zk_timeout_future_t *f = (zk_timeout_future_t *)base;

    if (f->st == TO_DONE) return ZK_READY;
    f->task = t;
    if (f->st == TO_INIT) {
        int rc = zk_timer_start(t->loop, &f->timer, f->timer.deadline);
        if (rc < 0) {
            /* no timer: give up on inner rather than wait without a deadline */
            f->st = TO_EXPIRED;
            zk_future_cancel(f->inner);
        } else {
            f->st = TO_RUN;
        }
    }
    if (zk_poll(f->inner, t) == ZK_PENDING) return ZK_PENDING;
    zk_timer_stop(t->loop, &f->timer);
    f->base.result = f->inner->result;
    if (f->st == TO_EXPIRED && f->base.result == -ECANCELED) f->base.result = -ETIMEDOUT;
    f->st = TO_DONE;
    return ZK_READY;
}

static void to_cancel(zk_future_t *base)
{
    zk_timeout_future_t *f = (zk_timeout_future_t *)base;

    if (f->st == TO_DONE || f->st == TO_CANCELLED) return;
    if (f->task) zk_timer_stop(f->task->loop, &f->timer);
    if (f->st != TO_EXPIRED) /* an expired inner has been cancelled already */
        zk_future_cancel(f->inner);
    f->st = TO_CANCELLED;
}

static const zk_future_vt_t to_vt = {to_poll, to_cancel};

void zk_fut_timeout(zk_timeout_future_t *f, zk_future_t *inner, uint64_t deadline)
{
    f->base.vt = &to_vt;
    f->base.result = 0;
    f->inner = inner;
    f->task = NULL;
    f->st = TO_INIT;
    zk_timer_init(&f->timer, to_fire, f);
    f->timer.deadline = deadline; /* kept here until the first poll arms the timer */
}

/* ---- join ---- */

static zk_poll_t join_poll(zk_future_t *base, zk_task_t *t)
{
    zk_join_future_t *f = (zk_join_future_t *)base;

    if (!(f->ready & 1) && zk_poll(f->a, t) == ZK_READY) f->ready |= 1;
    if (!(f->ready & 2) && zk_poll(f->b, t) == ZK_READY) f->ready |= 2;
    return f->ready == 3 ? ZK_READY : ZK_PENDING;
}

static void join_cancel(zk_future_t *base)
{
    zk_join_future_t *f = (zk_join_future_t *)base;

    if (!(f->ready & 1)) zk_future_cancel(f->a);
    if (!(f->ready & 2)) zk_future_cancel(f->b);
}

static const zk_future_vt_t join_vt = {join_poll, join_cancel};

void zk_fut_join(zk_join_future_t *f, zk_future_t *a, zk_future_t *b)
{
    f->base.vt = &join_vt;
    f->base.result = 0;
    f->a = a;
    f->b = b;
    f->ready = 0;
}

/* ---- select ---- */

static zk_poll_t sel_poll(zk_future_t *base, zk_task_t *t)
{
    zk_select_future_t *f = (zk_select_future_t *)base;

    if (f->winner < 0) {
        if (zk_poll(f->a, t) == ZK_READY) {
            f->winner = 0;
            f->ready |= 1;
            zk_future_cancel(f->b);
        } else if (zk_poll(f->b, t) == ZK_READY) {
            f->winner = 1;
            f->ready |= 2;
            zk_future_cancel(f->a);
        } else {
            return ZK_PENDING;
        }
    }
    /* the loser must be idle before its memory is the caller's again */
    if (!(f->ready & 1) && zk_poll(f->a, t) == ZK_READY) f->ready |= 1;
    if (!(f->ready & 2) && zk_poll(f->b, t) == ZK_READY) f->ready |= 2;
    if (f->ready != 3) return ZK_PENDING;
    f->base.result = f->winner;
    return ZK_READY;
}

static void sel_cancel(zk_future_t *base)
{
    zk_select_future_t *f = (zk_select_future_t *)base;

    if (!(f->ready & 1)) zk_future_cancel(f->a);
    if (!(f->ready & 2)) zk_future_cancel(f->b);
}

static const zk_future_vt_t sel_vt = {sel_poll, sel_cancel};

void zk_fut_select(zk_select_future_t *f, zk_future_t *a, zk_future_t *b)
{
    f->base.vt = &sel_vt;
    f->base.result = 0;
    f->a = a;
    f->b = b;
    f->winner = -1;
    f->ready = 0;
}

void zk_fut_openat(zk_io_future_t *f, int dirfd, const char *path, int flags, unsigned mode)
{
    zk_prep_openat(&f->op, dirfd, path, flags, mode, io_cb, f);
    io_init(f, 0);
}

void zk_fut_statx(zk_io_future_t *f, int dirfd, const char *path, int flags, unsigned mask,
                  struct statx *buf)
{
    zk_prep_statx(&f->op, dirfd, path, flags, mask, buf, io_cb, f);
    io_init(f, 0);
}

void zk_fut_pread(zk_io_future_t *f, int fd, void *buf, size_t len, int64_t off)
{
    zk_prep_pread(&f->op, fd, buf, len, off, io_cb, f);
    io_init(f, 0);
}

void zk_fut_pwrite(zk_io_future_t *f, int fd, const void *buf, size_t len, int64_t off)
{
    zk_prep_pwrite(&f->op, fd, buf, len, off, io_cb, f);
    io_init(f, 0);
}

void zk_fut_preadv(zk_io_future_t *f, int fd, struct iovec *iov, int iovcnt, int64_t off)
{
    zk_prep_preadv(&f->op, fd, iov, iovcnt, off, io_cb, f);
    io_init(f, 0);
}

void zk_fut_pwritev(zk_io_future_t *f, int fd, struct iovec *iov, int iovcnt, int64_t off)
{
    zk_prep_pwritev(&f->op, fd, iov, iovcnt, off, io_cb, f);
    io_init(f, 0);
}

void zk_fut_fsync(zk_io_future_t *f, int fd, unsigned flags)
{
    zk_prep_fsync(&f->op, fd, flags, io_cb, f);
    io_init(f, 0);
}

void zk_fut_work(zk_io_future_t *f, zk_work_fn fn, void *arg)
{
    zk_prep_work(&f->op, fn, arg, io_cb, f);
    io_init(f, 0);
}

/* ---- datagram futures ---- */

/* Copies what a recvmsg filled in before the io future's own completion wakes the task. */
static void msg_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    zk_msg_future_t *f = op->data; /* io is its first member */
    if (op->type == ZK_OP_RECVMSG && res >= 0) {
        f->addrlen = f->msg.msg_namelen;
        f->flags = f->msg.msg_flags;
    }
    io_cb(loop, op, res);
}

static void msg_init(zk_msg_future_t *f, void *buf, size_t len)
{
    memset(&f->msg, 0, sizeof f->msg);
    f->iov.iov_base = buf;
    f->iov.iov_len = len;
    f->msg.msg_iov = &f->iov;
    f->msg.msg_iovlen = 1;
    f->msg.msg_name = &f->addr;
    f->addrlen = 0;
    f->flags = 0;
}

void zk_fut_recvmsg(zk_msg_future_t *f, int fd, void *buf, size_t len)
{
    msg_init(f, buf, len);
    f->msg.msg_namelen = sizeof f->addr;
    zk_prep_recvmsg(&f->io.op, fd, &f->msg, 0, msg_cb, f);
    io_init(&f->io, 0);
}

void zk_fut_sendmsg(zk_msg_future_t *f, int fd, const void *buf, size_t len,
                    const struct sockaddr *to, socklen_t tolen)
{
    msg_init(f, (void *)buf, len);
    if (!to) {
        f->msg.msg_name = NULL; /* a connected socket */
    } else {
        /* `to` may be f->addr itself (an answer to the sender); one longer than any address
         * is not copied, and its length makes the send fail with -EINVAL */
        if (tolen <= sizeof f->addr) memmove(&f->addr, to, tolen);
        f->addrlen = tolen;
        f->msg.msg_namelen = tolen;
    }
    zk_prep_sendmsg(&f->io.op, fd, &f->msg, 0, msg_cb, f);
    io_init(&f->io, 0);
}

void zk_fut_read(zk_io_future_t *f, int fd, void *buf, size_t len)
{
    zk_prep_read(&f->op, fd, buf, len, io_cb, f);
    io_init(f, 0);
}
