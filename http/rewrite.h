/* SPDX-License-Identifier: MIT */
/* zokiod http: nginx's rewrite module (`set`, `rewrite`, `return`, run in file order in a server
 * or location) and `try_files`. server/gen.c fills these plain structs from conf/; http/static.c
 * runs them while routing a request (see docs/ARCHITECTURE.md, "The life of a request"). */
#ifndef ZH_REWRITE_H
#define ZH_REWRITE_H

#include <stdint.h>

#include "http/regex.h"
#include "http/tpl.h"

struct zh_req;

#define ZH_SET_ARGS 255

enum { ZH_RW_SET = 1, ZH_RW_REWRITE, ZH_RW_RETURN, ZH_RW_STOP /* `break;` */ };

/* rewrite flags */
enum { ZH_RW_NONE, ZH_RW_LAST, ZH_RW_BREAK, ZH_RW_REDIRECT, ZH_RW_PERMANENT };

/* One directive of the rewrite module. Everything is owned by the configuration generation. */
typedef struct zh_rw {
    uint8_t op;       /* ZH_RW_SET, ZH_RW_REWRITE, ZH_RW_RETURN, ZH_RW_STOP */
    uint8_t flag;     /* REWRITE: ZH_RW_* flag */
    uint8_t absolute; /* REWRITE: the replacement starts with http://, https:// or $scheme */
    uint8_t no_args;  /* REWRITE: it ended with '?' (taken off): the request's args are dropped */
    uint8_t has_text; /* RETURN: a text or URL was given */
    uint8_t var;      /* SET: the index of the variable, ZH_SET_ARGS for $args */
    int code;         /* RETURN: the status */
    const pcre2_code *re; /* REWRITE */
    zh_tpl_t val;         /* SET: the value; REWRITE: the replacement; RETURN: the text */
} zh_rw_t;

/* `try_files FILE ... URI | =CODE | @NAME` */
typedef struct zh_try {
    const zh_tpl_t *files; /* each tried under the location's root (alias) */
    const uint8_t *dir;    /* per file: written with a trailing '/' (a directory is wanted; the
                            * '/' is not part of files[i]) */
    uint32_t nfiles;
    int code;     /* `=CODE`; 0 when the fallback is a URI or a named location */
    zh_tpl_t uri; /* the fallback URI ("/index.html?x=$uri") or "@name" */
} zh_try_t;

/* What running a block's rewrite directives decided. */
typedef enum {
    ZH_RW_GO_ON,       /* nothing more to do: go on with this location */
    ZH_RW_RESEARCH,    /* the URI changed (no flag or `last`): search the locations again */
    ZH_RW_STAY,        /* `break` changed the URI: answer it in this location */
    ZH_RW_DO_RETURN,   /* `return`: *ret is the directive, *text its expanded text */
    ZH_RW_DO_REDIRECT, /* a redirecting rewrite: *code, *text the Location */
    ZH_RW_FAIL,        /* a regex could not be run, or the values did not fit: 500 */
} zh_rw_result_t;

typedef struct zh_rw_out {
    const zh_rw_t *ret; /* DO_RETURN */
    int code;           /* DO_REDIRECT: 301 or 302 */
    const char *text;   /* DO_RETURN, DO_REDIRECT: expanded (in r->vars); NULL: none */
    size_t len;
} zh_rw_out_t;

/* Runs rw[0..n) for r, in order: `set` stores its value, `rewrite` matches r->uri and on a match
 * changes r->uri and r->args (into r->vars->buf) or redirects, `return` stops. The rewrite
 * regex's groups become the request's captures. `server_level`: a `last` only stops this
 * block (nginx's server rewrite phase). r->vars must be set. */
zh_rw_result_t zh_rewrite_run(struct zh_req *r, const zh_rw_t *rw, uint32_t n, pcre2_match_data *md,
                              int server_level, zh_rw_out_t *out);

/* Expands t into r->vars->buf: its text in *p (NUL-terminated), its length the return value, or
 * -1 when it does not fit. */
long zh_rewrite_expand(struct zh_req *r, const zh_tpl_t *t, const char **p);

/* Splits "uri?args": r->uri becomes the part before '?', r->args the part after it when there
 * is one (else r->args stays: callers clear it first for nginx's ngx_http_split_args()). */
void zh_rewrite_set_uri(struct zh_req *r, const char *s, size_t len);

#endif
