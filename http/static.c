/* SPDX-License-Identifier: MIT */
/* zokiod http: the static file handler: path -> file -> preconditions -> ranges -> response. */
#include <ctype.h>
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
#include "http/route.h"
#include "http/out.h"
#include "http/response.h"

#define PATH_MAX_LEN 4096

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

/* the validator lines of a file */
static void file_fields(zh_sink_t *b, const zh_file_t *f)
{
    zh_head_field(b, "Last-Modified", f->lastmod, ZH_DATE_LEN);
    zh_head_field(b, "ETag", f->etag, f->etag_len);
}

static int queue_body(zh_conn_t *c, zh_file_t *f, uint64_t off, uint64_t len)
{
    if (f->data) return zh_out_mem(c, f->data + off, (size_t)len, f);
    return zh_out_file(c, f, off, len);
}

static void full_fields(zh_sink_t *b, const void *arg)
{
    const zh_file_t *f = arg;
    if (f->hdr) {
        zh_sink_put(b, f->hdr, f->hdr_len); /* prebuilt when the file was cached */
    } else {                                /* a generated page */
        ZH_SINK_LIT(b, "Content-Type: text/html\r\nContent-Length: ");
        zh_sink_u64(b, f->size);
        ZH_SINK_LIT(b, "\r\n");
    }
    ZH_SINK_LIT(b, "\r\n");
}

/* the whole file, with 200 (or the status of an error_page) */
static int send_full(zh_conn_t *c, zh_file_t *f, int head, int status)
{
    c->resp_bytes = head ? 0 : f->size;
    int r = zh_head_emit(c, status, full_fields, f);
    if (r < 0) return r;
    return head ? 0 : queue_body(c, f, 0, f->size);
}

static void fields_304(zh_sink_t *b, const void *arg)
{
    file_fields(b, arg);
    ZH_SINK_LIT(b, "\r\n");
}

static int send_304(zh_conn_t *c, zh_file_t *f)
{
    c->resp_bytes = 0;
    return zh_head_emit(c, 304, fields_304, f);
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
    const zh_range_t *rg;
    unsigned n, index;
    const char *boundary;
} ranges_t;

static void range_fields(zh_sink_t *b, const void *arg)
{
    const ranges_t *a = arg;
    const zh_file_t *f = a->f;
    file_fields(b, f);
    if (a->n == 1) {
        zh_head_field(b, "Content-Type", f->ctype, strlen(f->ctype));
        ZH_SINK_LIT(b, "Content-Length: ");
        zh_sink_u64(b, a->rg[0].end - a->rg[0].start + 1);
        ZH_SINK_LIT(b, "\r\nContent-Range: ");
        zh_range_content_range(b, &a->rg[0], f->size);
        ZH_SINK_LIT(b, "\r\n");
    } else {
        ZH_SINK_LIT(b, "Content-Type: multipart/byteranges; boundary=");
        zh_sink_str(b, a->boundary);
        ZH_SINK_LIT(b, "\r\nContent-Length: ");
        zh_sink_u64(b, zh_range_multipart_length(a->boundary, f->ctype, a->rg, a->n, f->size));
        ZH_SINK_LIT(b, "\r\n");
    }
    ZH_SINK_LIT(b, "\r\n");
}

/* the text before part `index` of a multipart body */
static void part_head(zh_sink_t *b, const void *arg)
{
    const ranges_t *a = arg;
    const zh_file_t *f = a->f;
    zh_range_part_header(b, a->boundary, f->ctype, &a->rg[a->index], f->size, a->index);
}

static void part_trailer(zh_sink_t *b, const void *arg)
{
    const ranges_t *a = arg;
    zh_range_trailer(b, a->boundary);
}

