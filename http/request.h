/* SPDX-License-Identifier: MIT */
/* zokiod http: one request as llhttp delivers it. Only what a static server looks at is kept
 * (target and a handful of header values, copied into the connection's arena); every header is
 * still counted and checked against the limits. */
#ifndef ZH_REQUEST_H
#define ZH_REQUEST_H

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>

#include "http/regex.h"

typedef struct zh_str {
    const char *p;
    uint32_t len;
} zh_str_t;

enum {
    ZH_H_HOST,
    ZH_H_RANGE,
    ZH_H_IF_RANGE,
    ZH_H_IF_MATCH,
    ZH_H_IF_NONE_MATCH,
    ZH_H_IF_MODIFIED_SINCE,
    ZH_H_IF_UNMODIFIED_SINCE,
    ZH_H_EXPECT,
    ZH_H_TRANSFER_ENCODING,
    ZH_H_REFERER,
    ZH_H_USER_AGENT,
    ZH_H__COUNT
};

/* headers kept because the config reads them ($http_NAME, zh_limits_t.want_headers): after the
 * ZH_H_* ones in zh_req_t.h */
#define ZH_XH_MAX 8

typedef struct zh_req {
    zh_str_t target;
    zh_str_t path; /* the origin-form of the target: an absolute-form's "/path?query" part */
    zh_str_t host; /* the request's host name: an absolute-form target's, else Host's, without
                    * port and trailing dot ("[::1]" whole); p NULL without either. Routing
                    * (http/static.c) lower-cases it into the work block (zh_work_t.host). */
    zh_str_t h[ZH_H__COUNT + ZH_XH_MAX]; /* kept header values, without leading and trailing
                                          * blanks */
    uint32_t nheaders, header_bytes;
    uint32_t line_bytes; /* of the header line being read (large_client_header_buffers size) */
    int16_t cur;         /* header being collected (ZH_H_*), -1 when not kept */
    uint8_t host_count;
    uint8_t in_field;  /* collecting a field name */
    uint8_t field_len; /* bytes of the field name collected (capped) */
    char field[32];    /* the field name, lower-cased, when short enough to matter */
    uint16_t status;   /* an error status decided by a callback (414, 431, 413, 501, 505...) */
    uint8_t expect_continue; /* Expect: 100-continue with a body to come: say 100 first */
    uint8_t started;         /* a first byte of this request was seen */
    uint8_t in_body;         /* the head is complete and a body is being read */
    uint64_t content_length; /* its Content-Length (UINT64_MAX: none; chunked or no body) */
    uint64_t body_bytes;
    /* set while the request is routed (http/static.c), in the work block (zh_work_t): */
    zh_str_t uri;           /* the decoded, normalized path ($uri), NUL-terminated */
    zh_str_t args;          /* the query after '?' ($args); {NULL, 0}: none */
    uint16_t err_status;    /* answering through `error_page ... @name`: the status that answer
                             * gets (nginx's r->err_status); its own errors get no error_page */
    uint8_t uri_changes;    /* URI changes so far (index, try_files, rewrite last, error_page,
                             * named locations: http/static.c): past 10, a 500 */
    zh_captures_t srv_caps; /* of the `server_name ~RE` that chose the server (subject: host) */
    zh_captures_t loc_caps; /* of the regex location that matched (subject: uri); read both
                             * through zh_capture() / zh_capture_named() (http/regex.h) */
    struct zh_vars *vars;   /* `set` values and rewritten URIs while routed (http/vars.h) */
    uint8_t internal;       /* reached by an internal redirect (nginx's r->internal) */
} zh_req_t;

/* the arena a request's strings are copied into; it belongs to the connection */
typedef struct zh_arena {
    char *p;
    uint32_t used, cap;
} zh_arena_t;

/* The llhttp settings shared by every connection (strict: no lenient flags). The parser's
 * `data` must point at a zh_parse_ctx_t. */
typedef struct zh_parse_ctx {
    zh_req_t *req;
    zh_arena_t *arena;
    const struct zh_limits *lim;
    /* the head limits in force (large_client_header_buffers): lim's, the default server's, at
     * a request's start; its Host's server's from its Host line on (host_known), as nginx */
    uint32_t max_line, max_head;
    /* the server its Host named (set by host_known; NULL at a request's start): a head refused
     * after its Host line is answered by that server, as nginx does */
    const struct zh_vhost *host_vhost;
    /* called when a request's Host line is read (origin-form target: an absolute-form's host
     * is taken after the head, as nginx) with the host name (no port, as sent); may change
     * max_line and max_head. NULL: the limits stay. */
    void (*host_known)(struct zh_parse_ctx *c, const char *host, size_t len);
    const char *data;        /* start of the bytes given to the current llhttp_execute() */
    uint8_t blank_line_tail; /* the bytes before `data` end in LF + only SP/HT (obs-fold) */
    uint8_t last_cr;         /* the last byte given to llhttp was a CR */
} zh_parse_ctx_t;

extern const llhttp_settings_t zh_parser_settings;

/* Parses `len` bytes of one read with the parser `p` (its `data` a zh_parse_ctx_t), the way
 * llhttp_execute() does, except that in a request head a bare LF ends a line as CRLF would
 * (RFC 9112 section 2.2; nginx). Returns llhttp's code; `*stop` is where it stopped: all of
 * `len` for HPE_OK, the bytes used for HPE_PAUSED*, the error's place otherwise. Call it for
 * every read of the connection, in order (it remembers what the previous one ended with). */
llhttp_errno_t zh_parse_execute(llhttp_t *p, const char *data, size_t len, size_t *stop);

void zh_req_reset(zh_req_t *r);

/* The status to answer after llhttp_execute() returned `err` (not OK / PAUSED) on `data` with
 * the parser stopped at `pos`. */
int zh_req_error_status(const zh_req_t *r, llhttp_errno_t err, const char *data, size_t len,
                        const char *pos);

#endif
