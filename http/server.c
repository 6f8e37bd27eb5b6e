/* SPDX-License-Identifier: MIT */
/* zokiod http: the per-worker server: acceptor tasks and the pools connections come from. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "http/conn.h"
#include "http/errlog.h"
#include "http/srv.h"
#include "http/tls.h"

void zh_limits_default(zh_limits_t *l)
{
    memset(l, 0, sizeof *l);
    l->max_body = 1 << 20;
    l->max_target = 8192;
    l->max_header_bytes = 4 * 8192;
    l->max_line = 8192;
    l->max_headers = 100;
    l->keepalive_requests = 1000;
    l->max_conns = 16384;
    l->keepalive_timeout = 75 * ZK_SEC;
    l->header_timeout = 60 * ZK_SEC;
    l->body_timeout = 60 * ZK_SEC;
    l->send_timeout = 60 * ZK_SEC;
    l->linger_timeout = 5 * ZK_SEC;
    l->cache_max_file = 32 * 1024;
    l->cache_max_bytes = 64u << 20;
    l->cache_max_entries = ZH_FCACHE_MAX_ENTRIES;
}

/* fds kept free for the connections' files and pipes: an eighth of the limit, 16 to 256 */
static int fd_ceiling(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
    long lim = rl.rlim_cur > INT_MAX ? INT_MAX : (long)rl.rlim_cur;
    long reserve = lim / 8 < 16 ? 16 : lim / 8 > 256 ? 256 : lim / 8;
    return lim > reserve ? (int)(lim - reserve) : 1;
}

int zh_server_new(zh_server_t **out, zk_loop_t *loop, const zh_limits_t *lim,
                  const zh_hooks_t *hooks)
{
    zh_server_t *s = calloc(1, sizeof *s);
    int r = -ENOMEM;
    if (!s) return -ENOMEM;
    s->loop = loop;
    s->lim = *lim;
    s->fd_ceiling = fd_ceiling();
    if (hooks) s->hooks = *hooks;
    if (!s->hooks.server_header) s->hooks.server_header = "zokiod";
    s->loc_lim = (zh_loc_limits_t){.keepalive_timeout = lim->keepalive_timeout,
                                   .keepalive_header = lim->keepalive_header,
                                   .keepalive_requests = lim->keepalive_requests,
                                   .max_body = lim->max_body,
                                   .send_timeout = lim->send_timeout,
                                   .server_tokens = 1,
                                   .set = 1};
    r = zh_fcache_init(&s->fcache, lim->cache_max_file, lim->cache_max_bytes,
                       lim->cache_max_entries);
    if (r < 0) goto fail;
    if ((r = zk_pool_init(&s->conn_pool, sizeof(zh_conn_t), lim->max_conns)) < 0) goto fail;
    r = -ENOMEM;
    if (!(s->md = zh_regex_match_data())) goto fail;
    *out = s;
    return 0;
fail:
    zk_pool_fini(&s->conn_pool);
    zh_fcache_fini(&s->fcache);
    free(s);
    return r;
}

static void accept_init(zh_listener_t *l)
{
    zk_accept_stream_init(&l->accepts, l->fd);
    zk_accept_stream_set_ceiling(&l->accepts, l->srv->fd_ceiling);
}

static zk_poll_t accept_run(zk_task_t *t)
{
    zh_listener_t *l = t->data;
    zh_server_t *s = l->srv;
    for (int fd;;) {
        if (l->napping) {
            if (zk_poll(&l->nap.base, t) == ZK_PENDING) return ZK_PENDING;
            l->napping = 0;
            if (l->stopped) return ZK_READY;
            accept_init(l);
        }
        if (zk_accept_next(&l->accepts, t, &fd) == ZK_PENDING) return ZK_PENDING;
        if (fd == -ECANCELED && l->stopped) return ZK_READY;
        if (fd < 0) { /* out of fds or memory: the backlog waits a moment, like nginx */
            zh_errlog_server(s, "accept() paused for 100 ms: %s (%u connections open)",
                             fd == -EMFILE ? "too few free file descriptors" : strerror(-fd),
                             s->nconns);
            zk_fut_sleep(&l->nap, 100 * ZK_MSEC);
            l->napping = 1;
            continue;
        }
        /* accepted before a stop settled: still served (answered with Connection: close) */
        if (!zh_conn_start(l, fd)) zk_close(s->loop, fd);
    }
}

static void accept_done(zk_task_t *t)
{
    zh_listener_t *l = t->data;
    l->stopped = 2; /* finished: zh_server_free may free it */
}

int zh_server_listen(zh_server_t *s, int listen_fd, const zh_vhost_t *const *vhosts, uint32_t n,
                     const zh_vhost_t *dflt)
{
    return zh_server_listen_tls(s, listen_fd, vhosts, n, dflt, NULL);
}

int zh_server_listen_tls(zh_server_t *s, int listen_fd, const zh_vhost_t *const *vhosts, uint32_t n,
                         const zh_vhost_t *dflt, zh_tls_ctx_t *tls)
{
    if (tls && zh_tls_ctx_in_worker(tls) < 0) return -EIO;
    zh_listener_t *l = calloc(1, sizeof *l);
    if (!l) return -ENOMEM;
    l->srv = s;
    l->fd = listen_fd;
    l->vhosts = vhosts;
    l->nvhosts = n;
    l->dflt = dflt ? dflt : (n ? vhosts[0] : NULL);
    l->tls = tls;
    l->lim = s->lim;
    if (l->dflt && l->dflt->head.max_head) { /* set (server/ fills every field) */
        const zh_head_limits_t *h = &l->dflt->head;
        l->lim.header_timeout = h->header_timeout;
        l->lim.body_timeout = h->body_timeout;
        l->lim.max_target = h->max_line;
        l->lim.max_line = h->max_line;
        l->lim.max_header_bytes = h->max_head;
    }
    accept_init(l);
    zk_task_init(&l->task, s->loop, accept_run, accept_done, l);
    l->next = s->listeners;
    s->listeners = l;
    zk_spawn(&l->task);
    return 0;
}

void zh_server_stop(zh_server_t *s)
{
    s->stopping = 1;
    for (zh_listener_t *l = s->listeners; l; l = l->next) {
        if (l->stopped) continue;
        l->stopped = 1;
        if (l->napping)
            zk_future_cancel(&l->nap.base);
        else
            zk_accept_stream_stop(s->loop, &l->accepts);
    }
    /* idle keep-alive connections notice `stopping` when woken */
    for (zh_conn_t *c = s->conns; c; c = c->next)
        zk_task_wake(&c->task);
}

unsigned zh_server_conns(const zh_server_t *s) { return s->nconns; }

void zh_server_free(zh_server_t *s)
{
    if (!s) return;
    while (s->listeners) {
        zh_listener_t *l = s->listeners;
        s->listeners = l->next;
        free(l);
    }
    zh_work_fini(s);
    zh_fcache_fini(&s->fcache);
    zk_pool_fini(&s->conn_pool);
    pcre2_match_data_free(s->md);
    free(s);
}
