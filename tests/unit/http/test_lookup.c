/* SPDX-License-Identifier: MIT */
/* A request's lookups on a real loop (http/lookup.h): on io_uring a FILE lookup under the default
 * symlink policy is a chain of native ops (the pool runs nothing), elsewhere a pool job; both give
 * the same answers, and a lookup dropped while its op is in flight leaks nothing. */
#include "tests/unit/http/tdir.h"
#include "tests/unit/zt.h"

#include "http/filecache.h"
#include "http/lookup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static char dir[256];
static zh_site_t site;
static zh_fcache_t fc;

/* a site rooted in a new temporary directory, and the cache; 0 or -errno */
static int setup(void) { return td_site(&site, &fc, dir, sizeof dir, "lk", 32768, 1 << 20); }

/* writes `size` bytes of `c` to `name` (no leading '/') under the root; 0 or -errno */
static int put(const char *name, size_t size, char c) { return td_put(dir, name, size, c); }

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d) closedir(d);
    return n;
}

static zk_poll_t idle(zk_task_t *t)
{
    (*(int *)t->data)++;
    return ZK_PENDING;
}

static zk_loop_t *loop_new(void)
{
    zk_loop_opts_t o = {.quiet = 1, .backend_why = "ZOKIOD_BACKEND"};
    if (zk_backend_parse(zt_backend(), &o.backend) < 0) o.backend = ZK_BACKEND_AUTO;
    zk_loop_t *loop = NULL;
    return zk_loop_new(&loop, &o) < 0 ? NULL : loop;
}

/* runs the loop until the lookup's op is done (bounded); 0 or -ETIMEDOUT */
static int settle(zk_loop_t *loop, zh_lookup_t *lk)
{
    for (int i = 0; i < 10000 && zh_lookup_busy(lk); i++)
        if (zk_loop_run(loop, ZK_RUN_ONCE) < 0) return -EIO;
    return zh_lookup_busy(lk) ? -ETIMEDOUT : 0;
}

static const zh_looked_t *look(zk_loop_t *loop, zh_lookup_t *lk, const char *path)
{
    if (zh_lookup_start(lk, &site, ZH_FETCH_FILE, path, strlen(path), NULL) < 0) return NULL;
    if (settle(loop, lk) < 0) return NULL;
    return zh_lookup_find(lk, &site, ZH_FETCH_FILE, path, strlen(path));
}

static int uring_expected(void)
{
    const char *basic = getenv("ZOKIO_URING_BASIC");
    return strcmp(zt_backend(), "io_uring") == 0 && !(basic && *basic && strcmp(basic, "0"));
}

ZT_TEST(lookup_file_native_on_io_uring)
{
    ZT_EQ_INT(setup(), 0);
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    ZT_EQ_INT(put("empty", 0, 'x'), 0);
    ZT_EQ_INT(put("big", 100000, 'b'), 0);
    ZT_EQ_INT(mkdirat(site.root_fd, "d", 0700), 0);
    ZT_EQ_INT(symlinkat("/etc/passwd", site.root_fd, "out"), 0);
    zk_loop_t *loop = loop_new();
    ZT_CHECK(loop != NULL);
    int native = zk_op_native(loop, ZK_OP_OPENAT2);
    if (uring_expected() && zk_loop_backend(loop) == ZK_BACKEND_URING) ZT_CHECK(native);
    zk_task_t task;
    int runs = 0;
    zk_task_init(&task, loop, idle, NULL, &runs);
    zh_lookup_t *lk = zh_lookup_new(loop, &task, &fc);
    ZT_CHECK(lk != NULL);
    const zh_looked_t *d = look(loop, lk, "/a");
    ZT_CHECK(d && d->res == 0 && d->f && d->f->data && memcmp(d->f->data, "xxxxx", 5) == 0);
    ZT_EQ_INT((int)d->f->size, 5);
    d = look(loop, lk, "/empty");
    ZT_CHECK(d && d->res == 0 && d->f && d->f->size == 0);
    d = look(loop, lk, "/big"); /* over max_file: kept open, not read */
    ZT_CHECK(d && d->res == 0 && d->f && d->f->fd >= 0 && !d->f->data);
    ZT_EQ_INT((int)d->f->size, 100000);
    d = look(loop, lk, "/nope");
    ZT_CHECK(d && d->res == -ENOENT);
    d = look(loop, lk, "/d");
    ZT_CHECK(d && d->res == -EISDIR);
    d = look(loop, lk, "/out"); /* an absolute link leaves the root: refused as beneath.c does */
    ZT_CHECK(d && d->res == -EXDEV);
    ZT_EQ_INT(runs > 0, 1); /* the task was woken */
    ZT_EQ_INT((int)zk_loop_pool_ran(loop), native ? 0 : 6);
    /* another symlink policy: the pool, on every backend */
    site.symlinks = ZH_SYMLINKS_ON;
    d = look(loop, lk, "/d/../a");
    ZT_CHECK(d && d->res == 0);
    ZT_EQ_INT((int)zk_loop_pool_ran(loop), native ? 1 : 7);
    site.symlinks = ZH_SYMLINKS_OFF;
    zh_lookup_free(lk);
    zh_fcache_fini(&fc);
    zk_loop_free(loop);
}

