/* SPDX-License-Identifier: MIT */
/*
 * zt runner: registry, check helpers and main(). Each test runs in a forked child so that a
 * crash, a sanitizer abort or a hang is that test's failure and the run goes on. The child sends
 * its verdict through a pipe and then exit()s normally, so LeakSanitizer checks each test.
 */
#include "tests/unit/zt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ZT_SUITE
#define ZT_SUITE "unit"
#endif

#define ZT_DEFAULT_TIMEOUT 20
#define ZT_MSG_MAX         1024

enum zt_state { ZT_STATE_PASS, ZT_STATE_FAIL, ZT_STATE_SKIP };

struct zt_entry {
    const char *name;
    zt_fn fn;
    const char *file;
    int line;
};

/* What a child reports; small enough for one atomic pipe write (PIPE_BUF). */
struct zt_verdict {
    int state;
    char msg[ZT_MSG_MAX];
};

struct zt_counts {
    unsigned passed, failed, skipped;
};

static struct zt_entry *zt_tests;
static size_t zt_ntests, zt_cap;
static struct zt_verdict zt_cur;

void zt_register(const char *name, zt_fn fn, const char *file, int line)
{
    if (zt_ntests == zt_cap) {
        size_t cap = zt_cap ? zt_cap * 2 : 64;
        struct zt_entry *t = realloc(zt_tests, cap * sizeof(*t));
        if (!t) {
            fputs("zt: out of memory registering tests\n", stderr);
            abort();
        }
        zt_tests = t;
        zt_cap = cap;
    }
    zt_tests[zt_ntests++] = (struct zt_entry){name, fn, file, line};
}

void zt_fail_at(const char *file, int line, const char *fmt, ...)
{
    if (zt_cur.state == ZT_STATE_FAIL) return;
    zt_cur.state = ZT_STATE_FAIL;
    int n = snprintf(zt_cur.msg, sizeof(zt_cur.msg), "%s:%d: ", file, line);
    if (n < 0 || (size_t)n >= sizeof(zt_cur.msg)) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(zt_cur.msg + n, sizeof(zt_cur.msg) - (size_t)n, fmt, ap);
    va_end(ap);
}

void zt_fail_str(const char *file, int line, const char *ea, const char *eb, const char *a,
                 const char *b)
{
    const char *qa = a ? "\"" : "", *qb = b ? "\"" : "";
    zt_fail_at(file, line, "%s == %s (%s%s%s != %s%s%s)", ea, eb, qa, a ? a : "NULL", qa, qb,
               b ? b : "NULL", qb);
}

void zt_skip_msg(const char *fmt, ...)
{
    if (zt_cur.state != ZT_STATE_PASS) return;
    zt_cur.state = ZT_STATE_SKIP;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(zt_cur.msg, sizeof(zt_cur.msg), fmt, ap);
    va_end(ap);
}

int zt_failed(void) { return zt_cur.state == ZT_STATE_FAIL; }

int zt_streq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

const char *zt_backend(void)
{
    const char *b = getenv("ZOKIOD_BACKEND");
    return (b && *b) ? b : "auto";
}

/* the backend as printed: the io_uring run without optional features is told apart */
static const char *zt_label(void)
{
    const char *basic = getenv("ZOKIO_URING_BASIC");
    if (!strcmp(zt_backend(), "io_uring") && basic && *basic && strcmp(basic, "0"))
        return "io_uring+basic";
    return zt_backend();
}

static int zt_timeout(void)
{
    const char *s = getenv("ZT_TIMEOUT");
    int t = s ? atoi(s) : 0;
    return t > 0 ? t : ZT_DEFAULT_TIMEOUT;
}

/* Prints one result line; the reason is kept on one line so tests/run.sh can filter lines. */
static void zt_print(const char *tag, const char *name, const char *reason)
{
    printf("%-4s %s/%s [%s]", tag, ZT_SUITE, name, zt_label());
    if (reason) {
        fputs(": ", stdout);
        for (const unsigned char *p = (const unsigned char *)reason; *p; p++) {
            if (*p == '\n')
                fputs("\\n", stdout);
            else if (*p < 0x20 || *p == 0x7f)
                printf("\\x%02x", *p);
            else
                putchar(*p);
        }
    }
    putchar('\n');
    fflush(stdout);
}

