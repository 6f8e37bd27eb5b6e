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
#include "zk_features.h"

#ifdef HAVE_OPENAT2
#include <linux/openat2.h>
#include <sys/sysmacros.h>
#endif

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
    free(lk->chain);
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

/* ---- a FILE lookup as a chain of native ops (see lookup.h) ---- */

#ifdef HAVE_OPENAT2
struct zh_chain {
    struct open_how how;
    struct statx stx;
    const char *rel; /* in job.path */
    uint64_t have;   /* READ: bytes of got.data so far */
    unsigned tries;  /* OPENAT2's -EAGAIN retries */
};

#define CHAIN_REL_MAX 4096 /* beneath.c's REL_MAX: longer paths take the pool's answer */

static int chain_fits(const zh_lookup_t *lk, const zh_site_t *site, int kind, size_t len)
{
    return kind == ZH_FETCH_FILE && site->symlinks == ZH_SYMLINKS_OFF && site->root_fd >= 0 &&
           len < CHAIN_REL_MAX && zk_op_native(lk->loop, ZK_OP_OPENAT2) &&
           zk_op_native(lk->loop, ZK_OP_STATX) && zk_op_native(lk->loop, ZK_OP_PREAD);
}

/* the connection went while a step was in flight: what the chain holds goes with the lookup */
static int chain_orphan(zh_lookup_t *lk)
{
    if (lk->task) return 0;
    got_drop(&lk->got);
    destroy(lk);
    return 1;
}

/* the chain's end: settled as a pool job's result would be */
static void chain_end(zh_lookup_t *lk, int res)
{
    if (res < 0) got_drop(&lk->got);
    lk->got.res = res;
    lk->ran = 1;
    fetched(lk->loop, &lk->op, res);
}

static void chain_step(zh_lookup_t *lk)
{
    int r = zk_submit(lk->loop, &lk->op); /* a failure completes the op (never here) */
    if (r < 0) chain_end(lk, r);
}

static void chain_read(zk_loop_t *loop, zk_op_t *op, int res);

static void stat_from(struct stat *st, const struct statx *x)
{
    memset(st, 0, sizeof *st);
    st->st_dev = makedev(x->stx_dev_major, x->stx_dev_minor);
    st->st_rdev = makedev(x->stx_rdev_major, x->stx_rdev_minor);
    st->st_ino = (ino_t)x->stx_ino;
    st->st_mode = x->stx_mode;
    st->st_nlink = x->stx_nlink;
    st->st_uid = x->stx_uid;
    st->st_gid = x->stx_gid;
    st->st_size = (off_t)x->stx_size;
    st->st_blksize = (blksize_t)x->stx_blksize;
    st->st_blocks = (blkcnt_t)x->stx_blocks;
    st->st_atim = (struct timespec){x->stx_atime.tv_sec, x->stx_atime.tv_nsec};
    st->st_mtim = (struct timespec){x->stx_mtime.tv_sec, x->stx_mtime.tv_nsec};
    st->st_ctim = (struct timespec){x->stx_ctime.tv_sec, x->stx_ctime.tv_nsec};
}

static void chain_read_next(zh_lookup_t *lk)
{
    struct zh_chain *c = lk->chain;
    uint64_t size = (uint64_t)lk->got.st.st_size;
    zk_prep_pread(&lk->op, lk->got.fd, lk->got.data + c->have, (size_t)(size - c->have),
                  (int64_t)c->have, chain_read, lk);
    chain_step(lk);
}

/* as zh_read_all(): a short read (the file shrank) or an error leaves the bytes to the loop */
static void chain_read(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    zh_lookup_t *lk = op->data;
    if (chain_orphan(lk)) return;
    if (res > 0) lk->chain->have += (uint64_t)res;
    if (res <= 0) {
        free(lk->got.data);
        lk->got.data = NULL;
    } else if (lk->chain->have < (uint64_t)lk->got.st.st_size) {
        chain_read_next(lk);
        return;
    }
    chain_end(lk, 0);
}

static void chain_statx(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    zh_lookup_t *lk = op->data;
    if (chain_orphan(lk)) return;
    struct stat *st = &lk->got.st;
    if (res == 0) stat_from(st, &lk->chain->stx);
    res = res < 0 ? res : S_ISDIR(st->st_mode) ? -EISDIR : !S_ISREG(st->st_mode) ? -ENODEV : 0;
    if (res < 0) {
        chain_end(lk, res);
        return;
    }
    /* as zh_fetch(): a small file is read too, unless it is the one cached already */
    if ((uint64_t)st->st_size > lk->max_file || (lk->has_known && same(&lk->known, st))) {
        chain_end(lk, 0);
        return;
    }
    size_t n = (size_t)st->st_size;
    lk->chain->have = 0;
    if (!(lk->got.data = malloc(n ? n : 1)) || n == 0) {
        chain_end(lk, 0); /* no memory: the loop reads it, or fails */
        return;
    }
    chain_read_next(lk);
}

static void chain_open(zk_loop_t *loop, zk_op_t *op, int res);

static void chain_open_submit(zh_lookup_t *lk)
{
    struct zh_chain *c = lk->chain;
    /* beneath.c's open2() for ZH_SYMLINKS_OFF, with zh_fetch()'s flags for a FILE */
    c->how = (struct open_how){.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    zk_prep_openat2(&lk->op, lk->job.site->root_fd, c->rel, &c->how, chain_open, lk);
    /* never tried inline: an open held in the kernel (fanotify, a slow disk) must wait in
     * io-wq, not on the loop */
    lk->op.flags |= ZK_OP_F_ASYNC;
    chain_step(lk);
}

static void chain_open(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    zh_lookup_t *lk = op->data;
    if (res >= 0) lk->got.fd = res;
    if (chain_orphan(lk)) return;
    if (res == -EAGAIN && ++lk->chain->tries < 16) { /* as open2(): a rename raced the walk */
        chain_open_submit(lk);
        return;
    }
    if (res == -ENOSYS) { /* no openat2 after all: beneath.c's fallback, on the pool */
        zk_prep_work(&lk->op, work, lk, fetched, lk);
        chain_step(lk);
        return;
    }
    if (res < 0) {
        chain_end(lk, res == -ENXIO ? -ENODEV : res);
        return;
    }
    zk_prep_statx(&lk->op, res, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &lk->chain->stx, chain_statx,
                  lk);
    chain_step(lk);
}

/* 1 when the chain started (the request parks), 0 when the pool should take the job */
static int chain_start(zh_lookup_t *lk, size_t len)
{
    if (!chain_fits(lk, lk->job.site, lk->job.kind, len)) return 0;
    if (!lk->chain && !(lk->chain = malloc(sizeof *lk->chain))) return 0;
    const char *rel = lk->job.path;
    while (*rel == '/')
        rel++;
    lk->chain->rel = *rel ? rel : ".";
    lk->chain->tries = 0;
    lk->got = (zh_fetched_t){.fd = -1};
    chain_open_submit(lk);
    return 1;
}
#else
static int chain_start(zh_lookup_t *lk, size_t len)
{
    (void)lk;
    (void)len;
    return 0;
}
#endif

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
    size_t rel_len = len;
    for (const char *p = path; rel_len && *p == '/'; p++)
        rel_len--;
    if (chain_start(lk, rel_len)) return 0;
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
