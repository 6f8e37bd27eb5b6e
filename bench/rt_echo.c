/* SPDX-License-Identifier: MIT */
/* rt_echo: TCP echo ping-pong over loopback, to compare zokio's op-level API (on whichever
 * backend ZOKIO_BACKEND picks) against a naive single-threaded level-triggered epoll echo.
 *
 *   rt_echo server --impl zokio|naive --port P [--cpu N]
 *   rt_echo client --port P [--conns 100] [--seconds 5] [--warmup 1] [--size 64] [--pid SERVERPID]
 *                  [--cpu N]
 *
 * The client keeps one message in flight per connection, counts round trips in the measured
 * window (after the warm-up) and, when given the server's pid, reads the server's utime+stime
 * from /proc/PID/stat at both ends of that same window. It prints one line of key=value pairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime/loop.h"
#include "runtime/op.h"

#define ECHO_BUFS     1024u /* provided buffers; also bounds a connection's send queue */
#define ECHO_BUF_SIZE 8192u

typedef struct echo_args {
    const char *impl;
    int port;
    int conns;
    double seconds;
    double warmup;
    int size;
    long pid;
    int cpu;
    int busy; /* client: spin on epoll_wait(0) instead of sleeping */
} echo_args_t;

static void die(const char *what, int err)
{
    fprintf(stderr, "rt_echo: %s: %s\n", what, strerror(err < 0 ? -err : err));
    exit(1);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin_cpu(int cpu)
{
    cpu_set_t set;

    if (cpu < 0) return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        fprintf(stderr, "rt_echo: sched_setaffinity(%d): %s (not pinned)\n", cpu, strerror(errno));
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static struct sockaddr_in loopback_addr(int port)
{
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

static int listen_on(int port)
{
    struct sockaddr_in sa = loopback_addr(port);
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) die("socket", errno);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) die("bind", errno);
    if (listen(fd, 1024) < 0) die("listen", errno);
    return fd;
}

/* ------------------------------------------------------------------------------------------ */
/* zokio server: multishot accept, multishot recv into provided buffers, echo each chunk back. */

typedef struct echo_chunk {
    uint16_t bid;
    uint32_t len;
} echo_chunk_t;

typedef struct echo_conn {
    zk_op_t recv_op;
    zk_op_t send_op;
    zk_op_t close_op;
    int fd;
    uint8_t recv_live; /* the multishot recv has not delivered its final completion yet */
    uint8_t eof;       /* the peer is done (EOF or error): nothing more will be queued */
    uint8_t dead;      /* a send failed: drop everything and close */
    uint8_t closing;
    uint32_t off; /* bytes of q[head] already sent */
    unsigned head, tail;
    /* every queued chunk holds one of the ECHO_BUFS provided buffers, so it never overflows */
    echo_chunk_t q[ECHO_BUFS];
} echo_conn_t;

static void zecho_maybe_close(zk_loop_t *loop, echo_conn_t *c);

static void zecho_drop_queue(zk_loop_t *loop, echo_conn_t *c)
{
    while (c->head != c->tail)
        zk_buf_put(loop, c->q[c->head++ % ECHO_BUFS].bid);
    c->off = 0;
}

static void zecho_send_cb(zk_loop_t *loop, zk_op_t *op, int res);

/* Starts sending the head chunk unless a send is already in flight. */
static void zecho_kick(zk_loop_t *loop, echo_conn_t *c)
{
    echo_chunk_t *ch;
    int rc;

    if (c->dead || c->head == c->tail || zk_op_busy(&c->send_op)) return;
    ch = &c->q[c->head % ECHO_BUFS];
    zk_prep_send(&c->send_op, c->fd, zk_buf_ptr(loop, ch->bid) + c->off, ch->len - c->off,
                 zecho_send_cb, c);
    rc = zk_submit(loop, &c->send_op);
    if (rc < 0) {
        c->dead = 1;
        zecho_drop_queue(loop, c);
        if (c->recv_live) zk_cancel(loop, &c->recv_op);
    }
}

static void zecho_send_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    echo_conn_t *c = op->data;

    if (res < 0) {
        c->dead = 1;
        zecho_drop_queue(loop, c);
        if (c->recv_live) zk_cancel(loop, &c->recv_op);
    } else {
        c->off += (uint32_t)res;
        if (c->off >= c->q[c->head % ECHO_BUFS].len) {
            zk_buf_put(loop, c->q[c->head++ % ECHO_BUFS].bid);
            c->off = 0;
        }
        zecho_kick(loop, c);
    }
    zecho_maybe_close(loop, c);
}

