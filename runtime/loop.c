/* SPDX-License-Identifier: MIT */
/* zokio: loop life cycle, backend choice, the tick, deferred completions, provided buffers. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "runtime/threadpool.h"

uint64_t zk__clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * ZK_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t zk_loop_now(const zk_loop_t *loop) { return loop->now; }
uint64_t zk_loop_update_now(zk_loop_t *loop) { return loop->now = zk__clock_ns(); }
const char *zk_loop_backend_name(const zk_loop_t *loop) { return loop->ops->name; }
const char *zk_loop_backend_reason(const zk_loop_t *loop) { return loop->reason; }
const char *zk_loop_features(const zk_loop_t *loop)
{
    return loop->ops->kind == ZK_BACKEND_URING ? loop->features : "";
}
zk_backend_kind_t zk_loop_backend(const zk_loop_t *loop) { return loop->ops->kind; }
unsigned zk_loop_alive(const zk_loop_t *loop) { return loop->alive; }
void zk_loop_stop(zk_loop_t *loop) { loop->stopped = 1; }

/* ---- completions ---- */

void zk__complete(zk_loop_t *loop, zk_op_t *op, int res, int more)
{
    op->flags &= (uint16_t)~ZK_OP_F_OUT;
    if (more) {
        op->flags |= ZK_OP_F_MORE;
    } else {
        op->state = ZK_OPS_IDLE;
        if (zk__op_counts(op)) zk__alive_drop(loop);
    }
    op->cb(loop, op, res);
}

void zk__complete_buf(zk_loop_t *loop, zk_op_t *op, int res, int more, unsigned bid)
{
    loop->buf_out++;
    op->flags &= (uint16_t)~ZK_OP_F_OUT;
    op->flags |= ZK_OP_F_BUF | (more ? ZK_OP_F_MORE : 0);
    op->bid = (uint16_t)bid;
    op->rbuf = zk_buf_ptr(loop, bid);
    if (!more) {
        op->state = ZK_OPS_IDLE;
        if (zk__op_counts(op)) zk__alive_drop(loop);
    }
    op->cb(loop, op, res);
}

void zk__defer(zk_loop_t *loop, zk_op_t *op, int res)
{
    op->state = ZK_OPS_DONE;
    zk__op(op)->res = res;
    zk__op(op)->next = NULL;
    if (loop->done_tail)
        zk__op(loop->done_tail)->next = op;
    else
        loop->done_head = op;
    loop->done_tail = op;
}

static void run_deferred(zk_loop_t *loop)
{
    zk_op_t *op = loop->done_head;
    loop->done_head = loop->done_tail = NULL;
    while (op) {
        zk_op_t *next = zk__op(op)->next;
        zk__complete(loop, op, zk__op(op)->res, 0);
        op = next;
    }
}

int zk__has_work(const zk_loop_t *loop) { return loop->done_head || loop->ready_head; }

/* ---- cross-thread wake-up ---- */

static void event_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)op;
    zk__pool_drain(loop); /* the thread pool's completions share the eventfd */
    /* a callback may close handles (its own, the next one): the walk goes on from async_next,
     * which zk_async_close() moves past a handle it unlinks */
    for (zk_async_t *a = loop->asyncs; a; a = loop->async_next) {
        loop->async_next = a->next;
        if (__atomic_exchange_n(&a->pending, 0, __ATOMIC_ACQ_REL)) a->cb(loop, a);
    }
    loop->async_next = NULL;
    if (res < 0 && res != -EAGAIN && res != -EINTR && res != -ECANCELED) {
        fprintf(stderr, "zokio: eventfd read failed: %s\n", strerror(-res));
        return;
    }
    if (res == -ECANCELED) return;
    zk_prep_read(&loop->event_op, loop->event_fd, &loop->event_val, sizeof loop->event_val,
                 event_cb, NULL);
    loop->event_op.flags |= ZK_OP_F_INTERNAL;
    zk_submit(loop, &loop->event_op);
}

void zk_async_init(zk_loop_t *loop, zk_async_t *a, zk_async_cb cb)
{
    a->cb = cb;
    a->loop = loop;
    a->pending = 0;
    a->next = loop->asyncs;
    loop->asyncs = a;
}

void zk_async_send(zk_async_t *a)
{
    if (__atomic_exchange_n(&a->pending, 1, __ATOMIC_ACQ_REL)) return; /* a wake is on its way */
    uint64_t one = 1;
    ssize_t r;
    do
        r = write(a->loop->event_fd, &one, sizeof one);
    while (r < 0 && errno == EINTR);
}

void zk_async_close(zk_async_t *a)
{
    zk_loop_t *loop = a->loop;
    for (zk_async_t **p = &loop->asyncs; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            break;
        }
    if (loop->async_next == a) loop->async_next = a->next;
}

/* ---- life cycle ---- */

