/* SPDX-License-Identifier: MIT */
/* The thread pool (ZK_OP_WORK, and the file ops on epoll): results, threads, order, the bounded
 * queue, cancels. Run on both backends: the completions come back through the loop's eventfd
 * read, a READ op on either. */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"

struct job {
    zk_op_t op;
    rt_rec_t rec;
    int ret;               /* what fn returns */
    int ran;               /* fn ran (atomic) */
    int started;           /* fn is running (atomic) */
    volatile int *release; /* fn waits for *release != 0 (at most 5 s) when set */
    pthread_t fn_thread, cb_thread;
    int sigterm_blocked;
};

static int job_fn(void *arg)
{
    struct job *j = arg;
    sigset_t cur;
    pthread_sigmask(SIG_SETMASK, NULL, &cur);
    j->sigterm_blocked = sigismember(&cur, SIGTERM);
    j->fn_thread = pthread_self();
    __atomic_store_n(&j->started, 1, __ATOMIC_SEQ_CST);
    if (j->release) {
        uint64_t end = rt_wall_ns() + 5 * ZK_SEC;
        struct timespec ms = {0, 1000000};
        while (!__atomic_load_n(j->release, __ATOMIC_SEQ_CST) && rt_wall_ns() < end)
            nanosleep(&ms, NULL);
    }
    __atomic_store_n(&j->ran, 1, __ATOMIC_SEQ_CST);
    return j->ret;
}

static void job_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    struct job *j = op->data;
    j->cb_thread = pthread_self();
    op->data = &j->rec;
    rt_rec_cb(loop, op, res);
    op->data = j;
}

static void job_submit(zk_loop_t *loop, struct job *j)
{
    zk_prep_work(&j->op, job_fn, j, job_cb, j);
    zk_submit(loop, &j->op);
}

static void wait_started(struct job *j)
{
    uint64_t end = rt_wall_ns() + 5 * ZK_SEC;
    while (!__atomic_load_n(&j->started, __ATOMIC_SEQ_CST) && rt_wall_ns() < end)
        rt_spin_us(100);
}

ZT_TEST(tpool_work_result_on_loop_thread)
{
    RT_LOOP(loop);
    struct job a = {.ret = 42}, b = {.ret = -EIO};
    job_submit(loop, &a);
    job_submit(loop, &b);
    ZT_CHECK(zk_op_busy(&a.op));
    ZT_EQ_INT(zk_loop_alive(loop), 2);
    RT_RUN_UNTIL(loop, a.rec.calls && b.rec.calls, 5000);
    ZT_EQ_INT(a.rec.res, 42);
    ZT_EQ_INT(b.rec.res, -EIO);
    ZT_EQ_INT(a.rec.calls, 1);
    ZT_EQ_INT(a.rec.busy_in_cb, 0);
    ZT_CHECK(!pthread_equal(a.fn_thread, pthread_self())); /* fn ran on a pool thread */
    ZT_CHECK(pthread_equal(a.cb_thread, pthread_self()));  /* the callback on the loop's */
    ZT_CHECK(pthread_equal(b.cb_thread, pthread_self()));
    ZT_EQ_INT(a.sigterm_blocked, 1); /* signals stay with the loop thread */
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(a.rec.calls, 1);
    zk_loop_free(loop);
}

