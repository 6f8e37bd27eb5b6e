/* SPDX-License-Identifier: MIT */
/* zokio, io_uring backend: ZK_OP_SENDFILE. Small ones go out by sendfile(2) on the loop thread,
 * larger ones splice file -> pipe -> socket on the ring through a pipe pair from a pool. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "runtime/uring.h"

#define TAG_SPLICE_IN 1u
#define TAG_POLL      2u /* a POLLOUT linked before a splice retry: its CQE is ignored */
#define TAG_SF_POLL   3u /* a POLLOUT before an inline sendfile(2) retry */

/* Sendfile ops up to this size go out by sendfile(2) on the loop thread when the socket has
 * room (from the page cache that is a copy-free memcpy-speed call; io_uring runs splice on an
 * io-wq worker, a thread hop that measured at half the request rate for 100 KiB files on this
 * machine). Larger ones splice through a pipe pair on the ring, so a cold file's disk reads
 * happen in io-wq instead of stalling the loop. */
#define SENDFILE_INLINE_MAX (1u << 20)
#define MAX_PIPES           1024
#define PIPE_KEEP           8     /* idle pipe pairs kept open */
#define PIPE_IDLE_MS        10000 /* and for this long (zk_loop_opts_t.pipe_idle_ms) */

/* a pipe pair of the pool */
typedef struct upipe {
    int r, w;
    unsigned cap;        /* this pipe's capacity */
    uint64_t idle_since; /* loop time it went back to the pool */
} upipe_t;

/* A splice sendfile in flight: bytes move file -> pipe -> socket. It holds pipe pair `pipe` for
 * its whole run, and has slot `pipe` of runs[] for its state; the op keeps that index in
 * zk__op(op)->slot. Counts are 64-bit; an op moves at most ZK_SENDFILE_MAX bytes, so its result
 * fits an int. */
typedef struct usplice {
    uint64_t sent;    /* bytes the socket took */
    uint64_t want;    /* bytes this op moves: its length, capped at ZK_SENDFILE_MAX */
    uint16_t pipe;    /* its pipe pair in the pool */
    unsigned chunk;   /* length asked of the current file -> pipe splice */
    unsigned in_pipe; /* bytes sitting in the pipe */
    int err;          /* error of the file -> pipe half */
    int short_in;     /* the file gave less than asked: end of file (or of what it will give now) */
} usplice_t;

struct zk_ur_sf {
    upipe_t pipes[MAX_PIPES];
    usplice_t runs[MAX_PIPES]; /* runs[i] is the sendfile that holds pipes[i] */
    /* slots with an idle pipe pair: a LIFO stack, so the bottom ones have been idle longest */
    uint16_t pipe_free[MAX_PIPES];
    uint16_t pipe_dead[MAX_PIPES]; /* slots whose pair was closed */
    unsigned npipe_free, npipe_dead, npipes;
    uint64_t idle_ns;
    zk_timer_t trim; /* weak: armed while idle pairs are open */
};

static void pipes_trim(zk_loop_t *loop, zk_timer_t *t);

int zk__ur_sendfile_init(zk_ur_t *u, const zk_loop_opts_t *o)
{
    u->sf = calloc(1, sizeof *u->sf);
    if (!u->sf) return -ENOMEM;
    unsigned ms = o && o->pipe_idle_ms ? o->pipe_idle_ms : PIPE_IDLE_MS;
    u->sf->idle_ns = (uint64_t)ms * ZK_MSEC;
    zk_timer_init(&u->sf->trim, pipes_trim, u->sf);
    u->sf->trim.weak = 1;
    return 0;
}

void zk__ur_sendfile_abandon(zk_ur_t *u)
{
    zk_ur_sf_t *s = u->sf;
    if (!s) return;
    for (unsigned i = 0; i < s->npipes; i++) {
        if (s->pipes[i].r >= 0) close(s->pipes[i].r);
        if (s->pipes[i].w >= 0) close(s->pipes[i].w);
    }
}

void zk__ur_sendfile_fini(zk_loop_t *loop, zk_ur_t *u)
{
    if (u->sf) zk_timer_stop(loop, &u->sf->trim);
    zk__ur_sendfile_abandon(u);
    free(u->sf);
    u->sf = NULL;
}

