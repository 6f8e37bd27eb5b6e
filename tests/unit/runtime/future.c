/* SPDX-License-Identifier: MIT */
/* Tasks, per-op futures and the timeout / join / select combinators. */
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"

/* ---- spawn / done ---- */

struct once_task {
    zk_task_t t;
    int runs, dones;
};

static zk_poll_t once_run(zk_task_t *t)
{
    struct once_task *s = t->data;
    s->runs++;
    return ZK_READY;
}

static void once_done(zk_task_t *t)
{
    struct once_task *s = t->data;
    s->dones++;
}

ZT_TEST(fut_spawn_done_once)
{
    RT_LOOP(loop);
    struct once_task s = {0};
    zk_task_init(&s.t, loop, once_run, once_done, &s);
    ZT_EQ_INT(s.runs, 0);
    zk_spawn(&s.t);
    ZT_EQ_INT(s.runs, 0); /* the first run is scheduled, not immediate */
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.runs, 1);
    ZT_EQ_INT(s.dones, 1);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* a late wake of a finished task does nothing */
    zk_task_wake(&s.t);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(s.runs, 1);
    ZT_EQ_INT(s.dones, 1);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0); /* nothing alive: returns */
    zk_loop_free(loop);
}

ZT_TEST(fut_spawn_done_null)
{
    RT_LOOP(loop);
    struct once_task s = {0};
    zk_task_init(&s.t, loop, once_run, NULL, &s);
    zk_spawn(&s.t);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0);
    ZT_EQ_INT(s.runs, 1);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* A task's run() cancels and frees another task queued behind it in the same pass: the pass must
 * not touch the freed task (it used to hold a `next` pointer across run()). ASan proves it. */
struct killer_task {
    zk_task_t t;
    zk_task_t *victim;
    int runs;
};

static zk_poll_t killer_run(zk_task_t *t)
{
    struct killer_task *k = t->data;
    k->runs++;
    if (k->victim) {
        zk_task_cancel(k->victim);
        free(k->victim->data);
        k->victim = NULL;
    }
    return ZK_READY;
}

static zk_poll_t victim_run(zk_task_t *t)
{
    struct once_task *v = t->data;
    v->runs++; /* a cancelled (and freed) task ran: ASan reports it */
    return ZK_READY;
}

ZT_TEST(fut_task_cancel_queued_in_pass)
{
    RT_LOOP(loop);
    struct killer_task k = {0}, after = {0};
    struct once_task *v = calloc(1, sizeof *v);
    ZT_CHECK(v != NULL);
    zk_task_init(&k.t, loop, killer_run, NULL, &k);
    zk_task_init(&v->t, loop, victim_run, NULL, v);
    zk_task_init(&after.t, loop, killer_run, NULL, &after);
    k.victim = &v->t;
    zk_spawn(&k.t);
    zk_spawn(&v->t); /* queued right behind the killer */
    zk_spawn(&after.t);
    ZT_EQ_INT(zk_loop_alive(loop), 3);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0); /* nothing left alive: returns */
    ZT_EQ_INT(k.runs, 1);
    ZT_EQ_INT(after.runs, 1); /* the task behind the freed one still ran */
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_task_cancel(&k.t); /* finished: a no-op */
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* Cancel of a task woken but not yet run, outside any pass: it never runs. */
ZT_TEST(fut_task_cancel_before_run)
{
    RT_LOOP(loop);
    struct once_task s = {0};
    zk_task_init(&s.t, loop, once_run, once_done, &s);
    zk_spawn(&s.t);
    zk_task_cancel(&s.t);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(s.runs, 0);
    ZT_EQ_INT(s.dones, 0);
    zk_loop_free(loop);
}

/* zk_task_wake is idempotent: two wakes before the loop runs give one run() */
struct wake_task {
    zk_task_t t;
    int runs;
    int finish;
};

static zk_poll_t wake_run(zk_task_t *t)
{
    struct wake_task *s = t->data;
    s->runs++;
    return s->finish ? ZK_READY : ZK_PENDING;
}

