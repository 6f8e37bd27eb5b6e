/* SPDX-License-Identifier: MIT */
/* zokiod http: the static file handler: path -> file -> preconditions -> ranges -> response. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/conn.h"
#include "http/sink.h"
#include "http/path.h"
#include "http/range.h"
#include "http/autoindex.h"
#include "http/errlog.h"
#include "http/head.h"
#include "http/lookup.h"
#include "http/route.h"
#include "http/status.h"
#include "http/out.h"
#include "http/response.h"
#include "http/vars.h"
#include "http/serve.h"

#define PATH_MAX_LEN 4096

/* A lookup the cache cannot answer at once runs on the pool (http/lookup.h): 0 when it started
 * (the request parks: ZH_PARKED up through routing, then is routed again from the start), else
 * the caller does it here, blocking (out of memory, or too many for one request) */
static int start_fetch(zh_conn_t *c, const zh_site_t *site, int kind, const char *fs, size_t len,
                       const zh_file_t *known)
{
    if (!c->lk) c->lk = zh_lookup_new(c->srv->loop, &c->task, &c->srv->fcache);
    if (!c->lk || !zh_lookup_can_start(c->lk)) return -1;
    return zh_lookup_start(c->lk, site, kind, fs, len, known);
}

/* zh_file_get() for this request: its result kept from a fetch, else the cache, else a fetch
 * (ZH_PARKED) */
static int file_get(zh_conn_t *c, const zh_site_t *site, const char *fs, size_t len,
                    zh_file_t **out)
{
    zh_fcache_t *fc = &c->srv->fcache;
    const zh_looked_t *d = zh_lookup_find(c->lk, site, ZH_FETCH_FILE, fs, len);
    if (d) {
        if (d->res == 0) zh_file_ref(*out = d->f);
        return d->res;
    }
    time_t now = time(NULL);
    const zh_file_t *known;
    int rc = zh_file_probe(fc, site, fs, len, now, &known, out);
    if (rc != ZH_MISS) return rc;
    if (start_fetch(c, site, ZH_FETCH_FILE, fs, len, known) == 0) return ZH_PARKED;
    return zh_file_get(fc, site, fs, len, now, out);
}

/* A file about to go out from its fd whose first pages (what one inline sendfile, or the reads
 * without sendfile, would wait for) are not in memory: they are read on the pool first, the
 * request parked (ZH_PARKED), so that the loop never waits for the disk there. Checked at most
 * once a second per entry (two preadv2(RWF_NOWAIT) calls); when the pool cannot take it, the
 * file goes out as before. */
static int warm(zh_conn_t *c, const zh_site_t *site, const char *fs, size_t len, zh_file_t *f,
                int head)
{
    if (f->fd < 0 || head || !f->size) return 0;
    time_t now = time(NULL);
    if (f->warm_at == now || zh_lookup_find(c->lk, site, ZH_FETCH_WARM, fs, len)) return 0;
    if (zh_file_warm(f)) {
        f->warm_at = now;
        return 0;
    }
    if (!c->lk) c->lk = zh_lookup_new(c->srv->loop, &c->task, &c->srv->fcache);
    if (!c->lk || !zh_lookup_can_start(c->lk)) return 0;
    return zh_lookup_warm(c->lk, site, fs, len, f) == 0 ? ZH_PARKED : 0;
}

/* zh_dir_exists() for this request: 1, 0 or ZH_PARKED */
static int dir_exists(zh_conn_t *c, const zh_site_t *site, const char *fs, size_t len)
{
    const zh_looked_t *d = zh_lookup_find(c->lk, site, ZH_FETCH_DIR, fs, len);
    if (d) return d->res == 0;
    if (start_fetch(c, site, ZH_FETCH_DIR, fs, len, NULL) == 0) return ZH_PARKED;
    return zh_dir_exists(site, fs, len);
}

static int errno_status(int err)
{
    switch (err) {
    case -ENOENT:
    case -ENOTDIR:
    case -ENAMETOOLONG: return 404; /* no such name can exist (nginx: 404 too) */
    case -EACCES:
    case -EPERM:
    case -EXDEV:
    case -ELOOP:
    case -ENODEV: return 403;
    default: return 500;
    }
}

/* A file's response, and the validators it carries. nginx's add_header replaces a file's
 * Last-Modified and ETag instead of adding a second line (head.c, zh_head_replaced()), and its
 * range filter then checks If-Range against what is sent; 304 and 412 are still decided on the
 * file's own (its not_modified filter runs before add_header's). */
typedef struct {
    const zh_conn_t *c;
    const zh_file_t *f;
    uint8_t own_lm, own_etag; /* the file's own line goes out */
    const char *etag;         /* the ETag sent (the file's or add_header's), NULL for none */
    size_t etag_len;
    time_t mtime; /* the Last-Modified sent, as a time; NO_TIME when none or not a date */
    int status;
} sent_t;

#define NO_TIME ((time_t)INT64_MIN) /* no HTTP-date parses to it */

