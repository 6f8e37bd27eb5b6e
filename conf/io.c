/* SPDX-License-Identifier: MIT */
/* zokiod conf: how responses are written and files found, per location as in nginx: sendfile,
 * sendfile_max_chunk, tcp_nopush, tcp_nodelay, reset_timedout_connection, open_file_cache,
 * open_file_cache_valid, open_file_cache_min_uses, open_file_cache_errors (zc_io_t). */
#include <stdint.h>
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

#define UNSET_SIZE UINT64_MAX

void zc_io_unset(zc_io_t *io)
{
    io->sendfile = io->tcp_nopush = io->tcp_nodelay = io->reset_timedout = -1;
    io->sendfile_max_chunk = UNSET_SIZE;
    io->ofc = io->ofc_errors = -1;
    io->ofc_valid_s = io->ofc_min_uses = UNSET_SIZE;
}

void zc_io_inherit(zc_io_t *io, const zc_io_t *from)
{
    if (io->sendfile < 0) io->sendfile = from->sendfile;
    if (io->tcp_nopush < 0) io->tcp_nopush = from->tcp_nopush;
    if (io->tcp_nodelay < 0) io->tcp_nodelay = from->tcp_nodelay;
    if (io->reset_timedout < 0) io->reset_timedout = from->reset_timedout;
    if (io->sendfile_max_chunk == UNSET_SIZE) io->sendfile_max_chunk = from->sendfile_max_chunk;
    if (io->ofc < 0) { /* open_file_cache goes down whole: on or off, max= and inactive= */
        io->ofc = from->ofc;
        io->ofc_max = from->ofc_max;
        io->ofc_inactive_s = from->ofc_inactive_s;
    }
    if (io->ofc_valid_s == UNSET_SIZE) io->ofc_valid_s = from->ofc_valid_s;
    if (io->ofc_min_uses == UNSET_SIZE) io->ofc_min_uses = from->ofc_min_uses;
    if (io->ofc_errors < 0) io->ofc_errors = from->ofc_errors;
}

void zc_io_defaults(zc_io_t *io)
{
    static const zc_io_t dflt = {.sendfile = 0,
                                 .tcp_nopush = 0,
                                 .tcp_nodelay = 1,
                                 .reset_timedout = 0,
                                 .sendfile_max_chunk = 2u << 20,
                                 .ofc = 1,
                                 .ofc_max = 0,
                                 .ofc_inactive_s = 60,
                                 .ofc_valid_s = 1,
                                 .ofc_min_uses = 1,
                                 .ofc_errors = 0};
    zc_io_inherit(io, &dflt);
}

/* the settings of the block the directive is in (http {} is ld->http_level) */
static zc_io_t *io_of(zc_scope_t *sc) { return sc->loc != NULL ? &sc->loc->io : &sc->srv->io; }

static int h_io_flag(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_io_t *io = io_of(sc);
    int *out = strcmp(d->name, "sendfile") == 0      ? &io->sendfile
               : strcmp(d->name, "tcp_nopush") == 0  ? &io->tcp_nopush
               : strcmp(d->name, "tcp_nodelay") == 0 ? &io->tcp_nodelay
                                                     : &io->reset_timedout;
    return zc_flag(ld, d, out);
}

static int h_sendfile_max_chunk(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    if (zc_parse_size(d->args[0], &n) < 0 || n == UNSET_SIZE) return zc_invalid(ld, d, d->args[0]);
    io_of(sc)->sendfile_max_chunk = n;
    return 0;
}

/* nginx takes these times in seconds: no "ms" */
static int parse_secs(const char *s, uint64_t *out)
{
    uint64_t ms;

    if (strstr(s, "ms") != NULL || zc_parse_time_ms(s, &ms) < 0) return -1;
    *out = ms / 1000;
    return 0;
}

/* `open_file_cache off | max=N [inactive=TIME]` (nginx reads every word, "off" wins) */
static int h_open_file_cache(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_io_t *io = io_of(sc);
    uint64_t max = 0, inactive = 60;
    int off = 0;

    for (size_t i = 0; i < d->nargs; i++) {
        const char *a = d->args[i];
        if (strcmp(a, "off") == 0)
            off = 1;
        else if (strncmp(a, "max=", 4) == 0 && zc_parse_uint(a + 4, INT64_MAX, &max) == 0 &&
                 max > 0)
            continue;
        else if (strncmp(a, "inactive=", 9) == 0 && parse_secs(a + 9, &inactive) == 0)
            continue;
        else
            return zc_err(ld, d, "invalid \"open_file_cache\" parameter \"%s\"", a);
    }
    if (off) {
        io->ofc = 0;
        io->ofc_max = 0;
        io->ofc_inactive_s = 60;
        return 0;
    }
    if (max == 0) return zc_err(ld, d, "\"open_file_cache\" must have the \"max\" parameter");
    io->ofc = 1;
    io->ofc_max = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
    io->ofc_inactive_s = inactive;
    max += ld->cfg->http.open_file_cache_max;
    ld->cfg->http.open_file_cache_max = max > UINT32_MAX ? UINT32_MAX : (uint32_t)max;
    return 0;
}

static int h_open_file_cache_valid(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    if (parse_secs(d->args[0], &io_of(sc)->ofc_valid_s) < 0) return zc_invalid(ld, d, d->args[0]);
    return 0;
}

static int h_open_file_cache_min_uses(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    if (zc_parse_uint(d->args[0], INT64_MAX, &n) < 0) return zc_invalid(ld, d, d->args[0]);
    io_of(sc)->ofc_min_uses = n > UINT32_MAX ? UINT32_MAX : n;
    return 0;
}

static int h_open_file_cache_errors(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    return zc_flag(ld, d, &io_of(sc)->ofc_errors);
}

const zc_spec_t zc_io_specs[] = {
    {"open_file_cache", ZC_ANY_HTTP, ZC_ONCE, 1, 3, h_open_file_cache},
    {"open_file_cache_valid", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_open_file_cache_valid},
    {"open_file_cache_min_uses", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_open_file_cache_min_uses},
    {"open_file_cache_errors", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_open_file_cache_errors},
    {"sendfile", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {"sendfile_max_chunk", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_sendfile_max_chunk},
    {"tcp_nopush", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {"tcp_nodelay", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {"reset_timedout_connection", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {NULL, 0, 0, 0, 0, NULL},
};
