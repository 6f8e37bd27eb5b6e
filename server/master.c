/* SPDX-License-Identifier: MIT */
/* zokiod: the master process. It owns the listening sockets and the configuration generations,
 * forks the workers and watches them on its own loop (pidfd futures), and turns signals into
 * reloads and stops:
 *   HUP: re-read the config; on success start new workers and tell the old ones to finish
 *        (QUIT); on failure log why and keep serving with the old configuration
 *   QUIT: graceful stop;  TERM / INT: fast stop;  USR1: reopen logs (and tell the workers)
 * A worker that dies unasked is replaced at once (after a 1 s pause if it keeps dying). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime/zk.h"
#include "server/log.h"
#include "server/listens.h"
#include "server/master.h"
#include "server/notify.h"
#include "server/worker.h"

#define MAX_WORKERS 512
#define MAX_GENS    16

typedef struct slot {
    zk_task_t task;
    zk_child_future_t exit;
    zk_io_future_t pause; /* before respawning a worker that died right after its start */
    pid_t pid;
    zs_gen_t *gen;
    uint64_t started;
    uint8_t used, pausing;
    uint8_t fast_deaths; /* consecutive deaths within a second of the start */
    unsigned nth; /* worker number in its generation (worker_cpu_affinity), kept on respawn */
} slot_t;

static struct master {
    zk_loop_t *loop;
    zk_signals_t sig;
    zk_timer_t kill_timer;
    zs_gen_t *gens[MAX_GENS]; /* gens[0] is the current one */
    unsigned ngens;
    slot_t slots[MAX_WORKERS];
    const zs_master_opts_t *opts;
    int stopping; /* 1 graceful, 2 fast */
    unsigned alive;
} M;

static int worker_count(const zs_gen_t *g)
{
    int n = g->conf.worker_processes;
    if (n <= 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS / 2 ? MAX_WORKERS / 2 : n;
}

/* in the child: drop what belongs to the master and become worker number `nth` */
static void become_worker(zs_gen_t *g, unsigned nth)
{
    zk_loop_abandon(M.loop);
    close(M.sig.fd);
    zs_sock_t **mine = calloc(g->nlistens + 1, sizeof *mine); /* the others' are not ours */
    if (!mine) _exit(2);
    for (size_t j = 0; j < g->nlistens; j++)
        mine[j] = g->listens[j].sock;
    zs_socks_close_others(mine, g->nlistens);
    free(mine);
    zs_worker_main(g, M.opts->server_header, nth);
}

static zk_poll_t slot_run(zk_task_t *t);

static int spawn(slot_t *s, zs_gen_t *g)
{
    pid_t pid = fork();
    if (pid < 0) {
        zs_log(ZS_LOG_ALERT, "fork() failed (%s)", strerror(errno));
        return -errno;
    }
    if (pid == 0) become_worker(g, s->nth);
    s->pid = pid;
    s->gen = g;
    s->started = zk_loop_now(M.loop);
    s->pausing = 0;
    if (!s->used) {
        s->used = 1;
        g->workers++;
        M.alive++;
        zk_task_init(&s->task, M.loop, slot_run, NULL, s);
        zk_spawn(&s->task);
    }
    zk_fut_child(&s->exit, pid);
    zk_task_wake(&s->task);
    return 0;
}

static slot_t *free_slot(void)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        if (!M.slots[i].used) return &M.slots[i];
    return NULL;
}

static void spawn_all(zs_gen_t *g)
{
    for (int i = 0, n = worker_count(g); i < n; i++) {
        slot_t *s = free_slot();
        if (!s) break;
        s->nth = (unsigned)i;
        if (spawn(s, g) < 0) break;
    }
}

static void signal_gen(zs_gen_t *g, int sig)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        if (M.slots[i].used && (!g || M.slots[i].gen == g)) kill(M.slots[i].pid, sig);
}

static void drop_gen(zs_gen_t *g)
{
    unsigned j = 0;
    for (unsigned i = 0; i < M.ngens; i++)
        if (M.gens[i] != g) M.gens[j++] = M.gens[i];
    M.ngens = j;
    zs_gen_free(g);
    free(g);
}

/* a worker is gone: replace it, or let its old generation go */
static int worker_exited(slot_t *s)
{
    int st = s->exit.base.result;
    zs_gen_t *g = s->gen;
    /* nginx's lines: an exit asked for (reload, stop) is a notice, anything else an alert */
    int asked = M.stopping || g != M.gens[0];
    if (st >= 0 && WIFSIGNALED(st))
        zs_log(asked ? ZS_LOG_NOTICE : ZS_LOG_ALERT, "worker process %d exited on signal %d",
               (int)s->pid, WTERMSIG(st));
    else if (st >= 0)
        zs_log(WEXITSTATUS(st) ? ZS_LOG_ALERT : ZS_LOG_NOTICE,
               "worker process %d exited with code %d", (int)s->pid, WEXITSTATUS(st));
    if (!M.stopping && g == M.gens[0]) {
        /* replaced at once; one that keeps dying as it starts is given a second between tries */
        s->fast_deaths = zk_loop_now(M.loop) - s->started < ZK_SEC ? s->fast_deaths + 1 : 0;
        if (s->fast_deaths >= 2) {
            zk_fut_sleep(&s->pause, ZK_SEC);
            s->pausing = 1;
            return 1;
        }
        return spawn(s, g) == 0;
    }
    s->used = 0;
    M.alive--;
    if (--g->workers == 0 && g != M.gens[0]) drop_gen(g);
    if (M.stopping && !M.alive) zk_loop_stop(M.loop);
    return 0;
}

