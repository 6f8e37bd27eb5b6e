/* SPDX-License-Identifier: MIT */
/* Child exit (pidfd) and signal delivery (signalfd) on the loop. */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/zk.h"
#include "tests/unit/runtime/rt.h"
#include "tests/unit/zt.h"

typedef struct {
    zk_task_t task;
    zk_child_future_t child;
    int done, status;
} child_task_t;

static zk_poll_t child_run(zk_task_t *t)
{
    child_task_t *c = t->data;
    if (zk_poll(&c->child.base, t) == ZK_PENDING) return ZK_PENDING;
    c->status = c->child.base.result;
    c->done = 1;
    return ZK_READY;
}

static int watch_child(zk_loop_t *loop, pid_t pid, child_task_t *c)
{
    int r = zk_fut_child(&c->child, pid);
    zk_task_init(&c->task, loop, child_run, NULL, c);
    zk_spawn(&c->task);
    return r;
}

ZT_TEST(process_child_exit_status)
{
    RT_LOOP(loop);
    pid_t pid = fork();
    ZT_CHECK(pid >= 0);
    if (pid == 0) {
        usleep(30000);
        _exit(7);
    }
    child_task_t c = {0};
    ZT_EQ_INT(watch_child(loop, pid, &c), 0);
    RT_RUN_UNTIL(loop, c.done, 3000);
    if (!WIFEXITED(c.status)) ZT_FAIL("status %d", c.status);
    ZT_EQ_INT(WEXITSTATUS(c.status), 7);
    ZT_EQ_INT(waitpid(pid, NULL, WNOHANG), -1); /* reaped by the future */
    zk_loop_free(loop);
}

ZT_TEST(process_child_killed)
{
    RT_LOOP(loop);
    pid_t pid = fork();
    ZT_CHECK(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    child_task_t c = {0};
    ZT_EQ_INT(watch_child(loop, pid, &c), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    ZT_EQ_INT(c.done, 0);
    kill(pid, SIGKILL);
    RT_RUN_UNTIL(loop, c.done, 3000);
    ZT_CHECK(WIFSIGNALED(c.status));
    ZT_EQ_INT(WTERMSIG(c.status), SIGKILL);
    zk_loop_free(loop);
}

ZT_TEST(process_child_not_ours)
{
    zk_child_future_t f;
    ZT_CHECK(zk_fut_child(&f, 0x7ffffff0) < 0); /* no such pid */
}

static int got_usr1, got_usr2;

static void on_sig(zk_loop_t *loop, zk_signals_t *s, int signo)
{
    (void)loop;
    (void)s;
    if (signo == SIGUSR1) got_usr1++;
    if (signo == SIGUSR2) got_usr2++;
}

ZT_TEST(process_signals_delivered)
{
    RT_LOOP(loop);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    zk_signals_t sg;
    ZT_EQ_INT(zk_signals_start(loop, &sg, &set, on_sig), 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0); /* signals do not keep the loop alive */
    kill(getpid(), SIGUSR1);
    RT_RUN_UNTIL(loop, got_usr1 == 1, 2000);
    kill(getpid(), SIGUSR2);
    RT_RUN_UNTIL(loop, got_usr2 == 1, 2000);
    kill(getpid(), SIGUSR1);
    RT_RUN_UNTIL(loop, got_usr1 == 2, 2000);
    zk_signals_stop(loop, &sg);
    zk_loop_run(loop, ZK_RUN_NOWAIT);
    ZT_EQ_INT(sg.fd, -1); /* closed once the read settled */
    zk_loop_free(loop);
}

static void never_cb(zk_loop_t *loop, zk_signals_t *s, int signo)
{
    (void)loop;
    (void)s;
    (void)signo;
}

/* No fd left for the signalfd: zk_signals_start() fails and leaves the signal mask as it was (a
 * blocked SIGUSR2 with nobody reading it would be lost for good). */
ZT_TEST(process_signals_start_fails_cleanly)
{
    RT_LOOP(loop);
    sigset_t set, before, after;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    ZT_EQ_INT(sigprocmask(SIG_SETMASK, NULL, &before), 0);
    ZT_CHECK(!sigismember(&before, SIGUSR2));
    struct rlimit rl, low;
    ZT_EQ_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
    low = rl;
    low.rlim_cur = 256;
    ZT_EQ_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
    static int fds[256];
    int n = 0;
    for (int fd; n < 256 && (fd = dup(0)) >= 0;)
        fds[n++] = fd;
    zk_signals_t s;
    int r = zk_signals_start(loop, &s, &set, never_cb);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    ZT_EQ_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
    ZT_EQ_INT(r, -EMFILE);
    ZT_EQ_INT(sigprocmask(SIG_SETMASK, NULL, &after), 0);
    ZT_CHECK(!sigismember(&after, SIGUSR2));
    zk_loop_free(loop);
}
