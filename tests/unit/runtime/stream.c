/* SPDX-License-Identifier: MIT */
/* Streams over multishot ops: zk_accept_stream_* and zk_recv_stream_*. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"

/* ---- accept stream ---- */

#define AS_MAX 200

struct as_task {
    zk_task_t t;
    zk_accept_stream_t s;
    zk_io_future_t nap;
    int want; /* connections to take before stopping */
    int fds[AS_MAX];
    int n;
    int st, dones;
    int end;         /* the -errno that ended the stream */
    uint64_t nap_ns; /* > 0: sleep once after the first zk_accept_next */
    int napped;
};

static zk_poll_t as_run(zk_task_t *t)
{
    struct as_task *a = t->data;
    for (;;) {
        if (a->st == 0) {
            int fd;
            if (zk_accept_next(&a->s, t, &fd) == ZK_PENDING) {
                if (a->nap_ns && !a->napped) {
                    zk_fut_sleep(&a->nap, a->nap_ns);
                    a->st = 2;
                    continue;
                }
                return ZK_PENDING;
            }
            if (fd < 0) {
                a->end = fd;
                return ZK_READY;
            }
            if (a->n < AS_MAX) a->fds[a->n++] = fd;
            if (a->nap_ns && !a->napped) {
                zk_fut_sleep(&a->nap, a->nap_ns);
                a->st = 2;
                continue;
            }
            if (a->n >= a->want) {
                zk_accept_stream_stop(t->loop, &a->s);
                a->st = 1;
            }
        } else if (a->st == 1) {
            /* after stop: READY with -ECANCELED once idle */
            int fd;
            if (zk_accept_next(&a->s, t, &fd) == ZK_PENDING) return ZK_PENDING;
            if (fd >= 0) { /* accepted before the stop settled: still ours to serve */
                if (a->n < AS_MAX) a->fds[a->n++] = fd;
                continue;
            }
            a->end = fd;
            return ZK_READY;
        } else {
            if (zk_poll(&a->nap.base, t) == ZK_PENDING) return ZK_PENDING;
            a->napped = 1;
            a->st = 0;
        }
    }
}

static void as_done(zk_task_t *t) { ((struct as_task *)t->data)->dones++; }

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void accept_stream(int conns, uint64_t nap_ns)
{
    RT_LOOP(loop);
    int port;
    int l = rt_listen(&port);
    ZT_CHECK(l >= 0);
    static struct as_task a;
    memset(&a, 0, sizeof(a));
    a.want = conns;
    a.nap_ns = nap_ns;
    zk_accept_stream_init(&a.s, l);
    zk_task_init(&a.t, loop, as_run, as_done, &a);
    zk_spawn(&a.t);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    static int clients[AS_MAX];
    for (int i = 0; i < conns; i++) {
        clients[i] = rt_connect_blocking(port);
        ZT_CHECK(clients[i] >= 0);
        if (!nap_ns && i % 8 == 0) ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    }
    RT_WAIT(loop, a.dones > 0, 2000);
    if (!a.dones)
        ZT_FAIL("stream handed out %d of %d connections, then nothing for 2 s", a.n, conns);
    ZT_EQ_INT(a.end, -ECANCELED);
    ZT_EQ_INT(a.n, conns);
    ZT_EQ_INT(a.s.closing, 1);
    ZT_CHECK(!zk_op_busy(&a.s.op));
    int sorted[AS_MAX];
    memcpy(sorted, a.fds, sizeof(int) * (size_t)conns);
    qsort(sorted, (size_t)conns, sizeof(int), cmp_int);
    for (int i = 0; i < conns; i++) {
        ZT_CHECK(sorted[i] >= 0 && sorted[i] != l);
        if (i > 0 && sorted[i] == sorted[i - 1]) ZT_FAIL("fd %d handed out twice", sorted[i]);
    }
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* each fd is a live connection to one of the clients */
    for (int i = 0; i < conns; i++)
        ZT_EQ_INT(write(clients[i], "p", 1), 1);
    for (int i = 0; i < conns; i++) {
        char c = 0;
        ZT_EQ_INT(rt_read_full(a.fds[i], &c, 1, 1000), 1);
        ZT_EQ_INT(c, 'p');
    }
    for (int i = 0; i < conns; i++) {
        zk_close(loop, a.fds[i]);
        close(clients[i]);
    }
    zk_close(loop, l);
    zk_loop_free(loop);
}

ZT_TEST(stream_accept_50) { accept_stream(50, 0); }

/* 150 connections while the task naps: the 64-slot queue fills, the stream pauses and re-arms
 * once drained, and no connection is lost. */
ZT_TEST(stream_accept_queue_full) { accept_stream(150, 60 * ZK_MSEC); }

/* A ceiling two fds above the next free one: 10 clients wait in the backlog, the stream hands
 * out the three connections up to the ceiling, then ends with -EMFILE; the other seven are still
 * in the backlog, and a new stream takes them. */
