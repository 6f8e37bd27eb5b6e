/* SPDX-License-Identifier: MIT */
/* zokiod: a worker process: one loop, the HTTP server on the generation's sockets, signals.
 *   QUIT: stop accepting, finish in-flight requests (answered with Connection: close), exit
 *   TERM / INT: exit now;  USR1: reopen the logs;  HUP: the master's business */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "http/server.h"
#include "runtime/zk.h"
#include "server/accesslog.h"
#include "server/listens.h"
#include "server/log.h"
#include "server/worker.h"

#define MAX_LOGS 64

typedef struct worker {
    zs_gen_t *gen;
    zk_loop_t *loop;
    zh_server_t *srv;
    zk_signals_t sig;
    zk_timer_t tick, deadline;
    zk_timer_t flush;                /* armed while access-log lines wait in a buffer */
    zs_access_log_t *logs[MAX_LOGS]; /* parallel to gen->logs; NULL when it could not open */
    int efds[MAX_LOGS];              /* the same for error logs; -1 when none */
    unsigned nlogs;
    int stopping;
} worker_t;

static worker_t W;

/* lines are written by the log's thread within FLUSH_DELAY of their request (nginx writes each
 * at once; a batch per 100 ms costs one write(2), and a person reading the log sees no delay) */
#define FLUSH_DELAY (100 * ZK_MSEC)

/* one line in each access log of the location (a zs_logset_t of the generation) */
static void access_hook(void *log, const zh_access_rec_t *r)
{
    const zs_logset_t *set = log;
    time_t now = time(NULL);
    for (size_t i = 0; i < set->n; i++)
        if (set->idx[i] < W.nlogs && W.logs[set->idx[i]])
            zs_access_log_write(W.logs[set->idx[i]], r->remote_addr, now, r->request_line,
                                r->request_line_len, r->status, r->body_bytes, r->referer,
                                r->referer_len, r->user_agent, r->user_agent_len);
    if (!W.flush.idx) zk_timer_start(W.loop, &W.flush, zk_loop_now(W.loop) + FLUSH_DELAY);
}

static void on_flush(zk_loop_t *loop, zk_timer_t *t)
{
    int busy = 0;
    for (unsigned i = 0; i < W.nlogs; i++)
        if (W.logs[i]) busy |= zs_access_log_flush(W.logs[i]);
    if (busy) zk_timer_start(loop, t, zk_loop_now(loop) + FLUSH_DELAY);
}

/* a line about a request or a connection: to its location's (or server's) error logs, each
 * whose level takes `level` (a zs_elogset_t of the generation), else to the main error log */
static void elog_line(const void *log, int level, const char *line)
{
    const zs_elogset_t *set = log;
    if (!set) {
        zs_log(level, "%s", line);
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        if (set->e[i].level < level) continue; /* e.g. a crit log takes no error lines */
        size_t j = set->e[i].idx;
        int fd = j == ZS_ELOG_STDERR ? STDERR_FILENO : j < W.nlogs ? W.efds[j] : -1;
        if (fd >= 0) zs_log_to(fd, level, "%s", line);
    }
}

static void error_hook(const void *log, const char *line) { elog_line(log, ZS_LOG_ERR, line); }
static void info_hook(const void *log, const char *line) { elog_line(log, ZS_LOG_INFO, line); }

static void logs_each(void (*fn)(zs_access_log_t *))
{
    for (unsigned i = 0; i < W.nlogs; i++)
        if (W.logs[i]) fn(W.logs[i]);
}

static void tick_log(zs_access_log_t *l) { zs_access_log_tick(l, time(NULL)); }

static void on_tick(zk_loop_t *loop, zk_timer_t *t)
{
    logs_each(tick_log);
    zh_server_tick(W.srv);
    if (!W.stopping) zk_timer_start(loop, t, zk_loop_now(loop) + ZK_SEC);
}

static void on_deadline(zk_loop_t *loop, zk_timer_t *t)
{
    (void)t;
    zs_log(ZS_LOG_NOTICE, "worker_shutdown_timeout: closing the connections left");
    zk_loop_stop(loop);
}

static void graceful(void)
{
    if (W.stopping) return;
    W.stopping = 1;
    zh_server_stop(W.srv);
    zk_timer_stop(W.loop, &W.tick);
    uint64_t ms = W.gen->conf.worker_shutdown_timeout_ms;
    if (ms) zk_timer_start(W.loop, &W.deadline, zk_loop_now(W.loop) + ms * ZK_MSEC);
}

static int open_error_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) zs_log(ZS_LOG_ERR, "open() \"%s\" failed (%s)", path, strerror(errno));
    return fd;
}

/* USR1: the master has made the new files (and given them to the user): each error log's fd
 * becomes the new file in place (dup3), so a line is written to the old file or the new one */
