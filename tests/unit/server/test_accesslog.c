/* SPDX-License-Identifier: MIT */
/* The access log: exact combined lines, escaping, $time_local in several time zones, the
 * one-second flush, reopen after a rename, dropping (never blocking) when the writer is stuck,
 * and lines too long for the buffer. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/accesslog.h"
#include "server/log.h"
#include "tests/unit/server/srv.h"
#include "tests/unit/zt.h"

#define T0 ((time_t)1796104800) /* 2026-12-01 06:00:00 UTC */
#define T1 ((time_t)1799140087) /* 2027-01-05 09:08:07 UTC */

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* zs_access_log_write with C strings (NULL stays NULL, with length 0). */
static void wr(zs_access_log_t *l, const char *addr, time_t t, const char *rl, int status,
               uint64_t bytes, const char *ref, const char *ua)
{
    zs_access_log_write(l, addr, t, rl, rl ? strlen(rl) : 0, status, bytes, ref,
                        ref ? strlen(ref) : 0, ua, ua ? strlen(ua) : 0);
}

ZT_TEST(access_log_combined_lines)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "access.log");
    int err = 0;
    zs_access_log_t *l = zs_access_log_open(path, &err);
    ZT_CHECK(l != NULL);
    wr(l, "127.0.0.1", T0, "GET / HTTP/1.1", 200, 612, "", "curl/7.88.1");
    wr(l, "::1", T0 + 1, "GET /a.html HTTP/1.0", 404, 0, "http://x/", "Mozilla/5.0 (X11)");
    wr(l, NULL, T0 + 3661, "", 400, 0, NULL, NULL);
    wr(l, "", T0, NULL, 206, 5000000000ULL, "-", "-");
    wr(l, "10.0.0.1", T1, "HEAD /x HTTP/1.1", 304, 0, NULL, "ua");
    ZT_EQ_INT(zs_access_log_truncated(l), 0);
    zs_access_log_close(l);
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    const char *want =
        "127.0.0.1 - - [01/Dec/2026:06:00:00 +0000] \"GET / HTTP/1.1\" 200 612 \"-\" "
        "\"curl/7.88.1\"\n"
        "::1 - - [01/Dec/2026:06:00:01 +0000] \"GET /a.html HTTP/1.0\" 404 0 \"http://x/\" "
        "\"Mozilla/5.0 (X11)\"\n"
        "- - - [01/Dec/2026:07:01:01 +0000] \"\" 400 0 \"-\" \"-\"\n"
        "- - - [01/Dec/2026:06:00:00 +0000] \"\" 206 5000000000 \"-\" \"-\"\n"
        "10.0.0.1 - - [05/Jan/2027:09:08:07 +0000] \"HEAD /x HTTP/1.1\" 304 0 \"-\" \"ua\"\n";
    int same = strcmp(s, want) == 0;
    if (!same) zt_fail_at(__FILE__, __LINE__, "got:\n%swant:\n%s", s, want);
    free(s);
}

ZT_TEST(access_log_escaping)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "access.log");
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    ZT_CHECK(l != NULL);
    static const char rl[] = "GET /\"a\\b\x01\x1f\x7f\x80\xff\0z HTTP/1.1";
    static const char ua[] = "x\"y\r\n\tz~ \xc3\xa9";
    zs_access_log_write(l, "1.2.3.4", T0, rl, sizeof rl - 1, 200, 1, "r\\", 2, ua, sizeof ua - 1);
    zs_access_log_close(l);
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    const char *want = "1.2.3.4 - - [01/Dec/2026:06:00:00 +0000] "
                       "\"GET /\\x22a\\x5Cb\\x01\\x1F\\x7F\\x80\\xFF\\x00z HTTP/1.1\" 200 1 "
                       "\"r\\x5C\" \"x\\x22y\\x0D\\x0A\\x09z~ \\xC3\\xA9\"\n";
    int same = strcmp(s, want) == 0;
    if (!same) zt_fail_at(__FILE__, __LINE__, "got:\n%swant:\n%s", s, want);
    free(s);
}

