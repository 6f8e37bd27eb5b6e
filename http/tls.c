/* SPDX-License-Identifier: MIT */
/* zokiod http: the TLS transport (see http/tls.h and http/transport.h).
 *
 * Input: ciphertext chunks come from the connection's recv stream; bio_recv() hands mbedtls
 * bytes from the chunk at hand and says WANT_READ when it is used up; mbedtls_ssl_read()
 * decrypts into `pt`, which the parser reads like a plain input buffer.
 * Output: tls_fill() feeds the output queue's segments (memory as it is; file ranges pread
 * into `fb`, 16 KiB at a time) to mbedtls_ssl_write(); bio_send() appends the records to `ct`;
 * a full `ct` (or the end of the queue) leaves in one send future, then encryption goes on.
 * Every buffer is bounded: a connection never holds more than one chunk in, `pt`, `fb`, `ct`
 * and mbedtls's own record buffers. `pt`, `fb` and `ct` (64 KiB) are taken when needed and given
 * back whenever the connection waits for its client with nothing to send (an idle keep-alive
 * connection holds only mbedtls's context and record buffers; mbedtls 2.28 cannot shrink those). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include "http/errlog.h"
#include "http/out.h"
#include "http/regex.h"
#include "http/route.h"
#include "http/tls.h"
#include "http/transport.h"

#define TLS_CT_SIZE  32768 /* ciphertext waiting to be sent */
#define TLS_PT_SIZE  16384 /* decrypted input (one record's worth) */
#define TLS_FB_SIZE  16384 /* file bytes being encrypted (one record's worth) */
#define INFO_PER_SEC 20
#define SPARE_BUFS   8 /* buffer sets a worker keeps for its next busy connection */

/* a server's certificates: one per key type in practice (RSA, ECDSA); mbedtls picks the one
 * whose key type the negotiated suite needs */
typedef struct tls_pair {
    mbedtls_x509_crt chain;
    mbedtls_pk_context key;
} tls_pair_t;

struct zh_tls_cert {
    uint32_t n;
    tls_pair_t p[ZH_TLS_MAX_PAIRS];
};

struct zh_tls_ctx {
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_ticket_context ticket;
    zh_tls_opts_t o;
    const zh_vhost_t **vhosts;
    zh_tls_cert_t **certs;
    uint32_t n;
    const zh_vhost_t *dflt;
    zh_tls_cert_t *dflt_cert;
    pcre2_match_data *md; /* for regex server names (each process has its own copy after fork) */
    int pid;              /* the process whose random state this is */
};

typedef struct tls_bufs {
    struct tls_bufs *next; /* on the worker's spare list */
    char pt[TLS_PT_SIZE];
    char fb[TLS_FB_SIZE];
    unsigned char ct[TLS_CT_SIZE];
} tls_bufs_t;

typedef struct zh_tls_conn {
    mbedtls_ssl_context ssl;
    zh_conn_t *c;
    struct zh_tls_conn *hs_prev, *hs_next; /* the worker's handshakes, oldest first */
    zh_tls_ctx_t *x;
    zk_io_future_t sf; /* ct going out */
    uint8_t sending, hs_done, counted, notified, raw;
    uint8_t cheld; /* cbid is ours to put back */
    uint16_t cbid; /* the ciphertext chunk being read */
    uint32_t coff, clen;
    uint32_t ctlen; /* bytes in ct */
    const char *wp; /* the plaintext piece mbedtls_ssl_write() is working on */
    size_t wlen;
    tls_bufs_t *b; /* NULL while idle */
} zh_tls_conn_t;

/* per worker process */
static unsigned handshakes;
static zh_tls_conn_t *hs_oldest, *hs_newest;
static time_t info_sec;
static unsigned info_lines;
/* buffer sets given back by connections gone idle: a keep-alive connection takes one for each
 * request, and 64 KiB freed and taken again each time made glibc trim and re-fault the heap top */
