/* SPDX-License-Identifier: MIT */
/* zokiod: a location's zc_paths_t (conf/paths.c) made into http/'s settings: redirects,
 * merge_slashes, autoindex options and the symlink policy of its document root. */
#ifndef ZS_PATHS_H
#define ZS_PATHS_H

#include "conf/config.h"
#include "http/server.h"

/* Fills l->paths and l->site's symlink policy from p, once l->site.root_path is set. The root's
 * own path is checked now (nginx checks it at each request): a link in it that the policy
 * refuses makes the site refuse every file. Strings are borrowed from the config. */
void zs_paths_fill(zh_location_t *l, const zc_paths_t *p);

#endif
