/* SPDX-License-Identifier: MIT */
/* zokiod http: the one way response bytes are written into the output queue: measure, then
 * reserve exactly that, then write (h2o's flatten_headers_estimate_size, nginx's header filter).
 * A builder appends to a zh_sink_t (http/sink.h); run once with no memory it only counts, run
 * again on the reserved room it writes the same bytes. Nothing guesses a size, nothing can write
 * past an end. */
#ifndef ZH_HEAD_H
#define ZH_HEAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/conn.h"
#include "http/sink.h"

/* A head longer than this is refused (the request gets a 500, logged), never truncated. */
#define ZH_HEAD_MAX (64 * 1024)

/* One header line "NAME: VALUE\r\n". */
void zh_head_field(zh_sink_t *b, const char *name, const char *value, size_t vlen);

/* Appends what follows the common head lines: the response's own header lines, the blank line
 * and any body bytes that go with the head. Called twice (measure, write): same output. */
typedef void (*zh_head_fn)(zh_sink_t *b, const void *arg);

/* Queues a response head: "HTTP/1.1 STATUS REASON", Server, Date, Connection, the location's
 * add_header lines (those for this status), then fn(arg). Sets c->resp_status. Returns 0;
 * -E2BIG when the head would be longer than ZH_HEAD_MAX (logged; the caller answers 500 without
 * add_header lines); -ENOBUFS / -ENOMEM when there is no room for it. */
int zh_head_emit(zh_conn_t *c, int status, zh_head_fn fn, const void *arg);

/* Queues `len` bytes made by fn(arg) (the two passes as above), e.g. a multipart part head. */
int zh_bytes_emit(zh_conn_t *c, zh_head_fn fn, const void *arg);

#endif
