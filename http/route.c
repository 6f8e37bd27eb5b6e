/* SPDX-License-Identifier: MIT */
/* zokiod http: virtual host and location selection. */
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

const zh_vhost_t *zh_vhost_pick(const zh_vhost_t *const *vhosts, unsigned n, const zh_vhost_t *dflt,
                                const char *host, size_t len)
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
    return suffix ? suffix : prefix ? prefix : dflt;
}

const zh_location_t *zh_location_match(const zh_vhost_t *vh, const char *path, size_t len)
{
    const zh_location_t *best = NULL;
    for (unsigned i = 0; i < vh->nlocations; i++) {
        const zh_location_t *l = &vh->locations[i];
        if (l->exact) {
            if (l->prefix_len == len && !memcmp(l->prefix, path, len)) return l;
        } else if (l->prefix_len <= len && !memcmp(l->prefix, path, l->prefix_len) &&
                   (!best || l->prefix_len > best->prefix_len)) {
            best = l;
        }
    }
    return best ? best : &vh->base;
}
