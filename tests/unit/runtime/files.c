/* SPDX-License-Identifier: MIT */
/* File ops (openat, statx, pread/pwrite, preadv/pwritev, fsync, close): success and error paths
 * on both backends (native SQEs on io_uring, the thread pool on epoll). */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"
#include "zk_features.h"

#ifdef HAVE_OPENAT2
#include <linux/openat2.h>
#endif

/* A fresh directory per test (each test is its own process); removed with its files. */
static char tdir[64];

static int tdir_make(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tdir, sizeof tdir, "%.40s/zkf.XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tdir) ? 0 : -errno;
}

static void tdir_rm(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tdir);
}

static void tpath(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", tdir, name); }

/* Submits op and runs the loop until it completed once; returns its result. */
#define RUN_OP(loop, op, rec)                                                                      \
    do {                                                                                           \
        ZT_EQ_INT(zk_submit((loop), (op)), 0);                                                     \
        RT_RUN_UNTIL((loop), (rec).calls > 0, 5000);                                               \
    } while (0)

static int open_file(zk_loop_t *loop, const char *path, int flags)
{
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_openat(&op, AT_FDCWD, path, flags, 0600, rt_rec_cb, &r);
    if (zk_submit(loop, &op) < 0) return -EINVAL;
    while (!r.calls)
        if (zk_loop_run(loop, ZK_RUN_ONCE) < 0) return -EIO;
    return r.res;
}

ZT_TEST(files_openat_missing_enoent)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "nope/missing");
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_openat(&op, AT_FDCWD, p, O_RDONLY, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.calls, 1);
    ZT_EQ_INT(r.res, -ENOENT);
    ZT_EQ_INT(r.busy_in_cb, 0);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* io_uring runs file ops natively (unless ZOKIO_URING_BASIC turned the probes off) */
    const char *basic = getenv("ZOKIO_URING_BASIC");
    if (zk_loop_backend(loop) == ZK_BACKEND_URING && !(basic && *basic && strcmp(basic, "0")))
        ZT_CHECK(strstr(zk_loop_backend_reason(loop), " files") != NULL);
    tdir_rm();
    zk_loop_free(loop);
}

ZT_TEST(files_write_then_read_at_offset)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "f");
    int fd = open_file(loop, p, O_RDWR | O_CREAT | O_TRUNC);
    ZT_CHECK(fd >= 0);
    ZT_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    static char data[10000], got[200];
    rt_fill(data, sizeof data, 7);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_pwrite(&op, fd, data, sizeof data, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, (int)sizeof data);
    /* in the middle */
    memset(&r, 0, sizeof r);
    zk_prep_pread(&op, fd, got, 100, 5000, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 100);
    ZT_CHECK(memcmp(got, data + 5000, 100) == 0);
    /* short at the end of the file */
    memset(&r, 0, sizeof r);
    zk_prep_pread(&op, fd, got, 200, 9950, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 50);
    ZT_CHECK(memcmp(got, data + 9950, 50) == 0);
    /* past it */
    memset(&r, 0, sizeof r);
    zk_prep_pread(&op, fd, got, 200, 20000, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 0);
    /* a write at an offset leaves the rest alone (and the fd's own position unused) */
    memset(&r, 0, sizeof r);
    zk_prep_pwrite(&op, fd, "XYZ", 3, 10, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 3);
    ZT_EQ_INT(pread(fd, got, 16, 8), 16);
    ZT_CHECK(memcmp(got, data + 8, 2) == 0 && memcmp(got + 2, "XYZ", 3) == 0 &&
             memcmp(got + 5, data + 13, 11) == 0);
    ZT_EQ_INT((int)lseek(fd, 0, SEEK_CUR), 0);
    ZT_EQ_INT(zk_close(loop, fd), 0);
    tdir_rm();
    zk_loop_free(loop);
}

/* A negative offset would mean "the fd's position" to io_uring and EINVAL to pread(2): refused at
 * submit on both backends (the op never completes). */
