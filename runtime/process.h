/* SPDX-License-Identifier: MIT */
/* zokio: child-process exit and signals, delivered on the loop.
 *
 * A child is watched through a pidfd (a POLLIN op on it, then waitid(P_PIDFD)); signals through
 * a signalfd read by a READ op. Both ride on the ordinary op machinery, so they work the same on
 * io_uring and epoll. */
#ifndef ZK_PROCESS_H
#define ZK_PROCESS_H

#include <signal.h>
#include <sys/types.h>

#include "runtime/future.h"

/* READY when child `pid` has exited; result = its wait status (as waitpid() gives it: use
 * WIFEXITED / WEXITSTATUS / WTERMSIG), or -errno. The child is reaped. Caller-owned. */
typedef struct zk_child_future {
    zk_future_t base;
    zk_io_future_t poll;
    pid_t pid;
    int pidfd;
    uint8_t st;
} zk_child_future_t;

/* Returns 0, or -errno when the pid cannot be watched (then the future is READY with it). */
int zk_fut_child(zk_child_future_t *f, pid_t pid);

/* ---- spawning a child (runtime/spawn.c) ---- */

/* What a child's stdin / stdout / stderr is. */
typedef enum {
    ZK_STDIO_INHERIT = 0, /* the caller's own fd 0 / 1 / 2 (the default: a zeroed zk_stdio_t) */
    ZK_STDIO_NULL,        /* /dev/null */
    ZK_STDIO_PIPE,        /* a new pipe; the caller's end is in zk_process_t.pipe[i] */
    ZK_STDIO_FD,          /* zk_stdio_t.fd (any, even another of 0-2), dup2()'d into place; the
                           * caller keeps its copy */
} zk_stdio_kind_t;

typedef struct zk_stdio {
    zk_stdio_kind_t kind;
    int fd; /* ZK_STDIO_FD only */
} zk_stdio_t;

/* Options of zk_process_spawn(); a zeroed struct (or NULL) inherits all three fds and the
 * environment and takes `path` as it is. */
typedef struct zk_spawn_opts {
    char *const *envp; /* NULL: the caller's environ */
    int search_path;   /* 1: a path without a slash is looked up in $PATH (posix_spawnp) */
    zk_stdio_t stdio[3];
} zk_spawn_opts_t;

/* A spawned child. Caller-owned (embed it in a task's state). */
typedef struct zk_process {
    zk_child_future_t exit; /* READY with the wait status once the child has exited (reaped) */
    pid_t pid;
    /* The caller's ends of ZK_STDIO_PIPE streams, -1 for the others: pipe[0] writes to the
     * child's stdin, pipe[1] / pipe[2] read its stdout / stderr. Non-blocking and close-on-exec,
     * owned by the caller: read them with zk_prep_read() / a READ op and close them with
     * zk_close(). */
    int pipe[3];
} zk_process_t;

/* Starts `path` with argv (NULL-terminated, argv[0] included) through posix_spawn(3), and arms
 * p->exit (a zk_fut_child() on the child's pidfd: a POLL op on io_uring and on epoll alike; poll
 * it from a task). Every fd zokio opens is close-on-exec, so the child gets only 0, 1 and 2; it
 * starts with no signal blocked and every signal at its default (not zokio's ignored SIGPIPE).
 * Returns 0 with p->pid set, or -errno (-ENOENT: no such program, -EACCES: not executable, ...);
 * on failure no child runs and no fd is left open. Nothing else may reap the child (no
 * waitpid(-1) elsewhere, SIGCHLD not ignored). */
int zk_process_spawn(zk_process_t *p, const char *path, char *const argv[],
                     const zk_spawn_opts_t *opts);

/* Signal delivery: the signals in `set` are blocked for the calling thread and read from a
 * signalfd; `cb` runs on the loop for each one. Does not keep the loop alive. Caller-owned. */
typedef struct zk_signals zk_signals_t;
typedef void (*zk_signal_cb)(zk_loop_t *loop, zk_signals_t *s, int signo);
struct zk_signals {
    zk_op_t op;
    zk_signal_cb cb;
    void *data;
    int fd;
    uint8_t stopped; /* zk_signals_stop() was called: no re-arm */
    sigset_t set;
    char info[128]; /* one struct signalfd_siginfo */
};

int zk_signals_start(zk_loop_t *loop, zk_signals_t *s, const sigset_t *set, zk_signal_cb cb);
/* Stops reading (the op is cancelled; the fd closes when it has settled) and unblocks the set. */
void zk_signals_stop(zk_loop_t *loop, zk_signals_t *s);

#endif
