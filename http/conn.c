/* SPDX-License-Identifier: MIT */
/* zokiod http: the connection task. One state enum, one step function (conn_run):
 *
 *   READ   -- take input from the multishot recv stream, parse it, answer every complete request
 *             into the output queue; when the input is used up (or the queue is full) -> WRITE
 *   WRITE  -- writev / sendfile futures until the queue is empty -> READ, or LINGER to close
 *   LINGER -- after a response with Connection: close: shut down our side, drain what the client
 *             still sends (so its unread request does not turn our FIN into a RST), then CLOSE
 *   CLOSE  -- stop the recv stream, wait for every op to settle, close the fd, finish the task
 *
 * Pipelined requests found in one read are all answered before the one batched write; parsing
 * pauses while the queue is full, and reading pauses (the stream's back-pressure) meanwhile. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/conn.h"
#include "http/lookup.h"
#include "http/out.h"
#include "http/response.h"
#include "http/route.h"
#include "http/tls.h"
#include "http/transport.h"

enum { ST_READ, ST_WRITE, ST_LINGER, ST_CLOSE };

static void conn_timer_cb(zk_loop_t *loop, zk_timer_t *t)
{
    zh_conn_t *c = t->data;
    if (zk_loop_now(loop) < c->deadline) { /* progress moved the deadline: sleep on */
        zk_timer_start(loop, t, c->deadline);
        return;
    }
    c->timed_out = 1;
    zk_task_wake(&c->task);
}

/* moves the deadline; the timer is re-armed only when it fires early or is not armed */
static void set_deadline_at(zh_conn_t *c, uint64_t deadline)
{
    zk_loop_t *loop = c->srv->loop;
    c->deadline = deadline;
    if (!zk_timer_armed(&c->timer) || c->timer.deadline > c->deadline)
        zk_timer_start(loop, &c->timer, c->deadline);
}

static void set_deadline(zh_conn_t *c, uint64_t timeout)
{
    set_deadline_at(c, zk_loop_now(c->srv->loop) + timeout);
}

static void release_input(zh_conn_t *c) { c->tr->read_done(c); }

/* gives the work buffers back when nothing is buffered and no request is half-read */
static void maybe_idle(zh_conn_t *c)
{
    if (c->w && !zh_out_pending(c) && !c->w->req.started) zh_out_release(c);
}

#define PEER_UNKNOWN 255 /* zh_conn_t.peer_af: getpeername() failed */

