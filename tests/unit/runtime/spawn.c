/* SPDX-License-Identifier: MIT */
/* zk_process_spawn(): exit statuses, signals, errors, many children, pipes, and what the child
 * inherits (fds, signal mask and dispositions, environment). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/zk.h"
#include "tests/unit/runtime/rt.h"
#include "tests/unit/zt.h"

/* One child: its exit future polled by a task, its stdout (when piped) read by a READ op. */
typedef struct kid {
    zk_task_t task;
    zk_process_t proc;
    zk_op_t rd;
    int done, status;
    int eof, rd_err;
    size_t len;
    char out[4096];
} kid_t;

static zk_poll_t kid_run(zk_task_t *t)
{
    kid_t *k = t->data;
    if (zk_poll(&k->proc.exit.base, t) == ZK_PENDING) return ZK_PENDING;
    k->status = k->proc.exit.base.result;
    k->done = 1;
    return ZK_READY;
}

static void rd_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    kid_t *k = op->data;
    if (res > 0) {
        k->len += (size_t)res;
        if (k->len < sizeof k->out - 1) {
            zk_prep_read(op, k->proc.pipe[1], k->out + k->len, sizeof k->out - 1 - k->len, rd_cb,
                         k);
            zk_submit(loop, op);
            return;
        }
    }
    if (res < 0) k->rd_err = res;
    k->out[k->len] = '\0';
    zk_close(loop, k->proc.pipe[1]);
    k->proc.pipe[1] = -1;
    k->eof = 1;
}

/* Spawns argv[0] with opts, watches it (and reads its stdout when piped). 0 or -errno. */
static int kid_start(zk_loop_t *loop, kid_t *k, char *const argv[], const zk_spawn_opts_t *o)
{
    memset(k, 0, sizeof *k);
    int r = zk_process_spawn(&k->proc, argv[0], argv, o);
    if (r < 0) return r;
    zk_task_init(&k->task, loop, kid_run, NULL, k);
    zk_spawn(&k->task);
    if (k->proc.pipe[1] >= 0) {
        zk_prep_read(&k->rd, k->proc.pipe[1], k->out, sizeof k->out - 1, rd_cb, k);
        zk_submit(loop, &k->rd);
    } else {
        k->eof = 1;
    }
    return 0;
}

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1; /* the DIR's own fd */
}

