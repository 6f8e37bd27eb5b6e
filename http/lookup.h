/* SPDX-License-Identifier: MIT */
/* zokiod http: the file lookups of one request, off the loop. A file-cache miss (or an entry due
 * for its re-check) needs the blocking part of a lookup: the beneath-open with the symlink policy
 * (http/beneath.c), fstat and, for a small file, reading it whole. zh_fetch() is that part; a
 * zh_lookup_t runs it on the loop's thread pool (ZK_OP_WORK, both backends) while the request is
 * parked (http/conn.c), then settles it on the loop thread through the cache (zh_file_settle())
 * and keeps the result, so that the request, routed again from the start, finds it at once: the
 * same path under the same root gets the same answer for the rest of the request, nothing is
 * opened twice and `open_file_cache off` works the same. http-private.
 *
 * Ownership: the connection owns its zh_lookup_t (made at a request's first miss) and the
 * results in it (each holds a reference to its entry) until the request is answered
 * (zh_lookup_free()).
 * A connection that closes while a fetch is on the pool hands the lookup over to the fetch
 * (zh_lookup_free()): the completion then closes what was opened and frees it, so nothing is
 * freed under the op and no fd leaks.
 *
 * Where the loop runs file ops natively (io_uring), a FILE lookup under the default symlink
 * policy (disable_symlinks off) is not one pool job but a chain of native ops on the same op:
 * OPENAT2 (RESOLVE_BENEATH, as http/beneath.c) -> STATX of the fd -> PREAD of a small file,
 * giving the same zh_fetched_t. The ownership above holds at each step: a connection gone
 * meanwhile leaves the lookup to whichever op of the chain is in flight, whose completion closes
 * the fd, frees the bytes read and the lookup. */
#ifndef ZH_LOOKUP_H
#define ZH_LOOKUP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "http/autoindex.h"
#include "http/filecache.h"
#include "runtime/zk.h"

/* returned by the zh_file_get_at() / zh_dir_exists_at() and up through routing: a fetch was
 * started, the request waits for it */
#define ZH_PARKED (-EINPROGRESS)

/* FILE and DIR: a lookup by path; WARM: an fd-backed entry's first bytes read once on the pool,
 * so that the sendfile that follows finds its pages in memory */
enum { ZH_FETCH_FILE, ZH_FETCH_DIR, ZH_FETCH_WARM, ZH_FETCH_LIST };

/* The bytes from the start of a file a WARM fetch reads: what one inline sendfile op sends on
 * io_uring (larger ranges splice on io-wq there) */
#define ZH_WARM_MAX (1u << 20)

/* 1 when the pages of f's bytes [0, min(size, ZH_WARM_MAX)) look resident: its first and last
 * byte there read with preadv2(RWF_NOWAIT) (two cheap syscalls, no disk wait). f holds an fd. */
int zh_file_warm(const zh_file_t *f);

/* The blocking part of one lookup, as it came back. */
typedef struct zh_fetched {
    int res;        /* 0, or -errno (-EISDIR, -ENODEV for a special file, as zh_file_get) */
    int fd;         /* the open regular file (0 res), else -1 */
    struct stat st; /* its fstat */
    char *data;     /* malloc'd whole file when it is at most max_file bytes, else NULL */
} zh_fetched_t;

/* Reads size bytes of fd from offset 0: 0, or -errno (-EAGAIN: the file shrank meanwhile). */
int zh_read_all(int fd, char *buf, uint64_t size);

/* Opens `path` under the site's root (ZH_FETCH_FILE: a regular file, its stat, its bytes when
 * st_size <= max_file and the file is not `known` (same dev, inode, size, mtime); ZH_FETCH_DIR:
 * res 0 when it is a directory, fd closed). Blocking: on a pool thread, or on the loop when no
 * lookup can run. The caller owns fd and data. */
void zh_fetch(const zh_site_t *site, const char *path, size_t len, int kind, uint32_t max_file,
              const struct stat *known, zh_fetched_t *out);

/* zh_file_probe(): the cache cannot answer without the blocking part */
#define ZH_MISS 1

