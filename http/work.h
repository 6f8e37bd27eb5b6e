/* SPDX-License-Identifier: MIT */
/* zokiod http: a work block, what a busy connection needs (its request, arena, output queue and
 * write future), and the per-worker pool of them (http/work.c). http-private. */
#ifndef ZH_WORK_H
#define ZH_WORK_H

#include <llhttp.h>
#include <stdint.h>
#include <sys/uio.h>

#include "http/filecache.h"
#include "http/request.h"
#include "runtime/zk.h"

#define ZH_ARENA_SIZE 12288 /* request-target (8 KiB max) + the header values we keep */
#define ZH_OUT_SIZE   16384 /* response heads and generated bodies */
#define ZH_OUT_ROOM   4096  /* room a response needs before it is generated */
#define ZH_MAX_SEGS   128
#define ZH_SEG_ROOM   40   /* segments a response may need (multipart: 2 per range) */
#define ZH_URI_CAP    4096 /* the normalized path, NUL included (longer: 414) */
#define ZH_HOST_CAP   8192 /* the normalized Host (the header limits keep it shorter) */

#define ZH_RBUF_SIZE 32768 /* a file range without sendfile is read this much at a time */

/* One piece of output: bytes in memory (the out buffer or a cached file) or a file range. */
typedef struct zh_seg {
    const char *mem; /* NULL: send len bytes of file->fd from off */
    uint64_t off, len;
    zh_file_t *file; /* reference held until the bytes have left, or NULL */
    uint32_t chunk;  /* file range: most bytes one sendfile op moves */
    uint8_t read;    /* file range: read into the work block's rbuf and written (sendfile off) */
} zh_seg_t;

/* What a busy connection needs (the parser, the request, its arena, the output queue and the
 * write future), taken from a per-worker free list when input arrives and given back when the
 * connection goes idle (no request half-read, nothing queued), so an idle keep-alive connection
 * owns none of it: the parser starts afresh with each block, as llhttp would between messages. */
typedef struct zh_work {
    struct zh_work *next;
    struct zh_conn *conn; /* the connection holding the block */
    llhttp_t parser;
    zh_parse_ctx_t pctx;
    zh_arena_t ar;     /* the request's arena: `arena` below */
    char peer[46];     /* the client's address as text, "" until zh_conn_peer() fills it */
    zh_req_t req;      /* the request being read */
    zk_io_future_t wf; /* the write in flight: writev or sendfile */
    char arena[ZH_ARENA_SIZE];
    /* the request's normalized path and host (req.uri, req.host): what its captures point into,
     * so they live as long as the request; only the bytes used are ever touched */
    char uri[ZH_URI_CAP];
    char host[ZH_HOST_CAP];
    char out[ZH_OUT_SIZE];
    uint32_t out_used;
    uint32_t nseg, seg_head;
    zh_seg_t segs[ZH_MAX_SEGS];
    struct iovec iov[ZH_MAX_SEGS];
    uint32_t rlen; /* bytes of rbuf in the writev in flight */
    /* a file range without sendfile is read here; last, so that its pages are touched (and
     * resident) only in the blocks that have sent one */
    char rbuf[ZH_RBUF_SIZE];
} zh_work_t;

/* NULL when out of memory */
zh_work_t *zh_work_get(zh_server_t *s);
void zh_work_put(zh_server_t *s, zh_work_t *w);
void zh_work_fini(zh_server_t *s); /* frees every free block */

#endif
