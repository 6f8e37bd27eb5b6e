/* SPDX-License-Identifier: MIT */
/* zokiod: the worker process. */
#ifndef ZS_WORKER_H
#define ZS_WORKER_H

#include "server/gen.h"

/* Runs worker number `nth` (0, 1, ... in its generation: its worker_cpu_affinity mask) serving
 * `gen` (inherited from the master across fork) until it is told to stop; never returns.
 * `server_header` is the Server response header value with server_tokens on ("zokiod/VERSION");
 * with it off, the generation's workers send "zokiod". */
void zs_worker_main(zs_gen_t *gen, const char *server_header, unsigned nth)
    __attribute__((noreturn));

#endif
