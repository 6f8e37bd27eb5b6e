/* SPDX-License-Identifier: MIT */
/* zokio, io_uring backend: provided receive buffers. The loop's buffers are offered to the kernel
 * through a buffer ring (mapped and registered by hand: liburing 2.3 lacks
 * io_uring_setup_buf_ring), a window of them at a time; without a ring, a recv holds a buffer
 * from the loop's free stack for its whole wait. Multishot recv completions are handled here. */
#include <errno.h>
#include <sys/mman.h>

#include "runtime/uring.h"

#define RING_WINDOW 128

/* tops the ring up to its window from the top of the free stack */
static void ring_refill(zk_loop_t *loop, zk_ur_t *u)
{
    int added = 0, mask = io_uring_buf_ring_mask(loop->buf_count);
    while (u->posted < u->window) {
        int bid = zk__buf_take(loop);
        if (bid < 0) break;
        io_uring_buf_ring_add(u->br, zk_buf_ptr(loop, (unsigned)bid), loop->buf_size,
                              (unsigned short)bid, mask, added++);
        u->posted++;
    }
    if (added) io_uring_buf_ring_advance(u->br, added);
}

int zk__ur_bufring_setup(zk_loop_t *loop, zk_ur_t *u)
{
    unsigned n = loop->buf_count;
    u->br_bytes = (n * sizeof(struct io_uring_buf) + 4095) & ~(size_t)4095;
    void *m = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -errno;
    struct io_uring_buf_reg reg = {
        .ring_addr = (uintptr_t)m, .ring_entries = n, .bgid = ZK_UR_BGID};
    int r = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (r < 0) {
        munmap(m, u->br_bytes);
        return r;
    }
    u->br = m;
    io_uring_buf_ring_init(u->br);
    /* Only a window of the buffers sits in the ring; the rest wait on the loop's LIFO free
     * stack. The kernel takes ring buffers in order, so a full ring would cycle through (and
     * make resident) every buffer; topping the window up from the stack's top reuses the hot
     * ones instead. */
    u->window = n < RING_WINDOW ? n : RING_WINDOW;
    ring_refill(loop, u);
    return 0;
}

void zk__ur_bufring_fini(zk_ur_t *u)
{
    if (!u->br) return;
    io_uring_unregister_buf_ring(&u->ring, ZK_UR_BGID);
    munmap(u->br, u->br_bytes);
    u->br = NULL;
}

int zk__ur_recv_prep(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, struct io_uring_sqe *sqe)
{
    if (!(op->flags & ZK_OP_F_POOLBUF)) {
        io_uring_prep_recv(sqe, op->fd, op->u.io.buf, op->u.io.len, 0);
        return 0;
    }
    if (u->feat & ZK_UR_BUFRING) {
        if ((op->flags & ZK_OP_F_MULTISHOT) && (u->feat & ZK_UR_MSHOT_RECV))
            io_uring_prep_recv_multishot(sqe, op->fd, NULL, 0, 0);
        else
            io_uring_prep_recv(sqe, op->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = ZK_UR_BGID;
        return 0;
    }
    /* no buffer ring: hold a buffer from the user-space pool for the duration of the recv */
    int bid = zk__buf_take(loop);
    if (bid < 0) return bid;
    zk__op(op)->slot = (uint16_t)bid;
    io_uring_prep_recv(sqe, op->fd, zk_buf_ptr(loop, (unsigned)bid), loop->buf_size, 0);
    return 0;
}

void zk__ur_buf_put(zk_loop_t *loop, unsigned bid)
{
    zk_ur_t *u = loop->be;
    zk__buf_release(loop, bid);
    if (u->feat & ZK_UR_BUFRING) ring_refill(loop, u);
    /* a recv that ran out of buffers goes again now */
    zk_op_t *op = zk__q_pop(&loop->starved);
    if (op && zk__ur_submit(loop, op) < 0) zk__defer(loop, op, -ENOMEM);
}

void zk__ur_recv_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, struct io_uring_cqe *cqe)
{
    int res = cqe->res, more = cqe->flags & IORING_CQE_F_MORE;
    int cancelling = op->state == ZK_OPS_CANCELLING;
    int mshot = op->flags & ZK_OP_F_MULTISHOT;
    int bid = -1;
    if (op->flags & ZK_OP_F_POOLBUF) {
        if (cqe->flags & IORING_CQE_F_BUFFER) {
            bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
            u->posted--;
        } else if (!(u->feat & ZK_UR_BUFRING))
            bid = zk__op(op)->slot;
        if (bid >= 0 && res <= 0) {
            zk__ur_buf_put(loop, (unsigned)bid); /* never handed out: buf_out unchanged */
            bid = -1;
        }
    }
    if (res == -ENOBUFS && !more) {
        if (!cancelling) {
            /* the ring ran dry; buffers the user gave back since then let it go again at once,
             * otherwise it waits for the next zk_buf_put() */
            ring_refill(loop, u);
            if (u->posted) {
                if (zk__ur_submit(loop, op) < 0) zk__defer(loop, op, -ENOMEM);
            } else {
                zk__q_push(&loop->starved, op);
            }
            return;
        }
        res = -ECANCELED;
    }
    /* a multishot the kernel ended early (or that we emulate) is re-armed */
    int rearm = mshot && res > 0 && !more && !cancelling;
    if (bid >= 0)
        zk__complete_buf(loop, op, res, more || rearm, (unsigned)bid);
    else
        zk__complete(loop, op, res, more || rearm);
    if (rearm) {
        if (op->state == ZK_OPS_CANCELLING)
            zk__defer(loop, op, -ECANCELED); /* the cancel found nothing in the kernel */
        else if (zk__ur_submit(loop, op) < 0)
            zk__defer(loop, op, -ENOMEM);
    }
}
