/* SPDX-License-Identifier: MIT */
/* zokiod http: a connection's output queue: segments of memory and file ranges, written by one
 * future at a time (writev or sendfile) (http/out.c). http-private. */
#ifndef ZH_OUT_H
#define ZH_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "http/conn.h"

int zh_out_take(zh_conn_t *c); /* makes sure c->w exists: 0 / -ENOMEM */
/* Queues `len` bytes that the caller then writes at the returned address (before the next
 * write starts); one more byte past them is writable (a NUL) and never sent. From the out
 * buffer when they fit, else from a block of their own freed once sent. NULL: out of segments
 * or memory. Response bytes are made through http/head.h, which measures before it asks. */
char *zh_out_room(zh_conn_t *c, size_t len);
int zh_out_mem(zh_conn_t *c, const char *p, size_t len, zh_file_t *ref);
/* Queues a range of the open file f, to be sent the way the connection's current location says
 * (c->loc: sendfile or not, sendfile_max_chunk, tcp_nopush, which corks the socket now). */
int zh_out_file(zh_conn_t *c, zh_file_t *f, uint64_t off, uint64_t len);
/* TCP_CORK on or off (once: c->corked remembers). */
void zh_out_cork(zh_conn_t *c, int on);
int zh_out_pending(const zh_conn_t *c);
int zh_out_has_room(const zh_conn_t *c);
/* starts the next write future for the queue head; 0, 1 when the queue is empty, or -errno
 * (a file range without sendfile could not be read: abort the connection) */
int zh_out_start(zh_conn_t *c);
/* accounts a finished write future's result; 0, or -errno to abort the connection */
int zh_out_done(zh_conn_t *c, int res);
/* A transport that writes the queue itself (TLS: it encrypts the bytes) accounts n bytes of the
 * head segment as sent; a finished segment lets go of its reference. */
void zh_out_consumed(zh_conn_t *c, size_t n);
void zh_out_release(zh_conn_t *c); /* drops the queue and gives back the work buffers */

#endif
