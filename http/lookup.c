/* SPDX-License-Identifier: MIT */
/* zokiod http: a request's file lookups off the loop (see lookup.h). */
#include "http/lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "http/beneath.h"

int zh_read_all(int fd, char *buf, uint64_t size)
{
    uint64_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -errno;
        if (r == 0) return -EAGAIN; /* shrank while we read: try again next request */
        got += (uint64_t)r;
    }
    return 0;
}

static int same(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtime == b->st_mtime;
}

void zh_fetch(const zh_site_t *site, const char *path, size_t len, int kind, uint32_t max_file,
              const struct stat *known, zh_fetched_t *out)
{
    out->fd = -1;
    out->data = NULL;
    int dir = kind == ZH_FETCH_DIR;
    int fd = zh_open_beneath(site, path, len, O_RDONLY | O_NONBLOCK | (dir ? O_DIRECTORY : 0));
    if (fd < 0) {
        out->res = fd == -ENXIO ? -ENODEV : fd;
        return;
    }
    if (dir) {
        close(fd);
        out->res = 0;
        return;
    }
    struct stat *st = &out->st;
    out->res = fstat(fd, st) < 0       ? -errno
               : S_ISDIR(st->st_mode)  ? -EISDIR
               : !S_ISREG(st->st_mode) ? -ENODEV
                                       : 0;
    if (out->res < 0) {
        close(fd);
        return;
    }
    out->fd = fd;
    /* a small file is read here too, so that the loop never waits for its pages; not when it
     * is the one cached already (a re-check) */
    if ((uint64_t)st->st_size > max_file || (known && same(known, st))) return;
    size_t n = (size_t)st->st_size;
    out->data = malloc(n ? n : 1);
    if (out->data && zh_read_all(fd, out->data, n) < 0) { /* the loop reads it, or fails */
        free(out->data);
        out->data = NULL;
    }
}

static int resident(int fd, uint64_t off)
{
    char b;
    struct iovec iov = {&b, 1};
    return preadv2(fd, &iov, 1, (off_t)off, RWF_NOWAIT) != -1 || errno != EAGAIN;
}

int zh_file_warm(const zh_file_t *f)
{
    uint64_t n = f->size < ZH_WARM_MAX ? f->size : ZH_WARM_MAX;
    return n == 0 || (resident(f->fd, 0) && resident(f->fd, n - 1));
}

