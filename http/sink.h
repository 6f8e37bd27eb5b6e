/* SPDX-License-Identifier: MIT */
/* zokiod http: text appenders. zh_sink_t is snprintf-style for the text builders (escapes,
 * Content-Range, multipart part heads): it never writes half a piece; once one does not fit,
 * nothing more is written, but the length the whole result needs keeps counting. (Response heads
 * have their own measure-then-write builder: http/head.h.) */
#ifndef ZH_SINK_H
#define ZH_SINK_H

#include <stddef.h>
#include <string.h>

typedef struct zh_sink {
    char *out;
    size_t cap, need, written;
} zh_sink_t;

static inline void zh_sink_put(zh_sink_t *s, const char *p, size_t n)
{
    if (s->written == s->need && s->need + n < s->cap) {
        memcpy(s->out + s->written, p, n);
        s->written += n;
    }
    s->need += n;
}

/* NUL-terminates what was written (when cap > 0); returns the length the full result needs */
static inline size_t zh_sink_end(zh_sink_t *s)
{
    if (s->cap > 0) s->out[s->written] = '\0';
    return s->need;
}

#endif
