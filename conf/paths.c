/* SPDX-License-Identifier: MIT */
/* zokiod conf: how paths become URLs and files, per location as in nginx: absolute_redirect,
 * port_in_redirect, server_name_in_redirect, merge_slashes (http and server only),
 * disable_symlinks, autoindex_exact_size, autoindex_localtime, autoindex_format (zc_paths_t). */
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

void zc_paths_unset(zc_paths_t *p)
{
    p->absolute_redirect = p->port_in_redirect = p->server_name_in_redirect = -1;
    p->merge_slashes = p->symlinks = -1;
    p->symlinks_from = NULL;
    p->ai_exact_size = p->ai_localtime = p->ai_format = -1;
}

void zc_paths_inherit(zc_paths_t *p, const zc_paths_t *from)
{
    if (p->absolute_redirect < 0) p->absolute_redirect = from->absolute_redirect;
    if (p->port_in_redirect < 0) p->port_in_redirect = from->port_in_redirect;
    if (p->server_name_in_redirect < 0) p->server_name_in_redirect = from->server_name_in_redirect;
    if (p->merge_slashes < 0) p->merge_slashes = from->merge_slashes;
    if (p->symlinks < 0) { /* the policy and its from= go down together, as nginx's */
        p->symlinks = from->symlinks;
        p->symlinks_from = from->symlinks_from;
    }
    if (p->ai_exact_size < 0) p->ai_exact_size = from->ai_exact_size;
    if (p->ai_localtime < 0) p->ai_localtime = from->ai_localtime;
    if (p->ai_format < 0) p->ai_format = from->ai_format;
}

void zc_paths_defaults(zc_paths_t *p)
{
    static const zc_paths_t dflt = {.absolute_redirect = 1,
                                    .port_in_redirect = 1,
                                    .server_name_in_redirect = 0,
                                    .merge_slashes = 1,
                                    .symlinks = ZC_SYMLINKS_OFF,
                                    .symlinks_from = NULL,
                                    .ai_exact_size = 1,
                                    .ai_localtime = 0,
                                    .ai_format = ZC_AUTOINDEX_HTML};
    zc_paths_inherit(p, &dflt);
}

/* the settings of the block the directive is in (http {} is ld->http_level) */
static zc_paths_t *paths_of(zc_scope_t *sc)
{
    return sc->loc != NULL ? &sc->loc->paths : &sc->srv->paths;
}

static int h_paths_flag(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_paths_t *p = paths_of(sc);
    int *out = strcmp(d->name, "absolute_redirect") == 0         ? &p->absolute_redirect
               : strcmp(d->name, "port_in_redirect") == 0        ? &p->port_in_redirect
               : strcmp(d->name, "server_name_in_redirect") == 0 ? &p->server_name_in_redirect
               : strcmp(d->name, "merge_slashes") == 0           ? &p->merge_slashes
               : strcmp(d->name, "autoindex_exact_size") == 0    ? &p->ai_exact_size
                                                                 : &p->ai_localtime;
    return zc_flag(ld, d, out);
}

static int h_autoindex_format(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    static const char *const names[] = {"html", "xml", "json", "jsonp"};

    for (int i = 0; i < 4; i++)
        if (strcmp(d->args[0], names[i]) == 0) {
            paths_of(sc)->ai_format = i;
            return 0;
        }
    return zc_err(ld, d,
                  "invalid value \"%s\" in \"autoindex_format\" directive, it must be \"html\", "
                  "\"xml\", \"json\" or \"jsonp\"",
                  d->args[0]);
}

/* `from=VALUE`: $document_root (stored as ""), or a path; nginx compares it with the start of the
 * file's path, so one that is not absolute never matches (stored as NULL: every part checked) */
static int symlinks_from(zc_load_t *ld, const zc_node_t *d, const char *v, const char **out)
{
    if (strcmp(v, "$document_root") == 0 || strcmp(v, "${document_root}") == 0) {
        *out = "";
        return 0;
    }
    if (zc_no_vars(ld, d, v, NULL) < 0) return -1; /* only $document_root, alone */
    *out = v[0] == '/' ? v : NULL;
    return 0;
}

/* `disable_symlinks off | on | if_not_owner [from=PART]`, nginx's checks and messages */
static int h_disable_symlinks(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    static const char *const modes[] = {"off", "on", "if_not_owner"};
    zc_paths_t *p = paths_of(sc);
    const char *from = NULL;
    int mode = -1, has_from = 0;

    for (size_t i = 0; i < d->nargs; i++) {
        const char *a = d->args[i];
        int m = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(a, modes[k]) == 0) m = k;
        if (m >= 0 && mode < 0) {
            mode = m;
        } else if (strncmp(a, "from=", 5) == 0 && !has_from) {
            if (symlinks_from(ld, d, a + 5, &from) < 0) return -1;
            has_from = 1;
        } else if (m >= 0 || strncmp(a, "from=", 5) == 0) {
            return zc_err(ld, d, "duplicate parameters \"%s %s\"", d->args[0], a);
        } else {
            return zc_err(ld, d, "invalid parameter \"%s\"", a);
        }
    }
    if (mode < 0)
        return zc_err(ld, d,
                      "\"disable_symlinks\" must have \"off\", \"on\" or \"if_not_owner\" "
                      "parameter");
    if (has_from && mode == ZC_SYMLINKS_OFF)
        return zc_err(ld, d, "\"from=\" cannot be used with \"off\" parameter");
    p->symlinks = mode;
    p->symlinks_from = from;
    return 0;
}

const zc_spec_t zc_paths_specs[] = {
    {"absolute_redirect", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_paths_flag},
    {"port_in_redirect", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_paths_flag},
    {"server_name_in_redirect", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_paths_flag},
    {"merge_slashes", ZC_CTX_HTTP | ZC_CTX_SERVER, ZC_ONCE, 1, 1, h_paths_flag},
    {"disable_symlinks", ZC_ANY_HTTP, ZC_ONCE, 1, 2, h_disable_symlinks},
    {"autoindex_exact_size", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_paths_flag},
    {"autoindex_localtime", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_paths_flag},
    {"autoindex_format", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_autoindex_format},
    {NULL, 0, 0, 0, 0, NULL},
};
