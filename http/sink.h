/* SPDX-License-Identifier: MIT */
/* zokiod http: the one text appender. A zh_sink_t never writes half a piece: a piece is written
 * only when it and a terminating NUL fit; once one does not, nothing more is written, but `need`
 * keeps counting the length the whole text needs. So one builder serves three uses:
 *   - measure, then write: run it on ZH_SINK(NULL, 0) (only counts), reserve need + 1 bytes, run
 *     it again on them (response heads, http/head.h);
 *   - snprintf-style into a fixed buffer: ZH_SINK(buf, cap), then zh_sink_end() (escapes,
 *     Content-Range, access-log lines; zh_sink_ok() says whether everything fitted);
 *   - a growing malloc'd text: ZH_SINK_GROWING (generated pages; out of memory shows as
 *     !zh_sink_ok()). */
#ifndef ZH_SINK_H
#define ZH_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct zh_sink {
    char *out;      /* NULL with cap 0: only counts */
    size_t cap;     /* bytes at out */
    size_t need;    /* length the whole text needs */
    size_t written; /* bytes written; equal to need while everything fitted */
    int grows;      /* out is malloc'd and grows to fit (the caller frees it) */
} zh_sink_t;

#define ZH_SINK(buf, size) ((zh_sink_t){(buf), (size), 0, 0, 0})
#define ZH_SINK_GROWING    ((zh_sink_t){NULL, 0, 0, 0, 1})

/* A growing sink's out made room for n more bytes and a NUL; -1 when out of memory (sink.c). */
int zh_sink_grow(zh_sink_t *s, size_t n);

/* Takes n bytes for the caller to write at the returned address (a NUL more fits after them), or
 * NULL when they do not fit (they are still counted). */
static inline char *zh_sink_room(zh_sink_t *s, size_t n)
{
    char *p = NULL;

    if (s->written == s->need) {
        if (s->grows && s->need + n >= s->cap) zh_sink_grow(s, n);
        if (s->need + n < s->cap) {
            p = s->out + s->written;
            s->written += n;
        }
    }
    s->need += n;
    return p;
}

static inline void zh_sink_put(zh_sink_t *s, const char *p, size_t n)
{
    char *d = zh_sink_room(s, n);
    if (d && n) memcpy(d, p, n);
}

static inline void zh_sink_str(zh_sink_t *s, const char *p) { zh_sink_put(s, p, strlen(p)); }

#define ZH_SINK_LIT(s, lit) zh_sink_put(s, lit, sizeof(lit) - 1)

/* The decimal digits of v. */
void zh_sink_u64(zh_sink_t *s, uint64_t v);

/* Appends what esc(in, n, out, cap) makes (an snprintf-style escaper from http/path.h). */
void zh_sink_escaped(zh_sink_t *s, size_t (*esc)(const char *, size_t, char *, size_t),
                     const char *in, size_t n);

/* 1 while everything appended was written. */
static inline int zh_sink_ok(const zh_sink_t *s) { return s->written == s->need; }

/* NUL-terminates what was written (when there is room); returns the length the whole text
 * needs. */
static inline size_t zh_sink_end(zh_sink_t *s)
{
    if (s->cap > 0) s->out[s->written] = '\0';
    return s->need;
}

#endif