ZT_TEST(files_negative_offset_einval)
{
    RT_LOOP(loop);
    zk_op_t op;
    rt_rec_t r = {0};
    char b[4];
    struct iovec iov = {b, sizeof b};
    zk_prep_pread(&op, 0, b, sizeof b, -1, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    zk_prep_pwrite(&op, 1, b, sizeof b, -5, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    zk_prep_preadv(&op, 0, &iov, 1, -1, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    zk_prep_pwritev(&op, 1, &iov, 1, -1, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    ZT_CHECK(!zk_op_busy(&op));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(r.calls, 0);
    zk_loop_free(loop);
}

ZT_TEST(files_pwrite_readonly_ebadf)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "ro");
    int w = open(p, O_WRONLY | O_CREAT, 0600);
    ZT_CHECK(w >= 0);
    ZT_EQ_INT(write(w, "hello", 5), 5);
    close(w);
    int fd = open_file(loop, p, O_RDONLY);
    ZT_CHECK(fd >= 0);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_pwrite(&op, fd, "x", 1, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, -EBADF);
    struct iovec iov = {.iov_base = "y", .iov_len = 1};
    memset(&r, 0, sizeof r);
    zk_prep_pwritev(&op, fd, &iov, 1, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, -EBADF);
    ZT_EQ_INT(zk_close(loop, fd), 0);
    tdir_rm();
    zk_loop_free(loop);
}

ZT_TEST(files_preadv_pwritev)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "v");
    int fd = open_file(loop, p, O_RDWR | O_CREAT | O_TRUNC);
    ZT_CHECK(fd >= 0);
    char a[] = "first-", b[] = "second-", c[] = "third";
    struct iovec wv[3] = {{a, 6}, {b, 7}, {c, 5}};
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_pwritev(&op, fd, wv, 3, 100, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 18);
    char x[4] = {0}, y[32] = {0};
    struct iovec rv[2] = {{x, 4}, {y, sizeof y}};
    memset(&r, 0, sizeof r);
    zk_prep_preadv(&op, fd, rv, 2, 98, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 20); /* 2 zero bytes of the hole, then the 18 written */
    ZT_CHECK(x[0] == 0 && x[1] == 0 && memcmp(x + 2, "fi", 2) == 0);
    ZT_CHECK(memcmp(y, "rst-second-third", 16) == 0);
    ZT_EQ_INT(zk_close(loop, fd), 0);
    tdir_rm();
    zk_loop_free(loop);
}

ZT_TEST(files_fsync_and_bad_fd)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "s");
    int fd = open_file(loop, p, O_RDWR | O_CREAT | O_TRUNC);
    ZT_CHECK(fd >= 0);
    ZT_EQ_INT(write(fd, "data", 4), 4);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_fsync(&op, fd, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 0);
    memset(&r, 0, sizeof r);
    zk_prep_fsync(&op, fd, ZK_FSYNC_DATASYNC, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 0);
    int dead = dup(fd);
    ZT_CHECK(dead >= 0);
    close(dead);
    memset(&r, 0, sizeof r);
    zk_prep_fsync(&op, dead, 0, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, -EBADF);
    ZT_EQ_INT(zk_close(loop, fd), 0);
    tdir_rm();
    zk_loop_free(loop);
}

ZT_TEST(files_statx_size_mtime)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "st");
    int w = open(p, O_WRONLY | O_CREAT, 0600);
    ZT_CHECK(w >= 0);
    static char buf[12345];
    ZT_EQ_INT(write(w, buf, sizeof buf), (int)sizeof buf);
    struct timespec ts[2] = {{1234567890, 500}, {1234567890, 500}};
    ZT_EQ_INT(futimens(w, ts), 0);
    close(w);
    struct statx stx;
    memset(&stx, 0xff, sizeof stx);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_statx(&op, AT_FDCWD, p, 0, STATX_SIZE | STATX_MTIME, &stx, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 0);
    ZT_CHECK(stx.stx_mask & STATX_SIZE);
    ZT_EQ_INT((int)stx.stx_size, (int)sizeof buf);
    ZT_EQ_INT((long)stx.stx_mtime.tv_sec, 1234567890L);
    ZT_EQ_INT((int)stx.stx_mtime.tv_nsec, 500);
    /* relative to a directory fd */
    int dfd = open(tdir, O_RDONLY | O_DIRECTORY);
    ZT_CHECK(dfd >= 0);
    memset(&r, 0, sizeof r);
    zk_prep_statx(&op, dfd, "st", 0, STATX_SIZE, &stx, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 0);
    ZT_EQ_INT((int)stx.stx_size, (int)sizeof buf);
    memset(&r, 0, sizeof r);
    zk_prep_statx(&op, dfd, "missing", 0, STATX_SIZE, &stx, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, -ENOENT);
    close(dfd);
    tdir_rm();
    zk_loop_free(loop);
}