ZT_TEST(stream_accept_fd_ceiling)
{
    RT_LOOP(loop);
    int port;
    int l = rt_listen(&port);
    ZT_CHECK(l >= 0);
    enum { N = 10 };
    int clients[N];
    for (int i = 0; i < N; i++) {
        clients[i] = rt_connect_blocking(port);
        ZT_CHECK(clients[i] >= 0);
    }
    int probe = dup(0);
    ZT_CHECK(probe >= 0);
    close(probe); /* the next fd the kernel hands out */
    static struct as_task a;
    memset(&a, 0, sizeof(a));
    a.want = AS_MAX;
    zk_accept_stream_init(&a.s, l);
    zk_accept_stream_set_ceiling(&a.s, probe + 2);
    zk_task_init(&a.t, loop, as_run, as_done, &a);
    zk_spawn(&a.t);
    RT_WAIT(loop, a.dones > 0, 2000);
    ZT_EQ_INT(a.dones, 1);
    ZT_EQ_INT(a.end, -EMFILE);
    ZT_EQ_INT(a.n, 3);
    ZT_CHECK(!zk_op_busy(&a.s.op));
    /* the rest waited in the backlog: a stream without a ceiling takes them */
    int first = a.n;
    memset(&a.t, 0, sizeof a.t);
    a.dones = 0;
    a.want = N;
    a.end = 0;
    zk_accept_stream_init(&a.s, l);
    zk_task_init(&a.t, loop, as_run, as_done, &a);
    zk_spawn(&a.t);
    RT_WAIT(loop, a.dones > 0, 2000);
    ZT_EQ_INT(a.end, -ECANCELED);
    ZT_EQ_INT(a.n, N);
    ZT_CHECK(first == 3);
    for (int i = 0; i < a.n; i++)
        zk_close(loop, a.fds[i]);
    for (int i = 0; i < N; i++)
        close(clients[i]);
    zk_close(loop, l);
    zk_loop_free(loop);
}

/* ---- recv stream ---- */

#define RS_TOTAL (256 * 1024)

struct rs_task {
    zk_task_t t;
    zk_recv_stream_t s;
    zk_io_future_t nap;
    unsigned char *got;
    size_t n;
    int st, dones, eof, err, chunks;
    int paused_once;
    size_t pause_at;
    size_t n_at_resume; /* bytes taken when the pause ended */
    int bad_bid;
};

static zk_poll_t rs_run(zk_task_t *t)
{
    struct rs_task *r = t->data;
    for (;;) {
        if (r->st == 1) {
            if (zk_poll(&r->nap.base, t) == ZK_PENDING) return ZK_PENDING;
            r->n_at_resume = r->n;
            zk_recv_stream_resume(t->loop, &r->s);
            r->st = 0;
        }
        zk_recv_chunk_t c;
        if (zk_recv_next(&r->s, t, &c) == ZK_PENDING) return ZK_PENDING;
        r->chunks++;
        if (c.res == 0) {
            r->eof = 1;
            return ZK_READY;
        }
        if (c.res < 0) {
            r->err = c.res;
            return ZK_READY;
        }
        if (c.bid >= 1024 || (unsigned)c.res > zk_buf_size(t->loop))
            r->bad_bid++;
        else if (r->n + (size_t)c.res <= RS_TOTAL)
            memcpy(r->got + r->n, zk_buf_ptr(t->loop, c.bid), (size_t)c.res);
        r->n += (size_t)c.res;
        zk_buf_put(t->loop, c.bid);
        if (!r->paused_once && r->n >= r->pause_at) {
            r->paused_once = 1;
            zk_recv_stream_pause(t->loop, &r->s);
            zk_fut_sleep(&r->nap, 30 * ZK_MSEC);
            r->st = 1;
        }
    }
}

static void rs_done(zk_task_t *t) { ((struct rs_task *)t->data)->dones++; }

struct writer {
    int fd;
    const unsigned char *buf;
    size_t len;
    long res;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    /* in pieces, so that the reader sees many chunks */
    size_t off = 0;
    w->res = 0;
    while (off < w->len) {
        size_t n = w->len - off < 16384 ? w->len - off : 16384;
        long r = rt_write_full(w->fd, w->buf + off, n, 1500);
        if (r < 0) {
            w->res = r;
            break;
        }
        off += (size_t)r;
        w->res = (long)off;
        rt_spin_us(200);
    }
    shutdown(w->fd, SHUT_WR);
    return NULL;
}

