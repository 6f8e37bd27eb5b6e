/* SPDX-License-Identifier: MIT */
/* zokiod http: one client connection: its task, parser, timers and what it is answering
 * (http/conn.c). http-private. */
#ifndef ZH_CONN_H
#define ZH_CONN_H

#include <llhttp.h>
#include <stdint.h>

#include "http/request.h"
#include "http/srv.h"
#include "http/work.h"
#include "runtime/zk.h"

typedef struct zh_transport zh_transport_t; /* http/transport.h */
struct zh_lookup;                           /* http/lookup.h */
struct zh_tls_conn;                         /* http/tls.c */

typedef struct zh_conn {
    zk_task_t task;
    zk_recv_stream_t rs;
    zk_timer_t timer;
    zh_server_t *srv;
    const zh_listener_t *lst;
    const zh_vhost_t *vhost;  /* of the request being answered (its access log) */
    const zh_location_t *loc; /* of the request being answered (its add_header list) */
    uint64_t resp_bytes;      /* the body bytes of the last response queued */
    struct zh_conn *prev, *next;
    zh_work_t *w;             /* the parser, request and output queue while busy; NULL when idle */
    const zh_transport_t *tr; /* plain or TLS: every read and write goes through it */
    struct zh_tls_conn *tls;  /* the TLS transport's state, NULL on plain connections */
    const char *in_base;      /* the input buffer read() handed out (in_off, in_len in it) */
    uint64_t deadline;        /* the timer fires then re-checks this (moved cheaply on progress) */
    uint64_t head_deadline;   /* the request head must be complete by then (0: none started) */
    int fd;
    int resp_status; /* of the last response queued, for the access log */
    uint32_t requests;
    uint32_t in_off, in_len; /* unparsed bytes of the current input buffer in_bid */
    uint16_t in_bid;
    uint8_t in_held; /* in_bid is ours to put back */
    uint8_t st;
    uint8_t close_after; /* the last response says Connection: close */
    uint8_t timed_out;
    uint8_t sent_continue;
    uint8_t upgraded; /* llhttp stopped at an Upgrade: answer, then close */
    uint8_t write_kind;
    uint8_t nodelay; /* TCP_NODELAY is set on fd */
    uint8_t corked;  /* TCP_CORK is set on fd (tcp_nopush) until the output queue is empty */
    uint8_t reset;   /* close with a RST (reset_timedout_connection) */
    /* the client's address, read once (getpeername) when first needed, kept in binary: the work
     * block holds its text for the request being answered (zh_conn_peer()) */
    uint8_t peer_af; /* AF_INET, AF_INET6; 0: not read yet; PEER_UNKNOWN */
    uint8_t peer_ip[16];
    /* a request parked on a file lookup on the pool (http/lookup.h), routed again from the
     * start when it lands: the lookups' results (NULL until a first miss), whether the parked
     * request was an Upgrade, and the error-log lines of its earlier runs (not logged twice) */
    struct zh_lookup *lk;
    uint8_t parked, park_upgrade;
    uint32_t log_calls, log_skip;
} zh_conn_t;

zh_conn_t *zh_conn_start(zh_listener_t *l, int fd);

/* Sets up the parser of c's fresh work block c->w (zh_out_take()): a new message's start. */
void zh_conn_parser_init(zh_conn_t *c);

/* The client's address as text ("-" when unknown): $remote_addr and the logs. Read from the
 * socket once per connection; the text lives in c's work block (in a static buffer, valid until
 * the next call, when c has none). */
const char *zh_conn_peer(zh_conn_t *c);

/* The per-location limits that apply to c's request now: its location's once it is routed,
 * else its server's, else the default server's of the listen address (else the worker's). */
const zh_loc_limits_t *zh_conn_limits(const zh_conn_t *c);

/* The Server header value for c's response (server_tokens of the location answering). */
const char *zh_conn_server_header(const zh_conn_t *c);

#endif