ZT_TEST(tpool_work_null_fn_einval)
{
    RT_LOOP(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_work(&op, NULL, NULL, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    ZT_CHECK(!zk_op_busy(&op));
    zk_loop_free(loop);
}

#define NORDER 200

ZT_TEST(tpool_one_thread_completes_in_order)
{
    zk_loop_opts_t o = {.pool_threads = 1};
    RT_LOOP_OPTS(loop, &o);
    static struct job j[NORDER];
    for (int i = 0; i < NORDER; i++) {
        j[i].ret = i;
        job_submit(loop, &j[i]);
    }
    RT_RUN_UNTIL(loop, j[NORDER - 1].rec.calls, 5000);
    for (int i = 0; i < NORDER; i++) {
        ZT_EQ_INT(j[i].rec.calls, 1);
        ZT_EQ_INT(j[i].rec.res, i);
        if (i) ZT_CHECK(j[i].rec.seq == j[i - 1].rec.seq + 1);
    }
    zk_loop_free(loop);
}

ZT_TEST(tpool_full_queue_eagain)
{
    zk_loop_opts_t o = {.pool_threads = 1, .pool_queue = 2};
    RT_LOOP_OPTS(loop, &o);
    volatile int release = 0;
    struct job blk = {.ret = 1, .release = &release}, q1 = {.ret = 2}, q2 = {.ret = 3},
               over = {.ret = 4};
    job_submit(loop, &blk);
    wait_started(&blk); /* taken by the only thread: the queue is empty again */
    job_submit(loop, &q1);
    job_submit(loop, &q2);
    job_submit(loop, &over); /* a third one waiting: no room */
    RT_RUN_UNTIL(loop, over.rec.calls, 2000);
    ZT_EQ_INT(over.rec.res, -EAGAIN);
    ZT_EQ_INT(over.ran, 0);
    ZT_EQ_INT(q1.rec.calls + q2.rec.calls + blk.rec.calls, 0);
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, blk.rec.calls && q1.rec.calls && q2.rec.calls, 5000);
    ZT_EQ_INT(blk.rec.res, 1);
    ZT_EQ_INT(q1.rec.res, 2);
    ZT_EQ_INT(q2.rec.res, 3);
    /* room again */
    job_submit(loop, &over);
    RT_RUN_UNTIL(loop, over.rec.calls == 2, 5000);
    ZT_EQ_INT(over.rec.res, 4);
    zk_loop_free(loop);
}

ZT_TEST(tpool_cancel_before_start)
{
    zk_loop_opts_t o = {.pool_threads = 1};
    RT_LOOP_OPTS(loop, &o);
    volatile int release = 0;
    struct job blk = {.ret = 7, .release = &release}, q = {.ret = 8}, after = {.ret = 9};
    job_submit(loop, &blk);
    wait_started(&blk);
    job_submit(loop, &q);
    job_submit(loop, &after);
    ZT_EQ_INT(zk_cancel(loop, &q.op), 0);
    ZT_EQ_INT(zk_cancel(loop, &q.op), 0); /* a second cancel changes nothing */
    RT_RUN_UNTIL(loop, q.rec.calls, 2000);
    ZT_EQ_INT(q.rec.res, -ECANCELED);
    ZT_EQ_INT(q.rec.busy_in_cb, 0);
    ZT_EQ_INT(zk_cancel(loop, &q.op), -ENOENT);
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, blk.rec.calls && after.rec.calls, 5000);
    ZT_EQ_INT(blk.rec.res, 7);
    ZT_EQ_INT(after.rec.res, 9);
    ZT_EQ_INT(q.ran, 0); /* its fn never ran */
    ZT_EQ_INT(q.rec.calls, 1);
    zk_loop_free(loop);
}

ZT_TEST(tpool_cancel_running_delivers_result)
{
    zk_loop_opts_t o = {.pool_threads = 1};
    RT_LOOP_OPTS(loop, &o);
    volatile int release = 0;
    struct job blk = {.ret = 5, .release = &release};
    job_submit(loop, &blk);
    wait_started(&blk);
    ZT_EQ_INT(zk_cancel(loop, &blk.op), 0);
    ZT_EQ_INT(rt_run_for(loop, 30), 0);
    ZT_EQ_INT(blk.rec.calls, 0); /* still running: no early completion */
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, blk.rec.calls, 5000);
    ZT_EQ_INT(blk.rec.res, 5); /* what fn did is not lost (an fd it opened, say) */
    ZT_EQ_INT(blk.rec.calls, 1);
    zk_loop_free(loop);
}

/* A file op on the pool (epoll, or io_uring without native file ops) cancelled while queued
 * completes with -ECANCELED; a native one completes once, cancelled or with its result. */
ZT_TEST(tpool_file_op_cancel)
{
    zk_loop_opts_t o = {.pool_threads = 1};
    RT_LOOP_OPTS(loop, &o);
    volatile int release = 0;
    struct job blk = {.ret = 0, .release = &release};
    job_submit(loop, &blk);
    wait_started(&blk);
    zk_op_t op;
    rt_rec_t r = {0};
    char buf[8];
    zk_prep_pread(&op, -1, buf, sizeof buf, 0, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls, 2000);
    if (zk_loop_backend(loop) == ZK_BACKEND_EPOLL)
        ZT_EQ_INT(r.res, -ECANCELED);
    else
        ZT_CHECK(r.res == -ECANCELED || r.res == -EBADF);
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, blk.rec.calls, 5000);
    ZT_EQ_INT(r.calls, 1);
    zk_loop_free(loop);
}