static void sent_init(sent_t *s, const zh_conn_t *c, const zh_file_t *f, int status)
{
    const zh_header_t *lm = zh_head_replaced(c->loc, "Last-Modified", status);
    const zh_header_t *et = zh_head_replaced(c->loc, "ETag", status);
    int tag = f->ctype && (!c->loc || c->loc->serve.etag); /* `etag off`: none of the file's */
    s->c = c;
    s->f = f;
    s->status = status;
    s->own_lm = !lm && f->ctype && (status == 200 || status == 206 || status == 304);
    s->own_etag = !et && tag;
    s->etag = et ? (*et->value ? et->value : NULL) : tag ? f->etag : NULL;
    s->etag_len = et ? (s->etag ? strlen(s->etag) : 0) : tag ? f->etag_len : 0;
    s->mtime = f->mtime;
    if (lm && zh_date_parse(lm->value, strlen(lm->value), &s->mtime) < 0) s->mtime = NO_TIME;
}

static int queue_body(zh_conn_t *c, zh_file_t *f, uint64_t off, uint64_t len)
{
    if (f->data) return zh_out_mem(c, f->data + off, (size_t)len, f);
    return zh_out_file(c, f, off, len);
}

/* A file's answer in nginx's order: Content-Type, Content-Length, Last-Modified (200, 206 and
 * 304 only: an error page's file has none), [Connection], ETag, [Expires, Cache-Control,
 * add_header], Accept-Ranges (200 only). A generated page (autoindex) has neither validator. */
static void full_fields(zh_sink_t *b, const void *arg, int part)
{
    const sent_t *s = arg;
    const zh_file_t *f = s->f;
    if (part == ZH_PART_FIELDS) {
        if (f->ctype)
            zh_head_ctype(b, s->c, s->status, f->ctype, strlen(f->ctype));
        else if (f->page_ctype)
            zh_head_ctype(b, s->c, s->status, f->page_ctype, strlen(f->page_ctype));
        else
            zh_head_ctype(b, s->c, s->status, "text/html", 9);
        ZH_SINK_LIT(b, "Content-Length: ");
        zh_sink_u64(b, f->size);
        ZH_SINK_LIT(b, "\r\n");
        if (s->own_lm) zh_head_field(b, "Last-Modified", f->lastmod, ZH_DATE_LEN);
    } else if (part == ZH_PART_LIST) {
        if (s->own_etag) zh_head_field(b, "ETag", f->etag, f->etag_len);
    } else {
        if (f->ctype && s->status == 200) ZH_SINK_LIT(b, "Accept-Ranges: bytes\r\n");
        ZH_SINK_LIT(b, "\r\n");
    }
}

/* the whole file, with 200 (or the status of an error_page) */
static int send_full(zh_conn_t *c, zh_file_t *f, int head, int status)
{
    sent_t s;
    sent_init(&s, c, f, status);
    c->resp_bytes = head ? 0 : f->size;
    int r = zh_head_emit_file(c, status, f->ctype ? f->mtime : ZH_NO_MTIME, full_fields, &s);
    if (r < 0) return r;
    return head ? 0 : queue_body(c, f, 0, f->size);
}

static void fields_304(zh_sink_t *b, const void *arg, int part)
{
    const sent_t *s = arg;
    if (part == ZH_PART_FIELDS && s->own_lm)
        zh_head_field(b, "Last-Modified", s->f->lastmod, ZH_DATE_LEN);
    else if (part == ZH_PART_LIST && s->own_etag)
        zh_head_field(b, "ETag", s->f->etag, s->f->etag_len);
    else if (part == ZH_PART_END)
        ZH_SINK_LIT(b, "\r\n");
}

static int send_304(zh_conn_t *c, zh_file_t *f)
{
    sent_t s;
    sent_init(&s, c, f, 304);
    c->resp_bytes = 0;
    return zh_head_emit_file(c, 304, f->mtime, fields_304, &s);
}

static int send_416(zh_conn_t *c, zh_file_t *f, int head)
{
    char cr[32]; /* "bytes * /SIZE": at most 28 bytes */
    zh_sink_t s = ZH_SINK(cr, sizeof cr);
    zh_range_content_range(&s, NULL, f->size);
    zh_sink_end(&s);
    return zh_resp_error(c, 416, head, "Content-Range", cr, s.written);
}

typedef struct {
    const zh_file_t *f;
    const sent_t *sent;
    const zh_range_t *rg;
    unsigned n, index;
    const char *boundary;
    const char *part_type; /* of each part: the file's type with its charset, as nginx */
} ranges_t;

static void range_fields(zh_sink_t *b, const void *arg, int part)
{
    const ranges_t *a = arg;
    const zh_file_t *f = a->f;
    if (part == ZH_PART_LIST) {
        if (a->sent->own_etag) zh_head_field(b, "ETag", f->etag, f->etag_len);
        return;
    }
    if (part == ZH_PART_END) { /* nginx's range filter adds Content-Range last */
        if (a->n == 1) {
            ZH_SINK_LIT(b, "Content-Range: ");
            zh_range_content_range(b, &a->rg[0], f->size);
            ZH_SINK_LIT(b, "\r\n");
        }
        ZH_SINK_LIT(b, "\r\n");
        return;
    }
    if (a->n == 1) {
        zh_head_ctype(b, a->sent->c, 206, f->ctype, strlen(f->ctype));
        ZH_SINK_LIT(b, "Content-Length: ");
        zh_sink_u64(b, a->rg[0].end - a->rg[0].start + 1);
        ZH_SINK_LIT(b, "\r\n");
    } else {
        ZH_SINK_LIT(b, "Content-Type: multipart/byteranges; boundary=");
        zh_sink_str(b, a->boundary);
        ZH_SINK_LIT(b, "\r\nContent-Length: ");
        zh_sink_u64(b, zh_range_multipart_length(a->boundary, a->part_type, a->rg, a->n, f->size));
        ZH_SINK_LIT(b, "\r\n");
    }
    if (a->sent->own_lm) zh_head_field(b, "Last-Modified", f->lastmod, ZH_DATE_LEN);
}

