/* SPDX-License-Identifier: MIT */
/* zokio: the loop's thread pool, for work that has no non-blocking form (ZK_OP_WORK on both
 * backends, the file ops on epoll).
 *
 * Each loop owns one pool of zk_loop_opts_t.pool_threads threads, started on the first op that
 * needs it. The ops themselves are the queue entries (linked through their loop_private links, so
 * nothing is allocated per op); at most pool_queue ops wait for a thread, one more completes with
 * -EAGAIN. A pool thread runs the op's blocking call, puts the op on the pool's done list and
 * wakes the loop through a zk_async_t (the loop's eventfd, read by a READ op on either backend);
 * the loop thread then runs the callbacks, in the order the threads finished. Cancel: an op still
 * queued is unlinked and completes with -ECANCELED; one already running completes with its real
 * result (an fd opened meanwhile is the caller's to close). The threads inherit the CPU set (and
 * the rest of the scheduling state) of the loop thread when the pool starts: a program that pins
 * its loop thread does it before the first pool op (zokiod's workers pin themselves before they
 * create their loop). Internal: called from op.c / loop.c.
 */
#ifndef ZK_THREADPOOL_H
#define ZK_THREADPOOL_H

#include "runtime/loop.h"
#include "runtime/op.h"

typedef struct zk_threadpool zk_threadpool_t;

/* 1 when op runs on the pool on this loop (WORK always; file ops when the backend has no native
 * form for them; a CLOSE while the pool holds it: the epoll backend hands over the close of an
 * fd it does not watch). */
int zk__pool_wants(const zk_loop_t *loop, const zk_op_t *op);
/* Queues op for a pool thread (starting the threads on first use). 0, or -EAGAIN (queue full),
 * -errno (threads could not start): the caller completes the op with that error. */
int zk__pool_submit(zk_loop_t *loop, zk_op_t *op);
/* op is ARMED or CANCELLING on the pool: completes it with -ECANCELED if no thread took it yet,
 * else leaves it to finish. */
void zk__pool_cancel(zk_loop_t *loop, zk_op_t *op);
/* Loop thread, on each eventfd wake-up: runs the callbacks of the ops the threads finished. */
void zk__pool_drain(zk_loop_t *loop);
/* Stops and joins the threads (every op must have completed) and frees the pool. */
void zk__pool_free(zk_loop_t *loop);
/* In a forked child: the threads do not exist there; forget the pool without touching it. */
void zk__pool_abandon(zk_loop_t *loop);

#endif