ZT_TEST(stream_recv_pause_resume)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    unsigned start = zk_buf_free_count(loop);
    static unsigned char src[RS_TOTAL], got[RS_TOTAL];
    rt_fill(src, sizeof(src), 4242);
    memset(got, 0, sizeof(got));
    static struct rs_task r;
    memset(&r, 0, sizeof(r));
    r.got = got;
    r.pause_at = 64 * 1024;
    zk_recv_stream_init(&r.s, a);
    zk_task_init(&r.t, loop, rs_run, rs_done, &r);
    zk_spawn(&r.t);
    struct writer w = {b, src, RS_TOTAL, 0};
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, writer_main, &w), 0);
    uint64_t t0 = rt_wall_ns();
    RT_WAIT(loop, r.dones > 0, 3000);
    pthread_join(th, NULL);
    ZT_EQ_INT(w.res, RS_TOTAL);
    if (r.err)
        ZT_FAIL("stream failed with %d (%s) after %zu of %d bytes, %d chunks", r.err,
                strerror(-r.err), r.n, RS_TOTAL, r.chunks);
    if (!r.dones)
        ZT_FAIL("stream stalled after %zu of %d bytes, %d chunks (paused_once %d, resumed at %zu)",
                r.n, RS_TOTAL, r.chunks, r.paused_once, r.n_at_resume);
    ZT_EQ_INT(r.eof, 1);
    ZT_EQ_INT(r.bad_bid, 0);
    ZT_EQ_INT(r.n, RS_TOTAL);
    ZT_CHECK(memcmp(got, src, RS_TOTAL) == 0);
    ZT_EQ_INT(r.paused_once, 1);
    ZT_CHECK(r.n_at_resume >= r.pause_at && r.n_at_resume < RS_TOTAL);
    ZT_CHECK(rt_wall_ns() - t0 >= 30 * ZK_MSEC); /* the pause happened */
    ZT_CHECK(r.chunks > 2);
    ZT_CHECK(!zk_recv_stream_busy(&r.s));
    ZT_EQ_INT(zk_buf_free_count(loop), start);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* zk_recv_stream_stop() of a paused stream with chunks queued gives every buffer back. */
struct hold_task {
    zk_task_t t;
    zk_recv_stream_t s;
    size_t n;
    int st, first;
};

static zk_poll_t hold_run(zk_task_t *t)
{
    struct hold_task *h = t->data;
    zk_recv_chunk_t c;
    if (h->st == 1) return ZK_PENDING; /* paused: not polling */
    if (zk_recv_next(&h->s, t, &c) == ZK_PENDING) return ZK_PENDING;
    if (c.res > 0) {
        h->n += (size_t)c.res;
        zk_buf_put(t->loop, c.bid);
    }
    h->first = c.res;
    zk_recv_stream_pause(t->loop, &h->s);
    h->st = 1;
    return ZK_PENDING;
}

ZT_TEST(stream_recv_stop_returns_buffers)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    unsigned start = zk_buf_free_count(loop);
    static struct hold_task h;
    memset(&h, 0, sizeof(h));
    zk_recv_stream_init(&h.s, a);
    zk_task_init(&h.t, loop, hold_run, NULL, &h);
    zk_spawn(&h.t);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    static char data[32768];
    rt_fill(data, sizeof(data), 1);
    ZT_EQ_INT(rt_write_full(b, data, 100, 1000), 100);
    RT_RUN_UNTIL(loop, h.st == 1, 2000);
    ZT_EQ_INT(h.first, 100);
    /* more data while paused and not polled: whatever the stream queued is still held */
    ZT_EQ_INT(rt_write_full(b, data, sizeof(data), 1000), sizeof(data));
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    zk_recv_stream_stop(loop, &h.s);
    RT_RUN_UNTIL(loop, !zk_recv_stream_busy(&h.s), 2000);
    /* queued buffers went back */
    ZT_EQ_INT(zk_buf_free_count(loop), start);
    ZT_EQ_INT(zk_loop_alive(loop), 1); /* the task never finishes */
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop); /* no op is in flight any more */
}

/* 256 KiB already waiting in the socket when the stream arms: the burst must not fail it. */
ZT_TEST(stream_recv_burst)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    unsigned start = zk_buf_free_count(loop);
    static unsigned char src[RS_TOTAL], got[RS_TOTAL];
    rt_fill(src, sizeof(src), 99);
    memset(got, 0, sizeof(got));
    ZT_EQ_INT(rt_write_full(b, src, RS_TOTAL, 2000), RS_TOTAL);
    shutdown(b, SHUT_WR);
    static struct rs_task r;
    memset(&r, 0, sizeof(r));
    r.got = got;
    r.pause_at = (size_t)-1; /* never pauses */
    zk_recv_stream_init(&r.s, a);
    zk_task_init(&r.t, loop, rs_run, rs_done, &r);
    zk_spawn(&r.t);
    RT_WAIT(loop, r.dones > 0, 2000);
    if (r.err)
        ZT_FAIL("stream failed with %d (%s) after %zu of %d bytes, %d chunks", r.err,
                strerror(-r.err), r.n, RS_TOTAL, r.chunks);
    if (!r.dones)
        ZT_FAIL("stream stalled after %zu of %d bytes, %d chunks (paused_once %d, resumed at %zu)",
                r.n, RS_TOTAL, r.chunks, r.paused_once, r.n_at_resume);
    ZT_EQ_INT(r.eof, 1);
    ZT_EQ_INT(r.n, RS_TOTAL);
    ZT_CHECK(memcmp(got, src, RS_TOTAL) == 0);
    ZT_CHECK(!zk_recv_stream_busy(&r.s));
    ZT_EQ_INT(zk_buf_free_count(loop), start);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}
