/* SPDX-License-Identifier: MIT */
/* zokiod http: error and redirect responses with nginx's small HTML bodies (http/response.c),
 * and the static file handler that answers a parsed request (http/static.c). http-private. */
#ifndef ZH_RESPONSE_H
#define ZH_RESPONSE_H

#include <stddef.h>

#include "http/conn.h"
#include "http/head.h"

/* Queues a complete error (or redirect) response with nginx's small HTML body (none for HEAD);
 * `extra_name`/`extra_value` (may be NULL) is one more header line, e.g. Location. */
int zh_resp_error(zh_conn_t *c, int status, int head, const char *extra_name,
                  const char *extra_value, size_t extra_len);

/* zh_resp_error() with the extra header lines made by extra(arg) */
int zh_resp_error_fn(zh_conn_t *c, int status, int head, zh_head_fn extra, const void *arg);

/* the static file handler (http/static.c): answers the parsed request, recording what routing
 * found (its normalized uri and host, regex captures) in *r */
int zh_static_handle(zh_conn_t *c, zh_req_t *r, int method);

#endif
