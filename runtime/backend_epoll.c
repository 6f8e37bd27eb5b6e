/* SPDX-License-Identifier: MIT */
/* zokio: the epoll backend. It imitates completions: each fd is registered once, edge-triggered,
 * and the loop remembers whether it is readable / writable; an op waits in its fd's read or write
 * queue and is performed (the real syscall) when the fd is ready, then completes. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "runtime/threadpool.h"

#if defined(__has_include)
#if __has_include("zk_features.h")
#include "zk_features.h"
#endif
#endif

#define BATCH      256 /* ops performed per fd per pass before yielding to other fds */
#define MAX_EVENTS 512

typedef struct efd {
    zk_opq_t rq, wq;
    uint8_t reg, rready, wready, queued, hup;
} efd_t;

typedef struct ep {
    int epfd;
    efd_t *fds;
    unsigned nfds;
    int *retry; /* fds to process again on the next pass without a new event */
    unsigned nretry, retry_cap;
    struct epoll_event evs[MAX_EVENTS];
} ep_t;

static size_t fds_bytes(unsigned n) { return ((size_t)n * sizeof(efd_t) + 4095) & ~(size_t)4095; }

static efd_t *efd_get(ep_t *ep, int fd)
{
    if ((unsigned)fd >= ep->nfds) { /* only when a higher fd number appears */
        unsigned n = ep->nfds ? ep->nfds : 1024;
        while (n <= (unsigned)fd)
            n *= 2;
        /* mapped, and grown with mremap: the new slots are the kernel's zero pages, resident
         * only once an fd uses them (a zeroed heap block would make a doubled table cost every
         * slot: ~25 bytes more per connection at 10,000) */
        void *f = ep->fds ? mremap(ep->fds, fds_bytes(ep->nfds), fds_bytes(n), MREMAP_MAYMOVE)
                          : mmap(NULL, fds_bytes(n), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (f == MAP_FAILED) return NULL;
        ep->fds = f;
        ep->nfds = n;
    }
    return &ep->fds[fd];
}

static int retry_add(ep_t *ep, int fd)
{
    efd_t *e = &ep->fds[fd];
    if (e->queued) return 0;
    if (ep->nretry == ep->retry_cap) {
        unsigned n = ep->retry_cap ? 2 * ep->retry_cap : 256;
        int *r = realloc(ep->retry, n * sizeof *r);
        if (!r) return -ENOMEM;
        ep->retry = r;
        ep->retry_cap = n;
    }
    ep->retry[ep->nretry++] = fd;
    e->queued = 1;
    return 0;
}

static int ep_init(zk_loop_t *loop, const zk_loop_opts_t *o)
{
    (void)o;
    ep_t *ep = calloc(1, sizeof *ep);
    if (!ep) return -ENOMEM;
    ep->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ep->epfd < 0) {
        int r = -errno;
        free(ep);
        return r;
    }
    loop->be = ep;
    return 0;
}

static void ep_fini(zk_loop_t *loop)
{
    ep_t *ep = loop->be;
    if (!ep) return;
    close(ep->epfd);
    if (ep->fds) munmap(ep->fds, fds_bytes(ep->nfds));
    free(ep->retry);
    free(ep);
    loop->be = NULL;
}

static int is_read_op(const zk_op_t *op)
{
    return op->type == ZK_OP_ACCEPT || op->type == ZK_OP_RECV || op->type == ZK_OP_READ ||
           op->type == ZK_OP_RECVMSG || (op->type == ZK_OP_POLL && (op->u.poll_events & POLLIN));
}

