/* SPDX-License-Identifier: MIT */
/* Datagram ops (RECVMSG / SENDMSG), their futures and zk_udp_bind(): round trips over IPv4 and
 * IPv6 with the peer's address, truncation, errors, cancel and many in flight, on both backends
 * (IORING_OP_RECVMSG / SENDMSG on io_uring, readiness + the syscall on epoll). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/udp.h"
#include "tests/unit/runtime/rt.h"

/* A UDP socket bound to an ephemeral port of `ip` (v4 or v6 text); its address in *ss. */
static int bind_any(const char *ip, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) return -EINVAL;
        *len = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        if (inet_pton(AF_INET, ip, &s4->sin_addr) != 1) return -EINVAL;
        *len = sizeof *s4;
    }
    int fd = zk_udp_bind((struct sockaddr *)ss, *len, 0);
    if (fd < 0) return fd;
    int r = zk_udp_local(fd, ss, len);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

static int port_of(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET6) return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* A msghdr over one buffer, with room for the peer's address. */
typedef struct rt_msg {
    struct msghdr mh;
    struct iovec iov;
    struct sockaddr_storage peer;
} rt_msg_t;

static void msg_set(rt_msg_t *m, void *buf, size_t len, const struct sockaddr_storage *to,
                    socklen_t tolen)
{
    memset(m, 0, sizeof *m);
    m->iov.iov_base = buf;
    m->iov.iov_len = len;
    m->mh.msg_iov = &m->iov;
    m->mh.msg_iovlen = 1;
    if (to) memcpy(&m->peer, to, tolen);
    m->mh.msg_name = &m->peer;
    m->mh.msg_namelen = to ? tolen : sizeof m->peer;
}

#define RUN_OP(loop, op, rec)                                                                      \
    do {                                                                                           \
        ZT_EQ_INT(zk_submit((loop), (op)), 0);                                                     \
        RT_RUN_UNTIL((loop), (rec).calls > 0, 3000);                                               \
    } while (0)

/* a -> b and the peer address b sees, then b -> a (recv armed first, so both orders run) */
static void round_trip(const char *ip)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa, sb;
    socklen_t la, lb;
    int a = bind_any(ip, &sa, &la);
    if (a == -EADDRNOTAVAIL || a == -EAFNOSUPPORT) ZT_SKIP("no %s here: %s", ip, strerror(-a));
    ZT_CHECK(a >= 0);
    int b = bind_any(ip, &sb, &lb);
    ZT_CHECK(b >= 0);
    ZT_CHECK(fcntl(a, F_GETFL) & O_NONBLOCK);
    ZT_CHECK(fcntl(a, F_GETFD) & FD_CLOEXEC);

    char out[64], in[64];
    rt_fill(out, sizeof out, 7);
    rt_msg_t ms, mr;
    zk_op_t sop, rop;
    rt_rec_t rs = {0}, rr = {0};
    msg_set(&ms, out, 37, &sb, lb);
    zk_prep_sendmsg(&sop, a, &ms.mh, 0, rt_rec_cb, &rs);
    RUN_OP(loop, &sop, rs);
    ZT_EQ_INT(rs.res, 37);
    ZT_EQ_INT(rs.busy_in_cb, 0);
    /* the datagram waits in b's queue before the recv is submitted */
    msg_set(&mr, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&rop, b, &mr.mh, 0, rt_rec_cb, &rr);
    RUN_OP(loop, &rop, rr);
    ZT_EQ_INT(rr.res, 37);
    ZT_CHECK(memcmp(in, out, 37) == 0);
    ZT_EQ_INT(mr.mh.msg_flags & MSG_TRUNC, 0);
    ZT_EQ_INT((int)mr.mh.msg_namelen, (int)la);
    ZT_EQ_INT(mr.peer.ss_family, sa.ss_family);
    ZT_EQ_INT(port_of(&mr.peer), port_of(&sa));
    ZT_CHECK(memcmp(&mr.peer, &sa, la) == 0);

    /* recv armed on an empty socket, then the datagram arrives */
    memset(&rr, 0, sizeof rr);
    memset(&rs, 0, sizeof rs);
    msg_set(&mr, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&rop, a, &mr.mh, 0, rt_rec_cb, &rr);
    ZT_EQ_INT(zk_submit(loop, &rop), 0);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(rr.calls, 0);
    msg_set(&ms, out + 1, 5, &sa, la);
    zk_prep_sendmsg(&sop, b, &ms.mh, 0, rt_rec_cb, &rs);
    ZT_EQ_INT(zk_submit(loop, &sop), 0);
    RT_RUN_UNTIL(loop, rr.calls > 0 && rs.calls > 0, 3000);
    ZT_EQ_INT(rs.res, 5);
    ZT_EQ_INT(rr.res, 5);
    ZT_CHECK(memcmp(in, out + 1, 5) == 0);
    ZT_EQ_INT(port_of(&mr.peer), port_of(&sb));
    ZT_CHECK(memcmp(&mr.peer, &sb, lb) == 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(zk_close(loop, a), 0);
    ZT_EQ_INT(zk_close(loop, b), 0);
    zk_loop_free(loop);
}

