/* SPDX-License-Identifier: MIT */
/* zokio internals shared by loop.c, the backends, timers and tasks. Not for users. */
#ifndef ZK_INTERNAL_H
#define ZK_INTERNAL_H

#include <errno.h>
#include <stdint.h>

#include "runtime/future.h"
#include "runtime/loop.h"
#include "runtime/op.h"
#include "runtime/timer.h"

/* op->state */
enum {
    ZK_OPS_IDLE = 0,
    ZK_OPS_ARMED,      /* submitted to the backend */
    ZK_OPS_CANCELLING, /* a cancel has been asked for */
    ZK_OPS_DONE,       /* completed, sitting on the loop's done queue */
};

/* What the loop keeps in an op (zk_op_t.loop_private). */
typedef struct zk__op_priv {
    zk_op_t *next, *prev; /* the queue it is on (a zk_opq_t, the deferred list) */
    uint64_t
        word;    /* per type: TIMEOUT 1 = absolute deadline; io_uring ACCEPT the error ending it */
    int32_t res; /* a deferred completion's result */
    uint16_t slot; /* per type: io_uring POOLBUF recv the buffer id, SENDFILE its splice run */
} zk__op_priv_t;

_Static_assert(sizeof(zk__op_priv_t) <= ZK_OP_PRIVATE_SIZE && _Alignof(zk__op_priv_t) <= 8,
               "zk_op_t.loop_private is too small for zk__op_priv_t");

static inline zk__op_priv_t *zk__op(zk_op_t *op)
{
    return (zk__op_priv_t *)(void *)op->loop_private.bytes;
}

static inline const zk__op_priv_t *zk__op_c(const zk_op_t *op)
{
    return (const zk__op_priv_t *)(const void *)op->loop_private.bytes;
}

/* simple intrusive op queues through zk__op(op)->next / ->prev */
typedef struct zk_opq {
    zk_op_t *head, *tail;
} zk_opq_t;

typedef struct zk_backend_ops {
    const char *name;
    zk_backend_kind_t kind;
    /* sets loop->be; returns 0 or -errno (the loop then tries the next backend) */
    int (*init)(zk_loop_t *loop, const zk_loop_opts_t *opts);
    void (*fini)(zk_loop_t *loop);
    /* takes an op (never TIMEOUT); may complete it later via zk__complete() or zk__defer() */
    int (*submit)(zk_loop_t *loop, zk_op_t *op);
    /* op is ARMED or CANCELLING in this backend; arrange a final completion */
    int (*cancel)(zk_loop_t *loop, zk_op_t *op);
    /* flushes submissions, waits up to timeout_ns (-1: forever, 0: not at all), runs callbacks */
    int (*poll)(zk_loop_t *loop, int64_t timeout_ns);
    /* a provided buffer came back */
    void (*buf_put)(zk_loop_t *loop, unsigned bid);
    /* from zk_loop_trim(): gives back what the backend holds beyond recent needs; returns the
     * bytes given back. NULL: nothing to trim */
    size_t (*trim)(zk_loop_t *loop);
    /* the fd is about to be closed outside an op: forget per-fd state */
    void (*forget_fd)(zk_loop_t *loop, int fd);
    /* in a forked child: close the backend's fds without touching kernel state it shares */
    void (*abandon)(zk_loop_t *loop);
} zk_backend_ops_t;

extern const zk_backend_ops_t zk_backend_uring;
extern const zk_backend_ops_t zk_backend_epoll;

struct zk_loop {
    const zk_backend_ops_t *ops;
    void *be; /* backend state */
    char reason[160];
    char features[96]; /* what the backend found at start */
    uint64_t now;
    int stopped;
    unsigned alive; /* user ops in flight + timers armed + tasks not finished */

    /* deferred completions (epoll immediate results, cancels of queued ops, timeout ops) */
    zk_op_t *done_head, *done_tail;

    /* timer heap */
    zk_timer_t **heap;
    uint32_t heap_len, heap_cap;
    uint64_t timer_seq;

    /* tasks ready to run */
    zk_task_t *ready_head, *ready_tail;
    zk_task_t *running; /* the rest of the pass zk__tasks_run is running */