/* ---- the pipe pool ---- */

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
static int pipe_get(zk_ur_sf_t *s)
{
    if (s->npipe_free) return s->pipe_free[--s->npipe_free];
    int idx = s->npipe_dead ? s->pipe_dead[--s->npipe_dead] : (int)s->npipes;
    if (idx == MAX_PIPES) return -EMFILE;
    int r = pipe_open(&s->pipes[idx]);
    if (r < 0) {
        if (idx < (int)s->npipes) s->pipe_dead[s->npipe_dead++] = (uint16_t)idx;
        return r;
    }
    if (idx == (int)s->npipes) s->npipes++;
    return idx;
}

/* Back to the pool: at most PIPE_KEEP idle pairs stay open, the others are closed (a burst of
 * large downloads must not keep hundreds of fds); a pipe with bytes stuck inside is closed. The
 * kept ones close after idle_ns without use (pipes_trim()). */
static void pipe_put(zk_loop_t *loop, zk_ur_sf_t *s, int idx, int dirty)
{
    upipe_t *p = &s->pipes[idx];
    if (dirty || s->npipe_free >= PIPE_KEEP) {
        pipe_close(p);
        s->pipe_dead[s->npipe_dead++] = (uint16_t)idx;
        return;
    }
    p->idle_since = zk_loop_now(loop);
    s->pipe_free[s->npipe_free++] = (uint16_t)idx;
    if (!zk_timer_armed(&s->trim)) zk_timer_start(loop, &s->trim, p->idle_since + s->idle_ns);
}

/* The weak timer: closes the pairs idle for idle_ns (the bottom of the stack), and waits for the
 * next one to get there. */
static void pipes_trim(zk_loop_t *loop, zk_timer_t *t)
{
    zk_ur_sf_t *s = t->data;
    uint64_t now = zk_loop_now(loop);
    unsigned n = 0;
    while (n < s->npipe_free && s->pipes[s->pipe_free[n]].idle_since + s->idle_ns <= now) {
        pipe_close(&s->pipes[s->pipe_free[n]]);
        s->pipe_dead[s->npipe_dead++] = s->pipe_free[n++];
    }
    s->npipe_free -= n;
    memmove(s->pipe_free, s->pipe_free + n, s->npipe_free * sizeof *s->pipe_free);
    if (s->npipe_free) zk_timer_start(loop, t, s->pipes[s->pipe_free[0]].idle_since + s->idle_ns);
}

/* ---- splices ---- */

static usplice_t *run_of(zk_ur_t *u, const zk_op_t *op) { return &u->sf->runs[zk__op_c(op)->slot]; }

/* pipe -> socket for what sits in the pipe; after_full: the socket was full (the splice said
 * -EAGAIN, io-wq does not wait on a non-blocking socket), so wait for POLLOUT first */
static int splice_out(zk_ur_t *u, zk_op_t *op, usplice_t *sp, int after_full)
{
    struct io_uring_sqe *sqe;
    if (after_full) {
        if (!(sqe = zk__ur_sqe_get(u))) return -EAGAIN;
        io_uring_prep_poll_add(sqe, op->fd, POLLOUT);
        sqe->flags |= IOSQE_IO_LINK;
        io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_POLL);
    }
    if (!(sqe = zk__ur_sqe_get(u))) return -EAGAIN;
    io_uring_prep_splice(sqe, u->sf->pipes[sp->pipe].r, -1, op->fd, -1, sp->in_pipe, 0);
    io_uring_sqe_set_data(sqe, op);
    return 0;
}

/* next chunk: file -> pipe linked to pipe -> socket */
static int splice_chunk(zk_ur_t *u, zk_op_t *op)
{
    usplice_t *sp = run_of(u, op);
    upipe_t *p = &u->sf->pipes[sp->pipe];
    uint64_t left = sp->want - sp->sent;
    sp->chunk = left < p->cap ? (unsigned)left : p->cap;
    sp->err = 0;
    sp->short_in = 0;
    struct io_uring_sqe *sqe = zk__ur_sqe_get(u);
    if (!sqe) return -EAGAIN;
    io_uring_prep_splice(sqe, op->u.file.in_fd, op->u.file.off + (int64_t)sp->sent, p->w, -1,
                         sp->chunk, 0);
    /* no CQE_SKIP_SUCCESS here: measured on 6.x, a short splice that carries it posts its CQE
     * but does not break the link, leaving the pipe -> socket half waiting on an empty pipe */
    sqe->flags |= IOSQE_IO_LINK;
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_SPLICE_IN);
    sp->in_pipe = sp->chunk; /* corrected by the first half's CQE when it falls short */
    return splice_out(u, op, sp, 0);
}

/* ---- inline sendfile(2) ---- */

