/* SPDX-License-Identifier: MIT */
/* zokiod http: directory listings, in nginx's bytes (ngx_http_autoindex_module: html, xml,
 * json, jsonp). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/autoindex.h"
#include "http/date.h"
#include "http/filecache.h"
#include "http/sink.h"

#define NAME_LEN 50 /* nginx's NGX_HTTP_AUTOINDEX_NAME_LEN: longer names are cut */

enum { DIR_E, FILE_E, OTHER_E };

typedef struct entry {
    char *name;
    size_t len;
    int kind; /* DIR_E, FILE_E or OTHER_E */
    long long size;
    time_t mtime;
} entry_t;

static int cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if ((x->kind == DIR_E) != (y->kind == DIR_E)) return x->kind == DIR_E ? -1 : 1;
    return strcmp(x->name, y->name);
}

int zh_autoindex_callback_ok(const char *cb, size_t len)
{
    if (len > 128) return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)cb[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* nginx's ngx_escape_html: & < > " (not ') */
static void put_html(zh_sink_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': ZH_SINK_LIT(b, "&amp;"); break;
        case '<': ZH_SINK_LIT(b, "&lt;"); break;
        case '>': ZH_SINK_LIT(b, "&gt;"); break;
        case '"': ZH_SINK_LIT(b, "&quot;"); break;
        default: zh_sink_put(b, s + i, 1); break;
        }
    }
}

/* One UTF-8 character at s (n bytes left), as nginx's ngx_utf8_decode judges it: its length in
 * bytes, or 0 when it is not a valid one (a bad or overlong sequence, beyond U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    uint32_t u = s[0], valid;
    size_t more;
    if (u >= 0xf0) {
        u &= 0x07, valid = 0xffff, more = 3;
    } else if (u >= 0xe0) {
        u &= 0x0f, valid = 0x7ff, more = 2;
    } else if (u >= 0xc2) {
        u &= 0x1f, valid = 0x7f, more = 1;
    } else {
        return 0;
    }
    if (n - 1 < more) return 0;
    for (size_t i = 1; i <= more; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        u = (u << 6) | (s[i] & 0x3f);
    }
    return u > valid && u <= 0x10ffff ? more + 1 : 0;
}

/* nginx's ngx_utf8_length: the characters of a name, or its bytes when it is not valid UTF-8 */
static size_t utf8_length(const char *name, size_t n)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t chars = 0;
    for (size_t i = 0, k; i < n; i += k, chars++)
        if ((k = p[i] < 0x80 ? 1 : utf8_char(p + i, n - i)) == 0) return n;
    return chars;
}

/* the bytes of the first `chars` characters of a valid UTF-8 name */
static size_t utf8_prefix(const char *name, size_t n, size_t chars)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t i = 0;
    for (; i < n && chars; chars--)
        i += p[i] < 0x80 ? 1 : utf8_char(p + i, n - i);
    return i;
}

/* a link to a name: every byte but letters, digits and "-._~" as %XX */
static void put_href(zh_sink_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            zh_sink_put(b, s + i, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            zh_sink_put(b, e, 3);
        }
    }
}

/* nginx's ngx_escape_json: '"' and '\\' escaped, controls as \n \r \t \b \f or \u00XX */
static void put_json(zh_sink_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = c == '"'    ? "\\\""
                        : c == '\\' ? "\\\\"
                        : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t"
                        : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f"
                                    : NULL;
        if (e) {
            zh_sink_str(b, e);
        } else if (c < 0x20) {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            zh_sink_put(b, u, 6);
        } else {
            zh_sink_put(b, s + i, 1);
        }
    }
}

