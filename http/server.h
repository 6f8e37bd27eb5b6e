/* SPDX-License-Identifier: MIT */
/* zokiod http: the HTTP/1.1 server of one worker loop. server/ fills these plain structs (from the
 * config file or built-in defaults) and hands them over; http/ never sees the config parser. */
#ifndef ZH_SERVER_H
#define ZH_SERVER_H

#include <stdint.h>

#include "http/mime.h"
#include "runtime/loop.h"

/* One document root. Everything here is owned by the caller and must outlive the server. */
typedef struct zh_site {
    int root_fd;              /* an O_PATH or O_RDONLY directory fd of the document root */
    const zh_mime_t *mime;    /* extension -> type; may be NULL */
    const char *default_type; /* for unknown extensions, e.g. "application/octet-stream" */
    const char *const *index; /* NULL-terminated list of index file names, e.g. {"index.html"} */
} zh_site_t;

typedef struct zh_limits {
    uint64_t max_body;           /* request body bytes (client_max_body_size), 413 beyond */
    uint32_t max_target;         /* request-target bytes, 414 beyond */
    uint32_t max_header_bytes;   /* all header lines together, 431 beyond */
    uint32_t max_headers;        /* header fields, 431 beyond */
    uint32_t keepalive_requests; /* requests per connection before Connection: close */
    uint32_t max_conns;          /* connections per worker; more are closed at accept */
    uint64_t keepalive_timeout;  /* ns idle between requests */
    uint64_t header_timeout;     /* ns to receive a whole request head */
    uint64_t send_timeout;       /* ns without write progress */
    uint64_t linger_timeout;     /* ns spent draining input before closing after an error */
    uint32_t cache_max_file;     /* files up to this size are served from memory */
    uint64_t cache_max_bytes;    /* memory for cached file contents per worker */
} zh_limits_t;

/* nginx-like defaults: 1 MiB body, 8 KiB target and headers, 100 fields, 1000 requests,
 * 75 s keep-alive, 60 s header and send timeouts. */
void zh_limits_default(zh_limits_t *l);

typedef struct zh_server zh_server_t;

/* Creates the HTTP server of one loop. site and lim are copied (what they point to is not).
 * Returns 0 or -errno; *out is freed with zh_server_free(). */
int zh_server_new(zh_server_t **out, zk_loop_t *loop, const zh_site_t *site,
                  const zh_limits_t *lim);

/* Starts accepting on a listening, non-blocking socket (the caller keeps owning the fd). */
int zh_server_listen(zh_server_t *s, int listen_fd);

/* Stops accepting; open connections finish their current response and close. The loop runs
 * dry once every connection is gone. */
void zh_server_stop(zh_server_t *s);

/* Connections currently open. */
unsigned zh_server_conns(const zh_server_t *s);

/* Frees the server; only after zk_loop_run() returned (no connection left). */
void zh_server_free(zh_server_t *s);

#endif
