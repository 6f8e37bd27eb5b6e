/* SPDX-License-Identifier: MIT */
/* Shared helpers of the runtime unit tests: a loop on the requested backend, loopback sockets,
 * and a bounded "run the loop until" so that no test can hang on a lost completion. */
#ifndef RT_H
#define RT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "runtime/zk.h"
#include "tests/unit/zt.h"

/** Creates a quiet loop (opts may be NULL; its quiet flag is forced on). Returns 0, 1 when the
 *  tests asked for io_uring but the loop fell back (the loop is then freed and *why holds
 *  zk_loop_backend_reason()), or -errno from zk_loop_new(). */
int rt_loop_new(zk_loop_t **out, const zk_loop_opts_t *opts, const char **why);

/** Declares `zk_loop_t *var` on the requested backend, or skips/fails the test. */
#define RT_LOOP_OPTS(var, opts)                                                                    \
    zk_loop_t *var = NULL;                                                                         \
    do {                                                                                           \
        const char *rt_why_ = NULL;                                                                \
        int rt_lrc_ = rt_loop_new(&var, (opts), &rt_why_);                                         \
        if (rt_lrc_ == 1)                                                                          \
            ZT_SKIP("io_uring requested but unavailable: %s", rt_why_ ? rt_why_ : "?");            \
        if (rt_lrc_ != 0) ZT_FAIL("zk_loop_new: %s", strerror(-rt_lrc_));                          \
    } while (0)
#define RT_LOOP(var) RT_LOOP_OPTS(var, NULL)

/** A guard timer bounding a wait: fired once the loop clock passes the deadline; the wall clock
 *  is checked too, so a broken timer heap cannot hang the test either. */
typedef struct rt_guard {
    zk_timer_t t;
    int fired;
    uint64_t wall_deadline;
} rt_guard_t;

/** Arms g to expire `ms` milliseconds from now (refreshes the loop clock). */
void rt_guard_start(zk_loop_t *loop, rt_guard_t *g, unsigned ms);
/** Disarms g (must be called before g goes out of scope). */
void rt_guard_stop(zk_loop_t *loop, rt_guard_t *g);
/** 1 once g's timer fired or its wall-clock deadline passed. */
int rt_guard_expired(const rt_guard_t *g);

/** Runs the loop one tick at a time (ZK_RUN_ONCE) until cond holds; fails the test when `ms`
 *  milliseconds pass first or zk_loop_run() fails. */
#define RT_RUN_UNTIL(loop, cond, ms)                                                               \
    do {                                                                                           \
        rt_guard_t rt_g_;                                                                          \
        int rt_rrc_ = 0;                                                                           \
        rt_guard_start((loop), &rt_g_, (ms));                                                      \
        while (!(cond) && !rt_guard_expired(&rt_g_)) {                                             \
            rt_rrc_ = zk_loop_run((loop), ZK_RUN_ONCE);                                            \
            if (rt_rrc_ < 0) break;                                                                \
        }                                                                                          \
        rt_guard_stop((loop), &rt_g_);                                                             \
        if (rt_rrc_ < 0) ZT_FAIL("zk_loop_run: %s", strerror(-rt_rrc_));                           \
        if (!(cond)) ZT_FAIL("timed out after %u ms waiting for: %s", (unsigned)(ms), #cond);      \
    } while (0)

/** Like RT_RUN_UNTIL but does not fail on time-out: the checks after it say what was missing.
 *  Fails only when zk_loop_run() fails. */
#define RT_WAIT(loop, cond, ms)                                                                    \
    do {                                                                                           \
        rt_guard_t rt_g_;                                                                          \
        int rt_rrc_ = 0;                                                                           \
        rt_guard_start((loop), &rt_g_, (ms));                                                      \
        while (!(cond) && !rt_guard_expired(&rt_g_)) {                                             \
            rt_rrc_ = zk_loop_run((loop), ZK_RUN_ONCE);                                            \
            if (rt_rrc_ < 0) break;                                                                \
        }                                                                                          \
        rt_guard_stop((loop), &rt_g_);                                                             \
        if (rt_rrc_ < 0) ZT_FAIL("zk_loop_run: %s", strerror(-rt_rrc_));                           \
    } while (0)

/** Runs the loop for `ms` milliseconds (to check that nothing more happens). Returns 0 or the
 *  first error of zk_loop_run(). */
int rt_run_for(zk_loop_t *loop, unsigned ms);

/** Records the completions of an op whose data points at it. */
typedef struct rt_rec {
    int calls;
    int res;        /* last result */
    unsigned flags; /* op->flags at the last completion */
    int busy_in_cb; /* zk_op_busy() seen inside the last callback */
    int seq;        /* order of the last completion among all rt_rec ops (from 1) */
    uint64_t now;   /* zk_loop_now() at the last completion */
} rt_rec_t;
/** zk_op_cb storing into (rt_rec_t *)op->data. */
void rt_rec_cb(zk_loop_t *loop, zk_op_t *op, int res);

/* ---- sockets ---- */

/** A non-blocking listener on 127.0.0.1 with an ephemeral port. Returns fd (port in *port) or
 *  -errno. */
int rt_listen(int *port);
/** A non-blocking, unconnected TCP socket. Returns fd or -errno. */
int rt_socket(void);
/** Fills sa with 127.0.0.1:port. */
void rt_addr(struct sockaddr_in *sa, int port);
/** A blocking client connected to 127.0.0.1:port (completes through the listen backlog, no
 *  accept needed). Returns fd or -errno. */
int rt_connect_blocking(int port);
/** A connected loopback TCP pair, both ends non-blocking. Returns 0 or -errno. */
int rt_pair(int *a, int *b);
/** Port that nothing listens on (bound, then closed). Returns port or -errno. */
int rt_dead_port(void);

/** Reads exactly n bytes (less at EOF) with poll(); returns the count or -errno/-ETIMEDOUT. */
long rt_read_full(int fd, void *buf, size_t n, int timeout_ms);
/** Writes all n bytes with poll(); returns n or -errno/-ETIMEDOUT. */
long rt_write_full(int fd, const void *buf, size_t n, int timeout_ms);

/** Deterministic pseudo-random bytes. */
void rt_fill(void *buf, size_t n, uint32_t seed);
/** CLOCK_MONOTONIC in ns. */
uint64_t rt_wall_ns(void);
/** Busy-waits `us` microseconds. */
void rt_spin_us(unsigned us);

#endif