/* One line at T0 and T1 in time zone tz; compares the bracketed times. */
static int check_zone(const char *tz, const char *want0, const char *want1)
{
    set_tz(tz);
    const char *dir = srv_tmpdir();
    if (!dir) return 0;
    char path[512], want[256];
    srv_path(path, sizeof path, dir, "access.log");
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    if (!l) return 0;
    wr(l, "a", T0, "r", 200, 0, NULL, NULL);
    wr(l, "a", T1, "r", 200, 0, NULL, NULL);
    zs_access_log_close(l);
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    snprintf(want, sizeof want,
             "a - - [%s] \"r\" 200 0 \"-\" \"-\"\na - - [%s] \"r\" 200 0 \"-\" \"-\"\n", want0,
             want1);
    int ok = s && strcmp(s, want) == 0;
    if (!ok) zt_fail_at(__FILE__, __LINE__, "TZ=%s: got:\n%swant:\n%s", tz, s, want);
    free(s);
    return ok;
}

ZT_TEST(access_log_time_zones)
{
    ZT_CHECK(check_zone("XST-5:30", "01/Dec/2026:11:30:00 +0530", "05/Jan/2027:14:38:07 +0530"));
    ZT_CHECK(check_zone("EST5", "01/Dec/2026:01:00:00 -0500", "05/Jan/2027:04:08:07 -0500"));
    ZT_CHECK(check_zone("XNT3:30", "01/Dec/2026:02:30:00 -0330", "05/Jan/2027:05:38:07 -0330"));
}

ZT_TEST(access_log_tick_flushes_after_a_second)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "access.log");
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    ZT_CHECK(l != NULL);
    zs_access_log_tick(l, T0); /* empty: nothing to do */
    wr(l, "a", T0, "one", 200, 0, NULL, NULL);
    long line = (long)strlen("a - - [01/Dec/2026:06:00:00 +0000] \"one\" 200 0 \"-\" \"-\"\n");
    ZT_EQ_INT(srv_wait_size(path, 1, 100), 0); /* buffered, not written */
    zs_access_log_tick(l, T0);                 /* first hand-off: the last one is "never" */
    ZT_EQ_INT(srv_wait_size(path, line, 2000), line);
    wr(l, "a", T0, "two", 200, 0, NULL, NULL);
    zs_access_log_tick(l, T0); /* the last hand-off is not 1 s old yet */
    ZT_EQ_INT(srv_wait_size(path, line + 1, 200), line);
    zs_access_log_tick(l, T0 + 1);
    ZT_EQ_INT(srv_wait_size(path, 2 * line, 2000), 2 * line);
    zs_access_log_close(l);
    srv_rmtree(dir);
}

ZT_TEST(access_log_reopen_after_rename)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], old[512];
    srv_path(path, sizeof path, dir, "access.log");
    srv_path(old, sizeof old, dir, "access.log.1");
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    ZT_CHECK(l != NULL);
    wr(l, "a", T0, "one", 200, 0, NULL, NULL);
    zs_access_log_tick(l, T0);
    ZT_CHECK(srv_wait_size(path, 10, 2000) > 0);
    ZT_EQ_INT(rename(path, old), 0);
    zs_access_log_reopen(l);
    wr(l, "a", T0, "two", 200, 0, NULL, NULL);
    zs_access_log_close(l);
    char *a = srv_read(old, NULL), *b = srv_read(path, NULL);
    srv_rmtree(dir);
    int ok = a && b && srv_count_lines(a) == 1 && strstr(a, "\"one\"") && srv_count_lines(b) == 1 &&
             strstr(b, "\"two\"");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "old:\n%s\nnew:\n%s", a, b);
    free(a);
    free(b);
}

