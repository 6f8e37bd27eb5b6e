/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the Range header parser and the multipart/byteranges arithmetic.
 * Input: the representation size as 8 little-endian bytes, then the header value. */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/range.h"
#include "tests/fuzz/fuzz.h"

/* measures with cap 0, writes into an exactly sized buffer, checks the lengths agree */
static size_t part_header(const char *b, const char *type, const zh_range_t *r, uint64_t fsize,
                          unsigned i)
{
    zh_sink_t m = ZH_SINK(NULL, 0);
    zh_range_part_header(&m, b, type, r, fsize, i);
    size_t need = m.need;
    char *buf = xmalloc(need + 1);
    zh_sink_t w = ZH_SINK(buf, need + 1);
    zh_range_part_header(&w, b, type, r, fsize, i);
    CHECK(zh_sink_ok(&w) && zh_sink_end(&w) == need);
    CHECK(strlen(buf) == need);
    const char *start = i ? "\r\n--" : "--";
    CHECK(!strncmp(buf, start, strlen(start)) && need >= 4 && !strcmp(buf + need - 4, "\r\n\r\n"));
    char cr[128];
    zh_sink_t cs = ZH_SINK(cr, sizeof cr);
    zh_range_content_range(&cs, r, fsize);
    size_t crlen = zh_sink_end(&cs);
    char want[128];
    snprintf(want, sizeof want, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, r->start, r->end, fsize);
    CHECK(crlen == strlen(want) && !strcmp(cr, want) && strstr(buf, cr) != NULL);
    free(buf);
    return need;
}

static void check_multipart(const zh_range_t *r, unsigned n, uint64_t fsize, const char *type)
{
    char b[ZH_RANGE_BOUNDARY_LEN + 1];
    zh_range_boundary(fsize ^ n, b);
    CHECK(strlen(b) <= ZH_RANGE_BOUNDARY_LEN);
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += part_header(b, type, &r[i], fsize, i) + (r[i].end - r[i].start + 1);
    zh_sink_t tm = ZH_SINK(NULL, 0);
    zh_range_trailer(&tm, b);
    size_t tl = tm.need;
    char *t = xmalloc(tl + 1);
    zh_sink_t tw = ZH_SINK(t, tl + 1);
    zh_range_trailer(&tw, b);
    CHECK(zh_sink_end(&tw) == tl && strlen(t) == tl);
    free(t);
    total += tl;
    CHECK(zh_range_multipart_length(b, type, r, n, fsize) == total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8) return 0;
    uint64_t fsize = 0;
    for (int i = 7; i >= 0; i--)
        fsize = fsize << 8 | data[i];
    size_t len = size - 8;
    char *value = xmalloc(len);
    memcpy(value, data + 8, len);

    zh_range_t r[ZH_RANGE_MAX + 1];
    memset(r, 0xaa, sizeof r);
    unsigned n = 12345;
    zh_range_kind_t k = zh_range_parse(value, len, fsize, r, ZH_RANGE_MAX, &n);
    CHECK(k == ZH_RANGE_NONE || k == ZH_RANGE_OK || k == ZH_RANGE_UNSATISFIABLE);
    if (k != ZH_RANGE_OK) CHECK(n == 0);
    if (k == ZH_RANGE_OK) {
        CHECK(n >= 1 && n <= ZH_RANGE_MAX);
        uint64_t sum = 0;
        for (unsigned i = 0; i < n; i++) {
            CHECK(r[i].start <= r[i].end && r[i].end < fsize);
            sum += r[i].end - r[i].start + 1;
            CHECK(sum <= fsize); /* overlaps beyond the size are refused */
        }
        /* nothing written past the n ranges */
        zh_range_t poison;
        memset(&poison, 0xaa, sizeof poison);
        CHECK(!memcmp(&r[n], &poison, sizeof poison));
        check_multipart(r, n, fsize, "text/plain");
        check_multipart(r, n, fsize, NULL);
    }
    char cr[64];
    zh_sink_t cs = ZH_SINK(cr, sizeof cr);
    zh_range_content_range(&cs, NULL, fsize);
    size_t crlen = zh_sink_end(&cs);
    char want[64];
    snprintf(want, sizeof want, "bytes */%" PRIu64, fsize);
    CHECK(crlen == strlen(want) && !strcmp(cr, want));
    free(value);
    return 0;
}
