/* SPDX-License-Identifier: MIT */
/* zokiod: certificates and TLS contexts of a configuration generation (see tls_conf.h). They
 * are made in the master, so `-t`, start and reload refuse the same broken files, and a reload
 * re-reads every certificate; workers inherit them through fork. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/tls.h"
#include "server/gen.h"
#include "server/log.h"
#include "server/tls_conf.h"

static int has_ssl_listen(const zc_server_t *s)
{
    for (size_t j = 0; j < s->nlistens; j++)
        if (s->listens[j].ssl) return 1;
    return 0;
}

/* where the error of pair k (0: ssl_certificate, 1..: ssl_more) is: the key directive's line
 * when the key is at fault */
static void where(const zc_config_t *conf, const zc_server_t *s, size_t k, const char *why,
                  char *err, size_t errlen)
{
    int key = strstr(why, "key \"") != NULL;
    const char *file;
    int line;
    if (k == 0) {
        file = key ? s->ssl_certificate_key_file : s->ssl_certificate_file;
        line = key ? s->ssl_certificate_key_line : s->ssl_certificate_line;
    } else {
        const zc_ssl_pair_t *p = &s->ssl_more[k - 1];
        file = key ? p->key_file : p->cert_file;
        line = key ? p->key_line : p->cert_line;
    }
    snprintf(err, errlen, "zokiod: %s:%d: %s", file ? file : conf->conf_file, line, why);
}

/* loads server s's certificate and key pairs */
static int load(const zc_config_t *conf, const zc_server_t *s, zh_tls_cert_t **out, char *err,
                size_t errlen)
{
    char why[512];
    if (zh_tls_cert_load(out, s->ssl_certificate, s->ssl_certificate_key, why, sizeof why) < 0) {
        where(conf, s, 0, why, err, errlen);
        return -1;
    }
    for (size_t k = 0; k < s->nssl_more_certs; k++) {
        const zc_ssl_pair_t *p = &s->ssl_more[k];
        if (zh_tls_cert_add(*out, p->cert, p->key, why, sizeof why) < 0) {
            where(conf, s, k + 1, why, err, errlen);
            zh_tls_cert_free(*out);
            return -1;
        }
    }
    return 0;
}

static int server_opts(const zc_config_t *conf, const zc_server_t *s, zh_tls_opts_t *o, char *err,
                       size_t errlen);

int zs_tls_check(const zc_config_t *conf, char *err, size_t errlen)
{
    const zc_http_t *h = &conf->http;
    for (size_t i = 0; i < h->nservers; i++) {
        const zc_server_t *s = &h->servers[i];
        zh_tls_cert_t *c;
        if (!has_ssl_listen(s)) continue;
        zh_tls_opts_t o;
        if (server_opts(conf, s, &o, err, errlen) < 0) return -1;
        if (load(conf, s, &c, err, errlen) < 0) return -1;
        zh_tls_cert_free(c);
    }
    return 0;
}

static int same_pairs(const zc_server_t *a, const zc_server_t *b)
{
    if (strcmp(a->ssl_certificate, b->ssl_certificate) ||
        strcmp(a->ssl_certificate_key, b->ssl_certificate_key) ||
        a->nssl_more_certs != b->nssl_more_certs)
        return 0;
    for (size_t k = 0; k < a->nssl_more_certs; k++)
        if (strcmp(a->ssl_more[k].cert, b->ssl_more[k].cert) ||
            strcmp(a->ssl_more[k].key, b->ssl_more[k].key))
            return 0;
    return 1;
}

/* the certificates of server i: loaded once per list of (certificate, key) pairs */
static int server_cert(zs_gen_t *g, size_t i, char *err, size_t errlen)
{
    const zc_server_t *s = &g->conf.http.servers[i];
    for (size_t k = 0; k < i; k++) {
        const zc_server_t *o = &g->conf.http.servers[k];
        if (g->certs[k] && same_pairs(o, s)) {
            g->certs[i] = g->certs[k];
            return 0;
        }
    }
    if (load(&g->conf, s, &g->certs[i], err, errlen) < 0) return -1;
    g->cert_owned[i] = 1;
    return 0;
}