static zk_poll_t slot_run(zk_task_t *t)
{
    slot_t *s = t->data;
    for (;;) {
        if (s->pausing) {
            if (zk_poll(&s->pause.base, t) == ZK_PENDING) return ZK_PENDING;
            s->pausing = 0;
            if (M.stopping || spawn(s, s->gen) < 0) {
                s->used = 0;
                M.alive--;
                s->gen->workers--;
                if (M.stopping && !M.alive) zk_loop_stop(M.loop);
                return ZK_READY;
            }
            continue;
        }
        if (zk_poll(&s->exit.base, t) == ZK_PENDING) return ZK_PENDING;
        if (!worker_exited(s)) return ZK_READY;
    }
}

static void reload(void)
{
    char err[1024];
    zc_config_t conf;
    zs_notify("RELOADING=1");
    zs_log(ZS_LOG_NOTICE, "signal %d (SIGHUP) received, reconfiguring", SIGHUP);
    zs_log(ZS_LOG_NOTICE, "reconfiguring");
    if (M.ngens == MAX_GENS) { /* refused before anything is loaded: nothing to free */
        zs_log(ZS_LOG_EMERG,
               "%d configurations are still draining; keeping the running one "
               "(reload again once old workers have finished)",
               MAX_GENS - 1);
        zs_notify("READY=1");
        return;
    }
    if (zc_config_load_opts(&conf, M.opts->conf_file, &M.opts->load, err, sizeof err) < 0) {
        zs_log(ZS_LOG_EMERG, "%s; keeping the running configuration",
               strncmp(err, "zokiod: ", 8) ? err : err + 8);
        zs_notify("READY=1");
        return;
    }
    zs_gen_log_notes(&conf, 0);
    zs_gen_t *g = calloc(1, sizeof *g);
    if (!g || zs_gen_build(g, &conf, err, sizeof err) < 0) {
        zs_log(ZS_LOG_EMERG, "%s; keeping the running configuration", g ? err : "out of memory");
        if (g) {
            zs_gen_free(g);
            free(g);
        } else {
            zc_config_free(&conf);
        }
        zs_notify("READY=1");
        return;
    }
    zs_gen_t *old = M.gens[0];
    memmove(&M.gens[1], &M.gens[0], M.ngens * sizeof M.gens[0]);
    M.gens[0] = g;
    M.ngens++;
    spawn_all(g);
    signal_gen(old, SIGQUIT); /* they finish what they have, with Connection: close */
    if (!old->workers) drop_gen(old);
    zs_notify("READY=1");
}

static void on_kill_timer(zk_loop_t *loop, zk_timer_t *t)
{
    (void)loop;
    (void)t;
    signal_gen(NULL, SIGKILL); /* a fast stop does not wait for stragglers */
}

static void on_signal(zk_loop_t *loop, zk_signals_t *sg, int signo)
{
    (void)sg;
    switch (signo) {
    case SIGHUP:
        if (!M.stopping) reload();
        break;
    case SIGQUIT:
    case SIGTERM:
    case SIGINT:
        if (M.stopping == 2) break;
        M.stopping = signo == SIGQUIT ? 1 : 2;
        zs_notify("STOPPING=1");
        zs_log(ZS_LOG_NOTICE, "signal %d (%s) received, %s", signo,
               signo == SIGQUIT   ? "SIGQUIT"
               : signo == SIGTERM ? "SIGTERM"
                                  : "SIGINT",
               signo == SIGQUIT ? "shutting down" : "exiting");
        signal_gen(NULL, signo == SIGQUIT ? SIGQUIT : SIGTERM);
        if (M.stopping == 2) zk_timer_start(loop, &M.kill_timer, zk_loop_now(loop) + 3 * ZK_SEC);
        if (!M.alive) zk_loop_stop(loop);
        break;
    case SIGUSR1:
        /* as nginx: the master reopens first and hands the new files to the workers' user, so
         * that a worker without root can reopen them too */
        zs_log(ZS_LOG_NOTICE, "signal %d (SIGUSR1) received, reopening logs", SIGUSR1);
        zs_log(ZS_LOG_NOTICE, "reopening logs");
        zs_log_reopen();
        if (M.gens[0]->conf.has_user) zs_log_chown(M.gens[0]->conf.uid);
        for (unsigned i = 0; i < M.ngens; i++)
            zs_gen_reopen_logs(M.gens[i]);
        signal_gen(NULL, SIGUSR1);
        break;
    default: break;
    }
}

int zs_master_run(zs_gen_t *gen, const zs_master_opts_t *opts)
{
    int r;
    M.opts = opts;
    M.gens[0] = gen;
    M.ngens = 1;
    prctl(PR_SET_NAME, "zokiod: master");
    zk_loop_opts_t o = {.quiet = 1, .buf_count = 16, .buf_size = 64, .entries = 64};
    zs_gen_loop_backend(gen, &o);
    if ((r = zk_loop_new(&M.loop, &o)) < 0) {
        zs_log(ZS_LOG_EMERG, "master event loop: %s", strerror(-r));
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGHUP, SIGQUIT, SIGTERM, SIGINT, SIGUSR1};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    if ((r = zk_signals_start(M.loop, &M.sig, &set, on_signal)) < 0) {
        zs_log(ZS_LOG_EMERG, "signals: %s", strerror(-r));
        return 1;
    }
    zk_timer_init(&M.kill_timer, on_kill_timer, NULL);
    M.kill_timer.weak = 1;
    spawn_all(gen);
    zs_notify("READY=1");
    r = zk_loop_run(M.loop, ZK_RUN_DEFAULT);
    zs_socks_unlisten(); /* every worker is gone: free the ports now */
    zs_log(ZS_LOG_NOTICE, "exit");
    return r < 0 ? 1 : 0;
}
