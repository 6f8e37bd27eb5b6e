/* SPDX-License-Identifier: MIT */
/* zokio: the loop's thread pool (see threadpool.h). One mutex guards the waiting queue and the
 * done list; the threads sleep on one condition variable. The loop is woken through its eventfd
 * once per batch of completions (a pending flag, like zk_async_send()). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "runtime/threadpool.h"
#include "zk_features.h"

#ifdef HAVE_OPENAT2
#include <linux/openat2.h>
#endif

#define ZK_POOL_MAX_THREADS 256

/* zk__op(op)->slot while the op is on the pool */
enum { P_QUEUED = 1, P_RUNNING, P_DONE };

struct zk_threadpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zk_opq_t queue;  /* waiting for a thread */
    zk_opq_t done;   /* finished, waiting for the loop thread */
    unsigned queued; /* ops in queue */
    unsigned cap;    /* most ops in queue */
    unsigned nthreads;
    int stop;
    int pending; /* a wake-up is on its way to the loop (__atomic) */
    int event_fd;
    pthread_t *threads;
};

int zk__pool_wants(const zk_loop_t *loop, const zk_op_t *op)
{
    if (op->type == ZK_OP_WORK) return 1;
    /* a CLOSE the epoll backend handed over (slot is 0 on every op the pool does not hold) */
    if (op->type == ZK_OP_CLOSE) return zk__op_c(op)->slot != 0;
    if (op->type == ZK_OP_OPENAT2) return !loop->files_native || !loop->openat2_native;
    return op->type >= ZK_OP_OPENAT && op->type <= ZK_OP_FSYNC && !loop->files_native;
}

int zk_op_native(const zk_loop_t *loop, int type)
{
    if (type < ZK_OP_OPENAT || type > ZK_OP_OPENAT2) return 0;
    zk_op_t op = {.type = (uint8_t)type};
    return !zk__pool_wants(loop, &op);
}

uint64_t zk_loop_pool_ran(const zk_loop_t *loop) { return loop->pool_ran; }

static int openat2_call(const zk_op_t *op)
{
#if defined(HAVE_OPENAT2) && defined(SYS_openat2)
    op->u.open2.how->flags |= O_CLOEXEC;
    return (int)syscall(SYS_openat2, op->fd, op->u.open2.path, op->u.open2.how,
                        sizeof *op->u.open2.how);
#else
    (void)op;
    errno = ENOSYS;
    return -1;
#endif
}

static size_t rw_len(size_t len) { return len < ZK_RW_MAX ? len : ZK_RW_MAX; }

/* The blocking call itself, on a pool thread. */
static int run_op(zk_op_t *op)
{
    ssize_t r;
    switch (op->type) {
    case ZK_OP_WORK: return op->u.work.fn(op->u.work.arg);
    case ZK_OP_OPENAT:
        r = openat(op->fd, op->u.open.path, op->u.open.flags | O_CLOEXEC, (mode_t)op->u.open.mode);
        break;
    case ZK_OP_STATX:
        r = statx(op->fd, op->u.stx.path, op->u.stx.flags, op->u.stx.mask, op->u.stx.buf);
        break;
    case ZK_OP_PREAD: r = pread(op->fd, op->u.io.buf, rw_len(op->u.io.len), op->u.io.off); break;
    case ZK_OP_PWRITE: r = pwrite(op->fd, op->u.io.buf, rw_len(op->u.io.len), op->u.io.off); break;
    case ZK_OP_PREADV: r = preadv(op->fd, op->u.vec.iov, op->u.vec.iovcnt, op->u.vec.off); break;
    case ZK_OP_PWRITEV: r = pwritev(op->fd, op->u.vec.iov, op->u.vec.iovcnt, op->u.vec.off); break;
    case ZK_OP_OPENAT2: r = openat2_call(op); break;
    case ZK_OP_FSYNC:
        r = op->u.fsync_flags & ZK_FSYNC_DATASYNC ? fdatasync(op->fd) : fsync(op->fd);
        break;
    case ZK_OP_CLOSE: r = close(op->fd); break; /* epoll, a file: see ep_submit() */
    default: return -EINVAL;
    }
    return r < 0 ? -errno : (int)r;
}