ZT_TEST(udp_ipv4_round_trip_peer_address) { round_trip("127.0.0.1"); }
ZT_TEST(udp_ipv6_round_trip_peer_address) { round_trip("::1"); }

ZT_TEST(udp_bind_errors_and_flags)
{
    struct sockaddr_in sa;
    rt_addr(&sa, 0);
    ZT_EQ_INT(zk_udp_bind((struct sockaddr *)&sa, sizeof sa - 1, 0), -EINVAL);
    struct sockaddr_un_like {
        sa_family_t f;
        char p[20];
    } un = {AF_UNIX, "x"};
    ZT_EQ_INT(zk_udp_bind((struct sockaddr *)&un, sizeof un, 0), -EAFNOSUPPORT);
    /* two sockets on one port with REUSEPORT; the second without it is refused */
    int a = zk_udp_bind((struct sockaddr *)&sa, sizeof sa, ZK_UDP_REUSEADDR | ZK_UDP_REUSEPORT);
    ZT_CHECK(a >= 0);
    struct sockaddr_storage ss;
    socklen_t l;
    ZT_EQ_INT(zk_udp_local(a, &ss, &l), 0);
    ZT_CHECK(port_of(&ss) > 0);
    rt_addr(&sa, port_of(&ss));
    int b = zk_udp_bind((struct sockaddr *)&sa, sizeof sa, ZK_UDP_REUSEADDR | ZK_UDP_REUSEPORT);
    ZT_CHECK(b >= 0);
    ZT_EQ_INT(zk_udp_bind((struct sockaddr *)&sa, sizeof sa, 0), -EADDRINUSE);
    int one = 0;
    socklen_t ol = sizeof one;
    ZT_EQ_INT(getsockopt(a, SOL_SOCKET, SO_REUSEPORT, &one, &ol), 0);
    ZT_EQ_INT(one, 1);
    close(a);
    close(b);
    /* V6ONLY on an IPv6 socket (where the machine has IPv6) */
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int c = zk_udp_bind((struct sockaddr *)&s6, sizeof s6, ZK_UDP_V6ONLY);
    if (c == -EADDRNOTAVAIL || c == -EAFNOSUPPORT) return;
    ZT_CHECK(c >= 0);
    one = 0;
    ZT_EQ_INT(getsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &one, &ol), 0);
    ZT_EQ_INT(one, 1);
    close(c);
}

/* A datagram longer than the buffer: the bytes that fit and MSG_TRUNC; the next one is whole. */
ZT_TEST(udp_truncated_reports_msg_trunc)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa, sb;
    socklen_t la, lb;
    int a = bind_any("127.0.0.1", &sa, &la), b = bind_any("127.0.0.1", &sb, &lb);
    ZT_CHECK(a >= 0 && b >= 0);
    char big[300], small[4] = "abc", in[16];
    rt_fill(big, sizeof big, 3);
    ZT_EQ_INT(sendto(b, big, sizeof big, 0, (struct sockaddr *)&sa, la), (int)sizeof big);
    ZT_EQ_INT(sendto(b, small, 3, 0, (struct sockaddr *)&sa, la), 3);
    rt_msg_t m;
    zk_op_t op;
    rt_rec_t r = {0};
    msg_set(&m, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&op, a, &m.mh, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, (int)sizeof in);
    ZT_CHECK(m.mh.msg_flags & MSG_TRUNC);
    ZT_CHECK(memcmp(in, big, sizeof in) == 0);
    ZT_EQ_INT(port_of(&m.peer), port_of(&sb));
    /* the rest of the long datagram is gone: the next recv gets the short one, untruncated */
    memset(&r, 0, sizeof r);
    msg_set(&m, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&op, a, &m.mh, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 3);
    ZT_EQ_INT(m.mh.msg_flags & MSG_TRUNC, 0);
    ZT_CHECK(memcmp(in, "abc", 3) == 0);
    /* MSG_DONTWAIT would make io_uring fail instead of wait: refused on both backends */
    msg_set(&m, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&op, a, &m.mh, MSG_DONTWAIT, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    ZT_EQ_INT(zk_close(loop, a), 0);
    ZT_EQ_INT(zk_close(loop, b), 0);
    zk_loop_free(loop);
}