/* Performs op's syscall once. -EAGAIN: not ready. *bid gets a taken buffer (or -1). */
static int attempt(zk_loop_t *loop, zk_op_t *op, int *bid)
{
    ssize_t r;
    *bid = -1;
    switch (op->type) {
    case ZK_OP_ACCEPT: r = accept4(op->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); break;
    case ZK_OP_RECV:
        if (op->flags & ZK_OP_F_POOLBUF) {
            int b = zk__buf_take(loop);
            if (b < 0) return -ENOBUFS;
            r = recv(op->fd, zk_buf_ptr(loop, (unsigned)b), loop->buf_size, 0);
            if (r > 0)
                *bid = b;
            else
                zk__buf_release(loop, (unsigned)b);
        } else {
            r = recv(op->fd, op->u.io.buf, op->u.io.len, 0);
        }
        break;
    case ZK_OP_READ: r = read(op->fd, op->u.io.buf, op->u.io.len); break;
    case ZK_OP_SEND: r = send(op->fd, op->u.io.buf, op->u.io.len, MSG_NOSIGNAL); break;
    case ZK_OP_WRITEV: {
        struct msghdr mh = {.msg_iov = op->u.vec.iov, .msg_iovlen = (size_t)op->u.vec.iovcnt};
        r = sendmsg(op->fd, &mh, MSG_NOSIGNAL);
        if (r < 0 && errno == ENOTSOCK) r = writev(op->fd, op->u.vec.iov, op->u.vec.iovcnt);
        break;
    }
    case ZK_OP_SENDFILE: {
        off_t off = op->u.file.off;
        size_t len = op->u.file.len < ZK_SENDFILE_MAX ? op->u.file.len : ZK_SENDFILE_MAX;
        r = sendfile(op->fd, op->u.file.in_fd, &off, len);
        break;
    }
    case ZK_OP_POLL: { /* the edge flags may be stale: ask the fd itself */
        struct pollfd pfd = {.fd = op->fd, .events = (short)op->u.poll_events};
        int n = poll(&pfd, 1, 0);
        if (n < 0) return -errno;
        return n == 0 ? -EAGAIN : pfd.revents;
    }
    case ZK_OP_CONNECT: {
        int err = 0;
        socklen_t l = sizeof err;
        if (getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) return -errno;
        if (err) return -err;
        struct sockaddr_storage ss;
        l = sizeof ss;
        if (getpeername(op->fd, (struct sockaddr *)&ss, &l) < 0)
            return errno == ENOTCONN ? -EAGAIN : -errno;
        return 0;
    }
    /* datagrams: MSG_DONTWAIT keeps a blocking fd from stalling the loop; a datagram shorter
     * than the buffer says nothing of what else is queued, so only EAGAIN clears readiness */
    case ZK_OP_RECVMSG: r = recvmsg(op->fd, op->u.msg.msg, op->u.msg.flags | MSG_DONTWAIT); break;
    case ZK_OP_SENDMSG: r = sendmsg(op->fd, op->u.msg.msg, op->u.msg.flags | MSG_DONTWAIT); break;
    default: return -EINVAL;
    }
    if (r < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    return (int)r;
}

/* Runs the ops queued on one side of an fd while it stays ready. */
static void process(zk_loop_t *loop, ep_t *ep, int fd, int read_side)
{
    for (int n = 0;; n++) {
        efd_t *e = &ep->fds[fd]; /* re-read: callbacks may grow the table */
        zk_opq_t *q = read_side ? &e->rq : &e->wq;
        zk_op_t *op = q->head;
        if (!op || !(read_side ? e->rready : e->wready)) return;
        if (n == BATCH) {
            retry_add(ep, fd);
            return;
        }
        int bid, r = attempt(loop, op, &bid);
        if (r == -EINTR) continue;
        if (r == -ECONNABORTED && op->type == ZK_OP_ACCEPT) continue;
        if (r == -EAGAIN) {
            if (read_side)
                e->rready = 0;
            else
                e->wready = 0;
            return;
        }
        if (r == -ENOBUFS) { /* no free provided buffer: wait for zk_buf_put() */
            zk__q_remove(q, op);
            zk__q_push(&loop->starved, op);
            continue;
        }
        if (op->type == ZK_OP_ACCEPT && r >= 0 && (unsigned)r < ep->nfds)
            memset(&ep->fds[r], 0, sizeof(efd_t)); /* a new fd: forget stale state */
        /* a short read or write means the socket is drained / full: wait for the next edge */
        if (op->type == ZK_OP_RECV && r > 0) {
            size_t want = op->flags & ZK_OP_F_POOLBUF ? loop->buf_size : op->u.io.len;
            if ((size_t)r < want && !e->hup) e->rready = 0; /* after a FIN, recv gives 0 */
        } else if (op->type == ZK_OP_SEND && r >= 0 && (size_t)r < op->u.io.len) {
            e->wready = 0;
        }
        int more = (op->flags & ZK_OP_F_MULTISHOT) && r > 0 && op->state == ZK_OPS_ARMED;
        if (op->type == ZK_OP_ACCEPT) more = (op->flags & ZK_OP_F_MULTISHOT) && r >= 0;
        if (!more) zk__q_remove(q, op);
        if (bid >= 0)
            zk__complete_buf(loop, op, r, more, (unsigned)bid);
        else
            zk__complete(loop, op, r, more);
    }
}

static void process_fd(zk_loop_t *loop, ep_t *ep, int fd)
{
    process(loop, ep, fd, 1);
    process(loop, ep, fd, 0);
}

static int ensure_registered(ep_t *ep, int fd, efd_t **out)
{
    efd_t *e = efd_get(ep, fd);
    if (!e) return -ENOMEM;
    if (!e->reg) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                                 .data.fd = fd};
        if (epoll_ctl(ep->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            if (errno != EEXIST) return -errno;
            ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
            epoll_ctl(ep->epfd, EPOLL_CTL_MOD, fd, &ev); /* re-arm to get a fresh edge */
        }
        e->reg = 1;
        e->wready = 1; /* a fresh socket is writable; a wrong guess costs one EAGAIN */
    }
    *out = e;
    return 0;
}

static void cancel_queue(zk_loop_t *loop, zk_opq_t *q)
{
    zk_op_t *op;
    while ((op = zk__q_pop(q)))
        zk__defer(loop, op, -ECANCELED);
}

