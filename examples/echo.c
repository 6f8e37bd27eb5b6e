/* SPDX-License-Identifier: MIT */
/* echo [ADDR] [PORT] (default 127.0.0.1 8080): a TCP echo server on the zokio futures API. One
 * acceptor task drains an accept stream; each connection is a pooled task that sends every chunk
 * of its recv stream back (send all) before it takes the next. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "runtime/zk.h"

#define MAX_CONNS 4096

enum { C_RECV, C_SEND, C_CLOSE };

typedef struct conn {
    zk_task_t task;
    zk_recv_stream_t rs;
    zk_io_future_t io; /* the send in flight, then the close */
    zk_recv_chunk_t chunk;
    int fd, st;
} conn_t;

static zk_pool_t conns;
static zk_task_t acceptor;
static zk_accept_stream_t accepts;
static zk_io_future_t nap; /* after an accept error (EMFILE...) wait before accepting again */
static int listen_fd, napping;

static zk_poll_t conn_run(zk_task_t *t)
{
    conn_t *c = t->data;

    for (;;) {
        switch (c->st) {
        case C_RECV: /* after a stop: -ECANCELED once the stream is idle */
            if (zk_recv_next(&c->rs, t, &c->chunk) == ZK_PENDING) return ZK_PENDING;
            if (c->chunk.res <= 0) {
                zk_fut_close(&c->io, c->fd);
                c->st = C_CLOSE;
                break;
            }
            zk_fut_send(&c->io, c->fd, zk_buf_ptr(t->loop, c->chunk.bid), (size_t)c->chunk.res, 1);
            c->st = C_SEND;
            break;
        case C_SEND:
            if (zk_poll(&c->io.base, t) == ZK_PENDING) return ZK_PENDING;
            zk_buf_put(t->loop, c->chunk.bid);
            if (c->io.base.result < 0) zk_recv_stream_stop(t->loop, &c->rs);
            c->st = C_RECV;
            break;
        default: /* C_CLOSE */ return zk_poll(&c->io.base, t);
        }
    }
}

static void conn_done(zk_task_t *t) { zk_pool_put(&conns, t->data); }

static zk_poll_t accept_run(zk_task_t *t)
{
    for (int fd;;) {
        if (napping) {
            if (zk_poll(&nap.base, t) == ZK_PENDING) return ZK_PENDING;
            zk_accept_stream_init(&accepts, listen_fd);
            napping = 0;
        }
        if (zk_accept_next(&accepts, t, &fd) == ZK_PENDING) return ZK_PENDING;
        if (fd < 0) {
            fprintf(stderr, "echo: accept: %s\n", strerror(-fd));
            zk_fut_sleep(&nap, 100 * ZK_MSEC);
            napping = 1;
            continue;
        }
        conn_t *c = zk_pool_get(&conns);
        if (!c) { /* full: shed the connection */
            zk_close(t->loop, fd);
            continue;
        }
        c->fd = fd, c->st = C_RECV;
        zk_recv_stream_init(&c->rs, fd);
        zk_task_init(&c->task, t->loop, conn_run, conn_done, c);
        zk_spawn(&c->task);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int one = 1, port = argc > 2 ? atoi(argv[2]) : 8080;
    zk_loop_t *loop;

    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, argc > 1 ? argv[1] : "127.0.0.1", &sa.sin_addr) != 1) {
        fprintf(stderr, "usage: echo [ADDR] [PORT]\n");
        return 2;
    }
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(listen_fd, 512) < 0) {
        perror("echo: listen");
        return 1;
    }
    int rc = zk_pool_init(&conns, sizeof(conn_t), MAX_CONNS);
    if (rc < 0 || (rc = zk_loop_new(&loop, NULL)) < 0) {
        fprintf(stderr, "echo: %s\n", strerror(-rc));
        return 1;
    }
    printf("echo: %s:%d, backend %s\n", argc > 1 ? argv[1] : "127.0.0.1", port,
           zk_loop_backend_name(loop));
    fflush(stdout);
    zk_accept_stream_init(&accepts, listen_fd);
    zk_task_init(&acceptor, loop, accept_run, NULL, NULL);
    zk_spawn(&acceptor);
    return zk_loop_run(loop, ZK_RUN_DEFAULT) < 0;
}