/* on a pool thread: reads the first ZH_WARM_MAX bytes (into nothing kept) */
static int warm_read(int fd, uint64_t size)
{
    enum { CHUNK = 65536 };
    char *buf = malloc(CHUNK);
    if (!buf) return -ENOMEM;
    uint64_t n = size < ZH_WARM_MAX ? size : ZH_WARM_MAX;
    int r = 0;
    for (uint64_t off = 0; off < n;) {
        ssize_t k = pread(fd, buf, n - off < CHUNK ? (size_t)(n - off) : CHUNK, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { /* an error or a shorter file: the send will say */
            r = k < 0 ? -errno : 0;
            break;
        }
        off += (uint64_t)k;
    }
    free(buf);
    return r;
}

zh_lookup_t *zh_lookup_new(zk_loop_t *loop, zk_task_t *task, zh_fcache_t *fc)
{
    zh_lookup_t *lk = calloc(1, sizeof *lk);
    if (!lk) return NULL;
    lk->loop = loop;
    lk->task = task;
    lk->fc = fc;
    return lk;
}

const zh_looked_t *zh_lookup_find(const zh_lookup_t *lk, const zh_site_t *site, int kind,
                                  const char *path, size_t len)
{
    for (unsigned i = 0; lk && i < lk->n; i++) {
        const zh_looked_t *d = &lk->done[i];
        if (d->site == site && d->kind == kind && d->len == len && !memcmp(d->path, path, len))
            return d;
    }
    return NULL;
}

int zh_lookup_busy(const zh_lookup_t *lk) { return lk && zk_op_busy(&lk->op); }

int zh_lookup_can_start(const zh_lookup_t *lk)
{
    return !zk_op_busy(&lk->op) && lk->n < ZH_LOOKUP_MAX;
}

/* on a pool thread: touches only the job and its site (read-only configuration) */
static int work(void *arg)
{
    zh_lookup_t *lk = arg;
    zh_looked_t *j = &lk->job;
    if (j->kind == ZH_FETCH_WARM) {
        lk->got = (zh_fetched_t){.res = warm_read(lk->warm->fd, lk->warm->size), .fd = -1};
    } else if (j->kind == ZH_FETCH_LIST) {
        lk->page_len = zh_autoindex_build(j->site, j->path, j->len, lk->uri, lk->uri_len, &lk->opt,
                                          &lk->page, &lk->page_ctype);
        lk->got = (zh_fetched_t){.res = lk->page_len < 0 ? (int)lk->page_len : 0, .fd = -1};
    } else
        zh_fetch(j->site, j->path, j->len, j->kind, lk->max_file, lk->has_known ? &lk->known : NULL,
                 &lk->got);
    lk->ran = 1;
    return lk->got.res;
}

static void got_drop(zh_fetched_t *g)
{
    if (g->fd >= 0) close(g->fd);
    free(g->data);
    g->fd = -1;
    g->data = NULL;
}

static void destroy(zh_lookup_t *lk)
{
    zh_lookup_clear(lk);
    free(lk->uri);
    free(lk->cb);
    free(lk->job.path);
    free(lk);
}

static void fetched(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    zh_lookup_t *lk = op->data;
    zh_looked_t *j = &lk->job;
    /* never ran (the pool's queue was full, -EAGAIN): done here, blocking, as without a pool
     * (a warm-up is skipped: the file goes out as it is) */
    if (!lk->ran && lk->task && !lk->warm) work(lk);
    if (!lk->ran) lk->got = (zh_fetched_t){.res = lk->warm ? 0 : res, .fd = -1}; /* cancelled */
    if (lk->warm) { /* the reference the job held */
        zh_file_unref(lk->fc, lk->warm);
        lk->warm = NULL;
    }
    char *page = lk->page;
    lk->page = NULL;
    if (!lk->task) { /* the connection has gone: what was opened for it goes too */
        free(page);
        got_drop(&lk->got);
        destroy(lk);
        return;
    }
    j->f = NULL;
    if (j->kind == ZH_FETCH_FILE) {
        j->res = zh_file_settle(lk->fc, j->site, j->path, j->len, time(NULL), &lk->got, &j->f);
    } else if (j->kind == ZH_FETCH_LIST && lk->got.res == 0) {
        j->f = zh_blob_new(lk->fc, page, (uint64_t)lk->page_len); /* takes the page */
        j->res = j->f ? 0 : -ENOMEM;
        if (j->f) j->f->page_ctype = lk->page_ctype;
    } else {
        free(page);
        j->res = lk->got.res;
    }
    lk->done[lk->n++] = *j;
    j->path = NULL;
    zk_task_wake(lk->task);
}

static int job_path(zh_lookup_t *lk, const zh_site_t *site, int kind, const char *path, size_t len)
{
    zh_looked_t *j = &lk->job;
    free(j->path);
    if (!(j->path = malloc(len + 1))) return -ENOMEM;
    memcpy(j->path, path, len);
    j->path[len] = 0;
    j->len = (uint32_t)len;
    j->site = site;
    j->kind = (uint8_t)kind;
    lk->ran = 0;
    return 0;
}

int zh_lookup_warm(zh_lookup_t *lk, const zh_site_t *site, const char *path, size_t len,
                   zh_file_t *f)
{
    if (job_path(lk, site, ZH_FETCH_WARM, path, len) < 0) return -ENOMEM;
    zh_file_ref(f);
    lk->warm = f;
    zk_prep_work(&lk->op, work, lk, fetched, lk);
    int r = zk_submit(lk->loop, &lk->op);
    if (r < 0) {
        zh_file_unref(lk->fc, f);
        lk->warm = NULL;
    }
    return r;
}

int zh_lookup_start(zh_lookup_t *lk, const zh_site_t *site, int kind, const char *path, size_t len,
                    const zh_file_t *known)
{
    if (job_path(lk, site, kind, path, len) < 0) return -ENOMEM;
    lk->max_file = lk->fc->max_file;
    lk->has_known = known != NULL;
    if (known) {
        lk->known.st_dev = known->dev;
        lk->known.st_ino = known->ino;
        lk->known.st_size = (off_t)known->size;
        lk->known.st_mtime = known->mtime;
    }
    zk_prep_work(&lk->op, work, lk, fetched, lk);
    return zk_submit(lk->loop, &lk->op);
}

int zh_lookup_list(zh_lookup_t *lk, const zh_site_t *site, const char *path, size_t len,
                   const char *uri, size_t uri_len, const zh_listing_t *opt)
{
    if (job_path(lk, site, ZH_FETCH_LIST, path, len) < 0) return -ENOMEM;
    free(lk->uri);
    free(lk->cb);
    lk->cb = NULL;
    if (!(lk->uri = malloc(uri_len + 1)) || (opt->cblen && !(lk->cb = malloc(opt->cblen))))
        return -ENOMEM;
    memcpy(lk->uri, uri, uri_len);
    lk->uri[uri_len] = 0;
    lk->uri_len = uri_len;
    lk->opt = *opt;
    if (opt->cblen) memcpy(lk->cb, opt->cb, opt->cblen);
    lk->opt.cb = lk->cb;
    zk_prep_work(&lk->op, work, lk, fetched, lk);
    return zk_submit(lk->loop, &lk->op);
}

void zh_lookup_clear(zh_lookup_t *lk)
{
    for (unsigned i = 0; lk && i < lk->n; i++) {
        if (lk->done[i].f) zh_file_unref(lk->fc, lk->done[i].f);
        free(lk->done[i].path);
    }
    if (lk) lk->n = 0;
}

void zh_lookup_free(zh_lookup_t *lk)
{
    if (!lk) return;
    if (zk_op_busy(&lk->op)) {
        lk->task = NULL; /* fetched() frees it */
        zh_lookup_clear(lk);
        zk_cancel(lk->loop, &lk->op);
        return;
    }
    destroy(lk);
}
