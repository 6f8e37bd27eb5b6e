/* SPDX-License-Identifier: MIT */
/* zokiod http: values with references to the request's regex captures and variables
 * (`root /srv/$sub;`, `add_header X-Uri $uri;`), expanded per request. server/gen.c fills them
 * from conf/'s parsed values (http/ never parses config text). */
#ifndef ZH_TPL_H
#define ZH_TPL_H

#include <stdint.h>

#include "http/sink.h"

struct zh_req;

typedef enum {
    ZH_TPL_TEXT,    /* s, len: bytes as they are */
    ZH_TPL_CAPTURE, /* n: $1..$9, zh_capture() */
    ZH_TPL_NAMED,   /* s, len: the name of a group (?<name>...), zh_capture_named() */
    ZH_TPL_VAR,     /* n: a variable with a fixed name, zh_var_id_t (http/vars.h) */
    ZH_TPL_HTTP,    /* n: a request header: ZH_H_*, or ZH_H__COUNT + i for the config's
                     * zh_limits_t.want_headers[i] ($http_NAME) */
    ZH_TPL_ARG,     /* s, len: the name of a query argument ($arg_NAME) */
    ZH_TPL_USER,    /* n: the index of a `set` variable (r->vars->user[n]) */
} zh_tpl_kind_t;

typedef struct zh_tpl_part {
    uint8_t kind; /* zh_tpl_kind_t */
    uint8_t n;
    uint32_t len;
    const char *s;
} zh_tpl_part_t;

typedef struct zh_tpl {
    const zh_tpl_part_t *parts; /* owned by the caller (the configuration generation) */
    uint32_t nparts;
} zh_tpl_t;

/* Appends the value of t for request r to out: an undefined capture or variable adds nothing, as
 * nginx substitutes an empty string. */
void zh_tpl_expand(const zh_tpl_t *t, const struct zh_req *r, zh_sink_t *out);

/* zh_tpl_expand() with the values of captures escaped as nginx's rewrite does when the request's
 * path had escapes or '+': ZH_ESC_PATH those before the first '?' of the text (a redirect's
 * path), ZH_ESC_ARGS those after it (the query); see tpl.c for the bytes. */
enum { ZH_ESC_PATH = 1, ZH_ESC_ARGS = 2 };
void zh_tpl_expand_esc(const zh_tpl_t *t, const struct zh_req *r, zh_sink_t *out, int esc);

#endif