/* nginx's cipher-list words that mean "the usual strong ones": zokiod's default suites */
static int default_word(const char *w)
{
    static const char *const words[] = {
        "HIGH",     "DEFAULT",      "ALL",          "ECDHE",          "EECDH",          "AESGCM",
        "CHACHA20", "EECDH+AESGCM", "ECDHE+AESGCM", "EECDH+CHACHA20", "ECDHE+CHACHA20", NULL};
    for (int i = 0; words[i]; i++)
        if (!strcmp(w, words[i])) return 1;
    return 0;
}

static int add_suite(zh_tls_opts_t *o, int *n, int id)
{
    for (int i = 0; i < *n; i++)
        if (o->suites[i] == id) return 0;
    if (*n == ZH_TLS_MAX_SUITES) return 0;
    o->suites[(*n)++] = id;
    return 0;
}

/* ssl_ciphers: names in OpenSSL's or IANA's words; "!x", "-x", "@..." are ignored (the default
 * suites exclude what nginx configs usually exclude); an unknown name is an error naming it */
static int ciphers(const zc_config_t *conf, const zc_server_t *s, zh_tls_opts_t *o, char *err,
                   size_t errlen)
{
    int n = 0;
    for (size_t i = 0; i < s->nssl_ciphers; i++) {
        const char *w = s->ssl_ciphers[i];
        if (w[0] == '!' || w[0] == '-' || w[0] == '@' || w[0] == '+') continue;
        if (default_word(w)) {
            for (const int *d = zh_tls_default_suites; *d; d++)
                add_suite(o, &n, *d);
            continue;
        }
        int id = zh_tls_suite_id(w, strlen(w));
        if (id < 0) {
            snprintf(err, errlen,
                     "zokiod: %s:%d: unknown cipher \"%s\" in \"ssl_ciphers\" (zokiod speaks TLS "
                     "1.2 with mbedtls 2.28: e.g. ECDHE-ECDSA-AES128-GCM-SHA256, "
                     "ECDHE-RSA-CHACHA20-POLY1305)",
                     s->ssl_ciphers_file ? s->ssl_ciphers_file : conf->conf_file,
                     s->ssl_ciphers_line, w);
            return -1;
        }
        add_suite(o, &n, id);
    }
    o->suites[n] = 0;
    return 0;
}

static int server_opts(const zc_config_t *conf, const zc_server_t *s, zh_tls_opts_t *o, char *err,
                       size_t errlen)
{
    zh_tls_opts_default(o);
    o->session_tickets = (uint8_t)(s->ssl_session_tickets != 0);
    if (s->ssl_session_timeout_ms)
        o->session_timeout_s = (uint32_t)((s->ssl_session_timeout_ms + 999) / 1000);
    if (s->ssl_handshake_timeout_ms) o->handshake_timeout = s->ssl_handshake_timeout_ms * 1000000;
    return ciphers(conf, s, o, err, errlen);
}

