/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: HTTP-date parsing and formatting, entity-tag lists and the conditional
 * request evaluation. Input: 8 little-endian bytes of mtime, one flags byte, then up to five
 * '\n'-separated header values: If-Match, If-None-Match, If-Modified-Since,
 * If-Unmodified-Since, If-Range (flag bits 0-3 make the first four absent, bits 4-5 pick the
 * if_modified_since mode, bit 6 is `etag off`). Every value is
 * passed in a buffer of exactly its length (no NUL after it). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/date.h"
#include "http/etag.h"
#include "tests/fuzz/fuzz.h"

#define NFIELDS  5
#define MAX_DATE ((time_t)253402300799) /* 9999-12-31 23:59:59 */

typedef struct field {
    char *p;
    size_t len;
} field_t;

/* a date that parses formats back to a string that parses to the same instant */
static void check_date(const char *s, size_t len)
{
    time_t t;
    if (zh_date_parse(s, len, &t) != 0) return;
    if (t < 0 || t > MAX_DATE) return; /* outside what the format can write */
    char out[ZH_DATE_SIZE];
    zh_date_format(t, out);
    CHECK(strlen(out) == ZH_DATE_LEN);
    time_t back;
    CHECK(zh_date_parse(out, ZH_DATE_LEN, &back) == 0 && back == t);
}

static void check_etags(const field_t *f, const char *etag, size_t etaglen, int ours_weak)
{
    for (int i = 0; i < NFIELDS; i++) {
        if (!f[i].p) continue;
        int s = zh_etag_match_list(f[i].p, f[i].len, etag, etaglen, 0);
        int w = zh_etag_match_list(f[i].p, f[i].len, etag, etaglen, 1);
        CHECK((s == 0 || s == 1) && (w == 0 || w == 1));
        CHECK(!s || w); /* a strong match is a weak match too */
        if (ours_weak) CHECK(!s);
        int r = zh_if_range_ok(f[i].p, f[i].len, etag, etaglen, 0);
        CHECK(r == 0 || r == 1);
    }
    /* our own tag, alone or after the fuzzed list, matches weakly; strongly when strong */
    CHECK(zh_etag_match_list(etag, etaglen, etag, etaglen, 1) == 1);
    CHECK(zh_etag_match_list(etag, etaglen, etag, etaglen, 0) == !ours_weak);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9) return 0;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | data[i];
    time_t mtime = (time_t)u;
    uint8_t flags = data[8];
    const uint8_t *p = data + 9, *end = data + size;

    field_t f[NFIELDS] = {{0}};
    for (int i = 0; i < NFIELDS && p <= end; i++) {
        const uint8_t *nl = i < NFIELDS - 1 ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        size_t len = (size_t)((nl ? nl : end) - p);
        f[i].p = malloc(len ? len : 1);
        if (!f[i].p) abort();
        memcpy(f[i].p, p, len);
        f[i].len = len;
        p += len + 1;
    }

    for (int i = 0; i < NFIELDS; i++)
        if (f[i].p) check_date(f[i].p, f[i].len);

    /* our validators: the mtime clamped to what a date can say, our ETag strong or weak */
    time_t m = mtime < 0 ? 0 : mtime > MAX_DATE ? MAX_DATE : mtime;
    char tag[ZH_ETAG_LEN + 3];
    int ours_weak = flags >> 7;
    size_t taglen = zh_etag_format(tag + 2, m, u >> 16);
    CHECK(taglen <= ZH_ETAG_LEN && strlen(tag + 2) == taglen);
    char *etag = tag + 2;
    if (ours_weak) {
        tag[0] = 'W';
        tag[1] = '/';
        etag = tag;
        taglen += 2;
    }
    check_etags(f, etag, taglen, ours_weak);

    /* If-Range with our own Last-Modified or our strong tag holds */
    char lm[ZH_DATE_SIZE];
    zh_date_format(m, lm);
    CHECK(zh_if_range_ok(lm, ZH_DATE_LEN, etag, taglen, m) == 1);
    CHECK(zh_if_range_ok(etag, taglen, etag, taglen, m) == !ours_weak);
    if (f[4].p) {
        int r = zh_if_range_ok(f[4].p, f[4].len, etag, taglen, m);
        CHECK(r == 0 || r == 1);
    }

    zh_cond_t c = {0};
    if (!(flags & 1) && f[0].p) c.if_match = f[0].p, c.if_match_len = f[0].len;
    if (!(flags & 2) && f[1].p) c.if_none_match = f[1].p, c.if_none_match_len = f[1].len;
    if (!(flags & 4) && f[2].p) c.if_modified_since = f[2].p, c.if_modified_since_len = f[2].len;
    if (!(flags & 8) && f[3].p)
        c.if_unmodified_since = f[3].p, c.if_unmodified_since_len = f[3].len;
    int ims = (flags >> 4) % 3;                               /* ZH_COND_IMS_* */
    const char *tag_or_none = (flags >> 6) & 1 ? NULL : etag; /* `etag off` */
    int st = zh_cond_nginx(&c, ims, tag_or_none, taglen, m);
    CHECK(st == 0 || st == 304 || st == 412);
    if (!c.if_match && !c.if_none_match && !c.if_modified_since && !c.if_unmodified_since)
        CHECK(st == 0);
    /* the raw mtime too (negative or beyond year 9999): no crash */
    st = zh_cond_nginx(&c, ims, tag_or_none, taglen, mtime);
    CHECK(st == 0 || st == 304 || st == 412);

    for (int i = 0; i < NFIELDS; i++)
        free(f[i].p);
    return 0;
}