/* the text before part `index` of a multipart body */
static void part_head(zh_sink_t *b, const void *arg, int part)
{
    (void)part;
    const ranges_t *a = arg;
    const zh_file_t *f = a->f;
    zh_range_part_header(b, a->boundary, a->part_type, &a->rg[a->index], f->size, a->index);
}

static void part_trailer(zh_sink_t *b, const void *arg, int part)
{
    (void)part;
    const ranges_t *a = arg;
    zh_range_trailer(b, a->boundary);
}

static int send_ranges(zh_conn_t *c, zh_file_t *f, const sent_t *s, const zh_range_t *rg,
                       unsigned n)
{
    static uint64_t seq;
    char boundary[ZH_RANGE_BOUNDARY_LEN + 1];
    ranges_t a = {f, s, rg, n, 0, boundary, f->ctype};
    if (n > 1) {
        zh_range_boundary(++seq ^ (uint64_t)time(NULL) << 20 ^ (uint64_t)(uintptr_t)c, boundary);
        size_t tl = strlen(f->ctype);
        const char *cs = zh_charset_for(&c->loc->serve, 206, f->ctype, tl);
        if (cs) { /* "TYPE; charset=NAME" in the request's memory */
            size_t cl = strlen(cs);
            char *t = zh_vars_alloc(c->w->req.vars, tl + 10 + cl); /* NUL-terminated */
            if (!t) return -ENOMEM;
            memcpy(t, f->ctype, tl);
            memcpy(t + tl, "; charset=", 10);
            memcpy(t + tl + 10, cs, cl);
            a.part_type = t;
        }
    }
    c->resp_bytes = 0;
    for (unsigned i = 0; i < n; i++)
        c->resp_bytes += rg[i].end - rg[i].start + 1;
    int r = zh_head_emit_file(c, 206, f->mtime, range_fields, &a);
    if (r < 0) return r;
    if (n == 1) return queue_body(c, f, rg[0].start, rg[0].end - rg[0].start + 1);
    for (a.index = 0; a.index < n; a.index++) {
        if ((r = zh_bytes_emit(c, part_head, &a)) < 0) return r;
        r = queue_body(c, f, rg[a.index].start, rg[a.index].end - rg[a.index].start + 1);
        if (r < 0) return r;
    }
    return zh_bytes_emit(c, part_trailer, &a);
}

static int serve_file(zh_conn_t *c, const zh_req_t *r, zh_file_t *f, int head)
{
    if (r->err_status) return send_full(c, f, head, r->err_status); /* an error page */
    zh_cond_t cond = {
        .if_match = r->h[ZH_H_IF_MATCH].p,
        .if_match_len = r->h[ZH_H_IF_MATCH].len,
        .if_none_match = r->h[ZH_H_IF_NONE_MATCH].p,
        .if_none_match_len = r->h[ZH_H_IF_NONE_MATCH].len,
        .if_modified_since = r->h[ZH_H_IF_MODIFIED_SINCE].p,
        .if_modified_since_len = r->h[ZH_H_IF_MODIFIED_SINCE].len,
        .if_unmodified_since = r->h[ZH_H_IF_UNMODIFIED_SINCE].p,
        .if_unmodified_since_len = r->h[ZH_H_IF_UNMODIFIED_SINCE].len,
    };
    /* nginx's not_modified filter sees the file's own validators (add_header comes later) */
    const zh_serve_t *sv = &c->loc->serve;
    int st = zh_cond_nginx(&cond, sv->ims, sv->etag ? f->etag : NULL, f->etag_len, f->mtime);
    if (st == 304) return send_304(c, f);
    if (st == 412) return zh_resp_error(c, 412, head, NULL, NULL, 0);
    zh_str_t range = r->h[ZH_H_RANGE], ifr = r->h[ZH_H_IF_RANGE];
    sent_t s;
    sent_init(&s, c, f, 206);
    if (!range.p || head ||
        (ifr.p && !zh_if_range_ok(ifr.p, ifr.len, s.etag ? s.etag : "", s.etag_len, s.mtime)))
        return send_full(c, f, head, 200);
    zh_range_t rg[ZH_RANGE_MAX];
    unsigned n = 0;
    switch (zh_range_parse(range.p, range.len, f->size, rg, ZH_RANGE_MAX, &n)) {
    case ZH_RANGE_OK: return send_ranges(c, f, &s, rg, n);
    case ZH_RANGE_UNSATISFIABLE: return send_416(c, f, head);
    default: return send_full(c, f, head, 200);
    }
}

static int redirect_dir(zh_conn_t *c, const char *path, size_t len, const char *query, size_t qlen,
                        int head)
{
    char loc[PATH_MAX_LEN * 3 + 64];
    size_t n = zh_uri_escape(path, len, loc, sizeof loc);
    if (n + qlen + 3 >= sizeof loc) return zh_resp_error(c, 414, head, NULL, NULL, 0);
    loc[n++] = '/';
    if (query) {
        loc[n++] = '?';
        memcpy(loc + n, query, qlen);
        n += qlen;
    }
    return zh_resp_error(c, 301, head, "Location", loc, n);
}

