/* SPDX-License-Identifier: MIT */
/* zokio: timers in a binary min-heap ordered by (deadline, start sequence). */
#include <errno.h>
#include <stdlib.h>

#include "runtime/internal.h"

static int before(const zk_timer_t *a, const zk_timer_t *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(zk_loop_t *loop, uint32_t i, zk_timer_t *t)
{
    loop->heap[i] = t;
    t->idx = i + 1;
}

static void sift_up(zk_loop_t *loop, uint32_t i)
{
    zk_timer_t *t = loop->heap[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(t, loop->heap[parent])) break;
        place(loop, i, loop->heap[parent]);
        i = parent;
    }
    place(loop, i, t);
}

static void sift_down(zk_loop_t *loop, uint32_t i)
{
    zk_timer_t *t = loop->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= loop->heap_len) break;
        if (c + 1 < loop->heap_len && before(loop->heap[c + 1], loop->heap[c])) c++;
        if (!before(loop->heap[c], t)) break;
        place(loop, i, loop->heap[c]);
        i = c;
    }
    place(loop, i, t);
}

static void heap_remove(zk_loop_t *loop, zk_timer_t *t)
{
    uint32_t i = t->idx - 1;
    zk_timer_t *last = loop->heap[--loop->heap_len];
    t->idx = 0;
    if (last == t) return;
    place(loop, i, last);
    if (i > 0 && before(last, loop->heap[(i - 1) / 2]))
        sift_up(loop, i);
    else
        sift_down(loop, i);
}

void zk_timer_init(zk_timer_t *t, zk_timer_cb cb, void *data)
{
    t->deadline = 0;
    t->seq = 0;
    t->cb = cb;
    t->data = data;
    t->idx = 0;
    t->weak = 0;
}

int zk_timer_start(zk_loop_t *loop, zk_timer_t *t, uint64_t deadline)
{
    if (t->idx) {
        heap_remove(loop, t);
    } else {
        if (loop->heap_len == loop->heap_cap) {
            /* grows rarely (doubling); the steady state never allocates */
            zk_timer_t **h = realloc(loop->heap, 2 * loop->heap_cap * sizeof *h);
            if (!h) return -ENOMEM;
            loop->heap = h;
            loop->heap_cap *= 2;
        }
        if (!t->weak) zk__alive_hold(loop);
    }
    t->deadline = deadline;
    t->seq = loop->timer_seq++;
    place(loop, loop->heap_len++, t);
    sift_up(loop, loop->heap_len - 1);
    return 0;
}

void zk_timer_stop(zk_loop_t *loop, zk_timer_t *t)
{
    if (!t->idx) return;
    heap_remove(loop, t);
    if (!t->weak) zk__alive_drop(loop);
}

uint64_t zk__timers_next(const zk_loop_t *loop)
{
    return loop->heap_len ? loop->heap[0]->deadline : UINT64_MAX;
}

void zk__timers_run(zk_loop_t *loop)
{
    /* timers started by a callback of this pass wait for the next tick, so a callback that
     * re-arms at `now` cannot spin here forever */
    uint64_t limit = loop->timer_seq;
    while (loop->heap_len) {
        zk_timer_t *t = loop->heap[0];
        if (t->deadline > loop->now || t->seq >= limit) break;
        heap_remove(loop, t);
        if (!t->weak) zk__alive_drop(loop);
        t->cb(loop, t);
    }
}

void zk__timers_fini(zk_loop_t *loop) { free(loop->heap); }
