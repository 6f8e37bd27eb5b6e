/* SPDX-License-Identifier: MIT */
/* The error log: level names, nginx's line format, the level filter, reopen after a rename,
 * standard error, long lines, and whole lines from several processes. Each test runs in its own
 * child process, so the process-wide log starts fresh every time. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"
#include "tests/unit/server/srv.h"
#include "tests/unit/zt.h"

static void use_utc(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
}

/* The line zs_log writes at time t, for comparison. */
static void expected_line(char *buf, size_t cap, time_t t, const char *level, const char *msg)
{
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(buf, cap, "%04d/%02d/%02d %02d:%02d:%02d [%s] %ld#0: %s\n", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, level, (long)getpid(),
             msg);
}

/* 1 when `line` (up to its '\n') is the line for msg at some second of [t0, t1]. */
static int line_matches(const char *line, time_t t0, time_t t1, const char *level, const char *msg)
{
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
    char want[512];
    for (time_t t = t0; t <= t1; t++) {
        expected_line(want, sizeof want, t, level, msg);
        if (strlen(want) == len && memcmp(want, line, len) == 0) return 1;
    }
    return 0;
}

ZT_TEST(log_level_names)
{
    static const char *names[] = {"emerg", "alert",  "crit", "error",
                                  "warn",  "notice", "info", "debug"};
    for (int i = 0; i < 8; i++) {
        ZT_EQ_INT(zs_level_parse(names[i]), i);
        ZT_EQ_STR(zs_level_name(i), names[i]);
    }
    ZT_EQ_INT(zs_level_parse("error"), ZS_LOG_ERR);
    ZT_EQ_INT(zs_level_parse("warn"), ZS_LOG_WARN);
    ZT_EQ_INT(zs_level_parse("err"), -1);
    ZT_EQ_INT(zs_level_parse("ERROR"), -1);
    ZT_EQ_INT(zs_level_parse(""), -1);
    ZT_EQ_INT(zs_level_parse(NULL), -1);
    ZT_EQ_STR(zs_level_name(8), "unknown");
    ZT_EQ_STR(zs_level_name(-1), "unknown");
}

ZT_TEST(log_format_and_level_filter)
{
    use_utc();
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "error.log");
    ZT_EQ_INT(zs_log_open(path, ZS_LOG_WARN), 0);
    time_t t0 = time(NULL);
    zs_log(ZS_LOG_ERR, "hello %d", 42);
    zs_log(ZS_LOG_INFO, "not this one");
    zs_log(ZS_LOG_DEBUG, "nor this one");
    zs_log(ZS_LOG_WARN, "careful: %s", "x");
    zs_log(ZS_LOG_EMERG, "the end");
    time_t t1 = time(NULL);
    zs_log_close();
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    int ok = srv_count_lines(s) == 3;
    const char *l2 = ok ? strchr(s, '\n') + 1 : s;
    const char *l3 = ok ? strchr(l2, '\n') + 1 : s;
    ok = ok && line_matches(s, t0, t1, "error", "hello 42") &&
         line_matches(l2, t0, t1, "warn", "careful: x") &&
         line_matches(l3, t0, t1, "emerg", "the end");
    if (!ok) {
        char want[512];
        expected_line(want, sizeof want, t0, "error", "hello 42");
        zt_fail_at(__FILE__, __LINE__, "got:\n%sfirst line wanted:\n%s", s, want);
    }
    free(s);
}

ZT_TEST(log_local_time)
{
    setenv("TZ", "XST-5:30", 1); /* UTC+05:30 */
    tzset();
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "error.log");
    ZT_EQ_INT(zs_log_open(path, ZS_LOG_INFO), 0);
    time_t t0 = time(NULL);
    zs_log(ZS_LOG_INFO, "local");
    time_t t1 = time(NULL);
    zs_log_close();
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    int hh = -1, mm = -1;
    int ok = sscanf(s, "%*d/%*d/%*d %d:%d", &hh, &mm) == 2;
    int minutes = hh * 60 + mm;
    struct tm tm;
    int matched = 0;
    for (time_t t = t0 - 60; t <= t1 + 60 && ok; t += 60) {
        gmtime_r(&t, &tm);
        matched |= (tm.tm_hour * 60 + tm.tm_min + 330) % 1440 == minutes;
    }
    if (!ok || !matched) zt_fail_at(__FILE__, __LINE__, "not UTC+05:30: %s", s);
    free(s);
}

ZT_TEST(log_reopen_after_rename)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], old[512];
    srv_path(path, sizeof path, dir, "error.log");
    srv_path(old, sizeof old, dir, "error.log.1");
    ZT_EQ_INT(zs_log_open(path, ZS_LOG_INFO), 0);
    int fd = zs_log_fd();
    zs_log(ZS_LOG_NOTICE, "one");
    ZT_EQ_INT(rename(path, old), 0);
    zs_log(ZS_LOG_NOTICE, "two"); /* still the renamed file */
    ZT_EQ_INT(zs_log_reopen(), 0);
    ZT_EQ_INT(zs_log_fd(), fd); /* same descriptor, new file */
    zs_log(ZS_LOG_NOTICE, "three");
    zs_log_close();
    char *a = srv_read(old, NULL), *b = srv_read(path, NULL);
    srv_rmtree(dir);
    int ok = a && b && srv_count_lines(a) == 2 && strstr(a, ": one\n") && strstr(a, ": two\n") &&
             srv_count_lines(b) == 1 && strstr(b, ": three\n");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "old:\n%s\nnew:\n%s", a, b);
    free(a);
    free(b);
}