static void reopen_error_logs(void)
{
    for (unsigned j = 0; j < W.nlogs; j++) {
        if (W.efds[j] < 0) continue;
        int fd = open_error_log(W.gen->logs[j].path);
        if (fd < 0) continue;
        if (dup3(fd, W.efds[j], O_CLOEXEC) < 0)
            zs_log(ZS_LOG_ERR, "dup3() for \"%s\" failed (%s)", W.gen->logs[j].path,
                   strerror(errno));
        close(fd);
    }
}

static void close_error_logs(void)
{
    for (unsigned j = 0; j < W.nlogs; j++)
        if (W.efds[j] >= 0) close(W.efds[j]);
}

static void on_signal(zk_loop_t *loop, zk_signals_t *s, int signo)
{
    (void)s;
    switch (signo) {
    case SIGQUIT: graceful(); break;
    case SIGTERM:
    case SIGINT:
        W.stopping = 1;
        zk_loop_stop(loop);
        break;
    case SIGUSR1:
        zs_log(ZS_LOG_NOTICE, "reopening logs");
        zs_log_reopen();
        logs_each(zs_access_log_reopen);
        reopen_error_logs();
        break;
    default: break;
    }
}

/* one access log per distinct path, shared by the locations that name it, on the fd the master
 * opened (a worker that gave up root may not be able to open the file itself) */
static void open_logs(void)
{
    zs_gen_t *g = W.gen;
    for (size_t j = 0; j < g->nlogs && j < MAX_LOGS; j++) {
        const zs_gen_log_t *gl = &g->logs[j];
        W.efds[j] = -1;
        if (gl->error) /* the master's fd, else the path (the master could not open it) */
            W.efds[j] = gl->fd >= 0 ? fcntl(gl->fd, F_DUPFD_CLOEXEC, 0) : open_error_log(gl->path);
        if (!gl->access) continue;
        int err = 0, fd = gl->fd >= 0 ? fcntl(gl->fd, F_DUPFD_CLOEXEC, 0) : -1;
        W.logs[j] =
            fd >= 0 ? zs_access_log_adopt(gl->path, fd, &err) : zs_access_log_open(gl->path, &err);
        if (!W.logs[j]) zs_log(ZS_LOG_ERR, "open() \"%s\" failed (%s)", gl->path, strerror(-err));
    }
    W.nlogs = g->nlogs < MAX_LOGS ? (unsigned)g->nlogs : MAX_LOGS;
}

/* worker_rlimit_nofile, soft and hard, while still root (which may raise the hard limit) */
static void set_nofile(const zs_gen_t *g)
{
    unsigned n = g->conf.worker_rlimit_nofile;
    struct rlimit rl = {n, n};
    if (n && setrlimit(RLIMIT_NOFILE, &rl) < 0)
        zs_log(ZS_LOG_ALERT, "setrlimit(RLIMIT_NOFILE, %u) failed (%s)", n, strerror(errno));
}

_Static_assert(ZC_CPUS <= CPU_SETSIZE, "a worker_cpu_affinity mask fits a cpu_set_t");

/* CPU i is one `worker_cpu_affinity auto [MASK]` may pick: this process may use it (its cpuset),
 * and the mask, if any, selects it */
static int auto_cpu(const zc_config_t *c, const cpu_set_t *allowed, int i)
{
    return CPU_ISSET(i, allowed) &&
           (!c->ncpu_masks || (c->cpu_masks[0].bits[i / 64] >> (i % 64) & 1));
}

/* the CPUs worker number `nth` may run on: auto, the nth CPU auto may pick (cycling); else its
 * own mask (the last one for the workers beyond). Returns how many (0: none) */
static int affinity_of(const zc_config_t *c, unsigned nth, cpu_set_t *out)
{
    CPU_ZERO(out);
    if (c->cpu_affinity_auto) {
        cpu_set_t allowed;
        int count = 0;
        if (sched_getaffinity(0, sizeof allowed, &allowed) < 0) return 0;
        for (int i = 0; i < ZC_CPUS; i++)
            count += auto_cpu(c, &allowed, i);
        for (int i = 0, k = count ? (int)(nth % (unsigned)count) : 0; count && i < ZC_CPUS; i++)
            if (auto_cpu(c, &allowed, i) && k-- == 0) {
                CPU_SET(i, out);
                return 1;
            }
        return 0;
    }
    const zc_cpuset_t *m = &c->cpu_masks[nth < c->ncpu_masks ? nth : c->ncpu_masks - 1];
    for (int i = 0; i < ZC_CPUS; i++)
        if (m->bits[i / 64] >> (i % 64) & 1) CPU_SET(i, out);
    return CPU_COUNT(out);
}

/* worker_cpu_affinity; a failure is logged and the worker runs wherever the kernel puts it */
static void set_affinity(const zs_gen_t *g, unsigned nth)
{
    const zc_config_t *c = &g->conf;
    cpu_set_t set;
    if (!c->cpu_affinity_auto && !c->ncpu_masks) return;
    if (!affinity_of(c, nth, &set)) {
        zs_log(ZS_LOG_ALERT, "worker_cpu_affinity: no usable CPU for worker %u", nth);
        return;
    }
    if (sched_setaffinity(0, sizeof set, &set) < 0) {
        zs_log(ZS_LOG_ALERT, "sched_setaffinity() failed (%s)", strerror(errno));
        return;
    }
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &set)) zs_log(ZS_LOG_INFO, "sched_setaffinity(): using cpu #%d", i);
}

