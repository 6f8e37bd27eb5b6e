/* SPDX-License-Identifier: MIT */
/* zokiod: a location's path settings for http/ (see paths.h). */
#include "server/paths.h"

#include <string.h>
#include <sys/stat.h>

/* 1 when `path` has a link from byte `from` on that the policy refuses (nginx's walk: `on` any
 * link, `if_not_owner` one whose owner is not its target's) */
static int root_refused(const char *path, size_t from, int mode)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf) return 0;
    memcpy(buf, path, n + 1);
    for (size_t i = from + 1; i <= n; i++) {
        if (i < n && buf[i] != '/') continue;
        struct stat ls, ts;
        buf[i] = 0;
        int bad = lstat(buf, &ls) == 0 && S_ISLNK(ls.st_mode) &&
                  (mode == ZC_SYMLINKS_ON || stat(buf, &ts) < 0 || ts.st_uid != ls.st_uid);
        buf[i] = i < n ? '/' : 0;
        if (bad) return 1;
    }
    return 0;
}

/* length of `a` without its trailing '/'s ("/" stays 1) */
static size_t trimmed(const char *a)
{
    size_t n = strlen(a);
    while (n > 1 && a[n - 1] == '/')
        n--;
    return n;
}

/* 1 when `pre` (pl bytes) is `s` or a parent directory of it */
static int under(const char *s, const char *pre, size_t pl)
{
    return strncmp(s, pre, pl) == 0 && (s[pl] == 0 || s[pl] == '/' || pre[pl - 1] == '/');
}

static void symlink_policy(zh_site_t *site, const zc_paths_t *p)
{
    const char *root = site->root_path, *from = p->symlinks_from;
    site->symlinks = (uint8_t)(p->symlinks == ZC_SYMLINKS_ON             ? ZH_SYMLINKS_ON
                               : p->symlinks == ZC_SYMLINKS_IF_NOT_OWNER ? ZH_SYMLINKS_IF_NOT_OWNER
                                                                         : ZH_SYMLINKS_OFF);
    if (site->symlinks == ZH_SYMLINKS_OFF || !root || (from && !*from)) return; /* $document_root */
    size_t rl = trimmed(root), fl = from ? trimmed(from) : 0;
    if (from && fl <= rl && under(root, from, fl)) { /* from= the root or above it */
        site->root_refused = (uint8_t)root_refused(root, fl == 1 ? 0 : fl, p->symlinks);
        return;
    }
    /* from= inside the root: its directory keeps its links (files elsewhere: every part checked,
     * the root's too) */
    if (from && under(from, root, rl) && from[rl == 1 ? 0 : rl] == '/')
        site->symlinks_skip = from + (rl == 1 ? 1 : rl + 1);
    site->root_refused = (uint8_t)root_refused(root, 0, p->symlinks);
}

void zs_paths_fill(zh_location_t *l, const zc_paths_t *p)
{
    l->paths = (zh_paths_t){.absolute_redirect = (uint8_t)p->absolute_redirect,
                            .port_in_redirect = (uint8_t)p->port_in_redirect,
                            .server_name_in_redirect = (uint8_t)p->server_name_in_redirect,
                            .merge_slashes = (uint8_t)p->merge_slashes,
                            .ai_exact_size = (uint8_t)p->ai_exact_size,
                            .ai_localtime = (uint8_t)p->ai_localtime,
                            .ai_format = (uint8_t)p->ai_format};
    symlink_policy(&l->site, p);
}
