/* SPDX-License-Identifier: MIT */
/* Socket and pipe operations: success and error paths, on both backends. */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"

/* ---- accept ---- */

ZT_TEST(ops_accept_single)
{
    RT_LOOP(loop);
    int port;
    int l = rt_listen(&port);
    ZT_CHECK(l >= 0);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_accept(&op, l, 0, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_CHECK(zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(r.calls, 0); /* nobody connected yet */
    int c = rt_connect_blocking(port);
    ZT_CHECK(c >= 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_CHECK(r.res >= 0);
    ZT_EQ_INT(r.flags & ZK_OP_F_MORE, 0);
    ZT_EQ_INT(r.busy_in_cb, 0);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_CHECK(fcntl(r.res, F_GETFL) & O_NONBLOCK);
    ZT_CHECK(fcntl(r.res, F_GETFD) & FD_CLOEXEC);
    /* the accepted fd is connected to c */
    ZT_EQ_INT(write(c, "x", 1), 1);
    char ch = 0;
    ZT_EQ_INT(rt_read_full(r.res, &ch, 1, 1000), 1);
    ZT_EQ_INT(ch, 'x');
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(zk_close(loop, r.res), 0);
    close(c);
    ZT_EQ_INT(zk_close(loop, l), 0);
    zk_loop_free(loop);
}

#define MS_CONNS 200

struct ms_accept {
    int fds[MS_CONNS + 8];
    int n;
    int calls;
    int bad_busy;  /* op not busy during a MORE completion */
    int final_res; /* result of the completion without MORE */
    int finals;
    int final_busy;
};

static void ms_accept_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    struct ms_accept *s = op->data;
    s->calls++;
    if (!(op->flags & ZK_OP_F_MORE)) {
        s->finals++;
        s->final_res = res;
        s->final_busy = zk_op_busy(op);
        if (res >= 0 && s->n < MS_CONNS + 8) s->fds[s->n++] = res;
        return;
    }
    if (!zk_op_busy(op)) s->bad_busy++;
    if (res >= 0 && s->n < MS_CONNS + 8) s->fds[s->n++] = res;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void accept_multishot(int basic)
{
    if (basic) {
        if (strcmp(zt_backend(), "io_uring") != 0) ZT_SKIP("%s", "io_uring fallback only");
        setenv("ZOKIO_URING_BASIC", "1", 1); /* plain ring: multishot emulated by re-arming */
    }
    RT_LOOP(loop);
    if (basic && strstr(zk_loop_backend_reason(loop), "multishot"))
        ZT_SKIP("ZOKIO_URING_BASIC not honoured: %s", zk_loop_backend_reason(loop));
    int port;
    int l = rt_listen(&port);
    ZT_CHECK(l >= 0);
    static struct ms_accept s;
    memset(&s, 0, sizeof(s));
    zk_op_t op;
    zk_prep_accept(&op, l, 1, ms_accept_cb, &s);
    ZT_CHECK(op.flags & ZK_OP_F_MULTISHOT);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    int clients[MS_CONNS];
    /* half before the loop runs, half while it is armed */
    for (int i = 0; i < MS_CONNS / 2; i++) {
        clients[i] = rt_connect_blocking(port);
        ZT_CHECK(clients[i] >= 0);
    }
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    for (int i = MS_CONNS / 2; i < MS_CONNS; i++) {
        clients[i] = rt_connect_blocking(port);
        ZT_CHECK(clients[i] >= 0);
        if (i % 10 == 0) ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    }
    RT_RUN_UNTIL(loop, s.n >= MS_CONNS || s.finals > 0, 2000);
    ZT_EQ_INT(s.finals, 0);
    ZT_EQ_INT(s.n, MS_CONNS);
    ZT_EQ_INT(s.bad_busy, 0);
    ZT_CHECK(zk_op_busy(&op));
    int sorted[MS_CONNS];
    memcpy(sorted, s.fds, sizeof(sorted));
    qsort(sorted, MS_CONNS, sizeof(int), cmp_int);
    for (int i = 0; i < MS_CONNS; i++) {
        ZT_CHECK(sorted[i] >= 0);
        if (i > 0 && sorted[i] == sorted[i - 1]) ZT_FAIL("fd %d accepted twice", sorted[i]);
        ZT_CHECK(sorted[i] != l);
    }
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, s.finals > 0, 2000);
    ZT_EQ_INT(s.finals, 1);
    ZT_EQ_INT(s.final_res, -ECANCELED);
    ZT_EQ_INT(s.final_busy, 0);
    ZT_EQ_INT(s.n, MS_CONNS);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* cancelled for good: a new client is not accepted */
    int extra = rt_connect_blocking(port);
    ZT_CHECK(extra >= 0);
    ZT_EQ_INT(rt_run_for(loop, 30), 0);
    ZT_EQ_INT(s.calls, MS_CONNS + 1);
    for (int i = 0; i < MS_CONNS; i++) {
        zk_close(loop, s.fds[i]);
        close(clients[i]);
    }
    close(extra);
    zk_close(loop, l);
    zk_loop_free(loop);
}

ZT_TEST(ops_accept_multishot_200) { accept_multishot(0); }

ZT_TEST(ops_accept_multishot_200_uring_basic) { accept_multishot(1); }

/* ---- connect ---- */

ZT_TEST(ops_connect_ok)
{
    RT_LOOP(loop);
    int port;
    int l = rt_listen(&port);
    ZT_CHECK(l >= 0);
    int fd = rt_socket();
    ZT_CHECK(fd >= 0);
    struct sockaddr_in sa;
    rt_addr(&sa, port);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_connect(&op, fd, (struct sockaddr *)&sa, sizeof(sa), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 0);
    ZT_EQ_INT(r.busy_in_cb, 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    ZT_EQ_INT(getpeername(fd, (struct sockaddr *)&peer, &plen), 0);
    ZT_EQ_INT(ntohs(peer.sin_port), port);
    struct pollfd p = {.fd = l, .events = POLLIN};
    ZT_EQ_INT(poll(&p, 1, 1000), 1);
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    ZT_CHECK(s >= 0);
    ZT_EQ_INT(write(s, "ok", 2), 2);
    char buf[2];
    ZT_EQ_INT(rt_read_full(fd, buf, 2, 1000), 2);
    ZT_CHECK(memcmp(buf, "ok", 2) == 0);
    close(s);
    zk_close(loop, fd);
    zk_close(loop, l);
    zk_loop_free(loop);
}

ZT_TEST(ops_connect_refused)
{
    RT_LOOP(loop);
    int port = rt_dead_port();
    ZT_CHECK(port > 0);
    int fd = rt_socket();
    ZT_CHECK(fd >= 0);
    struct sockaddr_in sa;
    rt_addr(&sa, port);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_connect(&op, fd, (struct sockaddr *)&sa, sizeof(sa), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ECONNREFUSED);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, fd);
    zk_loop_free(loop);
}

/* ---- recv ---- */

ZT_TEST(ops_recv_buffer)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char buf[64];
    memset(buf, 0, sizeof(buf));
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(r.calls, 0);
    ZT_EQ_INT(write(b, "hello", 5), 5);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 5);
    ZT_EQ_INT(r.flags & ZK_OP_F_BUF, 0);
    ZT_CHECK(memcmp(buf, "hello", 5) == 0);
    ZT_EQ_INT(buf[5], 0);
    /* re-submittable: a second recv sees the next bytes */
    ZT_EQ_INT(write(b, "world!", 6), 6);
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 1, 2000);
    ZT_EQ_INT(r.res, 6);
    ZT_CHECK(memcmp(buf, "world!", 6) == 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(ops_recv_peer_closed)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char buf[16];
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    close(b);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 0);
    zk_close(loop, a);
    zk_loop_free(loop);
}

