/* SPDX-License-Identifier: MIT */
/* zokiod http: the static file handler: path -> file -> preconditions -> ranges -> response. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/conn.h"
#include "http/path.h"
#include "http/range.h"

#define PATH_MAX_LEN 4096

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUTS(p, lit) put(p, lit, sizeof(lit) - 1)

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

/* the validator and type lines of a file, for files not held in memory */
static char *file_fields(char *p, const zh_file_t *f)
{
    p = PUTS(p, "Last-Modified: ");
    p = put(p, f->lastmod, ZH_DATE_LEN);
    p = PUTS(p, "\r\nETag: ");
    p = put(p, f->etag, f->etag_len);
    return PUTS(p, "\r\n");
}

static int queue_body(zh_conn_t *c, zh_file_t *f, uint64_t off, uint64_t len)
{
    if (f->data) return zh_out_mem(c, f->data + off, (size_t)len, f);
    return zh_out_file(c, f, off, len);
}

/* 200 with the whole file */
static int send_full(zh_conn_t *c, zh_file_t *f, int head)
{
    char *start = zh_out_reserve(c, ZH_OUT_ROOM);
    if (!start) return -ENOBUFS;
    char *p = zh_resp_head(c, 200, start, start + ZH_OUT_ROOM);
    if (f->hdr) {
        p = put(p, f->hdr, f->hdr_len); /* prebuilt for in-memory files */
    } else {
        p += snprintf(p, 512, "Content-Type: %s\r\nContent-Length: %llu\r\n", f->ctype,
                      (unsigned long long)f->size);
        p = file_fields(p, f);
        p = PUTS(p, "Accept-Ranges: bytes\r\n");
    }
    p = PUTS(p, "\r\n");
    zh_out_commit(c, start, (size_t)(p - start));
    return head ? 0 : queue_body(c, f, 0, f->size);
}

static int send_304(zh_conn_t *c, zh_file_t *f)
{
    char *start = zh_out_reserve(c, ZH_OUT_ROOM);
    if (!start) return -ENOBUFS;
    char *p = zh_resp_head(c, 304, start, start + ZH_OUT_ROOM);
    p = file_fields(p, f);
    p = PUTS(p, "\r\n");
    zh_out_commit(c, start, (size_t)(p - start));
    return 0;
}

static int send_416(zh_conn_t *c, zh_file_t *f, int head)
{
    char extra[96] = "Content-Range: ";
    size_t n = strlen(extra);
    n += zh_range_content_range(extra + n, sizeof extra - n - 2, NULL, f->size);
    memcpy(extra + n, "\r\n", 3);
    return zh_resp_error(c, 416, head, extra);
}

