/* SPDX-License-Identifier: MIT */
/* The access log: double buffering between the worker's loop thread and one writer thread.
 * Two buffers exist: `cur`, which the loop thread fills, and the other one, which is either
 * `spare` (free, the writer is idle), `pending` (handed over, not yet taken) or held by the
 * writer while it write(2)s it. A hand-off needs `spare`: a full buffer waits for it (the file
 * is slower than the requests: like nginx, the worker waits rather than lose lines). */
#include "server/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/sink.h"
#include "server/log.h"

#define BUF_SIZE    (64 * 1024)
#define REPORT_SECS 10

struct zs_access_log {
    /* loop thread only */
    char *cur;
    size_t cur_len;
    time_t last_handoff;
    int time_valid;
    time_t time_cached;
    char time_str[40];
    size_t time_len;
    uint64_t truncated; /* lines cut to fit a buffer */
    uint64_t truncated_reported, waits_reported;
    time_t last_report;

    /* shared, under mu */
    pthread_mutex_t mu;
    pthread_cond_t work; /* the writer waits for pending, reopen or quit */
    pthread_cond_t idle; /* close waits for spare */
    char *pending;
    size_t pending_len;
    char *spare;
    uint64_t waits; /* times the loop waited for the writer to give `spare` back */
    int reopen;
    int quit;

    /* writer thread only (and open/close, before and after it runs) */
    int fd;
    pthread_t thread;
    char *path;
    char bufs[2][BUF_SIZE];
};

/* --- the writer thread ------------------------------------------------------------------ */

static void write_all(zs_access_log_t *l, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(l->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            zs_log(ZS_LOG_ERR, "access log \"%s\": write() failed: %s, %zu bytes lost", l->path,
                   w < 0 ? strerror(errno) : "no progress", n);
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void reopen_file(zs_access_log_t *l)
{
    int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        zs_log(ZS_LOG_ERR, "access log \"%s\": reopen failed: %s (still writing the old file)",
               l->path, strerror(errno));
        return;
    }
    close(l->fd);
    l->fd = fd;
}

static void *writer_main(void *arg)
{
    zs_access_log_t *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->pending && !l->reopen && !l->quit)
            pthread_cond_wait(&l->work, &l->mu);
        if (l->reopen) {
            l->reopen = 0;
            pthread_mutex_unlock(&l->mu);
            reopen_file(l);
            pthread_mutex_lock(&l->mu);
        } else if (l->pending) {
            char *buf = l->pending;
            size_t len = l->pending_len;
            l->pending = NULL;
            pthread_mutex_unlock(&l->mu);
            write_all(l, buf, len);
            pthread_mutex_lock(&l->mu);
            l->spare = buf;
            pthread_cond_broadcast(&l->idle);
        } else {
            break; /* quit, and nothing left to write */
        }
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* --- open / close ----------------------------------------------------------------------- */

static int start_writer(zs_access_log_t *l)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(&l->thread, NULL, writer_main, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return -r;
}

zs_access_log_t *zs_access_log_open(const char *path, int *err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (err) *err = -errno;
        return NULL;
    }
    return zs_access_log_adopt(path, fd, err);
}

zs_access_log_t *zs_access_log_adopt(const char *path, int fd, int *err)
{
    int r = -ENOMEM;
    zs_access_log_t *l = calloc(1, sizeof *l);
    if (!l) goto fail;
    l->fd = fd;
    l->path = strdup(path);
    if (!l->path) goto fail;
    l->cur = l->bufs[0];
    l->spare = l->bufs[1];
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->work, NULL);
    pthread_cond_init(&l->idle, NULL);
    r = start_writer(l);
    if (r < 0) {
        pthread_cond_destroy(&l->idle);
        pthread_cond_destroy(&l->work);
        pthread_mutex_destroy(&l->mu);
        goto fail;
    }
    return l;
