/* SPDX-License-Identifier: MIT */
/* zokiod conf: nginx's variables as zokiod has them, and the directives of the rewrite module
 * (`set`, `rewrite`, and `return` as one of them: run in file order per block) with `try_files`
 * and `internal`. */
#include <string.h>
#include <strings.h>

#include "conf/load.h"
#include "conf/values.h"

/* in zc_var_t order from ZC_VAR_URI */
static const char *const var_names[] = {
    "uri",         "args",          "query_string",   "is_args",
    "host",        "remote_addr",   "request_uri",    "scheme",
    "server_name", "document_root", "request_method", "connection_requests",
};

/* $http_NAME of the headers zokiod keeps, in ZC_HDR_* order */
static const char *const hdr_names[] = {
    "host",
    "range",
    "if_range",
    "if_match",
    "if_none_match",
    "if_modified_since",
    "if_unmodified_since",
    "expect",
    "transfer_encoding",
    "referer",
    "user_agent",
};

/* $http_NAME of another header: kept when requests are parsed (zc_http_t.want_headers) */
static int want_header(zc_load_t *ld, const char *name, zc_tpl_part_t *part, int *unsupported)
{
    zc_http_t *h = &ld->cfg->http;
    size_t len = strlen(name), i;
    char *hdr;

    if (len == 0 || len > ZC_WANT_HEADER_LEN) {
        *unsupported = 1;
        return -1;
    }
    if ((hdr = zc_arena_strndup(ld->arena, name, len)) == NULL) return zc_oom(ld);
    for (char *c = hdr; *c; c++)
        *c = *c == '_' ? '-' : (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
    for (i = 0; i < h->nwant_headers && strcmp(h->want_headers[i], hdr) != 0; i++)
        ;
    if (i == h->nwant_headers) {
        if (i == ZC_WANT_HEADERS_MAX) {
            *unsupported = 1;
            return -1;
        }
        h->want_headers[h->nwant_headers++] = hdr;
    }
    part->kind = ZC_TPL_HTTP;
    part->capture = (unsigned)(ZC_HDR__COUNT + i);
    return 0;
}

/* the $http_ variables nginx defines by name (a `set` of them is a duplicate there) */
static int nginx_http_var(const char *name)
{
    static const char *const names[] = {"http_host", "http_user_agent",      "http_referer",
                                        "http_via",  "http_x_forwarded_for", "http_cookie"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0) return 1;
    return 0;
}

static int builtin(const char *name)
{
    for (size_t i = 0; i < sizeof var_names / sizeof var_names[0]; i++)
        if (strcmp(name, var_names[i]) == 0) return (int)i + ZC_VAR_URI;
    return 0;
}

int zc_var_resolve(zc_load_t *ld, const char *name, zc_tpl_part_t *part, int *unsupported)
{
    int id = builtin(name);
    zc_http_t *h = &ld->cfg->http;

    *unsupported = 0;
    if (id) {
        part->kind = ZC_TPL_VAR;
        part->capture = (unsigned)id;
        return 0;
    }
    for (size_t i = 0; i < h->nvars; i++)
        if (strcmp(h->vars[i], name) == 0) {
            part->kind = ZC_TPL_USER;
            part->capture = (unsigned)i;
            return 0;
        }
    if (strncmp(name, "http_", 5) == 0) {
        for (size_t i = 0; i < sizeof hdr_names / sizeof hdr_names[0]; i++)
            if (strcasecmp(name + 5, hdr_names[i]) == 0) {
                part->kind = ZC_TPL_HTTP;
                part->capture = (unsigned)i;
                return 0;
            }
        return want_header(ld, name + 5, part, unsupported);
    }
    if (strncmp(name, "arg_", 4) == 0 && name[4] != '\0') {
        part->kind = ZC_TPL_ARG;
        part->text = name + 4;
        part->len = strlen(name + 4);
        return 0;
    }
    return -1;
}

zc_rw_t *zc_rw_add(zc_load_t *ld, zc_scope_t *sc)
{
    zc_rw_t **tail = sc->loc ? &sc->loc->rw : &sc->srv->rw, *w;

    while (*tail != NULL)
        tail = &(*tail)->next;
    if ((w = zc_arena_alloc(ld->arena, sizeof(*w))) == NULL) {
        zc_oom(ld);
        return NULL;
    }
    memset(w, 0, sizeof(*w));
    *tail = w;
    return w;
}

/* a `set` variable's index, added when new (nginx's variables are global to http {}) */
static int user_var(zc_load_t *ld, const zc_node_t *d, const char *name, size_t len)
{
    zc_http_t *h = &ld->cfg->http;
    char *copy;

    for (size_t i = 0; i < h->nvars; i++)
        if (strlen(h->vars[i]) == len && memcmp(h->vars[i], name, len) == 0) return (int)i;
    if (h->nvars == ZC_USER_VARS_MAX)
        return zc_err(ld, d, "more than %d \"set\" variables are not supported by zokiod",
                      ZC_USER_VARS_MAX);
    if ((copy = zc_arena_strndup(ld->arena, name, len)) == NULL) return zc_oom(ld);
    h->vars[h->nvars] = copy;
    return (int)h->nvars++;
}

int zc_h_set(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    const char *a = d->args[0];
    zc_var_t v;
    char name[128];
    zc_rw_t *w;
    int idx;

    if (a[0] != '$') return zc_err(ld, d, "invalid variable name \"%s\"", a);
    if (zc_var_scan(a, &v) != strlen(a) || v.nlen == 0 || v.capture || v.nlen >= sizeof name)
        return zc_err(ld, d, "invalid variable name \"%s\"", a);
    memcpy(name, v.name, v.nlen);
    name[v.nlen] = '\0';
    if (strcmp(name, "args") == 0) { /* nginx's one changeable variable of these */
        idx = ZC_SET_ARGS;
    } else if (builtin(name) || nginx_http_var(name)) {
        return zc_err(ld, d, "the duplicate \"%s\" variable", name);
    } else if ((idx = user_var(ld, d, name, v.nlen)) < 0) {
        return -1;
    }
    if ((w = zc_rw_add(ld, sc)) == NULL) return -1;
    w->op = ZC_RW_SET;
    w->var = (unsigned)idx;
    return (w->val = zc_tpl_value(ld, d, d->args[1])) == NULL ? -1 : 0;
}

int zc_h_rewrite(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    static const char *const flags[] = {"last", "break", "redirect", "permanent"};
    const char *rep = d->args[1];
    size_t len = strlen(rep);
    zc_rw_t *w;

    if ((w = zc_rw_add(ld, sc)) == NULL) return -1;
    w->op = ZC_RW_REWRITE;
    if ((w->regex = zc_regex_compile(ld, d, d->args[0], 0)) == NULL) return -1;
    if (d->nargs == 3) {
        for (size_t i = 0; i < 4 && w->flag == 0; i++)
            if (strcmp(d->args[2], flags[i]) == 0) w->flag = (int)i + ZC_RWF_LAST;
        if (w->flag == 0) return zc_err(ld, d, "invalid parameter \"%s\"", d->args[2]);
    }
    w->absolute = strncmp(rep, "http://", 7) == 0 || strncmp(rep, "https://", 8) == 0 ||
                  strncmp(rep, "$scheme", 7) == 0;
    if (len > 0 && rep[len - 1] == '?') { /* no args added */
        char *cut = zc_arena_strndup(ld->arena, rep, len - 1);
        if (cut == NULL) return zc_oom(ld);
        rep = cut;
        w->no_args = 1;
    }
    return (w->val = zc_tpl_value(ld, d, rep)) == NULL ? -1 : 0;
}

int zc_h_try_files(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_try_t *t = zc_arena_alloc(ld->arena, sizeof(*t));
    const char *last = d->args[d->nargs - 1];
    int failed = 0;

    if (t == NULL) return zc_oom(ld);
    memset(t, 0, sizeof(*t));
    t->nfiles = d->nargs - 1;
    t->files = zc_calloc(ld, t->nfiles, sizeof(*t->files), &failed);
    t->dir = zc_calloc(ld, t->nfiles, 1, &failed);
    if (failed) return zc_oom(ld);
    for (size_t i = 0; i < t->nfiles; i++) {
        const char *a = d->args[i];
        size_t len = strlen(a);
        if (len > 0 && a[len - 1] == '/') { /* a directory is wanted */
            t->dir[i] = 1;
            if ((a = zc_arena_strndup(ld->arena, a, len - 1)) == NULL) return zc_oom(ld);
        }
        if ((t->files[i] = zc_tpl_value(ld, d, a)) == NULL) return -1;
    }
    if (last[0] == '=') {
        uint64_t code;
        if (zc_parse_uint(last + 1, 999, &code) < 0)
            return zc_err(ld, d, "invalid code \"%s\"", last);
        t->code = (int)code;
    } else if ((t->uri = zc_tpl_value(ld, d, last)) == NULL) {
        return -1;
    }
    if (sc->loc)
        sc->loc->try_files = t;
    else
        sc->srv->try_files = t;
    return 0;
}

int zc_h_internal(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)ld;
    (void)d;
    sc->loc->internal = 1;
    return 0;
}

/* `break;`: the block's later rewrite directives do not run, and a URI a rewrite without a flag
 * changed is answered in this location (nginx's ngx_http_script_break_code) */
int zc_h_break(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_rw_t *w = zc_rw_add(ld, sc);

    (void)d;
    if (w == NULL) return -1;
    w->op = ZC_RW_BREAK;
    return 0;
}
