/* SPDX-License-Identifier: MIT */
/* zokiod http: the output queue of a connection. Responses are appended as segments (bytes in the
 * out buffer, bytes of a cached file, or a range of an open file); runs of memory segments leave
 * in one writev, file ranges through the runtime's zero-copy sendfile, at most the location's
 * sendfile_max_chunk per op, or, with sendfile off, read ZH_RBUF_SIZE bytes at a time into the
 * work block's rbuf and written with the memory segments before them (as nginx reads into its
 * output buffers). tcp_nopush corks the socket from the queueing of a sendfile range until the
 * queue is empty. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/out.h"
#include "http/transport.h"

#define SENDFILE_OP_MAX (1u << 30) /* bytes per sendfile op without sendfile_max_chunk */

enum { W_NONE, W_WRITEV, W_SENDFILE };

int zh_out_take(zh_conn_t *c)
{
    if (c->w) return 0;
    zh_work_t *w = zh_work_get(c->srv);
    if (!w) return -ENOMEM;
    w->out_used = w->nseg = w->seg_head = 0;
    zh_req_reset(&w->req);
    w->ar = (zh_arena_t){.p = w->arena, .cap = ZH_ARENA_SIZE};
    w->peer[0] = 0;
    c->w = w;
    zh_conn_parser_init(c);
    return 0;
}

int zh_out_has_room(const zh_conn_t *c)
{
    const zh_work_t *w = c->w;
    return w->out_used + ZH_OUT_ROOM <= ZH_OUT_SIZE && w->nseg + ZH_SEG_ROOM <= ZH_MAX_SEGS;
}

/* queues len bytes written at p in the out buffer */
static void out_commit(zh_conn_t *c, char *p, size_t len)
{
    zh_work_t *w = c->w;
    w->out_used += (uint32_t)len;
    if (w->nseg > w->seg_head) { /* extend the previous piece of the out buffer */
        zh_seg_t *last = &w->segs[w->nseg - 1];
        if (last->mem && !last->file && last->mem + last->len == p) {
            last->len += len;
            return;
        }
    }
    w->segs[w->nseg++] = (zh_seg_t){.mem = p, .len = len};
}

char *zh_out_room(zh_conn_t *c, size_t len)
{
    zh_work_t *w = c->w;
    if (w->nseg == ZH_MAX_SEGS) return NULL;
    if (w->out_used + len + 1 <= ZH_OUT_SIZE) {
        char *p = w->out + w->out_used;
        out_commit(c, p, len);
        return p;
    }
    /* longer than what is left of the out buffer: a block of its own, freed once it is sent */
    char *mem = malloc(len + 1);
    if (!mem) return NULL;
    zh_file_t *blob = zh_blob_new(&c->srv->fcache, mem, len);
    if (!blob) return NULL;
    int r = zh_out_mem(c, mem, len, blob);
    zh_file_unref(&c->srv->fcache, blob);
    return r < 0 ? NULL : mem;
}

int zh_out_mem(zh_conn_t *c, const char *p, size_t len, zh_file_t *ref)
{
    zh_work_t *w = c->w;
    if (w->nseg == ZH_MAX_SEGS) return -ENOBUFS;
    if (!len) return 0;
    if (ref) zh_file_ref(ref);
    w->segs[w->nseg++] = (zh_seg_t){.mem = p, .len = len, .file = ref};
    return 0;
}

void zh_out_cork(zh_conn_t *c, int on)
{
    int v = on;
    if (c->corked == on) return;
    setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &v, sizeof v);
    c->corked = (uint8_t)on;
}

int zh_out_file(zh_conn_t *c, zh_file_t *f, uint64_t off, uint64_t len)
{
    zh_work_t *w = c->w;
    const zh_location_t *l = c->loc;
    if (w->nseg == ZH_MAX_SEGS) return -ENOBUFS;
    if (!len) return 0;
    int sendfile = !l || l->sendfile;
    uint64_t chunk = l && l->sendfile_max_chunk ? l->sendfile_max_chunk : SENDFILE_OP_MAX;
    zh_file_ref(f);
    w->segs[w->nseg++] =
        (zh_seg_t){.off = off,
                   .len = len,
                   .file = f,
                   .chunk = (uint32_t)(chunk < SENDFILE_OP_MAX ? chunk : SENDFILE_OP_MAX),
                   .read = (uint8_t)!sendfile};
    /* nginx's tcp_nopush: full frames from the head on, for responses that go out with sendfile
     * (the plain transport's: TLS reads and encrypts file ranges itself, never with sendfile) */
    if (sendfile && l && l->tcp_nopush && c->tr == &zh_transport_plain) zh_out_cork(c, 1);
    return 0;
}