/* ---- errors ---- */

ZT_TEST(udp_closed_fd_ebadf)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa;
    socklen_t la;
    int a = bind_any("127.0.0.1", &sa, &la);
    ZT_CHECK(a >= 0);
    ZT_EQ_INT(close(a), 0); /* never seen by the loop; nothing reuses the number meanwhile */
    char buf[8] = "x";
    rt_msg_t mr, ms;
    zk_op_t rop, sop;
    rt_rec_t rr = {0}, rs = {0};
    msg_set(&mr, buf, sizeof buf, NULL, 0);
    zk_prep_recvmsg(&rop, a, &mr.mh, 0, rt_rec_cb, &rr);
    RUN_OP(loop, &rop, rr);
    ZT_EQ_INT(rr.res, -EBADF);
    msg_set(&ms, buf, 1, &sa, la);
    zk_prep_sendmsg(&sop, a, &ms.mh, 0, rt_rec_cb, &rs);
    RUN_OP(loop, &sop, rs);
    ZT_EQ_INT(rs.res, -EBADF);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

/* A connected socket whose peer port is closed: loopback answers the first datagram with an ICMP
 * port unreachable at once, and the next recvmsg (and sendmsg) reports it. */
ZT_TEST(udp_connected_dead_port_econnrefused)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa, sd;
    socklen_t la, ld;
    int a = bind_any("127.0.0.1", &sa, &la);
    int d = bind_any("127.0.0.1", &sd, &ld);
    ZT_CHECK(a >= 0 && d >= 0);
    close(d); /* its port is now closed */
    ZT_EQ_INT(connect(a, (struct sockaddr *)&sd, ld), 0);
    char buf[8] = "ping";
    rt_msg_t ms, mr;
    zk_op_t sop, rop;
    rt_rec_t rs = {0}, rr = {0};
    msg_set(&ms, buf, 4, NULL, 0);
    ms.mh.msg_name = NULL;
    ms.mh.msg_namelen = 0;
    zk_prep_sendmsg(&sop, a, &ms.mh, 0, rt_rec_cb, &rs);
    RUN_OP(loop, &sop, rs);
    ZT_EQ_INT(rs.res, 4);
    msg_set(&mr, buf, sizeof buf, NULL, 0);
    zk_prep_recvmsg(&rop, a, &mr.mh, 0, rt_rec_cb, &rr);
    RUN_OP(loop, &rop, rr);
    ZT_EQ_INT(rr.res, -ECONNREFUSED);
    /* the error was consumed; the next datagram's ICMP fails the send after it */
    memset(&rs, 0, sizeof rs);
    zk_prep_sendmsg(&sop, a, &ms.mh, 0, rt_rec_cb, &rs);
    RUN_OP(loop, &sop, rs);
    ZT_EQ_INT(rs.res, 4);
    struct pollfd pfd = {.fd = a}; /* the ICMP may wait for a softirq thread: until it landed */
    ZT_EQ_INT(poll(&pfd, 1, 3000), 1);
    ZT_CHECK(pfd.revents & POLLERR);
    memset(&rs, 0, sizeof rs);
    zk_prep_sendmsg(&sop, a, &ms.mh, 0, rt_rec_cb, &rs);
    RUN_OP(loop, &sop, rs);
    ZT_EQ_INT(rs.res, -ECONNREFUSED);
    ZT_EQ_INT(zk_close(loop, a), 0);
    zk_loop_free(loop);
}

/* ---- cancel ---- */