static int send_ranges(zh_conn_t *c, zh_file_t *f, const zh_range_t *rg, unsigned n)
{
    static uint64_t seq;
    char boundary[ZH_RANGE_BOUNDARY_LEN + 1];
    ranges_t a = {f, rg, n, 0, boundary};
    if (n > 1)
        zh_range_boundary(++seq ^ (uint64_t)time(NULL) << 20 ^ (uint64_t)(uintptr_t)c, boundary);
    c->resp_bytes = 0;
    for (unsigned i = 0; i < n; i++)
        c->resp_bytes += rg[i].end - rg[i].start + 1;
    int r = zh_head_emit(c, 206, range_fields, &a);
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
    int st = zh_cond_evaluate(&cond, 1, f->etag, f->etag_len, f->mtime);
    if (st == 304) return send_304(c, f);
    if (st == 412) return zh_resp_error(c, 412, head, NULL, NULL, 0);
    zh_str_t range = r->h[ZH_H_RANGE], ifr = r->h[ZH_H_IF_RANGE];
    if (!range.p || head ||
        (ifr.p && !zh_if_range_ok(ifr.p, ifr.len, f->etag, f->etag_len, f->mtime)))
        return send_full(c, f, head, 200);
    zh_range_t rg[ZH_RANGE_MAX];
    unsigned n = 0;
    switch (zh_range_parse(range.p, range.len, f->size, rg, ZH_RANGE_MAX, &n)) {
    case ZH_RANGE_OK: return send_ranges(c, f, rg, n);
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
    const zh_conn_t *c;
    const zh_req_t *r;
    const char *text;
    size_t len; /* of the expansion (measured first) */
    int head;
} ret_t;

/* the `return` text with $scheme, $host and $request_uri (the only variables the config
 * allows) expanded */
static void expand_vars(zh_sink_t *b, const ret_t *a)
{
    static const char *const names[] = {"$scheme", "$host", "$request_uri"};
    for (const char *t = a->text; *t;) {
        int hit = -1;
        for (int i = 0; i < 3 && hit < 0; i++)
            if (!strncmp(t, names[i], strlen(names[i]))) hit = i;
        if (hit < 0) {
            zh_sink_put(b, t++, 1);
            continue;
        }
        t += strlen(names[hit]);
        if (hit == 0) {
            ZH_SINK_LIT(b, "http");
        } else if (hit == 1) { /* the Host header without its port, else the server's name */
            zh_str_t h = a->r->h[ZH_H_HOST];
            const zh_vhost_t *vh = a->c->vhost;
            const char *colon = h.p ? memchr(h.p, ':', h.len) : NULL;
            const char *v = h.p ? h.p : (vh && vh->nnames ? vh->names[0] : "");
            size_t vl = h.p ? (colon ? (size_t)(colon - h.p) : h.len) : strlen(v);
            for (size_t i = 0; i < vl; i++) {
                char ch = (char)tolower((unsigned char)v[i]);
                zh_sink_put(b, &ch, 1);
            }
        } else {
            zh_sink_put(b, a->r->target.p, a->r->target.len);
        }
    }
}

static void ret_location(zh_sink_t *b, const void *arg)
{
    const ret_t *a = arg;
    ZH_SINK_LIT(b, "Location: ");
    if (a->text)
        expand_vars(b, a);
    else
        ZH_SINK_LIT(b, "/");
    ZH_SINK_LIT(b, "\r\n");
}

static void ret_text(zh_sink_t *b, const void *arg)
{
    const ret_t *a = arg;
    ZH_SINK_LIT(b, "Content-Type: text/plain\r\nContent-Length: ");
    zh_sink_u64(b, a->len);
    ZH_SINK_LIT(b, "\r\n\r\n");
    if (!a->head) expand_vars(b, a);
}

/* `return CODE [TEXT|URL]` */
static int do_return(zh_conn_t *c, const zh_req_t *r, const zh_location_t *l, int head)
{
    int code = l->return_code;
    if (code == 444) { /* nginx's "close the connection without a response" */
        c->close_after = 1;
        c->reset = l->reset_timedout; /* nginx counts it as timed out: a RST with reset_... on */
        c->resp_status = 444;
        c->resp_bytes = 0;
        return 0;
    }
    ret_t a = {c, r, l->return_text, 0, head};
    if (a.text && !*a.text) a.text = NULL;
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308)
        return zh_resp_error_fn(c, code, head, ret_location, &a);
    if (!l->return_text) return zh_resp_error(c, code, head, NULL, NULL, 0);
    zh_sink_t m = ZH_SINK(NULL, 0);
    if (a.text) expand_vars(&m, &a);
    a.len = m.need;
    c->resp_bytes = head ? 0 : a.len;
    return zh_head_emit(c, code, ret_text, &a);
}

/* an error status, through the vhost's error_page when it has one for it */
static int send_error(zh_conn_t *c, const zh_vhost_t *vh, int status, int head)
{
    for (unsigned i = 0; vh && i < vh->nerror_pages; i++) {
        const zh_error_page_t *ep = &vh->error_pages[i];
        if (ep->code != status) continue;
        if (strncmp(ep->uri, "http://", 7) == 0 || strncmp(ep->uri, "https://", 8) == 0)
            return zh_resp_error(c, 302, head, "Location", ep->uri, strlen(ep->uri));
        char path[PATH_MAX_LEN];
        size_t len;
        if (zh_path_normalize(ep->uri, strlen(ep->uri), path, sizeof path, &len)) break;
        zh_file_t *f;
        const zh_site_t *site = &zh_location_match(vh, path, len)->site;
        if (zh_file_get(&c->srv->fcache, site, path, len, time(NULL), &f) < 0) break;
        int rc = send_full(c, f, head, ep->response ? ep->response : status);
        zh_file_unref(&c->srv->fcache, f);
        return rc;
    }
    return zh_resp_error(c, status, head, NULL, NULL, 0);
}

static int send_listing(zh_conn_t *c, const zh_location_t *l, const char *fs, size_t fs_len,
                        const char *uri, size_t uri_len, int head)
{
    char *page;
    long n = zh_autoindex_build(&l->site, fs, fs_len, uri, uri_len, &page);
    if (n < 0) return n;
    zh_file_t *blob = zh_blob_new(&c->srv->fcache, page, (uint64_t)n);
    if (!blob) return -ENOMEM;
    int rc = send_full(c, blob, head, 200);
    zh_file_unref(&c->srv->fcache, blob);
    return rc;
}