ZT_TEST(spawn_exit_codes)
{
    RT_LOOP(loop);
    char *a0[] = {"/bin/sh", "-c", "exit 0", NULL};
    char *a3[] = {"/bin/sh", "-c", "exit 3", NULL};
    kid_t k0, k3;
    ZT_EQ_INT(kid_start(loop, &k0, a0, NULL), 0);
    ZT_EQ_INT(kid_start(loop, &k3, a3, NULL), 0);
    ZT_CHECK(k0.proc.pid > 0 && k3.proc.pid > 0);
    RT_RUN_UNTIL(loop, k0.done && k3.done, 5000);
    ZT_CHECK(WIFEXITED(k0.status));
    ZT_EQ_INT(WEXITSTATUS(k0.status), 0);
    ZT_CHECK(WIFEXITED(k3.status));
    ZT_EQ_INT(WEXITSTATUS(k3.status), 3);
    ZT_EQ_INT(waitpid(k3.proc.pid, NULL, WNOHANG), -1); /* reaped by the future */
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

ZT_TEST(spawn_killed_by_signal)
{
    RT_LOOP(loop);
    char *argv[] = {"/bin/sleep", "30", NULL};
    kid_t k;
    ZT_EQ_INT(kid_start(loop, &k, argv, NULL), 0);
    ZT_EQ_INT(rt_run_for(loop, 50), 0);
    ZT_EQ_INT(k.done, 0); /* still running: the future waits */
    ZT_EQ_INT(kill(k.proc.pid, SIGKILL), 0);
    RT_RUN_UNTIL(loop, k.done, 5000);
    ZT_CHECK(WIFSIGNALED(k.status));
    ZT_EQ_INT(WTERMSIG(k.status), 9);
    zk_loop_free(loop);
}

ZT_TEST(spawn_missing_program)
{
    int before = count_fds();
    zk_process_t p;
    zk_spawn_opts_t o = {0};
    o.stdio[1].kind = ZK_STDIO_PIPE; /* the pipe must not outlive the failure */
    char *argv[] = {"/nonexistent/zk-no-such-program", NULL};
    ZT_EQ_INT(zk_process_spawn(&p, argv[0], argv, &o), -ENOENT);
    ZT_EQ_INT(p.pipe[1], -1);
    char *argv2[] = {"zk-no-such-program-in-path", NULL};
    o.search_path = 1;
    ZT_EQ_INT(zk_process_spawn(&p, argv2[0], argv2, &o), -ENOENT);
    ZT_EQ_INT(count_fds(), before);
    ZT_EQ_INT(waitpid(-1, NULL, WNOHANG), -1); /* no child was left behind */
    ZT_EQ_INT(errno, ECHILD);
}

#define MANY 64

static int count_done(const kid_t *k, int n)
{
    int done = 0;
    for (int i = 0; i < n; i++)
        done += k[i].done;
    return done;
}

ZT_TEST(spawn_many_at_once)
{
    RT_LOOP(loop);
    static kid_t kids[MANY];
    char code[MANY][16];
    for (int i = 0; i < MANY; i++) {
        snprintf(code[i], sizeof code[i], "exit %d", i * 3);
        char *argv[] = {"/bin/sh", "-c", code[i], NULL};
        ZT_EQ_INT(kid_start(loop, &kids[i], argv, NULL), 0);
    }
    RT_RUN_UNTIL(loop, count_done(kids, MANY) == MANY, 20000);
    for (int i = 0; i < MANY; i++) {
        if (!WIFEXITED(kids[i].status) || WEXITSTATUS(kids[i].status) != i * 3)
            ZT_FAIL("child %d: status %#x", i, kids[i].status);
    }
    zk_loop_free(loop);
}

/* Runs argv with stdout piped (stdin and stderr as o says) and waits for exit and EOF. */
#define RUN_PIPED(loop, k, argv, o)                                                                \
    do {                                                                                           \
        (o)->stdio[1].kind = ZK_STDIO_PIPE;                                                        \
        ZT_EQ_INT(kid_start((loop), (k), (argv), (o)), 0);                                         \
        ZT_CHECK((k)->proc.pipe[1] >= 0);                                                          \
        ZT_CHECK(fcntl((k)->proc.pipe[1], F_GETFL) & O_NONBLOCK);                                  \
        ZT_CHECK(fcntl((k)->proc.pipe[1], F_GETFD) & FD_CLOEXEC);                                  \
        RT_RUN_UNTIL((loop), (k)->done && (k)->eof, 5000);                                         \
        ZT_EQ_INT((k)->rd_err, 0);                                                                 \
    } while (0)

ZT_TEST(spawn_stdout_through_pipe)
{
    RT_LOOP(loop);
    /* more than one pipe buffer's worth, so the reads interleave with the child's writes */
    char *argv[] = {
        "/bin/sh", "-c",
        "i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done | tail -n 2; echo out-done",
        NULL};
    zk_spawn_opts_t o = {0};
    kid_t k;
    RUN_PIPED(loop, &k, argv, &o);
    ZT_EQ_STR(k.out, "line19998\nline19999\nout-done\n");
    ZT_EQ_INT(WEXITSTATUS(k.status), 0);
    zk_loop_free(loop);
}

/* Every fd of the parent above 2 must be in the child exactly when it is not close-on-exec
 * (the test's own environment may pass some down); `out` lists the child's fds, one a line, and
 * `own` is the child's own extra fd (ls's directory). Returns the first wrong fd, or -1. */
static int fd_mismatch(const char *out, int own)
{
    char seen[1024] = {0};
    for (const char *q = out; *q;) {
        int fd = atoi(q);
        if (fd >= 0 && fd < (int)sizeof seen) seen[fd] = 1;
        q = strchr(q, '\n');
        if (!q) break;
        q++;
    }
    for (int fd = 3; fd < (int)sizeof seen; fd++) {
        if (fd == own) continue;
        int fl = fcntl(fd, F_GETFD);
        int inherited = fl >= 0 && !(fl & FD_CLOEXEC);
        if (seen[fd] != inherited) return fd;
    }
    return seen[own] && seen[0] && seen[1] && seen[2] ? -1 : own;
}

/* The child gets nothing of ours: not the loop's ring / epoll / eventfd, not the other end of its
 * own pipe, not another child's pidfd or pipe. A non-close-on-exec fd opened on purpose shows the
 * check sees a leak. */
ZT_TEST(spawn_no_fd_leaks_into_child)
{
    RT_LOOP(loop);
    char *sleeper[] = {"/bin/sleep", "30", NULL};
    zk_spawn_opts_t so = {0};
    so.stdio[1].kind = ZK_STDIO_PIPE; /* another child's pipe and pidfd stay open meanwhile */
    kid_t s;
    ZT_EQ_INT(kid_start(loop, &s, sleeper, &so), 0);
    /* ls opens /proc/self/fd itself as its lowest free fd: 3 */
    char *argv[] = {"/bin/ls", "/proc/self/fd", NULL};
    zk_spawn_opts_t o = {0};
    o.stdio[0].kind = ZK_STDIO_NULL;
    o.stdio[2].kind = ZK_STDIO_NULL;
    kid_t k;
    int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: must show */
    ZT_CHECK(leak > 3);
    RUN_PIPED(loop, &k, argv, &o);
    char want[32];
    snprintf(want, sizeof want, "\n%d\n", leak);
    ZT_CHECK(strstr(k.out, want) != NULL);
    ZT_EQ_INT(fd_mismatch(k.out, 3), -1);
    close(leak);
    ZT_CHECK(fcntl(k.proc.exit.pidfd, F_GETFD) < 0); /* closed once READY: reused below */
    RUN_PIPED(loop, &k, argv, &o);
    ZT_CHECK(strstr(k.out, want) == NULL);
    if (fd_mismatch(k.out, 3) != -1) ZT_FAIL("fd %d; child has:\n%s", fd_mismatch(k.out, 3), k.out);
    kill(s.proc.pid, SIGKILL);
    RT_RUN_UNTIL(loop, s.done && s.eof, 5000);
    zk_loop_free(loop);
}

/* zk_loop_new() ignored SIGPIPE and the test blocks SIGUSR1: the child gets neither. (glibc
 * leaves its internal signals 32 and 33 ignored in a posix_spawn child; only 1-31 are checked.) */
ZT_TEST(spawn_child_signals_reset)
{
    RT_LOOP(loop);
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ZT_EQ_INT(sigprocmask(SIG_BLOCK, &usr1, &old), 0);
    char *argv[] = {"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL};
    zk_spawn_opts_t o = {0};
    kid_t k;
    RUN_PIPED(loop, &k, argv, &o);
    sigprocmask(SIG_SETMASK, &old, NULL);
    unsigned long long blk = 1, ign = 1;
    ZT_EQ_INT(sscanf(k.out, "SigBlk:\t%llx\nSigIgn:\t%llx", &blk, &ign), 2);
    if ((blk | ign) & 0x7fffffffull) ZT_FAIL("child: %s", k.out);
    zk_loop_free(loop);
}

/* envp replaces the environment; search_path finds a bare name in $PATH; stdin from a pipe. */
ZT_TEST(spawn_env_path_and_stdin)
{
    RT_LOOP(loop);
    char *env[] = {"ZK_SPAWN_TEST=forty-two", "PATH=/usr/bin:/bin", NULL};
    char *argv[] = {"sh", "-c", "echo \"$ZK_SPAWN_TEST ${HOME:-nohome}\"; cat", NULL};
    zk_spawn_opts_t o = {0};
    o.envp = env;
    o.search_path = 1;
    o.stdio[0].kind = ZK_STDIO_PIPE;
    o.stdio[1].kind = ZK_STDIO_PIPE;
    kid_t k;
    ZT_EQ_INT(kid_start(loop, &k, argv, &o), 0);
    ZT_CHECK(k.proc.pipe[0] >= 0);
    ZT_EQ_INT(write(k.proc.pipe[0], "from-stdin\n", 11), 11);
    zk_close(loop, k.proc.pipe[0]); /* EOF for cat */
    RT_RUN_UNTIL(loop, k.done && k.eof, 5000);
    ZT_EQ_STR(k.out, "forty-two nohome\nfrom-stdin\n");
    ZT_EQ_INT(WEXITSTATUS(k.status), 0);
    zk_loop_free(loop);
}

/* A caller whose own fds 0 and 1 are closed: the pipes land there, and the child still gets each
 * stream where it was asked for (the sources are moved above 2 before the dup2()s into place). */
ZT_TEST(spawn_stdio_when_caller_lacks_0_and_1)
{
    RT_LOOP(loop);
    close(0); /* the test runs in its own child, which reports through another fd */
    close(1);
    /* given fds swapped: stdout to pipe b, stderr to our fd 1 (pipe a's write end) */
    int a[2], b[2];
    int r2 = pipe2(a, O_CLOEXEC) == 0 && pipe2(b, O_CLOEXEC) == 0 ? 0 : -errno;
    int a_at_1 = a[1] == 1;
    zk_process_t q;
    zk_spawn_opts_t o2 = {0};
    o2.stdio[1].kind = o2.stdio[2].kind = ZK_STDIO_FD;
    o2.stdio[1].fd = b[1];
    o2.stdio[2].fd = a[1];
    char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2", NULL};
    int r3 = r2 ? r2 : zk_process_spawn(&q, argv[0], argv, &o2);
    if (!r2) { /* 0 and 1 free again */
        close(a[1]);
        close(b[1]);
        int hi = fcntl(a[0], F_DUPFD_CLOEXEC, 3);
        close(a[0]);
        a[0] = hi;
    }
    /* stderr on a pipe whose child end lands on our fd 1, stdout /dev/null (opened at 1 in the
     * child) */
    zk_spawn_opts_t o = {0};
    o.stdio[1].kind = ZK_STDIO_NULL;
    o.stdio[2].kind = ZK_STDIO_PIPE;
    zk_process_t p;
    int r = zk_process_spawn(&p, argv[0], argv, &o);
    int mine_at_0 = r == 0 && p.pipe[2] == 0;
    ZT_EQ_INT(r, 0);
    ZT_EQ_INT(r2, 0);
    ZT_EQ_INT(r3, 0);
    ZT_CHECK(a_at_1);
    ZT_CHECK(mine_at_0); /* so the child's end was at 1 */
    char buf[64];
    long n = rt_read_full(p.pipe[2], buf, sizeof buf - 1, 5000);
    ZT_CHECK(n >= 0);
    buf[n] = '\0';
    ZT_EQ_STR(buf, "err\n");
    n = rt_read_full(b[0], buf, sizeof buf - 1, 5000);
    ZT_CHECK(n >= 0);
    buf[n] = '\0';
    ZT_EQ_STR(buf, "out\n");
    n = rt_read_full(a[0], buf, sizeof buf - 1, 5000);
    ZT_CHECK(n >= 0);
    buf[n] = '\0';
    ZT_EQ_STR(buf, "err\n");
    kid_t k1 = {0}, k2 = {0};
    k1.proc = p;
    k2.proc = q;
    zk_close(loop, p.pipe[2]);
    zk_task_init(&k1.task, loop, kid_run, NULL, &k1);
    zk_task_init(&k2.task, loop, kid_run, NULL, &k2);
    zk_spawn(&k1.task);
    zk_spawn(&k2.task);
    RT_RUN_UNTIL(loop, k1.done && k2.done, 5000);
    ZT_EQ_INT(k1.status, 0);
    ZT_EQ_INT(k2.status, 0);
    close(a[0]);
    close(b[0]);
    zk_loop_free(loop);
}
