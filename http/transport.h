/* SPDX-License-Identifier: MIT */
/* zokiod http: how a connection reads and writes its bytes, plain or through TLS (redis's
 * ConnectionType). http/conn.c only calls through c->tr, so keep-alive, pipelining, batched
 * writes and ranges are the same code on both. The plain table is in http/transport.c, the TLS
 * one in http/tls.c. http-private. */
#ifndef ZH_TRANSPORT_H
#define ZH_TRANSPORT_H

#include "http/conn.h"

/* results of write() */
enum { ZH_W_WAIT = 0, ZH_W_STARTED = 1, ZH_W_DONE = 2 };

struct zh_transport {
    /* The next input: PENDING, or READY with *res > 0 bytes at c->in_base + c->in_off
     * (c->in_len of them), 0 at end of input, -errno on failure. */
    zk_poll_t (*read)(zh_conn_t *c, zk_task_t *t, int *res);
    /* the input read() handed out is used up (or dropped): its buffer goes back */
    void (*read_done)(zh_conn_t *c);
    /* 1 when read() has input at hand (it would not wait) */
    int (*buffered)(const zh_conn_t *c);
    /* Writes the output queue (http/out.h): ZH_W_STARTED when a write went out (the caller
     * re-arms send_timeout and calls again), ZH_W_WAIT while one is in flight, ZH_W_DONE once the
     * queue is empty and sent, -errno to abort the connection. */
    int (*write)(zh_conn_t *c, zk_task_t *t);
    /* CLOSE: cancels and awaits the transport's own ops; PENDING until they settled, then frees
     * what the transport holds. The fd and the recv stream stay the caller's. */
    zk_poll_t (*close)(zh_conn_t *c, zk_task_t *t);
};

extern const zh_transport_t zh_transport_plain;

#endif
