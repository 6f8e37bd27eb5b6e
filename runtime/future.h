/* SPDX-License-Identifier: MIT */
/* zokio: futures and tasks on top of ops.
 *
 * A task is a state machine whose run() function polls futures. poll() returns ZK_READY with
 * f->result set, or ZK_PENDING after arranging for the task to be woken (zk_task_wake) when the
 * underlying completion lands; the loop then calls run() again. A future becomes READY only when
 * nothing of it is left in flight, so after READY its memory and buffers are the task's again.
 * Futures are caller-owned (embed them in the task's state); nothing is allocated per poll.
 */
#ifndef ZK_FUTURE_H
#define ZK_FUTURE_H

#include <stdint.h>

#include "runtime/op.h"

typedef enum { ZK_PENDING = 0, ZK_READY = 1 } zk_poll_t;

typedef struct zk_task zk_task_t;
typedef struct zk_future zk_future_t;

typedef struct zk_future_vt {
    zk_poll_t (*poll)(zk_future_t *f, zk_task_t *t);
    /* asks a pending future to finish early; it still must be polled to READY (result
     * -ECANCELED, or its real result if that won the race) */
    void (*cancel)(zk_future_t *f);
} zk_future_vt_t;

struct zk_future {
    const zk_future_vt_t *vt;
    int result; /* valid once poll returned ZK_READY */
};

static inline zk_poll_t zk_poll(zk_future_t *f, zk_task_t *t) { return f->vt->poll(f, t); }
static inline void zk_future_cancel(zk_future_t *f) { f->vt->cancel(f); }

/* ---- tasks ---- */
typedef zk_poll_t (*zk_task_fn)(zk_task_t *t);
typedef void (*zk_task_done_fn)(zk_task_t *t);

struct zk_task {
    zk_loop_t *loop;
    zk_task_fn run;       /* returns ZK_READY when the task is finished */
    zk_task_done_fn done; /* called once after run() returned ZK_READY; may free the task */
    void *data;
    zk_task_t *next; /* loop-private: ready queue */
    uint8_t queued;
    uint8_t finished;
};

/* Initialises a caller-owned task. `done` may be NULL. */
void zk_task_init(zk_task_t *t, zk_loop_t *loop, zk_task_fn run, zk_task_done_fn done, void *data);
/* Schedules the first run(); the task keeps the loop alive until it finishes. */
void zk_spawn(zk_task_t *t);
/* The waker: schedules run() on the next pass of the loop (idempotent, loop thread only). */
void zk_task_wake(zk_task_t *t);
/* Drops an unfinished task its owner is about to free: it leaves the ready queue (even in the
 * middle of a pass), stops keeping the loop alive, and neither run() nor done() is called again.
 * The owner cancels the futures the task waits on first. A no-op on a finished task. */
void zk_task_cancel(zk_task_t *t);

/* ---- a future per operation ---- */
typedef struct zk_io_future {
    zk_future_t base;
    zk_op_t op;
    zk_task_t *task;
    uint8_t st;
    uint8_t all;  /* SEND / WRITEV: keep sending until everything is out */
    size_t total; /* bytes sent so far when `all` */
} zk_io_future_t;

void zk_fut_accept(zk_io_future_t *f, int listen_fd);
void zk_fut_connect(zk_io_future_t *f, int fd, const struct sockaddr *addr, socklen_t len);
void zk_fut_recv(zk_io_future_t *f, int fd, void *buf, size_t len);
/* result = bytes in a provided buffer: f->op.rbuf / f->op.bid; give it back with zk_buf_put() */
void zk_fut_recv_pool(zk_io_future_t *f, int fd);
/* all = 1: complete only when every byte is sent (result = total) or on error */
void zk_fut_send(zk_io_future_t *f, int fd, const void *buf, size_t len, int all);
/* all = 1 rewrites iov[] in place while it advances */
void zk_fut_writev(zk_io_future_t *f, int fd, struct iovec *iov, int iovcnt, int all);
void zk_fut_shutdown(zk_io_future_t *f, int fd, int how);
void zk_fut_close(zk_io_future_t *f, int fd);
void zk_fut_sendfile(zk_io_future_t *f, int sock_fd, int file_fd, int64_t off, size_t len);
/* result 0 after ns (relative to the cached loop clock) */
void zk_fut_sleep(zk_io_future_t *f, uint64_t ns);
/* One-shot readiness of fd: the result is the poll(2) revents mask (POLLIN, POLLOUT, ...). */
void zk_fut_poll(zk_io_future_t *f, int fd, unsigned events);
/* File ops and thread-pool work (see op.h): the result is the op's. The path / buffers are the
 * loop's until READY. */