/* OPENAT2 with RESOLVE_BENEATH: a way out is -EXDEV, a missing file -ENOENT, a file beneath the
 * directory an fd (O_CLOEXEC added); native on io_uring (where the kernel has the opcode), the
 * pool on epoll */
ZT_TEST(files_openat2_beneath)
{
#ifndef HAVE_OPENAT2
    ZT_SKIP("built without openat2 (linux/openat2.h)");
#else
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "in");
    int w = open(p, O_WRONLY | O_CREAT, 0600);
    ZT_CHECK(w >= 0);
    ZT_EQ_INT(write(w, "beneath", 7), 7);
    close(w);
    int dfd = open(tdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ZT_CHECK(dfd >= 0);
    static const char *const paths[] = {"../x", "missing", "in"};
    int want[] = {-EXDEV, -ENOENT, 0};
    for (int i = 0; i < 3; i++) {
        struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
        zk_op_t op;
        rt_rec_t r = {0};
        zk_prep_openat2(&op, dfd, paths[i], &how, rt_rec_cb, &r);
        RUN_OP(loop, &op, r);
        if (r.res == -ENOSYS) ZT_SKIP("the kernel has no openat2");
        ZT_EQ_INT(r.calls, 1);
        if (want[i] < 0) {
            ZT_EQ_INT(r.res, want[i]);
            continue;
        }
        ZT_CHECK(r.res >= 0);
        char buf[16];
        ZT_EQ_INT((int)pread(r.res, buf, sizeof buf, 0), 7);
        ZT_CHECK(memcmp(buf, "beneath", 7) == 0);
        ZT_EQ_INT(fcntl(r.res, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        close(r.res);
    }
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    /* native on io_uring (unless ZOKIO_URING_BASIC turned the probes off), the pool on epoll */
    const char *basic = getenv("ZOKIO_URING_BASIC");
    int uring =
        zk_loop_backend(loop) == ZK_BACKEND_URING && !(basic && *basic && strcmp(basic, "0"));
    ZT_EQ_INT(zk_op_native(loop, ZK_OP_OPENAT2), uring);
    ZT_EQ_INT(zk_op_native(loop, ZK_OP_WORK), 0);
    /* no how: refused */
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_openat2(&op, dfd, "in", NULL, rt_rec_cb, &r);
    ZT_EQ_INT(zk_submit(loop, &op), -EINVAL);
    close(dfd);
    tdir_rm();
    zk_loop_free(loop);
#endif
}

ZT_TEST(files_close_op)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "c");
    int fd = open_file(loop, p, O_RDWR | O_CREAT);
    ZT_CHECK(fd >= 0);
    zk_op_t op;
    rt_rec_t r = {0};
    zk_prep_close(&op, fd, rt_rec_cb, &r);
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, 0);
    ZT_EQ_INT(fcntl(fd, F_GETFD), -1);
    ZT_EQ_INT(errno, EBADF);
    memset(&r, 0, sizeof r);
    zk_prep_close(&op, fd, rt_rec_cb, &r); /* already closed */
    RUN_OP(loop, &op, r);
    ZT_EQ_INT(r.res, -EBADF);
    tdir_rm();
    zk_loop_free(loop);
}

/* ---- futures ---- */

struct fcopy {
    zk_task_t task;
    zk_io_future_t io;
    const char *path;
    char buf[64];
    int st, fd, n;
    int err;
};

