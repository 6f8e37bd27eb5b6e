/* SPDX-License-Identifier: MIT */
/* zokiod: TLS from the config (server/tls_conf.c): the certificates of the servers that listen
 * with `ssl`, and one http/tls.h context per `listen ... ssl` address of a generation. */
#ifndef ZS_TLS_CONF_H
#define ZS_TLS_CONF_H

#include <stddef.h>

#include "conf/config.h"

struct zs_gen;

/* Loads (then frees) every certificate and key the config's ssl listens need: a file that
 * cannot be read or parsed, an encrypted key or a key that does not match its certificate is
 * an error `zokiod: FILE:LINE: ...` naming the directive. 0 or -1 with the message in err. */
int zs_tls_check(const zc_config_t *conf, char *err, size_t errlen);

/* Loads the certificates into g->certs and makes g->listens[i].tls for the ssl addresses
 * (after build_listens()). 0 or -1 with the message in err; zs_tls_free() undoes either. */
int zs_tls_build(struct zs_gen *g, char *err, size_t errlen);
void zs_tls_free(struct zs_gen *g);

/* The one warning about ssl_protocols naming versions zokiod will not speak (1.0/1.1: unsafe,
 * 1.3: not in mbedtls 2.28): 1 with `FILE:LINE: ...` in msg, or 0. zs_tls_build() logs it;
 * `zokiod -t` prints it. */
int zs_tls_warning(const zc_config_t *conf, char *msg, size_t len);

#endif
