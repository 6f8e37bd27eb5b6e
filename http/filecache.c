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
#include "http/beneath.h"
#include "http/date.h"
#include "http/filecache.h"
#include "http/hash.h"
#include "http/lookup.h"

#define TAB_MIN 64   /* buckets at first; doubled past 3/4 full */
#define MAX_FDS 1024 /* open fds the cache may keep for large files */

int zh_fcache_init(zh_fcache_t *fc, uint32_t max_file, uint64_t max_bytes, uint32_t max_entries)
{
    memset(fc, 0, sizeof *fc);
    fc->max_file = max_file;
    fc->max_bytes = max_bytes;
    fc->max_entries = max_entries ? max_entries : ZH_FCACHE_MAX_ENTRIES;
    /* at most a quarter of the process's fds: the rest are for connections and pipes */
    struct rlimit rl;
    fc->max_fds = MAX_FDS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 4 < MAX_FDS)
        fc->max_fds = (uint32_t)(rl.rlim_cur / 4);
    fc->mask = TAB_MIN - 1;
    fc->inactive_min = UINT32_MAX;
    fc->tab = calloc(TAB_MIN, sizeof *fc->tab);
    return fc->tab ? 0 : -ENOMEM;
}

/* only ever an entry outside the table: the table holds a reference while it is in it */
static void file_free(zh_fcache_t *fc, zh_file_t *f)
{
    if (f->fd >= 0) close(f->fd);
    fc->loose_bytes -= f->mem;
    free(f->data);
    free(f->key);
    free(f);
}

/* the LRU list holds exactly the cached entries with refs == 1, most recently used at the head */
static void lru_push(zh_fcache_t *fc, zh_file_t *f)
{
    f->lru_prev = NULL;
    f->lru_next = fc->lru_head;
    if (fc->lru_head)
        fc->lru_head->lru_prev = f;
    else
        fc->lru_tail = f;
    fc->lru_head = f;
    fc->lru_bytes += f->mem;
    fc->lru_fds += f->fd >= 0;
    fc->lru_count++;
}

static void lru_remove(zh_fcache_t *fc, zh_file_t *f)
{
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        fc->lru_head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        fc->lru_tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
    fc->lru_bytes -= f->mem;
    fc->lru_fds -= f->fd >= 0;
    fc->lru_count--;
}

/* a new reference to a cached entry: in use, it cannot be evicted */
static zh_file_t *take(zh_fcache_t *fc, zh_file_t *f)
{
    if (f->refs++ == 1) lru_remove(fc, f);
    return f;
}

void zh_file_ref(zh_file_t *f) { f->refs++; }

void zh_file_unref(zh_fcache_t *fc, zh_file_t *f)
{
    if (--f->refs == 0) {
        file_free(fc, f);
    } else if (f->refs == 1 && f->cached) {
        f->used = fc->now; /* a long response counts as a use until its end, as in nginx */
        lru_push(fc, f);
    }
}

/* takes the entry out of the table and drops the table's reference; an entry still in flight
 * keeps its memory (now loose) until its last response is out */
