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
#include "http/sink.h"

typedef struct entry {
    char *name;
    int dir;
    long long size;
    time_t mtime;
} entry_t;

static int cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->dir != y->dir) return y->dir - x->dir;
    return strcmp(x->name, y->name);
}

static void add_entry(zh_sink_t *b, const entry_t *e)
{
    size_t nl = strlen(e->name);
    char href[3 * 256 + 2], tail[96];
    size_t hl = zh_uri_escape(e->name, nl, href, sizeof href - 1);
    if (hl >= sizeof href - 1) return;
    if (e->dir) href[hl++] = '/';
    zh_sink_str(b, "<a href=\"");
    zh_sink_escaped(b, zh_html_escape, href, hl); /* '&' survives percent-escaping */
    zh_sink_str(b, "\">");
    zh_sink_escaped(b, zh_html_escape, e->name, nl);
    zh_sink_str(b, e->dir ? "/</a>" : "</a>");
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
    zh_sink_str(b, tail);
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
    zh_sink_t b = ZH_SINK_GROWING;
    if (r == 0) {
        qsort(ents, n, sizeof *ents, cmp);
        ZH_SINK_LIT(&b, "<html>\r\n<head><title>Index of ");
        zh_sink_escaped(&b, zh_html_escape, uri, uri_len);
        ZH_SINK_LIT(&b, "</title></head>\r\n<body>\r\n<h1>Index of ");
        zh_sink_escaped(&b, zh_html_escape, uri, uri_len);
        ZH_SINK_LIT(&b, "</h1><hr><pre><a href=\"../\">../</a>\n");
        for (size_t i = 0; i < n; i++)
            add_entry(&b, &ents[i]);
        ZH_SINK_LIT(&b, "</pre><hr></body>\r\n</html>\r\n");
        r = zh_sink_ok(&b) ? (long)b.written : -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        free(ents[i].name);
    free(ents);
    if (r < 0) {
        free(b.out);
        return r;
    }
    *out = b.out;
    return r;
}
