/* SPDX-License-Identifier: MIT */
/* cat SRC DST: an async file copy on zokio's file ops. SRC is opened and statx'ed, DST opened,
 * then SLOTS chunks are in flight at once, each a pread then a pwrite at the same offset (a short
 * read or write goes on from where it stopped); at the end DST is fsync'ed and both are closed.
 * io_uring runs every op natively; epoll runs them on the loop's thread pool. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/zk.h"

#define SLOTS 4
#define CHUNK (128 * 1024)

typedef struct slot { /* one chunk: bytes [off, off + len) read, [off, off + done) written */
    zk_op_t op;
    int64_t off;
    size_t len, done;
    char buf[CHUNK];
} slot_t;

enum { OPEN_SRC, STAT_SRC, OPEN_DST, COPY, FSYNC, CLOSE_DST, CLOSE_SRC, END };

static zk_op_t ctl; /* the steps other than COPY, one at a time */
static slot_t slots[SLOTS];
static struct statx stx;
static const char *src_path, *dst_path;
static int src = -1, dst = -1, busy, err, step;
static int64_t next_off;

static void fail(const char *what, int res)
{
    fprintf(stderr, "cat: %s: %s\n", what, strerror(-res));
    if (!err) err = res;
}

static void ctl_cb(zk_loop_t *loop, zk_op_t *op, int res);
static void chunk_cb(zk_loop_t *loop, zk_op_t *op, int res);
/* Starts the slot's next chunk; the last slot to retire moves on to FSYNC (or, after an
 * error, straight to the closes). */
static void slot_next(zk_loop_t *loop, slot_t *s)
{
    if (err || next_off >= (int64_t)stx.stx_size) {
        if (--busy == 0) ctl_cb(loop, &ctl, 0);
        return;
    }
    s->off = next_off;
    s->len = s->done = 0;
    next_off += CHUNK;
    zk_prep_pread(&s->op, src, s->buf, CHUNK, s->off, chunk_cb, s);
    zk_submit(loop, &s->op);
}

static void chunk_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    slot_t *s = op->data;
    int reading = op->type == ZK_OP_PREAD;
    if (res <= 0) { /* a read of 0: SRC shrank under us */
        fail(reading ? src_path : dst_path, res < 0 ? res : -EIO);
        slot_next(loop, s);
        return;
    }
    int64_t end = s->off + CHUNK;
    if (end > (int64_t)stx.stx_size) end = (int64_t)stx.stx_size;
    *(reading ? &s->len : &s->done) += (size_t)res;
    if (reading && s->off + (int64_t)s->len < end) /* short read: the rest of the chunk */
        zk_prep_pread(op, src, s->buf + s->len, (size_t)(end - s->off) - s->len,
                      s->off + (int64_t)s->len, chunk_cb, s);
    else if (s->done < s->len)
        zk_prep_pwrite(op, dst, s->buf + s->done, s->len - s->done, s->off + (int64_t)s->done,
                       chunk_cb, s);
    else {
        slot_next(loop, s);
        return;
    }
    zk_submit(loop, op);
}

/* The step in progress ended with res: the next one starts (after an error, the closes). */
static void ctl_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    int on_dst = step == OPEN_DST || step == FSYNC || step == CLOSE_DST;
    if (res < 0) fail(on_dst ? dst_path : src_path, res);
    if (step == OPEN_SRC) src = res;
    if (step == OPEN_DST) dst = res;
    step++;
    if (err && step <= FSYNC) step = CLOSE_DST;
    if (step == CLOSE_DST && dst < 0) step = CLOSE_SRC;
    if (step == CLOSE_SRC && src < 0) step = END;
    switch (step) {
    case STAT_SRC: zk_prep_statx(op, src, "", AT_EMPTY_PATH, STATX_SIZE, &stx, ctl_cb, NULL); break;
    case OPEN_DST:
        zk_prep_openat(op, AT_FDCWD, dst_path, O_WRONLY | O_CREAT | O_TRUNC, 0644, ctl_cb, NULL);
        break;
    case COPY:
        busy = SLOTS;
        for (int i = 0; i < SLOTS; i++)
            slot_next(loop, &slots[i]);
        return;
    case FSYNC: zk_prep_fsync(op, dst, 0, ctl_cb, NULL); break;
    case CLOSE_DST: zk_prep_close(op, dst, ctl_cb, NULL); break;
    case CLOSE_SRC: zk_prep_close(op, src, ctl_cb, NULL); break;
    default: return;
    }
    zk_submit(loop, op);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: cat SRC DST\n");
        return 2;
    }
    src_path = argv[1];
    dst_path = argv[2];
    zk_loop_t *loop;
    zk_loop_opts_t o = {.quiet = 1};
    int r = zk_loop_new(&loop, &o);
    if (r < 0) {
        fail("zk_loop_new", r);
        return 1;
    }
    zk_prep_openat(&ctl, AT_FDCWD, src_path, O_RDONLY, 0, ctl_cb, NULL);
    zk_submit(loop, &ctl);
    r = zk_loop_run(loop, ZK_RUN_DEFAULT);
    zk_loop_free(loop);
    return r < 0 || err ? 1 : 0;
}
