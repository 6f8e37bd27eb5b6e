/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/range.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static zh_range_t rg[ZH_RANGE_MAX];
static unsigned nr;

static zh_range_kind_t parse(const char *v, uint64_t size)
{
    memset(rg, 0xaa, sizeof(rg));
    return zh_range_parse(v, strlen(v), size, rg, ZH_RANGE_MAX, &nr);
}

#define ONE(v, size, s, e)                                                                         \
    do {                                                                                           \
        ZT_EQ_INT(parse(v, size), ZH_RANGE_OK);                                                    \
        ZT_EQ_INT(nr, 1);                                                                          \
        ZT_EQ_INT(rg[0].start, s);                                                                 \
        ZT_EQ_INT(rg[0].end, e);                                                                   \
    } while (0)

#define KIND(v, size, kind)                                                                        \
    do {                                                                                           \
        ZT_EQ_INT(parse(v, size), kind);                                                           \
        if ((kind) != ZH_RANGE_OK) ZT_EQ_INT(nr, 0);                                               \
    } while (0)

ZT_TEST(range_single)
{
    ONE("bytes=0-0", 10, 0, 0);
    ONE("bytes=0-9", 10, 0, 9);
    ONE("bytes=2-5", 10, 2, 5);
    ONE("bytes=5-", 10, 5, 9);
    ONE("bytes=9-", 10, 9, 9);
    ONE("bytes=0-", 10, 0, 9);
    ONE("bytes=-1", 10, 9, 9);
    ONE("bytes=-3", 10, 7, 9);
    ONE("bytes=-10", 10, 0, 9);
    ONE("bytes=-100", 10, 0, 9);  /* suffix longer than the file: the whole file */
    ONE("bytes=5-100", 10, 5, 9); /* last clamped */
    ONE("bytes=0-18446744073709551615", 10, 0, 9);
    ONE("bytes=0-99999999999999999999999", 10, 0, 9); /* saturates */
    ONE("bytes=-99999999999999999999999", 10, 0, 9);
    ONE("bytes=007-008", 10, 7, 8);
}

ZT_TEST(range_unit_and_whitespace)
{
    ONE("Bytes=1-2", 10, 1, 2);
    ONE("BYTES=1-2", 10, 1, 2);
    ONE("bytes= 1-2", 10, 1, 2);
    ONE("bytes=1-2 ", 10, 1, 2);
    ONE("  bytes=1-2\t", 10, 1, 2);
    ONE("bytes=,1-2,", 10, 1, 2); /* empty list elements */
    KIND("items=0-1", 10, ZH_RANGE_NONE);
    KIND("bytes 0-1", 10, ZH_RANGE_NONE);
    KIND("bytes =0-1", 10, ZH_RANGE_NONE);
    KIND("bytes", 10, ZH_RANGE_NONE);
    KIND("byte=0-1", 10, ZH_RANGE_NONE);
    KIND("bytesx=0-1", 10, ZH_RANGE_NONE);
    KIND("", 10, ZH_RANGE_NONE);
}

ZT_TEST(range_unsatisfiable)
{
    KIND("bytes=10-", 10, ZH_RANGE_UNSATISFIABLE);
    KIND("bytes=10-20", 10, ZH_RANGE_UNSATISFIABLE);
    KIND("bytes=99999999999999999999-", 10, ZH_RANGE_UNSATISFIABLE);
    KIND("bytes=-0", 10, ZH_RANGE_UNSATISFIABLE);
    KIND("bytes=10-,20-30,-0", 10, ZH_RANGE_UNSATISFIABLE);
    KIND("bytes=0-", 0, ZH_RANGE_UNSATISFIABLE);
    KIND("bytes=0-0", 0, ZH_RANGE_UNSATISFIABLE);
    /* one satisfiable range is enough; the others are dropped */
    ONE("bytes=20-30,2-3", 10, 2, 3);
    ONE("bytes=-0,-2", 10, 8, 9);
}

ZT_TEST(range_empty_file)
{
    KIND("bytes=-1", 0, ZH_RANGE_NONE); /* satisfiable by the RFC, but selects nothing */
    KIND("bytes=-5,0-", 0, ZH_RANGE_NONE);
    KIND("bytes=-0", 0, ZH_RANGE_UNSATISFIABLE);
}

