/* SPDX-License-Identifier: MIT */
/* zokiod conf: server {} blocks and the settings they share with http {} and location {}. listen,
 * server_name and the checks across servers once http {} is read are in listen.c; location {}
 * itself in location.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "conf/load.h"
#include "conf/values.h"

int zc_server_prepare(zc_load_t *ld, zc_server_t *s, const zc_node_t *blk)
{
    size_t nlisten = zc_count(blk, "listen", 0);
    size_t nnames = 2 * zc_count(blk, "server_name", 1); /* ".x.com" gives two names */
    int failed = 0;

    s->listens = zc_calloc(ld, nlisten ? nlisten : 1, sizeof(zc_listen_t), &failed);
    s->names = zc_calloc(ld, nnames ? nnames : 1, sizeof(char *), &failed);
    s->name_regexes = zc_calloc(ld, nnames ? nnames : 1, sizeof(zc_regex_t *), &failed);
    s->index = zc_calloc(ld, zc_count(blk, "index", 1), sizeof(char *), &failed);
    s->headers = zc_calloc(ld, zc_count(blk, "add_header", 0), sizeof(zc_header_t), &failed);
    s->error_pages =
        zc_calloc(ld, zc_count(blk, "error_page", 0), sizeof(zc_error_page_t), &failed);
    s->locations = zc_calloc(ld, zc_count(blk, "location", 0), sizeof(zc_location_t), &failed);
    s->autoindex = -1;
    zc_io_unset(&s->io);
    zc_limits_unset(&s->lim);
    zc_serve_unset(&s->serve);
    zc_paths_unset(&s->paths);
    zc_ssl_unset(s);
    return failed ? -1 : 0;
}

int zc_h_server(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_http_t *h = &ld->cfg->http;
    zc_server_t *s = &h->servers[h->nservers++];
    zc_scope_t in = {ZC_CTX_SERVER, s, NULL};

    (void)sc;
    s->file = d->file;
    s->line = d->line;
    if (zc_server_prepare(ld, s, d) < 0) return zc_oom(ld);
    return zc_run_block(ld, d, &in);
}

int zc_h_root(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    int alias = strcmp(d->name, "alias") == 0;
    const char *arg = d->args[0];
    zc_tpl_t *tpl;
    char *path;

    if (sc->loc != NULL && (alias ? sc->loc->root : sc->loc->alias) != NULL)
        return zc_err(ld, d,
                      "\"%s\" directive is duplicate, \"%s\" directive was specified earlier",
                      d->name, alias ? "root" : "alias");
    if (arg[0] == '\0') return zc_invalid(ld, d, arg);
    /* regex captures may be used ($1..$9, named groups), expanded per request */
    if (zc_tpl_parse(ld, d, arg, ld->cfg->prefix, &tpl) < 0) return -1;
    if ((path = zc_path_join(ld->arena, ld->cfg->prefix, arg)) == NULL) return zc_oom(ld);
    if (alias) {
        sc->loc->alias = path;
        sc->loc->root_tpl = tpl;
        /* nginx replaces the location's name with the alias, or the whole path in a regex one */
        sc->loc->alias_cut = sc->loc->regex ? ZC_ALIAS_WHOLE : strlen(sc->loc->prefix);
    } else if (sc->loc != NULL) {
        sc->loc->root = path;
        sc->loc->root_tpl = tpl;
    } else {
        sc->srv->root = path;
        sc->srv->root_tpl = tpl;
    }
    return 0;
}

int zc_h_index(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    char **arr = sc->loc ? sc->loc->index : sc->srv->index;
    size_t *n = sc->loc ? &sc->loc->nindex : &sc->srv->nindex;
    zc_tpl_t ***tpls = sc->loc ? &sc->loc->index_tpl : &sc->srv->index_tpl;
    int failed = 0;

    for (size_t i = 0; i < d->nargs; i++) {
        if (d->args[i][0] == '\0')
            return zc_err(ld, d, "index \"\" in \"index\" directive is invalid");
        if (strchr(d->args[i], '$') != NULL || *tpls != NULL) { /* parallel to arr from here */
            zc_tpl_t **t = zc_calloc(ld, *n + d->nargs, sizeof(*t), &failed);
            if (failed) return zc_oom(ld);
            if (*tpls != NULL) memcpy(t, *tpls, *n * sizeof(*t));
            *tpls = t;
            if (strchr(d->args[i], '$') != NULL &&
                (t[*n] = zc_tpl_value(ld, d, d->args[i])) == NULL)
                return -1;
        }
        arr[(*n)++] = d->args[i];
    }
    return 0;
}

