/* SPDX-License-Identifier: MIT */
/* Helper of the http unit tests: a temporary directory per test child (see tdir.h). */
#include "tests/unit/http/tdir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int td_make(char *dir, size_t len, const char *name)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, len, "%s/zokiod-%s.XXXXXX", base && *base ? base : "/tmp", name);
    return mkdtemp(dir) ? 0 : -errno;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

void td_remove(const char *dir)
{
    if (dir[0]) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static zh_site_t *the_site;
static const char *the_dir;

static void site_remove(void)
{
    if (the_site->root_fd >= 0) close(the_site->root_fd);
    td_remove(the_dir);
}

int td_site(zh_site_t *site, zh_fcache_t *fc, char *dir, size_t len, const char *name,
            uint32_t max_file, uint64_t max_bytes)
{
    int rc = td_make(dir, len, name);
    if (rc < 0) return rc;
    site->root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    the_site = site;
    the_dir = dir;
    atexit(site_remove);
    if (site->root_fd < 0) return -errno;
    site->root_path = dir;
    site->default_type = "application/octet-stream";
    site->cache = (zh_fpolicy_t){.valid = 1, .min_uses = 1, .inactive = 60}; /* zokiod's */
    return zh_fcache_init(fc, max_file, max_bytes, 0);
}

int td_put(const char *dir, const char *name, size_t size, char c)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -errno;
    for (size_t i = 0; i < size; i++)
        fputc(c, f);
    return fclose(f) ? -errno : 0;
}
