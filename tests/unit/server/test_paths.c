/* SPDX-License-Identifier: MIT */
/* A location's path settings for http/ (server/paths.c): the redirect and autoindex flags, and
 * the symlink policy of its root, whose own path is checked when the generation is built. */
#include "tests/unit/zt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/paths.h"

static char dir[256], real[300], via_link[300];

static void cleanup(void)
{
    char p[320];
    snprintf(p, sizeof p, "%s/link", dir);
    unlink(p);
    rmdir(real);
    rmdir(dir);
}

/* DIR/real (a directory) and DIR/link -> real */
static int setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zokiod-sp.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) return -errno;
    atexit(cleanup);
    snprintf(real, sizeof real, "%s/real", dir);
    snprintf(via_link, sizeof via_link, "%s/link", dir);
    if (mkdir(real, 0755) || symlink("real", via_link)) return -errno;
    return 0;
}

static zc_paths_t paths(int mode, const char *from)
{
    zc_paths_t p = {1, 1, 0, 1, mode, from, 1, 0, ZC_AUTOINDEX_HTML};
    return p;
}

static zh_location_t fill(const char *root, int mode, const char *from)
{
    zh_location_t l;
    memset(&l, 0, sizeof l);
    l.site.root_path = root;
    zc_paths_t p = paths(mode, from);
    zs_paths_fill(&l, &p);
    return l;
}

ZT_TEST(paths_fill_flags)
{
    zc_paths_t p = {0, 1, 1, 0, ZC_SYMLINKS_OFF, NULL, 0, 1, ZC_AUTOINDEX_JSONP};
    zh_location_t l;
    memset(&l, 0, sizeof l);
    zs_paths_fill(&l, &p);
    ZT_EQ_INT(l.paths.absolute_redirect, 0);
    ZT_EQ_INT(l.paths.port_in_redirect, 1);
    ZT_EQ_INT(l.paths.server_name_in_redirect, 1);
    ZT_EQ_INT(l.paths.merge_slashes, 0);
    ZT_EQ_INT(l.paths.ai_exact_size, 0);
    ZT_EQ_INT(l.paths.ai_localtime, 1);
    ZT_EQ_INT(l.paths.ai_format, ZH_AUTOINDEX_JSONP);
    ZT_EQ_INT(l.site.symlinks, ZH_SYMLINKS_OFF);
}

ZT_TEST(paths_root_with_a_link)
{
    if (setup() < 0) ZT_FAIL("setup");
    /* off: nothing checked; on without from=: the root's own link refuses everything */
    ZT_EQ_INT(fill(via_link, ZC_SYMLINKS_OFF, NULL).site.root_refused, 0);
    zh_location_t l = fill(via_link, ZC_SYMLINKS_ON, NULL);
    ZT_EQ_INT(l.site.symlinks, ZH_SYMLINKS_ON);
    ZT_EQ_INT(l.site.root_refused, 1);
    ZT_EQ_INT(fill(real, ZC_SYMLINKS_ON, NULL).site.root_refused, 0);
    /* if_not_owner: the link and its target have one owner */
    ZT_EQ_INT(fill(via_link, ZC_SYMLINKS_IF_NOT_OWNER, NULL).site.root_refused, 0);
    /* from=$document_root, or from= the root itself or below the link: the root is not checked */
    ZT_EQ_INT(fill(via_link, ZC_SYMLINKS_ON, "").site.root_refused, 0);
    ZT_EQ_INT(fill(via_link, ZC_SYMLINKS_ON, via_link).site.root_refused, 0);
    /* from= above the link: the link is checked */
    ZT_EQ_INT(fill(via_link, ZC_SYMLINKS_ON, dir).site.root_refused, 1);
    ZT_EQ_INT(fill(via_link, ZC_SYMLINKS_ON, "/").site.root_refused, 1);
}

ZT_TEST(paths_from_inside_the_root)
{
    if (setup() < 0) ZT_FAIL("setup");
    char from[400];
    snprintf(from, sizeof from, "%s/sub/dir/", real);
    zh_location_t l = fill(real, ZC_SYMLINKS_ON, from);
    ZT_EQ_STR(l.site.symlinks_skip, "sub/dir/");
    ZT_EQ_INT(l.site.root_refused, 0);
    l = fill(via_link, ZC_SYMLINKS_ON, from); /* another path: not inside this root */
    ZT_CHECK(l.site.symlinks_skip == NULL);
    ZT_EQ_INT(l.site.root_refused, 1);
    snprintf(from, sizeof from, "%s/x", via_link);
    l = fill(via_link, ZC_SYMLINKS_ON, from); /* inside; other paths check the root too */
    ZT_EQ_STR(l.site.symlinks_skip, "x");
    ZT_EQ_INT(l.site.root_refused, 1);
}