static zk_poll_t fcopy_run(zk_task_t *t)
{
    struct fcopy *c = t->data;
    for (;;) {
        if (c->st > 0 && zk_poll(&c->io.base, t) == ZK_PENDING) return ZK_PENDING;
        switch (c->st++) {
        case 0: zk_fut_openat(&c->io, AT_FDCWD, c->path, O_RDWR | O_CREAT | O_TRUNC, 0600); break;
        case 1:
            if ((c->fd = c->io.base.result) < 0) return c->err = c->fd, ZK_READY;
            zk_fut_pwrite(&c->io, c->fd, "future bytes", 12, 3);
            break;
        case 2: zk_fut_pread(&c->io, c->fd, c->buf, sizeof c->buf, 0); break;
        case 3:
            c->n = c->io.base.result;
            zk_fut_fsync(&c->io, c->fd, 0);
            break;
        case 4:
            if (c->io.base.result < 0) c->err = c->io.base.result;
            zk_fut_close(&c->io, c->fd);
            break;
        default: return ZK_READY;
        }
    }
}

ZT_TEST(files_futures_in_a_task)
{
    RT_LOOP(loop);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "fut");
    struct fcopy c = {.path = p};
    zk_task_init(&c.task, loop, fcopy_run, NULL, &c);
    zk_spawn(&c.task);
    RT_RUN_UNTIL(loop, c.task.finished, 5000);
    ZT_EQ_INT(c.err, 0);
    ZT_EQ_INT(c.n, 15);
    ZT_CHECK(memcmp(c.buf, "\0\0\0future bytes", 15) == 0);
    ZT_EQ_INT(c.io.base.result, 0); /* the close */
    tdir_rm();
    zk_loop_free(loop);
}

/* ---- many in flight ---- */

#define MANY  10000
#define CHUNK 16

struct many {
    zk_op_t ops[MANY];
    char bufs[MANY][CHUNK];
    char data[MANY * CHUNK];
    int done, bad, wrong_thread;
    pthread_t loop_thread;
};

static void many_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    struct many *m = op->data;
    long i = op - m->ops;
    m->done++;
    if (!pthread_equal(pthread_self(), m->loop_thread)) m->wrong_thread++;
    if (res != CHUNK || memcmp(m->bufs[i], m->data + i * CHUNK, CHUNK) != 0) m->bad++;
}

static int many_round(zk_loop_t *loop, struct many *m, int fd)
{
    m->done = 0;
    memset(m->bufs, 0, sizeof m->bufs);
    for (int i = 0; i < MANY; i++) {
        zk_prep_pread(&m->ops[i], fd, m->bufs[i], CHUNK, (int64_t)i * CHUNK, many_cb, m);
        if (zk_submit(loop, &m->ops[i]) < 0) return -1;
    }
    uint64_t end = rt_wall_ns() + 10 * ZK_SEC;
    while (m->done < MANY && rt_wall_ns() < end)
        if (zk_loop_run(loop, ZK_RUN_ONCE) < 0) return -1;
    return m->done;
}

ZT_TEST(files_ten_thousand_in_flight_no_malloc)
{
    zk_loop_opts_t o = {.pool_queue = MANY + 16};
    RT_LOOP_OPTS(loop, &o);
    ZT_EQ_INT(tdir_make(), 0);
    char p[96];
    tpath(p, sizeof p, "many");
    struct many *m = calloc(1, sizeof *m);
    ZT_CHECK(m != NULL);
    m->loop_thread = pthread_self();
    rt_fill(m->data, sizeof m->data, 11);
    int w = open(p, O_WRONLY | O_CREAT, 0600);
    ZT_CHECK(w >= 0);
    ZT_EQ_INT(write(w, m->data, sizeof m->data), (int)sizeof m->data);
    close(w);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    ZT_CHECK(fd >= 0);
    ZT_EQ_INT(many_round(loop, m, fd), MANY); /* warm: the pool's threads start here */
    ZT_EQ_INT(m->bad, 0);
    struct mallinfo2 before = mallinfo2();
    ZT_EQ_INT(many_round(loop, m, fd), MANY);
    struct mallinfo2 after = mallinfo2();
    ZT_EQ_INT(m->bad, 0);
    ZT_EQ_INT(m->wrong_thread, 0);
    /* nothing allocated for 10,000 ops (bytes in use by malloc unchanged) */
    ZT_EQ_INT((long)after.uordblks, (long)before.uordblks);
    ZT_EQ_INT((long)after.hblkhd, (long)before.hblkhd);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    close(fd);
    free(m);
    tdir_rm();
    zk_loop_free(loop);
}