/* right after fork, as nginx does: the worker's credentials become the configured user's, for
 * good (setgroups, setgid, setuid); it keeps only the fds the root master opened for it */
static void switch_user(const zs_gen_t *g)
{
    const zc_config_t *c = &g->conf;
    if (!c->has_user || geteuid() != 0) return;
    if (setgroups(g->ngroups, g->groups) < 0) {
        zs_log(ZS_LOG_EMERG, "setgroups(%zu) for user \"%s\" failed (%s)", g->ngroups, c->user,
               strerror(errno));
        _exit(2);
    }
    if (setgid(c->gid) < 0) {
        zs_log(ZS_LOG_EMERG, "setgid(%d) failed (%s)", (int)c->gid, strerror(errno));
        _exit(2);
    }
    if (setuid(c->uid) < 0) {
        zs_log(ZS_LOG_EMERG, "setuid(%d) failed (%s)", (int)c->uid, strerror(errno));
        _exit(2);
    }
    if (c->uid != 0 && setuid(0) == 0) { /* the switch did not stick: never serve as root */
        zs_log(ZS_LOG_EMERG, "setuid(%d) did not drop root", (int)c->uid);
        _exit(2);
    }
}

void zs_worker_main(zs_gen_t *gen, const char *server_header, unsigned nth)
{
    int r;
    memset(&W, 0, sizeof W);
    W.gen = gen;
    /* nginx's order: limits while root, then the user (first of all the rest: a change of
     * credentials clears the parent-death signal), then the CPUs */
    set_nofile(gen);
    switch_user(gen);
    set_affinity(gen, nth);
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* an orphaned worker must not serve on */
    prctl(PR_SET_NAME, "zokiod: worker");
    /* 512 receive buffers of 4 KiB: a request head rarely needs more; only the ones in use stay
     * resident (a window of them sits in io_uring's buffer ring; the tick gives cold ones back) */
    zk_loop_opts_t o = {.quiet = 1, .buf_count = 512, .buf_size = 4096};
    zs_gen_loop_backend(gen, &o);
    if ((r = zk_loop_new(&W.loop, &o)) < 0) {
        zs_log(ZS_LOG_EMERG, "worker event loop: %s", strerror(-r));
        _exit(2);
    }
    zs_log(ZS_LOG_NOTICE, "worker started, backend %s (%s)", zk_loop_backend_name(W.loop),
           zk_loop_backend_reason(W.loop));
    open_logs();
    zh_hooks_t hooks = {.access_log = access_hook,
                        /* per generation: a reload may turn server_tokens off or on */
                        .server_header =
                            gen->conf.http.lim.server_tokens ? server_header : "zokiod",
                        /* a server or location may say otherwise (http/conn.c) */
                        .server_tokens_on = server_header,
                        .server_tokens_off = "zokiod",
                        .error_log = error_hook,
                        .info_log = info_hook};
    if ((r = zh_server_new(&W.srv, W.loop, &gen->lim, &hooks)) < 0) {
        zs_log(ZS_LOG_EMERG, "worker: %s", strerror(-r));
        _exit(2);
    }
    for (size_t i = 0; i < gen->nlistens; i++) {
        zs_listen_t *l = &gen->listens[i];
        if (zh_server_listen_tls(W.srv, l->sock->fd, (const zh_vhost_t *const *)l->vhosts,
                                 l->nvhosts, l->dflt, l->tls) < 0)
            zs_log(ZS_LOG_ALERT, "worker: cannot listen on %s", l->text);
    }
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGQUIT, SIGTERM, SIGINT, SIGUSR1, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    if ((r = zk_signals_start(W.loop, &W.sig, &set, on_signal)) < 0) {
        /* a worker deaf to QUIT and TERM could only be killed: give up (the master respawns) */
        zs_log(ZS_LOG_EMERG, "worker signals: %s", strerror(-r));
        _exit(2);
    }
    zk_timer_init(&W.tick, on_tick, NULL);
    zk_timer_init(&W.deadline, on_deadline, NULL);
    zk_timer_init(&W.flush, on_flush, NULL);
    W.flush.weak = 1;    /* zs_access_log_close() writes what is left at the end */
    W.deadline.weak = 1; /* the loop ends when the last connection does, not at the deadline */
    zk_timer_start(W.loop, &W.tick, zk_loop_now(W.loop) + ZK_SEC);
    r = zk_loop_run(W.loop, ZK_RUN_DEFAULT);
    if (r < 0) zs_log(ZS_LOG_ALERT, "worker event loop failed: %s", strerror(-r));
    logs_each(zs_access_log_close); /* flushes what is buffered */
    close_error_logs();
    _exit(r < 0 ? 2 : 0);
}