ZT_TEST(access_log_open_error)
{
    int err = 0;
    ZT_CHECK(zs_access_log_open("/nonexistent-zokiod-dir/access.log", &err) == NULL);
    ZT_EQ_INT(err, -ENOENT);
    ZT_CHECK(zs_access_log_open("/nonexistent-zokiod-dir/access.log", NULL) == NULL);
    zs_access_log_close(NULL);
}

/* Reads a FIFO to EOF, counting bytes and lines (the writer's end closes at log close). */
struct drain {
    int fd;
    size_t bytes;
    size_t lines;
    int bad;
    int slow; /* sleeps 5 ms after each read: a file slower than the requests */
};

static void *drain_main(void *arg)
{
    struct drain *d = arg;
    static char buf[1 << 16];
    int flags = fcntl(d->fd, F_GETFL);
    fcntl(d->fd, F_SETFL, flags & ~O_NONBLOCK);
    for (;;) {
        ssize_t n = read(d->fd, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++)
            d->lines += buf[i] == '\n';
        d->bytes += (size_t)n;
        if (d->slow) usleep(5000);
    }
    return NULL;
}

/* The file takes lines slower than they come (a pipe drained by a slow reader): the loop waits
 * for the writer, every line arrives once, and the waits are reported. */
ZT_TEST(access_log_waits_instead_of_dropping)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], elog[512];
    srv_path(path, sizeof path, dir, "fifo");
    srv_path(elog, sizeof elog, dir, "error.log");
    ZT_EQ_INT(zs_log_open(elog, ZS_LOG_WARN), 0);
    ZT_EQ_INT(mkfifo(path, 0600), 0);
    struct drain d = {.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), .slow = 1};
    ZT_CHECK(d.fd >= 0);
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    ZT_CHECK(l != NULL);
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, drain_main, &d), 0);
    enum { N = 20000 }; /* ~100 bytes each: 2 MB, far beyond two buffers and a pipe */
    for (int i = 0; i < N; i++)
        wr(l, "192.168.100.200", T0, "GET /some/longer/path/index.html HTTP/1.1", 200, 12345, NULL,
           "Mozilla/5.0");
    uint64_t waits = zs_access_log_waits(l);
    ZT_CHECK(waits > 0);
    zs_access_log_tick(l, T0 + 100); /* reports the waits */
    zs_access_log_close(l);
    pthread_join(th, NULL);
    close(d.fd);
    zs_log_close();
    char *s = srv_read(elog, NULL);
    srv_rmtree(dir);
    size_t line = strlen("192.168.100.200 - - [01/Dec/2026:06:00:00 +0000] \"GET "
                         "/some/longer/path/index.html HTTP/1.1\" 200 12345 \"-\" "
                         "\"Mozilla/5.0\"\n");
    ZT_EQ_INT(d.lines, N);
    ZT_EQ_INT(d.bytes, d.lines * line);
    int ok = s && strstr(s, "[warn]") && strstr(s, "waited");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "error log: %s (want a line about waits)", s);
    free(s);
}

ZT_TEST(access_log_line_longer_than_buffer)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], elog[512];
    srv_path(path, sizeof path, dir, "access.log");
    srv_path(elog, sizeof elog, dir, "error.log");
    ZT_EQ_INT(zs_log_open(elog, ZS_LOG_WARN), 0);
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    ZT_CHECK(l != NULL);
    size_t n = 70000;
    char *ua = malloc(n);
    ZT_CHECK(ua != NULL);
    memset(ua, 'u', n);
    wr(l, "a", T0, "one", 200, 0, NULL, NULL);
    zs_access_log_write(l, "a", T0, "big", 3, 200, 0, NULL, 0, ua, n);
    memset(ua, '"', 20000); /* 80000 bytes escaped */
    zs_access_log_write(l, "a", T0, "big", 3, 200, 0, NULL, 0, ua, 20000);
    wr(l, "a", T0, "two", 200, 0, NULL, NULL);
    free(ua);
    ZT_EQ_INT(zs_access_log_truncated(l), 2);
    zs_access_log_close(l);
    zs_log_close();
    char *s = srv_read(path, NULL), *e = srv_read(elog, NULL);
    srv_rmtree(dir);
    int ok = s && srv_count_lines(s) == 4 && strstr(s, "\"one\"") && strstr(s, "\"two\"") && e &&
             strstr(e, ": 2 lines longer than");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "access:\n%s\nerror:\n%s", s, e);
    free(s);
    free(e);
}