static void zecho_recv_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    echo_conn_t *c = op->data;

    if (op->flags & ZK_OP_F_BUF) {
        if (res > 0 && !c->dead) {
            c->q[c->tail++ % ECHO_BUFS] = (echo_chunk_t){.bid = op->bid, .len = (uint32_t)res};
            zecho_kick(loop, c);
        } else {
            zk_buf_put(loop, op->bid);
        }
    }
    /* 0 = EOF, -errno: the connection is over; -ENOBUFS (pool empty): just re-arm below */
    if (res == 0 || (res < 0 && res != -ENOBUFS)) c->eof = 1;
    if (!(op->flags & ZK_OP_F_MORE)) {
        c->recv_live = 0;
        if (!c->eof && !c->dead) {
            zk_prep_recv_pool(&c->recv_op, c->fd, 1, zecho_recv_cb, c);
            if (zk_submit(loop, &c->recv_op) == 0)
                c->recv_live = 1;
            else
                c->eof = 1;
        }
    }
    zecho_maybe_close(loop, c);
}

static void zecho_close_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    (void)res;
    free(op->data);
}

static void zecho_maybe_close(zk_loop_t *loop, echo_conn_t *c)
{
    if (c->closing || c->recv_live || zk_op_busy(&c->send_op)) return;
    if (!c->dead && !(c->eof && c->head == c->tail)) return;
    zecho_drop_queue(loop, c);
    c->closing = 1;
    zk_prep_close(&c->close_op, c->fd, zecho_close_cb, c);
    if (zk_submit(loop, &c->close_op) < 0) {
        zk_close(loop, c->fd);
        free(c);
    }
}

static void zecho_accept_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    echo_conn_t *c;

    if (res >= 0) {
        c = calloc(1, sizeof(*c));
        if (!c) {
            zk_close(loop, res);
        } else {
            set_nodelay(res);
            c->fd = res;
            zk_prep_recv_pool(&c->recv_op, res, 1, zecho_recv_cb, c);
            if (zk_submit(loop, &c->recv_op) == 0) {
                c->recv_live = 1;
            } else {
                zk_close(loop, res);
                free(c);
            }
        }
    } else if (res != -ECANCELED) {
        fprintf(stderr, "rt_echo: accept: %s\n", strerror(-res));
    }
    if (!(op->flags & ZK_OP_F_MORE)) {
        zk_prep_accept(op, op->fd, 1, zecho_accept_cb, NULL);
        if (zk_submit(loop, op) < 0) die("re-arm accept", EINVAL);
    }
}

static int run_zokio_server(int lfd, int port)
{
    zk_loop_opts_t opts = {.buf_count = ECHO_BUFS, .buf_size = ECHO_BUF_SIZE};
    zk_loop_t *loop;
    zk_op_t accept_op;
    int rc = zk_loop_new(&loop, &opts);

    if (rc < 0) die("zk_loop_new", rc);
    zk_prep_accept(&accept_op, lfd, 1, zecho_accept_cb, NULL);
    rc = zk_submit(loop, &accept_op);
    if (rc < 0) die("submit accept", rc);
    printf("rt_echo server: impl=zokio backend=%s port=%d pid=%ld\n", zk_loop_backend_name(loop),
           port, (long)getpid());
    fflush(stdout);
    rc = zk_loop_run(loop, ZK_RUN_DEFAULT);
    if (rc < 0) die("zk_loop_run", rc);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Naive reference: level-triggered epoll, read then write, one process, one thread. */

typedef struct naive_pending {
    char *buf;
    size_t len, off;
} naive_pending_t;

static void naive_close(int ep, int fd, naive_pending_t *pend, size_t npend)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    if ((size_t)fd < npend) {
        free(pend[fd].buf);
        pend[fd] = (naive_pending_t){0};
    }
    close(fd);
}

/* Writes what is left over from an earlier short write; 1 when all of it went out. */
static int naive_flush(int ep, int fd, naive_pending_t *p)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

    while (p->off < p->len) {
        ssize_t n = write(fd, p->buf + p->off, p->len - p->off);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        p->off += (size_t)n;
    }
    free(p->buf);
    *p = (naive_pending_t){0};
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    return 1;
}