static void wake_loop(zk_threadpool_t *p)
{
    if (__atomic_exchange_n(&p->pending, 1, __ATOMIC_ACQ_REL)) return; /* one is on its way */
    uint64_t one = 1;
    ssize_t r;
    do
        r = write(p->event_fd, &one, sizeof one);
    while (r < 0 && errno == EINTR);
}

static void *worker(void *arg)
{
    zk_threadpool_t *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->queue.head && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        zk_op_t *op = zk__q_pop(&p->queue);
        if (!op) break; /* stopping, and nothing left */
        p->queued--;
        zk__op(op)->slot = P_RUNNING;
        pthread_mutex_unlock(&p->mu);
        int res = run_op(op);
        pthread_mutex_lock(&p->mu);
        zk__op(op)->res = res;
        zk__op(op)->slot = P_DONE;
        zk__q_push(&p->done, op);
        pthread_mutex_unlock(&p->mu);
        wake_loop(p);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void stop_threads(zk_threadpool_t *p, unsigned n)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < n; i++)
        pthread_join(p->threads[i], NULL);
}

/* Cold path, first use: the threads start with every signal blocked, so that signals keep going
 * to the loop thread (zk_signals_start(), zokiod's handlers). */
static int pool_start(zk_loop_t *loop)
{
    zk_threadpool_t *p = calloc(1, sizeof *p);
    if (!p) return -ENOMEM;
    p->nthreads = loop->pool_threads ? loop->pool_threads : 4;
    if (p->nthreads > ZK_POOL_MAX_THREADS) p->nthreads = ZK_POOL_MAX_THREADS;
    p->cap = loop->pool_queue ? loop->pool_queue : 4096;
    p->event_fd = loop->event_fd;
    p->threads = calloc(p->nthreads, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return -ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = 0;
    unsigned i;
    for (i = 0; i < p->nthreads && r == 0; i++)
        r = -pthread_create(&p->threads[i], NULL, worker, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r < 0) {
        stop_threads(p, i - 1);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p->threads);
        free(p);
        return r;
    }
    loop->pool = p;
    return 0;
}

int zk__pool_submit(zk_loop_t *loop, zk_op_t *op)
{
    int r;
    if (!loop->pool && (r = pool_start(loop)) < 0) return r;
    zk_threadpool_t *p = loop->pool;
    pthread_mutex_lock(&p->mu);
    if (p->queued >= p->cap) {
        pthread_mutex_unlock(&p->mu);
        return -EAGAIN;
    }
    zk__op(op)->slot = P_QUEUED;
    zk__q_push(&p->queue, op);
    p->queued++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void zk__pool_cancel(zk_loop_t *loop, zk_op_t *op)
{
    zk_threadpool_t *p = loop->pool;
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    int queued = zk__op(op)->slot == P_QUEUED;
    if (queued) {
        zk__q_remove(&p->queue, op);
        p->queued--;
        zk__op(op)->slot = 0;
    }
    pthread_mutex_unlock(&p->mu);
    if (queued) zk__defer(loop, op, -ECANCELED);
}

void zk__pool_drain(zk_loop_t *loop)
{
    zk_threadpool_t *p = loop->pool;
    if (!p) return;
    /* cleared before the list is taken: a thread finishing after this writes the eventfd again */
    __atomic_store_n(&p->pending, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&p->mu);
    zk_op_t *op = p->done.head;
    p->done.head = p->done.tail = NULL;
    pthread_mutex_unlock(&p->mu);
    while (op) {
        zk_op_t *next = zk__op(op)->next;
        zk__op(op)->slot = 0;
        loop->pool_ran++;
        zk__complete(loop, op, zk__op(op)->res, 0);
        op = next;
    }
}

void zk__pool_free(zk_loop_t *loop)
{
    zk_threadpool_t *p = loop->pool;
    if (!p) return;
    stop_threads(p, p->nthreads);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
    loop->pool = NULL;
}

void zk__pool_abandon(zk_loop_t *loop) { loop->pool = NULL; }