/* absolute-form "http://host/path" (RFC 9112 section 3.2.2): the path part */
static zh_str_t origin_form(zh_str_t t)
{
    static const char *const schemes[] = {"http://", "https://"};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(schemes[i]);
        if (t.len >= n && !strncasecmp(t.p, schemes[i], n)) {
            const char *p = t.p + n, *end = t.p + t.len;
            while (p < end && *p != '/' && *p != '?')
                p++;
            if (p == end || *p == '?') return (zh_str_t){"/", 1}; /* "http://host" */
            return (zh_str_t){p, (uint32_t)(end - p)};
        }
    }
    return t;
}

/* `fs` is the path under the location's root (alias applied); `uri` the decoded request path */
static int serve_path(zh_conn_t *c, const zh_req_t *r, const zh_vhost_t *vh, const zh_location_t *l,
                      char *fs, size_t fs_len, size_t fs_cap, const char *uri, size_t uri_len,
                      const char *query, size_t qlen, int head)
{
    zh_fcache_t *fc = &c->srv->fcache;
    time_t now = time(NULL);
    zh_file_t *f = NULL;
    int rc;
    if (fs[fs_len - 1] == '/') {
        rc = -ENOENT;
        for (const char *const *ix = l->site.index; ix && *ix && rc == -ENOENT; ix++) {
            size_t il = strlen(*ix);
            if (fs_len + il >= fs_cap) continue;
            memcpy(fs + fs_len, *ix, il + 1);
            rc = zh_file_get(fc, &l->site, fs, fs_len + il, now, &f);
            if (rc < 0 && rc != -ENOENT && rc != -EISDIR) zh_errlog_open(c, &l->site, fs, rc);
            fs[fs_len] = 0;
        }
        if (rc == -ENOENT || rc == -EISDIR) {
            if (!zh_dir_exists(&l->site, fs, fs_len)) {
                zh_errlog_open(c, &l->site, fs, -ENOENT);
                return send_error(c, vh, 404, head);
            }
            if (!l->autoindex) {
                zh_errlog(c, "directory index of \"%s%s\" is forbidden",
                          l->site.root_path ? l->site.root_path : "", fs);
                return send_error(c, vh, 403, head);
            }
            rc = send_listing(c, l, fs, fs_len, uri, uri_len, head);
            if (rc < 0) zh_errlog_open(c, &l->site, fs, rc);
            return rc < 0 ? send_error(c, vh, errno_status(rc), head) : rc;
        }
        if (rc < 0) return send_error(c, vh, errno_status(rc), head); /* logged above */
    } else {
        rc = zh_file_get(fc, &l->site, fs, fs_len, now, &f);
        if (rc == -EISDIR) return redirect_dir(c, uri, uri_len, query, qlen, head);
        if (rc < 0) zh_errlog_open(c, &l->site, fs, rc);
    }
    if (rc < 0) return send_error(c, vh, errno_status(rc), head);
    rc = serve_file(c, r, f, head);
    zh_file_unref(fc, f);
    return rc;
}

int zh_static_handle(zh_conn_t *c, const zh_req_t *r, int method)
{
    const zh_listener_t *lst = c->lst;
    zh_str_t host = r->h[ZH_H_HOST];
    const zh_vhost_t *vh = zh_vhost_pick(lst->vhosts, lst->nvhosts, lst->dflt, host.p, host.len);
    int head = method == HTTP_HEAD;
    c->vhost = vh;
    c->loc = vh ? &vh->base : NULL;
    c->resp_bytes = 0;
    if (!vh) return zh_resp_error(c, 500, head, NULL, NULL, 0);
    if (method != HTTP_GET && !head) return zh_resp_error(c, 405, 0, "Allow", "GET, HEAD", 9);
    size_t plen, qlen;
    const char *query;
    zh_str_t target = origin_form(r->target);
    zh_path_split_query(target.p, target.len, &plen, &query, &qlen);
    char path[PATH_MAX_LEN + 256], fs[PATH_MAX_LEN + 512];
    size_t len;
    int st = zh_path_normalize(target.p, plen, path, PATH_MAX_LEN, &len);
    if (st) return send_error(c, vh, st, head);
    /* a server-level `return` runs before any location is chosen, as in nginx */
    const zh_location_t *l = vh->base.return_code ? &vh->base : zh_location_match(vh, path, len);
    c->loc = l;
    if (l->return_code) return do_return(c, r, l, head);
    size_t fs_len = len;
    if (l->alias) { /* "/i/top.gif" in `location /i/ { alias /data/images/; }` -> "/top.gif" */
        const char *rest = path + l->prefix_len;
        size_t rl = len - l->prefix_len;
        while (rl && *rest == '/') {
            rest++;
            rl--;
        }
        fs[0] = '/';
        memcpy(fs + 1, rest, rl);
        fs_len = rl + 1;
        if (path[len - 1] == '/' && fs[fs_len - 1] != '/') fs[fs_len++] = '/';
        fs[fs_len] = 0;
    } else {
        memcpy(fs, path, len + 1);
    }
    return serve_path(c, r, vh, l, fs, fs_len, sizeof fs, path, len, query, qlen, head);
}