typedef struct {
    zh_conn_t *c;
    const char *text; /* expanded by the rewrite phase (zh_rewrite_run()) */
    size_t len;
    int head;
    const char *ctype;
} ret_t;

static void ret_location(zh_sink_t *b, const void *arg, int part)
{
    const ret_t *a = arg;
    if (part != ZH_PART_FIELDS) return;
    if (a->len)
        zh_location_field(b, a->c, a->text, a->len);
    else
        zh_location_field(b, a->c, "/", 1);
}

static void ret_text(zh_sink_t *b, const void *arg, int part)
{
    const ret_t *a = arg;
    if (part == ZH_PART_FIELDS) {
        zh_head_ctype(b, a->c, a->c->resp_status, a->ctype, strlen(a->ctype));
        ZH_SINK_LIT(b, "Content-Length: ");
        zh_sink_u64(b, a->len);
        ZH_SINK_LIT(b, "\r\n");
    } else if (part == ZH_PART_END) {
        ZH_SINK_LIT(b, "\r\n");
        if (!a->head) zh_sink_put(b, a->text, a->len);
    }
}

static int send_error(zh_conn_t *c, const zh_vhost_t *vh, int status, int head);

/* `return CODE [TEXT|URL]`, its text expanded (NULL: none) */
static int do_return(zh_conn_t *c, const zh_req_t *r, int code, const char *text, size_t len,
                     int head)
{
    if (code == 444) { /* nginx's "close the connection without a response" */
        c->close_after = 1;
        /* nginx counts it as timed out: a RST with reset_timedout_connection on (where the
         * return runs: the server's settings in its rewrite phase, else the location's) */
        c->reset = c->loc && c->loc->reset_timedout;
        c->resp_status = 444;
        c->resp_bytes = 0;
        return 0;
    }
    /* the type of the URI's extension, else default_type, as nginx's return */
    const zh_site_t *site = c->loc ? &c->loc->site : NULL;
    const char *t =
        site && site->mime && r->uri.p ? zh_mime_lookup_n(site->mime, r->uri.p, r->uri.len) : NULL;
    ret_t a = {c, text, text ? len : 0, head,
               t                            ? t
               : site && site->default_type ? site->default_type
                                            : "text/plain"};
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308)
        return zh_resp_error_fn(c, code, head, ret_location, &a);
    if (r->err_status) code = r->err_status; /* in an error_page's named location, as nginx */
    /* an error without text goes through error_page, as nginx's special responses do */
    if (!text)
        return code >= 300 ? send_error(c, c->vhost, code, head)
                           : zh_resp_error(c, code, head, NULL, NULL, 0);
    c->resp_bytes = head ? 0 : a.len;
    return zh_head_emit(c, code, ret_text, &a);
}

/* The path under l's root (or alias directory) for the decoded request path `uri`, into fs (cap
 * bytes, NUL-terminated): 0, or 414 when it does not fit. With `alias`, the first alias_cut bytes
 * of the path ("/i/" of `location /i/ { alias /data/images/; }`, also in its nested locations)
 * are replaced by the alias directory: "/i/top.gif" -> "/top.gif"; in a regex location the alias
 * is the whole path. A root or alias with captures starts with their expansion ("/foo" of
 * `root /srv/$sub;`, root_fd being /srv). */
static int map_path(const zh_req_t *r, const zh_location_t *l, const char *uri, size_t len,
                    char *fs, size_t cap, size_t *fs_len)
{
    zh_sink_t s = ZH_SINK(fs, cap);
    if (l->root_tpl) zh_tpl_expand(l->root_tpl, r, &s);
    if (!l->alias) {
        zh_sink_put(&s, uri, len);
    } else if (l->alias_cut != ZH_ALIAS_WHOLE) {
        size_t cut = l->alias_cut < len ? l->alias_cut : len;
        const char *rest = uri + cut;
        size_t rl = len - cut;
        while (rl && *rest == '/') {
            rest++;
            rl--;
        }
        if (!s.written || fs[s.written - 1] != '/') ZH_SINK_LIT(&s, "/");
        zh_sink_put(&s, rest, rl);
    }
    if (uri[len - 1] == '/' && (!s.written || fs[s.written - 1] != '/')) ZH_SINK_LIT(&s, "/");
    if (!zh_sink_ok(&s)) return 414;
    *fs_len = zh_sink_end(&s);
    return 0;
}

/* A request on its way through locations (route() below, nginx's phases): r->uri is the URI
 * being served, r->args its query. An internal redirect (an index file, try_files, a rewrite's
 * `last`, error_page, a named location) changes r->uri and searches the locations again, each
 * counted once in r->uri_changes (nginx's r->uri_changes): the 11th is a 500. */
#define INTERNAL_REDIRECT 1  /* from content(): route() again, r->uri being the new URI */
#define MAX_URI_CHANGES   10 /* nginx's NGX_HTTP_MAX_URI_CHANGES: one more is a 500 */

enum { CH_PROCESSING, CH_REDIRECT, CH_NAMED }; /* what changed the URI, for the log line */

static int route(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, const zh_location_t *named,
                 int head);

