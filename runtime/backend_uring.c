/* SPDX-License-Identifier: MIT */
/* zokio: the io_uring backend. user_data is the op pointer (low bits tag the first half of a
 * splice pair); SQEs are submitted once per tick. Set-up features are probed at start and each
 * falls back on its own: SINGLE_ISSUER | DEFER_TASKRUN, multishot accept, multishot recv from a
 * provided buffer ring (mapped and registered by hand: liburing 2.3 lacks io_uring_setup_buf_ring),
 * CQE_SKIP_SUCCESS. ZOKIO_URING_BASIC=1 turns them all off (tests use it for the fallbacks). */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "runtime/internal.h"

enum {
    F_DEFER = 1 << 0,
    F_MSHOT_ACCEPT = 1 << 1,
    F_MSHOT_RECV = 1 << 2,
    F_BUFRING = 1 << 3,
    F_SKIP = 1 << 4,
};

#define TAG_SPLICE_IN 1u
#define TAG_POLL      2u /* a POLLOUT linked before a splice retry: its CQE is ignored */
#define TAG_SF_POLL   3u /* a POLLOUT before an inline sendfile(2) retry */

/* Sendfile ops up to this size go out by sendfile(2) on the loop thread when the socket has
 * room (from the page cache that is a copy-free memcpy-speed call; io_uring runs splice on an
 * io-wq worker, a thread hop that measured at half the request rate for 100 KiB files on this
 * machine). Larger ones splice through a pipe pair on the ring, so a cold file's disk reads
 * happen in io-wq instead of stalling the loop. */
#define SENDFILE_INLINE_MAX (1u << 20)
#define TAG_MASK            7u
#define BGID                0
#define MAX_PIPES           1024
#define PIPE_KEEP           8 /* idle pipe pairs kept open */

/* one pipe pair per in-flight sendfile; bytes move file -> pipe -> socket */
typedef struct upipe {
    int r, w;
    int in_pipe;  /* bytes sitting in the pipe */
    int err;      /* error of the file -> pipe half */
    int chunk;    /* length asked of the current file -> pipe splice */
    unsigned cap; /* this pipe's capacity */
    int short_in; /* the file gave less than asked: end of file (or of what it will give now) */
} upipe_t;

typedef struct ur {
    struct io_uring ring;
    unsigned feat;
    struct io_uring_buf_ring *br;
    size_t br_bytes;
    unsigned posted, window; /* buffers in the ring now, and how many we keep there */
    upipe_t pipes[MAX_PIPES];
    uint16_t pipe_free[MAX_PIPES]; /* slots with an idle pipe pair */
    uint16_t pipe_dead[MAX_PIPES]; /* slots whose pair was closed */
    unsigned npipe_free, npipe_dead, npipes;
} ur_t;

/* ---- set-up ---- */

static int ring_setup(ur_t *u, unsigned entries, int basic)
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
            if (tries[i] & IORING_SETUP_DEFER_TASKRUN) u->feat |= F_DEFER;
            if (!basic && (p.features & IORING_FEAT_CQE_SKIP)) u->feat |= F_SKIP;
            return 0;
        }
        if (r != -EINVAL) return r; /* blocked (EPERM, ENOSYS): no point in trying less */
    }
    return r;
}

static void probe_ops(ur_t *u)
{
    struct io_uring_probe *pr = io_uring_get_probe_ring(&u->ring);
    if (!pr) return;
    /* multishot accept and buffer rings came with 5.19 (as did IORING_OP_SOCKET), multishot recv
     * with 6.0 (as did IORING_OP_SEND_ZC): the opcodes date the kernel's features */
    if (io_uring_opcode_supported(pr, IORING_OP_SOCKET)) u->feat |= F_MSHOT_ACCEPT;
    if (io_uring_opcode_supported(pr, IORING_OP_SEND_ZC)) u->feat |= F_MSHOT_RECV;
    io_uring_free_probe(pr);
}

#define RING_WINDOW 128