ZT_TEST(udp_cancel_pending_recvmsg)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa, sb;
    socklen_t la, lb;
    int a = bind_any("127.0.0.1", &sa, &la), b = bind_any("127.0.0.1", &sb, &lb);
    ZT_CHECK(a >= 0 && b >= 0);
    char in[16];
    rt_msg_t m;
    zk_op_t op;
    rt_rec_t r = {0};
    msg_set(&m, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&op, a, &m.mh, 0, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 0);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls > 0, 3000);
    ZT_EQ_INT(r.res, -ECANCELED);
    ZT_EQ_INT(r.busy_in_cb, 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(zk_cancel(loop, &op), -ENOENT);
    /* the cancelled op took nothing: a datagram sent now waits for the next recv */
    ZT_EQ_INT(sendto(b, "hey", 3, 0, (struct sockaddr *)&sa, la), 3);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(r.calls, 1);
    memset(&r, 0, sizeof r);
    msg_set(&m, in, sizeof in, NULL, 0);
    zk_prep_recvmsg(&op, a, &m.mh, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 3);
    ZT_CHECK(memcmp(in, "hey", 3) == 0);
    ZT_EQ_INT(zk_close(loop, a), 0);
    ZT_EQ_INT(zk_close(loop, b), 0);
    zk_loop_free(loop);
}

/* ---- futures ---- */

/* A task answering one datagram: recv (into a buffer too small for the first one), then the
 * answer, naming the truncation, back to the sender's address from the future. */
struct echo_task {
    zk_task_t t;
    zk_msg_future_t f;
    char buf[8];
    int st, got, flags, sent;
    int fd;
};

static zk_poll_t echo_run(zk_task_t *t)
{
    struct echo_task *e = t->data;
    if (e->st == 0) {
        zk_fut_recvmsg(&e->f, e->fd, e->buf, sizeof e->buf);
        e->st = 1;
    }
    if (e->st == 1) {
        if (zk_poll(&e->f.io.base, t) == ZK_PENDING) return ZK_PENDING;
        e->got = e->f.io.base.result;
        e->flags = e->f.flags;
        if (e->got < 0) return ZK_READY;
        struct sockaddr_storage peer = e->f.addr; /* the send re-initialises the future */
        socklen_t plen = e->f.addrlen;
        e->buf[0] = e->flags & MSG_TRUNC ? 'T' : 'W';
        zk_fut_sendmsg(&e->f, e->fd, e->buf, (size_t)e->got, (struct sockaddr *)&peer, plen);
        e->st = 2;
    }
    if (zk_poll(&e->f.io.base, t) == ZK_PENDING) return ZK_PENDING;
    e->sent = e->f.io.base.result;
    return ZK_READY;
}

ZT_TEST(udp_future_echo_with_truncation)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa, sb;
    socklen_t la, lb;
    int a = bind_any("127.0.0.1", &sa, &la), b = bind_any("127.0.0.1", &sb, &lb);
    ZT_CHECK(a >= 0 && b >= 0);
    struct echo_task e = {.fd = a};
    zk_task_init(&e.t, loop, echo_run, NULL, &e);
    zk_spawn(&e.t);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_EQ_INT(sendto(b, "0123456789abc", 13, 0, (struct sockaddr *)&sa, la), 13);
    RT_RUN_UNTIL(loop, e.t.finished, 3000);
    ZT_EQ_INT(e.got, 8);
    ZT_CHECK(e.flags & MSG_TRUNC);
    ZT_EQ_INT((int)e.f.addrlen, (int)lb); /* the send's destination: the recv's sender */
    ZT_EQ_INT(e.f.flags, 0);
    ZT_EQ_INT(e.sent, 8);
    char back[16];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    struct timeval tv = {2, 0};
    setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int fl_ = fcntl(b, F_GETFL);
    fcntl(b, F_SETFL, fl_ & ~O_NONBLOCK);
    ZT_EQ_INT((int)recvfrom(b, back, sizeof back, 0, (struct sockaddr *)&from, &fl), 8);
    ZT_CHECK(memcmp(back, "T1234567", 8) == 0);
    ZT_EQ_INT(port_of(&from), port_of(&sa));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(zk_close(loop, a), 0);
    close(b);
    zk_loop_free(loop);
}

