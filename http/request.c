/* SPDX-License-Identifier: MIT */
/* zokiod http: llhttp callbacks that collect one request and enforce the request limits. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http/request.h"
#include "http/server.h"
#include "http/status.h"

static zh_parse_ctx_t *ctx(llhttp_t *p) { return p->data; }

static const struct {
    const char *name;
    int id;
} kept[] = {
    {"host", ZH_H_HOST},
    {"range", ZH_H_RANGE},
    {"if-range", ZH_H_IF_RANGE},
    {"if-match", ZH_H_IF_MATCH},
    {"if-none-match", ZH_H_IF_NONE_MATCH},
    {"if-modified-since", ZH_H_IF_MODIFIED_SINCE},
    {"if-unmodified-since", ZH_H_IF_UNMODIFIED_SINCE},
    {"expect", ZH_H_EXPECT},
    {"transfer-encoding", ZH_H_TRANSFER_ENCODING},
    {"referer", ZH_H_REFERER},
    {"user-agent", ZH_H_USER_AGENT},
};

void zh_req_reset(zh_req_t *r)
{
    memset(r, 0, sizeof *r);
    r->cur = -1;
}

/* stops the parser with an HTTP status of our own */
static int fail(llhttp_t *p, int status)
{
    zh_req_t *r = ctx(p)->req;
    if (!r->status) r->status = (uint16_t)status;
    return HPE_USER;
}

/* appends a fragment to the arena; fragments of one value arrive contiguously */
static int append(zh_parse_ctx_t *c, zh_str_t *s, const char *at, size_t len)
{
    zh_arena_t *a = c->arena;
    if (!s->p) s->p = a->p + a->used;
    if (len > a->cap - a->used) return -1;
    memcpy(a->p + a->used, at, len);
    a->used += (uint32_t)len;
    s->len += (uint32_t)len;
    return 0;
}

static int on_message_begin(llhttp_t *p)
{
    zh_req_t *r = ctx(p)->req;
    zh_req_reset(r);
    r->started = 1;
    ctx(p)->arena->used = 0;
    ctx(p)->max_line = ctx(p)->lim->max_line;
    ctx(p)->max_head = ctx(p)->lim->max_header_bytes;
    ctx(p)->host_vhost = NULL;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    zh_parse_ctx_t *c = ctx(p);
    if (memchr(at, '#', len)) return fail(p, 400); /* no fragment in a request-target */
    if (c->req->target.len + len > c->lim->max_target) return fail(p, 414);
    c->req->header_bytes += (uint32_t)len; /* the request line counts in the whole head */
    if (c->req->header_bytes > c->max_head) return fail(p, ZH_STATUS_HEAD_TOO_LARGE);
    if (append(c, &c->req->target, at, len) < 0) return fail(p, 414);
    return 0;
}

static int count_bytes(llhttp_t *p, size_t len)
{
    zh_parse_ctx_t *c = ctx(p);
    c->req->header_bytes += (uint32_t)len;
    c->req->line_bytes += (uint32_t)len;
    if (c->req->header_bytes > c->max_head) return fail(p, ZH_STATUS_HEAD_TOO_LARGE);
    if (c->max_line && c->req->line_bytes > c->max_line) return fail(p, ZH_STATUS_HEAD_TOO_LARGE);
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    zh_req_t *r = ctx(p)->req;
    if (!r->in_field) {
        r->in_field = 1;
        r->field_len = 0;
        r->line_bytes = 0;
        if (++r->nheaders > ctx(p)->lim->max_headers) return fail(p, 431);
    }
    for (size_t i = 0; i < len && r->field_len < sizeof r->field; i++)
        r->field[r->field_len++] = (char)tolower((unsigned char)at[i]);
    return count_bytes(p, len + 4); /* ": " and CRLF */
}

static int on_header_field_complete(llhttp_t *p)
{
    zh_req_t *r = ctx(p)->req;
    /* ": value": a field name has one byte at least (llhttp hands over an empty one) */
    if (!r->in_field || !r->field_len) return fail(p, 400);
    r->in_field = 0;
    r->cur = -1;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (strlen(kept[i].name) == r->field_len && !memcmp(kept[i].name, r->field, r->field_len)) {
            r->cur = (int16_t)kept[i].id;
            break;
        }
    const zh_limits_t *lim = ctx(p)->lim;
    for (uint32_t i = 0; r->cur < 0 && i < lim->nwant_headers; i++) /* $http_NAME */
        if (strlen(lim->want_headers[i]) == r->field_len &&
            !memcmp(lim->want_headers[i], r->field, r->field_len))
            r->cur = (int16_t)(ZH_H__COUNT + i);
    if (r->cur == ZH_H_HOST && ++r->host_count > 1) return fail(p, 400);
    if (r->cur >= 0 && r->h[r->cur].p) {
        /* a repeated list header (e.g. two If-None-Match lines): keep the first only, except
         * Transfer-Encoding which must be seen whole */
        if (r->cur != ZH_H_TRANSFER_ENCODING)
            r->cur = -1;
        else
            return fail(p, 400); /* chunked twice */
    }
    return 0;
}

