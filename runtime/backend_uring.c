/* SPDX-License-Identifier: MIT */
/* zokio: the io_uring backend's ring: set-up, submission, cancels, completion dispatch, accept.
 * Provided buffers live in uring_bufring.c, sendfile in uring_sendfile.c (see uring.h).
 * user_data is the op pointer; SQEs are submitted once per tick. Set-up features are probed at
 * start and each falls back on its own: SINGLE_ISSUER | DEFER_TASKRUN, multishot accept,
 * multishot recv from a provided buffer ring, CQE_SKIP_SUCCESS. ZOKIO_URING_BASIC=1 turns them
 * all off (tests use it for the fallbacks). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/uring.h"

/* ---- set-up ---- */

static int ring_setup(zk_ur_t *u, unsigned entries, int basic)
{
    struct io_uring_params p;
    unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        0,
    };
    int r = -EINVAL;
    for (unsigned i = basic ? 2 : 0; i < sizeof tries / sizeof tries[0]; i++) {
        memset(&p, 0, sizeof p);
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = entries * 4;
        r = io_uring_queue_init_params(entries, &u->ring, &p);
        if (r == 0) {
            if (tries[i] & IORING_SETUP_DEFER_TASKRUN) u->feat |= ZK_UR_DEFER;
            if (!basic && (p.features & IORING_FEAT_CQE_SKIP)) u->feat |= ZK_UR_SKIP;
            return 0;
        }
        if (r != -EINVAL) return r; /* blocked (EPERM, ENOSYS): no point in trying less */
    }
    return r;
}

static int probe_files(const struct io_uring_probe *pr)
{
    static const int need[] = {IORING_OP_OPENAT, IORING_OP_STATX,  IORING_OP_READ, IORING_OP_WRITE,
                               IORING_OP_READV,  IORING_OP_WRITEV, IORING_OP_FSYNC};
    for (unsigned i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!io_uring_opcode_supported(pr, need[i])) return 0;
    return 1;
}

static void probe_ops(zk_loop_t *loop, zk_ur_t *u)
{
    struct io_uring_probe *pr = io_uring_get_probe_ring(&u->ring);
    if (!pr) return;
    /* 5.6 has every file op; an older kernel runs them on the thread pool as epoll does */
    loop->files_native = (uint8_t)probe_files(pr);
    loop->openat2_native = (uint8_t)io_uring_opcode_supported(pr, IORING_OP_OPENAT2);
    /* multishot accept and buffer rings came with 5.19 (as did IORING_OP_SOCKET), multishot recv
     * with 6.0 (as did IORING_OP_SEND_ZC): the opcodes date the kernel's features */
    if (io_uring_opcode_supported(pr, IORING_OP_SOCKET)) u->feat |= ZK_UR_MSHOT_ACCEPT;
    if (io_uring_opcode_supported(pr, IORING_OP_SEND_ZC)) u->feat |= ZK_UR_MSHOT_RECV;
    io_uring_free_probe(pr);
}

static int ur_init(zk_loop_t *loop, const zk_loop_opts_t *o)
{
    const char *b = getenv("ZOKIO_URING_BASIC");
    int basic = b && *b && strcmp(b, "0");
    zk_ur_t *u = calloc(1, sizeof *u);
    if (!u) return -ENOMEM;
    u->pend = u->pend_keep;
    u->pend_cap = ZK_UR_PEND_KEEP;
    unsigned entries = o && o->entries ? o->entries : 1024;
    int r = ring_setup(u, entries, basic);
    if (r < 0) {
        free(u);
        return r;
    }
    if ((r = zk__ur_sendfile_init(u, o)) < 0) {
        io_uring_queue_exit(&u->ring);
        free(u);
        return r;
    }
    if (!basic) {
        probe_ops(loop, u);
        if (zk__ur_bufring_setup(loop, u) == 0) u->feat |= ZK_UR_BUFRING;
    }
    /* a registered ring fd spares io_uring_enter() its fd lookup on every tick (5.18+) */
    int ring_fd = !basic && io_uring_register_ring_fd(&u->ring) == 1;
    loop->be = u;
    snprintf(loop->features, sizeof loop->features, "%s%s%s%s%s%s%s",
             u->feat & ZK_UR_DEFER ? "defer_taskrun" : "coop/plain ring",
             u->feat & ZK_UR_MSHOT_ACCEPT ? " multishot-accept" : "",
             u->feat & ZK_UR_MSHOT_RECV ? " multishot-recv" : "",
             u->feat & ZK_UR_BUFRING ? " bufring" : "", u->feat & ZK_UR_SKIP ? " cqe-skip" : "",
             loop->files_native ? " files" : "", ring_fd ? " ring-fd" : "");
    return 0;
}

