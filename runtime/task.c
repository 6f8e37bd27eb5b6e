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
    zk__alive_hold(t->loop);
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

/* Unlinks `t` from `list` if it is there. Rare (a task that finished or was cancelled while
 * queued), so a linear walk is fine. */
static int list_remove(zk_task_t **head, zk_task_t **tail, zk_task_t *t)
{
    zk_task_t *prev = NULL;

    for (zk_task_t *it = *head; it; prev = it, it = it->next) {
        if (it != t) continue;
        if (prev)
            prev->next = t->next;
        else
            *head = t->next;
        if (tail && *tail == t) *tail = prev;
        return 1;
    }
    return 0;
}

/* Off whichever queue holds it: the ready queue or the rest of the pass being run. */
static void unqueue(zk_loop_t *loop, zk_task_t *t)
{
    if (!t->queued) return;
    if (!list_remove(&loop->ready_head, &loop->ready_tail, t)) list_remove(&loop->running, NULL, t);
    t->next = NULL;
    t->queued = 0;
}

void zk_task_cancel(zk_task_t *t)
{
    if (t->finished) return;
    unqueue(t->loop, t);
    t->finished = 1;
    zk__alive_drop(t->loop);
}

/* Each pass runs the tasks queued before it began; tasks woken meanwhile go on a fresh ready
 * queue for the next pass. The pass pops its tasks one at a time from loop->running rather than
 * holding a `next` pointer across run() and done(), which may cancel or free any task. */
void zk__tasks_run(zk_loop_t *loop)
{
    loop->running = loop->ready_head;
    loop->ready_head = loop->ready_tail = NULL;
    while (loop->running) {
        zk_task_t *t = loop->running;

        loop->running = t->next;
        t->next = NULL;
        t->queued = 0;
        if (!t->finished && t->run(t) == ZK_READY) {
            t->finished = 1;
            unqueue(loop, t); /* it woke itself before finishing */
            zk__alive_drop(loop);
            if (t->done) t->done(t); /* may free t */
        }
    }
}