static tls_bufs_t *spare;
static unsigned nspare;

/* In the server's order (mbedtls 2.28 has no client-preference mode): ChaCha20-Poly1305 first,
 * because mbedtls's AES-GCM (one 16-byte GHASH step at a time) costs more: 462 against 338 us of
 * server CPU per 100 KiB response (bench/tls.sh's machine, wrk -c50). */
const int zh_tls_default_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

static const char *alpn[] = {"http/1.1", NULL};

/* ECDHE groups, preferred first: nginx's default (`ssl_ecdh_curve auto`, OpenSSL's order). mbedtls
 * 2.28's own list starts with P-521, which made a handshake several times dearer than with
 * X25519 or P-256 for every client that offers P-521 too (all OpenSSL ones do). */
static const mbedtls_ecp_group_id ecdhe_groups[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_SECP521R1,  MBEDTLS_ECP_DP_NONE,
};

void zh_tls_opts_default(zh_tls_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->session_tickets = 1;
    o->session_timeout_s = 300;
    o->handshake_timeout = 10 * ZK_SEC;
    o->max_handshakes = 512;
}

/* OpenSSL's names of the TLS 1.2 AEAD suites nginx configs use */
static const struct {
    const char *name;
    int id;
} openssl_names[] = {
    {"ECDHE-ECDSA-AES128-GCM-SHA256", MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
    {"ECDHE-RSA-AES128-GCM-SHA256", MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
    {"ECDHE-ECDSA-AES256-GCM-SHA384", MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
    {"ECDHE-RSA-AES256-GCM-SHA384", MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
    {"ECDHE-ECDSA-CHACHA20-POLY1305", MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
    {"ECDHE-RSA-CHACHA20-POLY1305", MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
    {"DHE-RSA-AES128-GCM-SHA256", MBEDTLS_TLS_DHE_RSA_WITH_AES_128_GCM_SHA256},
    {"DHE-RSA-AES256-GCM-SHA384", MBEDTLS_TLS_DHE_RSA_WITH_AES_256_GCM_SHA384},
    {"DHE-RSA-CHACHA20-POLY1305", MBEDTLS_TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
    {"AES128-GCM-SHA256", MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256},
    {"AES256-GCM-SHA384", MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384},
};

int zh_tls_suite_id(const char *name, size_t len)
{
    char buf[96];
    if (len >= sizeof buf) return -1;
    memcpy(buf, name, len);
    buf[len] = '\0';
    for (size_t i = 0; i < sizeof openssl_names / sizeof openssl_names[0]; i++)
        if (!strcmp(buf, openssl_names[i].name)) return openssl_names[i].id;
    int id = mbedtls_ssl_get_ciphersuite_id(buf);
    return id > 0 ? id : -1;
}

/* ---- certificates and contexts (the master, at configuration time) ---- */

static int mb_err(char *err, size_t errlen, const char *what, const char *path, int r)
{
    char why[160];
    mbedtls_strerror(r, why, sizeof why);
    snprintf(err, errlen, "%s \"%s\": %s", what, path, why);
    return -1;
}

int zh_tls_cert_load(zh_tls_cert_t **out, const char *cert_path, const char *key_path, char *err,
                     size_t errlen)
{
    zh_tls_cert_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (zh_tls_cert_add(c, cert_path, key_path, err, errlen) < 0) {
        zh_tls_cert_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int zh_tls_cert_add(zh_tls_cert_t *certs, const char *cert_path, const char *key_path, char *err,
                    size_t errlen)
{
    if (certs->n == ZH_TLS_MAX_PAIRS) {
        snprintf(err, errlen, "cannot load certificate \"%s\": more than %d certificates",
                 cert_path, ZH_TLS_MAX_PAIRS);
        return -1;
    }
    /* counted at once: zh_tls_cert_free() frees what init set up, loaded or not */
    tls_pair_t *c = &certs->p[certs->n++];
    mbedtls_x509_crt_init(&c->chain);
    mbedtls_pk_init(&c->key);
    int r = mbedtls_x509_crt_parse_file(&c->chain, cert_path);
    if (r != 0) {
        if (r > 0) /* some certificates parsed, r of them did not */
            snprintf(err, errlen, "cannot load certificate \"%s\": %d of its certificates are bad",
                     cert_path, r);
        else
            mb_err(err, errlen, "cannot load certificate", cert_path, r);
        return -1;
    }
    r = mbedtls_pk_parse_keyfile(&c->key, key_path, NULL);
    if (r == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || r == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        snprintf(err, errlen,
                 "cannot load certificate key \"%s\": the key is encrypted (zokiod reads no "
                 "passphrase: decrypt it, e.g. openssl pkey -in KEY -out PLAIN)",
                 key_path);
        return -1;
    }
    if (r != 0) {
        mb_err(err, errlen, "cannot load certificate key", key_path, r);
        return -1;
    }
    if ((r = mbedtls_pk_check_pair(&c->chain.pk, &c->key)) != 0) {
        snprintf(err, errlen, "certificate key \"%s\" does not match certificate \"%s\"", key_path,
                 cert_path);
        return -1;
    }
    return 0;
}

void zh_tls_cert_free(zh_tls_cert_t *c)
{
    if (!c) return;
    for (uint32_t i = 0; i < c->n; i++) {
        mbedtls_x509_crt_free(&c->p[i].chain);
        mbedtls_pk_free(&c->p[i].key);
    }
    free(c);
}

/* SNI: the certificate of the server block the name picks, as Host would pick it (server names
 * are matched on the lower-cased name without a trailing dot, as http/request.c leaves a Host) */
static int sni_cb(void *p, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    zh_tls_ctx_t *x = p;
    char host[256];
    if (len && name[len - 1] == '.') len--;
    const zh_vhost_t *v = x->dflt;
    if (len && len < sizeof host) {
        zh_host_lower((const char *)name, len, host, sizeof host);
        v = zh_vhost_pick(x->vhosts, x->n, x->dflt, host, len, x->md, NULL);
        if (!v) v = x->dflt; /* a regex that could not be run */
    }
    zh_tls_cert_t *cert = x->dflt_cert;
    for (uint32_t i = 0; i < x->n; i++)
        if (x->vhosts[i] == v) {
            cert = x->certs[i];
            break;
        }
    for (uint32_t i = 0; i < cert->n; i++) {
        int r = mbedtls_ssl_set_hs_own_cert(ssl, &cert->p[i].chain, &cert->p[i].key);
        if (r) return r;
    }
    return 0;
}

int zh_tls_ctx_new(zh_tls_ctx_t **out, const zh_tls_opts_t *o, const zh_vhost_t *const *vhosts,
                   zh_tls_cert_t *const *certs, uint32_t n, const zh_vhost_t *dflt,
                   zh_tls_cert_t *dflt_cert, char *err, size_t errlen)
{
    zh_tls_ctx_t *x = calloc(1, sizeof *x);
    if (!x) goto oom;
    mbedtls_ssl_config_init(&x->conf);
    mbedtls_entropy_init(&x->entropy);
    mbedtls_ctr_drbg_init(&x->drbg);
    mbedtls_ssl_ticket_init(&x->ticket);
    x->o = *o;
    if (!(x->md = zh_regex_match_data())) goto oom;
    x->n = n;
    x->dflt = dflt;
    x->dflt_cert = dflt_cert;
    x->pid = getpid();
    x->vhosts = calloc(n ? n : 1, sizeof *x->vhosts);
    x->certs = calloc(n ? n : 1, sizeof *x->certs);
    if (!x->vhosts || !x->certs) goto oom;
    memcpy(x->vhosts, vhosts, n * sizeof *vhosts);
    memcpy(x->certs, certs, n * sizeof *certs);
    static const char pers[] = "zokiod tls";
    int r = mbedtls_ctr_drbg_seed(&x->drbg, mbedtls_entropy_func, &x->entropy,
                                  (const unsigned char *)pers, sizeof pers - 1);
    if (r) goto mbfail;
    r = mbedtls_ssl_config_defaults(&x->conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
    if (r) goto mbfail;
    /* TLS 1.2 only: mbedtls 2.28 has no TLS 1.3 server, and 1.0/1.1 are not safe */
    mbedtls_ssl_conf_min_version(&x->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&x->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_rng(&x->conf, mbedtls_ctr_drbg_random, &x->drbg);
    mbedtls_ssl_conf_ciphersuites(&x->conf, x->o.suites[0] ? x->o.suites : zh_tls_default_suites);
    mbedtls_ssl_conf_renegotiation(&x->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    mbedtls_ssl_conf_curves(&x->conf, ecdhe_groups);
    if ((r = mbedtls_ssl_conf_alpn_protocols(&x->conf, alpn)) != 0) goto mbfail;
    for (uint32_t i = 0; i < dflt_cert->n; i++)
        if ((r = mbedtls_ssl_conf_own_cert(&x->conf, &dflt_cert->p[i].chain,
                                           &dflt_cert->p[i].key)) != 0)
            goto mbfail;
    mbedtls_ssl_conf_sni(&x->conf, sni_cb, x);
    if (x->o.session_tickets) {
        r = mbedtls_ssl_ticket_setup(&x->ticket, mbedtls_ctr_drbg_random, &x->drbg,
                                     MBEDTLS_CIPHER_AES_256_GCM, x->o.session_timeout_s);
        if (r) goto mbfail;
        mbedtls_ssl_conf_session_tickets_cb(&x->conf, mbedtls_ssl_ticket_write,
                                            mbedtls_ssl_ticket_parse, &x->ticket);
    }
    *out = x;
    return 0;
mbfail:;
    char why[160];
    mbedtls_strerror(r, why, sizeof why);
    snprintf(err, errlen, "TLS set-up failed: %s", why);
    zh_tls_ctx_free(x);
    return -1;
oom:
    snprintf(err, errlen, "out of memory");
    zh_tls_ctx_free(x);
    return -1;
}

void zh_tls_ctx_free(zh_tls_ctx_t *x)
{
    if (!x) return;
    mbedtls_ssl_ticket_free(&x->ticket);
    mbedtls_ssl_config_free(&x->conf);
    mbedtls_ctr_drbg_free(&x->drbg);
    mbedtls_entropy_free(&x->entropy);
    if (x->md) pcre2_match_data_free(x->md);
    free(x->vhosts);
    free(x->certs);
    free(x);
}

int zh_tls_ctx_in_worker(zh_tls_ctx_t *x)
{
    int pid = getpid();
    if (x->pid == pid) return 0;
    x->pid = pid; /* forked: the parent's random state must not repeat in every worker */
    return mbedtls_ctr_drbg_reseed(&x->drbg, (const unsigned char *)&pid, sizeof pid) ? -1 : 0;
}

/* ---- the connection ---- */

static void tls_info(zh_conn_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tls_info(zh_conn_t *c, const char *fmt, ...)
{
    zh_server_t *s = c->srv;
    if (!s->hooks.info_log) return;
    time_t now = time(NULL);
    if (now != info_sec) {
        info_sec = now;
        info_lines = 0;
    }
    if (info_lines++ >= INFO_PER_SEC) return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->hooks.info_log(zh_errlog_of(c), line);
}

static void hs_count(zh_tls_conn_t *tc)
{
    tc->counted = 1;
    handshakes++;
    tc->hs_prev = hs_newest;
    tc->hs_next = NULL;
    if (hs_newest)
        hs_newest->hs_next = tc;
    else
        hs_oldest = tc;
    hs_newest = tc;
}

static void hs_uncount(zh_tls_conn_t *tc)
{
    if (!tc->counted) return;
    handshakes--;
    tc->counted = 0;
    if (tc->hs_prev)
        tc->hs_prev->hs_next = tc->hs_next;
    else
        hs_oldest = tc->hs_next;
    if (tc->hs_next)
        tc->hs_next->hs_prev = tc->hs_prev;
    else
        hs_newest = tc->hs_prev;
}

/* The handshake cap is reached: the oldest handshake whose ClientHello is still awaited goes, as
 * if its deadline had passed, else the oldest of all. A client's handshake takes a round trip or
 * two, so the oldest is the likeliest to be stalled; one whose ClientHello was answered is a
 * client working on its second flight, which a flood of abandoned handshakes arriving after it
 * must not cut short (the flood still holds at most the cap, and delays nobody). */
static void hs_evict_oldest(void)
{
    zh_tls_conn_t *old = hs_oldest;
    for (zh_tls_conn_t *t = hs_oldest; t; t = t->hs_next)
        if (t->ssl.state <= MBEDTLS_SSL_CLIENT_HELLO) {
            old = t;
            break;
        }
    hs_uncount(old);
    old->c->timed_out = 1;
    zk_task_wake(&old->c->task);
}

static int bio_recv(void *p, unsigned char *buf, size_t len)
{
    zh_tls_conn_t *tc = p;
    if (!tc->clen) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = len < tc->clen ? len : tc->clen;
    memcpy(buf, (const char *)zk_buf_ptr(tc->c->srv->loop, tc->cbid) + tc->coff, n);
    tc->coff += (uint32_t)n;
    tc->clen -= (uint32_t)n;
    if (!tc->clen && tc->cheld) {
        zk_buf_put(tc->c->srv->loop, tc->cbid);
        tc->cheld = 0;
    }
    return (int)n;
}

/* the buffers, taken now if the connection had given them back: 0 or -ENOMEM */
static int bufs_take(zh_tls_conn_t *tc)
{
    if (tc->b) return 0;
    if (spare) {
        tc->b = spare;
        spare = spare->next;
        nspare--;
        return 0;
    }
    return (tc->b = malloc(sizeof *tc->b)) ? 0 : -ENOMEM;
}

static void bufs_give(tls_bufs_t *b)
{
    if (!b) return;
    if (nspare < SPARE_BUFS) {
        b->next = spare;
        spare = b;
        nspare++;
    } else {
        free(b);
    }
}

/* gives the buffers back when nothing is in them: no ciphertext waiting or going out, no
 * plaintext piece being encrypted, and the decrypted input consumed (tls_read() is only called
 * once it is) */
static void bufs_idle(zh_tls_conn_t *tc)
{
    if (tc->b && !tc->ctlen && !tc->sending && !tc->wlen) {
        bufs_give(tc->b);
        tc->b = NULL;
    }
}

static int bio_send(void *p, const unsigned char *buf, size_t len)
{
    zh_tls_conn_t *tc = p;
    if (bufs_take(tc) < 0) return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    size_t room = sizeof tc->b->ct - tc->ctlen;
    if (tc->sending || !room) return MBEDTLS_ERR_SSL_WANT_WRITE;
    size_t n = len < room ? len : room;
    memcpy(tc->b->ct + tc->ctlen, buf, n);
    tc->ctlen += (uint32_t)n;
    return (int)n;
}

/* sends what is in ct: 1 once it is all out, 0 while it is going, -errno */
static int tls_flush(zh_tls_conn_t *tc, zk_task_t *t, int *started)
{
    for (;;) {
        if (tc->sending) {
            if (zk_poll(&tc->sf.base, t) == ZK_PENDING) return 0;
            tc->sending = 0;
            if (tc->sf.base.result < 0) return tc->sf.base.result;
            tc->ctlen = 0;
        }
        if (!tc->ctlen) return 1;
        zk_fut_send(&tc->sf, tc->c->fd, tc->b->ct, tc->ctlen, 1);
        tc->sending = 1;
        if (started) *started = 1;
    }
}

/* takes the next ciphertext chunk: 1, 0 while waiting, or the stream's 0 (EOF) / -errno as
 * *res with -1 */
static int tls_input(zh_tls_conn_t *tc, zk_task_t *t, int *res)
{
    if (tc->clen) return 1;
    zk_recv_chunk_t ch;
    if (zk_recv_next(&tc->c->rs, t, &ch) == ZK_PENDING) return 0;
    if (ch.res <= 0) {
        *res = ch.res;
        return -1;
    }
    tc->cbid = ch.bid;
    tc->cheld = 1;
    tc->coff = 0;
    tc->clen = (uint32_t)ch.res;
    return 1;
}

/* The first bytes are not a TLS record but a request line: nginx's answer, in plain text. */
static void plain_http(zh_conn_t *c)
{
    zh_tls_conn_t *tc = c->tls;
    static const char body[] =
        "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title>"
        "</head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain "
        "HTTP request was sent to HTTPS port</center>\r\n<hr><center>%s</center>\r\n</body>\r\n"
        "</html>\r\n";
    static const char head[] = "HTTP/1.1 400 Bad Request\r\nServer: %s\r\nContent-Type: "
                               "text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n";
    const char *srv = c->srv->hooks.server_header;
    tc->raw = 1; /* what is left goes out unencrypted */
    c->close_after = 1;
    if (zh_out_take(c) < 0) return;
    int blen = snprintf(NULL, 0, body, srv);
    int hlen = snprintf(NULL, 0, head, srv, blen);
    if (blen < 0 || hlen < 0) return;
    char *p = zh_out_room(c, (size_t)hlen + (size_t)blen);
    if (!p) return;
    snprintf(p, (size_t)hlen + 1, head, srv, blen);
    snprintf(p + hlen, (size_t)blen + 1, body, srv);
}

/* runs the handshake: 1 when done, 0 while waiting, -1 with *res (0 EOF, -errno) when over */
static int tls_handshake(zh_conn_t *c, zk_task_t *t, int *res)
{
    zh_tls_conn_t *tc = c->tls;
    for (;;) {
        int f = tls_flush(tc, t, NULL);
        if (f <= 0) {
            *res = f;
            return f < 0 ? -1 : 0;
        }
        if (tc->hs_done) return 1;
        if (tc->ssl.state == MBEDTLS_SSL_HELLO_REQUEST) { /* not started: look at byte one */
            int in = tls_input(tc, t, res);
            if (in <= 0) return in;
            const char *b = (const char *)zk_buf_ptr(c->srv->loop, tc->cbid) + tc->coff;
            if (b[0] >= 'A' && b[0] <= 'Z') {
                tls_info(c, "client sent plain HTTP request to HTTPS port");
                plain_http(c);
                *res = 0;
                return -1;
            }
        }
        int r = mbedtls_ssl_handshake(&tc->ssl);
        if (r == 0) {
            tc->hs_done = 1;
            hs_uncount(tc);
            c->head_deadline = 0; /* client_header_timeout counts from here (nginx) */
            continue;             /* the last flight goes out first */
        }
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (r == MBEDTLS_ERR_SSL_WANT_READ && !tc->ctlen && !tc->clen) {
                int in = tls_input(tc, t, res);
                if (in <= 0) return in;
            }
            continue;
        }
        char why[120];
        mbedtls_strerror(r, why, sizeof why);
        tls_info(c, "TLS handshake failed: %s", why);
        *res = -EPROTO;
        return -1;
    }
}

static zk_poll_t tls_read(zh_conn_t *c, zk_task_t *t, int *res)
{
    zh_tls_conn_t *tc = c->tls;
    if (!tc->hs_done) {
        int h = tls_handshake(c, t, res);
        if (h == 0) return ZK_PENDING;
        if (h < 0) return ZK_READY;
    }
    for (;;) {
        if (bufs_take(tc) < 0) {
            *res = -ENOMEM;
            return ZK_READY;
        }
        int n = mbedtls_ssl_read(&tc->ssl, (unsigned char *)tc->b->pt, sizeof tc->b->pt);
        if (n > 0) {
            c->in_base = tc->b->pt;
            c->in_off = 0;
            c->in_len = (uint32_t)n;
            *res = n;
            return ZK_READY;
        }
        if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            *res = 0;
            return ZK_READY;
        }
        if (n == MBEDTLS_ERR_SSL_WANT_WRITE || (n == MBEDTLS_ERR_SSL_WANT_READ && tc->ctlen)) {
            int f = tls_flush(tc, t, NULL);
            if (f == 0) return ZK_PENDING;
            if (f < 0) {
                *res = f;
                return ZK_READY;
            }
            continue;
        }
        if (n == MBEDTLS_ERR_SSL_WANT_READ) {
            int in = tls_input(tc, t, res);
            if (in == 0) { /* waiting for the client, everything sent: idle */
                bufs_idle(tc);
                return ZK_PENDING;
            }
            if (in < 0) return ZK_READY;
            continue;
        }
        *res = -EPROTO;
        return ZK_READY;
    }
}

static void tls_read_done(zh_conn_t *c) { c->in_len = 0; }

static int tls_buffered(const zh_conn_t *c)
{
    const zh_tls_conn_t *tc = c->tls;
    if (tc->raw) return 0;
    return c->rs.count || tc->clen || mbedtls_ssl_get_bytes_avail(&tc->ssl) ||
           mbedtls_ssl_check_pending(&tc->ssl);
}

/* marks n plaintext bytes written: they may span several segments of the queue */
static void tls_consumed(zh_conn_t *c, size_t n)
{
    while (n) {
        zh_seg_t *s = &c->w->segs[c->w->seg_head];
        size_t k = s->len < n ? (size_t)s->len : n;
        zh_out_consumed(c, k);
        n -= k;
    }
}

/* the next plaintext piece for mbedtls_ssl_write(): a large memory segment as it is, else as much
 * of the queue as fits in fb (small segments copied, file ranges pread), so that a response's
 * head and body, and several pipelined responses, leave in one record. 1, 0 when the queue is
 * empty, -errno */
static int tls_piece(zh_conn_t *c)
{
    zh_tls_conn_t *tc = c->tls;
    zh_work_t *w = c->w;
    if (!w || w->seg_head == w->nseg) return 0;
    zh_seg_t *s = &w->segs[w->seg_head];
    if (s->mem && s->len >= TLS_FB_SIZE) {
        tc->wp = s->mem;
        tc->wlen = TLS_FB_SIZE;
        return 1;
    }
    if (bufs_take(tc) < 0) return -ENOMEM;
    size_t have = 0;
    for (uint32_t i = w->seg_head; i < w->nseg && have < TLS_FB_SIZE; i++) {
        s = &w->segs[i];
        size_t want = TLS_FB_SIZE - have;
        if (s->len < want) want = (size_t)s->len;
        if (s->mem) {
            memcpy(tc->b->fb + have, s->mem, want);
            have += want;
            continue;
        }
        ssize_t n = pread(s->file->fd, tc->b->fb + have, want, (off_t)s->off);
        if (n <= 0 && have) break; /* what came before goes first; the error comes back next */
        if (n < 0) return -errno;
        if (n == 0) return -EIO; /* the file shrank under us */
        have += (size_t)n;
        if ((size_t)n < want) break;
    }
    tc->wp = tc->b->fb;
    tc->wlen = have;
    return 1;
}

/* encrypts queued output into ct: 1 when ct is full, 0 when the queue is empty, -errno */
static int tls_fill(zh_conn_t *c)
{
    zh_tls_conn_t *tc = c->tls;
    for (;;) {
        if (tc->wlen) { /* after WANT_WRITE mbedtls wants the very same arguments again */
            int n = mbedtls_ssl_write(&tc->ssl, (const unsigned char *)tc->wp, tc->wlen);
            if (n == MBEDTLS_ERR_SSL_WANT_WRITE) return 1;
            if (n < 0) return -EPROTO;
            tc->wp += n;
            tc->wlen -= (size_t)n;
            tls_consumed(c, (size_t)n);
            continue;
        }
        int r = tls_piece(c);
        if (r <= 0) return r;
    }
}

static int tls_write(zh_conn_t *c, zk_task_t *t)
{
    zh_tls_conn_t *tc = c->tls;
    if (tc->raw) return zh_transport_plain.write(c, t);
    if (!tc->hs_done) return -EPROTO;
    int started = 0;
    for (;;) {
        if (tc->sending) {
            int f = tls_flush(tc, t, &started);
            if (f < 0) return f;
            if (f == 0) return started ? ZH_W_STARTED : ZH_W_WAIT;
        }
        int r = tls_fill(c);
        if (r < 0) return r;
        if (r == 0 && c->close_after && !tc->notified) {
            int n = mbedtls_ssl_close_notify(&tc->ssl);
            if (n == 0)
                tc->notified = 1;
            else if (n != MBEDTLS_ERR_SSL_WANT_WRITE)
                return -EPROTO;
        }
        if (!tc->ctlen) return ZH_W_DONE;
        int f = tls_flush(tc, t, &started);
        if (f < 0) return f;
        if (f == 0) return started ? ZH_W_STARTED : ZH_W_WAIT;
    }
}

static zk_poll_t tls_close(zh_conn_t *c, zk_task_t *t)
{
    zh_tls_conn_t *tc = c->tls;
    if (!tc) return ZK_READY;
    if (zh_transport_plain.close(c, t) == ZK_PENDING) return ZK_PENDING;
    if (tc->sending && zk_poll(&tc->sf.base, t) == ZK_PENDING) {
        zk_future_cancel(&tc->sf.base);
        return ZK_PENDING;
    }
    tc->sending = 0;
    if (tc->cheld) zk_buf_put(c->srv->loop, tc->cbid);
    hs_uncount(tc);
    mbedtls_ssl_free(&tc->ssl);
    bufs_give(tc->b);
    free(tc);
    c->tls = NULL;
    return ZK_READY;
}

static const zh_transport_t transport_tls = {
    .read = tls_read,
    .read_done = tls_read_done,
    .buffered = tls_buffered,
    .write = tls_write,
    .close = tls_close,
};

int zh_tls_conn_start(zh_conn_t *c, zh_tls_ctx_t *x)
{
    zh_tls_conn_t *tc = malloc(sizeof *tc);
    if (!tc) return -1;
    memset(tc, 0, sizeof *tc);
    mbedtls_ssl_init(&tc->ssl);
    if (mbedtls_ssl_setup(&tc->ssl, &x->conf) != 0) {
        mbedtls_ssl_free(&tc->ssl);
        free(tc);
        return -1;
    }
    mbedtls_ssl_set_bio(&tc->ssl, tc, bio_send, bio_recv, NULL);
    tc->c = c;
    tc->x = x;
    while (handshakes >= x->o.max_handshakes && hs_oldest) {
        tls_info(c, "%u TLS handshakes in progress: the oldest is closed", handshakes);
        hs_evict_oldest();
    }
    hs_count(tc);
    c->tls = tc;
    c->tr = &transport_tls;
    uint64_t hs = zk_loop_now(c->srv->loop) + x->o.handshake_timeout;
    if (hs < c->head_deadline) c->head_deadline = hs;
    return 0;
}