/* The loop sleeps in its backend's wait while a job runs, and the job's end wakes it. */
ZT_TEST(tpool_completion_wakes_a_sleeping_loop)
{
    RT_LOOP(loop);
    volatile int release = 0;
    struct job j = {.ret = 3, .release = &release};
    job_submit(loop, &j);
    wait_started(&j);
    uint64_t t0 = rt_wall_ns();
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0); /* returns once nothing is alive */
    ZT_EQ_INT(j.rec.res, 3);
    ZT_CHECK(rt_wall_ns() - t0 < 2 * ZK_SEC);
    zk_loop_free(loop);
}

/* zokiod forks its workers: a child drops the parent's loop (whose pool threads do not exist in
 * the child) with zk_loop_abandon(), and a loop of its own starts a pool of its own. */
ZT_TEST(tpool_fork_child_abandons_and_starts_its_own)
{
    zk_loop_opts_t po = {.pool_threads = 2};
    RT_LOOP_OPTS(loop, &po);
    /* The parent's pool is running, and both its threads have started and gone idle before the
     * fork: each holds one job until both have begun. A thread still starting could hold a lock
     * of the allocator (ASan's is not reset in a forked child, glibc's is), and the child's own
     * pool threads would then wait on it forever. zokiod forks its workers before any pool
     * exists. */
    volatile int go = 0;
    struct job a = {.ret = 1, .release = &go}, a2 = {.ret = 1, .release = &go};
    job_submit(loop, &a);
    job_submit(loop, &a2);
    wait_started(&a);
    wait_started(&a2);
    __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, a.rec.calls && a2.rec.calls, 5000);
    ZT_CHECK(!pthread_equal(a.fn_thread, a2.fn_thread));
    pid_t pid = fork();
    ZT_CHECK(pid >= 0);
    if (pid == 0) {
        zk_loop_abandon(loop);
        zk_loop_t *mine = NULL;
        zk_loop_opts_t o = {.quiet = 1};
        if (zk_loop_new(&mine, &o) < 0) _exit(2);
        struct job c = {.ret = 33};
        job_submit(mine, &c);
        uint64_t end = rt_wall_ns() + 5 * ZK_SEC;
        while (!c.rec.calls && rt_wall_ns() < end)
            zk_loop_run(mine, ZK_RUN_ONCE);
        int ok = c.rec.res == 33 && !pthread_equal(c.fn_thread, pthread_self());
        zk_loop_free(mine);
        _exit(ok ? 0 : 3);
    }
    int st = 0;
    ZT_EQ_INT(waitpid(pid, &st, 0), pid);
    ZT_CHECK(WIFEXITED(st));
    ZT_EQ_INT(WEXITSTATUS(st), 0);
    struct job b = {.ret = 2}; /* the parent's pool still works */
    job_submit(loop, &b);
    RT_RUN_UNTIL(loop, b.rec.calls, 5000);
    ZT_EQ_INT(b.rec.res, 2);
    zk_loop_free(loop);
}

/* On epoll a CLOSE of an fd the backend does not watch (a file) runs on the pool, as the last
 * close of a file can block (an unlinked file's blocks freed, a network file system's flush): it
 * waits behind a busy thread, a cancel while it waits leaves the fd open, and it closes once a
 * thread is free. io_uring closes natively (IORING_OP_CLOSE). */
ZT_TEST(tpool_epoll_file_close_on_pool)
{
    zk_loop_opts_t o = {.pool_threads = 1};
    RT_LOOP_OPTS(loop, &o);
    if (zk_loop_backend(loop) != ZK_BACKEND_EPOLL) {
        zk_loop_free(loop);
        ZT_SKIP("epoll only (io_uring closes natively)");
    }
    volatile int release = 0;
    struct job blk = {.ret = 0, .release = &release};
    job_submit(loop, &blk);
    wait_started(&blk);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ZT_CHECK(fd >= 0);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_close(&op, fd, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 0); /* waiting for the pool's only thread */
    ZT_CHECK(fcntl(fd, F_GETFD) >= 0);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls, 2000);
    ZT_EQ_INT(r.res, -ECANCELED);
    ZT_CHECK(fcntl(fd, F_GETFD) >= 0); /* not closed */
    memset(&r, 0, sizeof r);
    zk_prep_close(&op, fd, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, r.calls && blk.rec.calls, 5000);
    ZT_EQ_INT(r.res, 0);
    ZT_EQ_INT(fcntl(fd, F_GETFD), -1);
    /* a socket the backend watches still closes inline (its per-fd state forgotten at once) */
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    zk_op_t rv;
    rt_rec_t rr = {0};
    char ch;
    zk_prep_recv(&rv, a, &ch, 1, rt_rec_cb, &rr);
    ZT_EQ_INT(zk_submit(loop, &rv), 0);
    memset(&blk, 0, sizeof blk);
    release = 0;
    blk.release = &release;
    job_submit(loop, &blk);
    wait_started(&blk);
    memset(&r, 0, sizeof r);
    zk_prep_close(&op, a, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, r.calls && rr.calls, 2000); /* the thread is still busy */
    ZT_EQ_INT(r.res, 0);
    ZT_EQ_INT(rr.res, -ECANCELED);
    __atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
    RT_RUN_UNTIL(loop, blk.rec.calls, 5000);
    close(b);
    zk_loop_free(loop);
}

