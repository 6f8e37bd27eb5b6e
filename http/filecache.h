/* SPDX-License-Identifier: MIT */
/* zokiod http: the open-file cache (nginx's open_file_cache, on unless a site says off). Small
 * regular files are held in memory, larger ones keep their fd open for sendfile; both with their
 * response headers prebuilt. Entries are refcounted: a response holds a reference until its bytes
 * have left. A cached entry is re-checked (opened again beneath the root and compared by inode,
 * size and mtime) once its site's `valid` seconds have passed (1 by default), so a changed or
 * removed file is never served stale for longer; entries unused for the site's `inactive`
 * seconds are dropped by zh_fcache_expire().
 *
 * Bounds, per cache (one per worker), all hard: the entries in the table never hold more than
 * max_bytes (each counts its struct, key, header lines and in-memory data: an empty file is not
 * free), more than max_fds open fds, or more than max_entries entries. Room is made by evicting
 * the least recently used entries that only the table holds; an entry a response holds is never
 * evicted, and when the caps cannot be met without evicting one, the new file is served uncached
 * (the caller's reference is its only one). Entries outside the table (uncached, replaced while
 * in flight, generated blobs) are counted in loose_bytes only: they live as long as the responses
 * that hold them. The hash table doubles when it passes 3/4 full, so it stays O(1) up to
 * max_entries. */
#ifndef ZH_FILECACHE_H
#define ZH_FILECACHE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "http/etag.h"
#include "http/server.h"

typedef struct zh_file {
    struct zh_file *next;                /* hash chain */
    struct zh_file *lru_prev, *lru_next; /* the LRU list, while only the table holds it */
    uint32_t refs;
    uint32_t hash;
    int fd;     /* -1 for in-memory entries */
    char *data; /* the whole file, for in-memory entries */
    uint64_t size;
    time_t mtime;
    dev_t dev;
    ino_t ino;
    time_t checked;    /* second of the last validation (or, for a failed lookup, of the lookup) */
    time_t used;       /* second of the last use (inactive=) */
    time_t warm_at;    /* second its first pages were last found in memory (http/lookup.h) */
    int err;           /* a failed lookup remembered (open_file_cache_errors): its -errno */
    uint32_t uses;     /* a stub's uses so far */
    uint8_t stub;      /* counts uses only (open_file_cache_min_uses): no fd, no data */
    uint8_t cached;    /* in the hash table */
    uint64_t mem;      /* bytes it counts for: the struct, key and data (malloc's own
                        * overhead aside) */
    const char *ctype; /* NULL for a generated page (zh_blob_new()) */
    const char *page_ctype; /* a generated page's Content-Type; NULL: text/html */
    uint16_t etag_len;
    char etag[ZH_ETAG_LEN + 1];
    char lastmod[30];
    uint32_t keylen;
    char *key;             /* the normalized path */
    const zh_site_t *site; /* the root it was found under (part of the key) */
} zh_file_t;

/* entries per cache when the caller gives 0: with the default 64 MiB that is 4 KiB an entry */
#define ZH_FCACHE_MAX_ENTRIES 16384

typedef struct zh_fcache {
    uint32_t max_file;           /* files up to this size are held in memory */
    uint64_t max_bytes, bytes;   /* the `mem` of the entries in the table */
    uint32_t max_fds, nfds;      /* entries in the table holding an open fd; max_fds is 1,024,
                                  * or a quarter of RLIMIT_NOFILE when that is less */
    uint32_t max_entries, count; /* entries in the table */
    zh_file_t **tab;
    uint32_t mask; /* buckets - 1 (a power of two) */
    /* the entries only the table holds (refs == 1), most recently used first: what can be evicted,
     * and what evicting all of it would give back */
    zh_file_t *lru_head, *lru_tail;
    uint64_t lru_bytes;
    uint32_t lru_fds, lru_count;
    uint64_t loose_bytes;  /* the `mem` of live entries outside the table */
    time_t now;            /* the second of the last lookup (entries let go are used then) */
    uint32_t inactive_min; /* the least `inactive` of the sites with entries in the table */
} zh_fcache_t;

/* Sets up an empty cache; max_entries 0 means ZH_FCACHE_MAX_ENTRIES. 0 or -ENOMEM. The caps are
 * plain fields, read at each insertion. */
int zh_fcache_init(zh_fcache_t *fc, uint32_t max_file, uint64_t max_bytes, uint32_t max_entries);

/* Drops the table's references; an entry a response still holds is freed by its last unref. */
void zh_fcache_fini(zh_fcache_t *fc);

/* Finds the regular file at the normalized `path` (starting with '/', no trailing slash) under
 * the site's root, opening it with RESOLVE_BENEATH so neither ".." nor a symlink leaves the root.
 * The site's policy (site->cache, nginx's open_file_cache directives) says what is kept: with
 * `off` nothing (the file comes back uncached, opened for this request); an entry is used as is
 * for `valid` seconds, then checked against the file again; a file seen fewer than `min_uses`
 * times is only counted (a stub entry) and comes back uncached; with `errors` a failed lookup is
 * remembered for `valid` seconds too (transient ones, EMFILE, ENFILE, ENOMEM, never).
 * On success *out holds a new reference (release with zh_file_unref) and 0 is returned.
 * Errors: -ENOENT / -ENOTDIR (404), -EACCES / -EPERM / -EXDEV / -ELOOP (403), -EISDIR (a
 * directory: the caller redirects or looks for an index), -EFTYPE-like -ENODEV for a special file
 * (403), -ENAMETOOLONG (414), other -errno (500). `now` is the loop's second. A new file that
 * does not fit under the caps (every evictable entry gone, the rest in use) comes back uncached
 * (f->cached == 0), freed on its last unref. */
int zh_file_get(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                zh_file_t **out);

/* 1 when `path` names a directory under the root (RESOLVE_BENEATH). */
int zh_dir_exists(const zh_site_t *site, const char *path, size_t len);

/* Opens the directory at `path` under the site's root for reading (autoindex); fd or -errno. */
int zh_dir_open(const zh_site_t *site, const char *path, size_t len);

/* A refcounted in-memory body (a generated page), outside the table: takes ownership of the
 * malloc'd data; the caller holds the one reference. NULL (data freed) when out of memory. */
zh_file_t *zh_blob_new(zh_fcache_t *fc, char *data, uint64_t size);

/* Another reference to an entry the caller already holds one of (so a cached entry is already off
 * the LRU list: only zh_file_get takes an entry off it). */
void zh_file_ref(zh_file_t *f);

/* Drops a reference: the last one frees the entry (and closes its fd); when only the table's is
 * left, the entry becomes the most recently used evictable one. */
void zh_file_unref(zh_fcache_t *fc, zh_file_t *f);

/* Drops the entries nobody holds that were not used for longer than their site's `inactive`
 * seconds (nginx's open_file_cache inactive=); once a second, from the server's tick. */
void zh_fcache_expire(zh_fcache_t *fc, time_t now);

#endif
