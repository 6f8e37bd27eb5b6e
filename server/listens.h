/* SPDX-License-Identifier: MIT */
/* zokiod: the master's listening sockets, each owned once. Configuration generations borrow a
 * socket by its address ("127.0.0.1:8080") and count as its users; a reload finds the sockets of
 * every generation still alive (the current one and those draining), so an address is never
 * bound twice, and the last generation to let go closes it, once. */
#ifndef ZS_LISTENS_H
#define ZS_LISTENS_H

#include <stddef.h>

#include "conf/config.h"

typedef struct zs_sock {
    struct zs_sock *next;
    char text[80]; /* the address as the config writes it */
    int fd;
    unsigned refs; /* generations using it */
} zs_sock_t;

/* The socket for `l`: one already open for the same address (one more user), or a new one bound
 * and listening. NULL on failure, with a one-line message in err. */
zs_sock_t *zs_sock_get(const zc_listen_t *l, char *err, size_t errlen);

/* One user fewer; the last one closes the socket. */
void zs_sock_put(zs_sock_t *s);

/* In a freshly forked worker: closes every socket that `keep[0..n)` does not name. */
void zs_socks_close_others(zs_sock_t *const *keep, size_t n);

/* At the master's exit, once no worker serves them: takes every socket out of LISTEN
 * (shutdown(2)). A ring of an exited worker may hold a socket for a moment while the kernel tears
 * it down, and a socket still listening would make an immediate restart fail to bind. */
void zs_socks_unlisten(void);

#endif
