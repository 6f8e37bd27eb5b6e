/* SPDX-License-Identifier: MIT */
/* zokio: the event loop. One loop per thread; nothing here is thread-safe except zk_async_send().
 */
#ifndef ZK_LOOP_H
#define ZK_LOOP_H

#include <stdint.h>
#include <stddef.h>

typedef struct zk_loop zk_loop_t;

typedef enum {
    ZK_BACKEND_AUTO = 0, /* io_uring when a probe ring works, else epoll */
    ZK_BACKEND_URING,
    ZK_BACKEND_EPOLL,
} zk_backend_kind_t;

typedef enum {
    ZK_RUN_DEFAULT = 0, /* until zk_loop_stop() or nothing is left to wait for */
    ZK_RUN_ONCE,        /* one tick, waiting for at least one event if something is pending */
    ZK_RUN_NOWAIT,      /* one tick, never blocking */
} zk_run_mode_t;

/* "io_uring" (or "uring"), "epoll", "auto" -> *out; -EINVAL for anything else. */
int zk_backend_parse(const char *name, zk_backend_kind_t *out);

typedef struct zk_loop_opts {
    /* overridden by the environment's ZOKIO_BACKEND=io_uring|epoll|auto */
    zk_backend_kind_t backend;
    const char *backend_why; /* who chose `backend`, for zk_loop_backend_reason(); NULL: "config" */
    unsigned entries;        /* io_uring SQ size / epoll batch; 0 = 1024 */
    unsigned buf_count;      /* provided receive buffers, power of two; 0 = 1024 */
    unsigned buf_size;       /* bytes per provided buffer; 0 = 8192 */
    unsigned pipe_idle_ms;   /* io_uring sendfile: an idle pipe pair closes after; 0 = 10000 */
    unsigned pool_threads;   /* thread pool (started on first use): threads; 0 = 4, at most 256 */
    unsigned pool_queue;     /* ops waiting for a pool thread before -EAGAIN; 0 = 4096 */
    int quiet;               /* 1: do not log the backend choice to stderr */
} zk_loop_opts_t;

/* Creates a loop. opts may be NULL. Returns 0 or -errno; on success *out belongs to the caller
 * and is freed with zk_loop_free(). The backend choice and its reason are logged once (stderr)
 * unless opts->quiet. SIGPIPE is ignored process-wide so a send to a reset peer returns -EPIPE,
 * and the calling thread's timer slack is set to 1 ns so timers fire on time. */
int zk_loop_new(zk_loop_t **out, const zk_loop_opts_t *opts);

/* Frees the loop. Every op must have completed (zk_loop_run() returned with nothing alive). */
void zk_loop_free(zk_loop_t *loop);

/* In a child after fork(): drops the parent's loop without touching what the parent still uses
 * (an io_uring instance is shared across fork): its fds are closed, its memory is left alone. */
void zk_loop_abandon(zk_loop_t *loop);

/* Runs the loop. Returns 0, or -errno when the backend fails. */
int zk_loop_run(zk_loop_t *loop, zk_run_mode_t mode);

/* Makes zk_loop_run(ZK_RUN_DEFAULT) return after the current tick. Loop thread only. */
void zk_loop_stop(zk_loop_t *loop);

/* Monotonic time in nanoseconds, read once per tick and cached (zk_loop_update_now() refreshes). */
uint64_t zk_loop_now(const zk_loop_t *loop);
uint64_t zk_loop_update_now(zk_loop_t *loop);

/* "io_uring" or "epoll", and why it was chosen (a static string). */
const char *zk_loop_backend_name(const zk_loop_t *loop);
const char *zk_loop_backend_reason(const zk_loop_t *loop);

/* How many ops the loop's thread pool has run and completed (WORK, and file ops where they are
 * not native): statistics, and tests that check which way an op went. */
uint64_t zk_loop_pool_ran(const zk_loop_t *loop);
zk_backend_kind_t zk_loop_backend(const zk_loop_t *loop);
/* What the io_uring backend got from this kernel, space-separated (a static string, also in the
 * reason): "defer_taskrun" (SINGLE_ISSUER | DEFER_TASKRUN; else "coop/plain ring"),
 * "multishot-accept", "multishot-recv", "bufring", "cqe-skip", "files" (native file ops),
 * "ring-fd" (a registered ring fd). Each falls back on its own; ZOKIO_URING_BASIC=1 turns them
 * all off. "" on epoll. */
const char *zk_loop_features(const zk_loop_t *loop);

/* Number of user operations, timers and tasks still alive (what keeps ZK_RUN_DEFAULT running). */
unsigned zk_loop_alive(const zk_loop_t *loop);

/* Provided receive buffers (ZK_OP_F_POOLBUF): a completed recv hands the caller buffer `bid`;
 * the caller must give it back with zk_buf_put() once it has consumed the bytes. */
char *zk_buf_ptr(zk_loop_t *loop, unsigned bid);
void zk_buf_put(zk_loop_t *loop, unsigned bid);
unsigned zk_buf_size(const zk_loop_t *loop);
unsigned zk_buf_free_count(const zk_loop_t *loop);

/* Cross-thread wake-up (an eventfd underneath). zk_async_init registers `a` with the loop (loop
 * thread); zk_async_send may be called from any thread, any number of times: `cb` then runs on
 * the loop thread at least once after the send. An async handle does not keep the loop alive.
 * The caller owns `a` and must zk_async_close() it before freeing it or the loop. */
typedef struct zk_async zk_async_t;
typedef void (*zk_async_cb)(zk_loop_t *loop, zk_async_t *a);
struct zk_async {
    zk_async_cb cb;
    void *data;
    zk_loop_t *loop;
    zk_async_t *next;
    volatile int pending; /* set with __atomic builtins */
};
void zk_async_init(zk_loop_t *loop, zk_async_t *a, zk_async_cb cb);
void zk_async_send(zk_async_t *a);
void zk_async_close(zk_async_t *a);

/* Gives back to the kernel the pages of receive buffers that sit deep in the free stack (not used
 * for a while: after a burst of connections), keeping the hot ones; on io_uring it also sizes the
 * window of buffers posted to the kernel to the last second's demand and, after a second without
 * input, gives back the posted buffers' pages. Call it about once a second. Returns the bytes
 * given back. */
size_t zk_loop_trim(zk_loop_t *loop);

#endif