/* one URI change to `to` (len bytes): 0, or -1 past MAX_URI_CHANGES with nginx's log line */
static int uri_changed(zh_conn_t *c, zh_req_t *r, int why, const char *to, size_t len)
{
    static const char *const whys[] = {"processing", "internally redirecting to",
                                       "redirect to named location"};
    r->internal = 1;
    if (++r->uri_changes <= MAX_URI_CHANGES) return 0;
    zh_errlog(c, "rewrite or internal redirection cycle while %s \"%.*s\"", whys[why], (int)len,
              to);
    return -1;
}

/* `error_page CODE [=RESPONSE] @name`: the named location answers the request as it is (its
 * path, its query), with the error's status (or RESPONSE) whatever it finds, as nginx does;
 * a `return` in it keeps its own status only for a redirect. Going there is a URI change. */
static int named_error_page(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh,
                            const zh_error_page_t *ep, int status, int head)
{
    const zh_location_t *l = zh_location_named(vh, ep->uri, strlen(ep->uri));
    if (!l) {
        zh_errlog(c, "could not find named location \"%s\"", ep->uri);
        return zh_resp_error(c, 500, head, NULL, NULL, 0);
    }
    if (!r->uri.p) return zh_resp_error(c, status, head, NULL, NULL, 0); /* no usable path */
    if (uri_changed(c, r, CH_NAMED, ep->uri, strlen(ep->uri)))
        return zh_resp_error(c, 500, head, NULL, NULL, 0);
    r->err_status = (uint16_t)(ep->response ? ep->response : status);
    return route(c, r, vh, l, head);
}

/* an error status, through the location's error_page when it has one for it (not for the errors of
 * an error page's own answer: nginx's recursive_error_pages is off) */
static int send_error(zh_conn_t *c, const zh_vhost_t *vh, int status, int head)
{
    zh_req_t *r = &c->w->req;
    if (zh_status_ends_keepalive(status)) c->close_after = 1; /* its error_page too */
    /* the error_page lines of the location the error happened in (inherited by it, as nginx) */
    const zh_location_t *el = c->loc ? c->loc : vh ? &vh->base : NULL;
    for (unsigned i = 0; el && !r->err_status && i < el->nerror_pages; i++) {
        zh_error_page_t ep_v = el->error_pages[i];
        const zh_error_page_t *ep = &ep_v;
        if (ep->code != status) continue;
        if (ep->tpl && r->vars && zh_rewrite_expand(r, ep->tpl, &ep_v.uri) < 0) break;
        if (strncmp(ep->uri, "http://", 7) == 0 || strncmp(ep->uri, "https://", 8) == 0) {
            int rs = ep->response; /* `=301 URL` keeps its redirect status, as nginx */
            rs = rs == 301 || rs == 303 || rs == 307 || rs == 308 ? rs : 302;
            return zh_resp_error(c, rs, head, "Location", ep->uri, strlen(ep->uri));
        }
        if (ep->uri[0] == '@') return named_error_page(c, r, vh, ep, status, head);
        /* a local URI: nginx's internal redirect to it, answered with the error's status */
        char path[PATH_MAX_LEN], *p;
        size_t len, ul = strcspn(ep->uri, "?"); /* "/err.html?from=$uri": the path */
        if (!r->vars || zh_path_normalize(ep->uri, ul, path, sizeof path, &len)) break;
        if (!(p = zh_vars_alloc(r->vars, len))) break;
        memcpy(p, path, len);
        r->uri = (zh_str_t){p, (uint32_t)len};
        r->args = ep->uri[ul] == '?'
                      ? (zh_str_t){ep->uri + ul + 1, (uint32_t)strlen(ep->uri + ul + 1)}
                      : (zh_str_t){NULL, 0};
        r->err_status = (uint16_t)(ep->response ? ep->response : status);
        if (uri_changed(c, r, CH_REDIRECT, r->uri.p, r->uri.len))
            return zh_resp_error(c, 500, head, NULL, NULL, 0);
        return route(c, r, vh, NULL, head);
    }
    return zh_resp_error(c, status, head, NULL, NULL, 0);
}

static int send_listing(zh_conn_t *c, const zh_location_t *l, const char *fs, size_t fs_len,
                        const char *uri, size_t uri_len, int head)
{
    const zh_req_t *r = &c->w->req;
    const char *cb = NULL, *ctype = NULL;
    size_t cblen = 0;
    if (l->paths.ai_format == ZH_AUTOINDEX_JSONP && r->args.p &&
        zh_arg_find(r->args.p, r->args.len, "callback", 8, &cb, &cblen) &&
        !zh_autoindex_callback_ok(cb, cblen)) {
        zh_errlog(c, "client sent invalid callback \"%.*s\"", (int)cblen, cb);
        return send_error(c, c->vhost, 400, head);
    }
    const char *cs = zh_charset_for(&l->serve, 200, "text/html", 9);
    zh_listing_t opt = {&l->paths, cb, cblen, cs && strcasecmp(cs, "utf-8") == 0};
    /* the directory read, each entry's stat and the page are built on the pool (the request
     * parks); the page comes back as a blob kept on the request */
    const zh_looked_t *d = zh_lookup_find(c->lk, &l->site, ZH_FETCH_LIST, fs, fs_len);
    if (d)
        return d->res < 0 ? d->res : send_full(c, d->f, head, r->err_status ? r->err_status : 200);
    if (!c->lk) c->lk = zh_lookup_new(c->srv->loop, &c->task, &c->srv->fcache);
    if (c->lk && zh_lookup_can_start(c->lk) &&
        zh_lookup_list(c->lk, &l->site, fs, fs_len, uri, uri_len, &opt) == 0)
        return ZH_PARKED;
    char *page; /* no pool: built here */
    long n = zh_autoindex_build(&l->site, fs, fs_len, uri, uri_len, &opt, &page, &ctype);
    if (n < 0) return n;
    zh_file_t *blob = zh_blob_new(&c->srv->fcache, page, (uint64_t)n);
    if (!blob) return -ENOMEM;
    blob->page_ctype = ctype;
    int rc = send_full(c, blob, head, r->err_status ? r->err_status : 200);
    zh_file_unref(&c->srv->fcache, blob);
    return rc;
}

