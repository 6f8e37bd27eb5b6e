/* SPDX-License-Identifier: MIT */
/* timers: four timers on one loop, started out of order, to show the order they fire in and
 * what a reset and a cancel do. a is due at +30 ms, b at +10, c at +20, d at +40. When b fires,
 * its callback resets a to +60 ms (zk_timer_start() on an armed timer moves it) and cancels d
 * (zk_timer_stop()). So b, c, a fire, in that order, each once and never early; d never fires.
 * The loop returns once no armed timer is left. Each line gives the due time and the time the
 * callback ran, in ms since the start. Timers live in a binary heap: O(log n) start / reset /
 * cancel. */
#include <stdio.h>
#include <string.h>

#include "runtime/zk.h"

typedef struct named {
    zk_timer_t t;
    const char *name;
    uint64_t due_ms;
} named_t;

static named_t timers[4] = {{.name = "a", .due_ms = 30},
                            {.name = "b", .due_ms = 10},
                            {.name = "c", .due_ms = 20},
                            {.name = "d", .due_ms = 40}};
static uint64_t start;
static int fired;

/* the real time, not the tick's cached clock: "never early" is then worth checking */
static uint64_t ms_since_start(zk_loop_t *loop)
{
    return (zk_loop_update_now(loop) - start) / ZK_MSEC;
}

static void arm(zk_loop_t *loop, named_t *n, uint64_t due_ms)
{
    n->due_ms = due_ms;
    zk_timer_start(loop, &n->t, start + due_ms * ZK_MSEC);
}

static void on_fire(zk_loop_t *loop, zk_timer_t *t)
{
    named_t *n = t->data;
    fired++;
    printf("%s fired: due +%llu ms, ran at +%llu ms\n", n->name, (unsigned long long)n->due_ms,
           (unsigned long long)ms_since_start(loop));
    if (n == &timers[1]) { /* b: move a later, cancel d */
        named_t *a = &timers[0], *d = &timers[3];
        printf("b resets a from +%llu to +60 ms and cancels d (armed: %d)\n",
               (unsigned long long)a->due_ms, zk_timer_armed(&d->t));
        arm(loop, a, 60);
        zk_timer_stop(loop, &d->t);
    }
}

int main(void)
{
    zk_loop_t *loop;
    zk_loop_opts_t o = {.quiet = 1};
    int rc = zk_loop_new(&loop, &o);
    if (rc < 0) {
        fprintf(stderr, "timers: zk_loop_new: %s\n", strerror(-rc));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    start = zk_loop_update_now(loop);
    for (int i = 0; i < 4; i++) {
        zk_timer_init(&timers[i].t, on_fire, &timers[i]);
        arm(loop, &timers[i], timers[i].due_ms);
        printf("%s armed: due +%llu ms\n", timers[i].name, (unsigned long long)timers[i].due_ms);
    }
    rc = zk_loop_run(loop, ZK_RUN_DEFAULT); /* returns when no timer is armed */
    printf("%d fired; d armed: %d\n", fired, zk_timer_armed(&timers[3].t));
    zk_loop_free(loop);
    return rc < 0 ? 1 : 0;
}
