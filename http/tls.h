/* SPDX-License-Identifier: MIT */
/* zokiod http: TLS 1.2 with mbedtls (http/tls.c). mbedtls never touches a socket: it reads and
 * writes memory through mbedtls_ssl_set_bio() callbacks, fed by the runtime's recv stream and
 * send futures, so TLS works the same on io_uring and epoll.
 *
 * server/ loads the certificates and builds one context per `listen ... ssl` address when it
 * builds a configuration generation (in the master, so `-t`, start and reload see the same
 * errors); workers inherit them through fork and start their listeners with
 * zh_server_listen_tls(). Contexts and certificates belong to the generation that made them. */
#ifndef ZH_TLS_H
#define ZH_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "http/server.h"

typedef struct zh_tls_cert zh_tls_cert_t;
#define ZH_TLS_MAX_PAIRS 4 /* certificate + key pairs of one server */
typedef struct zh_tls_ctx zh_tls_ctx_t;

#define ZH_TLS_MAX_SUITES 32

/* TLS settings of one listening address (those of its default server, as nginx) */
typedef struct zh_tls_opts {
    /* mbedtls ciphersuite ids in order of preference, 0-terminated; {0}: ECDHE with AES-GCM
     * and ChaCha20-Poly1305 (zh_tls_default_suites) */
    int suites[ZH_TLS_MAX_SUITES + 1];
    uint8_t session_tickets;    /* RFC 5077 tickets (keys shared by the workers) */
    uint32_t session_timeout_s; /* ticket lifetime */
    uint64_t handshake_timeout; /* ns from accept to the end of the handshake */
    uint32_t max_handshakes;    /* handshakes in progress per worker; more are closed at accept */
} zh_tls_opts_t;

/* ECDHE with AES-GCM and ChaCha20-Poly1305, ECDSA before RSA, 0-terminated */
extern const int zh_tls_default_suites[];

/* Defaults: ECDHE+AEAD suites, tickets on, 300 s, 10 s handshake, 512 handshakes. */
void zh_tls_opts_default(zh_tls_opts_t *o);

/* The mbedtls id of a ciphersuite named in OpenSSL's words ("ECDHE-RSA-AES128-GCM-SHA256") or
 * IANA's ("TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256"); -1 when mbedtls 2.28 (TLS 1.2) has none. */
int zh_tls_suite_id(const char *name, size_t len);

/* Loads a PEM certificate file (the leaf first, then its chain, all sent) and its private key,
 * and checks that they match. 0, or -1 with why in err (no passphrase is read: an encrypted key
 * is refused). Free with zh_tls_cert_free(). */
int zh_tls_cert_load(zh_tls_cert_t **out, const char *cert_path, const char *key_path, char *err,
                     size_t errlen);
/* Adds one more pair to certs, checked as zh_tls_cert_load() does (nginx's second
 * ssl_certificate: an ECDSA certificate beside an RSA one; the suite the handshake agrees on
 * picks the one of its key type). At most ZH_TLS_MAX_PAIRS pairs. -1 with err on failure (certs
 * is then only fit for zh_tls_cert_free()). */
int zh_tls_cert_add(zh_tls_cert_t *certs, const char *cert_path, const char *key_path, char *err,
                    size_t errlen);
void zh_tls_cert_free(zh_tls_cert_t *c);

/* One listening address's TLS context. SNI picks among `vhosts` the way Host does
 * (zh_vhost_pick()) and answers with certs[i] of the chosen vhosts[i]; no name, or a name no
 * vhost has: dflt_cert (the default server's). The arrays are copied; the vhosts and certs are
 * borrowed and must outlive the context. 0, or -1 with why in err. */
int zh_tls_ctx_new(zh_tls_ctx_t **out, const zh_tls_opts_t *o, const zh_vhost_t *const *vhosts,
                   zh_tls_cert_t *const *certs, uint32_t n, const zh_vhost_t *dflt,
                   zh_tls_cert_t *dflt_cert, char *err, size_t errlen);
void zh_tls_ctx_free(zh_tls_ctx_t *x);

/* Reseeds the context's random generator in a new process (after fork): zh_server_listen_tls()
 * calls it. 0 or -1. */
int zh_tls_ctx_in_worker(zh_tls_ctx_t *x);

/* zh_server_listen() for a `listen ... ssl` address: every connection speaks TLS through ctx
 * (borrowed; it must outlive the server). */
int zh_server_listen_tls(zh_server_t *s, int listen_fd, const zh_vhost_t *const *vhosts, uint32_t n,
                         const zh_vhost_t *dflt, zh_tls_ctx_t *ctx);

/* http-private: makes c a TLS connection (c->tr, c->tls) of ctx; from zh_conn_start(). 0, or
 * -1 when out of memory. When the worker has max_handshakes in progress, the oldest of them is
 * closed (woken as timed out) to make room. */
struct zh_conn;
int zh_tls_conn_start(struct zh_conn *c, zh_tls_ctx_t *ctx);

#endif