/* reads the client's address into c->peer_af / peer_ip */
static void peer_read(zh_conn_t *c)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    c->peer_af = PEER_UNKNOWN;
    if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) < 0) return;
    if (ss.ss_family == AF_INET6) {
        memcpy(c->peer_ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        c->peer_af = AF_INET6;
    } else if (ss.ss_family == AF_INET) {
        memcpy(c->peer_ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        c->peer_af = AF_INET;
    }
}

const char *zh_conn_peer(zh_conn_t *c)
{
    static char spare[46];
    char *out = c->w ? c->w->peer : spare;
    if (c->w && out[0]) return out;
    if (!c->peer_af) peer_read(c);
    if (c->peer_af == PEER_UNKNOWN || !inet_ntop(c->peer_af, c->peer_ip, out, 46)) strcpy(out, "-");
    return out;
}

const zh_loc_limits_t *zh_conn_limits(const zh_conn_t *c)
{
    const zh_vhost_t *vh = c->vhost ? c->vhost : c->lst ? c->lst->dflt : NULL;
    const zh_location_t *l = c->loc ? c->loc : vh ? &vh->base : NULL;
    return l && l->lim.set ? &l->lim : &c->srv->loc_lim;
}

const char *zh_conn_server_header(const zh_conn_t *c)
{
    const zh_hooks_t *h = &c->srv->hooks;
    const char *v = zh_conn_limits(c)->server_tokens ? h->server_tokens_on : h->server_tokens_off;
    return v ? v : h->server_header;
}

/* the access log of the request just answered: its location's, else its server's */
static void *access_log_of(const zh_conn_t *c)
{
    const zh_location_t *l = c->loc ? c->loc : c->vhost ? &c->vhost->base : NULL;
    return l && c->srv->hooks.access_log ? l->access_log : NULL;
}

/* hands the access log one record for the request just answered */
static void log_access(zh_conn_t *c, void *log)
{
    zh_server_t *s = c->srv;
    const char *peer = zh_conn_peer(c);
    char line[ZH_ARENA_SIZE + 64];
    const zh_req_t *r = &c->w->req;
    int n = !r->target.len ? 0 /* refused before its target was read: "" as nginx */
                           : snprintf(line, sizeof line, "%s %.*s HTTP/%d.%d",
                                      llhttp_method_name((llhttp_method_t)c->w->parser.method),
                                      (int)r->target.len, r->target.p, c->w->parser.http_major,
                                      c->w->parser.http_minor);
    zh_access_rec_t rec = {
        .remote_addr = peer,
        .request_line = line,
        .request_line_len = n < 0                     ? 0
                            : (size_t)n < sizeof line ? (size_t)n
                                                      : sizeof line - 1,
        .status = c->resp_status,
        .body_bytes = c->resp_bytes,
        .referer = r->h[ZH_H_REFERER].p,
        .referer_len = r->h[ZH_H_REFERER].len,
        .user_agent = r->h[ZH_H_USER_AGENT].p,
        .user_agent_len = r->h[ZH_H_USER_AGENT].len,
    };
    s->hooks.access_log(log, &rec);
}

static void set_nodelay(zh_conn_t *c, int on)
{
    int v = on;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
    c->nodelay = (uint8_t)on;
}

/* a request's Host line is read: the rest of its head is read under the head limits
 * (large_client_header_buffers) of the server that Host names, as nginx does */
static void host_known(zh_parse_ctx_t *pc, const char *host, size_t len)
{
    zh_conn_t *c = ((zh_work_t *)(void *)((char *)pc - offsetof(zh_work_t, pctx)))->conn;
    const zh_listener_t *lst = c->lst;
    char name[256];
    if (lst->nvhosts < 2 || len >= sizeof name) return; /* the default server's */
    size_t n = zh_host_lower(host, len, name, sizeof name);
    const zh_vhost_t *vh =
        zh_vhost_pick(lst->vhosts, lst->nvhosts, lst->dflt, name, n, c->srv->md, NULL);
    if (!vh || !vh->head.max_head) return; /* a regex that could not run: routing says 500 */
    pc->host_vhost = vh;
    pc->max_line = vh->head.max_line;
    pc->max_head = vh->head.max_head;
}

/* routes the request (again, after a park: from the start, the lookups done so far kept) */
static int answer_run(zh_conn_t *c)
{
    c->log_calls = 0;
    int rc = zh_static_handle(c, &c->w->req, c->w->parser.method);
    if (rc == ZH_PARKED) {
        c->log_skip = c->log_calls;
        c->parked = 1;
        /* no client timeout while the disk is waited for (nginx's aio threads: none either) */
        zk_timer_stop(c->srv->loop, &c->timer);
        return rc;
    }
    c->parked = 0;
    c->log_skip = 0;
    zh_lookup_free(c->lk); /* answered: its results go (nothing is in flight now) */
    c->lk = NULL;
    /* tcp_nodelay of the location answering, before its response is written */
    if (c->loc && c->loc->tcp_nodelay != c->nodelay) set_nodelay(c, c->loc->tcp_nodelay);
    void *log = access_log_of(c);
    if (rc >= 0 && log) log_access(c, log);
    c->w->req.started = 0;
    c->w->req.expect_continue = 0;
    c->sent_continue = 0;
    c->head_deadline = 0;
    return rc;
}

/* a parked request routed again: what routing set is reset (deterministic from there) */
static int answer_again(zh_conn_t *c)
{
    zh_req_t *r = &c->w->req;
    r->uri = r->args = (zh_str_t){NULL, 0};
    r->err_status = 0;
    r->uri_changes = 0;
    r->internal = 0;
    memset(&r->srv_caps, 0, sizeof r->srv_caps);
    memset(&r->loc_caps, 0, sizeof r->loc_caps);
    return answer_run(c);
}

/* answers the request llhttp just completed */
static int answer(zh_conn_t *c)
{
    zh_server_t *s = c->srv;
    c->requests++;
    /* keepalive_timeout 0 and keepalive_requests are the answering location's: head.c looks
     * at them when the response head is written (zh_conn_limits()) */
    if (!llhttp_should_keep_alive(&c->w->parser) || s->stopping || c->upgraded) c->close_after = 1;
    return answer_run(c);
}

/* queues an error response for a request that cannot be framed or served, then close; it is
 * access-logged too (in the default server's log when the request never got to its own) */
static void fail_request(zh_conn_t *c, int status)
{
    c->close_after = 1;
    c->resp_bytes = 0;
    int r = zh_resp_error(c, status, 0, NULL, NULL, 0);
    if (!c->vhost) c->vhost = c->lst->dflt;
    void *log = access_log_of(c);
    if (r >= 0 && log) log_access(c, log);
    c->w->req.started = 0;
}

/* a fresh work block's parser, at the start of a message (zh_out_take() calls it) */
void zh_conn_parser_init(zh_conn_t *c)
{
    zh_work_t *w = c->w;
    w->conn = c;
    llhttp_init(&w->parser, HTTP_REQUEST, &zh_parser_settings);
    w->parser.lenient_flags |= LENIENT_VERSION; /* HTTP/1.2+: on_headers_complete() decides */
    w->pctx = (zh_parse_ctx_t){
        .req = &w->req,
        .arena = &w->ar,
        .lim = &c->lst->lim, /* the default server's head limits (zh_server_listen_tls) */
        .host_known = host_known,
    };
    w->parser.data = &w->pctx;
}

enum { P_MORE, P_FLUSH, P_PARKED };

/* after a request's answer: P_MORE to parse on, else what to do */
static int answered(zh_conn_t *c, int rc, int upgrade)
{
    if (rc == ZH_PARKED) {
        c->park_upgrade = (uint8_t)upgrade;
        return P_PARKED;
    }
    if (upgrade) llhttp_reset(&c->w->parser);
    if (rc < 0) {
        release_input(c);
        c->loc = NULL; /* a head too long for its add_header lines: a bare 500 */
        fail_request(c, 500);
        return P_FLUSH;
    }
    if (c->close_after) {
        release_input(c); /* anything after a closing request is ignored */
        return P_FLUSH;
    }
    return P_MORE;
}

/* parses the current input buffer; answers complete requests */
static int parse_input(zh_conn_t *c)
{
    const char *base = c->in_base;
    while (c->in_len) {
        if (!zh_out_has_room(c)) return P_FLUSH; /* answer what we have first */
        const char *data = base + c->in_off;
        size_t used;
        llhttp_errno_t err = zh_parse_execute(&c->w->parser, data, c->in_len, &used);
        if (err == HPE_OK) { /* all of it used: a request is still incomplete */
            c->in_len = 0;
            break;
        }
        if (err == HPE_PAUSED_UPGRADE && !c->w->req.started) {
            /* the request was answered already: what follows is HTTP again for us */
            llhttp_reset(&c->w->parser);
            continue;
        }
        if (err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE) {
            int st = zh_req_error_status(&c->w->req, err, data, c->in_len, data + used);
            release_input(c);
            /* not routed: the server its Host named (when read before the trouble), else the
             * default server, answers (and logs) it with its own settings (server_tokens,
             * charset, add_header ... always, access_log), as nginx does a request it could
             * not read; not the location of the request before it on this connection */
            c->vhost = c->w->pctx.host_vhost ? c->w->pctx.host_vhost : c->lst->dflt;
            c->loc = c->vhost ? &c->vhost->base : NULL;
            fail_request(c, st);
            return P_FLUSH;
        }
        c->in_off += (uint32_t)used;
        c->in_len -= (uint32_t)used;
        /* Upgrade is ignored (RFC 9110 section 7.8): answer it as a plain request and read on
         * as HTTP/1.1 (llhttp would take what follows as the new protocol: reset it after the
         * answer); a body we can no longer frame means closing after it */
        int upgrade = err == HPE_PAUSED_UPGRADE;
        if (upgrade && (c->w->parser.flags & (F_CHUNKED | F_CONTENT_LENGTH))) c->upgraded = 1;
        if (!upgrade) llhttp_resume(&c->w->parser);
        int p = answered(c, answer(c), upgrade);
        if (p != P_MORE) return p;
    }
    if (!c->in_len) release_input(c);
    if (c->w->req.expect_continue && !c->sent_continue) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        char *p = zh_out_room(c, sizeof cont - 1);
        if (p) memcpy(p, cont, sizeof cont - 1);
        c->sent_continue = 1;
    }
    return P_MORE;
}

