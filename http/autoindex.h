/* SPDX-License-Identifier: MIT */
/* zokiod http: `autoindex on`: a listing of a directory, in nginx's formats. */
#ifndef ZH_AUTOINDEX_H
#define ZH_AUTOINDEX_H

#include <stddef.h>

#include "http/server.h"

/* 1 when `cb` (the raw value of the "callback" argument, len bytes) may name a JSONP callback
 * (nginx: at most 128 bytes of letters, digits, '_' and '.'), else 0 (a 400). */
int zh_autoindex_callback_ok(const char *cb, size_t len);

/* What a listing depends on besides the directory. */
typedef struct zh_listing {
    const zh_paths_t *paths; /* ai_format, ai_exact_size, ai_localtime */
    const char *cb;          /* the JSONP callback (checked by zh_autoindex_callback_ok) */
    size_t cblen;            /* 0: none */
    int utf8;                /* the page goes out with `charset utf-8`: HTML names are measured
                              * and cut in UTF-8 characters (nginx's rule), else in bytes */
} zh_listing_t;

/* Lists the directory at `fs_path` under the site's root, byte for byte as nginx 1.22's autoindex,
 * in the format of opt->paths: directories first, then the rest, each group in byte order of the
 * names; names starting with '.' left out. `uri` (the decoded request path, ending in '/') titles
 * the HTML page; opt->cb wraps the JSONP one. On success *out is a malloc'd page (the caller owns
 * it), *ctype its media type, and its length is returned; else -errno. */
long zh_autoindex_build(const zh_site_t *site, const char *fs_path, size_t fs_len, const char *uri,
                        size_t uri_len, const zh_listing_t *opt, char **out, const char **ctype);

#endif
