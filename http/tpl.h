/* SPDX-License-Identifier: MIT */
/* zokiod http: values with references to the request's regex captures (`root /srv/$sub;`,
 * `alias /data/$1;`), expanded per request. server/gen.c fills them from conf/'s parsed values
 * (http/ never parses config text); the variables engine can add kinds of parts. */
#ifndef ZH_TPL_H
#define ZH_TPL_H

#include <stdint.h>

#include "http/sink.h"

struct zh_req;

typedef enum {
    ZH_TPL_TEXT,    /* s, len: bytes as they are */
    ZH_TPL_CAPTURE, /* n: $1..$9, zh_capture() */
    ZH_TPL_NAMED,   /* s, len: the name of a group (?<name>...), zh_capture_named() */
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

/* Appends the value of t for request r to out: an undefined capture adds nothing, as nginx
 * substitutes an empty string. */
void zh_tpl_expand(const zh_tpl_t *t, const struct zh_req *r, zh_sink_t *out);

#endif
