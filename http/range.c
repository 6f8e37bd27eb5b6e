/* SPDX-License-Identifier: MIT */
#include "http/range.h"
#include "http/sink.h"

#include <string.h>
#include <strings.h>

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* One or more digits; values beyond UINT64_MAX saturate (they are past any file's end). */
static int parse_u64(const char **pp, const char *end, uint64_t *v)
{
    const char *p = *pp;

    if (p == end || !is_digit(*p)) return 0;
    *v = 0;
    for (; p < end && is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
    }
    *pp = p;
    return 1;
}

/* Parses one range-spec at *pp. Returns 0 on a syntax error; otherwise 1 with *sat telling
 * whether it is satisfiable (*r then holds the clamped range) and *empty_ok whether it was a
 * non-zero suffix against an empty file. */
static int parse_spec(const char **pp, const char *end, uint64_t size, zh_range_t *r, int *sat,
                      int *empty_ok)
{
    uint64_t first, last = UINT64_MAX;

    *sat = 0;
    if (**pp == '-') { /* suffix-range */
        ++*pp;
        if (!parse_u64(pp, end, &last)) return 0;
        if (last == 0) return 1;
        if (size == 0) {
            *empty_ok = 1;
            return 1;
        }
        r->start = last < size ? size - last : 0;
        r->end = size - 1;
        *sat = 1;
        return 1;
    }
    if (!parse_u64(pp, end, &first) || *pp == end || **pp != '-') return 0;
    ++*pp;
    if (*pp < end && is_digit(**pp) && (!parse_u64(pp, end, &last) || last < first)) return 0;
    if (first >= size) return 1;
    r->start = first;
    r->end = last < size ? last : size - 1;
    *sat = 1;
    return 1;
}

zh_range_kind_t zh_range_parse(const char *value, size_t len, uint64_t size, zh_range_t *out,
                               unsigned cap, unsigned *n)
{
    const char *p = value, *end = value + len;
    unsigned specs = 0, nsat = 0;
    uint64_t total = 0;
    int empty_ok = 0;

    *n = 0;
    if (cap > ZH_RANGE_MAX) cap = ZH_RANGE_MAX;
    p = skip_ows(p, end);
    if (end - p < 6 || strncasecmp(p, "bytes=", 6) != 0) return ZH_RANGE_NONE;
    p += 6;

    for (;;) {
        zh_range_t r;
        int sat;

        p = skip_ows(p, end);
        if (p == end) break;
        if (*p == ',') { /* empty list element */
            p++;
            continue;
        }
        if (++specs > cap) return ZH_RANGE_NONE;
        if (!parse_spec(&p, end, size, &r, &sat, &empty_ok)) return ZH_RANGE_NONE;
        p = skip_ows(p, end);
        if (p < end && *p != ',') return ZH_RANGE_NONE;
        if (!sat) continue;
        total += r.end - r.start + 1;
        if (total > size) return ZH_RANGE_NONE; /* overlapping ranges: serve it once, whole */
        out[nsat++] = r;
    }
    if (specs == 0) return ZH_RANGE_NONE;
    if (nsat == 0) return empty_ok ? ZH_RANGE_NONE : ZH_RANGE_UNSATISFIABLE;
    *n = nsat;
    return ZH_RANGE_OK;
}

static void put_range(zh_sink_t *s, const zh_range_t *r, uint64_t size)
{
    ZH_SINK_LIT(s, "bytes ");
    if (r != NULL) {
        zh_sink_u64(s, r->start);
        zh_sink_put(s, "-", 1);
        zh_sink_u64(s, r->end);
    } else {
        zh_sink_put(s, "*", 1);
    }
    zh_sink_put(s, "/", 1);
    zh_sink_u64(s, size);
}

void zh_range_content_range(zh_sink_t *s, const zh_range_t *r, uint64_t size)
{
    put_range(s, r, size);
}

void zh_range_boundary(uint64_t seed, char out[ZH_RANGE_BOUNDARY_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";

    memcpy(out, "zokiod", 6);
    for (int i = 0; i < 16; i++)
        out[6 + i] = hex[(seed >> (60 - 4 * i)) & 15];
    out[ZH_RANGE_BOUNDARY_LEN] = '\0';
}

void zh_range_part_header(zh_sink_t *s, const char *boundary, const char *type, const zh_range_t *r,
                          uint64_t size, unsigned index)
{
    zh_sink_str(s, index == 0 ? "--" : "\r\n--");
    zh_sink_str(s, boundary);
    if (type != NULL) {
        ZH_SINK_LIT(s, "\r\nContent-Type: ");
        zh_sink_str(s, type);
    }
    ZH_SINK_LIT(s, "\r\nContent-Range: ");
    put_range(s, r, size);
    ZH_SINK_LIT(s, "\r\n\r\n");
}

void zh_range_trailer(zh_sink_t *s, const char *boundary)
{
    ZH_SINK_LIT(s, "\r\n--");
    zh_sink_str(s, boundary);
    ZH_SINK_LIT(s, "--\r\n");
}

uint64_t zh_range_multipart_length(const char *boundary, const char *type, const zh_range_t *r,
                                   unsigned n, uint64_t size)
{
    zh_sink_t m = ZH_SINK(NULL, 0); /* measures */
    uint64_t total = 0;

    zh_range_trailer(&m, boundary);
    for (unsigned i = 0; i < n; i++) {
        zh_range_part_header(&m, boundary, type, &r[i], size, i);
        total += r[i].end - r[i].start + 1;
    }
    return total + m.need;
}