/* The cache alone, never blocking: 0 and *out (a new reference) for an entry still valid, its
 * -errno for a failure remembered (open_file_cache_errors), else ZH_MISS, *known being the
 * cached entry due for its re-check (NULL: none). Then zh_file_settle() with the fetch. */
int zh_file_probe(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                  const zh_file_t **known, zh_file_t **out);

/* zh_file_get() with the blocking part already done (`got`, whose fd and data it takes or
 * closes and frees), on the loop thread: the cache settles it as if it had opened the file
 * itself (the table may have changed meanwhile: an entry valid by now is used instead). */
int zh_file_settle(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                   zh_fetched_t *got, zh_file_t **out);

#define ZH_LOOKUP_MAX 16 /* results kept per request; past them, lookups block (rare) */

typedef struct zh_looked {
    const zh_site_t *site;
    char *path; /* malloc'd, NUL-terminated */
    uint32_t len;
    uint8_t kind;
    int res;      /* 0 or -errno */
    zh_file_t *f; /* a FILE found: a reference held */
} zh_looked_t;

typedef struct zh_lookup {
    zk_op_t op;
    zk_loop_t *loop;
    zk_task_t *task; /* woken when a fetch is settled; NULL once the connection has gone */
    zh_fcache_t *fc;
    unsigned n;
    zh_looked_t done[ZH_LOOKUP_MAX];
    zh_looked_t job; /* the one on the pool (path, site, kind) */
    uint32_t max_file;
    zh_file_t *warm; /* job: the entry a WARM fetch reads (a reference held) */
    /* job, LIST: autoindex's arguments (copies of the URI and the callback) and its page */
    char *uri, *cb;
    size_t uri_len;
    zh_listing_t opt;
    char *page;
    const char *page_ctype;
    long page_len;
    uint8_t has_known, ran;
    struct stat known;      /* job: the validators of the cached entry being re-checked */
    zh_fetched_t got;       /* job: written by the pool thread (ran set), or by the native chain */
    struct zh_chain *chain; /* job, FILE on a native ring: the chain's state (lookup.c) */
} zh_lookup_t;

/* A new lookup for the request of the task `task` on `loop`; NULL when out of memory. */
zh_lookup_t *zh_lookup_new(zk_loop_t *loop, zk_task_t *task, zh_fcache_t *fc);

/* The result kept for (site, kind, path), or NULL. */
const zh_looked_t *zh_lookup_find(const zh_lookup_t *lk, const zh_site_t *site, int kind,
                                  const char *path, size_t len);

/* 1 when a fetch can start now (none in flight, room for its result). */
int zh_lookup_can_start(const zh_lookup_t *lk);

/* Starts the fetch of (site, kind, path) on the pool (`known`: a cached entry to re-check, a
 * reference taken). 0 (the request parks: ZH_PARKED), or -errno (nothing started). */
int zh_lookup_start(zh_lookup_t *lk, const zh_site_t *site, int kind, const char *path, size_t len,
                    const zh_file_t *known);

/* Starts reading f's first ZH_WARM_MAX bytes on the pool (its result kept under (site, WARM,
 * path)); a reference to f is held meanwhile. 0 (the request parks), or -errno. */
int zh_lookup_warm(zh_lookup_t *lk, const zh_site_t *site, const char *path, size_t len,
                   zh_file_t *f);

/* Starts building the autoindex listing of the directory (site, path) on the pool
 * (zh_autoindex_build(): open, read, stat each entry, the page); its result is kept under
 * (site, LIST, path) as a blob (f, page_ctype set) or an -errno. 0 (the request parks), or
 * -errno. */
int zh_lookup_list(zh_lookup_t *lk, const zh_site_t *site, const char *path, size_t len,
                   const char *uri, size_t uri_len, const zh_listing_t *opt);

/* 1 while a fetch is on the pool. */
int zh_lookup_busy(const zh_lookup_t *lk);

/* Drops the results (their references) once the request is answered; the lookup stays. */
void zh_lookup_clear(zh_lookup_t *lk);

/* The connection is done with it: freed now, or, with a fetch on the pool, cancelled and freed
 * by its completion (which closes what was opened). NULL is fine. */
void zh_lookup_free(zh_lookup_t *lk);

#endif
