/* SPDX-License-Identifier: MIT */
/* zokio: timers. A binary min-heap of caller-owned nodes on the loop's cached monotonic clock,
 * ordered by (deadline, start order): start, reset and cancel are O(log n) (a sift through the
 * heap, the node knows its slot), finding the next deadline O(1); nothing is allocated but the
 * heap's array, which doubles when full (tests/unit/runtime/timer.c times 200,000 timers started,
 * reset and half cancelled). examples/timers.c shows the order, a reset and a cancel. */
#ifndef ZK_TIMER_H
#define ZK_TIMER_H

#include <stdint.h>

#include "runtime/loop.h"

typedef struct zk_timer zk_timer_t;
typedef void (*zk_timer_cb)(zk_loop_t *loop, zk_timer_t *t);

/* Caller-owned; zero it or zk_timer_init() it before first use. */
struct zk_timer {
    uint64_t deadline; /* absolute, ns on the loop clock */
    uint64_t seq;      /* ties fire in start order */
    zk_timer_cb cb;
    void *data;
    uint32_t idx; /* heap slot + 1; 0 = not armed */
    uint8_t weak; /* set by the caller: an armed weak timer does not keep the loop alive */
};

void zk_timer_init(zk_timer_t *t, zk_timer_cb cb, void *data);

/* Arms t to fire at the absolute loop time `deadline`. The loop calls t->cb once, from
 * zk_loop_run(), when the cached clock reaches the deadline; timers due at the same time fire in
 * start order. On a pending timer this is the reset: the old deadline is forgotten and t fires
 * once, at the new one (earlier or later). The callback may start t again (a periodic timer).
 * Returns 0 or -ENOMEM (a first start that had to grow the heap). */
int zk_timer_start(zk_loop_t *loop, zk_timer_t *t, uint64_t deadline);

/* The cancel: disarms t synchronously, its callback will not run (even when t is due in the
 * tick being run, e.g. stopped by an earlier callback). A no-op when not armed. */
void zk_timer_stop(zk_loop_t *loop, zk_timer_t *t);

static inline int zk_timer_armed(const zk_timer_t *t) { return t->idx != 0; }

#define ZK_MSEC ((uint64_t)1000000)
#define ZK_SEC  ((uint64_t)1000000000)

#endif
