/* SPDX-License-Identifier: MIT */
/* zokio: op preparation, submission and cancellation (backend-independent part). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "runtime/threadpool.h"

static void prep(zk_op_t *op, zk_op_type_t type, int fd, zk_op_cb cb, void *data)
{
    memset(op, 0, sizeof *op);
    op->type = (uint8_t)type;
    op->fd = fd;
    op->cb = cb;
    op->data = data;
}

void zk_prep_accept(zk_op_t *op, int listen_fd, int multishot, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_ACCEPT, listen_fd, cb, data);
    if (multishot) op->flags |= ZK_OP_F_MULTISHOT;
}

void zk_prep_connect(zk_op_t *op, int fd, const struct sockaddr *addr, socklen_t len, zk_op_cb cb,
                     void *data)
{
    prep(op, ZK_OP_CONNECT, fd, cb, data);
    op->u.conn.addr = addr;
    op->u.conn.addrlen = len;
}

void zk_prep_recv(zk_op_t *op, int fd, void *buf, size_t len, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_RECV, fd, cb, data);
    op->u.io.buf = buf;
    op->u.io.len = len;
}

void zk_prep_recv_pool(zk_op_t *op, int fd, int multishot, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_RECV, fd, cb, data);
    op->flags |= ZK_OP_F_POOLBUF | (multishot ? ZK_OP_F_MULTISHOT : 0);
}

void zk_prep_send(zk_op_t *op, int fd, const void *buf, size_t len, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_SEND, fd, cb, data);
    op->u.io.buf = (void *)buf;
    op->u.io.len = len;
}

void zk_prep_writev(zk_op_t *op, int fd, struct iovec *iov, int iovcnt, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_WRITEV, fd, cb, data);
    op->u.vec.iov = iov;
    op->u.vec.iovcnt = iovcnt;
}

void zk_prep_read(zk_op_t *op, int fd, void *buf, size_t len, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_READ, fd, cb, data);
    op->u.io.buf = buf;
    op->u.io.len = len;
}

void zk_prep_shutdown(zk_op_t *op, int fd, int how, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_SHUTDOWN, fd, cb, data);
    op->u.how = how;
}

void zk_prep_close(zk_op_t *op, int fd, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_CLOSE, fd, cb, data);
}

void zk_prep_sendfile(zk_op_t *op, int sock_fd, int file_fd, int64_t off, size_t len, zk_op_cb cb,
                      void *data)
{
    prep(op, ZK_OP_SENDFILE, sock_fd, cb, data);
    op->u.file.in_fd = file_fd;
    op->u.file.off = off;
    op->u.file.len = len;
}

void zk_prep_poll(zk_op_t *op, int fd, unsigned events, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_POLL, fd, cb, data);
    op->u.poll_events = events;
}

void zk_prep_openat(zk_op_t *op, int dirfd, const char *path, int flags, unsigned mode, zk_op_cb cb,
                    void *data)
{
    prep(op, ZK_OP_OPENAT, dirfd, cb, data);
    op->u.open.path = path;
    op->u.open.flags = flags;
    op->u.open.mode = mode;
}

void zk_prep_statx(zk_op_t *op, int dirfd, const char *path, int flags, unsigned mask,
                   struct statx *buf, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_STATX, dirfd, cb, data);
    op->u.stx.path = path;
    op->u.stx.buf = buf;
    op->u.stx.flags = flags;
    op->u.stx.mask = mask;
}

void zk_prep_openat2(zk_op_t *op, int dirfd, const char *path, struct open_how *how, zk_op_cb cb,
                     void *data)
{
    prep(op, ZK_OP_OPENAT2, dirfd, cb, data);
    op->u.open2.path = path;
    op->u.open2.how = how;
}

static void prep_rw(zk_op_t *op, zk_op_type_t type, int fd, void *buf, size_t len, int64_t off,
                    zk_op_cb cb, void *data)
{
    prep(op, type, fd, cb, data);
    op->u.io.buf = buf;
    op->u.io.len = len;
    op->u.io.off = off;
}

void zk_prep_pread(zk_op_t *op, int fd, void *buf, size_t len, int64_t off, zk_op_cb cb, void *data)
{
    prep_rw(op, ZK_OP_PREAD, fd, buf, len, off, cb, data);
}

void zk_prep_pwrite(zk_op_t *op, int fd, const void *buf, size_t len, int64_t off, zk_op_cb cb,
                    void *data)
{
    prep_rw(op, ZK_OP_PWRITE, fd, (void *)buf, len, off, cb, data);
}

static void prep_rwv(zk_op_t *op, zk_op_type_t type, int fd, struct iovec *iov, int iovcnt,
                     int64_t off, zk_op_cb cb, void *data)
{
    prep(op, type, fd, cb, data);
    op->u.vec.iov = iov;
    op->u.vec.iovcnt = iovcnt;
    op->u.vec.off = off;
}

void zk_prep_preadv(zk_op_t *op, int fd, struct iovec *iov, int iovcnt, int64_t off, zk_op_cb cb,
                    void *data)
{
    prep_rwv(op, ZK_OP_PREADV, fd, iov, iovcnt, off, cb, data);
}

void zk_prep_pwritev(zk_op_t *op, int fd, struct iovec *iov, int iovcnt, int64_t off, zk_op_cb cb,
                     void *data)
{
    prep_rwv(op, ZK_OP_PWRITEV, fd, iov, iovcnt, off, cb, data);
}

void zk_prep_fsync(zk_op_t *op, int fd, unsigned flags, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_FSYNC, fd, cb, data);
    op->u.fsync_flags = flags;
}

void zk_prep_work(zk_op_t *op, zk_work_fn fn, void *arg, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_WORK, -1, cb, data);
    op->u.work.fn = fn;
    op->u.work.arg = arg;
}

void zk_prep_recvmsg(zk_op_t *op, int fd, struct msghdr *msg, int flags, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_RECVMSG, fd, cb, data);
    op->u.msg.msg = msg;
    op->u.msg.flags = flags;
}

void zk_prep_sendmsg(zk_op_t *op, int fd, const struct msghdr *msg, int flags, zk_op_cb cb,
                     void *data)
{
    prep(op, ZK_OP_SENDMSG, fd, cb, data);
    op->u.msg.msg = (struct msghdr *)msg;
    op->u.msg.flags = flags | MSG_NOSIGNAL;
}

void zk_prep_timeout_abs(zk_op_t *op, uint64_t deadline, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_TIMEOUT, -1, cb, data);
    op->u.timer.deadline = deadline;
    zk__op(op)->word = 1; /* absolute */
}

