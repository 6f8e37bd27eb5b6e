/* SPDX-License-Identifier: MIT */
/* zokiod conf: listen and server_name, and what is checked across servers once http {} is read:
 * inheritance from http {}, default listen and name, per-address listen flags, conflicting
 * names, duplicate default servers, ssl certificates. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

/* Fills the address part of *l from `host` (without brackets) and `port`. Returns 0 or -1. */
static int set_addr(zc_listen_t *l, const char *host, int v6, unsigned port)
{
    if (v6) {
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&l->sa;
        if (inet_pton(AF_INET6, host, &sa->sin6_addr) != 1) return -1;
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons((uint16_t)port);
        l->salen = sizeof(*sa);
        inet_ntop(AF_INET6, &sa->sin6_addr, l->addr, sizeof(l->addr));
        snprintf(l->text, sizeof(l->text), "[%s]:%u", l->addr, port);
    } else {
        struct sockaddr_in *sa = (struct sockaddr_in *)&l->sa;
        if (strcmp(host, "*") == 0) host = "0.0.0.0";
        if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
        if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) return -1;
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)port);
        l->salen = sizeof(*sa);
        inet_ntop(AF_INET, &sa->sin_addr, l->addr, sizeof(l->addr));
        snprintf(l->text, sizeof(l->text), "%s:%u", l->addr, port);
    }
    l->family = v6 ? AF_INET6 : AF_INET;
    l->port = (uint16_t)port;
    return 0;
}

/* Parses `[ADDR:]PORT`, `ADDR`, `[IPV6]:PORT` or `[IPV6]` into *l. */
static int parse_addr(zc_load_t *ld, const zc_node_t *d, zc_listen_t *l)
{
    const char *a = d->args[0], *portstr = NULL;
    char host[64];
    size_t hl;
    uint64_t port = 80;
    int v6 = a[0] == '[';

    if (strncmp(a, "unix:", 5) == 0)
        return zc_err(ld, d, "unix domain socket \"%s\" is not supported by zokiod", a);
    if (v6) {
        const char *end = strchr(a, ']');
        if (end == NULL || (end[1] != '\0' && end[1] != ':'))
            return zc_err(ld, d, "invalid IPv6 address in \"%s\" of the \"listen\" directive", a);
        hl = (size_t)(end - a - 1);
        a++;
        if (end[1] == ':') portstr = end + 2;
    } else if (strchr(a, ':') != NULL) {
        portstr = strrchr(a, ':') + 1;
        hl = (size_t)(portstr - 1 - a);
    } else if (isdigit((unsigned char)a[0]) && strchr(a, '.') == NULL) {
        portstr = a;
        a = "*";
        hl = 1;
    } else {
        hl = strlen(a);
    }
    if (portstr != NULL && (zc_parse_uint(portstr, 65535, &port) < 0 || port == 0))
        return zc_err(ld, d, "invalid port in \"%s\" of the \"listen\" directive", d->args[0]);
    if (hl == 0 || hl >= sizeof(host))
        return zc_err(ld, d, "host not found in \"%s\" of the \"listen\" directive", d->args[0]);
    memcpy(host, a, hl);
    host[hl] = '\0';
    if (set_addr(l, host, v6, (unsigned)port) < 0)
        return zc_err(ld, d, "host not found in \"%s\" of the \"listen\" directive", d->args[0]);
    return 0;
}