/* a request is half-read (its head or body is still coming) */
static int req_started(const zh_conn_t *c) { return c->w && c->w->req.started; }

/* READ: returns 1 to go on stepping, 0 for PENDING */
static int step_read(zh_conn_t *c, zk_task_t *t)
{
    zh_server_t *s = c->srv;
    if (c->parked) { /* its file lookup is on the pool: wake up when it lands */
        if (zh_lookup_busy(c->lk)) return 0;
        int p = answered(c, answer_again(c), c->park_upgrade);
        if (p == P_PARKED) return 0;
        if (p == P_FLUSH || parse_input(c) == P_FLUSH) c->st = ST_WRITE;
        return 1;
    }
    if (c->in_len == 0) {
        /* take more input before writing when the stream already holds some: bigger batches */
        if (zh_out_pending(c) && !c->tr->buffered(c)) {
            c->st = ST_WRITE;
            return 1;
        }
        int res;
        if (c->tr->read(c, t, &res) == ZK_PENDING) {
            maybe_idle(c);
            /* nginx's split: a body being read, client_body_timeout between two reads; a
             * request head, client_header_timeout for the whole head, counted from the
             * connection's start for the first request and from its first byte for the next
             * ones (a head trickled a byte at a time is cut all the same: slowloris); between
             * requests, keepalive_timeout */
            int body = req_started(c) && c->w->req.in_body;
            int head = !body && (req_started(c) || !c->requests);
            if (head && !c->head_deadline)
                c->head_deadline = zk_loop_now(s->loop) + c->lst->lim.header_timeout;
            uint64_t idle = body ? c->lst->lim.body_timeout : zh_conn_limits(c)->keepalive_timeout;
            uint64_t deadline = head ? c->head_deadline : zk_loop_now(s->loop) + idle;
            /* stopping: an idle connection gets a moment for a request already on its way
             * (answered with Connection: close), so a graceful stop fails no request */
            if (s->stopping && !req_started(c) && deadline > zk_loop_now(s->loop) + ZK_SEC)
                deadline = zk_loop_now(s->loop) + ZK_SEC;
            set_deadline_at(c, deadline);
            return 0;
        }
        if (res <= 0) { /* EOF or error: nothing more will come */
            c->st = zh_out_pending(c) ? ST_WRITE : ST_CLOSE;
            c->close_after = 1;
            if (res < 0 || req_started(c)) c->st = ST_CLOSE;
            return 1;
        }
    }
    if (zh_out_take(c) < 0) { /* out of memory: this connection only */
        release_input(c);
        c->st = ST_CLOSE;
        return 1;
    }
    int p = parse_input(c);
    if (p == P_FLUSH) c->st = ST_WRITE;
    return p != P_PARKED;
}

