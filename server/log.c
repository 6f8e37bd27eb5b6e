/* SPDX-License-Identifier: MIT */
/* The error log. One process-wide descriptor `log_fd`, created by the first zs_log_open() and
 * never closed until zs_log_close(): opening a new path or reopening the same one dup3()s the new
 * file onto it, so threads writing at that moment write either to the old or the new file, never
 * to a closed or reused descriptor. */
#include "server/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static const char *const level_names[] = {
    [ZS_LOG_EMERG] = "emerg", [ZS_LOG_ALERT] = "alert", [ZS_LOG_CRIT] = "crit",
    [ZS_LOG_ERR] = "error",   [ZS_LOG_WARN] = "warn",   [ZS_LOG_NOTICE] = "notice",
    [ZS_LOG_INFO] = "info",   [ZS_LOG_DEBUG] = "debug",
};
#define NLEVELS ((int)(sizeof level_names / sizeof level_names[0]))

static atomic_int log_fd = -1; /* -1: standard error */
static atomic_int log_level = ZS_LOG_NOTICE;
static char log_path[PATH_MAX]; /* empty: standard error */

int zs_level_parse(const char *name)
{
    for (int i = 0; name && i < NLEVELS; i++)
        if (strcmp(name, level_names[i]) == 0) return i;
    return -1;
}

const char *zs_level_name(int level)
{
    return level >= 0 && level < NLEVELS ? level_names[level] : "unknown";
}

static int open_target(const char *path)
{
    int fd;
    if (strcmp(path, "stderr") == 0)
        fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    else
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    return fd < 0 ? -errno : fd;
}

/* Puts the open file `fd` behind log_fd (or makes it log_fd), consuming fd. */
static int install_fd(int fd)
{
    int cur = atomic_load(&log_fd);
    if (cur < 0) {
        atomic_store(&log_fd, fd);
        return 0;
    }
    int r = dup3(fd, cur, O_CLOEXEC) < 0 ? -errno : 0;
    close(fd);
    return r;
}

int zs_log_open(const char *path, int level)
{
    if (!path || level < 0 || level >= NLEVELS) return -EINVAL;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof log_path) return -EINVAL;
    int fd = open_target(path);
    if (fd < 0) return fd;
    int r = install_fd(fd);
    if (r < 0) return r;
    memcpy(log_path, path, n + 1);
    atomic_store(&log_level, level);
    return 0;
}

int zs_log_reopen(void)
{
    if (log_path[0] == 0 || strcmp(log_path, "stderr") == 0) return 0;
    int fd = open_target(log_path);
    return fd < 0 ? fd : install_fd(fd);
}

void zs_log_chown(uid_t uid)
{
    int fd = atomic_load(&log_fd);
    if (fd < 0 || log_path[0] == 0 || strcmp(log_path, "stderr") == 0) return;
    if (fchown(fd, uid, (gid_t)-1) < 0)
        zs_log(ZS_LOG_ALERT, "chown(\"%s\", %d) failed (%s)", log_path, (int)uid, strerror(errno));
}

int zs_log_fd(void)
{
    int fd = atomic_load(&log_fd);
    return fd < 0 ? STDERR_FILENO : fd;
}

void zs_log_close(void)
{
    int fd = atomic_exchange(&log_fd, -1);
    if (fd >= 0) close(fd);
    log_path[0] = 0;
    atomic_store(&log_level, ZS_LOG_NOTICE);
}

int zs_log_is_stderr(void) { return log_path[0] == 0 || strcmp(log_path, "stderr") == 0; }

/* "2026/12/01 06:00:00 [error] 1234#0: " into buf (local time, like nginx). */
static size_t format_prefix(char *buf, size_t cap, int level)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int n = snprintf(buf, cap, "%04d/%02d/%02d %02d:%02d:%02d [%s] %ld#0: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     zs_level_name(level), (long)getpid());
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void log_line(int fd, int level, const char *fmt, va_list ap)
{
    int saved = errno;
    char line[LINE_MAX_BYTES];
    size_t len = format_prefix(line, sizeof line - 1, level);
    size_t avail = sizeof line - len; /* the message, and its NUL which becomes the '\n' */
    int n = vsnprintf(line + len, avail, fmt, ap);
    if (n > 0) len += (size_t)n < avail ? (size_t)n : avail - 1;
    line[len++] = '\n';
    /* One write(2): O_APPEND keeps it whole; a short write to a full disk is not retried
     * (retrying could interleave the rest with another process's line). */
    ssize_t w = write(fd, line, len);
    (void)w;
    errno = saved;
}

void zs_log(int level, const char *fmt, ...)
{
    if (level > atomic_load_explicit(&log_level, memory_order_relaxed)) return;
    va_list ap;
    va_start(ap, fmt);
    log_line(zs_log_fd(), level, fmt, ap);
    va_end(ap);
}

void zs_log_to(int fd, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(fd, level, fmt, ap);
    va_end(ap);
}
