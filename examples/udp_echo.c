/* SPDX-License-Identifier: MIT */
/* udp_echo [ADDR] [PORT] (default 127.0.0.1 9000; ADDR may be IPv6, PORT 0 picks one): a UDP
 * echo server on the zokio futures API. WORKERS tasks share the socket, each one receiving a
 * datagram (a recvmsg future, which names the sender) and sending it back to that sender before
 * it takes the next; several recvs are armed at once so a burst does not wait on one answer.
 * A datagram longer than BUF arrives cut (MSG_TRUNC): it is dropped, not echoed in part. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/zk.h"

#define WORKERS 16
#define BUF     2048

typedef struct worker {
    zk_task_t task;
    zk_msg_future_t f; /* the recv, then the answer */
    int sending;
    char buf[BUF];
} worker_t;

static worker_t workers[WORKERS];
static int sock;

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
    const void *a = ss->ss_family == AF_INET6
                        ? (const void *)&((struct sockaddr_in6 *)ss)->sin6_addr
                        : (const void *)&((struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, a, out, (socklen_t)n)) snprintf(out, n, "?");
}

static zk_poll_t worker_run(zk_task_t *t)
{
    worker_t *w = t->data;
    char who[INET6_ADDRSTRLEN];

    for (;;) {
        if (zk_poll(&w->f.io.base, t) == ZK_PENDING) return ZK_PENDING;
        int res = w->f.io.base.result;
        if (w->sending) { /* answered (or not: UDP gives up as the peer would) */
            if (res < 0) fprintf(stderr, "udp_echo: send: %s\n", strerror(-res));
            w->sending = 0;
            zk_fut_recvmsg(&w->f, sock, w->buf, sizeof w->buf);
            continue;
        }
        if (res == -ECANCELED) return ZK_READY;
        if (res < 0) { /* e.g. a pending ICMP error: the socket itself is fine */
            fprintf(stderr, "udp_echo: recv: %s\n", strerror(-res));
        } else if (w->f.flags & MSG_TRUNC) {
            peer_text(&w->f.addr, who, sizeof who);
            fprintf(stderr, "udp_echo: dropped a datagram longer than %d bytes from %s\n", BUF,
                    who);
        } else {
            /* back to the sender: the future copies the address it was handed (its own) */
            zk_fut_sendmsg(&w->f, sock, w->buf, (size_t)res, (struct sockaddr *)&w->f.addr,
                           w->f.addrlen);
            w->sending = 1;
            continue;
        }
        zk_fut_recvmsg(&w->f, sock, w->buf, sizeof w->buf);
    }
}

static int parse_addr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (port < 0 || port > 65535) return -1;
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        *len = sizeof *s4;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1) return -1;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    *len = sizeof *s6;
    return 0;
}

int main(int argc, char **argv)
{
    const char *ip = argc > 1 ? argv[1] : "127.0.0.1";
    struct sockaddr_storage ss;
    socklen_t len;
    zk_loop_t *loop;

    if (argc > 3 || parse_addr(ip, argc > 2 ? atoi(argv[2]) : 9000, &ss, &len) < 0) {
        fprintf(stderr, "usage: udp_echo [ADDR] [PORT]\n");
        return 2;
    }
    sock = zk_udp_bind((struct sockaddr *)&ss, len, ZK_UDP_REUSEADDR);
    int rc = sock < 0 ? sock : zk_udp_local(sock, &ss, &len);
    if (rc < 0 || (rc = zk_loop_new(&loop, NULL)) < 0) {
        fprintf(stderr, "udp_echo: %s:%s: %s\n", ip, argc > 2 ? argv[2] : "9000", strerror(-rc));
        return 1;
    }
    int port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    printf("udp_echo: %s port %d, backend %s\n", ip, port, zk_loop_backend_name(loop));
    fflush(stdout);
    for (int i = 0; i < WORKERS; i++) {
        worker_t *w = &workers[i];
        zk_fut_recvmsg(&w->f, sock, w->buf, sizeof w->buf);
        zk_task_init(&w->task, loop, worker_run, NULL, w);
        zk_spawn(&w->task);
    }
    return zk_loop_run(loop, ZK_RUN_DEFAULT) < 0;
}