ZT_TEST(fut_task_wake_idempotent)
{
    RT_LOOP(loop);
    struct wake_task s = {0};
    zk_task_init(&s.t, loop, wake_run, NULL, &s);
    zk_spawn(&s.t);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(s.runs, 1);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(s.runs, 1); /* pending and not woken: not run again */
    zk_task_wake(&s.t);
    zk_task_wake(&s.t);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(s.runs, 2);
    ZT_EQ_INT(zk_loop_alive(loop), 1); /* pending task keeps the loop alive */
    s.finish = 1;
    zk_task_wake(&s.t);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(s.runs, 3);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* ---- sleep ---- */

struct sleep_task {
    zk_task_t t;
    zk_io_future_t f;
    int st, runs, dones, result;
    uint64_t ns, t0, t1;
};

static zk_poll_t sleep_run(zk_task_t *t)
{
    struct sleep_task *s = t->data;
    s->runs++;
    if (s->st == 0) {
        zk_fut_sleep(&s->f, s->ns);
        s->t0 = zk_loop_now(t->loop);
        s->st = 1;
    }
    if (zk_poll(&s->f.base, t) == ZK_PENDING) return ZK_PENDING;
    s->result = s->f.base.result;
    s->t1 = zk_loop_now(t->loop);
    return ZK_READY;
}

static void sleep_done(zk_task_t *t) { ((struct sleep_task *)t->data)->dones++; }

ZT_TEST(fut_sleep)
{
    RT_LOOP(loop);
    struct sleep_task s;
    memset(&s, 0, sizeof(s));
    s.ns = 20 * ZK_MSEC;
    s.result = 777;
    zk_task_init(&s.t, loop, sleep_run, sleep_done, &s);
    zk_spawn(&s.t);
    uint64_t w0 = rt_wall_ns();
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    uint64_t dw = rt_wall_ns() - w0;
    ZT_EQ_INT(s.result, 0);
    ZT_EQ_INT(s.dones, 1);
    ZT_CHECK(s.runs >= 2); /* pending first, woken later */
    ZT_CHECK(s.t1 >= s.t0 + 20 * ZK_MSEC);
    ZT_CHECK(dw >= 19 * ZK_MSEC && dw < 500 * ZK_MSEC);
    ZT_CHECK(!zk_fut_busy(&s.f));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* ---- poll ---- */

struct poll_task {
    zk_task_t t;
    zk_io_future_t f;
    int fd, st, runs, dones, result;
};

static zk_poll_t poll_run(zk_task_t *t)
{
    struct poll_task *s = t->data;
    s->runs++;
    if (s->st == 0) {
        zk_fut_poll(&s->f, s->fd, POLLIN);
        s->st = 1;
    }
    if (zk_poll(&s->f.base, t) == ZK_PENDING) return ZK_PENDING;
    s->result = s->f.base.result;
    return ZK_READY;
}

static void poll_done(zk_task_t *t) { ((struct poll_task *)t->data)->dones++; }

ZT_TEST(fut_poll_readable)
{
    RT_LOOP(loop);
    int sv[2];
    ZT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct poll_task s;
    memset(&s, 0, sizeof(s));
    s.fd = sv[0];
    zk_task_init(&s.t, loop, poll_run, poll_done, &s);
    zk_spawn(&s.t);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(s.dones, 0); /* nothing to read yet */
    ZT_EQ_INT(write(sv[1], "x", 1), 1);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_CHECK(s.result > 0 && (s.result & POLLIN));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    char c;
    ZT_EQ_INT(read(sv[0], &c, 1), 1); /* the byte is still there: poll reads nothing */
    zk_loop_free(loop);
    close(sv[0]);
    close(sv[1]);
}

/* ---- send / writev all=1 and recv moving 1 MiB ---- */

#define MIB (1024 * 1024)

struct xfer {
    zk_task_t tx, rx;
    zk_io_future_t ftx, frx;
    int st_tx, st_rx;
    int use_writev;
    int fd_tx, fd_rx;
    unsigned char *src, *dst;
    size_t got;
    int tx_result, rx_err, done_tx, done_rx;
    struct iovec iov[3];
};

static zk_poll_t xfer_tx(zk_task_t *t)
{
    struct xfer *x = t->data;
    if (x->st_tx == 0) {
        if (x->use_writev) {
            x->iov[0] = (struct iovec){x->src, 100 * 1024};
            x->iov[1] = (struct iovec){x->src + 100 * 1024, 700 * 1024};
            x->iov[2] = (struct iovec){x->src + 800 * 1024, MIB - 800 * 1024};
            zk_fut_writev(&x->ftx, x->fd_tx, x->iov, 3, 1);
        } else {
            zk_fut_send(&x->ftx, x->fd_tx, x->src, MIB, 1);
        }
        x->st_tx = 1;
    }
    if (zk_poll(&x->ftx.base, t) == ZK_PENDING) return ZK_PENDING;
    x->tx_result = x->ftx.base.result;
    return ZK_READY;
}

static zk_poll_t xfer_rx(zk_task_t *t)
{
    struct xfer *x = t->data;
    for (;;) {
        if (x->st_rx == 0) {
            size_t want = MIB - x->got < 65536 ? MIB - x->got : 65536;
            zk_fut_recv(&x->frx, x->fd_rx, x->dst + x->got, want);
            x->st_rx = 1;
        }
        if (zk_poll(&x->frx.base, t) == ZK_PENDING) return ZK_PENDING;
        x->st_rx = 0;
        int r = x->frx.base.result;
        if (r <= 0) {
            x->rx_err = r == 0 ? -1 : r;
            return ZK_READY;
        }
        x->got += (size_t)r;
        if (x->got >= MIB) return ZK_READY;
    }
}

static void xfer_done_tx(zk_task_t *t) { ((struct xfer *)t->data)->done_tx++; }
static void xfer_done_rx(zk_task_t *t) { ((struct xfer *)t->data)->done_rx++; }

static void xfer_1mib(int use_writev)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    static struct xfer x;
    static unsigned char src[MIB], dst[MIB];
    memset(&x, 0, sizeof(x));
    memset(dst, 0, sizeof(dst));
    rt_fill(src, sizeof(src), use_writev ? 17 : 18);
    x.src = src;
    x.dst = dst;
    x.fd_tx = a;
    x.fd_rx = b;
    x.use_writev = use_writev;
    x.tx_result = 12345;
    zk_task_init(&x.tx, loop, xfer_tx, xfer_done_tx, &x);
    zk_task_init(&x.rx, loop, xfer_rx, xfer_done_rx, &x);
    zk_spawn(&x.tx);
    zk_spawn(&x.rx);
    RT_RUN_UNTIL(loop, x.done_tx && x.done_rx, 2000);
    ZT_EQ_INT(x.tx_result, MIB);
    ZT_EQ_INT(x.rx_err, 0);
    ZT_EQ_INT(x.got, MIB);
    ZT_CHECK(memcmp(src, dst, MIB) == 0);
    ZT_EQ_INT(x.done_tx, 1);
    ZT_EQ_INT(x.done_rx, 1);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    zk_close(loop, b);
    zk_loop_free(loop);
}

ZT_TEST(fut_send_all_1mib) { xfer_1mib(0); }

ZT_TEST(fut_writev_all_1mib) { xfer_1mib(1); }

/* ---- timeout ---- */

struct to_task {
    zk_task_t t;
    zk_io_future_t inner;
    zk_timeout_future_t to;
    int st, dones, result, inner_busy, timer_armed;
    int fd;
    int inner_sleep; /* 1: inner = sleep(inner_ns), 0: recv on fd */
    uint64_t inner_ns, deadline_ns, t0, t1;
    char buf[16];
};

static zk_poll_t to_run(zk_task_t *t)
{
    struct to_task *s = t->data;
    if (s->st == 0) {
        if (s->inner_sleep)
            zk_fut_sleep(&s->inner, s->inner_ns);
        else
            zk_fut_recv(&s->inner, s->fd, s->buf, sizeof(s->buf));
        s->t0 = zk_loop_now(t->loop);
        zk_fut_timeout(&s->to, &s->inner.base, s->t0 + s->deadline_ns);
        s->st = 1;
    }
    if (zk_poll(&s->to.base, t) == ZK_PENDING) return ZK_PENDING;
    s->result = s->to.base.result;
    s->inner_busy = zk_fut_busy(&s->inner);
    s->timer_armed = zk_timer_armed(&s->to.timer);
    s->t1 = zk_loop_now(t->loop);
    return ZK_READY;
}

static void to_done(zk_task_t *t) { ((struct to_task *)t->data)->dones++; }

ZT_TEST(fut_timeout_fires)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    struct to_task s;
    memset(&s, 0, sizeof(s));
    s.fd = a;
    s.deadline_ns = 30 * ZK_MSEC;
    zk_task_init(&s.t, loop, to_run, to_done, &s);
    zk_spawn(&s.t);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.result, -ETIMEDOUT);
    ZT_EQ_INT(s.inner_busy, 0);
    ZT_EQ_INT(s.timer_armed, 0);
    ZT_CHECK(s.t1 >= s.t0 + 30 * ZK_MSEC);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* the cancelled recv does not consume later bytes */
    ZT_EQ_INT(write(b, "q", 1), 1);
    char c;
    ZT_EQ_INT(rt_read_full(a, &c, 1, 1000), 1);
    ZT_EQ_INT(c, 'q');
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(fut_timeout_not_fired)
{
    RT_LOOP(loop);
    struct to_task s;
    memset(&s, 0, sizeof(s));
    s.inner_sleep = 1;
    s.inner_ns = 10 * ZK_MSEC;
    s.deadline_ns = 500 * ZK_MSEC;
    s.result = 999;
    zk_task_init(&s.t, loop, to_run, to_done, &s);
    zk_spawn(&s.t);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.result, 0);
    ZT_EQ_INT(s.inner.base.result, 0);
    ZT_EQ_INT(s.inner_busy, 0);
    ZT_EQ_INT(s.timer_armed, 0); /* the deadline timer is disarmed on READY */
    ZT_CHECK(s.t1 >= s.t0 + 10 * ZK_MSEC);
    ZT_CHECK(s.t1 < s.t0 + 400 * ZK_MSEC);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* inner's real result (data arrived) beats a later deadline */