/* tops the ring up to its window from the top of the free stack */
static void ring_refill(zk_loop_t *loop, ur_t *u)
{
    int added = 0, mask = io_uring_buf_ring_mask(loop->buf_count);
    while (u->posted < u->window) {
        int bid = zk__buf_take(loop);
        if (bid < 0) break;
        io_uring_buf_ring_add(u->br, zk_buf_ptr(loop, (unsigned)bid), loop->buf_size,
                              (unsigned short)bid, mask, added++);
        u->posted++;
    }
    if (added) io_uring_buf_ring_advance(u->br, added);
}

static int bufring_setup(zk_loop_t *loop, ur_t *u)
{
    unsigned n = loop->buf_count;
    u->br_bytes = (n * sizeof(struct io_uring_buf) + 4095) & ~(size_t)4095;
    void *m = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -errno;
    struct io_uring_buf_reg reg = {.ring_addr = (uintptr_t)m, .ring_entries = n, .bgid = BGID};
    int r = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (r < 0) {
        munmap(m, u->br_bytes);
        return r;
    }
    u->br = m;
    io_uring_buf_ring_init(u->br);
    /* Only a window of the buffers sits in the ring; the rest wait on the loop's LIFO free
     * stack. The kernel takes ring buffers in order, so a full ring would cycle through (and
     * make resident) every buffer; topping the window up from the stack's top reuses the hot
     * ones instead. */
    u->window = n < RING_WINDOW ? n : RING_WINDOW;
    ring_refill(loop, u);
    return 0;
}

static int ur_init(zk_loop_t *loop, const zk_loop_opts_t *o)
{
    const char *b = getenv("ZOKIO_URING_BASIC");
    int basic = b && *b && strcmp(b, "0");
    ur_t *u = calloc(1, sizeof *u);
    if (!u) return -ENOMEM;
    unsigned entries = o && o->entries ? o->entries : 1024;
    int r = ring_setup(u, entries, basic);
    if (r < 0) {
        free(u);
        return r;
    }
    if (!basic) {
        probe_ops(u);
        if (bufring_setup(loop, u) == 0) u->feat |= F_BUFRING;
    }
    /* a registered ring fd spares io_uring_enter() its fd lookup on every tick */
    if (!basic) io_uring_register_ring_fd(&u->ring);
    loop->be = u;
    snprintf(loop->features, sizeof loop->features, "%s%s%s%s%s",
             u->feat & F_DEFER ? "defer_taskrun" : "coop/plain ring",
             u->feat & F_MSHOT_ACCEPT ? " multishot-accept" : "",
             u->feat & F_MSHOT_RECV ? " multishot-recv" : "", u->feat & F_BUFRING ? " bufring" : "",
             u->feat & F_SKIP ? " cqe-skip" : "");
    return 0;
}

static void ur_fini(zk_loop_t *loop)
{
    ur_t *u = loop->be;
    if (!u) return;
    if (u->br) {
        io_uring_unregister_buf_ring(&u->ring, BGID);
        munmap(u->br, u->br_bytes);
    }
    io_uring_queue_exit(&u->ring);
    for (unsigned i = 0; i < u->npipes; i++) {
        if (u->pipes[i].r >= 0) close(u->pipes[i].r);
        if (u->pipes[i].w >= 0) close(u->pipes[i].w);
    }
    free(u);
    loop->be = NULL;
}

/* ---- submission ---- */

