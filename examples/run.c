/* SPDX-License-Identifier: MIT */
/* run PROG [ARG...]: spawns PROG (looked up in $PATH) with its stdout on a pipe, copies what it
 * writes to our stdout as it comes, then awaits its exit and prints the status on stderr. One
 * task drives it all on the futures API: a read future on the pipe until EOF, then the child's
 * exit future (a pidfd: polled on epoll, a POLL op on io_uring). Exits with the child's code,
 * 128 + the signal that killed it, or 127 when PROG cannot be started. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/zk.h"

enum { R_READ, R_CLOSE, R_EXIT };

typedef struct run {
    zk_task_t task;
    zk_process_t proc;
    zk_io_future_t io; /* the read in flight, then the pipe's close */
    int st, code;
    char buf[4096];
} run_t;

/* Writes what the child wrote; returns 0, or -1 when our stdout is gone. */
static int put(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void report(run_t *r, int status)
{
    if (status < 0) {
        fprintf(stderr, "run: waiting for the child: %s\n", strerror(-status));
        r->code = 127;
    } else if (WIFEXITED(status)) {
        fprintf(stderr, "run: exited with status %d\n", WEXITSTATUS(status));
        r->code = WEXITSTATUS(status);
    } else {
        fprintf(stderr, "run: killed by signal %d (%s)\n", WTERMSIG(status),
                strsignal(WTERMSIG(status)));
        r->code = 128 + WTERMSIG(status);
    }
}

static zk_poll_t run_task(zk_task_t *t)
{
    run_t *r = t->data;
    for (;;) {
        switch (r->st) {
        case R_READ:
            if (zk_poll(&r->io.base, t) == ZK_PENDING) return ZK_PENDING;
            if (r->io.base.result > 0 && put(r->buf, (size_t)r->io.base.result) == 0) {
                zk_fut_read(&r->io, r->proc.pipe[1], r->buf, sizeof r->buf);
                break;
            }
            /* EOF (the child closed its stdout, usually by exiting) or an error */
            zk_fut_close(&r->io, r->proc.pipe[1]);
            r->st = R_CLOSE;
            break;
        case R_CLOSE:
            if (zk_poll(&r->io.base, t) == ZK_PENDING) return ZK_PENDING;
            r->st = R_EXIT;
            break;
        default: /* R_EXIT */
            if (zk_poll(&r->proc.exit.base, t) == ZK_PENDING) return ZK_PENDING;
            report(r, r->proc.exit.base.result);
            return ZK_READY;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: run PROG [ARG...]\n");
        return 2;
    }
    zk_loop_t *loop;
    zk_loop_opts_t o = {.quiet = 1};
    int rc = zk_loop_new(&loop, &o);
    if (rc < 0) {
        fprintf(stderr, "run: zk_loop_new: %s\n", strerror(-rc));
        return 1;
    }
    static run_t r;
    zk_spawn_opts_t so = {.search_path = 1};
    so.stdio[1].kind = ZK_STDIO_PIPE; /* stdin and stderr: ours */
    rc = zk_process_spawn(&r.proc, argv[1], argv + 1, &so);
    if (rc < 0) {
        fprintf(stderr, "run: %s: %s\n", argv[1], strerror(-rc));
        zk_loop_free(loop);
        return 127;
    }
    zk_fut_read(&r.io, r.proc.pipe[1], r.buf, sizeof r.buf);
    zk_task_init(&r.task, loop, run_task, NULL, &r);
    zk_spawn(&r.task);
    rc = zk_loop_run(loop, ZK_RUN_DEFAULT);
    zk_loop_free(loop);
    return rc < 0 ? 1 : r.code;
}
