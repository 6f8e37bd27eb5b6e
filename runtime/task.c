/* SPDX-License-Identifier: MIT */
/* zokio: tasks and the ready queue. A task is run once per wake-up; the loop drains the queue once
 * per tick (zk__tasks_run), so a task that keeps waking itself cannot starve I/O. */
#include <stddef.h>

#include "runtime/future.h"
#include "runtime/internal.h"

void zk_task_init(zk_task_t *t, zk_loop_t *loop, zk_task_fn run, zk_task_done_fn done, void *data)
{
    t->loop = loop;
    t->run = run;
    t->done = done;
    t->data = data;
    t->next = NULL;
    t->queued = 0;
    t->finished = 0;
}

void zk_spawn(zk_task_t *t)
{
    t->finished = 0;
    t->loop->alive++;
    zk_task_wake(t);
}

void zk_task_wake(zk_task_t *t)
{
    zk_loop_t *loop = t->loop;

    if (t->queued || t->finished) return;
    t->queued = 1;
    t->next = NULL;
    if (loop->ready_tail)
        loop->ready_tail->next = t;
    else
        loop->ready_head = t;
    loop->ready_tail = t;
}

/* A task that woke itself and then finished in the same run() sits on the ready queue; unlink it
 * before done() may free it. Rare, so a linear walk is fine. */
static void ready_remove(zk_loop_t *loop, zk_task_t *t)
{
    zk_task_t *prev = NULL;

    for (zk_task_t *it = loop->ready_head; it; prev = it, it = it->next) {
        if (it != t) continue;
        if (prev)
            prev->next = t->next;
        else
            loop->ready_head = t->next;
        if (loop->ready_tail == t) loop->ready_tail = prev;
        break;
    }
    t->next = NULL;
    t->queued = 0;
}

void zk__tasks_run(zk_loop_t *loop)
{
    zk_task_t *t = loop->ready_head;

    /* tasks woken from here on go on a fresh list and run on the next pass */
    loop->ready_head = loop->ready_tail = NULL;
    while (t) {
        zk_task_t *next = t->next;

        t->next = NULL;
        t->queued = 0;
        if (!t->finished && t->run(t) == ZK_READY) {
            t->finished = 1;
            if (t->queued) ready_remove(loop, t);
            loop->alive--;
            if (t->done) t->done(t); /* may free t */
        }
        t = next;
    }
}