fail:
    close(fd);
    if (l) {
        free(l->path);
        free(l);
    }
    if (err) *err = r;
    return NULL;
}

/* what the loop could not do as asked, said at most every 10 s (and at close) */
static void report(zs_access_log_t *l, time_t now)
{
    pthread_mutex_lock(&l->mu);
    uint64_t waits = l->waits;
    pthread_mutex_unlock(&l->mu);
    if (waits != l->waits_reported)
        zs_log(ZS_LOG_WARN,
               "access log \"%s\": the worker waited %llu times for the file (it takes lines "
               "slower than requests come)",
               l->path, (unsigned long long)(waits - l->waits_reported));
    if (l->truncated != l->truncated_reported)
        zs_log(ZS_LOG_WARN, "access log \"%s\": %llu lines longer than %d bytes were cut", l->path,
               (unsigned long long)(l->truncated - l->truncated_reported), BUF_SIZE);
    l->waits_reported = waits;
    l->truncated_reported = l->truncated;
    l->last_report = now;
}

void zs_access_log_close(zs_access_log_t *l)
{
    if (!l) return;
    pthread_mutex_lock(&l->mu);
    while (!l->spare)
        pthread_cond_wait(&l->idle, &l->mu);
    if (l->cur_len > 0) {
        l->pending = l->cur;
        l->pending_len = l->cur_len;
        l->spare = NULL;
    }
    l->quit = 1;
    pthread_cond_signal(&l->work);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    report(l, time(NULL));
    close(l->fd);
    pthread_cond_destroy(&l->idle);
    pthread_cond_destroy(&l->work);
    pthread_mutex_destroy(&l->mu);
    free(l->path);
    free(l);
}

/* --- the loop thread's side ------------------------------------------------------------- */

/* Hands `cur` to the writer. When the writer still holds the other buffer: -EBUSY (nothing
 * changes), or with `wait`, wait until it is done -- the file is slower than the requests, and
 * like nginx writing its log in the worker, the loop waits for it rather than lose a line.
 * No system call unless one of the threads is asleep on a condition variable. */
static int handoff(zs_access_log_t *l, time_t now, int wait)
{
    pthread_mutex_lock(&l->mu);
    if (!l->spare && wait) l->waits++;
    while (!l->spare && wait)
        pthread_cond_wait(&l->idle, &l->mu);
    if (!l->spare) {
        pthread_mutex_unlock(&l->mu);
        return -EBUSY;
    }
    l->pending = l->cur;
    l->pending_len = l->cur_len;
    l->cur = l->spare;
    l->spare = NULL;
    pthread_cond_signal(&l->work);
    pthread_mutex_unlock(&l->mu);
    l->cur_len = 0;
    l->last_handoff = now;
    return 0;
}

int zs_access_log_flush(zs_access_log_t *l)
{
    return l->cur_len > 0 && handoff(l, time(NULL), 0) < 0;
}

void zs_access_log_tick(zs_access_log_t *l, time_t now)
{
    if (l->cur_len > 0 && now - l->last_handoff >= 1) handoff(l, now, 0);
    if (now - l->last_report >= REPORT_SECS) report(l, now);
}

void zs_access_log_reopen(zs_access_log_t *l)
{
    pthread_mutex_lock(&l->mu);
    l->reopen = 1;
    pthread_cond_signal(&l->work);
    pthread_mutex_unlock(&l->mu);
}

uint64_t zs_access_log_waits(zs_access_log_t *l)
{
    pthread_mutex_lock(&l->mu);
    uint64_t n = l->waits;
    pthread_mutex_unlock(&l->mu);
    return n;
}

uint64_t zs_access_log_truncated(const zs_access_log_t *l) { return l->truncated; }