static int listen_param(zc_load_t *ld, const zc_node_t *d, zc_listen_t *l, const char *p)
{
    static const char *const unsupported[] = {
        "http2",  "quic",   "proxy_protocol", "deferred", "bind", "so_keepalive", "fastopen",
        "rcvbuf", "sndbuf", "accept_filter",  "setfib",   "spdy", "multipath",    NULL};
    size_t klen = strcspn(p, "=");
    uint64_t v;

    if (strcmp(p, "default_server") == 0 || strcmp(p, "default") == 0) {
        l->default_server = 1;
    } else if (strcmp(p, "ssl") == 0) {
        l->ssl = 1;
    } else if (strcmp(p, "reuseport") == 0) {
        l->reuseport = 1;
    } else if (strncmp(p, "backlog=", 8) == 0) {
        if (zc_parse_uint(p + 8, 65535, &v) < 0 || v == 0)
            return zc_err(ld, d, "invalid backlog \"%s\"", p + 8);
        l->backlog = (int)v;
    } else if (strncmp(p, "ipv6only=", 9) == 0) {
        if (strcmp(p + 9, "on") != 0 && strcmp(p + 9, "off") != 0)
            return zc_err(ld, d, "invalid ipv6only flags \"%s\"", p + 9);
        if (l->family != AF_INET6)
            return zc_err(ld, d, "ipv6only is not supported on addr \"%s\"", l->text);
        l->ipv6only = strcmp(p + 9, "on") == 0;
    } else {
        for (size_t i = 0; unsupported[i] != NULL; i++)
            if (strlen(unsupported[i]) == klen && strncmp(p, unsupported[i], klen) == 0)
                return zc_err(ld, d,
                              "parameter \"%s\" of the \"listen\" directive is not supported by "
                              "zokiod",
                              p);
        return zc_err(ld, d, "invalid parameter \"%s\"", p);
    }
    return 0;
}

int zc_h_listen(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_server_t *s = sc->srv;
    zc_listen_t *l = &s->listens[s->nlistens];

    l->backlog = -1;
    l->ipv6only = 1;
    l->file = d->file;
    l->line = d->line;
    if (parse_addr(ld, d, l) < 0) return -1;
    for (size_t i = 1; i < d->nargs; i++)
        if (listen_param(ld, d, l, d->args[i]) < 0) return -1;
    for (size_t i = 0; i < s->nlistens; i++)
        if (strcmp(s->listens[i].text, l->text) == 0)
            return zc_err(ld, d, "a duplicate listen %s", l->text);
    s->nlistens++;
    return 0;
}