/* r->uri becomes `dir` + `name` (name absolute: `name` alone), normalized (in r->vars); 0, or
 * the error status */
static int redirect_to(zh_req_t *r, const char *dir, size_t dl, const char *name)
{
    char uri[PATH_MAX_LEN + 256], norm[PATH_MAX_LEN + 256];
    size_t nl = strlen(name), len;
    if (name[0] == '/') dl = 0;
    if (dl + nl >= sizeof uri) return 414;
    if (dl) memcpy(uri, dir, dl);
    memcpy(uri + dl, name, nl);
    int st = zh_path_normalize(uri, dl + nl, norm, sizeof norm, &len);
    if (st) return st;
    char *p = zh_vars_alloc(r->vars, len);
    if (!p) return 500;
    memcpy(p, norm, len);
    r->uri = (zh_str_t){p, (uint32_t)len};
    return 0;
}

/* A directory URI (fs: its directory under l, fs_len bytes, in a buffer of fs_cap), nginx's
 * index module: the first index file, an absolute one at once or a relative one that exists, is
 * an internal redirect to URI + name (INTERNAL_REDIRECT), whose own location answers (that of
 * "/index.html" for `location = /`), its captures evaluated anew; a relative one whose URI picks
 * this same location (with no captures in its root, no rewrites nor try_files to run first) is
 * served at once. Then a listing, or 403 / 404. */
static int serve_index(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, const zh_location_t *l,
                       char *fs, size_t fs_len, size_t fs_cap, int head)
{
    zh_fcache_t *fc = &c->srv->fcache;
    zh_file_t *f = NULL;
    int rc = -ENOENT;
    for (const char *const *ix = l->site.index; ix && *ix && rc == -ENOENT; ix++) {
        const char *name = *ix;
        const zh_tpl_t *t = l->index_tpl ? &l->index_tpl[ix - l->site.index] : NULL;
        if (t && t->nparts && zh_rewrite_expand(r, t, &name) <= 0) continue;
        size_t il = strlen(name);
        if (name[0] == '/') { /* nginx: a redirect, without looking first */
            rc = redirect_to(r, NULL, 0, name);
            return rc ? send_error(c, vh, rc, head) : INTERNAL_REDIRECT;
        }
        if (fs_len + il >= fs_cap) continue;
        memcpy(fs + fs_len, name, il + 1);
        rc = file_get(c, &l->site, fs, fs_len + il, &f);
        if (rc == ZH_PARKED) return rc;
        if (rc < 0 && rc != -ENOENT && rc != -EISDIR) zh_errlog_open(c, &l->site, fs, rc);
        fs[fs_len] = 0;
        if (rc) continue;
        /* the URI becomes URI + name (nginx's $uri), whatever answers */
        rc = redirect_to(r, r->uri.p, r->uri.len, name);
        if (rc) {
            zh_file_unref(fc, f);
            return send_error(c, vh, rc, head);
        }
        const zh_location_t *to =
            l->root_tpl || l->nrw || l->try_files || vh->base.nrw
                ? NULL
                : zh_location_match(vh, r->uri.p, r->uri.len, c->srv->md, &r->loc_caps);
        if (to == l) {            /* the same file: served here */
            fs[fs_len] = name[0]; /* the file's path again: its warm-up's key */
            rc = warm(c, &l->site, fs, fs_len + il, f, head);
            fs[fs_len] = 0;
            if (rc != ZH_PARKED) rc = serve_file(c, r, f, head);
            zh_file_unref(fc, f);
            return rc;
        }
        zh_file_unref(fc, f);
        return INTERNAL_REDIRECT;
    }
    if (rc != -ENOENT && rc != -EISDIR) return send_error(c, vh, errno_status(rc), head);
    int is_dir = dir_exists(c, &l->site, fs, fs_len);
    if (is_dir == ZH_PARKED) return is_dir;
    if (!is_dir) { /* nginx's index module says it this way */
        if (l->serve.log_not_found)
            zh_errlog(c, "\"%s%s%s\" is not found (2: No such file or directory)",
                      l->site.root_path ? l->site.root_path : "", fs,
                      l->site.index && l->site.index[0] ? l->site.index[0] : "");
        return send_error(c, vh, 404, head);
    }
    if (!l->autoindex) {
        zh_errlog(c, "directory index of \"%s%s\" is forbidden",
                  l->site.root_path ? l->site.root_path : "", fs);
        return send_error(c, vh, 403, head);
    }
    rc = send_listing(c, l, fs, fs_len, r->uri.p, r->uri.len, head);
    if (rc == ZH_PARKED) return rc;
    if (rc < 0) zh_errlog_open(c, &l->site, fs, rc);
    return rc < 0 ? send_error(c, vh, errno_status(rc), head) : rc;
}

