/* SPDX-License-Identifier: MIT */
/* zokiod: the master process. */
#ifndef ZS_MASTER_H
#define ZS_MASTER_H

#include "server/gen.h"

typedef struct zs_master_opts {
    const char *conf_file; /* re-read on SIGHUP */
    zc_load_opts_t load;   /* -p, -g and -e, for every reload too */
    const char *server_header;
} zs_master_opts_t;

/* Runs the master with the first generation (heap-allocated; the master owns it now) until a
 * stop signal and the exit of every worker. Returns the process exit status. */
int zs_master_run(zs_gen_t *gen, const zs_master_opts_t *opts);

#endif