static void naive_echo(int ep, int fd, naive_pending_t *pend, size_t npend)
{
    static char buf[65536];
    struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
    ssize_t n = read(fd, buf, sizeof(buf));
    ssize_t w = 0;

    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) goto close;
    while (w < n) {
        ssize_t k = write(fd, buf + w, (size_t)(n - w));
        if (k < 0 && errno == EAGAIN) break;
        if (k < 0) goto close;
        w += k;
    }
    if (w == n) return;
    if ((size_t)fd >= npend || !(pend[fd].buf = malloc((size_t)(n - w)))) goto close;
    memcpy(pend[fd].buf, buf + w, (size_t)(n - w));
    pend[fd].len = (size_t)(n - w);
    pend[fd].off = 0;
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    return;
close:
    naive_close(ep, fd, pend, npend);
}

static int run_naive_server(int lfd, int port)
{
    enum { NPEND = 65536 };
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    struct epoll_event evs[256];
    naive_pending_t *pend = calloc(NPEND, sizeof(*pend));
    int ep = epoll_create1(EPOLL_CLOEXEC);

    if (ep < 0 || !pend) die("epoll_create1", errno);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl", errno);
    printf("rt_echo server: impl=naive backend=epoll-lt port=%d pid=%ld\n", port, (long)getpid());
    fflush(stdout);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait", errno);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int cfd;
                while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
                    set_nodelay(cfd);
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                }
            } else if (evs[i].events & EPOLLOUT) {
                if (naive_flush(ep, fd, &pend[fd]) < 0) naive_close(ep, fd, pend, NPEND);
            } else {
                naive_echo(ep, fd, pend, NPEND);
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Client: one epoll loop, `conns` connections, one message in flight on each. */

typedef struct client_conn {
    int fd;
    int got; /* bytes of the current echo received so far */
} client_conn_t;

/* utime + stime of pid in microseconds, or -1 */
static double proc_cpu_us(long pid)
{
    char path[64], buf[1024];
    unsigned long ut, st;
    FILE *f;
    size_t n;
    char *p;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f) return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

/* CPU time all CPUs spent not idle (user, nice, system, irq, softirq, steal), microseconds */
static double system_busy_us(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    int n;

    if (!f) return -1;
    n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8) return -1;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int client_connect(int port)
{
    struct sockaddr_in sa = loopback_addr(port);
    uint64_t give_up = mono_ns() + 5000000000u; /* the server may still be starting */

    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket", errno);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            /* connected blocking (simple retry loop), then non-blocking for the epoll loop */
            if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl", errno);
            set_nodelay(fd);
            return fd;
        }
        close(fd);
        if (errno != ECONNREFUSED || mono_ns() > give_up) die("connect", errno);
        usleep(20000);
    }
}

static void client_send(int fd, const char *msg, int size)
{
    ssize_t n = write(fd, msg, (size_t)size);
    if (n != size) die("client write (short or failed)", n < 0 ? errno : EIO);
}

