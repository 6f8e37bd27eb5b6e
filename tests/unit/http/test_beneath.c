/* SPDX-License-Identifier: MIT */
/* Opening beneath a root with nginx's disable_symlinks policies (http/beneath.c). */
#include "tests/unit/http/tdir.h"
#include "tests/unit/zt.h"

#include "http/beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each test runs in its own child: a tree in a fresh temporary directory, removed at exit:
 *   root/f.txt, root/d/x.txt, root/l.txt -> f.txt, root/ld -> d, root/out -> ../outside.txt,
 *   root/d/up -> ../f.txt; outside.txt next to root */
static char dir[256], root[300];
static zh_site_t site;

static void rm_dir(void)
{
    if (site.root_fd >= 0) close(site.root_fd);
    td_remove(dir);
}

static int put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    if (!f) return -errno;
    fputs(text, f);
    return fclose(f) ? -errno : 0;
}

static int link_to(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return symlink(target, p) ? -errno : 0;
}

static int setup(int policy)
{
    int rc = td_make(dir, sizeof dir, "bn");
    if (rc < 0) return rc;
    atexit(rm_dir);
    snprintf(root, sizeof root, "%s/root", dir);
    char d[320];
    snprintf(d, sizeof d, "%s/d", root);
    if (mkdir(root, 0755) || mkdir(d, 0755)) return -errno;
    if (put("root/f.txt", "f\n") || put("root/d/x.txt", "x\n") || put("outside.txt", "OUT\n") ||
        link_to("f.txt", "root/l.txt") || link_to("d", "root/ld") ||
        link_to("../outside.txt", "root/out") || link_to("../f.txt", "root/d/up"))
        return -EIO;
    site.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    site.root_path = root;
    site.symlinks = (uint8_t)policy;
    return site.root_fd < 0 ? -errno : 0;
}

/* 0 when the path opens (and is closed), else -errno */
static int try_open(const char *path)
{
    int fd = zh_open_beneath(&site, path, strlen(path), O_RDONLY);
    if (fd >= 0) close(fd);
    return fd < 0 ? fd : 0;
}

ZT_TEST(beneath_off_follows_inside_only)
{
    if (setup(ZH_SYMLINKS_OFF) < 0) ZT_FAIL("setup");
    ZT_EQ_INT(try_open("/f.txt"), 0);
    ZT_EQ_INT(try_open("/l.txt"), 0);
    ZT_EQ_INT(try_open("/ld/x.txt"), 0);
    ZT_EQ_INT(try_open("/d/up"), 0);
    ZT_EQ_INT(try_open("/out"), -EXDEV); /* never out of the root */
}

ZT_TEST(beneath_on_refuses_links)
{
    if (setup(ZH_SYMLINKS_ON) < 0) ZT_FAIL("setup");
    ZT_EQ_INT(try_open("/f.txt"), 0);
    ZT_EQ_INT(try_open("/d/x.txt"), 0);
    ZT_EQ_INT(try_open("/l.txt"), -ELOOP);      /* a final link: 403 */
    ZT_EQ_INT(try_open("/ld/x.txt"), -ENOTDIR); /* a link for a directory: 404, as nginx */
    ZT_EQ_INT(try_open("/d/up"), -ELOOP);
    ZT_CHECK(try_open("/out") < 0);
    site.root_refused = 1; /* the root's own path has a link: everything refused */
    ZT_EQ_INT(try_open("/f.txt"), -ELOOP);
}

ZT_TEST(beneath_on_from_inside)
{
    if (setup(ZH_SYMLINKS_ON) < 0) ZT_FAIL("setup");
    site.symlinks_skip = "ld/"; /* from=ROOT/ld/: that directory may be a link */
    ZT_EQ_INT(try_open("/ld/x.txt"), 0);
    ZT_EQ_INT(try_open("/ld/up"), -ELOOP); /* below it, links are refused again */
    ZT_EQ_INT(try_open("/l.txt"), -ELOOP); /* elsewhere too */
    site.root_refused = 1;                 /* applies outside from= only */
    ZT_EQ_INT(try_open("/ld/x.txt"), 0);
    ZT_EQ_INT(try_open("/f.txt"), -ELOOP);
}

ZT_TEST(beneath_if_not_owner)
{
    if (setup(ZH_SYMLINKS_IF_NOT_OWNER) < 0) ZT_FAIL("setup");
    ZT_EQ_INT(try_open("/l.txt"), 0); /* the link and its target have one owner */
    ZT_EQ_INT(try_open("/ld/x.txt"), 0);
    ZT_CHECK(try_open("/out") < 0);
    if (geteuid() != 0) ZT_SKIP("not root: cannot give a link another owner");
    char p[512];
    snprintf(p, sizeof p, "%s/l.txt", root);
    ZT_CHECK(lchown(p, 65534, 65534) == 0);
    snprintf(p, sizeof p, "%s/ld", root);
    ZT_CHECK(lchown(p, 65534, 65534) == 0);
    ZT_EQ_INT(try_open("/l.txt"), -ELOOP);
    ZT_EQ_INT(try_open("/ld/x.txt"), -ELOOP);
    ZT_EQ_INT(try_open("/f.txt"), 0);
}