void zk_fut_openat(zk_io_future_t *f, int dirfd, const char *path, int flags, unsigned mode);
void zk_fut_statx(zk_io_future_t *f, int dirfd, const char *path, int flags, unsigned mask,
                  struct statx *buf);
void zk_fut_pread(zk_io_future_t *f, int fd, void *buf, size_t len, int64_t off);
void zk_fut_pwrite(zk_io_future_t *f, int fd, const void *buf, size_t len, int64_t off);
void zk_fut_preadv(zk_io_future_t *f, int fd, struct iovec *iov, int iovcnt, int64_t off);
void zk_fut_pwritev(zk_io_future_t *f, int fd, struct iovec *iov, int iovcnt, int64_t off);
void zk_fut_fsync(zk_io_future_t *f, int fd, unsigned flags);
void zk_fut_work(zk_io_future_t *f, zk_work_fn fn, void *arg);
/* read(2) of a pollable fd (a pipe, such as a spawned child's stdout): result = bytes, 0 at EOF */
void zk_fut_read(zk_io_future_t *f, int fd, void *buf, size_t len);
/* 1 while the future's op is in flight */
static inline int zk_fut_busy(const zk_io_future_t *f) { return zk_op_busy(&f->op); }

/* A datagram future: one RECVMSG or SENDMSG (see op.h) with the msghdr, its iovec and the peer's
 * address inside the future, so the task owns nothing else but the data buffer (the loop's until
 * READY). Poll and cancel it through &f->io.base. At READY, io.base.result is the byte count or
 * -errno and, for a recvmsg that succeeded:
 *   addr / addrlen  the sender (struct sockaddr_in or _in6 by addr.ss_family),
 *   flags           the datagram's msg_flags: MSG_TRUNC when it was longer than the buffer (the
 *                   result is then the bytes that fitted, the rest is lost).
 * Both are 0 after an error. */
typedef struct zk_msg_future {
    zk_io_future_t io; /* first: io.op.data points at the whole future */
    struct msghdr msg;
    struct iovec iov;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int flags;
} zk_msg_future_t;

/* Receives one datagram into buf (len bytes at most) on fd. */
void zk_fut_recvmsg(zk_msg_future_t *f, int fd, void *buf, size_t len);
/* Sends buf as one datagram to `to` (copied into the future; NULL on a connected socket). */
void zk_fut_sendmsg(zk_msg_future_t *f, int fd, const void *buf, size_t len,
                    const struct sockaddr *to, socklen_t tolen);

/* ---- combinators ---- */

/* Races `inner` against an absolute deadline. READY with inner's result, or with -ETIMEDOUT when
 * the deadline passed first (inner is cancelled and awaited before READY is returned). */
typedef struct zk_timeout_future {
    zk_future_t base;
    zk_future_t *inner;
    zk_timer_t timer;
    zk_task_t *task;
    uint8_t st;
} zk_timeout_future_t;
void zk_fut_timeout(zk_timeout_future_t *f, zk_future_t *inner, uint64_t deadline);

/* Both futures to READY; result 0. Read a->result and b->result. */
typedef struct zk_join_future {
    zk_future_t base;
    zk_future_t *a, *b;
    uint8_t ready; /* bit 0: a, bit 1: b */
} zk_join_future_t;
void zk_fut_join(zk_join_future_t *f, zk_future_t *a, zk_future_t *b);

/* The first of a, b to be READY wins; the other is cancelled and awaited. result = 0 when a won,
 * 1 when b won; the winner's own result is in its ->result. */