/* $time_local, cached per second: "01/Dec/2026:06:00:00 +0100". */
static void format_time(zs_access_log_t *l, time_t t)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (l->time_valid && l->time_cached == t) return;
    struct tm tm;
    localtime_r(&t, &tm);
    long off = tm.tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    int n = snprintf(l->time_str, sizeof l->time_str, "%02d/%s/%d:%02d:%02d:%02d %c%02ld%02ld",
                     tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, sign, off / 60, off % 60);
    l->time_len = n < 0 ? 0 : (size_t)n < sizeof l->time_str ? (size_t)n : sizeof l->time_str - 1;
    l->time_cached = t;
    l->time_valid = 1;
}

/* nginx's escaping for logs: control bytes, '"', '\\' and bytes from 0x7f as \xXX. */
static void put_escaped(zh_sink_t *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;
    while (i < n && zh_sink_ok(o)) {
        size_t run = i;
        while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x7f &&
               s[run] != '"' && s[run] != '\\')
            run++;
        zh_sink_put(o, s + i, run - i); /* a run of bytes that need no escape */
        if (run == n) break;
        unsigned char c = (unsigned char)s[run];
        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        zh_sink_put(o, e, 4);
        i = run + 1;
    }
}

static void put_quoted_or_dash(zh_sink_t *o, const char *s, size_t n)
{
    if (!s || n == 0) {
        ZH_SINK_LIT(o, "\"-\"");
        return;
    }
    ZH_SINK_LIT(o, "\"");
    put_escaped(o, s, n);
    ZH_SINK_LIT(o, "\"");
}

/* Appends the line at the end of `cur`; returns 0, or -ENOSPC (cur unchanged) when it does not
 * fit in what is left of the buffer. */
static int append_line(zs_access_log_t *l, const char *addr, const char *rl, size_t rl_len,
                       int status, uint64_t bytes, const char *ref, size_t ref_len, const char *ua,
                       size_t ua_len)
{
    /* (one byte of the buffer stays unused: the sink keeps room for a NUL it is never asked for) */
    zh_sink_t o = ZH_SINK(l->cur + l->cur_len, BUF_SIZE - l->cur_len);
    char num[48];
    zh_sink_str(&o, addr && *addr ? addr : "-");
    ZH_SINK_LIT(&o, " - - [");
    zh_sink_put(&o, l->time_str, l->time_len);
    ZH_SINK_LIT(&o, "] \"");
    if (rl) put_escaped(&o, rl, rl_len);
    int n = snprintf(num, sizeof num, "\" %03d %llu ", status, (unsigned long long)bytes);
    zh_sink_put(&o, num, (size_t)n);
    put_quoted_or_dash(&o, ref, ref_len);
    ZH_SINK_LIT(&o, " ");
    put_quoted_or_dash(&o, ua, ua_len);
    ZH_SINK_LIT(&o, "\n");
    if (!zh_sink_ok(&o)) return -ENOSPC;
    l->cur_len += o.written;
    return 0;
}

void zs_access_log_write(zs_access_log_t *l, const char *remote_addr, time_t t,
                         const char *request_line, size_t rl_len, int status, uint64_t body_bytes,
                         const char *referer, size_t ref_len, const char *user_agent, size_t ua_len)
{
    format_time(l, t);
    if (append_line(l, remote_addr, request_line, rl_len, status, body_bytes, referer, ref_len,
                    user_agent, ua_len) == 0)
        return;
    /* full: hand the buffer over (waiting for the writer if need be), go on in an empty one */
    if (l->cur_len) handoff(l, t, 1);
    if (append_line(l, remote_addr, request_line, rl_len, status, body_bytes, referer, ref_len,
                    user_agent, ua_len) == 0)
        return;
    /* longer than a whole buffer (escaping can make a 16 KiB head 64 KiB): cut, not lost */
    memset(l->cur, '-', BUF_SIZE);
    append_line(l, remote_addr, request_line, rl_len > 1024 ? 1024 : rl_len, status, body_bytes,
                referer, ref_len > 1024 ? 1024 : ref_len, user_agent,
                ua_len > 1024 ? 1024 : ua_len);
    l->truncated++;
}