int zc_h_autoindex(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    return zc_flag(ld, d, sc->loc ? &sc->loc->autoindex : &sc->srv->autoindex);
}

static int is_tchar(int c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int zc_h_add_header(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_header_t *h =
        sc->loc ? &sc->loc->headers[sc->loc->nheaders++] : &sc->srv->headers[sc->srv->nheaders++];
    const char *name = d->args[0], *value = d->args[1];

    if (name[0] == '\0') return zc_invalid(ld, d, name);
    for (const char *p = name; *p; p++)
        if (!is_tchar((unsigned char)*p)) return zc_invalid(ld, d, name);
    if (strpbrk(value, "\r\n") != NULL) return zc_invalid(ld, d, value);
    if (d->nargs == 3 && strcmp(d->args[2], "always") != 0) return zc_invalid(ld, d, d->args[2]);
    if (zc_no_vars(ld, d, name, NULL) < 0) return -1;
    if (strchr(value, '$') != NULL && (h->tpl = zc_tpl_value(ld, d, value)) == NULL) return -1;
    h->name = (char *)name;
    h->value = (char *)value;
    h->always = d->nargs == 3;
    return 0;
}

int zc_h_error_page(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_error_page_t *e = sc->loc ? &sc->loc->error_pages[sc->loc->nerror_pages++]
                                 : &sc->srv->error_pages[sc->srv->nerror_pages++];
    const char *uri = d->args[d->nargs - 1];
    size_t ncodes = d->nargs - 1;
    int failed = 0;
    uint64_t v;

    if (d->args[ncodes - 1][0] == '=') {
        const char *r = d->args[--ncodes] + 1;
        if (*r == '\0')
            return zc_err(ld, d,
                          "\"=\" without a code in \"error_page\" is not supported by zokiod");
        if (zc_parse_uint(r, 999, &v) < 0 || v < 100) return zc_invalid(ld, d, d->args[ncodes]);
        e->response = (int)v;
    }
    if (ncodes == 0)
        return zc_err(ld, d, "invalid number of arguments in \"error_page\" directive");
    e->codes = zc_calloc(ld, ncodes, sizeof(int), &failed);
    if (failed) return zc_oom(ld);
    for (size_t i = 0; i < ncodes; i++) {
        if (zc_parse_uint(d->args[i], 9999, &v) < 0) return zc_invalid(ld, d, d->args[i]);
        if (v < 300 || v > 599)
            return zc_err(ld, d, "value \"%s\" must be between 300 and 599", d->args[i]);
        e->codes[e->ncodes++] = (int)v;
    }
    /* "@name": a named location of the server answers (none of that name: 500, as nginx) */
    if (uri[0] != '/' && uri[0] != '@' && strncmp(uri, "http://", 7) != 0 &&
        strncmp(uri, "https://", 8) != 0)
        return zc_invalid(ld, d, uri);
    if (strchr(uri, '$') != NULL && (e->tpl = zc_tpl_value(ld, d, uri)) == NULL) return -1;
    e->uri = (char *)uri;
    return 0;
}

int zc_h_return(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_return_t *r = sc->loc ? &sc->loc->ret : &sc->srv->ret;
    const char *a = d->args[0];
    uint64_t code;

    if (zc_parse_uint(a, UINT64_MAX, &code) == 0) {
        if (code > 999) return zc_err(ld, d, "invalid return code \"%s\"", a);
        r->code = (int)code;
        r->text = d->nargs > 1 ? d->args[1] : NULL;
    } else if (d->nargs == 1 && (strncmp(a, "http://", 7) == 0 || strncmp(a, "https://", 8) == 0 ||
                                 strncmp(a, "$scheme", 7) == 0)) {
        r->code = 302;
        r->text = (char *)a;
    } else {
        return zc_err(ld, d, "invalid return code \"%s\"", a);
    }
    zc_rw_t *w = zc_rw_add(ld, sc);
    if (w == NULL) return -1;
    w->op = ZC_RW_RETURN;
    w->code = r->code;
    if (r->text != NULL && (w->val = zc_tpl_value(ld, d, r->text)) == NULL) return -1;
    return 0;
}

int zc_h_access_log(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_logs_t *l = sc->loc ? &sc->loc->logs : &sc->srv->logs; /* http {}: ld->http_level */
    char *path, **slot;

    l->set = 1;
    if (strcmp(d->args[0], "off") == 0) {
        if (d->nargs > 1) return zc_err(ld, d, "invalid parameter \"%s\"", d->args[1]);
        l->off = 1;
        return 0;
    }
    if (strncmp(d->args[0], "syslog:", 7) == 0)
        return zc_err(ld, d, "access_log \"%s\" is not supported by zokiod", d->args[0]);
    if (d->nargs > 1 && strcmp(d->args[1], "combined") != 0)
        return zc_err(ld, d, "unknown log format \"%s\"", d->args[1]);
    if ((path = zc_prefix_path(ld, d, 0)) == NULL) return -1;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->paths[i], path) == 0) return 0; /* one file: one line per request */
    if ((slot = ZC_PUSH(ld->arena, l->paths, l->n, l->cap)) == NULL) return zc_oom(ld);
    *slot = path;
    return 0;
}

