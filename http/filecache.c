/* SPDX-License-Identifier: MIT */
/* zokiod http: the open-file cache (see filecache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zk_features.h"
#include "http/date.h"
#include "http/filecache.h"
#include "http/hash.h"

#ifdef HAVE_OPENAT2
#include <linux/openat2.h>
#endif

#define TAB_SIZE 1024
#define MAX_FDS  1024 /* open fds the cache may keep for large files */

int zh_fcache_init(zh_fcache_t *fc, uint32_t max_file, uint64_t max_bytes)
{
    memset(fc, 0, sizeof *fc);
    fc->max_file = max_file;
    fc->max_bytes = max_bytes;
    /* at most a quarter of the process's fds: the rest are for connections and pipes */
    struct rlimit rl;
    fc->max_fds = MAX_FDS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 4 < MAX_FDS)
        fc->max_fds = (uint32_t)(rl.rlim_cur / 4);
    fc->mask = TAB_SIZE - 1;
    fc->tab = calloc(TAB_SIZE, sizeof *fc->tab);
    return fc->tab ? 0 : -ENOMEM;
}

static void file_free(zh_fcache_t *fc, zh_file_t *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        fc->nfds--;
    }
    fc->bytes -= f->mem;
    free(f->data);
    free(f->hdr);
    free(f->key);
    free(f);
}

void zh_fcache_fini(zh_fcache_t *fc)
{
    for (uint32_t i = 0; fc->tab && i <= fc->mask; i++)
        for (zh_file_t *f = fc->tab[i], *n; f; f = n) {
            n = f->next;
            f->cached = 0;
            if (--f->refs == 0) file_free(fc, f);
        }
    free(fc->tab);
    fc->tab = NULL;
}

void zh_file_ref(zh_file_t *f) { f->refs++; }

void zh_file_unref(zh_fcache_t *fc, zh_file_t *f)
{
    if (--f->refs == 0) file_free(fc, f);
}