/* ---- CPU affinity: pool threads (and io_uring's io-wq workers) run where the loop thread may ----
 * zokiod pins a worker (worker_cpu_affinity) before it creates its loop, and the pool starts on
 * the first op that needs it: its threads inherit the loop thread's CPU set. */

/* on a pool thread: 1 when this thread may run on CPU *arg only, else the count of its CPUs */
static int own_cpus_fn(void *arg)
{
    cpu_set_t s;
    if (sched_getaffinity(0, sizeof s, &s) < 0) return -errno;
    return CPU_COUNT(&s) == 1 && CPU_ISSET(*(int *)arg, &s) ? 1 : 100 + CPU_COUNT(&s);
}

/* Every thread of this process: 0 when each one's Cpus_allowed_list is `want`, else the count of
 * those that are not; *n = threads seen. */
static int threads_off_cpu(const char *want, int *n)
{
    DIR *d = opendir("/proc/self/task");
    int bad = 0;
    *n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[96], line[256];
        snprintf(path, sizeof path, "/proc/self/task/%.32s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue; /* the thread just ended */
        (*n)++;
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "Cpus_allowed_list:\t", 19)) {
                line[strcspn(line, "\n")] = '\0';
                if (strcmp(line + 19, want)) bad++;
            }
        fclose(f);
    }
    closedir(d);
    return bad;
}

ZT_TEST(tpool_threads_inherit_cpu_affinity)
{
    cpu_set_t all, one;
    ZT_EQ_INT(sched_getaffinity(0, sizeof all, &all), 0);
    if (CPU_COUNT(&all) < 2) ZT_SKIP("%s", "one CPU only");
    int cpu = 0;
    while (!CPU_ISSET(cpu, &all))
        cpu++;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ZT_EQ_INT(sched_setaffinity(0, sizeof one, &one), 0); /* as a pinned zokiod worker */
    zk_loop_opts_t o = {.pool_threads = 3};
    RT_LOOP_OPTS(loop, &o);
    struct job j[3];
    memset(j, 0, sizeof j);
    for (int i = 0; i < 3; i++) {
        zk_prep_work(&j[i].op, own_cpus_fn, &cpu, rt_rec_cb, &j[i].rec);
        ZT_EQ_INT(zk_submit(loop, &j[i].op), 0);
    }
    /* and an fsync: on io_uring it runs on an io-wq worker, a thread of this process too */
    char path[] = "/tmp/zk-aff.XXXXXX";
    int fd = mkstemp(path);
    ZT_CHECK(fd >= 0);
    unlink(path);
    ZT_EQ_INT(write(fd, "x", 1), 1);
    zk_op_t fs;
    rt_rec_t fsr = {0};
    zk_prep_fsync(&fs, fd, 0, rt_rec_cb, &fsr);
    ZT_EQ_INT(zk_submit(loop, &fs), 0);
    RT_RUN_UNTIL(loop, j[0].rec.calls && j[1].rec.calls && j[2].rec.calls && fsr.calls, 5000);
    for (int i = 0; i < 3; i++) /* one CPU, seen from the pool thread itself */
        ZT_EQ_INT(j[i].rec.res, 1);
    ZT_EQ_INT(fsr.res, 0);
    char want[16];
    snprintf(want, sizeof want, "%d", cpu);
    int n = 0;
    ZT_EQ_INT(threads_off_cpu(want, &n), 0);
    ZT_CHECK(n >= 4); /* the loop thread and the 3 pool threads at least */
    close(fd);
    zk_loop_free(loop);
}
