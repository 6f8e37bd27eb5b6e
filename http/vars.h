/* SPDX-License-Identifier: MIT */
/* zokiod http: nginx's variables, as values of one request ($uri, $args, $arg_NAME, $host,
 * $http_NAME, `set $x ...` user variables, ...). server/gen.c turns conf/'s parsed references
 * into zh_tpl_t parts (http/tpl.h); zh_tpl_expand() calls zh_var_put() for each. A request being
 * routed points at its zh_vars_t (r->vars): the values of its `set` variables and the room its
 * rewritten URIs are written into, on the stack of zh_static_handle() while it answers. */
#ifndef ZH_VARS_H
#define ZH_VARS_H

#include <stddef.h>
#include <stdint.h>

#include "http/request.h"
#include "http/sink.h"

/* The variables with a fixed name (conf/vars.c lists the same names in the same order). */
typedef enum {
    ZH_VAR_URI = 1,             /* the current URI, decoded and normalized (changed by rewrite) */
    ZH_VAR_ARGS,                /* the query, raw (changed by rewrite) */
    ZH_VAR_QUERY_STRING,        /* the same */
    ZH_VAR_IS_ARGS,             /* "?" when there are args, else "" */
    ZH_VAR_HOST,                /* Host without port, lower-cased; else the first server_name */
    ZH_VAR_REMOTE_ADDR,         /* the client's address */
    ZH_VAR_REQUEST_URI,         /* the request-target as sent (raw, never changed) */
    ZH_VAR_SCHEME,              /* "http" */
    ZH_VAR_SERVER_NAME,         /* the server's first server_name */
    ZH_VAR_DOCUMENT_ROOT,       /* the location's root (or alias), captures expanded */
    ZH_VAR_REQUEST_METHOD,      /* "GET", "HEAD", ... */
    ZH_VAR_CONNECTION_REQUESTS, /* requests on this connection so far, this one included */
    ZH_VAR__COUNT
} zh_var_id_t;

/* `set` variables of one configuration: at most this many distinct names. */
#define ZH_USER_VARS_MAX 64
/* bytes for `set` values and rewritten URIs of one request; more: the request is a 500 */
#define ZH_VARS_BUF 8192

typedef struct zh_vars {
    struct zh_conn *conn;    /* $remote_addr is asked of it (once per connection) when used */
    const char *remote_addr; /* NULL: ask conn; else the address (NUL-terminated) */
    const char *method;      /* NUL-terminated */
    uint32_t conn_requests;
    const char *server_name;         /* NUL-terminated */
    const void *loc;                 /* the zh_location_t being answered ($document_root) */
    uint64_t user_set;               /* bit i: user[i] was set by this request */
    zh_str_t user[ZH_USER_VARS_MAX]; /* `set` values (unset: empty) */
    uint32_t used;
    char buf[ZH_VARS_BUF];
} zh_vars_t;

/* Room for n bytes (and a NUL) in v->buf for the rest of the request; NULL when full. */
char *zh_vars_alloc(zh_vars_t *v, size_t n);

/* Appends the value of variable `id` (a zh_var_id_t) of request r to out. */
void zh_var_put(const zh_req_t *r, unsigned id, zh_sink_t *out);

/* The value of argument `name` (nlen bytes, compared case-insensitively as nginx's $arg_NAME)
 * in the query args: 1 with *p / *len set (raw, not decoded), 0 when absent. */
int zh_arg_find(const char *args, size_t alen, const char *name, size_t nlen, const char **p,
                size_t *len);

struct zh_header;
struct zh_conn;

/* The Location line of a redirect on connection c: a local URI ("/x") made absolute as nginx's
 * absolute_redirect does, per the paths settings of c->loc ("http://HOST[:PORT]/x": the server's
 * first name with server_name_in_redirect, else the request's host, else the local address; the
 * local port unless 80 / 443 or port_in_redirect off; left as it is with absolute_redirect off);
 * a CR or LF in it written as %0D / %0A. */
void zh_location_field(zh_sink_t *b, struct zh_conn *c, const char *v, size_t n);

/* Appends the `add_header` line hd for request r (NULL: no request, its variables are empty):
 * nothing when its value is empty (as nginx); a CR or LF a variable brought is written as %0D or
 * %0A. */
void zh_header_put(zh_sink_t *b, const struct zh_header *hd, const zh_req_t *r);

#endif
