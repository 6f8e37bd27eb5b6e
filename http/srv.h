/* SPDX-License-Identifier: MIT */
/* zokiod http: the per-worker server state and its listeners (http-private; the public face is
 * http/server.h, the accept loop http/server.c). */
#ifndef ZH_SRV_H
#define ZH_SRV_H

#include <stdint.h>
#include <time.h>

#include "http/date.h"
#include "http/filecache.h"
#include "http/server.h"
#include "runtime/zk.h"

struct zh_work;
struct zh_conn;

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
    struct zh_tls_ctx *tls; /* listen ... ssl: the address's TLS context (borrowed), else NULL */
    zh_limits_t lim;        /* the server's, with the default server's head limits (heads are
                             * read under them: the Host is not known yet, as in nginx) */
} zh_listener_t;

struct zh_server {
    zk_loop_t *loop;
    zh_limits_t lim;
    zh_loc_limits_t loc_lim; /* lim's, for a location that has none (zh_conn_limits()) */
    zh_hooks_t hooks;
    zh_fcache_t fcache;
    zh_date_cache date;
    zk_pool_t conn_pool;
    pcre2_match_data *md; /* the one every regex match of this worker uses (http/regex.h) */
    time_t errlog_sec;    /* the error-log rate limit (http/errlog.c) */
    unsigned errlog_lines, errlog_dropped;
    struct zh_work *work_free; /* the work block pool (http/work.c) */
    unsigned work_nfree, work_taken;
    unsigned nconns;
    int fd_ceiling; /* accepts pause at this fd number (RLIMIT_NOFILE less a reserve), 0: none */
    struct zh_conn *conns; /* live connections (to wake them at stop) */
    int stopping;
    zh_listener_t *listeners;
};

#endif