static int add_name(zc_load_t *ld, zc_server_t *s, const char *name, size_t len)
{
    char *n = zc_arena_strndup(ld->arena, name, len);

    if (n == NULL) return zc_oom(ld);
    for (char *p = n; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (size_t i = 0; i < s->nnames; i++)
        if (strcmp(s->names[i], n) == 0) return 0;
    s->names[s->nnames++] = n;
    return 0;
}

/* A '*' may only start ("*.example.com") or end ("www.example.*") the name, once. */
static int valid_wildcard(const char *n, size_t len)
{
    const char *star = strchr(n, '*');

    if (star == NULL) return 1;
    if (strchr(star + 1, '*') != NULL) return 0;
    if (star == n) return len > 2 && n[1] == '.';
    return star == n + len - 1 && len > 2 && star[-1] == '.';
}

/* `server_name ~RE`: nginx matches it against the lower-cased host, caselessly when it has an
 * upper-case letter */
static int add_regex_name(zc_load_t *ld, const zc_node_t *d, zc_server_t *s, const char *re)
{
    int caseless = 0;
    zc_regex_t *r;

    for (const char *p = re; *p; p++)
        caseless |= *p >= 'A' && *p <= 'Z';
    if ((r = zc_regex_compile(ld, d, re, caseless)) == NULL) return -1;
    s->name_regexes[s->nname_regexes++] = r;
    return 0;
}

int zc_h_server_name(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    for (size_t i = 0; i < d->nargs; i++) {
        const char *n = d->args[i];
        size_t len = strlen(n);

        if (n[0] == '~') {
            if (add_regex_name(ld, d, sc->srv, n + 1) < 0) return -1;
            continue;
        }
        if (zc_no_vars(ld, d, n, NULL) < 0) return -1;
        if (!valid_wildcard(n, len) || strcmp(n, ".") == 0 || (n[0] == '.' && strchr(n, '*')))
            return zc_err(ld, d, "invalid server name or wildcard \"%s\"", n);
        if (n[0] == '.') {
            /* nginx: ".example.com" is both "example.com" and "*.example.com" */
            char *w = zc_arena_alloc(ld->arena, len + 2);
            if (w == NULL) return zc_oom(ld);
            w[0] = '*';
            memcpy(w + 1, n, len + 1);
            if (add_name(ld, sc->srv, n + 1, len - 1) < 0 || add_name(ld, sc->srv, w, len + 1) < 0)
                return -1;
        } else if (add_name(ld, sc->srv, n, len) < 0) {
            return -1;
        }
    }
    return 0;
}

/* --- after http {} ------------------------------------------------------------------------ */

static int inherit_server(zc_load_t *ld, size_t k)
{
    const zc_server_t *h = &ld->http_level;
    zc_server_t *s = &ld->cfg->http.servers[k];

    if (s->root == NULL) {
        s->root = h->root;
        s->root_tpl = h->root_tpl;
    }
    if (s->root == NULL && (s->root = zc_path_join(ld->arena, ld->cfg->prefix, "html")) == NULL)
        return zc_oom(ld);
    if (s->nindex == 0) s->index = h->index, s->nindex = h->nindex, s->index_tpl = h->index_tpl;
    if (s->nindex == 0) {
        int failed = 0;
        if ((s->index = zc_calloc(ld, 1, sizeof(char *), &failed)) == NULL ||
            (s->index[0] = zc_arena_strdup(ld->arena, "index.html")) == NULL)
            return zc_oom(ld);
        s->nindex = 1;
    }
    if (s->autoindex < 0) s->autoindex = h->autoindex < 0 ? 0 : h->autoindex;
    if (s->nheaders == 0) s->headers = h->headers, s->nheaders = h->nheaders;
    if (s->nerror_pages == 0) s->error_pages = h->error_pages, s->nerror_pages = h->nerror_pages;
    zc_io_inherit(&s->io, &h->io);
    zc_io_defaults(&s->io);
    zc_limits_inherit(&s->lim, &h->lim); /* h's have the defaults already */
    zc_mime_inherit(&s->mime, &h->mime);
    zc_serve_inherit(&s->serve, &h->serve);
    zc_serve_defaults(&s->serve);
    zc_paths_inherit(&s->paths, &h->paths);
    zc_paths_defaults(&s->paths);
    zc_logs_inherit(&s->logs, &h->logs);
    zc_elogs_inherit(&s->elogs, &h->elogs);
    s->access_log = s->logs.n ? s->logs.paths[0] : NULL;
    if (s->ssl_certificate == NULL) {
        s->ssl_certificate = h->ssl_certificate;
        s->ssl_certificate_file = h->ssl_certificate_file;
        s->ssl_certificate_line = h->ssl_certificate_line;
        s->nssl_more_certs = h->nssl_more_certs;
        for (size_t i = 0; i < h->nssl_more_certs; i++) {
            s->ssl_more[i].cert = h->ssl_more[i].cert;
            s->ssl_more[i].cert_file = h->ssl_more[i].cert_file;
            s->ssl_more[i].cert_line = h->ssl_more[i].cert_line;
        }
    }
    if (s->ssl_certificate_key == NULL) {
        s->ssl_certificate_key = h->ssl_certificate_key;
        s->ssl_certificate_key_file = h->ssl_certificate_key_file;
        s->ssl_certificate_key_line = h->ssl_certificate_key_line;
        s->nssl_more_keys = h->nssl_more_keys;
        for (size_t i = 0; i < h->nssl_more_keys; i++) {
            s->ssl_more[i].key = h->ssl_more[i].key;
            s->ssl_more[i].key_file = h->ssl_more[i].key_file;
            s->ssl_more[i].key_line = h->ssl_more[i].key_line;
        }
    }
    if (s->ssl_protocols == 0) s->ssl_protocols = h->ssl_protocols;
    if (s->ssl_protocols == 0) s->ssl_protocols = ZC_TLSv1_2 | ZC_TLSv1_3;
    zc_ssl_inherit(s, h);
    if (s->nlistens == 0) {
        zc_listen_t *l = &s->listens[s->nlistens++];
        set_addr(l, "0.0.0.0", 0, 80);
        l->backlog = -1;
        l->ipv6only = 1;
        l->file = s->file;
        l->line = s->line;
    }
    if (s->nnames == 0 && s->nname_regexes == 0 && add_name(ld, s, "", 0) < 0) return -1;
    zc_locations_inherit(s);
    return 0;
}

/* Makes ssl, reuseport, backlog and ipv6only the same on every listen of one ADDR:PORT, and
 * refuses two default servers there. Quadratic in listens, which is fine for a config file. */
static int merge_addresses(zc_load_t *ld)
{
    zc_http_t *h = &ld->cfg->http;

    for (size_t i = 0; i < h->nservers; i++) {
        for (size_t a = 0; a < h->servers[i].nlistens; a++) {
            zc_listen_t *l = &h->servers[i].listens[a];
            for (size_t j = 0; j < h->nservers; j++) {
                for (size_t b = 0; b < h->servers[j].nlistens; b++) {
                    zc_listen_t *o = &h->servers[j].listens[b];
                    if (o == l || strcmp(o->text, l->text) != 0) continue;
                    l->ssl |= o->ssl;
                    l->reuseport |= o->reuseport;
                    l->ipv6only &= o->ipv6only;
                    if (o->backlog > l->backlog) l->backlog = o->backlog;
                    if (j < i && o->default_server && l->default_server)
                        return zc_errf(ld->err, ld->errlen, l->file, l->line,
                                       "a duplicate default server for %s", l->text);
                }
            }
        }
    }
    return 0;
}

static int has_name(const zc_server_t *s, const char *name)
{
    for (size_t i = 0; i < s->nnames; i++)
        if (strcmp(s->names[i], name) == 0) return 1;
    return 0;
}

/* The first listen of `s` on `text`, or NULL. */
static const zc_listen_t *listens_on(const zc_server_t *s, const char *text)
{
    for (size_t i = 0; i < s->nlistens; i++)
        if (strcmp(s->listens[i].text, text) == 0) return &s->listens[i];
    return NULL;
}

static int check_names(zc_load_t *ld)
{
    zc_http_t *h = &ld->cfg->http;

    for (size_t j = 1; j < h->nservers; j++) {
        const zc_server_t *s = &h->servers[j];
        for (size_t i = 0; i < j; i++) {
            for (size_t a = 0; a < s->nlistens; a++) {
                if (listens_on(&h->servers[i], s->listens[a].text) == NULL) continue;
                for (size_t n = 0; n < s->nnames; n++)
                    if (has_name(&h->servers[i], s->names[n]))
                        return zc_errf(ld->err, ld->errlen, s->file, s->line,
                                       "conflicting server name \"%s\" on %s", s->names[n],
                                       s->listens[a].text);
            }
        }
    }
    return 0;
}

static int check_ssl(zc_load_t *ld, const zc_server_t *s)
{
    for (size_t i = 0; i < s->nlistens; i++) {
        const zc_listen_t *l = &s->listens[i];
        if (!l->ssl) continue;
        if (s->ssl_certificate == NULL)
            return zc_errf(ld->err, ld->errlen, l->file, l->line,
                           "no \"ssl_certificate\" is defined for the listen ... ssl directive");
        if (s->ssl_certificate_key == NULL)
            return zc_errf(ld->err, ld->errlen, l->file, l->line,
                           "no \"ssl_certificate_key\" is defined for certificate \"%s\"",
                           s->ssl_certificate);
        if (s->nssl_more_keys < s->nssl_more_certs)
            return zc_errf(ld->err, ld->errlen, l->file, l->line,
                           "no \"ssl_certificate_key\" is defined for certificate \"%s\"",
                           s->ssl_more[s->nssl_more_certs - 1].cert);
    }
    return 0;
}

int zc_servers_finish(zc_load_t *ld)
{
    zc_http_t *h = &ld->cfg->http;

    for (size_t k = 0; k < h->nservers; k++)
        if (inherit_server(ld, k) < 0) return -1;
    if (merge_addresses(ld) < 0 || check_names(ld) < 0 || zc_tpl_check_names(ld) < 0) return -1;
    for (size_t k = 0; k < h->nservers; k++)
        if (check_ssl(ld, &h->servers[k]) < 0) return -1;
    return 0;
}