void zc_elogs_inherit(zc_elogs_t *l, const zc_elogs_t *from)
{
    if (!l->set) *l = *from;
}

void zc_logs_inherit(zc_logs_t *l, const zc_logs_t *from)
{
    if (!l->set) *l = *from;
    if (l->off) l->n = 0; /* `off` wins over the level's other lines */
}

int zc_h_ssl_cert(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    int key = strcmp(d->name, "ssl_certificate_key") == 0;
    char *path;
    int fd;

    if (d->args[0][0] == '\0') return zc_invalid(ld, d, d->args[0]);
    if (zc_no_vars(ld, d, d->args[0], NULL) < 0) return -1;
    if ((path = zc_path_join(ld->arena, ld->cfg->conf_dir, d->args[0])) == NULL) return zc_oom(ld);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zc_err(ld, d, "cannot load certificate%s \"%s\": open() failed (%s)",
                      key ? " key" : "", path, strerror(errno));
    close(fd);
    zc_server_t *s = sc->srv;
    if (key ? s->ssl_certificate_key != NULL : s->ssl_certificate != NULL) {
        /* one more pair (nginx: an ECDSA certificate beside an RSA one) */
        uint8_t *n = key ? &s->nssl_more_keys : &s->nssl_more_certs;
        if (*n == ZC_SSL_MORE)
            return zc_err(ld, d, "too many \"%s\" directives (zokiod loads at most %d pairs)",
                          d->name, ZC_SSL_MORE + 1);
        zc_ssl_pair_t *p = &s->ssl_more[(*n)++];
        if (key)
            p->key = path, p->key_file = d->file, p->key_line = d->line;
        else
            p->cert = path, p->cert_file = d->file, p->cert_line = d->line;
        return 0;
    }
    if (key) {
        sc->srv->ssl_certificate_key = path;
        sc->srv->ssl_certificate_key_file = d->file;
        sc->srv->ssl_certificate_key_line = d->line;
    } else {
        sc->srv->ssl_certificate = path;
        sc->srv->ssl_certificate_file = d->file;
        sc->srv->ssl_certificate_line = d->line;
    }
    return 0;
}

int zc_h_ssl_protocols(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    /* SSLv2, SSLv3 and TLSv1 share a bit: accepted, warned about, never spoken */
    static const struct {
        const char *name;
        unsigned bit;
    } protos[] = {{"SSLv2", ZC_TLSv1},     {"SSLv3", ZC_TLSv1},     {"TLSv1", ZC_TLSv1},
                  {"TLSv1.1", ZC_TLSv1_1}, {"TLSv1.2", ZC_TLSv1_2}, {"TLSv1.3", ZC_TLSv1_3}};
    unsigned set = 0, seen = 0;

    for (size_t i = 0; i < d->nargs; i++) {
        size_t j = 0;
        while (j < sizeof(protos) / sizeof(protos[0]) && strcmp(d->args[i], protos[j].name) != 0)
            j++;
        if (j == sizeof(protos) / sizeof(protos[0])) return zc_invalid(ld, d, d->args[i]);
        /* nginx warns about a value given twice */
        if ((seen & (1u << j)) &&
            zc_note(ld, d, "warn", "duplicate value \"%s\" in \"ssl_protocols\"", d->args[i]) < 0)
            return -1;
        seen |= 1u << j;
        set |= protos[j].bit;
    }
    /* the others are warned about by server/ when it builds TLS (zokiod speaks TLS 1.2 only) */
    if (!(set & ZC_TLSv1_2))
        return zc_err(ld, d,
                      "\"ssl_protocols\" without TLSv1.2: zokiod speaks TLS 1.2 only (mbedtls 2.28 "
                      "has no TLS 1.3 server; TLS 1.0 and 1.1 are unsafe)");
    sc->srv->ssl_protocols = set;
    sc->srv->ssl_protocols_file = d->file;
    sc->srv->ssl_protocols_line = d->line;
    return 0;
}
