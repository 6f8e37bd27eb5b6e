/* SPDX-License-Identifier: MIT */
/* zokiod http: `autoindex on`: an HTML listing of a directory. */
#ifndef ZH_AUTOINDEX_H
#define ZH_AUTOINDEX_H

#include <stddef.h>

#include "http/server.h"

/* Lists the directory at `fs_path` under the site's root as HTML titled with `uri` (the decoded
 * request path, ending in '/'): directories first, then files, each group by name; names starting
 * with '.' are left out, as nginx does. Display names are HTML-escaped, links percent-escaped.
 * On success *out is a malloc'd page (the caller owns it) and its length is returned; else -errno.
 */
long zh_autoindex_build(const zh_site_t *site, const char *fs_path, size_t fs_len, const char *uri,
                        size_t uri_len, char **out);

#endif
