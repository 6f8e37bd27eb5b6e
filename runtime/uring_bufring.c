/* SPDX-License-Identifier: MIT */
/* zokio, io_uring backend: provided receive buffers. The loop's buffers are offered to the kernel
 * through a buffer ring (mapped and registered by hand: liburing 2.3 lacks
 * io_uring_setup_buf_ring), a window of them at a time; without a ring, a recv holds a buffer
 * from the loop's free stack for its whole wait. Multishot recv completions are handled here.
 *
 * The window follows demand: it doubles when the ring runs dry (more sockets had data in one tick
 * than it held) and halves after a second in which half of it sat unused, down to RING_MIN. The
 * kernel fills ring buffers in order, so every posted buffer ends up resident; after a second in
 * which nothing was received, the trim gives the posted buffers' pages back (an idle server keeps
 * none of a burst's buffers). */
#include <errno.h>
#include <sys/mman.h>

#include "runtime/uring.h"

#define RING_MIN 8   /* the window of a quiet loop */
#define RING_MAX 128 /* its ceiling */

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
    u->window = n < RING_MIN ? n : RING_MIN;
    ring_refill(loop, u);
    u->posted_low = u->posted;
    return 0;
}

/* the kernel took buffer bid from the ring */
static void ring_took(zk_loop_t *loop, zk_ur_t *u, unsigned bid)
{
    u->posted--;
    u->taken++;
    loop->buf_resident[bid] = 1; /* the kernel wrote it, even if the trim had given it back */
    if (u->posted < u->posted_low) u->posted_low = u->posted;
    /* dry: more sockets had data at once than the window holds */
    if (!u->posted) {
        unsigned max = loop->buf_count < RING_MAX ? loop->buf_count : RING_MAX;
        u->window = 2 * u->window < max ? 2 * u->window : max;
    }
}

/* Gives back the pages of the posted buffers. Safe only while the kernel cannot be writing into
 * one whose completion we have not reaped: with DEFER_TASKRUN a recv copies into a ring buffer
 * only inside our own io_uring_enter() (task work, or inline at submission), and an empty CQ
 * means every buffer it took is accounted for (u->posted), so the ring's last `posted` entries
 * are exactly the buffers still posted. A buffer the kernel fills later just faults in a zero page.
 */
static size_t ring_give_back(zk_loop_t *loop, zk_ur_t *u)
{
    if (!(u->feat & ZK_UR_DEFER) || io_uring_cq_ready(&u->ring) ||
        (IO_URING_READ_ONCE(*u->ring.sq.kflags) & IORING_SQ_CQ_OVERFLOW))
        return 0;
    unsigned mask = (unsigned)io_uring_buf_ring_mask(loop->buf_count);
    uint16_t tail = IO_URING_READ_ONCE(u->br->tail);
    size_t given = 0;
    for (unsigned i = 1; i <= u->posted; i++) {
        unsigned bid = u->br->bufs[(uint16_t)(tail - i) & mask].bid;
        if (!loop->buf_resident[bid]) continue;
        madvise(zk_buf_ptr(loop, bid), loop->buf_size, MADV_DONTNEED);
        loop->buf_resident[bid] = 0;
        given += loop->buf_size;
    }
    return given;
}

size_t zk__ur_bufring_trim(zk_loop_t *loop)
{
    zk_ur_t *u = loop->be;
    if (!(u->feat & ZK_UR_BUFRING)) return 0;
    /* half the window (or more) stayed posted all along: it was not needed */
    if (u->posted_low * 2 >= u->window && u->window > RING_MIN)
        u->window = u->window / 2 > RING_MIN ? u->window / 2 : RING_MIN;
    size_t given = u->taken ? 0 : ring_give_back(loop, u);
    u->taken = 0;
    u->posted_low = u->posted;
    return given;
}

int zk__test_bufring(zk_loop_t *loop, unsigned *window, unsigned *posted)
{
    zk_ur_t *u = loop->ops == &zk_backend_uring ? loop->be : NULL;
    if (!u || !(u->feat & ZK_UR_BUFRING)) return -ENOTSUP;
    *window = u->window;
    *posted = u->posted;
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
            ring_took(loop, u, (unsigned)bid);
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
