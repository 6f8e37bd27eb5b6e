/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the request parser (llhttp + zh_parser_settings) driven the way
 * http/conn.c drives it. The first input byte picks where the rest is split in two reads;
 * each read gets its own exactly sized copy (as a recv buffer would be), so a callback that
 * reads outside the bytes handed to llhttp_execute() is caught by ASan. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/conn.h"
#include "http/path.h"
#include "http/request.h"
#include "http/server.h"
#include "tests/fuzz/fuzz.h"

typedef struct fz_conn {
    llhttp_t parser;
    zh_parse_ctx_t pctx;
    zh_req_t req;
    zh_arena_t arena;
    zh_limits_t lim;
    int closed;
} fz_conn_t;

/* a kept string is empty, the "" marker of an empty header, or lies inside the arena */
static void check_str(const fz_conn_t *c, zh_str_t s)
{
    if (!s.p) {
        CHECK(s.len == 0);
        return;
    }
    if (s.len == 0) return;
    CHECK(s.p >= c->arena.p && s.p + s.len <= c->arena.p + c->arena.used);
}

/* what answer() in http/conn.c sees: a complete request; look at what the handler would use */
static void answer(fz_conn_t *c)
{
    const zh_req_t *r = &c->req;
    CHECK(c->arena.used <= c->arena.cap);
    CHECK(r->target.len <= c->lim.max_target);
    check_str(c, r->target);
    check_str(c, r->path);
    check_str(c, r->host);
    for (int i = 0; i < ZH_H__COUNT; i++)
        check_str(c, r->h[i]);
    CHECK(r->nheaders <= c->lim.max_headers);
    CHECK(r->header_bytes <= c->lim.max_header_bytes);
    CHECK(r->body_bytes <= c->lim.max_body);
    CHECK(r->path.len && r->path.p[0] == '/'); /* split_target() refused anything else */
    {
        size_t pathlen, qlen;
        const char *q;
        char out[ZH_ARENA_SIZE + 1];
        size_t outlen;
        zh_path_split_query(r->path.p, r->path.len, &pathlen, &q, &qlen);
        CHECK(pathlen <= r->path.len);
        int st = zh_path_normalize(r->path.p, pathlen, out, sizeof out, &outlen);
        CHECK(st == 0 || st == 400 || st == 404 || st == 414);
        if (st == 0) CHECK(outlen < sizeof out && out[0] == '/' && out[outlen] == '\0');
    }
    if (!llhttp_should_keep_alive(&c->parser)) c->closed = 1;
    c->req.started = 0;
    c->req.expect_continue = 0;
}

/* parse_input() of http/conn.c on one read of `len` bytes */
static void feed(fz_conn_t *c, const char *data, size_t len)
{
    while (len && !c->closed) {
        size_t used;
        llhttp_errno_t err = zh_parse_execute(&c->parser, data, len, &used);
        CHECK(used <= len);
        if (err == HPE_OK) {
            CHECK(used == len);
            return;
        }
        if (err == HPE_PAUSED_UPGRADE && !c->req.started) {
            llhttp_reset(&c->parser);
            continue;
        }
        if (err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE) {
            int st = zh_req_error_status(&c->req, err, data, len, data + used);
            CHECK(st >= 400 && st <= 599);
            c->closed = 1;
            return;
        }
        data += used;
        len -= used;
        int upgrade = err == HPE_PAUSED_UPGRADE;
        if (upgrade && (c->parser.flags & (F_CHUNKED | F_CONTENT_LENGTH))) c->closed = 1;
        if (!upgrade) llhttp_resume(&c->parser);
        answer(c);
        if (upgrade) llhttp_reset(&c->parser);
    }
}

/* one read: the bytes in a buffer of exactly their size */
static void feed_copy(fz_conn_t *c, const uint8_t *p, size_t len)
{
    if (!len) return;
    char *buf = malloc(len);
    if (!buf) abort();
    memcpy(buf, p, len);
    feed(c, buf, len);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t n = size - 1;
    size_t split = (size_t)data[0] * (n + 1) / 256;
    fz_conn_t *c = calloc(1, sizeof *c);
    if (!c) abort();
    zh_limits_default(&c->lim);
    c->arena.p = malloc(ZH_ARENA_SIZE); /* its own block: an overflow hits a redzone */
    if (!c->arena.p) abort();
    c->arena.cap = ZH_ARENA_SIZE;
    zh_req_reset(&c->req);
    llhttp_init(&c->parser, HTTP_REQUEST, &zh_parser_settings);
    c->parser.lenient_flags |= LENIENT_VERSION; /* as http/conn.c */
    c->pctx.req = &c->req;
    c->pctx.arena = &c->arena;
    c->pctx.lim = &c->lim;
    c->parser.data = &c->pctx;
    feed_copy(c, data + 1, split);
    if (!c->closed) feed_copy(c, data + 1 + split, n - split);
    free(c->arena.p);
    free(c);
    return 0;
}