    /* provided buffers: one region, buf_count * buf_size bytes; free stack of ids */
    char *bufs;
    unsigned buf_count, buf_size;
    uint16_t *buf_free;
    uint8_t *buf_resident; /* 1: the buffer's pages may be resident (zk_loop_trim()) */
    uint16_t *buf_link;    /* chains of buffers waiting in a recv stream */
    uint32_t *buf_len;     /* bytes held by each waiting buffer */
    unsigned buf_nfree;
    unsigned buf_out;      /* handed to users, not yet put back */
    struct zk_opq starved; /* POOLBUF recvs waiting for a free buffer (backend use) */

    /* cross-thread wake-up */
    int event_fd;
    zk_op_t event_op;
    uint64_t event_val;
    zk_async_t *asyncs;
    zk_async_t *async_next; /* the next handle event_cb() visits while it walks asyncs */

    /* thread pool (threadpool.c), started on first use */
    struct zk_threadpool *pool;
    unsigned pool_threads, pool_queue; /* zk_loop_opts_t's */
    uint64_t pool_ran;                 /* ops the pool completed (zk_loop_pool_ran()) */
    uint8_t files_native;   /* set by the backend: file ops have native forms (else the pool) */
    uint8_t openat2_native; /* set by the backend: OPENAT2 has a native form (else the pool) */
};

/* What keeps a loop alive is counted through these two only: a user op (not
 * ZK_OP_F_INTERNAL) from zk_submit() to its last completion (a TIMEOUT op included: its timer is
 * weak), an armed timer that is not weak, a task from zk_spawn() until it finishes. */
static inline void zk__alive_hold(zk_loop_t *loop) { loop->alive++; }
static inline void zk__alive_drop(zk_loop_t *loop) { loop->alive--; }
static inline int zk__op_counts(const zk_op_t *op) { return !(op->flags & ZK_OP_F_INTERNAL); }

/* Runs op's callback now with res (sets/clears ZK_OP_F_MORE from `more`, updates alive and
 * state). Backends call this from poll(). */
void zk__complete(zk_loop_t *loop, zk_op_t *op, int res, int more);
/* Same, handing the caller provided buffer bid (ZK_OP_F_BUF) holding res bytes. */
void zk__complete_buf(zk_loop_t *loop, zk_op_t *op, int res, int more, unsigned bid);
/* Queues op's completion with res for the next dispatch (never re-entrant into the caller). */
void zk__defer(zk_loop_t *loop, zk_op_t *op, int res);
/* 1 when deferred completions or ready tasks are waiting (poll must not block) */
int zk__has_work(const zk_loop_t *loop);

/* An accept that failed for this one connection only (the listener itself is fine): -errno. */
static inline int zk__accept_transient(int res)
{
    return res == -ECONNABORTED || res == -EINTR || res == -EAGAIN || res == -EPROTO ||
           res == -EPERM;
}

/* provided buffers (bufpool.c): the region and the user-space free stack (the epoll backend and
 * the io_uring fallback) */
int zk__bufs_init(zk_loop_t *loop, const zk_loop_opts_t *o); /* 0 or -errno */
void zk__bufs_fini(zk_loop_t *loop);
int zk__buf_take(zk_loop_t *loop); /* bid or -ENOBUFS */
void zk__buf_release(zk_loop_t *loop, unsigned bid);

void zk__q_push(zk_opq_t *q, zk_op_t *op);
zk_op_t *zk__q_pop(zk_opq_t *q);
void zk__q_remove(zk_opq_t *q, zk_op_t *op);

/* timers: fire every expired one (loop.c calls it once per tick); nearest deadline or UINT64_MAX */
void zk__timers_run(zk_loop_t *loop);
uint64_t zk__timers_next(const zk_loop_t *loop);
void zk__timers_fini(zk_loop_t *loop);

/* tasks: runs every ready task once (tasks woken meanwhile run on the next pass) */
void zk__tasks_run(zk_loop_t *loop);

uint64_t zk__clock_ns(void);

/* Test hook (tests/unit/runtime/cancel.c): while `on`, the io_uring backend's early flush of a
 * full SQ (zk__ur_sqe_get()) is refused, the way the kernel refuses a submission it cannot take
 * now (-EAGAIN; -EBUSY with an overflowing CQ on older kernels), so the SQ stays full. Returns 0,
 * or -ENOTSUP on the epoll backend. */
int zk__test_refuse_flush(zk_loop_t *loop, int on);

/* Test hook (tests/unit/runtime/bufring.c): the io_uring provided-buffer ring's window (buffers
 * kept posted) and how many are posted now. 0, or -ENOTSUP without a ring (epoll, old kernels). */
int zk__test_bufring(zk_loop_t *loop, unsigned *window, unsigned *posted);

#endif
