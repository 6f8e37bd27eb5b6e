/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: request-target splitting, path normalization and the two escapers.
 * Input: one flags byte, then the request-target. Checks the documented invariants and the
 * round trip normalize(uri_escape(normalized)) == normalized, with merge_slashes on and off. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/path.h"
#include "tests/fuzz/fuzz.h"

static int has_segment(const char *s, size_t len, const char *seg)
{
    size_t sl = strlen(seg);
    for (size_t i = 0; i + sl <= len; i++)
        if (s[i] == '/' && !memcmp(s + i + 1, seg, sl - 1) && (i + sl == len || s[i + sl] == '/'))
            return 1;
    return 0;
}

typedef size_t (*escape_fn)(const char *in, size_t len, char *out, size_t cap);

/* snprintf semantics: the measure, a full write and a truncated write agree; `grow` bounds the
 * growth per input byte. Returns the full result (caller frees) and its length in *outlen. */
static char *check_escape(escape_fn fn, const char *in, size_t len, size_t grow, uint8_t t,
                          size_t *outlen)
{
    char *none = malloc(0); /* cap 0: nothing may be written, not even a NUL */
    size_t need = fn(in, len, none, 0);
    free(none);
    CHECK(need <= grow * len);
    char *full = xmalloc(need + 1);
    CHECK(fn(in, len, full, need + 1) == need);
    CHECK(full[need] == '\0'); /* HTML escaping passes a NUL byte through */
    size_t cap = need ? (size_t)t % (need + 1) : 0;
    if (cap) {
        char *part = xmalloc(cap);
        CHECK(fn(in, len, part, cap) == need);
        const char *nul = memchr(part, '\0', cap);
        CHECK(nul && !memcmp(part, full, (size_t)(nul - part)));
        free(part);
    }
    *outlen = need;
    return full;
}

static void check_uri_escaped(const char *s, size_t len)
{
    static const char bad[] = " \"#<>?\\^`{|}";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        CHECK(ch > 0x20 && ch < 0x7f && !strchr(bad, ch));
        if (ch == '%') CHECK(i + 2 < len);
    }
}

static void check_html_escaped(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        CHECK(s[i] != '<' && s[i] != '>' && s[i] != '"' && s[i] != '\'');
}

/* normalized output: starts with '/', no NUL, no empty, "." or ".." segment */
static void check_normalized(const char *out, size_t outlen)
{
    CHECK(outlen >= 1 && out[0] == '/' && out[outlen] == '\0');
    CHECK(memchr(out, '\0', outlen) == NULL);
    CHECK(!has_segment(out, outlen, "/.") && !has_segment(out, outlen, "/.."));
    for (size_t i = 0; i + 1 < outlen; i++)
        CHECK(!(out[i] == '/' && out[i + 1] == '/'));
}

/* no segment (empty ones included) is "." or ".." */
static void check_no_dot_segment(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t j = i + 1;
        while (j < len && s[j] != '/')
            j++;
        size_t n = j - i - 1;
        CHECK(!(n == 1 && s[i + 1] == '.') && !(n == 2 && s[i + 1] == '.' && s[i + 2] == '.'));
        i = j;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t flags = data[0];
    size_t len = size - 1;
    char *target = xmalloc(len);
    memcpy(target, data + 1, len);

    size_t pathlen, qlen;
    const char *q;
    zh_path_split_query(target, len, &pathlen, &q, &qlen);
    CHECK(pathlen <= len && !memchr(target, '?', pathlen));
    if (q) {
        CHECK(pathlen < len && target[pathlen] == '?' && q == target + pathlen + 1);
        CHECK(qlen == len - pathlen - 1);
    } else {
        CHECK(pathlen == len && qlen == 0);
    }

    /* a buffer one byte longer than the path always fits: decoding never grows it */
    size_t outcap = (flags & 1) ? (size_t)(flags >> 1) : pathlen + 1;
    char *out = xmalloc(outcap);
    size_t outlen = 0;
    int st = zh_path_normalize(target, pathlen, out, outcap, &outlen);
    CHECK(st == 0 || st == 400 || st == 404 || st == 414);
    if (outcap >= pathlen + 1) CHECK(st != 414);
    if (st == 0) {
        CHECK(outlen < outcap);
        check_normalized(out, outlen);
        size_t esclen;
        char *esc = check_escape(zh_uri_escape, out, outlen, 3, flags, &esclen);
        CHECK(strlen(esc) == esclen); /* a NUL byte is escaped */
        check_uri_escaped(esc, esclen);
        char *back = xmalloc(esclen + 1);
        size_t backlen = 0;
        CHECK(zh_path_normalize(esc, esclen, back, esclen + 1, &backlen) == 0);
        CHECK(backlen == outlen && !memcmp(back, out, outlen));
        free(back);
        free(esc);
        size_t hlen;
        free(check_escape(zh_html_escape, out, outlen, 6, flags, &hlen));
    }
    /* merge_slashes off: the same, empty segments kept, and the same round trip */
    st = zh_path_normalize_merge(target, pathlen, 0, out, outcap, &outlen);
    CHECK(st == 0 || st == 400 || st == 404 || st == 414);
    if (outcap >= pathlen + 1) CHECK(st != 414);
    if (st == 0) {
        CHECK(outlen < outcap && outlen >= 1 && out[0] == '/' && out[outlen] == '\0');
        CHECK(memchr(out, '\0', outlen) == NULL);
        check_no_dot_segment(out, outlen);
        size_t esclen;
        char *esc = check_escape(zh_uri_escape, out, outlen, 3, flags, &esclen);
        char *back = xmalloc(esclen + 1);
        size_t backlen = 0;
        CHECK(zh_path_normalize_merge(esc, esclen, 0, back, esclen + 1, &backlen) == 0);
        CHECK(backlen == outlen && !memcmp(back, out, outlen));
        free(back);
        free(esc);
    }
    size_t elen;
    char *e = check_escape(zh_uri_escape, target, len, 3, flags, &elen);
    CHECK(strlen(e) == elen);
    check_uri_escaped(e, elen);
    free(e);
    e = check_escape(zh_html_escape, target, len, 6, flags, &elen);
    check_html_escaped(e, elen);
    free(e);
    free(out);
    free(target);
    return 0;
}
