/* SPDX-License-Identifier: MIT */
/* zokiod http: which virtual host and which location answer a request (pure functions: they
 * allocate nothing; regexes run on the caller's match data). */
#ifndef ZH_ROUTE_H
#define ZH_ROUTE_H

#include <stddef.h>

#include "http/server.h"

/* Copies a host name as zh_vhost_pick() wants it, lower-cased, into out (at most cap - 1 bytes,
 * NUL-terminated); returns its length. */
size_t zh_host_lower(const char *host, size_t len, char *out, size_t cap);

/* The vhost for a request's host name (zh_req_t.host lower-cased: no port, no trailing dot;
 * NULL: the request has none), in nginx's
 * order: an exact name, else the longest matching "*.suffix", else the longest "prefix.*", else
 * the first `server_name ~RE` that matches, servers and names in file order (its groups go to
 * *caps), else `dflt`. NULL when a regex could not be run (a PCRE2 match limit: answer 500). */
const zh_vhost_t *zh_vhost_pick(const zh_vhost_t *const *vhosts, unsigned n, const zh_vhost_t *dflt,
                                const char *host, size_t len, pcre2_match_data *md,
                                zh_captures_t *caps);

/* The location for a decoded, normalized path, as nginx's ngx_http_core_find_location() chooses:
 * among the server's locations, an exact `location = /p` match ends the search; else the longest
 * matching prefix, whose nested locations are searched the same way; then, unless that longest
 * prefix is `^~`, the regex locations of the level in file order, the first match winning (and
 * its nested locations searched in turn); else the longest prefix found; else the server level.
 * Named locations never match. The groups of the regex that matched go to *caps. NULL when a
 * regex could not be run (answer 500). */
const zh_location_t *zh_location_match(const zh_vhost_t *vh, const char *path, size_t len,
                                       pcre2_match_data *md, zh_captures_t *caps);

/* The server-level `location @name` of vh, for an internal redirect (error_page, try_files):
 * `name` is written as in the config, with its '@' ("@fallback", len bytes). The first one in
 * file order; NULL when vh has none of that name. */
const zh_location_t *zh_location_named(const zh_vhost_t *vh, const char *name, size_t len);

#endif