ZT_TEST(range_invalid_syntax)
{
    static const char *const bad[] = {
        "bytes=",        "bytes= ",       "bytes=,",     "bytes=-",       "bytes=--1",
        "bytes=1",       "bytes=a-b",     "bytes=1-a",   "bytes=5-2",     "bytes=1-2-3",
        "bytes=1 -2",    "bytes=1- 2",    "bytes=- 1",   "bytes=+1-2",    "bytes=0x1-2",
        "bytes=1-2;3-4", "bytes=1-2 3-4", "bytes=1-2,x", "bytes=1-2,5-2", "bytes=1.5-2",
        "bytes=-1-2",    "bytes=0-1,,a",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], 10) != ZH_RANGE_NONE) ZT_FAIL("\"%s\" not ignored", bad[i]);
        ZT_EQ_INT(nr, 0);
    }
}

ZT_TEST(range_multiple)
{
    ZT_EQ_INT(parse("bytes=0-1,3-4", 10), ZH_RANGE_OK);
    ZT_EQ_INT(nr, 2);
    ZT_EQ_INT(rg[0].start, 0);
    ZT_EQ_INT(rg[0].end, 1);
    ZT_EQ_INT(rg[1].start, 3);
    ZT_EQ_INT(rg[1].end, 4);

    ZT_EQ_INT(parse("bytes=8-, 0-0 ,\t-1", 10), ZH_RANGE_OK); /* request order kept */
    ZT_EQ_INT(nr, 3);
    ZT_EQ_INT(rg[0].start, 8);
    ZT_EQ_INT(rg[1].start, 0);
    ZT_EQ_INT(rg[2].start, 9);

    ZT_EQ_INT(parse("bytes=0-4,5-9", 10), ZH_RANGE_OK); /* total == size is fine */
    ZT_EQ_INT(nr, 2);
    ZT_EQ_INT(parse("bytes=0-1,100-200,3-4", 10), ZH_RANGE_OK);
    ZT_EQ_INT(nr, 2);
    ZT_EQ_INT(rg[1].start, 3);
}

ZT_TEST(range_abuse)
{
    char v[256];
    size_t n = 0;

    KIND("bytes=0-9,0-9", 10, ZH_RANGE_NONE); /* overlap: sum 20 > size 10 */
    KIND("bytes=0-,0-", 10, ZH_RANGE_NONE);
    KIND("bytes=0-5,5-9", 10, ZH_RANGE_NONE); /* 11 > 10 */
    KIND("bytes=-6,0-4", 10, ZH_RANGE_NONE);

    n += (size_t)snprintf(v + n, sizeof(v) - n, "bytes=");
    for (int i = 0; i < 16; i++)
        n += (size_t)snprintf(v + n, sizeof(v) - n, "%s%d-%d", i ? "," : "", 2 * i, 2 * i);
    ZT_EQ_INT(parse(v, 100), ZH_RANGE_OK);
    ZT_EQ_INT(nr, 16);
    ZT_EQ_INT(rg[15].start, 30);
    snprintf(v + n, sizeof(v) - n, ",40-40");
    KIND(v, 100, ZH_RANGE_NONE); /* 17 ranges */

    /* 17 specs count even if some are unsatisfiable */
    snprintf(v + n, sizeof(v) - n, ",500-600");
    KIND(v, 100, ZH_RANGE_NONE);
}

ZT_TEST(range_caller_cap)
{
    zh_range_t two[2];
    unsigned n = 99;

    ZT_EQ_INT(zh_range_parse("bytes=0-0,2-2", 13, 10, two, 2, &n), ZH_RANGE_OK);
    ZT_EQ_INT(n, 2);
    ZT_EQ_INT(zh_range_parse("bytes=0-0,2-2,4-4", 17, 10, two, 2, &n), ZH_RANGE_NONE);
    ZT_EQ_INT(n, 0);
    ZT_EQ_INT(zh_range_parse("bytes=0-0,2-2", 13, 10, two, 1, &n), ZH_RANGE_NONE);
    /* not NUL-terminated: only `len` bytes count */
    ZT_EQ_INT(zh_range_parse("bytes=0-19999", 9, 100, two, 2, &n), ZH_RANGE_OK);
    ZT_EQ_INT(two[0].end, 1);
}

ZT_TEST(range_large_file)
{
    uint64_t big = 5ull << 32; /* 20 GiB */

    ONE("bytes=4294967296-", big, 4294967296ull, big - 1);
    ONE("bytes=-4294967296", big, big - 4294967296ull, big - 1);
}

/* the range writers into a fixed buffer, snprintf-style: the length needed */
static size_t content_range(char *buf, size_t cap, const zh_range_t *r, uint64_t size)
{
    zh_sink_t s = ZH_SINK(buf, cap);
    zh_range_content_range(&s, r, size);
    return zh_sink_end(&s);
}

static size_t part_header(char *buf, size_t cap, const char *b, const char *type,
                          const zh_range_t *r, uint64_t size, unsigned index)
{
    zh_sink_t s = ZH_SINK(buf, cap);
    zh_range_part_header(&s, b, type, r, size, index);
    return zh_sink_end(&s);
}