ZT_TEST(fut_timeout_inner_recv_wins)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    struct to_task s;
    memset(&s, 0, sizeof(s));
    s.fd = a;
    s.deadline_ns = 1000 * ZK_MSEC;
    zk_task_init(&s.t, loop, to_run, to_done, &s);
    zk_spawn(&s.t);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(s.dones, 0);
    ZT_EQ_INT(write(b, "data", 4), 4);
    RT_RUN_UNTIL(loop, s.dones > 0, 900);
    ZT_EQ_INT(s.result, 4);
    ZT_CHECK(memcmp(s.buf, "data", 4) == 0);
    ZT_EQ_INT(s.timer_armed, 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* ---- join ---- */

struct join_task {
    zk_task_t t;
    zk_io_future_t s1, s2;
    zk_join_future_t j;
    int st, dones, result, busy1, busy2;
    uint64_t t0, t1;
};

static zk_poll_t join_run(zk_task_t *t)
{
    struct join_task *s = t->data;
    if (s->st == 0) {
        zk_fut_sleep(&s->s1, 20 * ZK_MSEC);
        zk_fut_sleep(&s->s2, 40 * ZK_MSEC);
        s->s1.base.result = s->s2.base.result = 555;
        zk_fut_join(&s->j, &s->s1.base, &s->s2.base);
        s->t0 = zk_loop_now(t->loop);
        s->st = 1;
    }
    if (zk_poll(&s->j.base, t) == ZK_PENDING) return ZK_PENDING;
    s->result = s->j.base.result;
    s->busy1 = zk_fut_busy(&s->s1);
    s->busy2 = zk_fut_busy(&s->s2);
    s->t1 = zk_loop_now(t->loop);
    return ZK_READY;
}

static void join_done(zk_task_t *t) { ((struct join_task *)t->data)->dones++; }

ZT_TEST(fut_join_two_sleeps)
{
    RT_LOOP(loop);
    struct join_task s;
    memset(&s, 0, sizeof(s));
    s.result = 999;
    zk_task_init(&s.t, loop, join_run, join_done, &s);
    zk_spawn(&s.t);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.result, 0);
    ZT_EQ_INT(s.s1.base.result, 0);
    ZT_EQ_INT(s.s2.base.result, 0);
    ZT_EQ_INT(s.j.ready, 3);
    ZT_EQ_INT(s.busy1, 0);
    ZT_EQ_INT(s.busy2, 0);
    ZT_CHECK(s.t1 >= s.t0 + 40 * ZK_MSEC); /* waited for the longer one */
    ZT_CHECK(s.t1 < s.t0 + 400 * ZK_MSEC); /* the sleeps ran concurrently enough */
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* ---- select ---- */

struct sel_task {
    zk_task_t t;
    zk_io_future_t sl, rv;
    zk_select_future_t sel;
    int st, dones, result, busy_sl, busy_rv;
    int fd;
    uint64_t sleep_ms;
    char buf[16];
    uint64_t t0, t1;
};

static zk_poll_t sel_run(zk_task_t *t)
{
    struct sel_task *s = t->data;
    if (s->st == 0) {
        zk_fut_sleep(&s->sl, s->sleep_ms * ZK_MSEC);
        zk_fut_recv(&s->rv, s->fd, s->buf, sizeof(s->buf));
        zk_fut_select(&s->sel, &s->sl.base, &s->rv.base);
        s->t0 = zk_loop_now(t->loop);
        s->st = 1;
    }
    if (zk_poll(&s->sel.base, t) == ZK_PENDING) return ZK_PENDING;
    s->result = s->sel.base.result;
    s->busy_sl = zk_fut_busy(&s->sl);
    s->busy_rv = zk_fut_busy(&s->rv);
    s->t1 = zk_loop_now(t->loop);
    return ZK_READY;
}

static void sel_done(zk_task_t *t) { ((struct sel_task *)t->data)->dones++; }

ZT_TEST(fut_select_sleep_vs_recv)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    struct sel_task s;
    memset(&s, 0, sizeof(s));
    s.fd = a;
    s.result = 999;
    s.sleep_ms = 10;
    zk_task_init(&s.t, loop, sel_run, sel_done, &s);
    zk_spawn(&s.t);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.result, 0); /* a (the sleep) won */
    ZT_EQ_INT(s.sel.winner, 0);
    ZT_EQ_INT(s.sl.base.result, 0);
    ZT_EQ_INT(s.busy_sl, 0);
    ZT_EQ_INT(s.busy_rv, 0); /* the loser was cancelled and awaited */
    ZT_EQ_INT(s.rv.base.result, -ECANCELED);
    ZT_CHECK(s.t1 >= s.t0 + 10 * ZK_MSEC);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(fut_select_recv_wins)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    ZT_EQ_INT(write(b, "hi", 2), 2); /* data already there: the recv wins the 300 ms sleep */
    struct sel_task s;
    memset(&s, 0, sizeof(s));
    s.fd = a;
    s.result = 999;
    s.sleep_ms = 300;
    zk_task_init(&s.t, loop, sel_run, sel_done, &s);
    zk_spawn(&s.t);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.result, 1);
    ZT_EQ_INT(s.rv.base.result, 2);
    ZT_CHECK(memcmp(s.buf, "hi", 2) == 0);
    ZT_EQ_INT(s.busy_sl, 0);
    ZT_EQ_INT(s.busy_rv, 0);
    ZT_EQ_INT(s.sl.base.result, -ECANCELED);
    ZT_CHECK(s.t1 < s.t0 + 300 * ZK_MSEC); /* did not wait for the sleep */
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* ---- connect / accept futures ---- */

