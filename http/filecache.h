/* SPDX-License-Identifier: MIT */
/* zokiod http: the open-file cache (nginx's open_file_cache, always on). Small regular files are
 * held in memory, larger ones keep their fd open for sendfile; both with their response headers
 * prebuilt. Entries are refcounted: a response holds a reference until its bytes have left. A
 * cached entry is re-checked (opened again beneath the root and compared by inode, size and
 * mtime) at most once per second, so a changed or removed file is never served stale for longer. */
#ifndef ZH_FILECACHE_H
#define ZH_FILECACHE_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "http/etag.h"
#include "http/server.h"

typedef struct zh_file {
    struct zh_file *next; /* hash chain / free list */
    uint32_t refs;
    uint32_t hash;
    int fd;     /* -1 for in-memory entries */
    char *data; /* the whole file, for in-memory entries */
    uint64_t size;
    time_t mtime;
    dev_t dev;
    ino_t ino;
    time_t checked; /* second of the last validation */
    uint8_t cached; /* in the hash table */
    uint64_t mem;   /* bytes of memory it holds (data) */
    const char *ctype;
    uint16_t etag_len;
    char etag[ZH_ETAG_LEN + 1];
    char lastmod[30];
    char *hdr; /* "Content-Type: ..\r\nContent-Length: ..\r\nLast-Modified: ..\r\nETag: ..\r\n
                * Accept-Ranges: bytes\r\n" (NULL for a generated page) */
    uint32_t hdr_len;
    uint32_t keylen;
    char *key;             /* the normalized path */
    const zh_site_t *site; /* the root it was found under (part of the key) */
} zh_file_t;

typedef struct zh_fcache {
    uint32_t max_file;
    uint64_t max_bytes, bytes;
    zh_file_t **tab;
    uint32_t mask, count;
    uint32_t nfds;    /* cached entries holding an open fd */
    uint32_t max_fds; /* 1,024, or a quarter of RLIMIT_NOFILE when that is less */
} zh_fcache_t;

int zh_fcache_init(zh_fcache_t *fc, uint32_t max_file, uint64_t max_bytes);
void zh_fcache_fini(zh_fcache_t *fc);

/* Finds the regular file at the normalized `path` (starting with '/', no trailing slash) under
 * the site's root, opening it with RESOLVE_BENEATH so neither ".." nor a symlink leaves the root.
 * On success *out holds a new reference (release with zh_file_unref) and 0 is returned.
 * Errors: -ENOENT / -ENOTDIR (404), -EACCES / -EPERM / -EXDEV / -ELOOP (403), -EISDIR (a
 * directory: the caller redirects or looks for an index), -EFTYPE-like -ENODEV for a special file
 * (403), -ENAMETOOLONG (414), other -errno (500). `now` is the loop's second. */
int zh_file_get(zh_fcache_t *fc, const zh_site_t *site, const char *path, size_t len, time_t now,
                zh_file_t **out);

/* 1 when `path` names a directory under the root (RESOLVE_BENEATH). */
int zh_dir_exists(const zh_site_t *site, const char *path, size_t len);

/* Opens the directory at `path` under the site's root for reading (autoindex); fd or -errno. */
int zh_dir_open(const zh_site_t *site, const char *path, size_t len);

/* A refcounted in-memory body (a generated page): takes ownership of the malloc'd data. */
zh_file_t *zh_blob_new(zh_fcache_t *fc, char *data, uint64_t size);

void zh_file_ref(zh_file_t *f);
void zh_file_unref(zh_fcache_t *fc, zh_file_t *f);

#endif
