/* SPDX-License-Identifier: MIT */
/* zokiod conf: the ssl_* directives beyond certificates and protocols (server.c): ssl_ciphers,
 * ssl_prefer_server_ciphers, ssl_session_tickets, ssl_session_timeout, ssl_handshake_timeout,
 * their unset values and their inheritance from http {}. What the names mean is server/'s
 * business (server/tls_conf.c maps cipher names to the TLS library's). */
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

void zc_ssl_unset(zc_server_t *s)
{
    s->ssl_prefer_server_ciphers = -1;
    s->ssl_session_tickets = -1;
}

void zc_ssl_inherit(zc_server_t *s, const zc_server_t *h)
{
    if (!s->nssl_ciphers) {
        s->ssl_ciphers = h->ssl_ciphers;
        s->nssl_ciphers = h->nssl_ciphers;
        s->ssl_ciphers_file = h->ssl_ciphers_file;
        s->ssl_ciphers_line = h->ssl_ciphers_line;
    }
    if (!s->ssl_protocols_line) {
        s->ssl_protocols_file = h->ssl_protocols_file;
        s->ssl_protocols_line = h->ssl_protocols_line;
    }
    if (s->ssl_prefer_server_ciphers < 0)
        s->ssl_prefer_server_ciphers = h->ssl_prefer_server_ciphers;
    if (s->ssl_prefer_server_ciphers < 0) s->ssl_prefer_server_ciphers = 0; /* nginx's default */
    if (s->ssl_session_tickets < 0) s->ssl_session_tickets = h->ssl_session_tickets;
    if (s->ssl_session_tickets < 0) s->ssl_session_tickets = 1;
    if (!s->ssl_session_timeout_ms) s->ssl_session_timeout_ms = h->ssl_session_timeout_ms;
    if (!s->ssl_session_timeout_ms) s->ssl_session_timeout_ms = 300000;
    if (!s->ssl_handshake_timeout_ms) s->ssl_handshake_timeout_ms = h->ssl_handshake_timeout_ms;
    if (!s->ssl_handshake_timeout_ms) s->ssl_handshake_timeout_ms = 10000;
}

/* `ssl_ciphers A:B:...`: the names, split at ':' (checked by server/ against the TLS library) */
int zc_h_ssl_ciphers(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    const char *v = d->args[0];
    size_t n = 1;
    int failed = 0;

    if (zc_no_vars(ld, d, v, NULL) < 0) return -1;
    for (const char *p = v; *p; p++)
        n += *p == ':';
    char **names = zc_calloc(ld, n, sizeof(char *), &failed);
    char *copy = zc_arena_strdup(ld->arena, v);
    if (failed || !copy) return zc_oom(ld);
    n = 0;
    for (char *p = copy, *end; p; p = end) {
        end = strchr(p, ':');
        if (end) *end++ = '\0';
        if (!*p) return zc_invalid(ld, d, v);
        names[n++] = p;
    }
    zc_server_t *s = sc->srv;
    s->ssl_ciphers = names;
    s->nssl_ciphers = n;
    s->ssl_ciphers_file = d->file;
    s->ssl_ciphers_line = d->line;
    return 0;
}

/* ssl_prefer_server_ciphers, ssl_session_tickets */
int zc_h_ssl_flag(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_server_t *s = sc->srv;
    return zc_flag(ld, d,
                   strcmp(d->name, "ssl_session_tickets") == 0 ? &s->ssl_session_tickets
                                                               : &s->ssl_prefer_server_ciphers);
}

/* ssl_session_timeout, ssl_handshake_timeout */
int zc_h_ssl_time(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t ms;
    if (zc_parse_time_ms(d->args[0], &ms) < 0 || ms == 0) return zc_invalid(ld, d, d->args[0]);
    if (strcmp(d->name, "ssl_session_timeout") == 0)
        sc->srv->ssl_session_timeout_ms = ms;
    else
        sc->srv->ssl_handshake_timeout_ms = ms;
    return 0;
}