/* the content of location l for r->uri: its file, index or listing (or INTERNAL_REDIRECT) */
static int content(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, const zh_location_t *l,
                   int head)
{
    char fs[PATH_MAX_LEN + 512];
    size_t fs_len;
    int st = map_path(r, l, r->uri.p, r->uri.len, fs, sizeof fs, &fs_len);
    if (st) return send_error(c, vh, st, head);
    if (fs[fs_len - 1] == '/') return serve_index(c, r, vh, l, fs, fs_len, sizeof fs, head);
    zh_fcache_t *fc = &c->srv->fcache;
    zh_file_t *f;
    int rc = file_get(c, &l->site, fs, fs_len, &f);
    if (rc == ZH_PARKED) return rc;
    if (rc == -EISDIR) return redirect_dir(c, r->uri.p, r->uri.len, r->args.p, r->args.len, head);
    if (rc < 0) {
        if (errno_status(rc) != 404 || l->serve.log_not_found) zh_errlog_open(c, &l->site, fs, rc);
        return send_error(c, vh, errno_status(rc), head);
    }
    rc = warm(c, &l->site, fs, fs_len, f, head);
    if (rc != ZH_PARKED) rc = serve_file(c, r, f, head);
    zh_file_unref(fc, f);
    return rc;
}

/* the answer of a rewrite phase that stops the request there */
static int rw_answer(zh_conn_t *c, zh_req_t *r, zh_rw_result_t rc, const zh_rw_out_t *o, int head)
{
    if (rc == ZH_RW_DO_RETURN)
        return do_return(c, r, o->ret->code, o->len ? o->text : NULL, o->len, head);
    if (rc == ZH_RW_DO_REDIRECT) return do_return(c, r, o->code, o->text, o->len, head);
    zh_errlog(c, "a rewrite of \"%.*s\" failed (a PCRE2 limit, or values over %d bytes)",
              (int)r->uri.len, r->uri.p, ZH_VARS_BUF);
    return send_error(c, c->vhost, 500, head);
}

enum { TRY_FILE, TRY_REDIRECT, TRY_NAMED, TRY_CODE, TRY_FAIL, TRY_PARKED };

/* `try_files`: TRY_FILE with r->uri set to what was found (answered in l); else the fallback:
 * r->uri and r->args changed (TRY_REDIRECT), *named set (TRY_NAMED), or *code (TRY_CODE) */
static int try_files(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, const zh_location_t *l,
                     const zh_location_t **named, int *code)
{
    const zh_try_t *t = l->try_files;
    char fs[PATH_MAX_LEN + 512];
    size_t fs_len;
    for (uint32_t i = 0; i < t->nfiles; i++) {
        const char *name;
        long n = zh_rewrite_expand(r, &t->files[i], &name);
        if (n < 0) return TRY_FAIL;
        if (n == 0 || map_path(r, l, name, (size_t)n, fs, sizeof fs, &fs_len)) continue;
        int found = 0;
        if (t->dir[i]) {
            found = dir_exists(c, &l->site, fs, fs_len);
        } else if (fs[fs_len - 1] != '/') {
            zh_file_t *f;
            int rc = file_get(c, &l->site, fs, fs_len, &f);
            found = rc == ZH_PARKED ? rc : rc == 0;
            if (rc == 0) zh_file_unref(&c->srv->fcache, f);
        }
        if (found == ZH_PARKED) return TRY_PARKED;
        if (found) {
            r->uri = (zh_str_t){name, (uint32_t)n};
            return TRY_FILE;
        }
    }
    if (t->code) {
        *code = t->code;
        return TRY_CODE;
    }
    const char *u;
    long n = zh_rewrite_expand(r, &t->uri, &u);
    if (n < 0) return TRY_FAIL;
    if (n && u[0] == '@') {
        *named = zh_location_named(vh, u, (size_t)n);
        if (!*named) zh_errlog(c, "could not find named location \"%s\"", u);
        return *named ? TRY_NAMED : TRY_FAIL;
    }
    r->args = (zh_str_t){NULL, 0}; /* nginx's ngx_http_split_args(): "/x" has none */
    zh_rewrite_set_uri(r, u, (size_t)n);
    return TRY_REDIRECT;
}

/* nginx's ngx_http_update_location_config(): a location the request goes through with
 * keepalive_timeout 0, or keepalive_requests reached, ends keep-alive for good (a later
 * internal redirect does not bring it back) */
static void loc_enter(zh_conn_t *c, const zh_location_t *l)
{
    const zh_loc_limits_t *ll = l->lim.set ? &l->lim : &c->srv->loc_lim;
    if (!ll->keepalive_timeout || c->requests >= ll->keepalive_requests) c->close_after = 1;
}

/* nginx's phases from the server's rewrites (or from the location `named`, an internal
 * redirect to @name): server rewrite, find location (`internal`), location rewrite (again from
 * find location when it changed the URI), try_files (an internal redirect starts over), then
 * the content */
