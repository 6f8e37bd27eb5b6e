/* SPDX-License-Identifier: MIT */
#include "http/path.h"
#include "http/sink.h"

#include <string.h>

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

void zh_path_split_query(const char *target, size_t len, size_t *pathlen, const char **query,
                         size_t *querylen)
{
    const char *q = memchr(target, '?', len);

    if (q == NULL) {
        *pathlen = len;
        *query = NULL;
        *querylen = 0;
        return;
    }
    *pathlen = (size_t)(q - target);
    *query = q + 1;
    *querylen = len - *pathlen - 1;
}

/* Returns 1 or 2 when raw[start, end) decodes to "." or "..", else 0. Invalid escapes give 0
 * and are reported when the segment is decoded for real. */
static int dot_segment(const char *raw, size_t start, size_t end)
{
    size_t n = 0;

    while (start < end && n < 3) {
        if (raw[start] == '.') {
            start++;
        } else if (end - start >= 3 && raw[start] == '%' && raw[start + 1] == '2' &&
                   (raw[start + 2] | 0x20) == 'e') {
            start += 3;
        } else {
            return 0;
        }
        n++;
    }
    return start == end && n <= 2 ? (int)n : 0;
}

/* Decodes raw[start, end) into out[*o...], keeping one byte free for the final NUL.
 * Returns 0, 400, 414, or 404 when a decoded '/' appeared (decoding continues then). */
static int decode_segment(const char *raw, size_t start, size_t end, char *out, size_t outcap,
                          size_t *o)
{
    int status = 0;

    for (size_t j = start; j < end; j++) {
        unsigned char c = (unsigned char)raw[j];

        if (c < 0x20 || c == 0x7f) return 400;
        if (c == '%') {
            int hi = j + 2 < end ? hexval((unsigned char)raw[j + 1]) : -1;
            int lo = j + 2 < end ? hexval((unsigned char)raw[j + 2]) : -1;

            if (hi < 0 || lo < 0) return 400;
            c = (unsigned char)(hi << 4 | lo);
            j += 2;
            if (c == 0) return 400;
            if (c == '/') { /* stored as NUL (never valid otherwise) so ".." still works */
                status = 404;
                c = '\0';
            }
        }
        if (*o + 1 >= outcap) return 414;
        out[(*o)++] = (char)c;
    }
    return status;
}

int zh_path_normalize(const char *raw, size_t len, char *out, size_t outcap, size_t *outlen)
{
    return zh_path_normalize_merge(raw, len, 1, out, outcap, outlen);
}

int zh_path_normalize_merge(const char *raw, size_t len, int merge, char *out, size_t outcap,
                            size_t *outlen)
{
    size_t i = 0, o = 0; /* out[0, o) is "" (root) or "/seg/seg" without a trailing '/' */
    int status = 0, trailing = 0;

    if (len == 0 || raw[0] != '/') return 400;
    if (outcap < 2) return 414;

    while (i < len) {
        size_t start = ++i;
        int rc, dots;

        while (i < len && raw[i] != '/')
            i++;
        trailing = 1; /* for "//", a final '/', and a final "." or ".." */
        if (i == start && (merge || i == len)) continue;
        if (i == start) { /* merge_slashes off: an empty segment, which ".." may remove */
            if (o + 1 >= outcap) return 414;
            out[o++] = '/';
            trailing = 0;
            continue;
        }
        dots = dot_segment(raw, start, i);
        if (dots == 1) continue;
        if (dots == 2) {
            if (o == 0) return 400; /* above the root */
            while (out[--o] != '/')
                ;
            continue;
        }
        trailing = 0;
        if (o + 1 >= outcap) return 414;
        out[o++] = '/';
        rc = decode_segment(raw, start, i, out, outcap, &o);
        if (rc == 404)
            status = 404;
        else if (rc != 0)
            return rc;
    }
    if (status != 0) return status;
    if (o == 0 || trailing) {
        if (o + 1 >= outcap) return 414;
        out[o++] = '/';
    }
    out[o] = '\0';
    *outlen = o;
    return 0;
}

static int uri_must_escape(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f) return 1;
    return strchr("\"#%<>?\\^`{|}", c) != NULL;
}

size_t zh_uri_escape(const char *in, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    zh_sink_t s = ZH_SINK(out, cap);

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

        if (uri_must_escape(c))
            zh_sink_put(&s, esc, 3);
        else
            zh_sink_put(&s, in + i, 1);
    }
    return zh_sink_end(&s);
}

size_t zh_html_escape(const char *in, size_t len, char *out, size_t cap)
{
    zh_sink_t s = ZH_SINK(out, cap);

    for (size_t i = 0; i < len; i++) {
        switch (in[i]) {
        case '&': zh_sink_put(&s, "&amp;", 5); break;
        case '<': zh_sink_put(&s, "&lt;", 4); break;
        case '>': zh_sink_put(&s, "&gt;", 4); break;
        case '"': zh_sink_put(&s, "&quot;", 6); break;
        case '\'': zh_sink_put(&s, "&#39;", 5); break;
        default: zh_sink_put(&s, in + i, 1); break;
        }
    }
    return zh_sink_end(&s);
}
