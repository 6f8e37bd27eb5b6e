/* SPDX-License-Identifier: MIT */
/* Shared helpers of the runtime unit tests (see rt.h). */
#include "tests/unit/runtime/rt.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int rt_loop_new(zk_loop_t **out, const zk_loop_opts_t *opts, const char **why)
{
    zk_loop_opts_t o;
    if (opts)
        o = *opts;
    else
        memset(&o, 0, sizeof(o));
    o.quiet = 1;
    /* the runner's choice (ZOKIOD_BACKEND, via zt_backend()) */
    if (zk_backend_parse(zt_backend(), &o.backend) < 0) o.backend = ZK_BACKEND_AUTO;
    o.backend_why = "ZOKIOD_BACKEND";
    *out = NULL;
    int rc = zk_loop_new(out, &o);
    if (rc < 0) return rc;
    if (strcmp(zt_backend(), "io_uring") == 0 && zk_loop_backend(*out) != ZK_BACKEND_URING) {
        *why = zk_loop_backend_reason(*out);
        zk_loop_free(*out);
        *out = NULL;
        return 1;
    }
    return 0;
}

uint64_t rt_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void rt_spin_us(unsigned us)
{
    uint64_t end = rt_wall_ns() + (uint64_t)us * 1000u;
    while (rt_wall_ns() < end) {
    }
}

static void guard_cb(zk_loop_t *loop, zk_timer_t *t)
{
    (void)loop;
    ((rt_guard_t *)t->data)->fired = 1;
}

void rt_guard_start(zk_loop_t *loop, rt_guard_t *g, unsigned ms)
{
    memset(g, 0, sizeof(*g));
    zk_timer_init(&g->t, guard_cb, g);
    uint64_t now = zk_loop_update_now(loop);
    g->wall_deadline = rt_wall_ns() + (uint64_t)ms * ZK_MSEC;
    zk_timer_start(loop, &g->t, now + (uint64_t)ms * ZK_MSEC);
}

void rt_guard_stop(zk_loop_t *loop, rt_guard_t *g) { zk_timer_stop(loop, &g->t); }

int rt_guard_expired(const rt_guard_t *g) { return g->fired || rt_wall_ns() >= g->wall_deadline; }

int rt_run_for(zk_loop_t *loop, unsigned ms)
{
    rt_guard_t g;
    int rc = 0;
    rt_guard_start(loop, &g, ms);
    while (!rt_guard_expired(&g)) {
        rc = zk_loop_run(loop, ZK_RUN_ONCE);
        if (rc < 0) break;
    }
    rt_guard_stop(loop, &g);
    return rc < 0 ? rc : 0;
}

static int rec_seq;

void rt_rec_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    rt_rec_t *r = op->data;
    r->calls++;
    r->res = res;
    r->flags = op->flags;
    r->busy_in_cb = zk_op_busy(op);
    r->seq = ++rec_seq;
    r->now = zk_loop_now(loop);
}

void rt_addr(struct sockaddr_in *sa, int port)
{
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int rt_listen(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa;
    rt_addr(&sa, 0);
    socklen_t len = sizeof(sa);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int rt_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

int rt_connect_blocking(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in sa;
    rt_addr(&sa, port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

int rt_pair(int *a, int *b)
{
    int port, e;
    int l = rt_listen(&port);
    if (l < 0) return l;
    int c = rt_connect_blocking(port);
    if (c < 0) {
        close(l);
        return c;
    }
    struct pollfd p = {.fd = l, .events = POLLIN};
    poll(&p, 1, 2000);
    int s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    e = -errno;
    close(l);
    if (s < 0) {
        close(c);
        return e;
    }
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *a = s;
    *b = c;
    return 0;
}

int rt_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in sa;
    rt_addr(&sa, 0);
    socklen_t len = sizeof(sa);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

static int wait_fd(int fd, short ev, uint64_t deadline)
{
    for (;;) {
        uint64_t now = rt_wall_ns();
        if (now >= deadline) return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = ev};
        int n = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) return -errno;
    }
}

long rt_read_full(int fd, void *buf, size_t n, int timeout_ms)
{
    uint64_t deadline = rt_wall_ns() + (uint64_t)timeout_ms * 1000000u;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        if (r == 0) break;
        if (errno != EAGAIN && errno != EINTR) return -errno;
        int w = wait_fd(fd, POLLIN, deadline);
        if (w < 0) return w;
    }
    return (long)got;
}

long rt_write_full(int fd, const void *buf, size_t n, int timeout_ms)
{
    uint64_t deadline = rt_wall_ns() + (uint64_t)timeout_ms * 1000000u;
    size_t done = 0;
    while (done < n) {
        ssize_t r = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
        if (r >= 0) {
            done += (size_t)r;
            continue;
        }
        if (errno != EAGAIN && errno != EINTR) return -errno;
        int w = wait_fd(fd, POLLOUT, deadline);
        if (w < 0) return w;
    }
    return (long)done;
}

void rt_fill(void *buf, size_t n, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9e3779b9u;
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)(x >> 24);
    }
}
