/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/filecache.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Each test runs in its own child: one site rooted in a fresh temporary directory, removed when
 * the child exits (the ZT_* macros return early, so cleanup cannot wait for the test's end). */
#define NOW ((time_t)1000) /* one second: a hit is served without opening the file again */

static char dir[256];
static zh_site_t site;
static zh_fcache_t fc;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void rm_dir(void)
{
    if (site.root_fd >= 0) close(site.root_fd);
    if (dir[0]) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* a site rooted in a new temporary directory, and the cache; 0 or -errno */
static int setup(uint32_t max_file, uint64_t max_bytes)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zokiod-fc.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) return -errno;
    site.root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    atexit(rm_dir);
    if (site.root_fd < 0) return -errno;
    site.root_path = dir;
    site.default_type = "application/octet-stream";
    return zh_fcache_init(&fc, max_file, max_bytes);
}

/* writes `size` bytes of `c` to `name` (no leading '/') under the root; 0 or -errno */
static int put(const char *name, size_t size, char c)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -errno;
    for (size_t i = 0; i < size; i++)
        fputc(c, f);
    return fclose(f) ? -errno : 0;
}

static int get(const char *path, zh_file_t **out)
{
    return zh_file_get(&fc, &site, path, strlen(path), NOW, out);
}

ZT_TEST(filecache_long_content_type)
{
    static char type[601];
    memset(type, 't', 600);
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.default_type = type;
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    zh_file_t *f = NULL;
    ZT_EQ_INT(get("/a", &f), 0);
    char want[1024];
    int n = snprintf(want, sizeof want,
                     "Content-Type: %s\r\nContent-Length: 5\r\nLast-Modified: %s\r\nETag: %s\r\n"
                     "Accept-Ranges: bytes\r\n",
                     type, f->lastmod, f->etag);
    ZT_EQ_INT(f->hdr_len, n);
    ZT_CHECK(memcmp(f->hdr, want, (size_t)n) == 0);
    ZT_CHECK(f->data && memcmp(f->data, "xxxxx", 5) == 0);
    zh_file_unref(&fc, f);
    zh_fcache_fini(&fc);
}
