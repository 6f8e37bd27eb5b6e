/* SPDX-License-Identifier: MIT */
/* zokiod http: `autoindex on`: a listing of a directory, in nginx's formats. */
#ifndef ZH_AUTOINDEX_H
#define ZH_AUTOINDEX_H

#include <stddef.h>

#include "http/server.h"

/* 1 when `cb` (the raw value of the "callback" argument, len bytes) may name a JSONP callback
 * (nginx: at most 128 bytes of letters, digits, '_' and '.'), else 0 (a 400). */
int zh_autoindex_callback_ok(const char *cb, size_t len);

/* Lists the directory at `fs_path` under the site's root, byte for byte as nginx 1.22's autoindex
 * (without a `charset`: names are cut by bytes) in the format of `opt` (ai_format, ai_exact_size,
 * ai_localtime): directories first, then the rest, each group in byte order of the names; names
 * starting with '.' left out. `uri` (the decoded request path, ending in '/') titles the HTML
 * page; `cb` (cblen bytes, checked by zh_autoindex_callback_ok; 0: none) wraps the JSONP one.
 * On success *out is a malloc'd page (the caller owns it), *ctype its media type, and its length
 * is returned; else -errno. */
long zh_autoindex_build(const zh_site_t *site, const char *fs_path, size_t fs_len, const char *uri,
                        size_t uri_len, const zh_paths_t *opt, const char *cb, size_t cblen,
                        char **out, const char **ctype);

#endif
