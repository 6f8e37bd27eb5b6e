/* SPDX-License-Identifier: MIT */
/* rt_files: file-op throughput of the loop. `read` keeps DEPTH random 4 KiB preads in flight on
 * FILE (aligned, uniform over the file; have it in the page cache to measure the runtime, not the
 * disk); `work` keeps DEPTH no-op ZK_OP_WORK ops in flight (the thread pool's round trip: queue,
 * thread, done list, eventfd, callback). The backend comes from ZOKIO_BACKEND (io_uring runs the
 * reads natively, epoll on the pool). Prints one line: ops/s and CPU microseconds per op (user +
 * system of the whole process, pool threads included; io_uring's io-wq kernel threads are not).
 *
 *   rt_files read FILE [SECONDS=5] [DEPTH=64] [THREADS=4]
 *   rt_files work -    [SECONDS=5] [DEPTH=64] [THREADS=4]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/zk.h"

#define BS       4096
#define MAXDEPTH 1024

typedef struct slot {
    zk_op_t op;
    char buf[BS] __attribute__((aligned(64)));
} slot_t;

static slot_t slots[MAXDEPTH];
static int fd = -1, work, stopping, errors;
static uint64_t done, nblocks, rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int nop(void *arg) { return (int)(intptr_t)arg; }

static void op_cb(zk_loop_t *loop, zk_op_t *op, int res);

static void start(zk_loop_t *loop, slot_t *s)
{
    if (work)
        zk_prep_work(&s->op, nop, (void *)(intptr_t)BS, op_cb, s);
    else
        zk_prep_pread(&s->op, fd, s->buf, BS, (int64_t)(next_rand() % nblocks) * BS, op_cb, s);
    zk_submit(loop, &s->op);
}

static void op_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    if (res != BS) errors++;
    done++;
    if (!stopping) start(loop, op->data);
}

static void stop_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop, (void)op, (void)res;
    stopping = 1;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "read") && strcmp(argv[1], "work"))) {
        fprintf(stderr, "usage: rt_files read|work FILE|- [SECONDS] [DEPTH] [THREADS]\n");
        return 2;
    }
    work = !strcmp(argv[1], "work");
    double secs = argc > 3 ? atof(argv[3]) : 5;
    int depth = argc > 4 ? atoi(argv[4]) : 64;
    unsigned threads = argc > 5 ? (unsigned)atoi(argv[5]) : 4;
    if (depth < 1 || depth > MAXDEPTH) depth = 64;
    if (!work) {
        struct stat st;
        if ((fd = open(argv[2], O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
            perror(argv[2]);
            return 1;
        }
        nblocks = (uint64_t)st.st_size / BS;
        if (!nblocks) return fprintf(stderr, "rt_files: %s is too small\n", argv[2]), 1;
    }
    zk_loop_t *loop;
    zk_loop_opts_t o = {.quiet = 1, .pool_threads = threads};
    int r = zk_loop_new(&loop, &o);
    if (r < 0) return fprintf(stderr, "rt_files: zk_loop_new: %s\n", strerror(-r)), 1;
    zk_op_t timer;
    zk_prep_timeout(&timer, (uint64_t)(0.5 * ZK_SEC), stop_cb, NULL); /* warm-up */
    zk_submit(loop, &timer);
    for (int i = 0; i < depth; i++)
        start(loop, &slots[i]);
    while (!stopping)
        zk_loop_run(loop, ZK_RUN_ONCE);
    stopping = 0;
    uint64_t d0 = done;
    double c0 = cpu_s(), t0 = (double)zk_loop_update_now(loop) / 1e9;
    zk_prep_timeout(&timer, (uint64_t)(secs * ZK_SEC), stop_cb, NULL);
    zk_submit(loop, &timer);
    while (!stopping)
        zk_loop_run(loop, ZK_RUN_ONCE);
    double el = (double)zk_loop_update_now(loop) / 1e9 - t0, cpu = cpu_s() - c0;
    uint64_t n = done - d0;
    zk_loop_run(loop, ZK_RUN_DEFAULT); /* the ops in flight land */
    printf("mode=%s backend=%s depth=%d threads=%u ops=%llu ops_per_s=%.0f cpu_us_per_op=%.2f "
           "errors=%d\n",
           argv[1], zk_loop_backend_name(loop), depth, threads, (unsigned long long)n, n / el,
           cpu * 1e6 / (double)n, errors);
    zk_loop_free(loop);
    return errors ? 1 : 0;
}