void zk_prep_timeout(zk_op_t *op, uint64_t ns, zk_op_cb cb, void *data)
{
    prep(op, ZK_OP_TIMEOUT, -1, cb, data);
    op->u.timer.deadline = ns;
    zk__op(op)->word = 0; /* relative: resolved against the clock at submit */
}

static void timeout_fired(zk_loop_t *loop, zk_timer_t *t)
{
    zk__complete(loop, t->data, -ETIME, 0);
}

/* MSG_DONTWAIT turns io_uring's wait for a datagram into -EAGAIN: refused on both backends. */
static int bad_msg(const zk_op_t *op)
{
    if (op->type != ZK_OP_RECVMSG && op->type != ZK_OP_SENDMSG) return 0;
    return !op->u.msg.msg || (op->u.msg.flags & MSG_DONTWAIT);
}

/* A negative offset means "the fd's position" to io_uring but EINVAL to pread(2): refused on both
 * backends alike. */
static int bad_offset(const zk_op_t *op)
{
    switch (op->type) {
    case ZK_OP_PREAD:
    case ZK_OP_PWRITE: return op->u.io.off < 0;
    case ZK_OP_PREADV:
    case ZK_OP_PWRITEV: return op->u.vec.off < 0;
    default: return 0;
    }
}

int zk_submit(zk_loop_t *loop, zk_op_t *op)
{
    if (op->state != ZK_OPS_IDLE) return -EBUSY;
    if (op->type == ZK_OP_NONE || op->type >= ZK_OP__COUNT || !op->cb) return -EINVAL;
    if (op->type == ZK_OP_WORK && !op->u.work.fn) return -EINVAL;
    if (op->type == ZK_OP_OPENAT2 && (!op->u.open2.how || !op->u.open2.path)) return -EINVAL;
    if (bad_offset(op) || bad_msg(op)) return -EINVAL;
    op->flags &= (uint16_t)~ZK_OP_F_OUT;
    op->state = ZK_OPS_ARMED;
    if (zk__op_counts(op)) zk__alive_hold(loop); /* until zk__complete() of the last result */
    if (op->type == ZK_OP_TIMEOUT) {
        uint64_t deadline = op->u.timer.deadline;
        if (!zk__op(op)->word) deadline += loop->now;
        op->u.timer.cb = timeout_fired;
        op->u.timer.data = op;
        op->u.timer.idx = 0;
        op->u.timer.weak = 1; /* the op is what keeps the loop alive */
        int r = zk_timer_start(loop, &op->u.timer, deadline);
        if (r < 0) zk__defer(loop, op, r);
        return 0;
    }
    int r = zk__pool_wants(loop, op) ? zk__pool_submit(loop, op) : loop->ops->submit(loop, op);
    if (r < 0) zk__defer(loop, op, r);
    return 0;
}

int zk_cancel(zk_loop_t *loop, zk_op_t *op)
{
    switch (op->state) {
    case ZK_OPS_IDLE: return -ENOENT;
    case ZK_OPS_DONE:
    case ZK_OPS_CANCELLING: return 0; /* its completion is already on its way */
    default: break;
    }
    if (op->type == ZK_OP_TIMEOUT) {
        zk_timer_stop(loop, &op->u.timer);
        zk__defer(loop, op, -ECANCELED);
        return 0;
    }
    /* a recv waiting for a free provided buffer is in no backend queue: cancel it here */
    for (zk_op_t *s = loop->starved.head; s; s = zk__op(s)->next)
        if (s == op) {
            zk__q_remove(&loop->starved, op);
            zk__defer(loop, op, -ECANCELED);
            return 0;
        }
    op->state = ZK_OPS_CANCELLING;
    if (zk__pool_wants(loop, op)) {
        zk__pool_cancel(loop, op);
        return 0;
    }
    return loop->ops->cancel(loop, op);
}

int zk_close(zk_loop_t *loop, int fd)
{
    loop->ops->forget_fd(loop, fd);
    return close(fd) < 0 ? -errno : 0;
}

/* ---- intrusive queues ---- */

void zk__q_push(zk_opq_t *q, zk_op_t *op)
{
    zk__op(op)->next = NULL;
    zk__op(op)->prev = q->tail;
    if (q->tail)
        zk__op(q->tail)->next = op;
    else
        q->head = op;
    q->tail = op;
}

zk_op_t *zk__q_pop(zk_opq_t *q)
{
    zk_op_t *op = q->head;
    if (op) zk__q_remove(q, op);
    return op;
}

void zk__q_remove(zk_opq_t *q, zk_op_t *op)
{
    zk__op_priv_t *p = zk__op(op);
    if (p->prev)
        zk__op(p->prev)->next = p->next;
    else
        q->head = p->next;
    if (p->next)
        zk__op(p->next)->prev = p->prev;
    else
        q->tail = p->prev;
    p->next = p->prev = NULL;
}
