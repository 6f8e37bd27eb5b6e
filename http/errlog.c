/* SPDX-License-Identifier: MIT */
/* zokiod http: error-log lines about requests (a file that cannot be opened, a forbidden
 * directory index), in nginx's words, handed to the owner's error_log hook. At most
 * ERRLOG_PER_SEC lines a second leave a worker; the ones held back are counted and the count
 * goes out with the next line, so a scan of missing files cannot flood the log or the disk. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/conn.h"
#include "http/errlog.h"

#define ERRLOG_PER_SEC 20

/* the rate limit: 1 when a line may leave now */
static int errlog_allow(zh_server_t *s)
{
    if (!s->hooks.error_log) return 0;
    time_t now = time(NULL);
    if (now != s->errlog_sec) {
        s->errlog_sec = now;
        s->errlog_lines = 0;
    }
    if (s->errlog_lines >= ERRLOG_PER_SEC) {
        s->errlog_dropped++;
        return 0;
    }
    s->errlog_lines++;
    return 1;
}

static void errlog_emit(zh_server_t *s, const void *log, char *line, size_t cap)
{
    if (s->errlog_dropped) {
        size_t len = strlen(line);
        snprintf(line + len, cap - len, " (%u similar lines dropped)", s->errlog_dropped);
        s->errlog_dropped = 0;
    }
    s->hooks.error_log(log, line);
}

/* formats the line; 0 when it may not leave now (rate limit) or did not format */
static size_t errlog_format(zh_server_t *s, char *line, size_t cap, const char *fmt, va_list ap)
{
    if (!errlog_allow(s)) return 0;
    int n = vsnprintf(line, cap, fmt, ap);
    return n <= 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

void zh_errlog_server(zh_server_t *s, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t len = errlog_format(s, line, sizeof line, fmt, ap);
    va_end(ap);
    if (len) errlog_emit(s, NULL, line, sizeof line);
}

/* a request refused before it was routed, a TLS handshake: the default server's, as nginx */
const void *zh_errlog_of(const zh_conn_t *c)
{
    const zh_vhost_t *vh = c->vhost ? c->vhost : c->lst ? c->lst->dflt : NULL;
    const zh_location_t *l = c->loc ? c->loc : vh ? &vh->base : NULL;
    return l ? l->error_log : NULL;
}

void zh_errlog(zh_conn_t *c, const char *fmt, ...)
{
    if (++c->log_calls <= c->log_skip) return; /* said by a run before the request parked */
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t len = errlog_format(c->srv, line, sizeof line, fmt, ap);
    va_end(ap);
    if (!len) return;
    const zh_req_t *r = c->w ? &c->w->req : NULL;
    /* nginx's context: client, server (its first name), request line, Host as sent */
    if (r && len < sizeof line) {
        const zh_vhost_t *vh = c->vhost;
        zh_str_t host = r->h[ZH_H_HOST];
        int n = snprintf(line + len, sizeof line - len,
                         ", client: %s, server: %s, request: \"%s %.*s HTTP/%d.%d\"",
                         zh_conn_peer(c), vh && vh->nnames ? vh->names[0] : "",
                         llhttp_method_name((llhttp_method_t)c->w->parser.method),
                         (int)(r->target.len > 512 ? 512 : r->target.len), r->target.p,
                         c->w->parser.http_major, c->w->parser.http_minor);
        if (n > 0 && (size_t)n < sizeof line - len && host.p)
            snprintf(line + len + (size_t)n, sizeof line - len - (size_t)n, ", host: \"%.*s\"",
                     (int)(host.len > 256 ? 256 : host.len), host.p);
    }
    errlog_emit(c->srv, zh_errlog_of(c), line, sizeof line);
}

void zh_errlog_open(zh_conn_t *c, const zh_site_t *site, const char *path, int err)
{
    zh_errlog(c, "open() \"%s%s\" failed (%d: %s)", site->root_path ? site->root_path : "", path,
              -err, strerror(-err));
}