/* Many lines through many hand-offs with a writer that keeps up: nothing lost, order kept. */
ZT_TEST(access_log_many_lines_in_order)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512];
    srv_path(path, sizeof path, dir, "access.log");
    zs_access_log_t *l = zs_access_log_open(path, NULL);
    ZT_CHECK(l != NULL);
    enum { N = 5000 };
    char rl[64];
    long total = 0;
    time_t now = T0;
    for (int i = 0; i < N; i++) {
        snprintf(rl, sizeof rl, "GET /%d HTTP/1.1", i);
        wr(l, "a", T0, rl, 200, (uint64_t)i, NULL, NULL);
        char line[128];
        total += snprintf(line, sizeof line,
                          "a - - [01/Dec/2026:06:00:00 +0000] \"%s\" 200 %d \"-\" \"-\"\n", rl, i);
        /* Every 200 lines (a quarter of a buffer), let the writer catch up completely, as a real
         * loop's pace would: tick until everything so far is in the file. */
        for (int tries = 0; i % 200 == 199 && tries < 200; tries++) {
            zs_access_log_tick(l, ++now);
            if (srv_wait_size(path, total, 10) >= total) break;
        }
    }
    uint64_t dropped = zs_access_log_truncated(l);
    zs_access_log_close(l);
    char *s = srv_read(path, NULL);
    srv_rmtree(dir);
    ZT_CHECK(s != NULL);
    ZT_EQ_INT(dropped, 0);
    ZT_EQ_INT((long)strlen(s), total);
    int next = 0, bad = 0;
    for (char *p = s, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1, next++) {
        int a = -1, b = -1;
        if (sscanf(p, "a - - [%*[^]]] \"GET /%d HTTP/1.1\" 200 %d ", &a, &b) != 2 || a != next ||
            b != next)
            bad++;
    }
    free(s);
    ZT_EQ_INT(bad, 0);
    ZT_EQ_INT(next, N);
}

/* an fd the master opened: lines go through it even when the path can no longer be opened
 * (a worker without root), and a reopen goes back to the path */
ZT_TEST(access_log_adopt_fd)
{
    set_tz("UTC");
    const char *dir = srv_tmpdir();
    ZT_CHECK(dir != NULL);
    char path[512], moved[512];
    srv_path(path, sizeof path, dir, "access.log");
    srv_path(moved, sizeof moved, dir, "access.log.1");
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    ZT_CHECK(fd >= 0);
    ZT_CHECK(rename(path, moved) == 0); /* the path names nothing now: only the fd leads there */
    int err = 0;
    zs_access_log_t *l = zs_access_log_adopt(path, fd, &err);
    ZT_CHECK(l != NULL);
    wr(l, "127.0.0.1", T0, "GET /one HTTP/1.1", 200, 1, NULL, NULL);
    zs_access_log_tick(l, T0 + 5); /* hand the buffer to the writer */
    ZT_CHECK(srv_wait_size(moved, 10, 2000) > 0);
    zs_access_log_reopen(l);
    ZT_CHECK(srv_wait_size(path, 0, 2000) == 0); /* created by the reopen */
    wr(l, "127.0.0.1", T0, "GET /two HTTP/1.1", 200, 1, NULL, NULL);
    zs_access_log_close(l);
    char *a = srv_read(moved, NULL), *b = srv_read(path, NULL);
    srv_rmtree(dir);
    int ok = a && b && strstr(a, "/one") && !strstr(a, "/two") && strstr(b, "/two");
    if (!ok) zt_fail_at(__FILE__, __LINE__, "old file:\n%s\nnew file:\n%s", a, b);
    free(a);
    free(b);
}