static int send_ranges(zh_conn_t *c, zh_file_t *f, const zh_range_t *rg, unsigned n)
{
    char *start = zh_out_reserve(c, ZH_OUT_ROOM);
    if (!start) return -ENOBUFS;
    char *end = start + ZH_OUT_ROOM;
    char *p = zh_resp_head(c, 206, start, end);
    p = file_fields(p, f);
    if (n == 1) {
        p += snprintf(p, (size_t)(end - p), "Content-Type: %s\r\nContent-Length: %llu\r\n",
                      f->ctype, (unsigned long long)(rg[0].end - rg[0].start + 1));
        p = PUTS(p, "Content-Range: ");
        p += zh_range_content_range(p, (size_t)(end - p), &rg[0], f->size);
        p = PUTS(p, "\r\n\r\n");
        zh_out_commit(c, start, (size_t)(p - start));
        return queue_body(c, f, rg[0].start, rg[0].end - rg[0].start + 1);
    }
    static uint64_t seq;
    char boundary[ZH_RANGE_BOUNDARY_LEN + 1];
    zh_range_boundary(++seq ^ (uint64_t)time(NULL) << 20 ^ (uint64_t)(uintptr_t)c, boundary);
    p += snprintf(
        p, (size_t)(end - p),
        "Content-Type: multipart/byteranges; boundary=%s\r\nContent-Length: %llu\r\n\r\n", boundary,
        (unsigned long long)zh_range_multipart_length(boundary, f->ctype, rg, n, f->size));
    for (unsigned i = 0; i < n; i++) {
        p += zh_range_part_header(p, (size_t)(end - p), boundary, f->ctype, &rg[i], f->size, i);
        zh_out_commit(c, start, (size_t)(p - start));
        int r = queue_body(c, f, rg[i].start, rg[i].end - rg[i].start + 1);
        if (r < 0) return r;
        start = p;
    }
    p += zh_range_trailer(p, (size_t)(end - p), boundary);
    zh_out_commit(c, start, (size_t)(p - start));
    return 0;
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
    if (st == 412) return zh_resp_error(c, 412, head, NULL);
    zh_str_t range = r->h[ZH_H_RANGE], ifr = r->h[ZH_H_IF_RANGE];
    if (!range.p || head ||
        (ifr.p && !zh_if_range_ok(ifr.p, ifr.len, f->etag, f->etag_len, f->mtime)))
        return send_full(c, f, head);
    zh_range_t rg[ZH_RANGE_MAX];
    unsigned n = 0;
    switch (zh_range_parse(range.p, range.len, f->size, rg, ZH_RANGE_MAX, &n)) {
    case ZH_RANGE_OK: return send_ranges(c, f, rg, n);
    case ZH_RANGE_UNSATISFIABLE: return send_416(c, f, head);
    default: return send_full(c, f, head);
    }
}

static int redirect_dir(zh_conn_t *c, const char *path, size_t len, const char *query, size_t qlen,
                        int head)
{
    char loc[PATH_MAX_LEN * 3 + 64];
    size_t n = (size_t)snprintf(loc, sizeof loc, "Location: ");
    n += zh_uri_escape(path, len, loc + n, sizeof loc - n);
    if (n + qlen + 8 >= sizeof loc) return zh_resp_error(c, 414, head, NULL);
    loc[n++] = '/';
    if (query) {
        loc[n++] = '?';
        memcpy(loc + n, query, qlen);
        n += qlen;
    }
    memcpy(loc + n, "\r\n", 3);
    return zh_resp_error(c, 301, head, loc);
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

int zh_static_handle(zh_conn_t *c, const zh_req_t *r, int method)
{
    int head = method == HTTP_HEAD;
    if (method != HTTP_GET && !head) return zh_resp_error(c, 405, 0, "Allow: GET, HEAD\r\n");
    size_t plen, qlen;
    const char *query;
    zh_str_t target = origin_form(r->target);
    zh_path_split_query(target.p, target.len, &plen, &query, &qlen);
    char path[PATH_MAX_LEN + 256];
    size_t len;
    int st = zh_path_normalize(target.p, plen, path, PATH_MAX_LEN, &len);
    if (st) return zh_resp_error(c, st, head, NULL);
    time_t now = time(NULL);
    zh_file_t *f = NULL;
    int rc;
    if (path[len - 1] == '/') {
        rc = -ENOENT;
        for (const char *const *ix = c->srv->site.index; ix && *ix && rc == -ENOENT; ix++) {
            size_t il = strlen(*ix);
            if (len + il >= sizeof path) continue;
            memcpy(path + len, *ix, il + 1);
            rc = zh_file_get(&c->srv->fcache, path, len + il, now, &f);
            path[len] = 0;
        }
        if (rc == -ENOENT || rc == -EISDIR)
            return zh_resp_error(c, zh_dir_exists(&c->srv->fcache, path, len) ? 403 : 404, head,
                                 NULL);
    } else {
        rc = zh_file_get(&c->srv->fcache, path, len, now, &f);
        if (rc == -EISDIR) return redirect_dir(c, path, len, query, qlen, head);
    }
    if (rc < 0) return zh_resp_error(c, errno_status(rc), head, NULL);
    rc = serve_file(c, r, f, head);
    zh_file_unref(&c->srv->fcache, f);
    return rc;
}
