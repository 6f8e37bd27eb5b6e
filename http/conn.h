/* SPDX-License-Identifier: MIT */
/* zokiod http: the connection, its output queue and the per-worker server state (http-private). */
#ifndef ZH_CONN_H
#define ZH_CONN_H

#include <llhttp.h>
#include <stdint.h>
#include <sys/uio.h>

#include "http/date.h"
#include "http/filecache.h"
#include "http/request.h"
#include "http/server.h"
#include "runtime/zk.h"

#define ZH_ARENA_SIZE 12288 /* request-target (8 KiB max) + the header values we keep */
#define ZH_OUT_SIZE   16384 /* response heads and generated bodies */
#define ZH_OUT_ROOM   4096  /* room a response needs before it is generated */
#define ZH_MAX_SEGS   128
#define ZH_SEG_ROOM   40 /* segments a response may need (multipart: 2 per range) */

/* One piece of output: bytes in memory (the out buffer or a cached file) or a file range. */
typedef struct zh_seg {
    const char *mem; /* NULL: send len bytes of file->fd from off */
    uint64_t off, len;
    zh_file_t *file; /* reference held until the bytes have left, or NULL */
} zh_seg_t;

/* What a busy connection needs (the request, its arena, the output queue and the write future),
 * taken from a per-worker free list when input arrives and given back when the connection goes
 * idle, so an idle keep-alive connection owns none of it. */
typedef struct zh_work {
    struct zh_work *next;
    zh_req_t req;      /* the request being read */
    zk_io_future_t wf; /* the write in flight: writev or sendfile */
    char arena[ZH_ARENA_SIZE];
    char out[ZH_OUT_SIZE];
    uint32_t out_used;
    uint32_t nseg, seg_head;
    zh_seg_t segs[ZH_MAX_SEGS];
    struct iovec iov[ZH_MAX_SEGS];
} zh_work_t;

typedef struct zh_listener {
    struct zh_listener *next;
    struct zh_server *srv;
    zk_task_t task;
    zk_accept_stream_t accepts;
    zk_io_future_t nap; /* after EMFILE and friends: wait, then accept again */
    int fd;
    uint8_t napping, stopped;
    const zh_vhost_t *const *vhosts;
    uint32_t nvhosts;
    const zh_vhost_t *dflt;
} zh_listener_t;

struct zh_server {
    zk_loop_t *loop;
    zh_limits_t lim;
    zh_hooks_t hooks;
    zh_fcache_t fcache;
    zh_date_cache date;
    zk_pool_t conn_pool;
    time_t errlog_sec; /* the error-log rate limit (http/errlog.c) */
    unsigned errlog_lines, errlog_dropped;
    zh_work_t *work_free; /* the work block pool (http/work.c) */
    unsigned work_nfree, work_taken;
    unsigned nconns;
    int fd_ceiling; /* accepts pause at this fd number (RLIMIT_NOFILE less a reserve), 0: none */
    struct zh_conn *conns; /* live connections (to wake them at stop) */
    int stopping;
    zh_listener_t *listeners;
};

typedef struct zh_conn {
    zk_task_t task;
    zk_recv_stream_t rs;
    zk_timer_t timer;
    llhttp_t parser;
    zh_parse_ctx_t pctx;
    zh_arena_t arena;
    zh_server_t *srv;
    const zh_listener_t *lst;
    const zh_vhost_t *vhost;  /* of the request being answered (its access log) */
    const zh_location_t *loc; /* of the request being answered (its add_header list) */
    int resp_status;          /* of the last response queued, for the access log */
    uint64_t resp_bytes;      /* its body bytes */
    char peer[46];            /* remote address text, filled when first logged */
    struct zh_conn *prev, *next;
    zh_work_t *w;
    uint64_t deadline;      /* the timer fires then re-checks this (moved cheaply on progress) */
    uint64_t head_deadline; /* the request head must be complete by then (0: none started) */
    int fd;
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
} zh_conn_t;

/* work blocks (http/work.c): NULL when out of memory */
zh_work_t *zh_work_get(zh_server_t *s);
void zh_work_put(zh_server_t *s, zh_work_t *w);
void zh_work_fini(zh_server_t *s); /* frees every free block */

/* out queue (http/out.c) */
int zh_out_take(zh_conn_t *c); /* makes sure c->w exists: 0 / -ENOMEM */
/* Queues `len` bytes that the caller then writes at the returned address (before the next
 * write starts); one more byte past them is writable (a NUL) and never sent. From the out
 * buffer when they fit, else from a block of their own freed once sent. NULL: out of segments
 * or memory. Response bytes are made through http/head.h, which measures before it asks. */
char *zh_out_room(zh_conn_t *c, size_t len);
int zh_out_mem(zh_conn_t *c, const char *p, size_t len, zh_file_t *ref);
int zh_out_file(zh_conn_t *c, zh_file_t *f, uint64_t off, uint64_t len);
int zh_out_pending(const zh_conn_t *c);
int zh_out_has_room(const zh_conn_t *c);
/* starts the next write future for the queue head; 0, or 1 when the queue is empty */
int zh_out_start(zh_conn_t *c);
/* accounts a finished write future's result; 0, or -errno to abort the connection */
int zh_out_done(zh_conn_t *c, int res);
void zh_out_release(zh_conn_t *c); /* drops the queue and gives back the work buffers */

/* responses (http/response.c) */
/* Queues a complete error (or redirect) response with nginx's small HTML body (none for HEAD);
 * `extra_name`/`extra_value` (may be NULL) is one more header line, e.g. Location. */
int zh_resp_error(zh_conn_t *c, int status, int head, const char *extra_name,
                  const char *extra_value, size_t extra_len);

/* the static file handler (http/static.c): answers the parsed request */
int zh_static_handle(zh_conn_t *c, const zh_req_t *r, int method);

/* connections (http/conn.c) */
zh_conn_t *zh_conn_start(zh_listener_t *l, int fd);

#endif
