/* SPDX-License-Identifier: MIT */
/* Helpers of the http unit tests that work on real files: a temporary directory per test child,
 * and a site rooted in one with a file cache. */
#ifndef TDIR_H
#define TDIR_H

#include <stddef.h>
#include <stdint.h>

#include "http/filecache.h"

/* Creates $TMPDIR/zokiod-NAME.XXXXXX (/tmp without TMPDIR) into dir[len]: 0 or -errno. */
int td_make(char *dir, size_t len, const char *name);

/* Removes the tree at dir (links not followed); nothing when dir is empty. */
void td_remove(const char *dir);

/* A site rooted in a new temporary directory NAME (into dir[len]; the site and the root's fd are
 * removed and closed at exit), with zokiod's open_file_cache policy, and the cache: 0 or -errno. */
int td_site(zh_site_t *site, zh_fcache_t *fc, char *dir, size_t len, const char *name,
            uint32_t max_file, uint64_t max_bytes);

/* Writes `size` bytes of `c` to dir/name: 0 or -errno. */
int td_put(const char *dir, const char *name, size_t size, char c);

#endif
