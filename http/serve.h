/* SPDX-License-Identifier: MIT */
/* zokiod http: what nginx's header filters add to an answer from a location's zh_serve_t:
 * Expires and Cache-Control (the headers module's `expires`), and the charset of Content-Type
 * (the charset module, labelling only: no recoding). http-private. */
#ifndef ZH_SERVE_H
#define ZH_SERVE_H

#include <stddef.h>
#include <time.h>

#include "http/server.h"
#include "http/sink.h"

/* No modification time (not a file): `expires modified` counts from the answer's time. */
#define ZH_NO_MTIME ((time_t)INT64_MIN)

/* 1 for the statuses nginx's headers filter treats as successful: add_header without `always`
 * and `expires` apply to them only (200, 201, 204, 206, 301, 302, 303, 304, 307, 308). */
int zh_status_headers_ok(int status);

/* The Expires and Cache-Control lines of a `status` answer at time `now` (mtime: the file's,
 * or ZH_NO_MTIME), as nginx's ngx_http_set_expires(); nothing when expires is off or the status
 * is not one of zh_status_headers_ok(). */
void zh_expires_fields(zh_sink_t *b, const zh_serve_t *sv, int status, time_t now, time_t mtime);

/* "Content-Type: TYPE\r\n", with "; charset=NAME" when sv has a charset and TYPE (len bytes,
 * parameters aside) is text/html or one of its charset_types; never on 301 and 302 answers (nginx:
 * old browsers took a redirect's charset for the next page's). */
void zh_ctype_field(zh_sink_t *b, const zh_serve_t *sv, int status, const char *type, size_t len);

/* The charset zh_ctype_field() adds to TYPE on a `status` answer, or NULL. */
const char *zh_charset_for(const zh_serve_t *sv, int status, const char *type, size_t len);

#endif