typedef struct zk_select_future {
    zk_future_t base;
    zk_future_t *a, *b;
    int8_t winner;
    uint8_t ready;
} zk_select_future_t;
void zk_fut_select(zk_select_future_t *f, zk_future_t *a, zk_future_t *b);

/* ---- streams over multishot ops ---- */

/* Multishot accept: accepted fds queue up until the task takes them. */
#define ZK_ACCEPT_QUEUE 1024
typedef struct zk_accept_stream {
    zk_op_t op;
    zk_task_t *task;
    int fd;
    int err; /* the error that ended the stream, 0 while it runs */
    unsigned head, tail;
    uint8_t paused;  /* queue was full: op cancelled, re-armed when drained */
    uint8_t closing; /* zk_accept_stream_stop() called */
    int fd_ceiling;  /* see zk_accept_stream_set_ceiling(); 0: none */
    int q[ZK_ACCEPT_QUEUE];
} zk_accept_stream_t;

void zk_accept_stream_init(zk_accept_stream_t *s, int listen_fd);
/* Fd headroom: once a connection's fd number reaches `ceiling` (fds are numbered lowest first,
 * so every one below it is in use), the stream stops accepting -- the rest wait in the kernel's
 * backlog -- and, after the connections already accepted, ends with -EMFILE; the owner waits a
 * moment and starts it again. What stays below RLIMIT_NOFILE is for the connections' own files
 * and pipes. Set after zk_accept_stream_init(). */
void zk_accept_stream_set_ceiling(zk_accept_stream_t *s, int ceiling);
/* READY with *fd = a new connection (the caller owns it), or READY with *fd = -errno when the
 * stream ended; PENDING otherwise. */
zk_poll_t zk_accept_next(zk_accept_stream_t *s, zk_task_t *t, int *fd);
/* Stops accepting. Connections already accepted (queued, or landing before the cancel settles)
 * are still handed out; then zk_accept_next() is READY with -ECANCELED once the op is idle. */
void zk_accept_stream_stop(zk_loop_t *loop, zk_accept_stream_t *s);

/* Multishot recv into provided buffers: received buffers are chained (through the loop's
 * per-buffer links, so the queue costs nothing per chunk) until the task takes them. Reading
 * pauses (the op is cancelled) while ZK_RECV_HIGH chunks wait and resumes when they are taken. */
#define ZK_RECV_HIGH 8
typedef struct zk_recv_chunk {
    int res; /* bytes, 0 = EOF, -errno */
    uint16_t bid;
} zk_recv_chunk_t;

typedef struct zk_recv_stream {
    zk_op_t op;
    zk_task_t *task;
    int fd;
    int end_res;         /* 0 = EOF or -errno, once `ended` */
    uint32_t count;      /* chunks waiting */
    uint16_t head, tail; /* chain of waiting buffer ids */
    uint8_t paused;      /* op cancelled for back-pressure */
    uint8_t want;        /* caller wants data (not paused by zk_recv_stream_pause) */
    uint8_t ended;       /* EOF, error or stop: never re-armed */
} zk_recv_stream_t;

void zk_recv_stream_init(zk_recv_stream_t *s, int fd);
/* READY with a chunk: res > 0 bytes at zk_buf_ptr(loop, bid) (give it back with zk_buf_put),
 * res == 0 EOF, res < 0 error. PENDING otherwise. Arms the multishot recv on first call. */
zk_poll_t zk_recv_next(zk_recv_stream_t *s, zk_task_t *t, zk_recv_chunk_t *out);
/* Stop reading for a while (back-pressure) / read again. */
void zk_recv_stream_pause(zk_loop_t *loop, zk_recv_stream_t *s);
void zk_recv_stream_resume(zk_loop_t *loop, zk_recv_stream_t *s);
/* Cancels the op and puts queued buffers back. The stream is idle when !zk_recv_stream_busy(). */
void zk_recv_stream_stop(zk_loop_t *loop, zk_recv_stream_t *s);
static inline int zk_recv_stream_busy(const zk_recv_stream_t *s) { return zk_op_busy(&s->op); }

#endif
