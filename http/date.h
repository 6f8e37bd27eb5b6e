/* SPDX-License-Identifier: MIT */
/* zokiod http: HTTP-date (RFC 9110 section 5.6.7) formatting and parsing, in UTC, without the C
 * library's locale or time zone machinery. */
#ifndef ZH_DATE_H
#define ZH_DATE_H

#include <stddef.h>
#include <time.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" is 29 characters; buffers hold it plus a NUL. */
#define ZH_DATE_LEN  29
#define ZH_DATE_SIZE 30

/* Writes `t` as an IMF-fixdate plus NUL into `out`. Times before 1970 are written as the epoch
 * and times after 9999-12-31 23:59:59 as that instant (the format has four year digits). */
void zh_date_format(time_t t, char out[ZH_DATE_SIZE]);

/* Parses an HTTP-date in any of the three forms a recipient must accept:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"   (two-digit year: 70-99 -> 19xx, 00-69 -> 20xx)
 *   asctime      "Sun Nov  6 08:49:37 1994"         (day space-padded; "06" accepted too)
 * Day and month names are case-sensitive as the grammar says. The weekday must be a valid name
 * for the form but is NOT checked against the date: a mismatch tells the server nothing it could
 * act on, and nginx ignores the weekday as well. Day-of-month is checked against the month
 * (leap years included); second 60 (leap second) is accepted and counts as the next second.
 * Trailing spaces/tabs are ignored; any other trailing byte makes it invalid (so the old
 * "date; length=N" If-Modified-Since extension is rejected, and the caller ignores the header).
 * Returns 0 and sets `*out`, or -EINVAL. */
int zh_date_parse(const char *s, size_t len, time_t *out);

/* A per-second cache of the formatted current time for the Date header. A zeroed struct is
 * ready to use; one cache per thread (no locking). */
typedef struct zh_date_cache {
    time_t sec;
    char str[ZH_DATE_SIZE];
} zh_date_cache;

/* Returns the IMF-fixdate of `now` (NUL-terminated, ZH_DATE_LEN chars), reformatting only when
 * the second changed since the last call. The string is owned by the cache and stays valid
 * until the next call with a different second. */
const char *zh_date_cache_get(zh_date_cache *c, time_t now);

#endif