static int sf_poll(zk_ur_t *u, zk_op_t *op)
{
    struct io_uring_sqe *sqe = zk__ur_sqe_get(u);
    if (!sqe) return -EAGAIN;
    io_uring_prep_poll_add(sqe, op->fd, POLLOUT);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)op | TAG_SF_POLL);
    return 0;
}

/* one inline sendfile(2): 1 when op completed (deferred), 0 when waiting, -errno to splice */
static int sf_inline(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op)
{
    off_t off = op->u.file.off;
    size_t len = op->u.file.len < ZK_SENDFILE_MAX ? op->u.file.len : ZK_SENDFILE_MAX;
    ssize_t n;
    do
        n = sendfile(op->fd, op->u.file.in_fd, &off, len);
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

static void sf_poll_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, int res)
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

int zk__ur_sendfile_submit(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op)
{
    if (op->u.file.len <= SENDFILE_INLINE_MAX && sf_inline(loop, u, op) >= 0) return 0;
    int idx = pipe_get(u->sf);
    if (idx < 0) return sf_inline(loop, u, op) >= 0 ? 0 : idx;
    zk__op(op)->slot = (uint16_t)idx;
    usplice_t *sp = run_of(u, op);
    memset(sp, 0, sizeof *sp);
    sp->pipe = (uint16_t)idx;
    sp->want = op->u.file.len < ZK_SENDFILE_MAX ? op->u.file.len : ZK_SENDFILE_MAX;
    if (op->u.file.len == 0) {
        pipe_put(loop, u->sf, idx, 0);
        zk__defer(loop, op, 0);
        return 0;
    }
    return splice_chunk(u, op);
}

void zk__ur_sendfile_cancel(zk_ur_t *u, zk_op_t *op)
{
    zk__ur_cancel_ud(u, (uint64_t)(uintptr_t)op | TAG_SPLICE_IN);
    zk__ur_cancel_ud(u, (uint64_t)(uintptr_t)op | TAG_POLL);
    zk__ur_cancel_ud(u, (uint64_t)(uintptr_t)op | TAG_SF_POLL);
}

/* ---- completions ---- */

static void sendfile_done(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, int res)
{
    usplice_t *sp = run_of(u, op);
    int sent = (int)sp->sent; /* at most ZK_SENDFILE_MAX */
    pipe_put(loop, u->sf, sp->pipe, sp->in_pipe > 0);
    zk__complete(loop, op, sent > 0 ? sent : res, 0);
}

/* the file -> pipe half: how much it put in the pipe */
static void splice_in_cqe(zk_ur_t *u, zk_op_t *op, int res)
{
    usplice_t *sp = run_of(u, op);
    if (res < 0) {
        sp->err = res;
        sp->in_pipe = 0;
    } else {
        sp->in_pipe = (unsigned)res;
        sp->short_in = (unsigned)res < sp->chunk;
    }
}

static void splice_out_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, int res)
{
    usplice_t *sp = run_of(u, op);
    if (res > 0) {
        sp->sent += (uint64_t)res;
        sp->in_pipe -= (unsigned)res;
    }
    if (res == -EAGAIN && op->state != ZK_OPS_CANCELLING && sp->in_pipe > 0) {
        if (splice_out(u, op, sp, 1) < 0) sendfile_done(loop, u, op, -EAGAIN);
    } else if (res < 0 && res != -ECANCELED) {
        sendfile_done(loop, u, op, res);
    } else if (op->state == ZK_OPS_CANCELLING) {
        sendfile_done(loop, u, op, -ECANCELED);
    } else if (sp->in_pipe > 0) { /* the socket took less than the pipe held, or the link broke */
        if (splice_out(u, op, sp, 0) < 0) sendfile_done(loop, u, op, -EAGAIN);
    } else if (sp->err) {
        sendfile_done(loop, u, op, sp->err);
    } else if (sp->short_in || res == -ECANCELED || sp->sent >= sp->want) {
        sendfile_done(loop, u, op, 0);
    } else if (splice_chunk(u, op) < 0) {
        sendfile_done(loop, u, op, -EAGAIN);
    }
}

void zk__ur_sendfile_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, unsigned tag, int res)
{
    switch (tag) {
    case TAG_POLL: break;
    case TAG_SF_POLL: sf_poll_cqe(loop, u, op, res); break;
    case TAG_SPLICE_IN: splice_in_cqe(u, op, res); break;
    default: splice_out_cqe(loop, u, op, res); break;
    }
}