struct ca_task {
    zk_task_t t;
    zk_io_future_t acc, con;
    zk_join_future_t j;
    int st, dones;
    int lfd, cfd;
    struct sockaddr_in sa;
};

static zk_poll_t ca_run(zk_task_t *t)
{
    struct ca_task *s = t->data;
    if (s->st == 0) {
        zk_fut_accept(&s->acc, s->lfd);
        zk_fut_connect(&s->con, s->cfd, (struct sockaddr *)&s->sa, sizeof(s->sa));
        zk_fut_join(&s->j, &s->acc.base, &s->con.base);
        s->st = 1;
    }
    return zk_poll(&s->j.base, t);
}

static void ca_done(zk_task_t *t) { ((struct ca_task *)t->data)->dones++; }

ZT_TEST(fut_accept_connect)
{
    RT_LOOP(loop);
    int port;
    struct ca_task s;
    memset(&s, 0, sizeof(s));
    s.lfd = rt_listen(&port);
    ZT_CHECK(s.lfd >= 0);
    s.cfd = rt_socket();
    ZT_CHECK(s.cfd >= 0);
    rt_addr(&s.sa, port);
    zk_task_init(&s.t, loop, ca_run, ca_done, &s);
    zk_spawn(&s.t);
    RT_RUN_UNTIL(loop, s.dones > 0, 2000);
    ZT_EQ_INT(s.con.base.result, 0);
    int fd = s.acc.base.result;
    ZT_CHECK(fd >= 0);
    ZT_EQ_INT(write(s.cfd, "X", 1), 1);
    char c;
    ZT_EQ_INT(rt_read_full(fd, &c, 1, 1000), 1);
    ZT_EQ_INT(c, 'X');
    zk_close(loop, fd);
    zk_close(loop, s.cfd);
    zk_close(loop, s.lfd);
    zk_loop_free(loop);
}