static int blank(char ch) { return ch == ' ' || ch == '\t'; }

/* remembers whether the bytes llhttp just used end in a line break followed by blanks only, so
 * that an obs-fold whose first byte arrives in the next read is still recognised */
static void note_tail(zh_parse_ctx_t *c, const char *data, size_t len)
{
    const char *q = data + len;
    while (q > data && blank(q[-1]))
        q--;
    if (q > data) c->blank_line_tail = q[-1] == '\n'; /* all blanks: the state carries on */
}

/* a piece of a value with only blanks between it and a line break */
static int folded(const zh_parse_ctx_t *c, const char *at)
{
    const char *q = at;
    while (q > c->data && blank(q[-1]))
        q--;
    return q > c->data ? q[-1] == '\n' : c->blank_line_tail;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    zh_parse_ctx_t *c = ctx(p);
    zh_req_t *r = c->req;
    int rc = count_bytes(p, len);
    if (rc) return rc;
    /* An obs-fold (a line break, then SP/HT, inside a field value) is refused with 400 (RFC 9112
     * section 5.2, and nginx). llhttp folds silently and, when the first line is empty, skips
     * the blanks: "Transfer-Encoding:\r\n chunked" reaches us as the value "chunked" -- and
     * llhttp obeys it. So look at what precedes the value: blanks back to a line break. */
    if (len && folded(c, at)) return fail(p, 400);
    if (r->cur >= 0 && append(c, &r->h[r->cur], at, len) < 0)
        return fail(p, ZH_STATUS_HEAD_TOO_LARGE);
    return 0;
}

static int parse_host(zh_str_t h, zh_str_t *name);

static int on_header_value_complete(llhttp_t *p)
{
    zh_parse_ctx_t *c = ctx(p);
    zh_req_t *r = c->req;
    if (r->cur >= 0) {
        zh_str_t *v = &r->h[r->cur];
        if (!v->p) v->p = "";                     /* present but empty */
        while (v->len && blank(v->p[v->len - 1])) /* llhttp keeps trailing OWS (RFC 9112 5) */
            v->len--;
        zh_str_t name;
        /* nginx's server for the rest of the head (an invalid Host gets its 400 later) */
        if (r->cur == ZH_H_HOST && c->host_known && r->target.len && r->target.p[0] == '/' &&
            parse_host(*v, &name) == 0)
            c->host_known(c, name.p, name.len);
    }
    r->cur = -1;
    return 0;
}

/* 1 when every coding of a Transfer-Encoding list is "chunked" */
static int te_only_chunked(zh_str_t te)
{
    const char *s = te.p, *e = te.p + te.len;
    while (s < e) {
        while (s < e && (*s == ' ' || *s == '\t' || *s == ','))
            s++;
        const char *t = s;
        while (s < e && *s != ',' && *s != ' ' && *s != '\t' && *s != ';')
            s++;
        if (s > t && !(s - t == 7 && !strncasecmp(t, "chunked", 7))) return 0;
        while (s < e && *s != ',')
            s++;
    }
    return 1;
}

/* RFC 9112 section 3.2: uri-host [ ":" port ], where uri-host is an IP-literal in brackets or
 * a reg-name (unreserved, pct-encoded, sub-delims); anything else (a space, userinfo, a slash)
 * MUST get 400. Like nginx, refuses ".." (a host name never has an empty label) and a name
 * that is empty once the port and one trailing dot are gone. `*name` is that name ("[::1]" for
 * "[::1]:80", "a.example" for "a.example.:80"). Returns 0, or -1 for a 400. */
static int parse_host(zh_str_t h, zh_str_t *name)
{
    size_t i = 0, end;
    if (h.len && h.p[0] == '[') {
        for (i = 1; i < h.len && h.p[i] != ']'; i++)
            if (!isxdigit((unsigned char)h.p[i]) && h.p[i] != ':' && h.p[i] != '.') return -1;
        if (i == h.len || i == 1) return -1; /* "[::1" or "[]" */
        end = ++i;
    } else {
        for (; i < h.len && h.p[i] != ':'; i++) {
            unsigned char ch = (unsigned char)h.p[i];
            if (!isalnum(ch) && !(ch && strchr("-._~!$&'()*+,;=%", ch))) return -1;
            if (ch == '.' && i + 1 < h.len && h.p[i + 1] == '.') return -1;
        }
        end = i && h.p[i - 1] == '.' ? i - 1 : i;
    }
    if (i < h.len && h.p[i++] != ':') return -1;
    for (; i < h.len; i++)
        if (!isdigit((unsigned char)h.p[i])) return -1;
    if (!end) return -1;
    *name = (zh_str_t){h.p, (uint32_t)end};
    return 0;
}

