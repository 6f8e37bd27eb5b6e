/* SPDX-License-Identifier: MIT */
#ifndef ZS_LOG_H
#define ZS_LOG_H

#include <sys/types.h>

/*
 * The error log: one per process, nginx's line format
 *   2026/12/01 06:00:00 [error] 1234#0: message
 * Every line is one write(2) on a file opened with O_APPEND, so lines of the master and of the
 * workers (which inherit the log across fork()) stay whole in one file. The functions that change
 * the log (open, reopen, close) are called by the process's main thread; zs_log() may be called
 * from any thread at any time (reopen swaps the file under the same descriptor with dup3(), so a
 * concurrent writer never sees a closed descriptor).
 * Before zs_log_open(), lines go to standard error at level notice.
 */

/** Severity levels, most severe first (nginx's order and names). */
typedef enum {
    ZS_LOG_EMERG,
    ZS_LOG_ALERT,
    ZS_LOG_CRIT,
    ZS_LOG_ERR,
    ZS_LOG_WARN,
    ZS_LOG_NOTICE,
    ZS_LOG_INFO,
    ZS_LOG_DEBUG
} zs_level_t;

/** Parses an nginx level name ("emerg", "alert", "crit", "error", "warn", "notice", "info",
 *  "debug") into a zs_level_t; returns -1 for anything else. */
int zs_level_parse(const char *name);

/** Returns the nginx name of a level ("error" for ZS_LOG_ERR), "unknown" when out of range. */
const char *zs_level_name(int level);

/** Sends the error log to `path` ("stderr" for standard error, else a file opened
 *  O_WRONLY|O_APPEND|O_CREAT, mode 0644) and keeps lines up to `level` (more severe or equal).
 *  May be called again (config reload): the new file replaces the old one in place. The path is
 *  copied. Returns 0, or -errno (then the previous log stays in use). */
int zs_log_open(const char *path, int level);

/** Writes one line at `level` (printf format) if `level` is not above the configured level.
 *  Long messages are cut to fit a 4 KiB line. Thread-safe; keeps errno unchanged. */
void zs_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Writes one line at `level` in the error log's format to `fd` (an error_log of http, server or
 *  location: the caller has checked its level). Thread-safe; keeps errno unchanged. */
void zs_log_to(int fd, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Reopens the same path (SIGUSR1, after logrotate renamed the file): new lines go to a new file
 *  at that path. A no-op returning 0 for "stderr" or when no file is open. Returns 0 or -errno
 *  (then the old file stays in use). */
int zs_log_reopen(void);

/** Makes `uid` the owner of the log file (not of standard error): after a reopen by the root
 *  master, so that workers running as `uid` can reopen it too. Failures are logged. */
void zs_log_chown(uid_t uid);

/** Returns the descriptor lines are written to (standard error before zs_log_open()), e.g. for
 *  dup2() onto fd 2 when daemonizing. Owned by the log. */
int zs_log_fd(void);

/** Closes the log file; later lines go to standard error. Not to be called while another thread
 *  may be logging. */
void zs_log_close(void);

/* 1 while the error log is standard error (none opened yet, or `stderr`): a message logged then
 * must not also be printed there */
int zs_log_is_stderr(void);

#endif
