/* SPDX-License-Identifier: MIT */
/* zokiod http: the plain transport: input from the recv stream's buffers as they are, output
 * through writev (memory segments) and sendfile (file ranges; with sendfile off, read and
 * written with writev) (http/out.c). */
#include "http/transport.h"
#include "http/out.h"

static zk_poll_t plain_read(zh_conn_t *c, zk_task_t *t, int *res)
{
    zk_recv_chunk_t ch;
    if (zk_recv_next(&c->rs, t, &ch) == ZK_PENDING) return ZK_PENDING;
    *res = ch.res;
    if (ch.res > 0) {
        c->in_bid = ch.bid;
        c->in_held = 1;
        c->in_base = zk_buf_ptr(c->srv->loop, ch.bid);
        c->in_off = 0;
        c->in_len = (uint32_t)ch.res;
    }
    return ZK_READY;
}

static void plain_read_done(zh_conn_t *c)
{
    if (c->in_held) zk_buf_put(c->srv->loop, c->in_bid);
    c->in_held = 0;
    c->in_len = 0;
}

static int plain_buffered(const zh_conn_t *c) { return c->rs.count != 0; }

static int plain_write(zh_conn_t *c, zk_task_t *t)
{
    if (c->write_kind) {
        if (zk_poll(&c->w->wf.base, t) == ZK_PENDING) return ZH_W_WAIT;
        int r = zh_out_done(c, c->w->wf.base.result);
        if (r < 0) return r;
    }
    int r = zh_out_start(c); /* < 0: a file range without sendfile could not be read */
    if (r < 0) return r;
    return r == 0 ? ZH_W_STARTED : ZH_W_DONE;
}

static zk_poll_t plain_close(zh_conn_t *c, zk_task_t *t)
{
    if (c->write_kind && zk_poll(&c->w->wf.base, t) == ZK_PENDING) {
        zk_future_cancel(&c->w->wf.base);
        return ZK_PENDING;
    }
    c->write_kind = 0;
    return ZK_READY;
}

const zh_transport_t zh_transport_plain = {
    .read = plain_read,
    .read_done = plain_read_done,
    .buffered = plain_buffered,
    .write = plain_write,
    .close = plain_close,
};