static void put_fmt(zh_sink_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(zh_sink_t *b, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) zh_sink_put(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* the size column without autoindex_exact_size: nginx's rounding to K, M, G */
static void put_scaled(zh_sink_t *b, long long len)
{
    const long long G = 1024LL * 1024 * 1024, M = 1024LL * 1024;
    long long size;
    char scale = 0;
    if (len > G - 1) {
        size = len / G + (len % G > G / 2 - 1);
        scale = 'G';
    } else if (len > M - 1) {
        size = len / M + (len % M > M / 2 - 1);
        scale = 'M';
    } else if (len > 9999) {
        size = len / 1024 + (len % 1024 > 511);
        scale = 'K';
    } else {
        size = len;
    }
    if (scale)
        put_fmt(b, "%6lld%c", size, scale);
    else
        put_fmt(b, " %6lld", size);
}

/* utf8: the page is labelled `charset utf-8`, so nginx counts a name's width in characters */
static void html_entry(zh_sink_t *b, const entry_t *e, const zh_paths_t *o, long gmtoff, int utf8)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    size_t len = utf8 ? utf8_length(e->name, e->len) : e->len; /* its width */
    int dir = e->kind == DIR_E;
    ZH_SINK_LIT(b, "<a href=\"");
    put_href(b, e->name, e->len);
    if (dir) ZH_SINK_LIT(b, "/");
    ZH_SINK_LIT(b, "\">");
    if (len > NAME_LEN) { /* cut: 47 bytes (characters) and "..>" */
        put_html(b, e->name,
                 len != e->len ? utf8_prefix(e->name, e->len, NAME_LEN - 3) : NAME_LEN - 3);
        ZH_SINK_LIT(b, "..&gt;</a>");
    } else {
        put_html(b, e->name, e->len);
        if (dir && len < NAME_LEN) { /* nginx: no room, no '/' */
            ZH_SINK_LIT(b, "/");
            len++;
        }
        ZH_SINK_LIT(b, "</a>");
        for (; len < NAME_LEN; len++)
            ZH_SINK_LIT(b, " ");
    }
    time_t t = e->mtime + (o->ai_localtime ? gmtoff : 0);
    struct tm tm;
    gmtime_r(&t, &tm);
    put_fmt(b, " %02d-%s-%d %02d:%02d ", tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
            tm.tm_min);
    if (o->ai_exact_size && dir)
        ZH_SINK_LIT(b, "                  -");
    else if (o->ai_exact_size)
        put_fmt(b, "%19lld", e->size);
    else if (dir)
        ZH_SINK_LIT(b, "      -");
    else
        put_scaled(b, e->size);
    ZH_SINK_LIT(b, "\r\n");
}

static void html_page(zh_sink_t *b, const entry_t *ents, size_t n, const char *uri, size_t uri_len,
                      const zh_paths_t *o, int utf8)
{
    time_t now = time(NULL);
    struct tm lt;
    long gmtoff = localtime_r(&now, &lt) ? lt.tm_gmtoff : 0; /* nginx: the offset of now */
    ZH_SINK_LIT(b, "<html>\r\n<head><title>Index of ");
    put_html(b, uri, uri_len);
    ZH_SINK_LIT(b, "</title></head>\r\n<body>\r\n<h1>Index of ");
    put_html(b, uri, uri_len);
    ZH_SINK_LIT(b, "</h1><hr><pre><a href=\"../\">../</a>\r\n");
    for (size_t i = 0; i < n; i++)
        html_entry(b, &ents[i], o, gmtoff, utf8);
    ZH_SINK_LIT(b, "</pre><hr></body>\r\n</html>\r\n");
}

static void xml_page(zh_sink_t *b, const entry_t *ents, size_t n)
{
    static const char *const tag[] = {"directory", "file", "other"};
    ZH_SINK_LIT(b, "<?xml version=\"1.0\"?>\r\n<list>\r\n");
    for (size_t i = 0; i < n; i++) {
        const entry_t *e = &ents[i];
        struct tm tm;
        gmtime_r(&e->mtime, &tm);
        put_fmt(b, "<%s mtime=\"%4d-%02d-%02dT%02d:%02d:%02dZ", tag[e->kind], tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (e->kind == FILE_E) put_fmt(b, "\" size=\"%lld", e->size);
        ZH_SINK_LIT(b, "\">");
        put_html(b, e->name, e->len);
        put_fmt(b, "</%s>\r\n", tag[e->kind]);
    }
    ZH_SINK_LIT(b, "</list>\r\n");
}

static void json_page(zh_sink_t *b, const entry_t *ents, size_t n)
{
    static const char *const type[] = {"directory", "file", "other"};
    ZH_SINK_LIT(b, "[\r\n");
    for (size_t i = 0; i < n; i++) {
        const entry_t *e = &ents[i];
        char date[ZH_DATE_SIZE];
        if (i) ZH_SINK_LIT(b, ",\r\n");
        ZH_SINK_LIT(b, "{ \"name\":\"");
        put_json(b, e->name, e->len);
        put_fmt(b, "\", \"type\":\"%s\", \"mtime\":\"", type[e->kind]);
        zh_date_format(e->mtime, date);
        zh_sink_str(b, date);
        ZH_SINK_LIT(b, "\"");
        if (e->kind == FILE_E) put_fmt(b, ", \"size\":%lld", e->size);
        ZH_SINK_LIT(b, " }");
    }
    if (n) ZH_SINK_LIT(b, "\r\n");
    ZH_SINK_LIT(b, "]");
}

/* the entries of the open directory d, sorted: 0 or -ENOMEM (*ents then holds *n to free) */
static int read_entries(DIR *d, entry_t **ents, size_t *n)
{
    size_t cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) continue; /* vanished, or a dead link */
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            entry_t *e = realloc(*ents, cap * sizeof *e);
            if (!e) return -ENOMEM;
            *ents = e;
        }
        entry_t *e = &(*ents)[*n];
        if (!(e->name = strdup(de->d_name))) return -ENOMEM;
        e->len = strlen(e->name);
        e->kind = S_ISDIR(st.st_mode) ? DIR_E : S_ISREG(st.st_mode) ? FILE_E : OTHER_E;
        e->size = (long long)st.st_size;
        e->mtime = st.st_mtime;
        (*n)++;
    }
    if (*n > 1) qsort(*ents, *n, sizeof **ents, cmp); /* an empty one has no array at all */
    return 0;
}