/* the length of an absolute-form's "scheme://" (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" /
 * "." )), any scheme as nginx; 0 when `t` does not start with one */
static size_t scheme_len(zh_str_t t)
{
    size_t i = 0;
    if (!t.len || !isalpha((unsigned char)t.p[0])) return 0;
    while (i < t.len &&
           (isalnum((unsigned char)t.p[i]) || t.p[i] == '+' || t.p[i] == '-' || t.p[i] == '.'))
        i++;
    return t.len - i >= 3 && !memcmp(t.p + i, "://", 3) ? i + 3 : 0;
}

/* Sets r->path and r->host from the target (RFC 9112 3.2): the origin-form "/path?query" is
 * its own path; an absolute-form "scheme://authority[/path][?query]" gives its authority as
 * the host (it wins over Host: 3.2.2) and its path ("/" when empty). Anything else is a 400
 * (the asterisk-form is for OPTIONS and the authority-form for CONNECT, neither of which a
 * static server does; nginx refuses both). A Host header must be valid in any case. */
static int split_target(zh_parse_ctx_t *c, zh_req_t *r)
{
    zh_str_t t = r->target;
    if (r->h[ZH_H_HOST].p && parse_host(r->h[ZH_H_HOST], &r->host) < 0) return 400;
    if (t.len && t.p[0] == '/') {
        r->path = t;
        return 0;
    }
    size_t n = scheme_len(t);
    if (!n) return 400;
    const char *a = t.p + n, *end = t.p + t.len, *e = a;
    while (e < end && *e != '/' && *e != '?')
        e++;
    if (parse_host((zh_str_t){a, (uint32_t)(e - a)}, &r->host) < 0) return 400;
    if (e < end && *e == '/') {
        r->path = (zh_str_t){e, (uint32_t)(end - e)};
        return 0;
    }
    r->path = (zh_str_t){NULL, 0}; /* "http://host" or "http://host?query": "/" before it */
    if (append(c, &r->path, "/", 1) < 0 || append(c, &r->path, e, (size_t)(end - e)) < 0)
        return 414;
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    zh_parse_ctx_t *c = ctx(p);
    zh_req_t *r = c->req;
    /* HTTP/1.2 .. 1.9 are read as 1.1 (RFC 9110 section 6.2); 0.9 (also a request line without
     * a version) is not spoken; 2 and up are another protocol */
    if (p->http_major >= 2) return fail(p, 505);
    if (p->http_major == 0) return fail(p, 400);
    if (p->http_major == 1 && p->http_minor >= 1 && !r->host_count) return fail(p, 400);
    int st = split_target(c, r);
    if (st) return fail(p, st);
    if (r->h[ZH_H_TRANSFER_ENCODING].p && !te_only_chunked(r->h[ZH_H_TRANSFER_ENCODING]))
        return fail(p, 501);
    /* RFC 9112 section 6.1: Transfer-Encoding in an HTTP/1.0 message is a sign of smuggling
     * (the 1.0 framing may differ from ours); nginx answers 400 and closes, so do we */
    if (r->h[ZH_H_TRANSFER_ENCODING].p && p->http_major == 1 && p->http_minor == 0)
        return fail(p, 400);
    int chunked = (p->flags & F_CHUNKED) != 0;
    int has_body = chunked || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->lim->max_body) return fail(p, 413);
    r->in_body = (uint8_t)has_body;
    r->content_length = (p->flags & F_CONTENT_LENGTH) ? p->content_length : UINT64_MAX;
    zh_str_t ex = r->h[ZH_H_EXPECT];
    if (ex.p) {
        if (ex.len != 12 || strncasecmp(ex.p, "100-continue", 12)) return fail(p, 417);
        if (has_body && p->http_minor >= 1) r->expect_continue = 1;
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    (void)at; /* a static server has no use for a body: framed and dropped */
    zh_req_t *r = ctx(p)->req;
    r->body_bytes += len;
    if (r->body_bytes > ctx(p)->lim->max_body) return fail(p, 413);
    return 0;
}

/* a chunk announces its size first: refuse an oversized body before reading it (nginx too) */
static int on_chunk_header(llhttp_t *p)
{
    zh_req_t *r = ctx(p)->req;
    if (r->body_bytes + p->content_length > ctx(p)->lim->max_body) return fail(p, 413);
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    ctx(p)->req->in_body = 0; /* what follows is a head again (zh_parse_execute()) */
    return HPE_PAUSED;        /* one request at a time: the connection answers it, then resumes */
}