static int route(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, const zh_location_t *named,
                 int head)
{
    pcre2_match_data *md = c->srv->md;
    const zh_location_t *l = named;
    int server_phase = named == NULL;
    zh_rw_out_t o;
    zh_rw_result_t rc;
    for (;;) {
        if (server_phase) {
            c->loc = r->vars->loc = &vh->base;
            loc_enter(c, &vh->base);
            rc = zh_rewrite_run(r, vh->base.rw, vh->base.nrw, md, 1, &o);
            if (rc != ZH_RW_GO_ON) return rw_answer(c, r, rc, &o, head);
            server_phase = 0;
        }
        if (!l) {
            if (r->uri.len == 0 || r->uri.p[0] != '/') { /* a rewrite to "x": no location */
                l = &vh->base;
            } else if (!(l = zh_location_match(vh, r->uri.p, r->uri.len, md, &r->loc_caps))) {
                zh_errlog(c, "a regex could not be run on \"%.*s\" (a PCRE2 limit)",
                          (int)r->uri.len, r->uri.p);
                return zh_resp_error(c, 500, head, NULL, NULL, 0);
            }
            if (l->internal && !r->internal) return send_error(c, vh, 404, head);
        }
        c->loc = r->vars->loc = l;
        /* client_max_body_size of the location found, against the Content-Length only
         * (nginx's find-config phase); the body was read under the largest one of the
         * configuration */
        loc_enter(c, l);
        if (!r->internal && r->content_length != UINT64_MAX && l->lim.set &&
            r->content_length > l->lim.max_body)
            return send_error(c, vh, 413, head);
        rc = l == &vh->base ? ZH_RW_GO_ON : zh_rewrite_run(r, l->rw, l->nrw, md, 0, &o);
        int why = CH_REDIRECT;
        if (rc == ZH_RW_RESEARCH) {
            why = CH_PROCESSING;
            l = NULL;
        } else if (rc != ZH_RW_GO_ON && rc != ZH_RW_STAY) {
            return rw_answer(c, r, rc, &o, head);
        } else {
            const zh_location_t *to = NULL;
            int code = 0, t = l->try_files ? try_files(c, r, vh, l, &to, &code) : TRY_FILE;
            switch (t) {
            case TRY_CODE: return send_error(c, vh, code, head);
            case TRY_FAIL: return send_error(c, vh, 500, head);
            case TRY_PARKED: return ZH_PARKED;
            case TRY_NAMED: l = to, why = CH_NAMED; break;
            case TRY_REDIRECT: l = NULL, server_phase = 1; break;
            default: /* the content; an index file is an internal redirect */
                if ((rc = content(c, r, vh, l, head)) != INTERNAL_REDIRECT) return rc;
                l = NULL, server_phase = 1;
                break;
            }
        }
        int bad = why == CH_NAMED ? uri_changed(c, r, why, l->prefix, strlen(l->prefix))
                                  : uri_changed(c, r, why, r->uri.p, r->uri.len);
        if (bad) {
            c->loc = r->vars->loc = &vh->base;
            return send_error(c, vh, 500, head);
        }
    }
}

static const zh_vhost_t *pick_vhost(zh_conn_t *c, zh_req_t *r)
{
    const zh_listener_t *lst = c->lst;
    if (r->host.p) {
        size_t n = zh_host_lower(r->host.p, r->host.len, c->w->host, sizeof c->w->host);
        r->host = (zh_str_t){c->w->host, (uint32_t)n};
    }
    return zh_vhost_pick(lst->vhosts, lst->nvhosts, lst->dflt, r->host.p, r->host.len, c->srv->md,
                         &r->srv_caps);
}

static int handle(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, int method, int head);

int zh_static_handle(zh_conn_t *c, zh_req_t *r, int method)
{
    int head = method == HTTP_HEAD;
    const zh_vhost_t *vh = pick_vhost(c, r);
    c->vhost = vh;
    c->loc = vh ? &vh->base : NULL;
    c->resp_bytes = 0;
    if (!vh) return zh_resp_error(c, 500, head, NULL, NULL, 0);
    if (method == HTTP_TRACE || method == HTTP_CONNECT)
        c->close_after = 1; /* nginx refuses them before reading on, and closes */
    if (method != HTTP_GET && !head) return zh_resp_error(c, 405, 0, "Allow", "GET, HEAD", 9);
    zh_vars_t vars;
    vars.used = 0;
    vars.user_set = 0;
    r->vars = &vars;
    int rc = handle(c, r, vh, method, head);
    r->vars = NULL;
    return rc;
}

/* the request with its variables ready (r->vars) */
static int handle(zh_conn_t *c, zh_req_t *r, const zh_vhost_t *vh, int method, int head)
{
    size_t plen, qlen;
    const char *query;
    zh_path_split_query(r->path.p, r->path.len, &plen, &query, &qlen);
    r->args = (zh_str_t){query, (uint32_t)qlen};
    char *path = c->w->uri;
    size_t len;
    /* nginx reads merge_slashes before it knows the server (Host, or an absolute-form target):
     * the address's default server's */
    const zh_vhost_t *mv = c->lst->dflt ? c->lst->dflt : vh;
    int st = zh_path_normalize_merge(r->path.p, plen, mv->base.paths.merge_slashes, path,
                                     sizeof c->w->uri, &len);
    if (st) return send_error(c, vh, st, head);
    r->uri = (zh_str_t){path, (uint32_t)len};
    zh_vars_t *vars = r->vars;
    vars->conn = c;
    vars->remote_addr = NULL;
    vars->method = llhttp_method_name((llhttp_method_t)method);
    vars->conn_requests = c->requests;
    vars->server_name = vh->nnames ? vh->names[0] : "";
    return route(c, r, vh, NULL, head);
}