/* Data and FIN both queued before the first recv: a short read, then EOF on the next recv. */
ZT_TEST(ops_recv_short_then_eof)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    ZT_EQ_INT(write(b, "0123456789", 10), 10);
    ZT_EQ_INT(shutdown(b, SHUT_WR), 0);
    rt_spin_us(2000); /* let the FIN land */
    char buf[4096];
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls == 1, 2000);
    ZT_EQ_INT(r.res, 10);
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls == 2, 1000);
    ZT_EQ_INT(r.res, 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(ops_recv_pool_single)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    unsigned start = zk_buf_free_count(loop);
    ZT_CHECK(start > 0);
    ZT_EQ_INT(zk_buf_size(loop), 8192);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_recv_pool(&op, a, 0, rt_rec_cb, &r);
    ZT_CHECK(op.flags & ZK_OP_F_POOLBUF);
    ZT_CHECK(!(op.flags & ZK_OP_F_MULTISHOT));
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(r.calls, 0);
    char msg[1000];
    rt_fill(msg, sizeof(msg), 7);
    ZT_EQ_INT(write(b, msg, sizeof(msg)), sizeof(msg));
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, (int)sizeof(msg));
    ZT_CHECK(r.flags & ZK_OP_F_BUF);
    ZT_EQ_INT(r.flags & ZK_OP_F_MORE, 0);
    ZT_CHECK(op.bid < start);
    ZT_CHECK(op.rbuf == zk_buf_ptr(loop, op.bid));
    ZT_CHECK(memcmp(op.rbuf, msg, sizeof(msg)) == 0);
    ZT_CHECK(zk_buf_free_count(loop) < start);
    zk_buf_put(loop, op.bid);
    ZT_EQ_INT(zk_buf_free_count(loop), start);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

