/* SPDX-License-Identifier: MIT */
#include "http/mime.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/hash.h"

struct zh_mime_slot {
    uint32_t ext; /* offsets in m->str; ext is lowercased */
    uint32_t type;
    uint32_t hash;   /* zh_hash_lower of the extension */
    uint32_t extlen; /* 0 marks an empty slot (an extension is never empty) */
};

#define MIN_SLOTS 16

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Finds the slot holding `ext` (any case) or the empty slot where it belongs. */
static struct zh_mime_slot *find_slot(const zh_mime_t *m, const char *ext, size_t n, uint32_t h)
{
    for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
        struct zh_mime_slot *s = &m->slots[i];
        const char *have = m->str + s->ext;
        size_t k = 0;

        if (s->extlen == 0) return s;
        if (s->hash != h || s->extlen != n) continue;
        while (k < n && (unsigned char)have[k] == lower((unsigned char)ext[k]))
            k++;
        if (k == n) return s;
    }
}

/* Makes room for one more extension: the load factor stays <= 1/2, so probes stay short. */
static int reserve_slot(zh_mime_t *m)
{
    size_t old = m->slots ? m->mask + 1 : 0, n = old ? old : MIN_SLOTS;
    struct zh_mime_slot *slots, *prev = m->slots;

    while ((m->count + 1) * 2 > n)
        n *= 2;
    if (n == old) return 0;
    if (n > SIZE_MAX / sizeof(*slots) || (slots = calloc(n, sizeof(*slots))) == NULL)
        return -ENOMEM;
    m->slots = slots;
    m->mask = n - 1;
    for (size_t i = 0; i < old; i++)
        if (prev[i].extlen != 0)
            *find_slot(m, m->str + prev[i].ext, prev[i].extlen, prev[i].hash) = prev[i];
    free(prev);
    return 0;
}

/* Makes room for `n` more bytes of strings; offsets are 32 bits. */
static int reserve_str(zh_mime_t *m, size_t n)
{
    size_t cap = m->strcap ? m->strcap : 256;
    char *p;

    if (n > UINT32_MAX - m->strused) return -ENOMEM;
    if (m->strused + n <= m->strcap) return 0;
    while (cap < m->strused + n)
        cap *= 2;
    if ((p = realloc(m->str, cap)) == NULL) return -ENOMEM;
    m->str = p;
    m->strcap = cap;
    return 0;
}

static uint32_t store(zh_mime_t *m, const char *s, size_t n, int lowercase)
{
    uint32_t off = (uint32_t)m->strused;
    char *p = m->str + off;

    for (size_t i = 0; i < n; i++)
        p[i] = lowercase ? (char)lower((unsigned char)s[i]) : s[i];
    p[n] = '\0';
    m->strused += n + 1;
    return off;
}

int zh_mime_add(zh_mime_t *m, const char *ext, size_t extlen, const char *type)
{
    struct zh_mime_slot *s;
    size_t typelen, need;
    uint32_t h;
    int same_type;

    if (ext == NULL || extlen == 0 || extlen > UINT32_MAX || memchr(ext, '.', extlen) ||
        memchr(ext, '/', extlen) || memchr(ext, '\0', extlen) || type == NULL ||
        strpbrk(type, "\r\n") != NULL)
        return -EINVAL;
    typelen = strlen(type);
    same_type = m->strused > 0 && strcmp(m->str + m->last_type, type) == 0;
    need = (same_type ? 0 : typelen + 1) + extlen + 1;
    /* everything that can fail comes first: on -ENOMEM the table is as it was */
    if (reserve_slot(m) < 0 || reserve_str(m, need) < 0) return -ENOMEM;
    if (!same_type) m->last_type = store(m, type, typelen, 0);
    h = zh_hash_lower(ext, extlen);
    s = find_slot(m, ext, extlen, h);
    if (s->extlen == 0) {
        s->ext = store(m, ext, extlen, 1);
        s->hash = h;
        s->extlen = (uint32_t)extlen;
        m->count++;
        if (extlen > m->maxlen) m->maxlen = extlen;
    }
    s->type = m->last_type; /* a later entry wins */
    return 0;
}

const char *zh_mime_lookup_n(const zh_mime_t *m, const char *path, size_t len)
{
    size_t i = len, n;
    struct zh_mime_slot *s;

    if (m->count == 0) return NULL;
    while (i > 0 && path[i - 1] != '/' && path[i - 1] != '.')
        i--;
    /* path[i-1] is the last '.', and it must not start the file name */
    if (i < 2 || path[i - 1] != '.' || path[i - 2] == '/') return NULL;
    n = len - i;
    if (n == 0 || n > m->maxlen) return NULL;
    s = find_slot(m, path + i, n, zh_hash_lower(path + i, n));
    return s->extlen != 0 ? m->str + s->type : NULL;
}

const char *zh_mime_lookup(const zh_mime_t *m, const char *path)
{
    return zh_mime_lookup_n(m, path, strlen(path));
}

size_t zh_mime_count(const zh_mime_t *m) { return m->count; }

void zh_mime_free(zh_mime_t *m)
{
    free(m->slots);
    free(m->str);
    memset(m, 0, sizeof(*m));
}