int zs_tls_warning(const zc_config_t *conf, char *msg, size_t len)
{
    const zc_server_t *at = NULL;
    unsigned extra = 0;
    for (size_t i = 0; i < conf->http.nservers; i++) {
        const zc_server_t *s = &conf->http.servers[i];
        if (!has_ssl_listen(s) || !s->ssl_protocols_line) continue;
        unsigned x = s->ssl_protocols & ~ZC_TLSv1_2 & ~extra;
        if (x && !at) at = s;
        extra |= x;
    }
    if (!extra) return 0;
    snprintf(msg, len, "%s:%d: \"ssl_protocols\": zokiod speaks TLS 1.2 only, not %s%s%s%s%s",
             at->ssl_protocols_file ? at->ssl_protocols_file : conf->conf_file,
             at->ssl_protocols_line, extra & ZC_TLSv1 ? "SSLv3/TLSv1" : "",
             (extra & ZC_TLSv1) && (extra & ZC_TLSv1_1) ? ", " : "",
             extra & ZC_TLSv1_1 ? "TLSv1.1" : "",
             (extra & (ZC_TLSv1 | ZC_TLSv1_1)) ? " (unsafe)" : "",
             extra & ZC_TLSv1_3
                 ? ((extra & (ZC_TLSv1 | ZC_TLSv1_1)) ? " nor TLSv1.3 (not in mbedtls 2.28)"
                                                      : "TLSv1.3 (not in mbedtls 2.28)")
                 : "");
    return 1;
}

static int build_ctx(zs_gen_t *g, zs_listen_t *l, char *err, size_t errlen)
{
    zh_tls_cert_t **certs = calloc(l->nvhosts ? l->nvhosts : 1, sizeof *certs);
    zh_tls_cert_t *dflt = NULL;
    if (!certs) {
        snprintf(err, errlen, "zokiod: out of memory");
        return -1;
    }
    for (uint32_t j = 0; j < l->nvhosts; j++) {
        size_t i = (size_t)(l->vhosts[j] - g->vhosts);
        certs[j] = g->certs[i];
        if (l->vhosts[j] == l->dflt) dflt = certs[j];
    }
    zh_tls_opts_t o;
    const zc_server_t *ds = &g->conf.http.servers[l->dflt - g->vhosts];
    if (server_opts(&g->conf, ds, &o, err, errlen) < 0) {
        free(certs);
        return -1;
    }
    /* handshakes cost CPU: at most half the worker's connections may be in one (a flood of
     * ClientHellos then leaves room for established clients), and never more than 512 */
    uint32_t half = g->lim.max_conns / 2;
    o.max_handshakes = half < 1 ? 1 : half < o.max_handshakes ? half : o.max_handshakes;
    char why[256];
    int r = zh_tls_ctx_new(&l->tls, &o, (const zh_vhost_t *const *)l->vhosts, certs, l->nvhosts,
                           l->dflt, dflt, why, sizeof why);
    free(certs);
    if (r < 0) snprintf(err, errlen, "zokiod: listen %s ssl: %s", l->text, why);
    return r;
}

int zs_tls_build(zs_gen_t *g, char *err, size_t errlen)
{
    const zc_http_t *h = &g->conf.http;
    size_t n = h->nservers ? h->nservers : 1;
    g->certs = calloc(n, sizeof *g->certs);
    g->cert_owned = calloc(n, 1);
    if (!g->certs || !g->cert_owned) {
        snprintf(err, errlen, "zokiod: out of memory");
        return -1;
    }
    for (size_t i = 0; i < h->nservers; i++)
        if (has_ssl_listen(&h->servers[i]) && server_cert(g, i, err, errlen) < 0) return -1;
    for (size_t i = 0; i < g->nlistens; i++)
        if (g->listens[i].ssl && build_ctx(g, &g->listens[i], err, errlen) < 0) return -1;
    char msg[512];
    if (zs_tls_warning(&g->conf, msg, sizeof msg)) zs_log(ZS_LOG_WARN, "%s", msg);
    return 0;
}

void zs_tls_free(zs_gen_t *g)
{
    for (size_t i = 0; i < g->nlistens; i++) {
        zh_tls_ctx_free(g->listens[i].tls);
        g->listens[i].tls = NULL;
    }
    for (size_t i = 0; g->certs && i < g->conf.http.nservers; i++)
        if (g->cert_owned[i]) zh_tls_cert_free(g->certs[i]);
    free(g->certs);
    free(g->cert_owned);
    g->certs = NULL;
    g->cert_owned = NULL;
}
