/* SPDX-License-Identifier: MIT */
/* zokiod http: directory listings. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/autoindex.h"
#include "http/filecache.h"
#include "http/path.h"

typedef struct entry {
    char *name;
    int dir;
    long long size;
    time_t mtime;
} entry_t;

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf_t;

static void grow(buf_t *b, size_t more)
{
    if (b->oom || b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void add(buf_t *b, const char *s, size_t n)
{
    grow(b, n);
    if (b->oom) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void adds(buf_t *b, const char *s) { add(b, s, strlen(s)); }

/* appends `s` escaped by fn (snprintf-style escapers from path.h) */
static void add_esc(buf_t *b, size_t (*fn)(const char *, size_t, char *, size_t), const char *s,
                    size_t n)
{
    size_t need = fn(s, n, NULL, 0);
    grow(b, need + 1);
    if (b->oom) return;
    fn(s, n, b->p + b->len, need + 1);
    b->len += need;
}

static int cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->dir != y->dir) return y->dir - x->dir;
    return strcmp(x->name, y->name);
}

static void add_entry(buf_t *b, const entry_t *e)
{
    size_t nl = strlen(e->name);
    char href[3 * 256 + 2], tail[96];
    size_t hl = zh_uri_escape(e->name, nl, href, sizeof href - 1);
    if (hl >= sizeof href - 1) return;
    if (e->dir) href[hl++] = '/';
    adds(b, "<a href=\"");
    add_esc(b, zh_html_escape, href, hl); /* '&' survives percent-escaping */
    adds(b, "\">");
    add_esc(b, zh_html_escape, e->name, nl);
    adds(b, e->dir ? "/</a>" : "</a>");
    struct tm tm;
    gmtime_r(&e->mtime, &tm);
    size_t shown = nl + (size_t)e->dir;
    int pad = shown < 50 ? (int)(50 - shown) : 1;
    char date[32];
    strftime(date, sizeof date, "%d-%b-%Y %H:%M", &tm);
    if (e->dir)
        snprintf(tail, sizeof tail, "%*s%s %19s\n", pad, "", date, "-");
    else
        snprintf(tail, sizeof tail, "%*s%s %19lld\n", pad, "", date, e->size);
    adds(b, tail);
}

long zh_autoindex_build(const zh_site_t *site, const char *fs_path, size_t fs_len, const char *uri,
                        size_t uri_len, char **out)
{
    int fd = zh_dir_open(site, fs_path, fs_len);
    if (fd < 0) return fd;
    DIR *d = fdopendir(fd);
    if (!d) {
        int r = -errno;
        close(fd);
        return r;
    }
    entry_t *ents = NULL;
    size_t n = 0, cap = 0;
    long r = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) continue; /* vanished, or a dead link */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            entry_t *e = realloc(ents, cap * sizeof *e);
            if (!e) {
                r = -ENOMEM;
                break;
            }
            ents = e;
        }
        ents[n].name = strdup(de->d_name);
        if (!ents[n].name) {
            r = -ENOMEM;
            break;
        }
        ents[n].dir = S_ISDIR(st.st_mode);
        ents[n].size = (long long)st.st_size;
        ents[n].mtime = st.st_mtime;
        n++;
    }
    closedir(d);
    buf_t b = {0};
    if (r == 0) {
        qsort(ents, n, sizeof *ents, cmp);
        adds(&b, "<html>\r\n<head><title>Index of ");
        add_esc(&b, zh_html_escape, uri, uri_len);
        adds(&b, "</title></head>\r\n<body>\r\n<h1>Index of ");
        add_esc(&b, zh_html_escape, uri, uri_len);
        adds(&b, "</h1><hr><pre><a href=\"../\">../</a>\n");
        for (size_t i = 0; i < n; i++)
            add_entry(&b, &ents[i]);
        adds(&b, "</pre><hr></body>\r\n</html>\r\n");
        r = b.oom ? -ENOMEM : (long)b.len;
    }
    for (size_t i = 0; i < n; i++)
        free(ents[i].name);
    free(ents);
    if (r < 0) {
        free(b.p);
        return r;
    }
    *out = b.p;
    return r;
}
