/* SPDX-License-Identifier: MIT */
/* zokio: what the io_uring backend's files share. Not for users.
 *   backend_uring.c   the ring: set-up, submission, cancels, completion dispatch, accept
 *   uring_bufring.c   provided receive buffers: the buffer ring and the recvs that take from it
 *   uring_sendfile.c  sendfile: inline sendfile(2), or splices through a pool of pipe pairs
 * user_data is the op pointer; its low bits (ZK_UR_TAG_MASK) tag the helper SQEs of a sendfile. */
#ifndef ZK_URING_H
#define ZK_URING_H

#include <liburing.h>

#include "runtime/internal.h"

/* zk_ur_t.feat: what ring set-up and probing found */
enum {
    ZK_UR_DEFER = 1 << 0,        /* SINGLE_ISSUER | DEFER_TASKRUN */
    ZK_UR_MSHOT_ACCEPT = 1 << 1, /* multishot poll for accept */
    ZK_UR_MSHOT_RECV = 1 << 2,   /* multishot recv */
    ZK_UR_BUFRING = 1 << 3,      /* a provided buffer ring is registered */
    ZK_UR_SKIP = 1 << 4,         /* IOSQE_CQE_SKIP_SUCCESS */
};

#define ZK_UR_TAG_MASK  7u
#define ZK_UR_BGID      0  /* the buffer group of the provided buffer ring */
#define ZK_UR_PEND_KEEP 64 /* cancels that can wait for an SQE without an allocation */

typedef struct zk_ur_sf zk_ur_sf_t; /* the sendfile state (uring_sendfile.c) */

typedef struct zk_ur {
    struct io_uring ring;
    unsigned feat;
    /* provided buffer ring (uring_bufring.c) */
    struct io_uring_buf_ring *br;
    size_t br_bytes;
    unsigned posted, window; /* buffers in the ring now, and how many we keep there */
    unsigned posted_low;     /* the fewest posted since the last trim */
    unsigned taken;          /* buffers the kernel took since the last trim */
    zk_ur_sf_t *sf;
    /* cancels that found no SQE (the SQ full and the kernel refusing to take it); they go out at
     * the next tick. pend is pend_keep, or a larger block while more than ZK_UR_PEND_KEEP wait */
    uint64_t *pend;
    unsigned npend, pend_cap;
    uint64_t pend_keep[ZK_UR_PEND_KEEP];
    int refuse_flush; /* zk__test_refuse_flush() */
} zk_ur_t;

/* ---- backend_uring.c ---- */

/* An SQE, flushing the SQ first when it is full; NULL when even that found no room. */
struct io_uring_sqe *zk__ur_sqe_get(zk_ur_t *u);
/* An async cancel of the SQE carrying user_data ud; when no SQE can be had it waits in
 * zk_ur_t.pend for the next tick (never dropped). */
void zk__ur_cancel_ud(zk_ur_t *u, uint64_t ud);
/* The backend's submit (ops->submit), for ops that re-arm from their completion. */
int zk__ur_submit(zk_loop_t *loop, zk_op_t *op);

/* ---- uring_bufring.c ---- */

/* Maps and registers the buffer ring over the loop's provided buffers: 0 or -errno (the backend
 * then takes a buffer per recv). */
int zk__ur_bufring_setup(zk_loop_t *loop, zk_ur_t *u);
void zk__ur_bufring_fini(zk_ur_t *u);
/* Fills sqe for a RECV op: 0, or -ENOBUFS when a POOLBUF recv found no free buffer. */
int zk__ur_recv_prep(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, struct io_uring_sqe *sqe);
void zk__ur_recv_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, struct io_uring_cqe *cqe);
/* ops->buf_put: buffer bid came back from the user */
void zk__ur_buf_put(zk_loop_t *loop, unsigned bid);
/* ops->trim, once a second: sizes the window to the last second's demand and, when nothing was
 * received in it, gives back the posted buffers' pages. Returns the bytes given back. */
size_t zk__ur_bufring_trim(zk_loop_t *loop);

/* ---- uring_sendfile.c ---- */

/* The sendfile state and its pipe pool (o->pipe_idle_ms): 0 or -ENOMEM. fini closes the pipes
 * and frees it; abandon (a forked child) only closes the pipes. */
int zk__ur_sendfile_init(zk_ur_t *u, const zk_loop_opts_t *o);
void zk__ur_sendfile_fini(zk_loop_t *loop, zk_ur_t *u);
void zk__ur_sendfile_abandon(zk_ur_t *u);
/* ops->submit for ZK_OP_SENDFILE: 0 or -errno (the op then completes with it) */
int zk__ur_sendfile_submit(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op);
/* cancels the tagged helper SQEs a sendfile may have in flight (the op's own SQE aside) */
void zk__ur_sendfile_cancel(zk_ur_t *u, zk_op_t *op);
/* a CQE of a sendfile op: its own (tag 0, pipe -> socket) or one of its tagged helpers */
void zk__ur_sendfile_cqe(zk_loop_t *loop, zk_ur_t *u, zk_op_t *op, unsigned tag, int res);

#endif