static void ur_fini(zk_loop_t *loop)
{
    zk_ur_t *u = loop->be;
    if (!u) return;
    zk__ur_bufring_fini(u);
    io_uring_queue_exit(&u->ring);
    zk__ur_sendfile_fini(loop, u);
    if (u->pend != u->pend_keep) free(u->pend);
    free(u);
    loop->be = NULL;
}

/* ---- SQEs ---- */

struct io_uring_sqe *zk__ur_sqe_get(zk_ur_t *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (!sqe && !u->refuse_flush) {
        io_uring_submit(&u->ring); /* SQ full: flush early */
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

int zk__test_refuse_flush(zk_loop_t *loop, int on)
{
    if (loop->ops != &zk_backend_uring) return -ENOTSUP;
    ((zk_ur_t *)loop->be)->refuse_flush = on;
    return 0;
}

/* ---- cancels ---- */

static void prep_cancel(zk_ur_t *u, struct io_uring_sqe *sqe, uint64_t ud)
{
    io_uring_prep_cancel64(sqe, ud, 0);
    io_uring_sqe_set_data64(sqe, 0);
    if (u->feat & ZK_UR_SKIP) sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

/* Cold path: more cancels wait than pend holds. The block doubles; when even that allocation
 * fails, the cancel is made synchronously (IORING_REGISTER_SYNC_CANCEL needs no SQE). */
static int pend_grow(zk_ur_t *u)
{
    unsigned cap = u->pend_cap * 2;
    uint64_t *p = malloc(cap * sizeof *p);
    if (!p) return -ENOMEM;
    memcpy(p, u->pend, u->npend * sizeof *p);
    if (u->pend != u->pend_keep) free(u->pend);
    u->pend = p;
    u->pend_cap = cap;
    return 0;
}

void zk__ur_cancel_ud(zk_ur_t *u, uint64_t ud)
{
    /* behind cancels already waiting, so that they go out in order */
    struct io_uring_sqe *sqe = u->npend ? NULL : zk__ur_sqe_get(u);
    if (sqe) {
        prep_cancel(u, sqe, ud);
    } else if (u->npend < u->pend_cap || pend_grow(u) == 0) {
        u->pend[u->npend++] = ud;
    } else {
        struct io_uring_sync_cancel_reg reg = {.addr = ud, .fd = -1, .timeout = {-1, -1}};
        io_uring_register_sync_cancel(&u->ring, &reg);
    }
}

/* At the start of a tick: the waiting cancels go out as far as the SQ takes them. */
static void pend_flush(zk_ur_t *u)
{
    unsigned i = 0;
    struct io_uring_sqe *sqe;
    while (i < u->npend && (sqe = zk__ur_sqe_get(u)))
        prep_cancel(u, sqe, u->pend[i++]);
    u->npend -= i;
    memmove(u->pend, u->pend + i, u->npend * sizeof *u->pend);
    if (!u->npend && u->pend != u->pend_keep) { /* the burst is over: back to the kept room */
        free(u->pend);
        u->pend = u->pend_keep;
        u->pend_cap = ZK_UR_PEND_KEEP;
    }
}

/* op goes in again: a cancel still waiting for it was meant for its previous run (which has
 * completed), not for this one */
static void pend_forget(zk_ur_t *u, const zk_op_t *op)
{
    unsigned k = 0;
    for (unsigned i = 0; i < u->npend; i++)
        if ((u->pend[i] & ~(uint64_t)ZK_UR_TAG_MASK) != (uint64_t)(uintptr_t)op)
            u->pend[k++] = u->pend[i];
    u->npend = k;
}

static int ur_cancel(zk_loop_t *loop, zk_op_t *op)
{
    zk_ur_t *u = loop->be;
    zk__ur_cancel_ud(u, (uint64_t)(uintptr_t)op);
    if (op->type == ZK_OP_SENDFILE) zk__ur_sendfile_cancel(u, op);
    return 0;
}

/* ---- submission ---- */

static size_t rw_len(size_t len) { return len < ZK_RW_MAX ? len : ZK_RW_MAX; }

int zk__ur_submit(zk_loop_t *loop, zk_op_t *op)
{
    zk_ur_t *u = loop->be;
    if (u->npend) pend_forget(u, op);
    if (op->type == ZK_OP_SENDFILE) return zk__ur_sendfile_submit(loop, u, op);
    struct io_uring_sqe *sqe = zk__ur_sqe_get(u);
    if (!sqe) return -EAGAIN;
    switch (op->type) {
    case ZK_OP_ACCEPT: /* readiness on the ring, then accept4(2) here: see accept_cqe() */
        zk__op(op)->word = 0;
        if ((op->flags & ZK_OP_F_MULTISHOT) && (u->feat & ZK_UR_MSHOT_ACCEPT))
            io_uring_prep_poll_multishot(sqe, op->fd, POLLIN);
        else
            io_uring_prep_poll_add(sqe, op->fd, POLLIN);
        break;
    case ZK_OP_CONNECT:
        io_uring_prep_connect(sqe, op->fd, op->u.conn.addr, op->u.conn.addrlen);
        break;
    case ZK_OP_RECV: {
        int r = zk__ur_recv_prep(loop, u, op, sqe);
        if (r < 0) { /* no free buffer: wait for one, keeping the SQE as a harmless nop */
            io_uring_prep_nop(sqe);
            io_uring_sqe_set_data64(sqe, 0);
            zk__q_push(&loop->starved, op);
            return 0;
        }
        break;
    }
    case ZK_OP_SEND:
        io_uring_prep_send(sqe, op->fd, op->u.io.buf, op->u.io.len, MSG_NOSIGNAL);
        break;
    case ZK_OP_WRITEV:
        io_uring_prep_writev(sqe, op->fd, op->u.vec.iov, (unsigned)op->u.vec.iovcnt, (__u64)-1);
        break;
    case ZK_OP_READ:
        io_uring_prep_read(sqe, op->fd, op->u.io.buf, (unsigned)op->u.io.len, (__u64)-1);
        break;
    case ZK_OP_SHUTDOWN: io_uring_prep_shutdown(sqe, op->fd, op->u.how); break;
    case ZK_OP_CLOSE: io_uring_prep_close(sqe, op->fd); break;
    case ZK_OP_POLL: io_uring_prep_poll_add(sqe, op->fd, op->u.poll_events); break;
    case ZK_OP_OPENAT:
        io_uring_prep_openat(sqe, op->fd, op->u.open.path, op->u.open.flags | O_CLOEXEC,
                             (mode_t)op->u.open.mode);
        break;
    case ZK_OP_OPENAT2:
        op->u.open2.how->flags |= O_CLOEXEC;
        io_uring_prep_openat2(sqe, op->fd, op->u.open2.path, op->u.open2.how);
        break;
    case ZK_OP_STATX:
        io_uring_prep_statx(sqe, op->fd, op->u.stx.path, op->u.stx.flags, op->u.stx.mask,
                            op->u.stx.buf);
        break;
    case ZK_OP_PREAD:
        io_uring_prep_read(sqe, op->fd, op->u.io.buf, (unsigned)rw_len(op->u.io.len),
                           (__u64)op->u.io.off);
        break;
    case ZK_OP_PWRITE:
        io_uring_prep_write(sqe, op->fd, op->u.io.buf, (unsigned)rw_len(op->u.io.len),
                            (__u64)op->u.io.off);
        break;
    case ZK_OP_PREADV:
        io_uring_prep_readv(sqe, op->fd, op->u.vec.iov, (unsigned)op->u.vec.iovcnt,
                            (__u64)op->u.vec.off);
        break;
    case ZK_OP_PWRITEV:
        io_uring_prep_writev(sqe, op->fd, op->u.vec.iov, (unsigned)op->u.vec.iovcnt,
                             (__u64)op->u.vec.off);
        break;
    case ZK_OP_FSYNC:
        io_uring_prep_fsync(sqe, op->fd,
                            op->u.fsync_flags & ZK_FSYNC_DATASYNC ? IORING_FSYNC_DATASYNC : 0);
        break;
    /* datagrams: the kernel fills msg_namelen, msg_flags (MSG_TRUNC) and msg_controllen of the
     * caller's msghdr as recvmsg(2) does */
    case ZK_OP_RECVMSG:
        io_uring_prep_recvmsg(sqe, op->fd, op->u.msg.msg, (unsigned)op->u.msg.flags);
        break;
    case ZK_OP_SENDMSG:
        io_uring_prep_sendmsg(sqe, op->fd, op->u.msg.msg, (unsigned)op->u.msg.flags);
        break;
    default:
        io_uring_prep_nop(sqe);
        io_uring_sqe_set_data64(sqe, 0);
        return -EINVAL;
    }
    if (op->flags & ZK_OP_F_ASYNC) sqe->flags |= IOSQE_ASYNC;
    io_uring_sqe_set_data(sqe, op);
    return 0;
}

static void ur_forget_fd(zk_loop_t *loop, int fd)
{
    (void)loop;
    (void)fd;
}

/* ---- completion ---- */

/* Takes the connections queued on the listener: one completion each (more to come while the op
 * stays armed). 0 when the queue is empty, 1 when a one-shot op got its connection, -errno when
 * the listener failed. */
static int accept_drain(zk_loop_t *loop, zk_op_t *op, int mshot)
{
    while (op->state == ZK_OPS_ARMED) {
        int fd = accept4(op->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && errno == EAGAIN) return 0;
        if (fd < 0 && zk__accept_transient(-errno)) continue;
        if (fd < 0) return -errno;
        if (!mshot) return zk__complete(loop, op, fd, 0), 1;
        zk__complete(loop, op, fd, 1);
    }
    return 0;
}

/* Accept waits for readiness with a plain (non-exclusive) poll and accepts with accept4(2).
 * io_uring's own accept waits exclusively: a new connection wakes one waiter only, and a waiter
 * that will not act (a ring torn down after its worker exited, or one whose cancel still sits in
 * deferred task work) swallows the wake-up while another process's accept sleeps on with the
 * connection queued. Listening sockets are shared by worker processes, so every waiter is woken
 * and the first accept4(2) wins; the others find the queue empty. */
static void accept_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, struct io_uring_cqe *cqe)
{
    int res = cqe->res, more = cqe->flags & IORING_CQE_F_MORE;
    int mshot = (op->flags & ZK_OP_F_MULTISHOT) != 0; /* a one-shot poll is re-armed for it */
    if (res >= 0 && !zk__op(op)->word) {
        int r = accept_drain(loop, op, mshot);
        if (r == 1) return;
        if (r < 0) { /* end the op with the listener's error once the poll is gone */
            zk__op(op)->word = (uint64_t)(int64_t)r;
            if (more) {
                op->state = ZK_OPS_CANCELLING;
                zk__ur_cancel_ud(u, (uint64_t)(uintptr_t)op);
            }
        }
    }
    if (more) return;
    if (zk__op(op)->word) {
        zk__complete(loop, op, (int)(int64_t)zk__op(op)->word, 0);
    } else if (op->state == ZK_OPS_CANCELLING) {
        zk__complete(loop, op, -ECANCELED, 0);
    } else if (res < 0 && res != -ECANCELED) {
        zk__complete(loop, op, res, 0);
    } else if (zk__ur_submit(loop, op) < 0) { /* the poll ended on its own (or found nothing) */
        zk__defer(loop, op, -ENOMEM);
    }
}

static void handle_cqe(zk_loop_t *loop, zk_ur_t *u, struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe);
    if (!ud || ud == LIBURING_UDATA_TIMEOUT) return;
    zk_op_t *op = (zk_op_t *)(uintptr_t)(ud & ~(uint64_t)ZK_UR_TAG_MASK);
    unsigned tag = (unsigned)(ud & ZK_UR_TAG_MASK);
    if (tag || op->type == ZK_OP_SENDFILE)
        zk__ur_sendfile_cqe(loop, u, op, tag, cqe->res);
    else if (op->type == ZK_OP_RECV)
        zk__ur_recv_cqe(loop, u, op, cqe);
    else if (op->type == ZK_OP_ACCEPT)
        accept_cqe(loop, u, op, cqe);
    else
        zk__complete(loop, op, cqe->res, 0);
}

static int ur_poll(zk_loop_t *loop, int64_t timeout_ns)
{
    zk_ur_t *u = loop->be;
    int r;
    if (u->npend) {
        pend_flush(u);
        /* the kernel still refuses them: try again soon rather than sleep on */
        if (u->npend && (timeout_ns < 0 || timeout_ns > (int64_t)ZK_MSEC)) timeout_ns = ZK_MSEC;
    }
    if (timeout_ns == 0) {
        r = io_uring_submit_and_get_events(&u->ring);
    } else {
        struct io_uring_cqe *cqe;
        struct __kernel_timespec ts = {.tv_sec = timeout_ns / 1000000000,
                                       .tv_nsec = timeout_ns % 1000000000};
        r = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, timeout_ns < 0 ? NULL : &ts, NULL);
    }
    if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY && r != -EAGAIN) return r;
    loop->now = zk__clock_ns();
    unsigned head, n = 0;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(&u->ring, head, cqe)
    {
        handle_cqe(loop, u, cqe);
        n++;
    }
    io_uring_cq_advance(&u->ring, n);
    return (int)n;
}

static void ur_abandon(zk_loop_t *loop)
{
    zk_ur_t *u = loop->be;
    close(u->ring.ring_fd);
    zk__ur_sendfile_abandon(u);
}

const zk_backend_ops_t zk_backend_uring = {
    .name = "io_uring",
    .kind = ZK_BACKEND_URING,
    .init = ur_init,
    .fini = ur_fini,
    .submit = zk__ur_submit,
    .cancel = ur_cancel,
    .poll = ur_poll,
    .buf_put = zk__ur_buf_put,
    .trim = zk__ur_bufring_trim,
    .forget_fd = ur_forget_fd,
    .abandon = ur_abandon,
};
