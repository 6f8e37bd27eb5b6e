/* SPDX-License-Identifier: MIT */
/* zokiod http: which virtual host and which location answer a request (pure functions). */
#ifndef ZH_ROUTE_H
#define ZH_ROUTE_H

#include <stddef.h>

#include "http/server.h"

/* The vhost for a request's host name (zh_req_t.host: no port, no trailing dot; may be NULL;
 * matched case-insensitively):
 * an exact name first, then the longest matching "*.suffix", then the longest "prefix.*", else
 * `dflt` (nginx's order, without regexes). */
const zh_vhost_t *zh_vhost_pick(const zh_vhost_t *const *vhosts, unsigned n, const zh_vhost_t *dflt,
                                const char *host, size_t len);

/* The location for a decoded, normalized path: an exact `location = /p` match, else the longest
 * matching prefix, else the vhost's base. */
const zh_location_t *zh_location_match(const zh_vhost_t *vh, const char *path, size_t len);

#endif
