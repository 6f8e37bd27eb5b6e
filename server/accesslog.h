/* SPDX-License-Identifier: MIT */
#ifndef ZS_ACCESSLOG_H
#define ZS_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * The access log, nginx's "combined" format:
 *   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
 *   "$http_referer" "$http_user_agent"
 * One zs_access_log_t per path per worker. The worker's loop thread appends lines to a 64 KiB
 * buffer without any system call; a full buffer (or, through zs_access_log_tick(), one older than a
 * second) is handed to the log's writer thread, which write(2)s it while the loop fills the other
 * buffer. When the writer is still busy with the previous buffer, a full buffer waits for it (no
 * line is ever dropped); such waits are counted and reported through zs_log() at most every 10 s
 * and at close.
 * Everything but the writer thread's own work happens on the thread that opened the log. Open it
 * in the worker process, after fork(): the writer thread does not survive a fork.
 */

typedef struct zs_access_log zs_access_log_t;

/** Opens `path` (O_WRONLY|O_APPEND|O_CREAT, 0644) and starts its writer thread (with every
 *  signal blocked, so signalfd-style handling in the loop thread keeps working). The path is
 *  copied. Returns the log, owned by the caller until zs_access_log_close(); on failure returns
 *  NULL and sets *err (if err is not NULL) to -errno. */
zs_access_log_t *zs_access_log_open(const char *path, int *err);

/** Like zs_access_log_open() with `fd` already open on `path` (O_APPEND; the master opens the
 *  logs before the workers give up root): the log owns fd from now on, even on failure. A
 *  reopen (zs_access_log_reopen()) opens `path` again. */
zs_access_log_t *zs_access_log_adopt(const char *path, int fd, int *err);

/** Appends one combined line: remote_addr (NULL or "" prints "-"), t formatted as nginx's
 *  $time_local in the local time zone ("01/Dec/2026:06:00:00 +0000"), the request line (empty
 *  prints ""), status, body bytes, referer and user agent (empty prints "-"). Bytes below 0x20,
 *  '"', '\\' and bytes from 0x7f are written as \xXX. The strings are only read during the call.
 *  A line longer than the buffer is cut (its strings to 1 KiB each) and counted. */
void zs_access_log_write(zs_access_log_t *l, const char *remote_addr, time_t t,
                         const char *request_line, size_t rl_len, int status, uint64_t body_bytes,
                         const char *referer, size_t ref_len, const char *user_agent,
                         size_t ua_len);

/** Hands a non-empty buffer to the writer thread without waiting for it: the worker calls it
 *  ~100 ms after a line went into an empty buffer, so lines reach the file within about that
 *  much even on an idle server. Returns 1 when lines stay buffered (the writer still holds the
 *  other buffer: call again later), else 0. */
int zs_access_log_flush(zs_access_log_t *l);

/** Called by the worker's timer at least once a second: hands a non-empty buffer to the writer
 *  when the last hand-off is at least 1 s older than `now` (never waiting for the writer), and
 *  reports waits and cut lines. */
void zs_access_log_tick(zs_access_log_t *l, time_t now);

/** SIGUSR1: asks the writer thread to reopen the path (after logrotate renamed the file); lines
 *  handed over after this call go to the new file. Does not block. */
void zs_access_log_reopen(zs_access_log_t *l);

/** How many times a full buffer waited for the writer, and how many lines were cut, since the
 *  log was opened. */
uint64_t zs_access_log_waits(zs_access_log_t *l);
uint64_t zs_access_log_truncated(const zs_access_log_t *l);

/** Hands over what is buffered, waits for the writer to write it all, joins the thread, closes
 *  the file and frees the log. NULL is a no-op. */
void zs_access_log_close(zs_access_log_t *l);

#endif