int zk_backend_parse(const char *name, zk_backend_kind_t *out)
{
    if (!strcmp(name, "io_uring") || !strcmp(name, "uring"))
        *out = ZK_BACKEND_URING;
    else if (!strcmp(name, "epoll"))
        *out = ZK_BACKEND_EPOLL;
    else if (!strcmp(name, "auto"))
        *out = ZK_BACKEND_AUTO;
    else
        return -EINVAL;
    return 0;
}

/* The runtime's own override is ZOKIO_BACKEND; a program's choice (zokiod's `backend` directive
 * and ZOKIOD_BACKEND) arrives in the options. */
static int backend_start(zk_loop_t *loop, const zk_loop_opts_t *o)
{
    zk_backend_kind_t want = o ? o->backend : ZK_BACKEND_AUTO;
    const char *env = getenv("ZOKIO_BACKEND");
    const char *why = o && o->backend_why ? o->backend_why : "config";
    if (env && *env) {
        if (zk_backend_parse(env, &want) == 0)
            why = "ZOKIO_BACKEND";
        else
            fprintf(stderr, "zokio: ignoring unknown ZOKIO_BACKEND=%s\n", env);
    }
    if (want == ZK_BACKEND_AUTO) why = "auto";
    if (want != ZK_BACKEND_EPOLL) {
        loop->ops = &zk_backend_uring;
        int r = loop->ops->init(loop, o);
        if (r == 0) {
            snprintf(loop->reason, sizeof loop->reason, "%.16s; %.96s", why, loop->features);
            return 0;
        }
        snprintf(loop->reason, sizeof loop->reason, "%s: io_uring unavailable (%s), using epoll",
                 why, strerror(-r));
    } else {
        snprintf(loop->reason, sizeof loop->reason, "%s", why);
    }
    loop->ops = &zk_backend_epoll;
    return loop->ops->init(loop, o);
}

int zk_loop_new(zk_loop_t **out, const zk_loop_opts_t *o)
{
    int r = -ENOMEM;
    zk_loop_t *loop = calloc(1, sizeof *loop);
    if (!loop) return -ENOMEM;
    loop->event_fd = -1;
    signal(SIGPIPE, SIG_IGN);
    /* the default 50 us timer slack would make every timer that late on epoll */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    loop->now = zk__clock_ns();
    loop->pool_threads = o ? o->pool_threads : 0;
    loop->pool_queue = o ? o->pool_queue : 0;
    loop->heap_cap = 1024;
    loop->heap = malloc(loop->heap_cap * sizeof *loop->heap);
    if (!loop->heap) goto fail;
    if ((r = zk__bufs_init(loop, o)) < 0) goto fail;
    if ((r = backend_start(loop, o)) < 0) {
        loop->ops = NULL;
        goto fail;
    }
    loop->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->event_fd < 0) {
        r = -errno;
        goto fail;
    }
    event_cb(loop, &loop->event_op, 0);
    if (!(o && o->quiet))
        fprintf(stderr, "zokio: backend %s (%s)\n", loop->ops->name, loop->reason);
    *out = loop;
    return 0;
fail:
    zk_loop_free(loop);
    return r;
}

void zk_loop_free(zk_loop_t *loop)
{
    if (!loop) return;
    zk__pool_free(loop);
    if (loop->ops) loop->ops->fini(loop);
    if (loop->event_fd >= 0) close(loop->event_fd);
    zk__bufs_fini(loop);
    zk__timers_fini(loop);
    free(loop);
}

void zk_loop_abandon(zk_loop_t *loop)
{
    zk__pool_abandon(loop);
    if (loop->ops && loop->ops->abandon) loop->ops->abandon(loop);
    if (loop->event_fd >= 0) close(loop->event_fd);
    loop->event_fd = -1;
}

/* ---- the tick ---- */

static int64_t wait_ns(zk_loop_t *loop, zk_run_mode_t mode)
{
    if (mode == ZK_RUN_NOWAIT || zk__has_work(loop) || loop->stopped) return 0;
    if (!loop->alive && !loop->asyncs) return 0; /* nothing could ever wake us */
    uint64_t next = zk__timers_next(loop);
    if (next == UINT64_MAX) return -1;
    uint64_t now = zk__clock_ns();
    return next > now ? (int64_t)(next - now) : 0;
}

int zk_loop_run(zk_loop_t *loop, zk_run_mode_t mode)
{
    loop->stopped = 0;
    for (;;) {
        if (mode == ZK_RUN_DEFAULT && !loop->alive && !zk__has_work(loop)) break;
        int r = loop->ops->poll(loop, wait_ns(loop, mode));
        if (r < 0 && r != -EINTR && r != -ETIME) return r;
        loop->now = zk__clock_ns();
        zk__timers_run(loop);
        run_deferred(loop);
        zk__tasks_run(loop);
        if (mode != ZK_RUN_DEFAULT || loop->stopped) break;
    }
    return 0;
}