ZT_TEST(udp_future_cancel_pending_recv)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa;
    socklen_t la;
    int a = bind_any("127.0.0.1", &sa, &la);
    ZT_CHECK(a >= 0);
    struct echo_task e = {.fd = a};
    zk_task_init(&e.t, loop, echo_run, NULL, &e);
    zk_spawn(&e.t);
    ZT_EQ_INT(rt_run_for(loop, 10), 0);
    ZT_CHECK(!e.t.finished);
    zk_future_cancel(&e.f.io.base);
    RT_RUN_UNTIL(loop, e.t.finished, 3000);
    ZT_EQ_INT(e.got, -ECANCELED);
    ZT_EQ_INT(e.flags, 0);
    ZT_EQ_INT((int)e.f.addrlen, 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(zk_close(loop, a), 0);
    zk_loop_free(loop);
}

/* ---- many in flight ---- */

/* 128 recvs armed on one socket, 128 sends from another: every datagram lands once, and a round
 * allocates nothing (the msghdrs live in the ops' owner). 128 small datagrams stay well inside
 * the default receive buffer, so none is dropped. */
#define NDG 128

struct many {
    zk_op_t rops[NDG], sops[NDG];
    rt_msg_t rm[NDG], sm[NDG];
    uint32_t rbuf[NDG], sbuf[NDG];
    unsigned char seen[NDG];
    int recvd, sent, bad;
};

static void many_recv_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    struct many *m = op->data;
    int i = (int)(op - m->rops);
    if (res != 4 || m->rbuf[i] >= NDG || m->seen[m->rbuf[i]]++) m->bad++;
    m->recvd++;
}

static void many_send_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    struct many *m = op->data;
    if (res != 4) m->bad++;
    m->sent++;
}

static int many_round(zk_loop_t *loop, struct many *m, int a, int b,
                      const struct sockaddr_storage *sa, socklen_t la)
{
    m->recvd = m->sent = 0;
    memset(m->seen, 0, sizeof m->seen);
    for (int i = 0; i < NDG; i++) {
        msg_set(&m->rm[i], &m->rbuf[i], sizeof m->rbuf[i], NULL, 0);
        zk_prep_recvmsg(&m->rops[i], a, &m->rm[i].mh, 0, many_recv_cb, m);
        if (zk_submit(loop, &m->rops[i]) < 0) return -1;
    }
    for (int i = 0; i < NDG; i++) {
        m->sbuf[i] = (uint32_t)i;
        msg_set(&m->sm[i], &m->sbuf[i], sizeof m->sbuf[i], sa, la);
        zk_prep_sendmsg(&m->sops[i], b, &m->sm[i].mh, 0, many_send_cb, m);
        if (zk_submit(loop, &m->sops[i]) < 0) return -1;
    }
    uint64_t end = rt_wall_ns() + 5 * ZK_SEC;
    while ((m->recvd < NDG || m->sent < NDG) && rt_wall_ns() < end)
        if (zk_loop_run(loop, ZK_RUN_ONCE) < 0) return -1;
    return m->recvd;
}

ZT_TEST(udp_many_in_flight_no_malloc)
{
    RT_LOOP(loop);
    struct sockaddr_storage sa, sb;
    socklen_t la, lb;
    int a = bind_any("127.0.0.1", &sa, &la), b = bind_any("127.0.0.1", &sb, &lb);
    ZT_CHECK(a >= 0 && b >= 0);
    int rcv = 1 << 20; /* 128 datagrams take half the default 208 KiB: leave more margin */
    setsockopt(a, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    struct many *m = calloc(1, sizeof *m);
    ZT_CHECK(m != NULL);
    ZT_EQ_INT(many_round(loop, m, a, b, &sa, la), NDG); /* warm: per-fd tables grow here */
    ZT_EQ_INT(m->bad, 0);
    struct mallinfo2 before = mallinfo2();
    for (int round = 0; round < 4; round++) {
        ZT_EQ_INT(many_round(loop, m, a, b, &sa, la), NDG);
        ZT_EQ_INT(m->sent, NDG);
    }
    struct mallinfo2 after = mallinfo2();
    ZT_EQ_INT(m->bad, 0);
    ZT_EQ_INT((long)after.uordblks, (long)before.uordblks);
    ZT_EQ_INT((long)after.hblkhd, (long)before.hblkhd);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    free(m);
    ZT_EQ_INT(zk_close(loop, a), 0);
    ZT_EQ_INT(zk_close(loop, b), 0);
    zk_loop_free(loop);
}