const llhttp_settings_t zh_parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_chunk_header = on_chunk_header,
    .on_message_complete = on_message_complete,
};

static int is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

int zh_req_error_status(const zh_req_t *r, llhttp_errno_t err, const char *data, size_t len,
                        const char *pos)
{
    if (r->status) return r->status;
    const char *end = data + len;
    if (!pos || pos < data || pos > end) pos = end;
    switch (err) {
    case HPE_INVALID_METHOD: {
        /* "TOKEN SP target": a method we do not know (501); anything else is garbage (400) */
        const char *s = pos;
        while (s < end && is_tchar((unsigned char)*s))
            s++;
        return s < end && *s == ' ' && s + 1 < end && s[1] != ' ' ? 501 : 400;
    }
    case HPE_INVALID_VERSION: {
        /* "HTTP/3.0" and friends: a version we do not speak */
        for (const char *s = pos; s >= data && s + 6 < end && pos - s < 8; s--)
            if (!memcmp(s, "HTTP/", 5) && s[5] >= '2' && s[5] <= '9') return 505;
        return 400;
    }
    case HPE_PAUSED_H2_UPGRADE: return 505;
    case HPE_INVALID_TRANSFER_ENCODING:
        if (r->h[ZH_H_TRANSFER_ENCODING].p && !te_only_chunked(r->h[ZH_H_TRANSFER_ENCODING]))
            return 501;
        return 400;
    default: return 400;
    }
}

/* Bare LF line ends. llhttp 8.1 in strict mode wants CRLF after a field line, and has no
 * lenient flag for a lone LF; its non-strict build would take one, but it also loosens what
 * must stay strict here (any two bytes after chunk data, a lone CR after a chunk size, spaces
 * in field names...). So llhttp stays strict and sees a CRLF where the head has a bare LF: the
 * read is handed over in pieces, split at each bare LF of the head, and a two-byte "\r\n" of
 * our own goes in place of the LF. Nothing is copied or moved; a head with CRLFs only is one
 * piece, as before. Only the head is rewritten -- a request line, its fields and the empty
 * lines before it: from the end of a message until llhttp calls on_headers_complete()
 * (`in_body` 0). A body's bytes are never touched, nor the chunk lines and trailer fields of a
 * chunked one (RFC 9112 7.1 wants CRLF there; llhttp refuses a bare LF after a chunk size or
 * in a trailer, nginx does not), so the body's framing is llhttp's alone. A CR before the LF,
 * also as the last byte of the previous read, makes it a CRLF already; a bare CR is still
 * llhttp's error. */

/* one piece: llhttp_execute(), then what the next piece needs to know about this one */
static llhttp_errno_t feed(llhttp_t *p, const char *data, size_t len, size_t *used)
{
    zh_parse_ctx_t *c = ctx(p);
    c->data = data;
    llhttp_errno_t err = llhttp_execute(p, data, len);
    size_t n = len;
    if (err != HPE_OK) {
        const char *pos = llhttp_get_error_pos(p);
        n = pos && pos >= data && pos <= data + len ? (size_t)(pos - data) : len;
    }
    note_tail(c, data, n);
    if (n) c->last_cr = data[n - 1] == '\r';
    *used = n;
    return err;
}

/* the first LF in [s, end) without a CR before it, or NULL */
static const char *bare_lf(const zh_parse_ctx_t *c, const char *s, const char *end)
{
    for (const char *q = s; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        if (q > s ? q[-1] != '\r' : !c->last_cr) return q;
    return NULL;
}

llhttp_errno_t zh_parse_execute(llhttp_t *p, const char *data, size_t len, size_t *stop)
{
    static const char crlf[2] = {'\r', '\n'};
    zh_parse_ctx_t *c = ctx(p);
    size_t off = 0, used;
    llhttp_errno_t err = HPE_OK;
    while (off < len && err == HPE_OK) {
        const char *s = data + off;
        const char *lf = c->req->in_body ? NULL : bare_lf(c, s, data + len);
        size_t n = lf ? (size_t)(lf - s) : len - off;
        if (n) {
            err = feed(p, s, n, &used);
            off += used;
        }
        /* the head may have ended before the LF: then it is a body byte, for the next turn */
        if (err != HPE_OK || !lf || c->req->in_body) continue;
        err = feed(p, crlf, 2, &used);
        off += used == 2; /* the LF was used; an error at our CR or LF is at the LF */
    }
    *stop = err == HPE_OK ? len : off;
    return err;
}