static struct io_uring_sqe *sqe_get(ur_t *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (!sqe) {
        io_uring_submit(&u->ring); /* SQ full: flush early */
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

/* a new pipe pair in slot p; its own capacity (1 MiB asked, the default 64 KiB if refused) */
static int pipe_open(upipe_t *p)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return -errno;
    int sz = fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    if (sz < 0) sz = fcntl(fds[1], F_GETPIPE_SZ);
    p->r = fds[0];
    p->w = fds[1];
    p->cap = sz > 0 ? (unsigned)sz : 4096;
    return 0;
}

static void pipe_close(upipe_t *p)
{
    close(p->r);
    close(p->w);
    p->r = p->w = -1;
}

/* A pipe pair for one sendfile: a pooled one, else a new one in a free slot. -EMFILE & co
 * when fds run out (the caller then sends inline, which needs no fd). */
static int pipe_get(ur_t *u)
{
    if (u->npipe_free) return u->pipe_free[--u->npipe_free];
    int idx = u->npipe_dead ? u->pipe_dead[--u->npipe_dead] : (int)u->npipes;
    if (idx == MAX_PIPES) return -EMFILE;
    int r = pipe_open(&u->pipes[idx]);
    if (r < 0) {
        if (idx < (int)u->npipes) u->pipe_dead[u->npipe_dead++] = (uint16_t)idx;
        return r;
    }
    if (idx == (int)u->npipes) u->npipes++;
    return idx;
}

/* Back to the pool: at most PIPE_KEEP idle pairs stay open, the others are closed (a burst of
 * large downloads must not keep hundreds of fds); a pipe with bytes stuck inside is closed. */
static void pipe_put(ur_t *u, int idx, int dirty)
{
    upipe_t *p = &u->pipes[idx];
    if (dirty || u->npipe_free >= PIPE_KEEP) {
        pipe_close(p);
        u->pipe_dead[u->npipe_dead++] = (uint16_t)idx;
        return;
    }
    u->pipe_free[u->npipe_free++] = (uint16_t)idx;
}

/* pipe -> socket for what sits in the pipe; after_full: the socket was full (the splice said
 * -EAGAIN, io-wq does not wait on a non-blocking socket), so wait for POLLOUT first */
static int splice_out(ur_t *u, zk_op_t *op, upipe_t *p, int after_full)
{
    struct io_uring_sqe *sqe;
    if (after_full) {
        if (!(sqe = sqe_get(u))) return -EAGAIN;
        io_uring_prep_poll_add(sqe, op->fd, POLLOUT);
        sqe->flags |= IOSQE_IO_LINK;
        io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_POLL);
    }
    if (!(sqe = sqe_get(u))) return -EAGAIN;
    io_uring_prep_splice(sqe, p->r, -1, op->fd, -1, (unsigned)p->in_pipe, 0);
    io_uring_sqe_set_data(sqe, op);
    return 0;
}

/* next chunk: file -> pipe linked to pipe -> socket */
static int splice_chunk(ur_t *u, zk_op_t *op)
{
    upipe_t *p = &u->pipes[op->priv16];
    size_t left = op->u.file.len - op->priv64;
    p->chunk = (int)(left < p->cap ? left : p->cap);
    p->err = 0;
    p->short_in = 0;
    struct io_uring_sqe *sqe = sqe_get(u);
    if (!sqe) return -EAGAIN;
    io_uring_prep_splice(sqe, op->u.file.in_fd, op->u.file.off + (int64_t)op->priv64, p->w, -1,
                         (unsigned)p->chunk, 0);
    /* no CQE_SKIP_SUCCESS here: measured on 6.x, a short splice that carries it posts its CQE
     * but does not break the link, leaving the pipe -> socket half waiting on an empty pipe */
    sqe->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_SPLICE_IN);
    p->in_pipe = p->chunk; /* corrected by the first half's CQE when it falls short */
    return splice_out(u, op, p, 0);
}

static int submit_recv(zk_loop_t *loop, ur_t *u, zk_op_t *op, struct io_uring_sqe *sqe)
{
    if (!(op->flags & ZK_OP_F_POOLBUF)) {
        io_uring_prep_recv(sqe, op->fd, op->u.io.buf, op->u.io.len, 0);
        return 0;
    }
    if (u->feat & F_BUFRING) {
        if ((op->flags & ZK_OP_F_MULTISHOT) && (u->feat & F_MSHOT_RECV))
            io_uring_prep_recv_multishot(sqe, op->fd, NULL, 0, 0);
        else
            io_uring_prep_recv(sqe, op->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = BGID;
        return 0;
    }
    /* no buffer ring: hold a buffer from the user-space pool for the duration of the recv */
    int bid = zk__buf_take(loop);
    if (bid < 0) return bid;
    op->priv16 = (uint16_t)bid;
    io_uring_prep_recv(sqe, op->fd, zk_buf_ptr(loop, (unsigned)bid), loop->buf_size, 0);
    return 0;
}

static int sf_poll(ur_t *u, zk_op_t *op)
{
    struct io_uring_sqe *sqe = sqe_get(u);
    if (!sqe) return -EAGAIN;
    io_uring_prep_poll_add(sqe, op->fd, POLLOUT);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_SF_POLL);
    return 0;
}

