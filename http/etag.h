/* SPDX-License-Identifier: MIT */
/* zokiod http: entity tags and conditional requests (RFC 9110 sections 8.8.3 and 13).
 * Header values are passed as (pointer, length) and need not be NUL-terminated; NULL means the
 * header is absent. Pure functions; nothing is retained. */
#ifndef ZH_ETAG_H
#define ZH_ETAG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longest ETag zh_etag_format() writes, without the NUL ('"' + 16 + '-' + 16 + '"'). */
#define ZH_ETAG_LEN 35

/* Writes the strong ETag nginx uses for static files, "<mtime hex>-<size hex>" with quotes,
 * e.g. "\"5f5e1000-1a2b\"", NUL-terminated. Returns its length. `out` holds ZH_ETAG_LEN + 1. */
size_t zh_etag_format(char out[ZH_ETAG_LEN + 1], time_t mtime, uint64_t size);

/* Evaluates an If-None-Match (`weak` = 1, weak comparison: W/ prefixes are ignored on both
 * sides) or If-Match (`weak` = 0, strong comparison: a weak tag on either side never matches)
 * value against our `etag` (with its quotes, possibly itself "W/..."). The value is "*" or a
 * comma list of entity-tags (OWS and empty elements allowed; a ',' inside quotes belongs to the
 * tag). "*" matches any existing representation. Returns 1 when some element matches, 0 when
 * none does or the list is malformed past the point examined (unquoted tags never match). */
int zh_etag_match_list(const char *value, size_t len, const char *etag, size_t etaglen, int weak);

/* If-Range (RFC 9110 section 13.1.5): returns 1 when the Range header should be honoured,
 * i.e. the value is a strong entity-tag equal to `etag`, or an HTTP-date exactly equal to
 * `mtime` (our Last-Modified). A weak tag, a different tag or date, or garbage gives 0 and the
 * caller sends the whole file with 200. */
int zh_if_range_ok(const char *value, size_t len, const char *etag, size_t etaglen, time_t mtime);

/* The conditional request headers of one request; a NULL pointer means absent. */
typedef struct zh_cond {
    const char *if_match, *if_none_match, *if_modified_since, *if_unmodified_since;
    size_t if_match_len, if_none_match_len, if_modified_since_len, if_unmodified_since_len;
} zh_cond_t;

/* How If-Modified-Since is compared (nginx's if_modified_since off | exact | before). */
enum { ZH_COND_IMS_OFF, ZH_COND_IMS_EXACT, ZH_COND_IMS_BEFORE };

/* nginx's not_modified filter for a file answered with 200 (GET or HEAD): returns 412 when
 * If-Unmodified-Since is not a date at or after mtime (an unparsable one too) or If-Match does
 * not strongly match `etag` ("*" alone matches anything), else 304 when If-Modified-Since and
 * If-None-Match, each one present, say "not modified" (both, unlike RFC 9110's precedence), else
 * 0. `etag` NULL: the answer has none (`etag off`): only "*" matches it. If-Modified-Since: `ims`
 * ZH_COND_IMS_*: OFF never 304, EXACT only the same second (nginx's default), BEFORE any date at or
 * after mtime. */
int zh_cond_nginx(const zh_cond_t *c, int ims, const char *etag, size_t etaglen, time_t mtime);

#endif
