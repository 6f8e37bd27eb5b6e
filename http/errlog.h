/* SPDX-License-Identifier: MIT */
/* zokiod http: rate-limited error-log lines about a request (http/errlog.c). */
#ifndef ZH_ERRLOG_H
#define ZH_ERRLOG_H

#include "http/conn.h"

/* One line at error level, with the request line appended; dropped beyond the rate limit. */
void zh_errlog(zh_conn_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same without a request (the server's own trouble: accept, fds). */
void zh_errlog_server(zh_server_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The error_log a connection's lines go to (zh_location_t.error_log): its request's location's,
 * else its server's, else the default server's of its address; NULL: the main error log. */
const void *zh_errlog_of(const zh_conn_t *c);

/* `open() "ROOT/PATH" failed (ERRNO: TEXT)`, nginx's line; err is -errno. */
void zh_errlog_open(zh_conn_t *c, const zh_site_t *site, const char *path, int err);

#endif
