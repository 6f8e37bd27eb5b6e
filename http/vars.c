/* SPDX-License-Identifier: MIT */
/* zokiod http: nginx's variables of a request (see vars.h). */
#include "http/vars.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <strings.h>

#include "http/conn.h"
#include "http/head.h"
#include "http/server.h"

char *zh_vars_alloc(zh_vars_t *v, size_t n)
{
    if (n + 1 > sizeof v->buf - v->used) return NULL;
    char *p = v->buf + v->used;
    v->used += (uint32_t)(n + 1);
    p[n] = 0;
    return p;
}

int zh_arg_find(const char *args, size_t alen, const char *name, size_t nlen, const char **p,
                size_t *len)
{
    const char *a = args, *end = args + alen;
    while (a && a < end) {
        const char *amp = memchr(a, '&', (size_t)(end - a)), *stop = amp ? amp : end;
        if ((size_t)(stop - a) > nlen && a[nlen] == '=' && !strncasecmp(a, name, nlen)) {
            *p = a + nlen + 1;
            *len = (size_t)(stop - *p);
            return 1;
        }
        if ((size_t)(stop - a) == nlen && !strncasecmp(a, name, nlen)) { /* "?x": empty */
            *p = a + nlen;
            *len = 0;
            return 1;
        }
        a = amp ? amp + 1 : NULL;
    }
    return 0;
}

static void put_str(zh_sink_t *out, const char *s)
{
    if (s) zh_sink_str(out, s);
}

/* the location's root or alias directory, as nginx's $document_root */
static void document_root(const zh_req_t *r, const zh_location_t *l, zh_sink_t *out)
{
    if (!l) return;
    const char *root = l->site.root_path;
    if (root && !(l->root_tpl && root[0] == '/' && root[1] == 0)) zh_sink_str(out, root);
    if (l->root_tpl) zh_tpl_expand(l->root_tpl, r, out);
}

/* the target as sent, without the "http://host" of an absolute-form one (nginx's unparsed URI) */
static void request_uri(zh_str_t t, zh_sink_t *out)
{
    size_t skip = t.len >= 7 && !strncasecmp(t.p, "http://", 7)    ? 7
                  : t.len >= 8 && !strncasecmp(t.p, "https://", 8) ? 8
                                                                   : 0;
    if (skip) {
        while (skip < t.len && t.p[skip] != '/' && t.p[skip] != '?')
            skip++;
        if (skip == t.len || t.p[skip] == '?') ZH_SINK_LIT(out, "/");
    }
    zh_sink_put(out, t.p + skip, t.len - skip);
}

void zh_var_put(const zh_req_t *r, unsigned id, zh_sink_t *out)
{
    const zh_vars_t *v = r->vars;
    switch (id) {
    case ZH_VAR_URI: zh_sink_put(out, r->uri.p, r->uri.len); break;
    case ZH_VAR_ARGS:
    case ZH_VAR_QUERY_STRING: zh_sink_put(out, r->args.p, r->args.len); break;
    case ZH_VAR_IS_ARGS:
        if (r->args.len) ZH_SINK_LIT(out, "?");
        break;
    case ZH_VAR_HOST:
        if (r->host.p)
            zh_sink_put(out, r->host.p, r->host.len);
        else if (v)
            put_str(out, v->server_name);
        break;
    case ZH_VAR_REMOTE_ADDR:
        if (v)
            put_str(out, v->remote_addr ? v->remote_addr : v->conn ? zh_conn_peer(v->conn) : NULL);
        break;
    case ZH_VAR_REQUEST_URI: request_uri(r->target, out); break;
    case ZH_VAR_SCHEME: /* "https" on a TLS connection */
        if (v && v->conn && v->conn->tls)
            ZH_SINK_LIT(out, "https");
        else
            ZH_SINK_LIT(out, "http");
        break;
    case ZH_VAR_SERVER_NAME:
        if (v) put_str(out, v->server_name);
        break;
    case ZH_VAR_DOCUMENT_ROOT:
        if (v) document_root(r, v->loc, out);
        break;
    case ZH_VAR_REQUEST_METHOD:
        if (v) put_str(out, v->method);
        break;
    case ZH_VAR_CONNECTION_REQUESTS:
        if (v) zh_sink_u64(out, v->conn_requests);
        break;
    default: break;
    }
}

/* a header value: a CR or LF a variable brought in goes out as %0D / %0A, never as a line break */
static void put_value(zh_sink_t *b, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\r' || v[i] == '\n')
            zh_sink_put(b, v[i] == '\r' ? "%0D" : "%0A", 3);
        else
            zh_sink_put(b, v + i, 1);
    }
}

void zh_header_put(zh_sink_t *b, const zh_header_t *hd, const zh_req_t *r)
{
    if (!hd->tpl) {
        zh_head_field(b, hd->name, hd->value, strlen(hd->value));
        return;
    }
    char v[ZH_VARS_BUF];
    zh_sink_t s = ZH_SINK(v, sizeof v);
    if (r) zh_tpl_expand(hd->tpl, r, &s);
    size_t n = s.written;
    if (!n) return;
    zh_sink_str(b, hd->name);
    ZH_SINK_LIT(b, ": ");
    put_value(b, v, n);
    ZH_SINK_LIT(b, "\r\n");
}

/* "http://HOST[:PORT]" ("https://" on TLS) before a local redirect, as nginx's
 * absolute_redirect: the server's first name (server_name_in_redirect), else the request's host,
 * else the local address (an IPv6 one without brackets, as nginx writes it); the local port
 * unless it is the scheme's default (80, 443) or port_in_redirect is off */
static void put_origin(zh_sink_t *b, zh_conn_t *c, const zh_paths_t *p)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char addr[INET6_ADDRSTRLEN] = "";
    unsigned port = 80;
    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
        int v6 = ss.ss_family == AF_INET6;
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
        port = ntohs(v6 ? s6->sin6_port : s4->sin_port);
        if (!inet_ntop(ss.ss_family,
                       v6 ? (const void *)&s6->sin6_addr : (const void *)&s4->sin_addr, addr,
                       sizeof addr))
            addr[0] = 0;
    }
    int tls = c->tls != NULL;
    if (tls)
        ZH_SINK_LIT(b, "https://");
    else
        ZH_SINK_LIT(b, "http://");
    const zh_req_t *r = c->w ? &c->w->req : NULL;
    if (p && p->server_name_in_redirect && c->vhost)
        zh_sink_str(b, c->vhost->nnames ? c->vhost->names[0] : "");
    else if (r && r->host.p)
        zh_sink_put(b, r->host.p, r->host.len);
    else
        zh_sink_str(b, addr);
    if (port != (tls ? 443u : 80u) && (!p || p->port_in_redirect)) {
        ZH_SINK_LIT(b, ":");
        zh_sink_u64(b, port);
    }
}

void zh_location_field(zh_sink_t *b, zh_conn_t *c, const char *v, size_t n)
{
    const zh_paths_t *p = c->loc ? &c->loc->paths : NULL;
    ZH_SINK_LIT(b, "Location: ");
    if (n && v[0] == '/' && (!p || p->absolute_redirect)) put_origin(b, c, p);
    put_value(b, v, n);
    ZH_SINK_LIT(b, "\r\n");
}
