/* SPDX-License-Identifier: MIT */
/* zokiod http: response heads, measured then written (see head.h). */
#include <errno.h>
#include <strings.h>
#include <time.h>

#include "http/errlog.h"
#include "http/head.h"
#include "http/vars.h"
#include "http/status.h"
#include "http/out.h"
#include "http/serve.h"

void zh_head_field(zh_sink_t *b, const char *name, const char *value, size_t vlen)
{
    zh_sink_str(b, name);
    ZH_SINK_LIT(b, ": ");
    zh_sink_put(b, value, vlen);
    ZH_SINK_LIT(b, "\r\n");
}

/* fields nginx's add_header sets rather than adds (ngx_http_set_headers[]) */
static int replaces(const char *name)
{
    return !strcasecmp(name, "Last-Modified") || !strcasecmp(name, "ETag");
}

static int applies(const zh_header_t *hd, int status)
{
    return zh_status_headers_ok(status) || hd->always;
}

const zh_header_t *zh_head_replaced(const zh_location_t *l, const char *name, int status)
{
    const zh_header_t *last = NULL;
    for (uint32_t i = 0; l && i < l->nheaders; i++)
        if (!strcasecmp(l->headers[i].name, name) && applies(&l->headers[i], status))
            last = &l->headers[i];
    return last;
}

int zh_head_added(const zh_location_t *l, uint32_t i, int status)
{
    const zh_header_t *hd = &l->headers[i];
    if (!applies(hd, status) || !*hd->value) return 0;
    return !replaces(hd->name) || zh_head_replaced(l, hd->name, status) == hd;
}

typedef struct {
    zh_conn_t *c;
    int status;
    time_t now, mtime; /* one clock reading for both passes */
    zh_head_fn fn;
    const void *arg;
} head_t;

void zh_head_ctype(zh_sink_t *b, const zh_conn_t *c, int status, const char *type, size_t len)
{
    zh_ctype_field(b, c->loc ? &c->loc->serve : NULL, status, type, len);
}

static void common(zh_sink_t *b, const void *arg, int part)
{
    (void)part;
    const head_t *h = arg;
    zh_conn_t *c = h->c;
    ZH_SINK_LIT(b, "HTTP/1.1 ");
    zh_sink_u64(b, (uint64_t)h->status);
    ZH_SINK_LIT(b, " ");
    zh_sink_str(b, zh_status_reason(h->status));
    ZH_SINK_LIT(b, "\r\nServer: ");
    zh_sink_str(b, zh_conn_server_header(c));
    ZH_SINK_LIT(b, "\r\nDate: ");
    zh_sink_put(b, zh_date_cache_get(&c->srv->date, h->now), ZH_DATE_LEN);
    ZH_SINK_LIT(b, "\r\n");
    if (h->fn) h->fn(b, h->arg, ZH_PART_FIELDS);
    /* as nginx: every response says which it is, and a kept-alive one how long it may idle; the
     * answering location's keepalive_timeout 0 or keepalive_requests end the connection */
    const zh_loc_limits_t *lim = zh_conn_limits(c);
    if (!lim->keepalive_timeout || c->requests >= lim->keepalive_requests) c->close_after = 1;
    if (c->close_after) {
        ZH_SINK_LIT(b, "Connection: close\r\n");
    } else {
        ZH_SINK_LIT(b, "Connection: keep-alive\r\n");
        if (lim->keepalive_header) {
            ZH_SINK_LIT(b, "Keep-Alive: timeout=");
            zh_sink_u64(b, lim->keepalive_header);
            ZH_SINK_LIT(b, "\r\n");
        }
    }
    if (h->fn) h->fn(b, h->arg, ZH_PART_LIST);
    if (c->loc) zh_expires_fields(b, &c->loc->serve, h->status, h->now, h->mtime);
    /* add_header: on success and redirect responses, or on every one with `always` */
    for (uint32_t i = 0; c->loc && i < c->loc->nheaders; i++) {
        const zh_header_t *hd = &c->loc->headers[i];
        if (zh_head_added(c->loc, i, h->status)) zh_header_put(b, hd, c->w ? &c->w->req : NULL);
    }
    if (h->fn) h->fn(b, h->arg, ZH_PART_END);
}

int zh_bytes_emit(zh_conn_t *c, zh_head_fn fn, const void *arg)
{
    zh_sink_t m = ZH_SINK(NULL, 0);
    fn(&m, arg, ZH_PART_END);
    if (m.need > ZH_HEAD_MAX) return -E2BIG;
    if (!m.need) return 0;
    char *p = zh_out_room(c, m.need);
    if (!p) return -ENOBUFS;
    zh_sink_t w = ZH_SINK(p, m.need + 1); /* zh_out_room() leaves one byte of slack */
    fn(&w, arg, ZH_PART_END);
    return 0;
}

int zh_head_emit(zh_conn_t *c, int status, zh_head_fn fn, const void *arg)
{
    return zh_head_emit_file(c, status, ZH_NO_MTIME, fn, arg);
}

int zh_head_emit_file(zh_conn_t *c, int status, time_t mtime, zh_head_fn fn, const void *arg)
{
    head_t h = {c, status, time(NULL), mtime, fn, arg};
    c->resp_status = status;
    int r = zh_bytes_emit(c, common, &h);
    if (r == -E2BIG)
        zh_errlog(c,
                  "a %d response head is longer than %d bytes (add_header values, a return "
                  "text?): answered 500",
                  status, ZH_HEAD_MAX);
    return r;
}