static void unlink_entry(zh_fcache_t *fc, zh_file_t *f)
{
    for (zh_file_t **pp = &fc->tab[f->hash & fc->mask]; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    if (f->refs == 1) lru_remove(fc, f);
    f->next = NULL;
    f->cached = 0;
    fc->count--;
    fc->bytes -= f->mem;
    fc->nfds -= f->fd >= 0;
    fc->loose_bytes += f->mem;
    zh_file_unref(fc, f);
}

void zh_fcache_fini(zh_fcache_t *fc)
{
    for (uint32_t i = 0; fc->tab && i <= fc->mask; i++)
        while (fc->tab[i])
            unlink_entry(fc, fc->tab[i]);
    free(fc->tab);
    fc->tab = NULL;
}

/* "/a/b" -> "a/b" under the root, with the site's symlink policy (http/beneath.c) */
static int open_beneath(const zh_site_t *site, const char *path, size_t len, int flags)
{
    return zh_open_beneath(site, path, len, flags);
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
    f->mem = sizeof *f + size;
    f->refs = 1;
    fc->loose_bytes += f->mem; /* file_free takes it off again */
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

/* Evicts least recently used entries until one more entry of `mem` bytes (holding an fd when
 * `fd`) fits under every cap. Returns 0, evicting nothing, when it would not fit even with every
 * evictable entry gone: the rest are in use, and the caps are never exceeded. One list, strictly
 * in order: room for an fd may also evict in-memory entries older than the oldest fd entry. */
static int make_room(zh_fcache_t *fc, uint64_t mem, int fd)
{
    uint64_t in_use_bytes = fc->bytes - fc->lru_bytes;
    if (mem > fc->max_bytes || in_use_bytes > fc->max_bytes - mem) return 0;
    if (fc->count - fc->lru_count >= fc->max_entries) return 0;
    if (fd && fc->nfds - fc->lru_fds >= fc->max_fds) return 0;
    while (fc->lru_tail && (fc->bytes + mem > fc->max_bytes || fc->count >= fc->max_entries ||
                            (fd && fc->nfds >= fc->max_fds)))
        unlink_entry(fc, fc->lru_tail);
    return 1;
}

/* doubles the buckets; without the memory the chains just get longer */
static void grow(zh_fcache_t *fc)
{
    uint32_t n = (fc->mask + 1) * 2;
    zh_file_t **tab = calloc(n, sizeof *tab);
    if (!tab) return;
    for (uint32_t i = 0; i <= fc->mask; i++)
        for (zh_file_t *f = fc->tab[i], *next; f; f = next) {
            next = f->next;
            f->next = tab[f->hash & (n - 1)];
            tab[f->hash & (n - 1)] = f;
        }
    free(fc->tab);
    fc->tab = tab;
    fc->mask = n - 1;
}

/* puts a new entry (one reference: the caller's) in the table, which takes its own */
static void insert(zh_fcache_t *fc, zh_file_t *f)
{
    if (f->site->cache.inactive < fc->inactive_min) fc->inactive_min = f->site->cache.inactive;
    uint64_t buckets = (uint64_t)fc->mask + 1;
    if (((uint64_t)fc->count + 1) * 4 > buckets * 3 && buckets < (1u << 31)) grow(fc);
    f->next = fc->tab[f->hash & fc->mask];
    fc->tab[f->hash & fc->mask] = f;
    f->cached = 1;
    f->refs++;
    fc->count++;
    fc->bytes += f->mem;
    fc->nfds += f->fd >= 0;
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

/* builds an entry from an open regular file: small ones are read into memory (and the fd closed),
 * large ones keep the fd; with `keep`, cached when it fits under the caps; without, it only
 * serves this request (the fd kept, nothing read) */
static int make_cached(zh_fcache_t *fc, const zh_site_t *site, zh_fetched_t *got, const char *path,
                       size_t len, uint32_t h, time_t now, int keep, zh_file_t **out)
{
    int fd = got->fd;
    const struct stat *st = &got->st;
    char *data = got->data; /* read already (off the loop), or NULL */
    got->data = NULL;
    zh_file_t *f = calloc(1, sizeof *f);
    int r = -ENOMEM;
    if (!f) goto fail;
    f->fd = -1;
    set_validators(site, f, path, len, st);
    int in_memory = keep && f->size <= fc->max_file && f->size <= fc->max_bytes;
    f->key = malloc(len + 1);
    if (!f->key) goto fail;
    if (in_memory && data) {
        f->data = data;
        data = NULL;
    } else if (in_memory) {
        if (!(f->data = malloc(f->size ? f->size : 1))) goto fail;
        if ((r = zh_read_all(fd, f->data, f->size)) < 0) goto fail;
    }
    free(data); /* read for nothing: served from the fd */
    memcpy(f->key, path, len);
    f->key[len] = 0;
    f->keylen = (uint32_t)len;
    f->hash = h;
    f->checked = f->used = now;
    f->refs = 1; /* the caller's */
    f->mem = sizeof *f + len + 1 + (in_memory ? f->size : 0);
    if (in_memory)
        close(fd);
    else
        f->fd = fd;
    if (keep && make_room(fc, f->mem, f->fd >= 0))
        insert(fc, f);
    else
        fc->loose_bytes += f->mem; /* served uncached: freed on the caller's unref */
    *out = f;
    return 0;
fail:
    close(fd);
    free(data);
    if (f) {
        free(f->data);
        free(f->key);
        free(f);
    }
    return r;
}

static int same_file(const zh_file_t *f, const struct stat *st)
{
    return f->ino == st->st_ino && f->dev == st->st_dev && f->mtime == st->st_mtime &&
           f->size == (uint64_t)st->st_size;
}

/* a table-only entry without a file: a remembered failure (err) or a use counter (stub);
 * nothing is kept when it does not fit */
static void add_marker(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len,
                       uint32_t h, time_t now, int err, uint32_t uses)
{
    zh_file_t *f = calloc(1, sizeof *f);
    if (!f || !(f->key = malloc(len + 1))) {
        free(f);
        return;
    }
    memcpy(f->key, path, len);
    f->key[len] = 0;
    f->keylen = (uint32_t)len;
    f->hash = h;
    f->site = site;
    f->fd = -1;
    f->err = err;
    f->stub = !err;
    f->uses = uses;
    f->checked = f->used = now;
    f->mem = sizeof *f + len + 1;
    if (!make_room(fc, f->mem, 0)) {
        free(f->key);
        free(f);
        return;
    }
    insert(fc, f); /* the table's reference is its only one: it can be evicted at once */
    lru_push(fc, f);
}

static int transient(int err) { return err == -EMFILE || err == -ENFILE || err == -ENOMEM; }

/* the blocking part: what the pool fetched (`pre`, taken over), else done here */
static void fetch(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len,
                  const zh_file_t *known, zh_fetched_t *pre, zh_fetched_t *got)
{
    if (pre) {
        *got = *pre;
        pre->fd = -1;
        pre->data = NULL;
        return;
    }
    struct stat k;
    if (known) {
        k.st_dev = known->dev;
        k.st_ino = known->ino;
        k.st_size = (off_t)known->size;
        k.st_mtime = known->mtime;
    }
    zh_fetch(site, path, len, ZH_FETCH_FILE, fc->max_file, known ? &k : NULL, got);
}

static void drop(zh_fetched_t *got)
{
    if (got->fd >= 0) close(got->fd);
    free(got->data);
    got->fd = -1;
    got->data = NULL;
}

int zh_file_probe(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                  const zh_file_t **known, zh_file_t **out)
{
    const zh_fpolicy_t *p = &site->cache;
    *known = NULL;
    fc->now = now;
    if (p->off) return ZH_MISS;
    uint32_t h = zh_hash(path, len) ^ (uint32_t)(uintptr_t)site;
    zh_file_t *f = lookup(fc, site, path, len, h);
    if (!f) return ZH_MISS;
    if (now - f->checked < (time_t)p->valid && !f->stub) {
        f->used = now;
        if (f->err) return f->err; /* open_file_cache_errors */
        *out = take(fc, f);
        return 0;
    }
    if (!f->stub && !f->err) *known = f;
    return ZH_MISS;
}

/* zh_file_get(), the file opened by the caller (pre) or here */
static int get(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
               zh_fetched_t *pre, zh_file_t **out)
{
    const zh_fpolicy_t *p = &site->cache;
    zh_fetched_t got;
    fc->now = now;
    if (p->off) { /* open_file_cache off: opened for this request only */
        fetch(fc, site, path, len, NULL, pre, &got);
        return got.res < 0 ? got.res : make_cached(fc, site, &got, path, len, 0, now, 0, out);
    }
    uint32_t h = zh_hash(path, len) ^ (uint32_t)(uintptr_t)site;
    zh_file_t *f = lookup(fc, site, path, len, h);
    time_t last = f ? f->used : 0;
    if (f) f->used = now;
    if (f && now - f->checked < (time_t)p->valid && !f->stub) {
        if (pre) drop(pre);        /* settled meanwhile by another request */
        if (f->err) return f->err; /* open_file_cache_errors */
        *out = take(fc, f);
        return 0;
    }
    int real = f && !f->stub && !f->err;
    fetch(fc, site, path, len, real ? f : NULL, pre, &got);
    int r = got.res;
    if (r < 0 && real && transient(r)) {
        *out = take(fc, f); /* cannot re-check now (out of fds): the one checked before serves */
        return 0;
    }
    if (r < 0) {
        if (f) unlink_entry(fc, f);
        if (p->errors && !transient(r)) add_marker(fc, site, path, len, h, now, r, 0);
        return r;
    }
    if (real && same_file(f, &got.st)) {
        drop(&got);
        f->checked = now;
        *out = take(fc, f);
        return 0;
    }
    /* uses each within `inactive` of the one before (the tick drops older stubs, maybe late) */
    uint32_t uses = f && f->stub && now - last <= (time_t)p->inactive ? f->uses + 1 : 1;
    if (f) unlink_entry(fc, f); /* changed on disk, a failure no longer, or a stub */
    if (uses < p->min_uses) {   /* not used often enough yet: counted, opened each time */
        add_marker(fc, site, path, len, h, now, 0, uses);
        return make_cached(fc, site, &got, path, len, h, now, 0, out);
    }
    return make_cached(fc, site, &got, path, len, h, now, 1, out);
}

int zh_file_get(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                zh_file_t **out)
{
    return get(fc, site, path, len, now, NULL, out);
}

int zh_file_settle(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                   zh_fetched_t *got, zh_file_t **out)
{
    int r = get(fc, site, path, len, now, got, out);
    drop(got); /* whatever the cache did not take */
    return r;
}

void zh_fcache_expire(zh_fcache_t *fc, time_t now)
{
    /* the list is in order of last use, nearly: stop at the first entry younger than any site's
     * `inactive`; an older one behind it goes at a later tick */
    for (zh_file_t *f = fc->lru_tail, *prev; f; f = prev) {
        prev = f->lru_prev;
        time_t idle = now - f->used;
        if (idle > (time_t)f->site->cache.inactive)
            unlink_entry(fc, f);
        else if (idle <= (time_t)fc->inactive_min)
            break;
    }
}