#define RP_TOTAL (100 * 1024)

struct rp_state {
    unsigned char got[RP_TOTAL + 64];
    size_t n;
    int calls, finals, final_res;
    int bad_flags; /* data completion without BUF or MORE */
    int bad_ptr;
};

static void rp_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    struct rp_state *s = op->data;
    s->calls++;
    if (!(op->flags & ZK_OP_F_MORE)) {
        s->finals++;
        s->final_res = res;
    } else if (res <= 0 || !(op->flags & ZK_OP_F_BUF)) {
        s->bad_flags++;
    }
    if (res > 0) {
        if (!(op->flags & ZK_OP_F_BUF)) {
            s->bad_flags++;
            return;
        }
        if (op->rbuf != zk_buf_ptr(loop, op->bid) || (unsigned)res > zk_buf_size(loop))
            s->bad_ptr++;
        else if (s->n + (size_t)res <= sizeof(s->got))
            memcpy(s->got + s->n, op->rbuf, (size_t)res);
        s->n += (size_t)res;
    }
    if (op->flags & ZK_OP_F_BUF) zk_buf_put(loop, op->bid);
}

static void recv_pool_multishot(int basic)
{
    if (basic) {
        if (strcmp(zt_backend(), "io_uring") != 0) ZT_SKIP("%s", "io_uring fallback only");
        setenv("ZOKIO_URING_BASIC", "1", 1); /* no buffer ring, no multishot recv */
    }
    RT_LOOP(loop);
    if (basic && strstr(zk_loop_backend_reason(loop), "multishot"))
        ZT_SKIP("ZOKIO_URING_BASIC not honoured: %s", zk_loop_backend_reason(loop));
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    unsigned start = zk_buf_free_count(loop);
    static struct rp_state s;
    memset(&s, 0, sizeof(s));
    static unsigned char msg[RP_TOTAL];
    rt_fill(msg, sizeof(msg), 99);
    zk_op_t op;
    zk_prep_recv_pool(&op, a, 1, rp_cb, &s);
    ZT_CHECK(op.flags & ZK_OP_F_MULTISHOT);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    /* several writes, the loop running in between */
    size_t off = 0;
    while (off < RP_TOTAL) {
        size_t chunk = RP_TOTAL - off < 7000 ? RP_TOTAL - off : 7000;
        ZT_EQ_INT(rt_write_full(b, msg + off, chunk, 2000), chunk);
        off += chunk;
        RT_RUN_UNTIL(loop, s.n >= off || s.finals, 2000);
    }
    ZT_EQ_INT(s.finals, 0);
    ZT_EQ_INT(s.n, RP_TOTAL);
    ZT_CHECK(s.calls > 1);
    ZT_EQ_INT(s.bad_flags, 0);
    ZT_EQ_INT(s.bad_ptr, 0);
    ZT_CHECK(memcmp(s.got, msg, RP_TOTAL) == 0);
    ZT_CHECK(zk_op_busy(&op));
    /* EOF ends the multishot recv */
    close(b);
    RT_RUN_UNTIL(loop, s.finals > 0, 2000);
    ZT_EQ_INT(s.finals, 1);
    ZT_EQ_INT(s.final_res, 0);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_buf_free_count(loop), start);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    zk_loop_free(loop);
}