long zh_autoindex_build(const zh_site_t *site, const char *fs_path, size_t fs_len, const char *uri,
                        size_t uri_len, const zh_listing_t *opt, char **out, const char **ctype)
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
    size_t n = 0;
    long r = read_entries(d, &ents, &n);
    closedir(d);
    zh_sink_t b = ZH_SINK_GROWING;
    if (r == 0) {
        const char *cb = opt->cb;
        size_t cblen = opt->cblen;
        int fmt = opt->paths->ai_format;
        if (fmt == ZH_AUTOINDEX_JSONP && !cblen) fmt = ZH_AUTOINDEX_JSON; /* nginx: no callback */
        *ctype = fmt == ZH_AUTOINDEX_XML     ? "text/xml; charset=utf-8"
                 : fmt == ZH_AUTOINDEX_JSON  ? "application/json"
                 : fmt == ZH_AUTOINDEX_JSONP ? "application/javascript"
                                             : "text/html";
        if (fmt == ZH_AUTOINDEX_JSONP) {
            ZH_SINK_LIT(&b, "/* callback */\r\n");
            zh_sink_put(&b, cb, cblen);
            ZH_SINK_LIT(&b, "(");
        }
        if (fmt == ZH_AUTOINDEX_XML)
            xml_page(&b, ents, n);
        else if (fmt == ZH_AUTOINDEX_HTML)
            html_page(&b, ents, n, uri, uri_len, opt->paths, opt->utf8);
        else
            json_page(&b, ents, n);
        if (fmt == ZH_AUTOINDEX_JSONP) ZH_SINK_LIT(&b, ");");
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