/* WRITE: returns 1 to go on stepping, 0 for PENDING */
static int step_write(zh_conn_t *c, zk_task_t *t)
{
    int r = c->tr->write(c, t);
    if (r == ZH_W_WAIT) return 0;
    if (r < 0) {
        c->st = ST_CLOSE;
        return 1;
    }
    if (r == ZH_W_STARTED) {
        set_deadline(c, zh_conn_limits(c)->send_timeout);
        return 1;
    }
    if (c->corked) zh_out_cork(c, 0); /* everything is out: push the last partial frame */
    if (c->close_after && c->reset) { /* `return 444` with reset_timedout_connection: a RST */
        release_input(c);
        c->st = ST_CLOSE;
    } else if (c->close_after) {
        shutdown(c->fd, SHUT_WR);
        set_deadline(c, c->srv->lim.linger_timeout);
        release_input(c);
        c->st = ST_LINGER;
    } else {
        c->st = ST_READ;
    }
    return 1;
}

static int step_linger(zh_conn_t *c, zk_task_t *t)
{
    zk_recv_chunk_t ch;
    for (;;) {
        if (zk_recv_next(&c->rs, t, &ch) == ZK_PENDING) return 0;
        if (ch.res <= 0) break;
        zk_buf_put(c->srv->loop, ch.bid);
    }
    c->st = ST_CLOSE;
    return 1;
}