static size_t trailer(char *buf, size_t cap, const char *b)
{
    zh_sink_t s = ZH_SINK(buf, cap);
    zh_range_trailer(&s, b);
    return zh_sink_end(&s);
}

ZT_TEST(range_content_range)
{
    char buf[96];
    zh_range_t r = {0, 9};

    ZT_EQ_INT(content_range(buf, sizeof(buf), &r, 10), 12);
    ZT_EQ_STR(buf, "bytes 0-9/10");
    ZT_EQ_INT(content_range(buf, sizeof(buf), NULL, 1234), 12);
    ZT_EQ_STR(buf, "bytes */1234");
    r.start = 18446744073709551614ull;
    r.end = 18446744073709551614ull;
    content_range(buf, sizeof(buf), &r, UINT64_MAX);
    ZT_EQ_STR(buf, "bytes 18446744073709551614-18446744073709551614/18446744073709551615");
    ZT_EQ_INT(content_range(buf, 8, NULL, 1234), 12);
    ZT_EQ_STR(buf, "bytes *"); /* truncated, NUL-terminated */
}

ZT_TEST(range_boundary)
{
    char b[ZH_RANGE_BOUNDARY_LEN + 1];

    zh_range_boundary(0, b);
    ZT_EQ_STR(b, "zokiod0000000000000000");
    zh_range_boundary(0x0123456789abcdefull, b);
    ZT_EQ_STR(b, "zokiod0123456789abcdef");
    ZT_EQ_INT(strlen(b), ZH_RANGE_BOUNDARY_LEN);
}

ZT_TEST(range_multipart)
{
    char b[ZH_RANGE_BOUNDARY_LEN + 1], buf[256], body[512];
    const char *file = "0123456789";
    zh_range_t r[2] = {{0, 1}, {5, 9}};
    size_t n = 0;

    zh_range_boundary(42, b);
    ZT_EQ_INT(part_header(buf, sizeof(buf), b, "text/plain", &r[0], 10, 0), strlen(buf));
    ZT_EQ_STR(buf, "--zokiod000000000000002a\r\nContent-Type: text/plain\r\n"
                   "Content-Range: bytes 0-1/10\r\n\r\n");
    part_header(buf, sizeof(buf), b, "text/plain", &r[1], 10, 1);
    ZT_EQ_STR(buf, "\r\n--zokiod000000000000002a\r\nContent-Type: text/plain\r\n"
                   "Content-Range: bytes 5-9/10\r\n\r\n");
    part_header(buf, sizeof(buf), b, NULL, &r[1], 10, 1);
    ZT_EQ_STR(buf, "\r\n--zokiod000000000000002a\r\nContent-Range: bytes 5-9/10\r\n\r\n");
    ZT_EQ_INT(trailer(buf, sizeof(buf), b), 30);
    ZT_EQ_STR(buf, "\r\n--zokiod000000000000002a--\r\n");

    /* Build the body the way the connection will and check the announced length. */
    for (unsigned i = 0; i < 2; i++) {
        n += part_header(body + n, sizeof(body) - n, b, "text/plain", &r[i], 10, i);
        memcpy(body + n, file + r[i].start, r[i].end - r[i].start + 1);
        n += r[i].end - r[i].start + 1;
    }
    n += trailer(body + n, sizeof(body) - n, b);
    body[n] = '\0';
    ZT_EQ_INT(zh_range_multipart_length(b, "text/plain", r, 2, 10), n);
    ZT_EQ_STR(body, "--zokiod000000000000002a\r\nContent-Type: text/plain\r\n"
                    "Content-Range: bytes 0-1/10\r\n\r\n01"
                    "\r\n--zokiod000000000000002a\r\nContent-Type: text/plain\r\n"
                    "Content-Range: bytes 5-9/10\r\n\r\n56789"
                    "\r\n--zokiod000000000000002a--\r\n");
    ZT_EQ_INT(zh_range_multipart_length(b, NULL, r, 2, 10),
              n - 2 * strlen("\r\nContent-Type: text/plain"));
}

ZT_TEST(range_part_header_measure)
{
    char small[16];
    zh_range_t r = {100, 199};
    size_t need = part_header(NULL, 0, "B", "image/png", &r, 1000, 3);

    ZT_EQ_INT(need, strlen("\r\n--B\r\nContent-Type: image/png\r\nContent-Range: bytes "
                           "100-199/1000\r\n\r\n"));
    ZT_EQ_INT(part_header(small, sizeof(small), "B", "image/png", &r, 1000, 3), need);
    ZT_EQ_STR(small, "\r\n--B"); /* truncated at a piece boundary, NUL-terminated */
}