/* one inline sendfile(2): 1 when op completed (deferred), 0 when waiting, -errno to splice */
static int sf_inline(zk_loop_t *loop, ur_t *u, zk_op_t *op)
{
    off_t off = op->u.file.off;
    ssize_t n;
    do
        n = sendfile(op->fd, op->u.file.in_fd, &off, op->u.file.len);
    while (n < 0 && errno == EINTR);
    if (n >= 0) {
        zk__defer(loop, op, (int)n);
        return 1;
    }
    if (errno == EAGAIN) {
        int r = sf_poll(u, op);
        if (r < 0) zk__defer(loop, op, r);
        return r < 0 ? 1 : 0;
    }
    if (errno == EINVAL || errno == ENOSYS) return -errno; /* not sendfile-able: splice */
    zk__defer(loop, op, -errno);
    return 1;
}

static void sf_poll_cqe(zk_loop_t *loop, ur_t *u, zk_op_t *op, int res)
{
    if (op->state == ZK_OPS_CANCELLING) {
        zk__complete(loop, op, -ECANCELED, 0);
        return;
    }
    if (res < 0) {
        zk__complete(loop, op, res, 0);
        return;
    }
    sf_inline(loop, u, op); /* completes through the done queue, or polls again */
}

static int ur_submit(zk_loop_t *loop, zk_op_t *op)
{
    ur_t *u = loop->be;
    if (op->type == ZK_OP_SENDFILE) {
        if (op->u.file.len <= SENDFILE_INLINE_MAX && sf_inline(loop, u, op) >= 0) return 0;
        int idx = pipe_get(u);
        if (idx < 0) return sf_inline(loop, u, op) >= 0 ? 0 : idx;
        op->priv16 = (uint16_t)idx;
        op->priv64 = 0; /* bytes sent so far */
        if (op->u.file.len == 0) {
            pipe_put(u, idx, 0);
            zk__defer(loop, op, 0);
            return 0;
        }
        return splice_chunk(u, op);
    }
    struct io_uring_sqe *sqe = sqe_get(u);
    if (!sqe) return -EAGAIN;
    switch (op->type) {
    case ZK_OP_ACCEPT: /* readiness on the ring, then accept4(2) here: see accept_cqe() */
        op->priv64 = 0;
        if ((op->flags & ZK_OP_F_MULTISHOT) && (u->feat & F_MSHOT_ACCEPT))
            io_uring_prep_poll_multishot(sqe, op->fd, POLLIN);
        else
            io_uring_prep_poll_add(sqe, op->fd, POLLIN);
        break;
    case ZK_OP_CONNECT:
        io_uring_prep_connect(sqe, op->fd, op->u.conn.addr, op->u.conn.addrlen);
        break;
    case ZK_OP_RECV: {
        int r = submit_recv(loop, u, op, sqe);
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
    default:
        io_uring_prep_nop(sqe);
        io_uring_sqe_set_data64(sqe, 0);
        return -EINVAL;
    }
    io_uring_sqe_set_data(sqe, op);
    return 0;
}

static void cancel_ud(ur_t *u, uint64_t ud)
{
    struct io_uring_sqe *sqe = sqe_get(u);
    if (!sqe) return;
    io_uring_prep_cancel64(sqe, ud, 0);
    io_uring_sqe_set_data64(sqe, 0);
    if (u->feat & F_SKIP) sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

static int ur_cancel(zk_loop_t *loop, zk_op_t *op)
{
    ur_t *u = loop->be;
    cancel_ud(u, (uint64_t)(uintptr_t)op);
    if (op->type == ZK_OP_SENDFILE) {
        cancel_ud(u, (uint64_t)(uintptr_t)op | TAG_SPLICE_IN);
        cancel_ud(u, (uint64_t)(uintptr_t)op | TAG_POLL);
        cancel_ud(u, (uint64_t)(uintptr_t)op | TAG_SF_POLL);
    }
    return 0;
}

static void ur_buf_put(zk_loop_t *loop, unsigned bid)
{
    ur_t *u = loop->be;
    zk__buf_release(loop, bid);
    if (u->feat & F_BUFRING) ring_refill(loop, u);
    /* a recv that ran out of buffers goes again now */
    zk_op_t *op = zk__q_pop(&loop->starved);
    if (op && ur_submit(loop, op) < 0) zk__defer(loop, op, -ENOMEM);
}

static void ur_forget_fd(zk_loop_t *loop, int fd)
{
    (void)loop;
    (void)fd;
}

/* ---- completion ---- */

static void sendfile_done(zk_loop_t *loop, ur_t *u, zk_op_t *op, int res)
{
    int idx = op->priv16;
    upipe_t *p = &u->pipes[idx];
    int sent = (int)op->priv64;
    int dirty = p->in_pipe > 0;
    pipe_put(u, idx, dirty);
    zk__complete(loop, op, sent > 0 ? sent : res, 0);
}

/* the file -> pipe half: how much it put in the pipe */
static void splice_in_cqe(ur_t *u, zk_op_t *op, int res)
{
    upipe_t *p = &u->pipes[op->priv16];
    if (res < 0) {
        p->err = res;
        p->in_pipe = 0;
    } else {
        p->in_pipe = res;
        p->short_in = res < p->chunk;
    }
}

static void splice_out_cqe(zk_loop_t *loop, ur_t *u, zk_op_t *op, int res)
{
    upipe_t *p = &u->pipes[op->priv16];
    if (res > 0) {
        op->priv64 += (uint64_t)res;
        p->in_pipe -= res;
    }
    if (res == -EAGAIN && op->state != ZK_OPS_CANCELLING && p->in_pipe > 0) {
        if (splice_out(u, op, p, 1) < 0) sendfile_done(loop, u, op, -EAGAIN);
    } else if (res < 0 && res != -ECANCELED) {
        sendfile_done(loop, u, op, res);
    } else if (op->state == ZK_OPS_CANCELLING) {
        sendfile_done(loop, u, op, -ECANCELED);
    } else if (p->in_pipe > 0) { /* the socket took less than the pipe held, or the link broke */
        if (splice_out(u, op, p, 0) < 0) sendfile_done(loop, u, op, -EAGAIN);
    } else if (p->err) {
        sendfile_done(loop, u, op, p->err);
    } else if (p->short_in || res == -ECANCELED || op->priv64 >= op->u.file.len) {
        sendfile_done(loop, u, op, 0);
    } else if (splice_chunk(u, op) < 0) {
        sendfile_done(loop, u, op, -EAGAIN);
    }
}

static void recv_cqe(zk_loop_t *loop, ur_t *u, zk_op_t *op, struct io_uring_cqe *cqe)
{
    int res = cqe->res, more = cqe->flags & IORING_CQE_F_MORE;
    int cancelling = op->state == ZK_OPS_CANCELLING;
    int mshot = op->flags & ZK_OP_F_MULTISHOT;
    int bid = -1;
    if (op->flags & ZK_OP_F_POOLBUF) {
        if (cqe->flags & IORING_CQE_F_BUFFER) {
            bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
            u->posted--;
        } else if (!(u->feat & F_BUFRING))
            bid = op->priv16;
        if (bid >= 0 && res <= 0) {
            ur_buf_put(loop, (unsigned)bid); /* never handed out: buf_out unchanged */
            bid = -1;
        }
    }
    if (res == -ENOBUFS && !more) {
        if (!cancelling) {
            /* the ring ran dry; buffers the user gave back since then let it go again at once,
             * otherwise it waits for the next zk_buf_put() */
            ring_refill(loop, u);
            if (u->posted) {
                if (ur_submit(loop, op) < 0) zk__defer(loop, op, -ENOMEM);
            } else {
                zk__q_push(&loop->starved, op);
            }
            return;
        }
        res = -ECANCELED;
    }
    /* a multishot the kernel ended early (or that we emulate) is re-armed */
    int rearm = mshot && res > 0 && !more && !cancelling;
    if (bid >= 0)
        zk__complete_buf(loop, op, res, more || rearm, (unsigned)bid);
    else
        zk__complete(loop, op, res, more || rearm);
    if (rearm) {
        if (op->state == ZK_OPS_CANCELLING)
            zk__defer(loop, op, -ECANCELED); /* the cancel found nothing in the kernel */
        else if (ur_submit(loop, op) < 0)
            zk__defer(loop, op, -ENOMEM);
    }
}

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
static void accept_cqe(zk_loop_t *loop, ur_t *u, zk_op_t *op, struct io_uring_cqe *cqe)
{
    int res = cqe->res, more = cqe->flags & IORING_CQE_F_MORE;
    int mshot = (op->flags & ZK_OP_F_MULTISHOT) != 0; /* a one-shot poll is re-armed for it */
    if (res >= 0 && !op->priv64) {
        int r = accept_drain(loop, op, mshot);
        if (r == 1) return;
        if (r < 0) { /* end the op with the listener's error once the poll is gone */
            op->priv64 = (uint64_t)(int64_t)r;
            if (more) {
                op->state = ZK_OPS_CANCELLING;
                cancel_ud(u, (uint64_t)(uintptr_t)op);
            }
        }
    }
    if (more) return;
    if (op->priv64) {
        zk__complete(loop, op, (int)(int64_t)op->priv64, 0);
    } else if (op->state == ZK_OPS_CANCELLING) {
        zk__complete(loop, op, -ECANCELED, 0);
    } else if (res < 0 && res != -ECANCELED) {
        zk__complete(loop, op, res, 0);
    } else if (ur_submit(loop, op) < 0) { /* the poll ended on its own (or found nothing) */
        zk__defer(loop, op, -ENOMEM);
    }
}

static void handle_cqe(zk_loop_t *loop, ur_t *u, struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe);
    if (!ud || ud == LIBURING_UDATA_TIMEOUT) return;
    zk_op_t *op = (zk_op_t *)(uintptr_t)(ud & ~(uint64_t)TAG_MASK);
    unsigned tag = (unsigned)(ud & TAG_MASK);
    if (tag == TAG_POLL) return;
    if (tag == TAG_SF_POLL)
        sf_poll_cqe(loop, u, op, cqe->res);
    else if (tag == TAG_SPLICE_IN)
        splice_in_cqe(u, op, cqe->res);
    else if (op->type == ZK_OP_SENDFILE)
        splice_out_cqe(loop, u, op, cqe->res);
    else if (op->type == ZK_OP_RECV)
        recv_cqe(loop, u, op, cqe);
    else if (op->type == ZK_OP_ACCEPT)
        accept_cqe(loop, u, op, cqe);
    else
        zk__complete(loop, op, cqe->res, 0);
}

static int ur_poll(zk_loop_t *loop, int64_t timeout_ns)
{
    ur_t *u = loop->be;
    int r;
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
    ur_t *u = loop->be;
    close(u->ring.ring_fd);
    for (unsigned i = 0; i < u->npipes; i++) {
        if (u->pipes[i].r >= 0) close(u->pipes[i].r);
        if (u->pipes[i].w >= 0) close(u->pipes[i].w);
    }
}

const zk_backend_ops_t zk_backend_uring = {
    .name = "io_uring",
    .kind = ZK_BACKEND_URING,
    .init = ur_init,
    .fini = ur_fini,
    .submit = ur_submit,
    .cancel = ur_cancel,
    .poll = ur_poll,
    .buf_put = ur_buf_put,
    .forget_fd = ur_forget_fd,
    .abandon = ur_abandon,
};
