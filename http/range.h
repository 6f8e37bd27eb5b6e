/* SPDX-License-Identifier: MIT */
/* zokiod http: the Range request header (RFC 9110 section 14) and the pieces of a
 * multipart/byteranges response body. Pure functions; all buffers belong to the caller.
 * If-Range is evaluated by zh_if_range_ok() in http/etag.h. */
#ifndef ZH_RANGE_H
#define ZH_RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "http/sink.h"

/* Most ranges honoured in one request; more make the whole header ignored. */
#define ZH_RANGE_MAX 16

/* One satisfiable byte range, both ends inclusive, already clamped to the file size. */
typedef struct zh_range {
    uint64_t start, end;
} zh_range_t;

typedef enum zh_range_kind {
    ZH_RANGE_NONE = 0,      /* ignore the header: send 200 with the whole file */
    ZH_RANGE_OK,            /* send 206 with the `*n` ranges written to the array */
    ZH_RANGE_UNSATISFIABLE, /* send 416 with "Content-Range: bytes * /size" (no space) */
} zh_range_kind_t;

/* Parses a Range header value (`len` bytes, need not be NUL-terminated) against a
 * representation of `size` bytes, writing at most `cap` (<= ZH_RANGE_MAX) ranges to `out` in
 * request order, and their number to `*n` (0 unless ZH_RANGE_OK).
 *
 * Only the "bytes" unit (case-insensitive) is understood; another unit gives NONE. Accepted
 * specs: "first-last", "first-", "-suffix"; OWS around commas and empty list elements are
 * allowed. A last < first or any other syntax error makes the whole header invalid: NONE (RFC
 * 9110 says to ignore it). Unsatisfiable specs (first >= size, "-0") are dropped; when none is
 * left the result is UNSATISFIABLE. For an empty file only non-zero suffixes are satisfiable
 * and they select nothing, so they give NONE. Abuse gives NONE too: more than `cap` specs, or
 * satisfiable ranges adding up to more than the file size (overlaps). Huge numbers saturate. */
zh_range_kind_t zh_range_parse(const char *value, size_t len, uint64_t size, zh_range_t *out,
                               unsigned cap, unsigned *n);

/* Appends the Content-Range value "bytes S-E/SIZE", or "bytes * /SIZE" (without the space) when
 * `r` is NULL (a 416 response). */
void zh_range_content_range(zh_sink_t *s, const zh_range_t *r, uint64_t size);

/* Longest boundary zh_range_boundary() writes, without the NUL. */
#define ZH_RANGE_BOUNDARY_LEN 22

/* Writes a multipart boundary derived from `seed` (the caller supplies a random or counter
 * value; only its bits matter): "zokiod" followed by 16 hex digits, NUL-terminated. The
 * response's Content-Type is then "multipart/byteranges; boundary=<it>". */
void zh_range_boundary(uint64_t seed, char out[ZH_RANGE_BOUNDARY_LEN + 1]);

/* Appends the text that precedes the data of part `index` (0-based) of a multipart/byteranges
 * body: "\r\n" (except for part 0) then
 *   "--BOUNDARY\r\nContent-Type: TYPE\r\nContent-Range: bytes S-E/SIZE\r\n\r\n"
 * `type` may be NULL to leave out the Content-Type line. */
void zh_range_part_header(zh_sink_t *s, const char *boundary, const char *type, const zh_range_t *r,
                          uint64_t size, unsigned index);

/* Appends the close delimiter that follows the data of the last part: "\r\n--BOUNDARY--\r\n". */
void zh_range_trailer(zh_sink_t *s, const char *boundary);

/* The exact Content-Length of the multipart/byteranges body made of the `n` ranges with the
 * part headers and trailer above, so the response needs no chunked encoding. */
uint64_t zh_range_multipart_length(const char *boundary, const char *type, const zh_range_t *r,
                                   unsigned n, uint64_t size);

#endif
