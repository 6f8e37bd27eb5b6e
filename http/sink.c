/* SPDX-License-Identifier: MIT */
/* zokiod http: the text appender's out-of-line parts (see sink.h). */
#include <stdlib.h>

#include "http/sink.h"

int zh_sink_grow(zh_sink_t *s, size_t n)
{
    size_t cap = s->cap ? s->cap : 4096;

    while (cap <= s->need + n) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    char *p = realloc(s->out, cap);
    if (!p) return -1;
    s->out = p;
    s->cap = cap;
    return 0;
}

void zh_sink_u64(zh_sink_t *s, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;

    do
        d[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    zh_sink_put(s, d + i, sizeof d - i);
}

void zh_sink_escaped(zh_sink_t *s, size_t (*esc)(const char *, size_t, char *, size_t),
                     const char *in, size_t n)
{
    size_t need = esc(in, n, NULL, 0);
    char *p = zh_sink_room(s, need);

    if (p) esc(in, n, p, need + 1);
}