/* a small file whose pages are not in memory is read whole by the lookup too (on io_uring the
 * read must wait for the disk in io-wq: the fd is O_NONBLOCK, which would make it -EAGAIN) */
ZT_TEST(lookup_cold_small_file_read)
{
    ZT_EQ_INT(setup(), 0);
    ZT_EQ_INT(put("cold", 20000, 'c'), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/cold", dir);
    int fd = open(path, O_RDONLY);
    ZT_CHECK(fd >= 0);
    ZT_EQ_INT(fsync(fd), 0);
    ZT_EQ_INT(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    char b;
    struct iovec iov = {&b, 1};
    int cold = preadv2(fd, &iov, 1, 0, RWF_NOWAIT) < 0 && errno == EAGAIN;
    close(fd);
    if (!cold) ZT_SKIP("the pages of a file in %s cannot be dropped (tmpfs?)", dir);
    zk_loop_t *loop = loop_new();
    ZT_CHECK(loop != NULL);
    zk_task_t task;
    int runs = 0;
    zk_task_init(&task, loop, idle, NULL, &runs);
    zh_lookup_t *lk = zh_lookup_new(loop, &task, &fc);
    ZT_CHECK(lk != NULL);
    const zh_looked_t *d = look(loop, lk, "/cold");
    ZT_CHECK(d && d->res == 0 && d->f && d->f->size == 20000);
    ZT_CHECK(d->f->data != NULL); /* read off the loop, not left to it */
    ZT_CHECK(d->f->data[0] == 'c' && d->f->data[19999] == 'c');
    zh_lookup_free(lk);
    zh_fcache_fini(&fc);
    zk_loop_free(loop);
}

/* the connection goes while each step of the chain is in flight: the op's completion closes
 * what was opened and frees the lookup (no fd left behind but the cache's own) */
ZT_TEST(lookup_dropped_in_flight_leaks_nothing)
{
    ZT_EQ_INT(setup(), 0);
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    ZT_EQ_INT(put("big", 100000, 'b'), 0);
    zk_loop_t *loop = loop_new();
    ZT_CHECK(loop != NULL);
    zk_task_t task;
    int runs = 0;
    zk_task_init(&task, loop, idle, NULL, &runs);
    int before = open_fds();
    static const char *const paths[] = {"/a", "/big", "/nope"};
    /* dropped after 0, 1, 2 loop ticks: at the open, the statx or the read */
    for (int ticks = 0; ticks < 3; ticks++)
        for (int i = 0; i < 3; i++) {
            zh_lookup_t *lk = zh_lookup_new(loop, &task, &fc);
            ZT_CHECK(lk != NULL);
            ZT_EQ_INT(zh_lookup_start(lk, &site, ZH_FETCH_FILE, paths[i], strlen(paths[i]), NULL),
                      0);
            for (int t = 0; t < ticks && zh_lookup_busy(lk); t++)
                zk_loop_run(loop, ZK_RUN_NOWAIT);
            zh_lookup_free(lk);
            for (int k = 0; k < 10000 && zk_loop_alive(loop); k++)
                zk_loop_run(loop, ZK_RUN_ONCE);
            ZT_EQ_INT(zk_loop_alive(loop), 0);
        }
    zh_fcache_fini(&fc); /* a lookup settled before its drop left its file in the cache */
    ZT_EQ_INT(open_fds(), before);
    zk_loop_free(loop);
}