/* reset_timedout_connection, as nginx applies it: to a request timed out while its head or body
 * was read (the default server's setting: its location is not known yet) or while its response
 * was written (its location's); an idle keep-alive or lingering connection just closes */
static int reset_on_timeout(const zh_conn_t *c)
{
    const zh_location_t *dflt = c->lst->dflt ? &c->lst->dflt->base : NULL;
    const zh_location_t *l = c->st == ST_WRITE && c->loc ? c->loc : dflt;
    if (c->st == ST_READ && !req_started(c)) return 0;
    return (c->st == ST_READ || c->st == ST_WRITE) && l && l->reset_timedout;
}

static zk_poll_t conn_run(zk_task_t *t)
{
    zh_conn_t *c = t->data;
    for (;;) {
        if (c->timed_out && c->st != ST_CLOSE) {
            c->reset = (uint8_t)reset_on_timeout(c);
            c->st = ST_CLOSE;
        }
        int go;
        switch (c->st) {
        case ST_READ: go = step_read(c, t); break;
        case ST_WRITE: go = step_write(c, t); break;
        case ST_LINGER: go = step_linger(c, t); break;
        default:
            /* every op must settle before the fd and the memory go */
            release_input(c);
            zk_recv_stream_stop(c->srv->loop, &c->rs);
            if (c->tr->close(c, t) == ZK_PENDING) return ZK_PENDING;
            if (zk_recv_stream_busy(&c->rs)) return ZK_PENDING;
            zk_timer_stop(c->srv->loop, &c->timer);
            zh_lookup_free(c->lk); /* one still on the pool is freed when it lands */
            c->lk = NULL;
            zh_out_release(c);
            if (c->reset) { /* the close sends a RST and drops what is unsent */
                struct linger lg = {1, 0};
                setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            zk_close(c->srv->loop, c->fd);
            return ZK_READY;
        }
        if (!go) return ZK_PENDING;
    }
}

static void conn_done(zk_task_t *t)
{
    zh_conn_t *c = t->data;
    zh_server_t *s = c->srv;
    s->nconns--;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    zk_pool_put(&s->conn_pool, c);
}

zh_conn_t *zh_conn_start(zh_listener_t *l, int fd)
{
    zh_server_t *s = l->srv;
    zh_conn_t *c = zk_pool_get(&s->conn_pool);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->srv = s;
    c->lst = l;
    c->fd = fd;
    /* tcp_nodelay (on by default, as nginx): the short last segment of a response must not wait
     * for the client's ACK of the ones before it. The default server's setting until a request
     * is answered by a location that says otherwise (answer()) */
    if (!l->dflt || l->dflt->base.tcp_nodelay) set_nodelay(c, 1);
    c->tr = &zh_transport_plain;
    zk_recv_stream_init(&c->rs, fd);
    zk_timer_init(&c->timer, conn_timer_cb, c);
    zk_task_init(&c->task, s->loop, conn_run, conn_done, c);
    c->head_deadline = zk_loop_now(s->loop) + l->lim.header_timeout; /* the first head's */
    /* TLS: the handshake's own deadline first (ssl_handshake_timeout) */
    if (l->tls && zh_tls_conn_start(c, l->tls) < 0) { /* out of memory */
        zk_pool_put(&s->conn_pool, c);
        return NULL;
    }
    s->nconns++;
    c->next = s->conns;
    if (c->next) c->next->prev = c;
    s->conns = c;
    zk_spawn(&c->task);
    return c;
}
