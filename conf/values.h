/* SPDX-License-Identifier: MIT */
/* zokiod conf: error messages and the value syntaxes of nginx (sizes, times, numbers, paths). */
#ifndef ZC_VALUES_H
#define ZC_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "conf/arena.h"

/* Writes "zokiod: FILE:LINE: message" ("zokiod: FILE: message" when `line` is 0: the -g text;
 * "zokiod: message" when `file` is NULL) into
 * `err[0, errlen)`, truncated and NUL-terminated; does nothing when `err` is NULL or `errlen`
 * is 0. Always returns -1, so callers can `return zc_errf(...)`. */
int zc_errf(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Parses an nginx size: decimal digits with an optional k/K (KiB), m/M (MiB) or g/G (GiB)
 * suffix ("8192", "512k", "1m"). Returns 0, or -1 on any other text or overflow. */
int zc_parse_size(const char *s, uint64_t *out);

/* Parses an nginx time into milliseconds: one or more NUMBER[UNIT] parts in decreasing unit
 * order, each unit once ("75s", "1h30m", "500ms", "10" = 10 s). Units: y (365 d), M (30 d),
 * w, d, h, m, s, ms. Returns 0, or -1 on any other text or overflow. */
int zc_parse_time_ms(const char *s, uint64_t *out);

/* Parses decimal digits only, at most `max`. Returns 0 or -1. */
int zc_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* One nginx variable reference, read as ngx_http_script_compile() reads it. */
typedef struct zc_var {
    const char *name; /* the name ("1".."9" for a capture), inside the text */
    size_t nlen;      /* 0: a '$' with no name after it */
    unsigned capture; /* 1..9 for "$1".."$9" (one digit: "$12" is $1 then "2"); else 0 */
    int unclosed;     /* "${name" without its '}' */
} zc_var_t;

/* Reads the reference at p (p[0] is '$'): "$1".."$9", "${name}" or "$name" (letters, digits,
 * '_'). Fills *v and returns the bytes it spans, '$' included (just "$" when no name follows; to
 * the end of the text for an unclosed "${"). */
size_t zc_var_scan(const char *p, zc_var_t *v);

/* Returns `path` when it is absolute, else "DIR/path", in the arena; NULL when out of memory. */
char *zc_path_join(zc_arena_t *a, const char *dir, const char *path);

/* Returns the directory part of `path` ("/a/b.conf" -> "/a", "b.conf" -> ".", "/x" -> "/") in
 * the arena; NULL when out of memory. */
char *zc_path_dir(zc_arena_t *a, const char *path);

#endif