static int zt_by_position(const void *a, const void *b)
{
    const struct zt_entry *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void zt_child(const struct zt_entry *t, int wfd, const sigset_t *mask)
{
    sigprocmask(SIG_SETMASK, mask, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0); /* its own group: a timeout kills what it forked too (see zt_wait) */
    memset(&zt_cur, 0, sizeof(zt_cur));
    t->fn();
    ssize_t n = write(wfd, &zt_cur, sizeof(zt_cur));
    (void)n;
    close(wfd);
    exit(0);
}

/* Waits for pid up to timeout seconds (SIGCHLD is blocked); returns 1 on timeout. */
static int zt_wait(pid_t pid, int timeout, int *status)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec left = {end.tv_sec - now.tv_sec, end.tv_nsec - now.tv_nsec};
        if (left.tv_nsec < 0) {
            left.tv_sec--;
            left.tv_nsec += 1000000000L;
        }
        if (left.tv_sec < 0) break;
        sigtimedwait(&chld, NULL, &left);
    }
    /* the whole group: a process the test forked would otherwise live on holding the runner's
     * stdout, and whatever reads it would wait forever */
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return 1;
}

/* Turns how the child ended plus its verdict (if it sent one) into one result line. */
static void zt_judge(const struct zt_entry *t, int timed_out, int status,
                     const struct zt_verdict *v, int have_v, struct zt_counts *c)
{
    char why[ZT_MSG_MAX + 128];
    if (timed_out) {
        snprintf(why, sizeof(why), "timeout after %d s (killed)", zt_timeout());
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(why, sizeof(why), "crashed: killed by signal %d (%s)", sig, strsignal(sig));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(why, sizeof(why), "%s%sexited with status %d (sanitizer report or exit() above?)",
                 have_v && v->state == ZT_STATE_FAIL ? v->msg : "",
                 have_v && v->state == ZT_STATE_FAIL ? "; then " : "", WEXITSTATUS(status));
    } else if (!have_v) {
        snprintf(why, sizeof(why), "test exited before returning (exit() called?)");
    } else if (v->state == ZT_STATE_PASS) {
        c->passed++;
        zt_print("ok", t->name, NULL);
        return;
    } else if (v->state == ZT_STATE_SKIP) {
        c->skipped++;
        zt_print("skip", t->name, v->msg);
        return;
    } else {
        snprintf(why, sizeof(why), "%s", v->msg);
    }
    c->failed++;
    zt_print("FAIL", t->name, why);
}

static void zt_run_one(const struct zt_entry *t, struct zt_counts *c)
{
    int fds[2];
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (pipe2(fds, O_CLOEXEC) < 0) {
        c->failed++;
        zt_print("FAIL", t->name, strerror(errno));
        return;
    }
    /* Non-blocking: a grandchild that kept the write end open must not hang the runner. */
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    sigprocmask(SIG_BLOCK, &chld, &old);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        zt_child(t, fds[1], &old);
    }
    close(fds[1]);
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(fds[0]);
        c->failed++;
        zt_print("FAIL", t->name, strerror(errno));
        return;
    }
    int status = 0;
    int timed_out = zt_wait(pid, zt_timeout(), &status);
    sigprocmask(SIG_SETMASK, &old, NULL);
    struct zt_verdict v;
    ssize_t n = read(fds[0], &v, sizeof(v));
    close(fds[0]);
    v.msg[sizeof(v.msg) - 1] = '\0';
    zt_judge(t, timed_out, status, &v, n == (ssize_t)sizeof(v), c);
}

static void zt_usage(const char *argv0)
{
    printf("usage: %s [--list] [SUBSTRING]\n"
           "Runs the tests of suite '%s' whose name contains SUBSTRING (all by default).\n"
           "Environment: ZOKIOD_BACKEND=io_uring|epoll|auto, ZT_TIMEOUT=seconds per test (%d).\n",
           argv0, ZT_SUITE, ZT_DEFAULT_TIMEOUT);
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            zt_usage(argv[0]);
            return 0;
        } else {
            filter = argv[i];
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (zt_ntests) qsort(zt_tests, zt_ntests, sizeof(*zt_tests), zt_by_position);

    struct zt_counts c = {0, 0, 0};
    size_t matched = 0;
    for (size_t i = 0; i < zt_ntests; i++) {
        const struct zt_entry *t = &zt_tests[i];
        if (filter && !strstr(t->name, filter)) continue;
        matched++;
        if (list)
            printf("%s/%s\n", ZT_SUITE, t->name);
        else
            zt_run_one(t, &c);
    }
    if (filter && !matched)
        fprintf(stderr, "zt: no test of suite '%s' has a name containing \"%s\"\n", ZT_SUITE,
                filter);
    if (list) return filter && !matched;
    if (c.skipped)
        printf("%u passed, %u failed, %u skipped\n", c.passed, c.failed, c.skipped);
    else
        printf("%u passed, %u failed\n", c.passed, c.failed);
    free(zt_tests);
    return (c.failed || (filter && !matched)) ? 1 : 0;
}
