/* SPDX-License-Identifier: MIT */
/* zokiod http: opening a path beneath a site's root with its symlink policy (nginx's
 * disable_symlinks). Whatever the policy, nothing outside the root is ever opened: openat2's
 * RESOLVE_BENEATH refuses ".." and symlinks that lead out (-EXDEV), a link swapped while the
 * path is walked included. http-private. */
#ifndef ZH_BENEATH_H
#define ZH_BENEATH_H

#include <stddef.h>

#include "http/server.h"

/* Opens `path` (starting with '/', normalized) under site->root_fd with open(2) `flags` (O_CLOEXEC
 * and O_NOCTTY added): an fd, or -errno. The site's policy: ZH_SYMLINKS_OFF follows links that
 * stay beneath the root; ZH_SYMLINKS_ON refuses any link below the root, or below the directory
 * of from= when it is inside the root (-ELOOP, 403); ZH_SYMLINKS_IF_NOT_OWNER refuses a link
 * whose owner is not the owner of what it points to (-ELOOP), checked part by part as nginx does
 * (racy as nginx's is, never out of the root); with either, a root whose own path already breaks
 * the policy (site->root_refused, found at load) refuses everything. */
int zh_open_beneath(const zh_site_t *site, const char *path, size_t len, int flags);

#endif
