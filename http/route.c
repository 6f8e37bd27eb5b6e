/* SPDX-License-Identifier: MIT */
/* zokiod http: virtual host and location selection, in nginx's order (see route.h). */
#include <string.h>
#include <strings.h>

#include "http/route.h"

/* "*.example.com" matches "a.example.com" and "a.b.example.com" (not "example.com");
 * "www.example.*" matches "www.example.org". Returns the length matched, 0 for no match. */
static size_t wildcard_match(const char *name, const char *host, size_t len)
{
    size_t nl = strlen(name);
    if (nl > 2 && name[0] == '*' && name[1] == '.') {
        size_t sl = nl - 1; /* ".example.com" */
        if (len > sl && !strncasecmp(host + len - sl, name + 1, sl)) return sl;
    } else if (nl > 2 && name[nl - 1] == '*' && name[nl - 2] == '.') {
        size_t pl = nl - 1; /* "www.example." */
        if (len > pl && !strncasecmp(host, name, pl)) return pl;
    }
    return 0;
}

/* the first server (file order) with a `server_name ~RE` matching host; *err on a PCRE2 error */
static const zh_vhost_t *regex_pick(const zh_vhost_t *const *vhosts, unsigned n, const char *host,
                                    size_t len, pcre2_match_data *md, zh_captures_t *caps, int *err)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < vhosts[i]->nregexes; j++) {
            int m = zh_regex_match(vhosts[i]->regexes[j], md, host, len, caps);
            if (m > 0) return vhosts[i];
            if (m < 0) {
                *err = 1;
                return NULL;
            }
        }
    return NULL;
}

size_t zh_host_lower(const char *host, size_t len, char *out, size_t cap)
{
    size_t n = len < cap ? len : cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] | 0x20 : host[i]);
    out[n] = 0;
    return n;
}

const zh_vhost_t *zh_vhost_pick(const zh_vhost_t *const *vhosts, unsigned n, const zh_vhost_t *dflt,
                                const char *host, size_t len, pcre2_match_data *md,
                                zh_captures_t *caps)
{
    if (!host) return dflt;
    const zh_vhost_t *suffix = NULL, *prefix = NULL;
    size_t best_suffix = 0, best_prefix = 0;
    for (unsigned i = 0; i < n; i++) {
        const zh_vhost_t *v = vhosts[i];
        for (unsigned j = 0; j < v->nnames; j++) {
            const char *name = v->names[j];
            if (strlen(name) == len && !strncasecmp(name, host, len)) return v;
            size_t m = wildcard_match(name, host, len);
            if (!m) continue;
            if (name[0] == '*' && m > best_suffix) {
                best_suffix = m;
                suffix = v;
            } else if (name[0] != '*' && m > best_prefix) {
                best_prefix = m;
                prefix = v;
            }
        }
    }
    if (suffix || prefix) return suffix ? suffix : prefix;
    int err = 0;
    const zh_vhost_t *v = regex_pick(vhosts, n, host, len, md, caps, &err);
    return err ? NULL : v ? v : dflt;
}

/* what one level of the search found (nginx's NGX_OK, NGX_AGAIN/NGX_DECLINED, regex, error) */
enum { FOUND_EXACT, FOUND_PREFIX, FOUND_NONE, FOUND_REGEX, FOUND_ERROR };

typedef struct {
    const char *path;
    size_t len;
    pcre2_match_data *md;
    zh_captures_t *caps;
    const zh_location_t *cur; /* the location chosen so far */
} search_t;

static int find(search_t *s, const zh_location_t *locs, uint32_t n);

/* the exact match or the longest prefix among the plain locations of one level */
static int find_static(search_t *s, const zh_location_t *locs, uint32_t n)
{
    const zh_location_t *best = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const zh_location_t *l = &locs[i];
        if (l->regex || l->named || l->prefix_len > s->len) continue;
        if (memcmp(l->prefix, s->path, l->prefix_len)) continue;
        if (l->exact) {
            if (l->prefix_len != s->len) continue;
            s->cur = l;
            return FOUND_EXACT;
        }
        if (!best || l->prefix_len > best->prefix_len) best = l;
    }
    if (!best) return FOUND_NONE;
    s->cur = best;
    return FOUND_PREFIX;
}

/* One level of nginx's ngx_http_core_find_location(): the plain locations, the nested ones of
 * the longest prefix, then (unless that prefix is ^~) the regexes of this level. */
static int find(search_t *s, const zh_location_t *locs, uint32_t n)
{
    int rc = find_static(s, locs, n), noregex = 0;
    if (rc == FOUND_EXACT) return rc;
    if (rc == FOUND_PREFIX) {
        /* nginx reads ^~ from the prefix of this level, before its nested locations are searched:
         * a nested ^~ stops the regexes of its own level only */
        noregex = s->cur->noregex;
        rc = find(s, s->cur->locations, s->cur->nlocations);
        if (rc == FOUND_EXACT || rc == FOUND_REGEX || rc == FOUND_ERROR) return rc;
    }
    for (uint32_t i = 0; !noregex && i < n; i++) {
        const zh_location_t *l = &locs[i];
        if (!l->regex) continue;
        int m = zh_regex_match(l->regex, s->md, s->path, s->len, s->caps);
        if (m < 0) return FOUND_ERROR;
        if (m == 0) continue;
        s->cur = l;
        return find(s, l->locations, l->nlocations) == FOUND_ERROR ? FOUND_ERROR : FOUND_REGEX;
    }
    return rc;
}

const zh_location_t *zh_location_match(const zh_vhost_t *vh, const char *path, size_t len,
                                       pcre2_match_data *md, zh_captures_t *caps)
{
    search_t s = {path, len, md, caps, &vh->base};
    if (find(&s, vh->locations, vh->nlocations) == FOUND_ERROR) return NULL;
    return s.cur;
}

const zh_location_t *zh_location_named(const zh_vhost_t *vh, const char *name, size_t len)
{
    for (uint32_t i = 0; i < vh->nlocations; i++) {
        const zh_location_t *l = &vh->locations[i];
        if (l->named && l->prefix_len == len && !memcmp(l->prefix, name, len)) return l;
    }
    return NULL;
}
