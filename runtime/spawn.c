/* SPDX-License-Identifier: MIT */
/* zokio: spawning a child with posix_spawn(3) and watching it through the child-exit future.
 *
 * glibc's posix_spawn reports an exec failure (ENOENT, EACCES) as its own return value, so a
 * missing program is an error here rather than a child exiting 127. The pidfd is opened after
 * the spawn: the pid cannot be reused before it is reaped, and only p->exit reaps it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/process.h"

extern char **environ;

/* An fd the child must find at 0, 1 or 2 is first copied (close-on-exec) above 2 in the parent:
 * the dup2()s into 0, 1, 2 run in order, and one of them would replace a source still to come
 * (a caller whose own 0 or 1 was closed gets a pipe end there). */
static int above_std(int fd)
{
    if (fd > 2) return fd;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int r = hi < 0 ? -errno : hi;
    close(fd);
    return r;
}

/* What the child gets at 0, 1, 2 (theirs[i], parent-side fds to close after the spawn) and the
 * caller's ends of the pipes (mine[i]). */
static int open_stdio(const zk_spawn_opts_t *o, int mine[3], int theirs[3])
{
    for (int i = 0; i < 3; i++) {
        int fds[2];
        switch (o->stdio[i].kind) {
        case ZK_STDIO_PIPE:
            if (pipe2(fds, O_CLOEXEC) < 0) return -errno;
            mine[i] = fds[i == 0 ? 1 : 0];
            theirs[i] = above_std(fds[i == 0 ? 0 : 1]);
            if (theirs[i] < 0) return theirs[i];
            /* only the caller's end is the loop's; the child gets an ordinary blocking fd */
            if (fcntl(mine[i], F_SETFL, O_NONBLOCK) < 0) return -errno;
            break;
        case ZK_STDIO_FD:
            theirs[i] = fcntl(o->stdio[i].fd, F_DUPFD_CLOEXEC, 3);
            if (theirs[i] < 0) return -errno;
            break;
        default: break;
        }
    }
    return 0;
}

static int stdio_actions(posix_spawn_file_actions_t *fa, const zk_spawn_opts_t *o,
                         const int theirs[3])
{
    int r = 0;
    for (int i = 0; i < 3 && r == 0; i++) {
        switch (o->stdio[i].kind) {
        case ZK_STDIO_INHERIT: break;
        case ZK_STDIO_NULL:
            r = posix_spawn_file_actions_addopen(fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
            break;
        /* theirs[i] > 2: dup2 makes a copy without close-on-exec */
        case ZK_STDIO_PIPE:
        case ZK_STDIO_FD: r = posix_spawn_file_actions_adddup2(fa, theirs[i], i); break;
        default: r = EINVAL;
        }
    }
    return -r;
}

/* zk_loop_new() ignores SIGPIPE and zk_signals_start() blocks the signals it reads: both would
 * survive the exec, so the child starts with an empty mask and every signal at its default. */
static int sig_defaults(posix_spawnattr_t *at)
{
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int r = posix_spawnattr_setsigmask(at, &none);
    if (!r) r = posix_spawnattr_setsigdefault(at, &all);
    if (!r) r = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return -r;
}

static void close_all(int fds[3])
{
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) close(fds[i]);
        fds[i] = -1;
    }
}

/* The child runs: watch it. Without a pidfd nobody could reap it, so it is killed and reaped. */
static int watch(zk_process_t *p, pid_t pid)
{
    int r = zk_fut_child(&p->exit, pid);
    if (r < 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        return r;
    }
    p->pid = pid;
    return 0;
}

int zk_process_spawn(zk_process_t *p, const char *path, char *const argv[],
                     const zk_spawn_opts_t *opts)
{
    static const zk_spawn_opts_t none;
    const zk_spawn_opts_t *o = opts ? opts : &none;
    int theirs[3] = {-1, -1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid = -1;
    memset(p, 0, sizeof *p);
    p->pid = -1;
    p->pipe[0] = p->pipe[1] = p->pipe[2] = -1;
    int r = -posix_spawnattr_init(&at);
    if (r < 0) return r;
    if ((r = -posix_spawn_file_actions_init(&fa)) < 0) {
        posix_spawnattr_destroy(&at);
        return r;
    }
    if ((r = sig_defaults(&at)) < 0) goto fail;
    if ((r = open_stdio(o, p->pipe, theirs)) < 0) goto fail;
    if ((r = stdio_actions(&fa, o, theirs)) < 0) goto fail;
    char *const *envp = o->envp ? o->envp : environ;
    r = -(o->search_path ? posix_spawnp : posix_spawn)(&pid, path, &fa, &at, argv, envp);
    if (r < 0) goto fail;
    close_all(theirs);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if ((r = watch(p, pid)) < 0) close_all(p->pipe);
    return r;
fail:
    close_all(theirs);
    close_all(p->pipe);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return r;
}