static void ep_forget_fd(zk_loop_t *loop, int fd)
{
    ep_t *ep = loop->be;
    if (fd < 0 || (unsigned)fd >= ep->nfds) return;
    efd_t *e = &ep->fds[fd];
    cancel_queue(loop, &e->rq);
    cancel_queue(loop, &e->wq);
    for (zk_op_t *op = loop->starved.head, *next; op; op = next) {
        next = zk__op(op)->next;
        if (op->fd == fd) {
            zk__q_remove(&loop->starved, op);
            zk__defer(loop, op, -ECANCELED);
        }
    }
    if (e->reg) epoll_ctl(ep->epfd, EPOLL_CTL_DEL, fd, NULL);
    uint8_t queued = e->queued;
    memset(e, 0, sizeof *e);
    e->queued = queued; /* still listed in ep->retry; harmless */
}

static int sync_result(int r) { return r < 0 ? -errno : r; }

static int ep_submit(zk_loop_t *loop, zk_op_t *op)
{
    ep_t *ep = loop->be;
    efd_t *e = NULL;
    int r;
    switch (op->type) {
    case ZK_OP_CLOSE:
        /* an fd never registered here (a file): its last close may block (an unlinked file's
         * blocks freed, a network file system's flush), so a pool thread makes it */
        if (op->fd >= 0 && ((unsigned)op->fd >= ep->nfds || !ep->fds[op->fd].reg))
            return zk__pool_submit(loop, op);
        ep_forget_fd(loop, op->fd);
        zk__defer(loop, op, sync_result(close(op->fd)));
        return 0;
    case ZK_OP_SHUTDOWN: zk__defer(loop, op, sync_result(shutdown(op->fd, op->u.how))); return 0;
    case ZK_OP_CONNECT:
        if (connect(op->fd, op->u.conn.addr, op->u.conn.addrlen) == 0) {
            zk__defer(loop, op, 0);
            return 0;
        }
        if (errno != EINPROGRESS) return -errno;
        break;
    default: break;
    }
    if ((r = ensure_registered(ep, op->fd, &e)) < 0) return r;
    int rd = is_read_op(op);
    zk__q_push(rd ? &e->rq : &e->wq, op);
    if (rd ? e->rready : e->wready) return retry_add(ep, op->fd);
    return 0;
}

static int ep_cancel(zk_loop_t *loop, zk_op_t *op)
{
    ep_t *ep = loop->be;
    if ((unsigned)op->fd >= ep->nfds) return -ENOENT;
    efd_t *e = &ep->fds[op->fd];
    zk__q_remove(is_read_op(op) ? &e->rq : &e->wq, op);
    zk__defer(loop, op, -ECANCELED);
    return 0;
}

static void ep_buf_put(zk_loop_t *loop, unsigned bid)
{
    ep_t *ep = loop->be;
    zk__buf_release(loop, bid);
    zk_op_t *op = zk__q_pop(&loop->starved);
    if (!op) return;
    efd_t *e = &ep->fds[op->fd];
    zk__q_push(&e->rq, op);
    retry_add(ep, op->fd);
}

static int ep_poll(zk_loop_t *loop, int64_t timeout_ns)
{
    ep_t *ep = loop->be;
    if (ep->nretry) timeout_ns = 0;
    int n;
#ifdef HAVE_EPOLL_PWAIT2
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    n = epoll_pwait2(ep->epfd, ep->evs, MAX_EVENTS, timeout_ns < 0 ? NULL : &ts, NULL);
#else
    int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
    n = epoll_wait(ep->epfd, ep->evs, MAX_EVENTS, ms);
#endif
    if (n < 0) return errno == EINTR ? 0 : -errno;
    loop->now = zk__clock_ns();
    for (int i = 0; i < n; i++) {
        int fd = ep->evs[i].data.fd;
        uint32_t ev = ep->evs[i].events;
        if ((unsigned)fd >= ep->nfds || !ep->fds[fd].reg) continue;
        efd_t *e = &ep->fds[fd];
        if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->rready = 1;
        if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->hup = 1;
        if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) e->wready = 1;
        process_fd(loop, ep, fd);
    }
    /* fds that became ready by submission, or hit the batch limit; new ones wait a pass */
    unsigned cnt = ep->nretry;
    for (unsigned i = 0; i < cnt; i++) {
        int fd = ep->retry[i];
        ep->fds[fd].queued = 0;
        process_fd(loop, ep, fd);
    }
    if (cnt) {
        memmove(ep->retry, ep->retry + cnt, (ep->nretry - cnt) * sizeof *ep->retry);
        ep->nretry -= cnt;
    }
    return n;
}

static void ep_abandon(zk_loop_t *loop)
{
    ep_t *ep = loop->be;
    close(ep->epfd);
}

const zk_backend_ops_t zk_backend_epoll = {
    .name = "epoll",
    .kind = ZK_BACKEND_EPOLL,
    .init = ep_init,
    .fini = ep_fini,
    .submit = ep_submit,
    .cancel = ep_cancel,
    .poll = ep_poll,
    .buf_put = ep_buf_put,
    .forget_fd = ep_forget_fd,
    .abandon = ep_abandon,
};