ZT_TEST(ops_recv_pool_multishot) { recv_pool_multishot(0); }

ZT_TEST(ops_recv_pool_multishot_uring_basic) { recv_pool_multishot(1); }

/* More data than the whole buffer pool holds: the op must wait for buffers, not fail. */
ZT_TEST(ops_recv_pool_multishot_exhausted)
{
    zk_loop_opts_t o = {0};
    o.buf_count = 4;
    o.buf_size = 4096;
    RT_LOOP_OPTS(loop, &o);
    ZT_EQ_INT(zk_buf_free_count(loop), 4);
    ZT_EQ_INT(zk_buf_size(loop), 4096);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    static struct rp_state s;
    memset(&s, 0, sizeof(s));
    static unsigned char msg[RP_TOTAL];
    rt_fill(msg, sizeof(msg), 5);
    zk_op_t op;
    zk_prep_recv_pool(&op, a, 1, rp_cb, &s);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    /* 100 KiB at once: 25 buffers' worth with 4 in the pool (rp_cb puts each back) */
    ZT_EQ_INT(rt_write_full(b, msg, RP_TOTAL, 2000), RP_TOTAL);
    RT_WAIT(loop, s.n >= RP_TOTAL || s.finals, 2000);
    if (!s.finals && s.n < RP_TOTAL)
        ZT_FAIL("stalled after %zu of %d bytes (%d completions; buffers free: %u)", s.n, RP_TOTAL,
                s.calls, zk_buf_free_count(loop));
    if (s.finals) ZT_FAIL("multishot recv ended with %d after %zu bytes", s.final_res, s.n);
    ZT_EQ_INT(s.n, RP_TOTAL);
    ZT_CHECK(memcmp(s.got, msg, RP_TOTAL) == 0);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, s.finals > 0, 2000);
    ZT_EQ_INT(s.final_res, -ECANCELED);
    ZT_EQ_INT(zk_buf_free_count(loop), 4);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* ---- send, writev ---- */