ZT_TEST(log_open_errors_keep_the_old_log)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], bad[512];
    srv_path(path, sizeof path, dir, "error.log");
    srv_path(bad, sizeof bad, dir, "no/such/dir.log");
    ZT_EQ_INT(zs_log_reopen(), 0); /* nothing open: no-op */
    ZT_EQ_INT(zs_log_open(path, ZS_LOG_ERR), 0);
    ZT_EQ_INT(zs_log_open(bad, ZS_LOG_ERR), -ENOENT);
    ZT_EQ_INT(zs_log_open(path, 8), -EINVAL);
    ZT_EQ_INT(zs_log_open(path, -1), -EINVAL);
    ZT_EQ_INT(zs_log_open("", ZS_LOG_ERR), -EINVAL);
    zs_log(ZS_LOG_ERR, "still here");
    zs_log_close();
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    int ok = srv_count_lines(s) == 1 && strstr(s, "[error]") && strstr(s, ": still here\n");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "got: %s", s);
    free(s);
}

ZT_TEST(log_switch_path_on_reload)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char p1[512], p2[512];
    srv_path(p1, sizeof p1, dir, "a.log");
    srv_path(p2, sizeof p2, dir, "b.log");
    ZT_EQ_INT(zs_log_open(p1, ZS_LOG_ERR), 0);
    zs_log(ZS_LOG_WARN, "filtered");
    zs_log(ZS_LOG_ERR, "first");
    ZT_EQ_INT(zs_log_open(p2, ZS_LOG_WARN), 0);
    zs_log(ZS_LOG_WARN, "second");
    ZT_EQ_INT(zs_log_reopen(), 0); /* reopens b.log, not a.log */
    zs_log(ZS_LOG_WARN, "third");
    zs_log_close();
    char *a = srv_read(p1, NULL), *b = srv_read(p2, NULL);
    srv_rmtree(dir);
    int ok = a && b && srv_count_lines(a) == 1 && strstr(a, ": first\n") &&
             srv_count_lines(b) == 2 && strstr(b, ": second\n") && strstr(b, ": third\n");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "a:\n%s\nb:\n%s", a, b);
    free(a);
    free(b);
}

/* Runs fn with fd 2 sent to `path`, then restores it. */
static void with_stderr_to(const char *path, void (*fn)(void))
{
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
    fn();
    dup2(saved, 2);
    close(saved);
}

static void log_to_stderr(void)
{
    zs_log(ZS_LOG_NOTICE, "default notice"); /* before open: stderr, level notice */
    zs_log(ZS_LOG_INFO, "default info");
    zs_log_open("stderr", ZS_LOG_DEBUG);
    zs_log(ZS_LOG_DEBUG, "debug now");
    zs_log_reopen(); /* a no-op for stderr */
    zs_log(ZS_LOG_INFO, "info now");
    zs_log_close();
}

ZT_TEST(log_stderr)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "stderr.txt");
    with_stderr_to(path, log_to_stderr);
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    int ok = srv_count_lines(s) == 3 && strstr(s, "[notice]") && strstr(s, ": default notice\n") &&
             !strstr(s, "default info") && strstr(s, "[debug]") && strstr(s, ": debug now\n") &&
             strstr(s, "[info]") && strstr(s, ": info now\n");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "got:\n%s", s);
    free(s);
}

ZT_TEST(log_long_message_is_cut_and_errno_kept)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "error.log");
    ZT_EQ_INT(zs_log_open(path, ZS_LOG_ERR), 0);
    char *big = malloc(10001);
    ZT_CHECK(big != NULL);
    memset(big, 'a', 10000);
    big[10000] = 0;
    errno = EAGAIN;
    zs_log(ZS_LOG_ERR, "%s", big);
    int e = errno;
    zs_log(ZS_LOG_ERR, "short");
    free(big);
    zs_log_close();
    size_t len = 0;
    char *s = srv_read(path, &len);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    ZT_EQ_INT(e, EAGAIN);
    const char *nl = strchr(s, '\n');
    ZT_CHECK(nl != NULL);
    ZT_EQ_INT(nl - s + 1, 4096);
    ZT_EQ_INT(nl[-1], 'a');
    ZT_CHECK(strstr(nl + 1, ": short\n") != NULL);
    ZT_EQ_INT(srv_count_lines(s), 2);
    free(s);
}

/* Several processes sharing the log (workers inherit it across fork) never split a line. */
ZT_TEST(log_lines_whole_across_processes)
{
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "error.log");
    ZT_EQ_INT(zs_log_open(path, ZS_LOG_INFO), 0);
    enum { PROCS = 4, LINES = 2000 };
    char pad[301];
    memset(pad, 'x', 300);
    pad[300] = 0;
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        ZT_CHECK(kids[p] >= 0);
        if (kids[p] == 0) {
            for (int i = 0; i < LINES; i++)
                zs_log(ZS_LOG_INFO, "proc %d line %d %s end", p, i, pad);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st;
        waitpid(kids[p], &st, 0);
    }
    zs_log_close();
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    size_t n = 0;
    int bad = 0;
    for (char *line = s, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, n++) {
        *nl = 0;
        int p, i, off = 0;
        if (sscanf(line, "%*d/%*d/%*d %*d:%*d:%*d [info] %*d#0: proc %d line %d %n", &p, &i,
                   &off) != 2 ||
            strlen(line + off) != 304 || strcmp(line + off + 300, " end") != 0)
            bad++;
    }
    free(s);
    ZT_EQ_INT(bad, 0);
    ZT_EQ_INT(n, PROCS * LINES);
}
