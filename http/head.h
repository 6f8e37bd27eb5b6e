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
#include <time.h>

#include "http/conn.h"
#include "http/sink.h"

/* A head longer than this is refused (the request gets a 500, logged), never truncated. */
#define ZH_HEAD_MAX (64 * 1024)

/* One header line "NAME: VALUE\r\n". */
void zh_head_field(zh_sink_t *b, const char *name, const char *value, size_t vlen);

/* Whether add_header entry `i` of location `l` goes out on a `status` response, as nginx's
 * add_header: on 2xx and 3xx responses (on all with `always`), never with an empty value, and
 * for Last-Modified and ETag only the last applicable one (it replaces the file's own, and an
 * earlier one). */
int zh_head_added(const zh_location_t *l, uint32_t i, int status);

/* The add_header entry of `l` that replaces the field `name` (Last-Modified or ETag) on a
 * `status` response, or NULL; its value may be "" (the field is then not sent at all). */
const zh_header_t *zh_head_replaced(const zh_location_t *l, const char *name, int status);

/* The parts of a head a builder writes, in nginx's order (its header filter writes the fixed
 * fields, then Connection, then its list of headers in the order the modules added them):
 * ZH_PART_FIELDS: Content-Type, Content-Length, Last-Modified, Location (before Connection);
 * ZH_PART_LIST: what the handler put in the list before the headers filter ran (ETag);
 * ZH_PART_END: what the later filters add (Accept-Ranges, Content-Range), then the blank line
 * and any body bytes that go with the head. Between LIST and END: Expires, Cache-Control and
 * the add_header lines. */
enum { ZH_PART_FIELDS, ZH_PART_LIST, ZH_PART_END };

/* Appends one part of a response head. Called twice per part (measure, write): same output. */
typedef void (*zh_head_fn)(zh_sink_t *b, const void *arg, int part);

/* Queues a response head: "HTTP/1.1 STATUS REASON", Server, Date, fn's FIELDS, Connection
 * (and Keep-Alive), fn's LIST, Expires and Cache-Control (`expires` of the location), the
 * location's add_header lines (those for this status), fn's END. Sets c->resp_status. `mtime`:
 * the file's modification time for `expires modified` (ZH_NO_MTIME, http/serve.h: none).
 * Returns 0; -E2BIG when the head would be longer than ZH_HEAD_MAX (logged; the caller answers
 * 500 without add_header lines); -ENOBUFS / -ENOMEM when there is no room for it. */
int zh_head_emit(zh_conn_t *c, int status, zh_head_fn fn, const void *arg);
int zh_head_emit_file(zh_conn_t *c, int status, time_t mtime, zh_head_fn fn, const void *arg);

/* The Content-Type line of a `status` answer of c's location (its charset added when it
 * applies, http/serve.h). */
void zh_head_ctype(zh_sink_t *b, const zh_conn_t *c, int status, const char *type, size_t len);

/* Queues `len` bytes made by fn(arg, ZH_PART_END) (the two passes as above), e.g. a multipart
 * part head. */
int zh_bytes_emit(zh_conn_t *c, zh_head_fn fn, const void *arg);

#endif
