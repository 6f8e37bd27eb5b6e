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
