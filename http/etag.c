/* SPDX-License-Identifier: MIT */
#include "http/etag.h"

#include "http/date.h"

#include <string.h>

static size_t put_hex(char *out, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char buf[16];
    size_t i = sizeof(buf);

    do {
        buf[--i] = hex[v & 15];
        v >>= 4;
    } while (v != 0);
    memcpy(out, buf + i, sizeof(buf) - i);
    return sizeof(buf) - i;
}

size_t zh_etag_format(char out[ZH_ETAG_LEN + 1], time_t mtime, uint64_t size)
{
    size_t n = 0;

    out[n++] = '"';
    n += put_hex(out + n, (uint64_t)mtime);
    out[n++] = '-';
    n += put_hex(out + n, size);
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Splits "W/" off a tag; returns 1 when it was there. */
static int strip_weak(const char **p, size_t *len)
{
    if (*len >= 2 && (*p)[0] == 'W' && (*p)[1] == '/') {
        *p += 2;
        *len -= 2;
        return 1;
    }
    return 0;
}

static int tags_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

int zh_etag_match_list(const char *value, size_t len, const char *etag, size_t etaglen, int weak)
{
    const char *p = value, *end = value + len;
    int ours_weak = strip_weak(&etag, &etaglen);

    if (ours_weak && !weak) return 0; /* strong comparison never matches a weak tag */
    for (;;) {
        const char *tag, *close;
        int theirs_weak;

        p = skip_ows(p, end);
        if (p == end) return 0;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '*') { /* alone by the grammar; tolerated inside a list */
            p = skip_ows(p + 1, end);
            return p == end || *p == ',';
        }
        tag = p;
        theirs_weak = end - p >= 2 && p[0] == 'W' && p[1] == '/';
        if (theirs_weak) p += 2;
        if (p == end || *p != '"') return 0; /* malformed: stop looking */
        close = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (close == NULL) return 0;
        p = close + 1;
        if ((weak || !theirs_weak) &&
            tags_equal(tag + (theirs_weak ? 2 : 0), (size_t)(p - tag) - (theirs_weak ? 2 : 0), etag,
                       etaglen))
            return 1;
        p = skip_ows(p, end);
        if (p < end && *p != ',') return 0;
    }
}

int zh_if_range_ok(const char *value, size_t len, const char *etag, size_t etaglen, time_t mtime)
{
    const char *end = value + len;
    time_t t;

    value = skip_ows(value, end);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    len = (size_t)(end - value);
    if (len >= 2 && value[0] == 'W' && value[1] == '/') return 0;
    if (len >= 1 && value[0] == '"')
        return len >= 2 && value[len - 1] == '"' && etaglen > 0 && etag[0] == '"' &&
               tags_equal(value, len, etag, etaglen);
    return zh_date_parse(value, len, &t) == 0 && t == mtime;
}

/* nginx's ngx_http_test_if_match(): "*" alone, else a tag of the list */
static int nginx_match(const char *v, size_t len, const char *etag, size_t etaglen, int weak)
{
    if (len == 1 && v[0] == '*') return 1; /* before the tag: even with `etag off` */
    if (etag == NULL) return 0;
    return zh_etag_match_list(v, len, etag, etaglen, weak);
}

/* nginx's ngx_http_test_if_modified(): 1 when the file counts as modified */
static int nginx_modified(const zh_cond_t *c, int ims, time_t mtime)
{
    time_t t;

    if (ims == ZH_COND_IMS_OFF) return 1;
    if (zh_date_parse(c->if_modified_since, c->if_modified_since_len, &t) < 0) return 1;
    if (t == mtime) return 0;
    return ims == ZH_COND_IMS_EXACT || t < mtime;
}

int zh_cond_nginx(const zh_cond_t *c, int ims, const char *etag, size_t etaglen, time_t mtime)
{
    time_t t;

    if (c->if_unmodified_since != NULL &&
        (zh_date_parse(c->if_unmodified_since, c->if_unmodified_since_len, &t) < 0 || t < mtime))
        return 412;
    if (c->if_match != NULL && !nginx_match(c->if_match, c->if_match_len, etag, etaglen, 0))
        return 412;
    if (c->if_modified_since == NULL && c->if_none_match == NULL) return 0;
    if (c->if_modified_since != NULL && nginx_modified(c, ims, mtime)) return 0;
    if (c->if_none_match != NULL &&
        !nginx_match(c->if_none_match, c->if_none_match_len, etag, etaglen, 1))
        return 0;
    return 304;
}
