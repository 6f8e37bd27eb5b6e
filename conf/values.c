/* SPDX-License-Identifier: MIT */
#include "conf/values.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int zc_errf(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (err == NULL || errlen == 0) return -1;
    if (file != NULL && line > 0)
        n = snprintf(err, errlen, "zokiod: %s:%d: ", file, line);
    else if (file != NULL) /* "command line" (-g) */
        n = snprintf(err, errlen, "zokiod: %s: ", file);
    else
        n = snprintf(err, errlen, "zokiod: ");
    if (n < 0 || (size_t)n >= errlen) return -1;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads the decimal digits at *s into *v (at least one digit, no overflow past `max`). */
static int digits(const char **s, uint64_t max, uint64_t *v)
{
    const char *p = *s;
    uint64_t n = 0;

    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n > (max - d) / 10) return -1;
        n = n * 10 + d;
    }
    *s = p;
    *v = n;
    return 0;
}

int zc_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;

    if (digits(&s, max, &v) < 0 || *s != '\0') return -1;
    *out = v;
    return 0;
}

int zc_parse_size(const char *s, uint64_t *out)
{
    uint64_t v, scale = 1;

    if (digits(&s, UINT64_MAX, &v) < 0) return -1;
    switch (*s) {
    case '\0': break;
    case 'k':
    case 'K': scale = 1024, s++; break;
    case 'm':
    case 'M': scale = 1024 * 1024, s++; break;
    case 'g':
    case 'G': scale = 1024 * 1024 * 1024, s++; break;
    default: return -1;
    }
    if (*s != '\0' || v > UINT64_MAX / scale) return -1;
    *out = v * scale;
    return 0;
}

/* Units of zc_parse_time_ms from the largest down; a part must use a smaller unit than the
 * previous one, as in nginx's ngx_parse_time. */
static const struct {
    const char *name;
    uint64_t ms;
} time_units[] = {
    {"y", 365ULL * 86400000},
    {"M", 30ULL * 86400000},
    {"w", 7ULL * 86400000},
    {"d", 86400000},
    {"h", 3600000},
    {"m", 60000},
    {"s", 1000},
    {"ms", 1},
};

int zc_parse_time_ms(const char *s, uint64_t *out)
{
    size_t nunits = sizeof(time_units) / sizeof(time_units[0]);
    size_t next = 0; /* first unit still allowed */
    uint64_t total = 0;

    if (*s == '\0') return -1;
    while (*s != '\0') {
        uint64_t v;
        size_t u, len = 0;

        if (digits(&s, UINT64_MAX, &v) < 0) return -1;
        while (s[len] != '\0' && (s[len] < '0' || s[len] > '9'))
            len++;
        if (len == 0) {
            u = 6; /* a bare number means seconds, and must be the last part */
            if (next > u) return -1;
        } else {
            for (u = next; u < nunits; u++)
                if (strlen(time_units[u].name) == len && memcmp(s, time_units[u].name, len) == 0)
                    break;
            if (u == nunits) return -1;
        }
        if (v > (UINT64_MAX - total) / time_units[u].ms) return -1;
        total += v * time_units[u].ms;
        next = u + 1;
        s += len;
    }
    *out = total;
    return 0;
}

char *zc_path_join(zc_arena_t *a, const char *dir, const char *path)
{
    size_t dl, pl;
    char *r;

    if (path[0] == '/' || dir == NULL) return zc_arena_strdup(a, path);
    while (path[0] == '.' && path[1] == '/')
        for (path += 2; *path == '/'; path++)
            ;
    dl = strlen(dir);
    pl = strlen(path);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    r = zc_arena_alloc(a, dl + 1 + pl + 1);
    if (r == NULL) return NULL;
    memcpy(r, dir, dl);
    if (pl == 0) {
        r[dl] = '\0';
        return r;
    }
    if (dl == 0 || r[dl - 1] != '/') r[dl++] = '/';
    memcpy(r + dl, path, pl + 1);
    return r;
}

char *zc_path_dir(zc_arena_t *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash == NULL) return zc_arena_strdup(a, ".");
    n = (size_t)(slash - path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    return n == 0 ? zc_arena_strdup(a, "/") : zc_arena_strndup(a, path, n);
}

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

size_t zc_var_scan(const char *p, zc_var_t *v)
{
    size_t n = 1;

    memset(v, 0, sizeof(*v));
    if (p[1] >= '1' && p[1] <= '9') {
        v->name = p + 1;
        v->nlen = 1;
        v->capture = (unsigned)(p[1] - '0');
        return 2;
    }
    if (p[1] == '{') {
        for (n = 2; p[n] != '\0' && p[n] != '}'; n++)
            ;
        v->name = p + 2;
        v->nlen = n - 2;
        v->unclosed = p[n] != '}';
        for (size_t i = 2; i < n; i++) /* "${a b}": no valid name */
            if (!name_char(p[i])) v->nlen = 0;
        return n + !v->unclosed;
    }
    while (name_char(p[n]))
        n++;
    v->name = p + 1;
    v->nlen = n - 1;
    return n;
}