/* opens a path under the root: "/a/b" -> "a/b", "/" -> "." */
static int open_beneath(const zh_site_t *site, const char *path, size_t len, int flags)
{
    char rel[4096];
    const char *p = path;
    while (len && *p == '/') {
        p++;
        len--;
    }
    if (len >= sizeof rel) return -ENAMETOOLONG;
    if (site->root_fd < 0) return -ENOENT; /* the root did not exist when the config was loaded */
    if (len == 0) {
        rel[0] = '.';
        rel[1] = 0;
    } else {
        memcpy(rel, p, len);
        rel[len] = 0;
    }
#ifdef HAVE_OPENAT2
    struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC | O_NOCTTY,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, site->root_fd, rel, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return fd < 0 ? -errno : fd;
#endif
    /* no openat2: the path is already normalized (no "..") and symlinks are refused outright */
    int fd2 = openat(site->root_fd, rel, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
    return fd2 < 0 ? -errno : fd2;
}

int zh_dir_exists(const zh_site_t *site, const char *path, size_t len)
{
    int fd = open_beneath(site, path, len, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
    if (fd < 0) return 0;
    close(fd);
    return 1;
}

int zh_dir_open(const zh_site_t *site, const char *path, size_t len)
{
    return open_beneath(site, path, len, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
}

zh_file_t *zh_blob_new(zh_fcache_t *fc, char *data, uint64_t size)
{
    zh_file_t *f = calloc(1, sizeof *f);
    if (!f) {
        free(data);
        return NULL;
    }
    f->fd = -1;
    f->data = data;
    f->size = size;
    f->mem = size;
    f->refs = 1;
    fc->bytes += size; /* file_free takes it off again */
    return f;
}

static zh_file_t *lookup(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len,
                         uint32_t h)
{
    for (zh_file_t *f = fc->tab[h & fc->mask]; f; f = f->next)
        if (f->hash == h && f->site == site && f->keylen == len && !memcmp(f->key, path, len))
            return f;
    return NULL;
}

static void unlink_entry(zh_fcache_t *fc, zh_file_t *f)
{
    for (zh_file_t **pp = &fc->tab[f->hash & fc->mask]; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    fc->count--;
    f->cached = 0;
    f->next = NULL;
    zh_file_unref(fc, f); /* the table's reference */
    /* an entry still in flight keeps its memory until its last response is out */
}

/* drops unused entries until there is room for `need` more bytes and one more fd */
static void make_room(zh_fcache_t *fc, uint64_t need, int fd)
{
    for (uint32_t i = 0; i <= fc->mask; i++) {
        if (fc->bytes + need <= fc->max_bytes && (!fd || fc->nfds < fc->max_fds)) return;
        for (zh_file_t *f = fc->tab[i], *n; f; f = n) {
            n = f->next;
            if (f->refs == 1) unlink_entry(fc, f);
        }
    }
}

static void set_validators(const zh_site_t *site, zh_file_t *f, const char *path, size_t len,
                           const struct stat *st)
{
    f->site = site;
    f->size = (uint64_t)st->st_size;
    f->mtime = st->st_mtime;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->etag_len = (uint16_t)zh_etag_format(f->etag, f->mtime, f->size);
    zh_date_format(f->mtime, f->lastmod);
    const char *t = site->mime ? zh_mime_lookup_n(site->mime, path, len) : NULL;
    f->ctype = t ? t : site->default_type;
}

static int read_all(int fd, char *buf, uint64_t size)
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

#define HDR_FMT                                                                                    \
    "Content-Type: %s\r\nContent-Length: %llu\r\nLast-Modified: %s\r\nETag: %s\r\n"                \
    "Accept-Ranges: bytes\r\n"

/* the prebuilt header lines, measured first and then written into a block of exactly that size
 * (a content type has no length limit: it comes from the types table or default_type) */
static int build_hdr(zh_file_t *f)
{
    unsigned long long size = f->size;
    int n = snprintf(NULL, 0, HDR_FMT, f->ctype, size, f->lastmod, f->etag);
    if (n < 0) return -EINVAL;
    if (!(f->hdr = malloc((size_t)n + 1))) return -ENOMEM;
    snprintf(f->hdr, (size_t)n + 1, HDR_FMT, f->ctype, size, f->lastmod, f->etag);
    f->hdr_len = (uint32_t)n;
    return 0;
}

/* builds a cached entry from an open regular file: small ones are read into memory (and the fd
 * closed), large ones keep the fd */
static int make_cached(zh_fcache_t *fc, const zh_site_t *site, int fd, const struct stat *st,
                       const char *path, size_t len, uint32_t h, time_t now, zh_file_t **out)
{
    zh_file_t *f = calloc(1, sizeof *f);
    int r = -ENOMEM;
    if (!f) goto fail;
    f->fd = -1;
    set_validators(site, f, path, len, st);
    int in_memory = f->size <= fc->max_file && f->size <= fc->max_bytes;
    f->key = malloc(len + 1);
    if (!f->key) goto fail;
    if (in_memory) {
        if (!(f->data = malloc(f->size ? f->size : 1))) goto fail;
        if ((r = read_all(fd, f->data, f->size)) < 0) goto fail;
        f->mem = f->size;
    }
    if ((r = build_hdr(f)) < 0) goto fail;
    memcpy(f->key, path, len);
    f->key[len] = 0;
    f->keylen = (uint32_t)len;
    f->hash = h;
    f->checked = now;
    f->cached = 1;
    f->refs = 2; /* the table's and the caller's */
    make_room(fc, f->mem, !in_memory);
    if (in_memory) {
        close(fd);
    } else {
        f->fd = fd;
        fc->nfds++;
    }
    fc->bytes += f->mem;
    f->next = fc->tab[h & fc->mask];
    fc->tab[h & fc->mask] = f;
    fc->count++;
    *out = f;
    return 0;
fail:
    close(fd);
    if (f) {
        free(f->data);
        free(f->key);
        free(f->hdr);
        free(f);
    }
    return r;
}

static int same_file(const zh_file_t *f, const struct stat *st)
{
    return f->ino == st->st_ino && f->dev == st->st_dev && f->mtime == st->st_mtime &&
           f->size == (uint64_t)st->st_size;
}

int zh_file_get(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                zh_file_t **out)
{
    uint32_t h = zh_hash(path, len) ^ (uint32_t)(uintptr_t)site;
    zh_file_t *f = lookup(fc, site, path, len, h);
    if (f && f->checked == now) {
        f->refs++;
        *out = f;
        return 0;
    }
    int fd = open_beneath(site, path, len, O_RDONLY | O_NONBLOCK);
    if (fd < 0 && f && (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM)) {
        f->refs++; /* cannot re-check now (out of fds): the entry checked a second ago serves */
        *out = f;
        return 0;
    }
    if (fd < 0) {
        if (f) unlink_entry(fc, f);
        return fd == -ENXIO ? -ENODEV : fd;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        if (f) unlink_entry(fc, f);
        return S_ISDIR(st.st_mode) ? -EISDIR : -ENODEV;
    }
    if (f && same_file(f, &st)) {
        close(fd);
        f->checked = now;
        f->refs++;
        *out = f;
        return 0;
    }
    if (f) unlink_entry(fc, f); /* changed on disk */
    return make_cached(fc, site, fd, &st, path, len, h, now, out);
}
