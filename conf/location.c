/* SPDX-License-Identifier: MIT */
/* zokiod conf: location {} blocks: their modifiers (= ^~ ~ ~* @), nesting with nginx's rules and
 * messages, duplicates, and what a location inherits from its server and enclosing locations. */
#include <string.h>

#include "conf/load.h"

/* Splits the arguments of `location` into a modifier ("", "=", "^~", "~", "~*") and a name. */
static int location_args(zc_load_t *ld, const zc_node_t *d, const char **mod, const char **name)
{
    const char *a = d->args[0];

    if (d->nargs == 2) {
        *mod = a;
        *name = d->args[1];
    } else if (a[0] == '=' && a[1] != '\0') {
        *mod = "=", *name = a + 1;
    } else if (a[0] == '^' && a[1] == '~' && a[2] != '\0') {
        *mod = "^~", *name = a + 2;
    } else if (a[0] == '~') {
        *mod = a[1] == '*' ? "~*" : "~", *name = a + (a[1] == '*' ? 2 : 1);
    } else {
        *mod = "", *name = a;
    }
    if (strcmp(*mod, "") != 0 && strcmp(*mod, "=") != 0 && strcmp(*mod, "^~") != 0 &&
        strcmp(*mod, "~") != 0 && strcmp(*mod, "~*") != 0)
        return zc_err(ld, d, "invalid location modifier \"%s\"", *mod);
    if ((*mod)[0] == '~') return 0; /* a regex: '$' is an anchor, "" matches everything */
    if ((*name)[0] == '\0') return zc_invalid(ld, d, *name);
    return zc_no_vars(ld, d, *name, NULL);
}

/* nginx's rules for a location inside `parent` (ngx_http_core_location), in its order */
static int check_nesting(zc_load_t *ld, const zc_node_t *d, const zc_location_t *parent,
                         const zc_location_t *l)
{
    if (parent->exact)
        return zc_err(ld, d, "location \"%s\" cannot be inside the exact location \"%s\"",
                      l->prefix, parent->prefix);
    if (parent->named)
        return zc_err(ld, d, "location \"%s\" cannot be inside the named location \"%s\"",
                      l->prefix, parent->prefix);
    if (l->named)
        return zc_err(ld, d, "named location \"%s\" can be on the server level only", l->prefix);
    /* a nested prefix (or exact) location starts with its parent's name, even when that name is
     * a regex (nginx compares the text) */
    if (l->regex == NULL && strncmp(l->prefix, parent->prefix, strlen(parent->prefix)) != 0)
        return zc_err(ld, d, "location \"%s\" is outside location \"%s\"", l->prefix,
                      parent->prefix);
    return 0;
}

/* Two exact locations, or two prefix ones (^~ or not), with one name on one level. Regex and
 * named locations may repeat (the first one wins), as in nginx. */
static int check_duplicate(zc_load_t *ld, const zc_node_t *d, const zc_location_t *sib, size_t n,
                           const zc_location_t *l)
{
    if (l->regex != NULL || l->named) return 0;
    for (size_t i = 0; i < n; i++)
        if (sib[i].regex == NULL && !sib[i].named && sib[i].exact == l->exact &&
            strcmp(sib[i].prefix, l->prefix) == 0)
            return zc_err(ld, d, "duplicate location \"%s\"", l->prefix);
    return 0;
}

int zc_h_location(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_server_t *s = sc->srv;
    zc_location_t *parent = sc->loc, *l, new = {0};
    zc_location_t *sib = parent ? parent->locations : s->locations;
    size_t *nsib = parent ? &parent->nlocations : &s->nlocations;
    zc_scope_t in = {ZC_CTX_LOCATION, s, NULL};
    const char *mod, *name;
    int failed = 0;

    if (location_args(ld, d, &mod, &name) < 0) return -1;
    new.prefix = (char *)name;
    new.exact = strcmp(mod, "=") == 0;
    new.noregex = strcmp(mod, "^~") == 0;
    new.named = mod[0] == '\0' && name[0] == '@';
    if (mod[0] == '~' && (new.regex = zc_regex_compile(ld, d, name, mod[1] == '*')) == NULL)
        return -1;
    if (parent != NULL && check_nesting(ld, d, parent, &new) < 0) return -1;
    if (check_duplicate(ld, d, sib, *nsib, &new) < 0) return -1;
    l = &sib[(*nsib)++];
    *l = new;
    l->parent = parent;
    l->autoindex = -1;
    zc_io_unset(&l->io);
    zc_limits_unset(&l->lim);
    zc_serve_unset(&l->serve);
    zc_paths_unset(&l->paths);
    l->file = d->file;
    l->line = d->line;
    l->index = zc_calloc(ld, zc_count(d, "index", 1), sizeof(char *), &failed);
    l->headers = zc_calloc(ld, zc_count(d, "add_header", 0), sizeof(zc_header_t), &failed);
    l->error_pages = zc_calloc(ld, zc_count(d, "error_page", 0), sizeof(zc_error_page_t), &failed);
    l->locations = zc_calloc(ld, zc_count(d, "location", 0), sizeof(zc_location_t), &failed);
    if (failed) return zc_oom(ld);
    in.loc = l;
    return zc_run_block(ld, d, &in);
}

/* Makes l's settings effective: its own, else its enclosing location's (already effective),
 * else the server's; then the same for its nested locations. `return` is not inherited;
 * add_header, error_page and types go down only to a level that has none of its own. */
static void inherit(const zc_server_t *s, zc_location_t *l)
{
    const zc_location_t *p = l->parent;

    if (l->root == NULL && l->alias == NULL) {
        l->root = p ? p->root : s->root;
        l->alias = p ? p->alias : NULL;
        l->alias_cut = p ? p->alias_cut : 0;
        l->root_tpl = p ? p->root_tpl : s->root_tpl;
    }
    if (l->nindex == 0) {
        l->index = p ? p->index : s->index;
        l->nindex = p ? p->nindex : s->nindex;
        l->index_tpl = p ? p->index_tpl : s->index_tpl;
    }
    if (l->autoindex < 0) l->autoindex = p ? p->autoindex : s->autoindex;
    if (l->nheaders == 0) {
        l->headers = p ? p->headers : s->headers;
        l->nheaders = p ? p->nheaders : s->nheaders;
    }
    if (l->nerror_pages == 0) {
        l->error_pages = p ? p->error_pages : s->error_pages;
        l->nerror_pages = p ? p->nerror_pages : s->nerror_pages;
    }
    zc_logs_inherit(&l->logs, p ? &p->logs : &s->logs);
    zc_elogs_inherit(&l->elogs, p ? &p->elogs : &s->elogs);
    zc_io_inherit(&l->io, p ? &p->io : &s->io);
    zc_limits_inherit(&l->lim, p ? &p->lim : &s->lim);
    zc_mime_inherit(&l->mime, p ? &p->mime : &s->mime);
    zc_serve_inherit(&l->serve, p ? &p->serve : &s->serve);
    zc_paths_inherit(&l->paths, p ? &p->paths : &s->paths);
    for (size_t i = 0; i < l->nlocations; i++)
        inherit(s, &l->locations[i]);
}

void zc_locations_inherit(zc_server_t *s)
{
    for (size_t i = 0; i < s->nlocations; i++)
        inherit(s, &s->locations[i]);
}