int zh_out_pending(const zh_conn_t *c) { return c->w && c->w->seg_head < c->w->nseg; }

/* sendfile off: the next piece of a file range, read into rbuf (a blocking read, as nginx's
 * without aio: the file is usually in the page cache); bytes or -errno */
static int read_chunk(zh_work_t *w, const zh_seg_t *s)
{
    size_t want = s->len < ZH_RBUF_SIZE ? (size_t)s->len : ZH_RBUF_SIZE;
    ssize_t r;
    do
        r = pread(s->file->fd, w->rbuf, want, (off_t)s->off);
    while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    return r ? (int)r : -EIO; /* the file shrank under us: the length we promised is a lie */
}

int zh_out_start(zh_conn_t *c)
{
    zh_work_t *w = c->w;
    if (!w || w->seg_head == w->nseg) return 1;
    zh_seg_t *s = &w->segs[w->seg_head];
    if (!s->mem && !s->read) {
        size_t len = s->len > s->chunk ? s->chunk : (size_t)s->len;
        zk_fut_sendfile(&c->w->wf, c->fd, s->file->fd, (int64_t)s->off, len);
        c->write_kind = W_SENDFILE;
        return 0;
    }
    int n = 0;
    uint32_t i = w->seg_head;
    for (; i < w->nseg && w->segs[i].mem; i++, n++) {
        w->iov[n].iov_base = (void *)w->segs[i].mem;
        w->iov[n].iov_len = (size_t)w->segs[i].len;
    }
    w->rlen = 0;
    if (i < w->nseg && w->segs[i].read) { /* the memory before it (its head) and a chunk of it */
        int r = read_chunk(w, &w->segs[i]);
        if (r < 0) return r;
        w->rlen = (uint32_t)r;
        w->iov[n].iov_base = w->rbuf;
        w->iov[n++].iov_len = (size_t)r;
    }
    zk_fut_writev(&w->wf, c->fd, w->iov, n, 1);
    c->write_kind = W_WRITEV;
    return 0;
}

static void seg_drop(zh_conn_t *c, zh_seg_t *s)
{
    if (s->file) zh_file_unref(&c->srv->fcache, s->file);
    s->file = NULL;
}

int zh_out_done(zh_conn_t *c, int res)
{
    zh_work_t *w = c->w;
    if (res < 0) return res;
    if (c->write_kind == W_SENDFILE) {
        zh_seg_t *s = &w->segs[w->seg_head];
        if (res == 0) return -EIO; /* the file shrank under us: the length we promised is a lie */
        s->off += (uint64_t)res;
        s->len -= (uint64_t)res;
        if (s->len == 0) {
            seg_drop(c, s);
            w->seg_head++;
        }
    } else { /* writev(all): every gathered memory segment is out, and the chunk read after */
        while (w->seg_head < w->nseg && w->segs[w->seg_head].mem)
            seg_drop(c, &w->segs[w->seg_head++]);
        if (w->rlen) {
            zh_seg_t *s = &w->segs[w->seg_head];
            s->off += w->rlen;
            s->len -= w->rlen;
            w->rlen = 0;
            if (s->len == 0) {
                seg_drop(c, s);
                w->seg_head++;
            }
        }
    }
    c->write_kind = W_NONE;
    if (w->seg_head == w->nseg) w->out_used = w->nseg = w->seg_head = 0;
    return 0;
}

void zh_out_release(zh_conn_t *c)
{
    zh_work_t *w = c->w;
    if (!w) return;
    for (uint32_t i = w->seg_head; i < w->nseg; i++)
        seg_drop(c, &w->segs[i]);
    zh_work_put(c->srv, w);
    c->w = NULL;
}

void zh_out_consumed(zh_conn_t *c, size_t n)
{
    zh_work_t *w = c->w;
    zh_seg_t *s = &w->segs[w->seg_head];
    if (s->mem)
        s->mem += n;
    else
        s->off += n;
    s->len -= n;
    if (s->len == 0) {
        seg_drop(c, s);
        w->seg_head++;
    }
    if (w->seg_head == w->nseg) w->out_used = w->nseg = w->seg_head = 0;
}
