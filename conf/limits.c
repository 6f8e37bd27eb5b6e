/* SPDX-License-Identifier: MIT */
/* zokiod conf: the connection and request limits of a level (zc_limits_t): keepalive_timeout,
 * keepalive_requests, client_header_timeout, client_body_timeout, send_timeout,
 * client_max_body_size, large_client_header_buffers, client_header_buffer_size,
 * connection_pool_size, server_tokens; in nginx's contexts, inherited down as zc_io_t. */
#include <stdint.h>
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

#define UNSET UINT64_MAX

void zc_limits_unset(zc_limits_t *l)
{
    l->keepalive_timeout_ms = l->keepalive_header_timeout_ms = l->keepalive_requests = UNSET;
    l->client_header_timeout_ms = l->client_body_timeout_ms = l->send_timeout_ms = UNSET;
    l->client_max_body_size = l->large_header_buffers_num = l->large_header_buffers_size = UNSET;
    l->client_header_buffer_size = l->connection_pool_size = UNSET;
    l->server_tokens = -1;
}

#define TAKE(f)                                                                                    \
    if (l->f == UNSET) l->f = from->f

void zc_limits_inherit(zc_limits_t *l, const zc_limits_t *from)
{
    TAKE(keepalive_timeout_ms); /* the two values go down each on its own (nginx) */
    TAKE(keepalive_header_timeout_ms);
    TAKE(keepalive_requests);
    TAKE(client_header_timeout_ms);
    TAKE(client_body_timeout_ms);
    TAKE(send_timeout_ms);
    TAKE(client_max_body_size);
    if (l->large_header_buffers_num == UNSET) {
        l->large_header_buffers_num = from->large_header_buffers_num;
        l->large_header_buffers_size = from->large_header_buffers_size;
    }
    TAKE(client_header_buffer_size);
    TAKE(connection_pool_size);
    if (l->server_tokens < 0) l->server_tokens = from->server_tokens;
}

void zc_limits_defaults(zc_limits_t *l)
{
    static const zc_limits_t dflt = {.keepalive_timeout_ms = 75000,
                                     .keepalive_header_timeout_ms = 0,
                                     .keepalive_requests = 1000,
                                     .client_header_timeout_ms = 60000,
                                     .client_body_timeout_ms = 60000,
                                     .send_timeout_ms = 60000,
                                     .client_max_body_size = 1024 * 1024,
                                     .large_header_buffers_num = 4,
                                     .large_header_buffers_size = 8192,
                                     .client_header_buffer_size = 1024,
                                     .connection_pool_size = sizeof(void *) * 64,
                                     .server_tokens = 1};
    zc_limits_inherit(l, &dflt);
}

/* the limits of the block the directive is in (http {} is ld->http_level) */
static zc_limits_t *lim_of(zc_scope_t *sc) { return sc->loc ? &sc->loc->lim : &sc->srv->lim; }

static int h_server_tokens(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    return zc_flag(ld, d, &lim_of(sc)->server_tokens);
}

static int h_keepalive_timeout(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_limits_t *l = lim_of(sc);
    uint64_t t, hdr;

    if (zc_parse_time_ms(d->args[0], &t) < 0 || t == UNSET) return zc_invalid(ld, d, d->args[0]);
    if (d->nargs > 1) { /* seconds: nginx refuses "ms" here */
        if (zc_parse_time_ms(d->args[1], &hdr) < 0 || strstr(d->args[1], "ms"))
            return zc_invalid(ld, d, d->args[1]);
        l->keepalive_header_timeout_ms = hdr;
    }
    l->keepalive_timeout_ms = t;
    return 0;
}

static int h_timeout(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_limits_t *l = lim_of(sc);
    uint64_t *out = strcmp(d->name, "client_header_timeout") == 0 ? &l->client_header_timeout_ms
                    : strcmp(d->name, "client_body_timeout") == 0 ? &l->client_body_timeout_ms
                                                                  : &l->send_timeout_ms;
    uint64_t t;

    if (zc_parse_time_ms(d->args[0], &t) < 0 || t == UNSET) return zc_invalid(ld, d, d->args[0]);
    *out = t;
    return 0;
}

static int h_keepalive_requests(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    if (zc_parse_uint(d->args[0], UINT32_MAX, &lim_of(sc)->keepalive_requests) < 0)
        return zc_invalid(ld, d, d->args[0]);
    return 0;
}

static int h_max_body(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    if (zc_parse_size(d->args[0], &n) < 0 || n == UNSET) return zc_invalid(ld, d, d->args[0]);
    lim_of(sc)->client_max_body_size = n;
    return 0;
}

static int h_header_buffers(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_limits_t *l = lim_of(sc);
    uint64_t n, size;

    if (zc_parse_uint(d->args[0], 1024, &n) < 0 || n == 0) return zc_invalid(ld, d, d->args[0]);
    if (zc_parse_size(d->args[1], &size) < 0 || size == 0 || size > (1u << 30))
        return zc_invalid(ld, d, d->args[1]);
    l->large_header_buffers_num = n;
    l->large_header_buffers_size = size;
    return 0;
}

/* client_header_buffer_size and connection_pool_size: memory tuning of nginx's own allocator.
 * zokiod reads heads into its receive buffers and allocates per connection from pools of its
 * own, so the values are checked and noted, and change nothing. */
static int h_tuning_size(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_limits_t *l = lim_of(sc);
    int pool = strcmp(d->name, "connection_pool_size") == 0;
    uint64_t n;

    if (zc_parse_size(d->args[0], &n) < 0 || n == 0 || n > (1u << 30))
        return zc_invalid(ld, d, d->args[0]);
    if (pool && n < 112) /* nginx 1.22 on 64-bit: its smallest pool, in steps of 16 */
        return zc_err(ld, d, "the pool size must be no less than 112");
    if (pool && n % 16 != 0) return zc_err(ld, d, "the pool size must be a multiple of 16");
    *(pool ? &l->connection_pool_size : &l->client_header_buffer_size) = n;
    return zc_note(ld, d, "notice",
                   "\"%s\" is accepted and changes nothing: zokiod sizes its request buffers "
                   "itself (large_client_header_buffers sets the limits)",
                   d->name);
}

#define HS (ZC_CTX_HTTP | ZC_CTX_SERVER)

const zc_spec_t zc_limits_specs[] = {
    {"server_tokens", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_server_tokens},
    {"keepalive_timeout", ZC_ANY_HTTP, ZC_ONCE, 1, 2, h_keepalive_timeout},
    {"keepalive_requests", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_keepalive_requests},
    {"client_header_timeout", HS, ZC_ONCE, 1, 1, h_timeout},
    {"client_body_timeout", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_timeout},
    {"send_timeout", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_timeout},
    {"client_max_body_size", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_max_body},
    {"large_client_header_buffers", HS, ZC_ONCE, 2, 2, h_header_buffers},
    {"client_header_buffer_size", HS, ZC_ONCE, 1, 1, h_tuning_size},
    {"connection_pool_size", HS, ZC_ONCE, 1, 1, h_tuning_size},
    {NULL, 0, 0, 0, 0, NULL},
};
