/* SPDX-License-Identifier: MIT */
/* zokio: timers. A binary heap of caller-owned nodes on the loop's cached monotonic clock. */
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

/* Arms (or re-arms) t to fire at the absolute loop time `deadline`. The loop calls t->cb once,
 * from zk_loop_run(), when the cached clock reaches the deadline. Returns 0 or -ENOMEM. */
int zk_timer_start(zk_loop_t *loop, zk_timer_t *t, uint64_t deadline);

/* Disarms t synchronously: its callback will not run. A no-op when not armed. */
void zk_timer_stop(zk_loop_t *loop, zk_timer_t *t);

static inline int zk_timer_armed(const zk_timer_t *t) { return t->idx != 0; }

#define ZK_MSEC ((uint64_t)1000000)
#define ZK_SEC  ((uint64_t)1000000000)

#endif
