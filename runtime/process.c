/* SPDX-License-Identifier: MIT */
/* zokio: child exit through pidfd, signals through signalfd. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/internal.h"
#include "runtime/process.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum { C_INIT, C_WAIT, C_DONE };

static zk_poll_t child_poll(zk_future_t *base, zk_task_t *t)
{
    zk_child_future_t *f = (zk_child_future_t *)base;
    for (;;) {
        if (f->st == C_DONE) return ZK_READY;
        if (f->st == C_INIT) {
            zk_fut_poll(&f->poll, f->pidfd, POLLIN);
            f->st = C_WAIT;
        }
        if (zk_poll(&f->poll.base, t) == ZK_PENDING) return ZK_PENDING;
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (f->poll.base.result < 0) {
            base->result = f->poll.base.result;
        } else if (waitid((idtype_t)P_PIDFD, (id_t)f->pidfd, &si, WEXITED | WNOHANG) < 0) {
            base->result = -errno;
        } else if (si.si_pid == 0) {
            f->st = C_INIT; /* woken early: wait again */
            continue;
        } else {
            base->result = si.si_code == CLD_EXITED
                               ? (si.si_status & 0xff) << 8
                               : (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
        }
        zk_close(t->loop, f->pidfd); /* zk_close: the epoll backend must forget the fd too */
        f->pidfd = -1;
        f->st = C_DONE;
        return ZK_READY;
    }
}

static void child_cancel(zk_future_t *base)
{
    zk_child_future_t *f = (zk_child_future_t *)base;
    if (f->st == C_WAIT) zk_future_cancel(&f->poll.base);
}

static const zk_future_vt_t child_vt = {child_poll, child_cancel};

int zk_fut_child(zk_child_future_t *f, pid_t pid)
{
    memset(f, 0, sizeof *f);
    f->base.vt = &child_vt;
    f->pid = pid;
    f->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (f->pidfd < 0) {
        f->base.result = -errno;
        f->st = C_DONE;
        return f->base.result;
    }
    return 0;
}

/* ---- signals ---- */

static void sig_read_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    zk_signals_t *s = op->data;
    if (res == -ECANCELED || s->fd < 0) {
        if (s->fd >= 0) zk_close(loop, s->fd);
        s->fd = -1;
        return;
    }
    if (res == (int)sizeof(struct signalfd_siginfo)) {
        struct signalfd_siginfo si;
        memcpy(&si, s->info, sizeof si);
        s->cb(loop, s, (int)si.ssi_signo);
    }
    if (op->state == ZK_OPS_IDLE && s->fd >= 0 && !s->stopped) {
        zk_prep_read(&s->op, s->fd, s->info, sizeof(struct signalfd_siginfo), sig_read_cb, s);
        s->op.flags |= ZK_OP_F_INTERNAL;
        zk_submit(loop, &s->op);
    }
}

int zk_signals_start(zk_loop_t *loop, zk_signals_t *s, const sigset_t *set, zk_signal_cb cb)
{
    memset(&s->op, 0, sizeof s->op);
    s->cb = cb;
    s->set = *set;
    sigset_t old;
    if (sigprocmask(SIG_BLOCK, set, &old) < 0) return -errno;
    s->fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->fd < 0) { /* nobody would read them: a blocked signal would be lost for good */
        int r = -errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
    }
    zk_prep_read(&s->op, s->fd, s->info, sizeof(struct signalfd_siginfo), sig_read_cb, s);
    s->op.flags |= ZK_OP_F_INTERNAL;
    return zk_submit(loop, &s->op);
}

void zk_signals_stop(zk_loop_t *loop, zk_signals_t *s)
{
    s->stopped = 1; /* no re-arm */
    sigprocmask(SIG_UNBLOCK, &s->set, NULL);
    if (zk_cancel(loop, &s->op) == -ENOENT && s->fd >= 0) {
        zk_close(loop, s->fd);
        s->fd = -1;
    }
}
