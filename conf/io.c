/* SPDX-License-Identifier: MIT */
/* zokiod conf: how responses are written, per location as in nginx: sendfile, sendfile_max_chunk,
 * tcp_nopush, tcp_nodelay, reset_timedout_connection (zc_io_t). */
#include <stdint.h>
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

#define UNSET_SIZE UINT64_MAX

void zc_io_unset(zc_io_t *io)
{
    io->sendfile = io->tcp_nopush = io->tcp_nodelay = io->reset_timedout = -1;
    io->sendfile_max_chunk = UNSET_SIZE;
}

void zc_io_inherit(zc_io_t *io, const zc_io_t *from)
{
    if (io->sendfile < 0) io->sendfile = from->sendfile;
    if (io->tcp_nopush < 0) io->tcp_nopush = from->tcp_nopush;
    if (io->tcp_nodelay < 0) io->tcp_nodelay = from->tcp_nodelay;
    if (io->reset_timedout < 0) io->reset_timedout = from->reset_timedout;
    if (io->sendfile_max_chunk == UNSET_SIZE) io->sendfile_max_chunk = from->sendfile_max_chunk;
}

void zc_io_defaults(zc_io_t *io)
{
    static const zc_io_t nginx = {0, 0, 1, 0, 2u << 20};
    zc_io_inherit(io, &nginx);
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

const zc_spec_t zc_io_specs[] = {
    {"sendfile", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {"sendfile_max_chunk", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_sendfile_max_chunk},
    {"tcp_nopush", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {"tcp_nodelay", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {"reset_timedout_connection", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_io_flag},
    {NULL, 0, 0, 0, 0, NULL},
};