static int run_client(const echo_args_t *a)
{
    struct epoll_event evs[256];
    client_conn_t *cs = calloc((size_t)a->conns, sizeof(*cs));
    char *msg = malloc((size_t)a->size), *rbuf = malloc((size_t)a->size);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    uint64_t count = 0, count0 = 0, t_warm, t_end, t0 = 0, t1 = 0;
    double cpu0 = -1, cpu1 = -1, self0 = 0, self1 = 0, sys0 = -1, sys1 = -1;
    int measuring = 0;

    if (!cs || !msg || !rbuf || ep < 0) die("client setup", ENOMEM);
    for (int i = 0; i < a->size; i++)
        msg[i] = (char)('a' + i % 26);
    for (int i = 0; i < a->conns; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        cs[i].fd = client_connect(a->port);
        if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) < 0) die("epoll_ctl", errno);
    }
    for (int i = 0; i < a->conns; i++)
        client_send(cs[i].fd, msg, a->size);
    t_warm = mono_ns() + (uint64_t)(a->warmup * 1e9);
    t_end = t_warm + (uint64_t)(a->seconds * 1e9);
    for (;;) {
        uint64_t now = mono_ns();
        if (!measuring && now >= t_warm) {
            measuring = 1;
            cpu0 = a->pid > 0 ? proc_cpu_us(a->pid) : -1;
            sys0 = system_busy_us();
            self0 = self_cpu_us();
            count0 = count;
            t0 = mono_ns();
        }
        if (measuring && now >= t_end) {
            cpu1 = a->pid > 0 ? proc_cpu_us(a->pid) : -1;
            sys1 = system_busy_us();
            self1 = self_cpu_us();
            t1 = mono_ns();
            break;
        }
        int n = epoll_wait(ep, evs, 256, a->busy ? 0 : 100);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait", errno);
        for (int i = 0; i < n; i++) {
            client_conn_t *c = &cs[evs[i].data.u32];
            ssize_t r = read(c->fd, rbuf + c->got, (size_t)(a->size - c->got));
            if (r < 0 && errno == EAGAIN) continue;
            if (r <= 0) die("client read (server closed?)", r < 0 ? errno : EPIPE);
            if (memcmp(rbuf + c->got, msg + c->got, (size_t)r) != 0) die("echo mismatch", EBADMSG);
            c->got += (int)r;
            if (c->got == a->size) {
                c->got = 0;
                count++;
                client_send(c->fd, msg, a->size);
            }
        }
    }
    {
        uint64_t msgs = count - count0;
        double secs = (double)(t1 - t0) / 1e9;
        double srv = cpu1 >= 0 && cpu0 >= 0 ? cpu1 - cpu0 : -1;
        printf("msgs=%llu secs=%.3f msgs_per_s=%.0f", (unsigned long long)msgs, secs,
               (double)msgs / secs);
        if (srv >= 0 && msgs > 0)
            printf(" server_cpu_us_per_msg=%.3f server_busy_pct=%.1f", srv / (double)msgs,
                   100.0 * srv / (secs * 1e6));
        printf(" client_cpu_us_per_msg=%.3f client_busy_pct=%.1f",
               msgs ? (self1 - self0) / (double)msgs : 0.0, 100.0 * (self1 - self0) / (secs * 1e6));
        /* what everything else on the box used meanwhile (kernel softirq work of this very
         * traffic included when the kernel accounts it apart): high values = a noisy run */
        if (srv >= 0 && sys0 >= 0 && sys1 >= 0)
            printf(" other_cpu_pct=%.1f",
                   100.0 * (sys1 - sys0 - srv - (self1 - self0)) / (secs * 1e6));
        printf("\n");
    }
    for (int i = 0; i < a->conns; i++)
        close(cs[i].fd);
    free(cs);
    free(msg);
    free(rbuf);
    close(ep);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: rt_echo server --impl zokio|naive --port P [--cpu N]\n"
            "       rt_echo client --port P [--conns 100] [--seconds 5] [--warmup 1]\n"
            "                      [--size 64] [--pid SERVER_PID] [--cpu N] [--busy 0|1]\n");
    exit(2);
}

static void parse_args(echo_args_t *a, int argc, char **argv)
{
    *a = (echo_args_t){
        .impl = "zokio", .conns = 100, .seconds = 5, .warmup = 1, .size = 64, .cpu = -1};
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (!strcmp(k, "--impl"))
            a->impl = v;
        else if (!strcmp(k, "--port"))
            a->port = atoi(v);
        else if (!strcmp(k, "--conns"))
            a->conns = atoi(v);
        else if (!strcmp(k, "--seconds"))
            a->seconds = atof(v);
        else if (!strcmp(k, "--warmup"))
            a->warmup = atof(v);
        else if (!strcmp(k, "--size"))
            a->size = atoi(v);
        else if (!strcmp(k, "--pid"))
            a->pid = atol(v);
        else if (!strcmp(k, "--cpu"))
            a->cpu = atoi(v);
        else if (!strcmp(k, "--busy"))
            a->busy = atoi(v);
        else
            usage();
        i++;
    }
    if (a->port <= 0 || a->port > 65535 || a->conns <= 0 || a->size <= 0 || a->seconds <= 0)
        usage();
}

int main(int argc, char **argv)
{
    echo_args_t a;

    if (argc < 2) usage();
    parse_args(&a, argc, argv);
    pin_cpu(a.cpu);
    if (!strcmp(argv[1], "client")) return run_client(&a);
    if (strcmp(argv[1], "server")) usage();
    if (!strcmp(a.impl, "zokio")) return run_zokio_server(listen_on(a.port), a.port);
    if (!strcmp(a.impl, "naive")) return run_naive_server(listen_on(a.port), a.port);
    usage();
    return 2;
}