ZT_TEST(ops_send)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char msg[3000];
    rt_fill(msg, sizeof(msg), 3);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_send(&op, a, msg, sizeof(msg), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, (int)sizeof(msg));
    ZT_EQ_INT(r.busy_in_cb, 0);
    char got[sizeof(msg)];
    ZT_EQ_INT(rt_read_full(b, got, sizeof(got), 1000), sizeof(got));
    ZT_CHECK(memcmp(got, msg, sizeof(msg)) == 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(ops_writev_3)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char p1[] = "GET / HTTP/1.1\r\n", p2[] = "Host: x\r\n", p3[] = "\r\n";
    struct iovec iov[3] = {
        {p1, strlen(p1)},
        {p2, strlen(p2)},
        {p3, strlen(p3)},
    };
    size_t total = strlen(p1) + strlen(p2) + strlen(p3);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_writev(&op, a, iov, 3, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, (int)total);
    char got[64] = {0};
    ZT_EQ_INT(rt_read_full(b, got, total, 1000), total);
    ZT_EQ_STR(got, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* A send that does not fit the socket buffer waits for the peer to read (epoll: EAGAIN path). */
ZT_TEST(ops_send_waits_for_room)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    /* a small send buffer (not a small receive window: that would bring in zero-window probes) */
    int small = 4096;
    setsockopt(a, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    static char fill[1 << 20];
    rt_fill(fill, sizeof(fill), 11);
    /* fill the pipe with plain sends first */
    size_t queued = 0;
    for (;;) {
        ssize_t n = send(a, fill + queued, sizeof(fill) - queued, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
        queued += (size_t)n;
    }
    zk_op_t op;
    rt_rec_t r = {0};
    static char msg[4000];
    rt_fill(msg, sizeof(msg), 12);
    zk_prep_send(&op, a, msg, sizeof(msg), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 30), 0);
    ZT_EQ_INT(r.calls, 0);
    /* drain the peer while the loop runs */
    static char sink[(1 << 20) + 8192];
    size_t drained = 0;
    for (int i = 0; i < 400 && r.calls == 0; i++) {
        ssize_t n = read(b, sink + drained, sizeof(sink) - drained);
        if (n > 0) drained += (size_t)n;
        zk_loop_run(loop, ZK_RUN_NOWAIT);
        rt_spin_us(1000);
    }
    ZT_EQ_INT(r.calls, 1);
    ZT_CHECK(r.res > 0 && r.res <= (int)sizeof(msg));
    long rest = rt_read_full(b, sink + drained, queued + (size_t)r.res - drained, 2000);
    ZT_EQ_INT((size_t)rest + drained, queued + (size_t)r.res);
    ZT_CHECK(memcmp(sink, fill, queued) == 0);
    ZT_CHECK(memcmp(sink + queued, msg, (size_t)r.res) == 0);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(ops_send_to_reset_peer)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    struct linger lg = {1, 0};
    ZT_EQ_INT(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    close(b); /* RST */
    static char msg[4096];
    zk_op_t op;
    rt_rec_t r = {0};
    int i;
    for (i = 0; i < 50; i++) {
        zk_prep_send(&op, a, msg, sizeof(msg), rt_rec_cb, &r);
        ZT_EQ_INT(zk_submit(loop, &op), 0);
        RT_RUN_UNTIL(loop, r.calls == i + 1, 2000);
        if (r.res < 0) break;
        ZT_CHECK(r.res > 0);
    }
    if (r.res >= 0) ZT_FAIL("50 sends to a reset peer succeeded (last %d)", r.res);
    if (r.res != -EPIPE && r.res != -ECONNRESET)
        ZT_FAIL("send to a reset peer: got %d (%s), want -EPIPE or -ECONNRESET", r.res,
                strerror(-r.res));
    /* still alive (no SIGPIPE); a further send fails too */
    zk_prep_send(&op, a, msg, sizeof(msg), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls == i + 2, 2000);
    ZT_CHECK(r.res == -EPIPE || r.res == -ECONNRESET);
    zk_close(loop, a);
    zk_loop_free(loop);
}

/* ---- shutdown, close ---- */

ZT_TEST(ops_shutdown_wr)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    ZT_EQ_INT(write(a, "bye", 3), 3);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_shutdown(&op, a, SHUT_WR, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 0);
    char buf[8];
    ZT_EQ_INT(rt_read_full(b, buf, sizeof(buf), 1000), 3); /* 3 bytes, then EOF */
    ZT_CHECK(memcmp(buf, "bye", 3) == 0);
    ZT_EQ_INT(read(b, buf, sizeof(buf)), 0);
    /* the read side of a still works */
    ZT_EQ_INT(write(b, "z", 1), 1);
    ZT_EQ_INT(rt_read_full(a, buf, 1, 1000), 1);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(ops_close)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_close(&op, a, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 0);
    errno = 0;
    ZT_EQ_INT(fcntl(a, F_GETFD), -1);
    ZT_EQ_INT(errno, EBADF);
    char c;
    ZT_EQ_INT(rt_read_full(b, &c, 1, 1000), 0); /* peer sees EOF */
    close(b);
    zk_loop_free(loop);
}

/* An fd number reused after a close op must work on the loop (epoll keeps per-fd state). */
ZT_TEST(ops_close_then_reuse_fd)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char buf[8];
    zk_op_t op;
    rt_rec_t r = {0};
    /* give the loop per-fd state for a */
    ZT_EQ_INT(write(b, "1", 1), 1);
    zk_prep_recv(&op, a, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls == 1, 2000);
    zk_prep_close(&op, a, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls == 2, 2000);
    ZT_EQ_INT(r.res, 0);
    close(b);
    int a2, b2;
    ZT_EQ_INT(rt_pair(&a2, &b2), 0);
    /* the lowest free numbers are reused: one of the new fds has a's number */
    zk_prep_recv(&op, a2, buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(write(b2, "22", 2), 2);
    RT_RUN_UNTIL(loop, r.calls == 3, 2000);
    ZT_EQ_INT(r.res, 2);
    zk_close(loop, a2);
    close(b2);
    zk_loop_free(loop);
}

ZT_TEST(ops_zk_close_sync)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    ZT_EQ_INT(zk_close(loop, a), 0);
    errno = 0;
    ZT_EQ_INT(fcntl(a, F_GETFD), -1);
    ZT_EQ_INT(errno, EBADF);
    ZT_EQ_INT(zk_close(loop, a), -EBADF);
    close(b);
    zk_loop_free(loop);
}

/* ---- read on a pipe ---- */

ZT_TEST(ops_read_pipe)
{
    RT_LOOP(loop);
    int p[2];
    ZT_EQ_INT(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    char buf[32] = {0};
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_read(&op, p[0], buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 0);
    ZT_EQ_INT(write(p[1], "pipe!", 5), 5);
    RT_RUN_UNTIL(loop, r.calls > 0, 2000);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, 5);
    ZT_EQ_STR(buf, "pipe!");
    /* EOF */
    close(p[1]);
    zk_prep_read(&op, p[0], buf, sizeof(buf), rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 1, 2000);
    ZT_EQ_INT(r.res, 0);
    zk_close(loop, p[0]);
    zk_loop_free(loop);
}

ZT_TEST(ops_bad_fd)
{
    RT_LOOP(loop);
    int p[2];
    ZT_EQ_INT(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    close(p[0]);
    close(p[1]);
    char buf[8];
    zk_op_t op;
    rt_rec_t r = {0};
    /* p[0] is closed: either submit refuses it or the op completes with -EBADF */
    zk_prep_recv(&op, p[0], buf, sizeof(buf), rt_rec_cb, &r);
    int rc = zk_submit(loop, &op);
    if (rc == 0) {
        RT_RUN_UNTIL(loop, r.calls > 0, 2000);
        ZT_EQ_INT(r.calls, 1);
        ZT_EQ_INT(r.res, -EBADF);
    } else {
        ZT_EQ_INT(rc, -EBADF);
        ZT_CHECK(!zk_op_busy(&op));
    }
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* A recv waiting on an fd does not hold up a send on the same fd, and vice versa. */
ZT_TEST(ops_recv_and_send_same_fd)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char in[16] = {0};
    zk_op_t rop, sop;
    rt_rec_t rr = {0}, sr = {0};
    zk_prep_recv(&rop, a, in, sizeof(in), rt_rec_cb, &rr);
    ZT_EQ_INT(zk_submit(loop, &rop), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    zk_prep_send(&sop, a, "out", 3, rt_rec_cb, &sr);
    ZT_EQ_INT(zk_submit(loop, &sop), 0);
    RT_RUN_UNTIL(loop, sr.calls > 0, 2000);
    ZT_EQ_INT(sr.res, 3);
    ZT_EQ_INT(rr.calls, 0);
    char got[3];
    ZT_EQ_INT(rt_read_full(b, got, 3, 1000), 3);
    ZT_CHECK(memcmp(got, "out", 3) == 0);
    ZT_EQ_INT(write(b, "in", 2), 2);
    RT_RUN_UNTIL(loop, rr.calls > 0, 2000);
    ZT_EQ_INT(rr.res, 2);
    ZT_EQ_INT(sr.calls, 1);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}

/* Two recvs queued on one fd: each gets one of two writes, nothing lost or duplicated (the order
 * between them is not promised). */
ZT_TEST(ops_two_recvs_same_fd)
{
    RT_LOOP(loop);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    char b1[4] = {0}, b2[4] = {0};
    zk_op_t o1, o2;
    rt_rec_t r1 = {0}, r2 = {0};
    zk_prep_recv(&o1, a, b1, sizeof(b1), rt_rec_cb, &r1);
    zk_prep_recv(&o2, a, b2, sizeof(b2), rt_rec_cb, &r2);
    ZT_EQ_INT(zk_submit(loop, &o1), 0);
    ZT_EQ_INT(zk_submit(loop, &o2), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(write(b, "AAAA", 4), 4);
    RT_RUN_UNTIL(loop, r1.calls + r2.calls > 0, 2000);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(r1.calls + r2.calls, 1);
    ZT_EQ_INT(write(b, "BBBB", 4), 4);
    RT_RUN_UNTIL(loop, r1.calls + r2.calls == 2, 2000);
    ZT_EQ_INT(r1.calls, 1);
    ZT_EQ_INT(r2.calls, 1);
    ZT_EQ_INT(r1.res, 4);
    ZT_EQ_INT(r2.res, 4);
    int ab = memcmp(b1, "AAAA", 4) == 0 && memcmp(b2, "BBBB", 4) == 0;
    int ba = memcmp(b1, "BBBB", 4) == 0 && memcmp(b2, "AAAA", 4) == 0;
    ZT_CHECK(ab || ba);
    zk_close(loop, a);
    close(b);
    zk_loop_free(loop);
}
