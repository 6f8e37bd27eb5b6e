/* SPDX-License-Identifier: MIT */
/* ZK_OP_SENDFILE: file -> socket, looping on short results; a reader thread checks the bytes. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/unit/runtime/rt.h"

#define SF_SIZE (3 * 1024 * 1024 + 4321)

struct sf_reader {
    int fd;
    unsigned char *buf;
    size_t cap;
    long got;
};

static void *sf_reader_main(void *arg)
{
    struct sf_reader *r = arg;
    r->got = rt_read_full(r->fd, r->buf, r->cap, 3000); /* to EOF or cap */
    return NULL;
}

/* A temp file of n pseudo-random bytes (kept in *data); returns the fd or -errno. */
static int sf_file(unsigned char *data, size_t n, uint32_t seed)
{
    char path[] = "/tmp/zk-sendfile-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -errno;
    unlink(path);
    rt_fill(data, n, seed);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w <= 0) {
            close(fd);
            return -EIO;
        }
        off += (size_t)w;
    }
    return fd;
}

struct sf_state {
    int calls;
    int res;
};

static void sf_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    (void)loop;
    struct sf_state *s = op->data;
    s->calls++;
    s->res = res;
}

/* Sends [off, off+len) of the file through the loop; returns 0 or the failing result. */
static int sf_send(zk_loop_t *loop, int sock, int file, int64_t off, size_t len, int *ops)
{
    struct sf_state s = {0, 0};
    zk_op_t op;
    size_t done = 0;
    while (done < len) {
        int calls = s.calls;
        zk_prep_sendfile(&op, sock, file, off + (int64_t)done, len - done, sf_cb, &s);
        int rc = zk_submit(loop, &op);
        if (rc < 0) return rc;
        rt_guard_t g;
        rt_guard_start(loop, &g, 3000);
        while (s.calls == calls && !rt_guard_expired(&g))
            zk_loop_run(loop, ZK_RUN_ONCE);
        rt_guard_stop(loop, &g);
        if (s.calls == calls) return -ETIMEDOUT;
        if (s.res <= 0) return s.res == 0 ? -ENODATA : s.res;
        if ((size_t)s.res > len - done) return -E2BIG;
        done += (size_t)s.res;
        (*ops)++;
    }
    return 0;
}

static void sendfile_range(int64_t off, size_t len, uint32_t seed)
{
    RT_LOOP(loop);
    static unsigned char data[SF_SIZE], got[SF_SIZE + 16];
    int file = sf_file(data, SF_SIZE, seed);
    if (file < 0) ZT_FAIL("temp file: %s", strerror(-file));
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    memset(got, 0, sizeof(got));
    struct sf_reader r = {b, got, sizeof(got), 0};
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, sf_reader_main, &r), 0);
    int ops = 0;
    int rc = sf_send(loop, a, file, off, len, &ops);
    shutdown(a, SHUT_WR); /* EOF for the reader */
    pthread_join(th, NULL);
    if (rc != 0)
        ZT_FAIL("sendfile failed after %d ops: %d (%s)", ops, rc, strerror(rc < 0 ? -rc : rc));
    ZT_EQ_INT(r.got, (long)len);
    for (size_t i = 0; i < len; i++)
        if (got[i] != data[(size_t)off + i])
            ZT_FAIL("byte %zu differs: got %u, want %u", i, got[i], data[(size_t)off + i]);
    /* the file offset is not moved by an explicit-offset sendfile */
    ZT_EQ_INT(lseek(file, 0, SEEK_CUR), SF_SIZE);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_close(loop, a);
    close(b);
    close(file);
    zk_loop_free(loop);
}

ZT_TEST(sendfile_3mib) { sendfile_range(0, SF_SIZE, 31337); }

ZT_TEST(sendfile_at_offset) { sendfile_range(12345, 100000, 777); }

/* Past the end of the file: nothing to move. */
ZT_TEST(sendfile_past_eof)
{
    RT_LOOP(loop);
    static unsigned char data[4096];
    int file = sf_file(data, sizeof(data), 1);
    ZT_CHECK(file >= 0);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    struct sf_state s = {0, 0};
    zk_op_t op;
    zk_prep_sendfile(&op, a, file, 8192, 100, sf_cb, &s);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, s.calls > 0, 2000);
    ZT_EQ_INT(s.calls, 1);
    ZT_EQ_INT(s.res, 0);
    zk_close(loop, a);
    close(b);
    close(file);
    zk_loop_free(loop);
}

/* A sendfile stuck on a full socket is cancelled: one completion, -ECANCELED or the bytes moved
 * so far. The next sendfile must not carry any stale bytes of the cancelled one. */
ZT_TEST(sendfile_cancel_then_reuse)
{
    RT_LOOP(loop);
    static unsigned char data[SF_SIZE], data2[200000], got[200000 + 16];
    int file = sf_file(data, SF_SIZE, 4);
    ZT_CHECK(file >= 0);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    /* fill the socket, so that the sendfile has to wait */
    static char junk[65536];
    while (send(a, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0) {
    }
    struct sf_state s = {0, 0};
    zk_op_t op;
    zk_prep_sendfile(&op, a, file, 0, SF_SIZE, sf_cb, &s);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 50), 0);
    if (s.calls) ZT_FAIL("sendfile into a full socket completed with %d instead of waiting", s.res);
    ZT_EQ_INT(zk_cancel(loop, &op), 0);
    RT_RUN_UNTIL(loop, s.calls > 0, 2000);
    ZT_EQ_INT(rt_run_for(loop, 20), 0);
    ZT_EQ_INT(s.calls, 1);
    if (s.res != -ECANCELED && !(s.res > 0 && s.res < SF_SIZE))
        ZT_FAIL("cancelled sendfile completed with %d (%s)", s.res,
                s.res < 0 ? strerror(-s.res) : "bytes");
    ZT_CHECK(!zk_op_busy(&op));
    zk_close(loop, a);
    close(b);
    /* a second transfer on a new connection */
    int file2 = sf_file(data2, sizeof(data2), 5);
    ZT_CHECK(file2 >= 0);
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    memset(got, 0, sizeof(got));
    struct sf_reader r = {b, got, sizeof(got), 0};
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, sf_reader_main, &r), 0);
    int ops = 0;
    int rc = sf_send(loop, a, file2, 0, sizeof(data2), &ops);
    shutdown(a, SHUT_WR);
    pthread_join(th, NULL);
    ZT_EQ_INT(rc, 0);
    ZT_EQ_INT(r.got, (long)sizeof(data2));
    ZT_CHECK(memcmp(got, data2, sizeof(data2)) == 0);
    zk_close(loop, a);
    close(b);
    close(file);
    close(file2);
    zk_loop_free(loop);
}

/* A sendfile into a full socket waits for room (it must not fail with -EAGAIN). */
ZT_TEST(sendfile_waits_for_room)
{
    RT_LOOP(loop);
    static unsigned char data[100000];
    int file = sf_file(data, sizeof(data), 9);
    ZT_CHECK(file >= 0);
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    static unsigned char junk[65536];
    size_t junked = 0;
    for (;;) {
        ssize_t n = send(a, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
        junked += (size_t)n;
    }
    enum { CAP = 32 << 20 };
    unsigned char *got = calloc(1, CAP);
    ZT_CHECK(got != NULL);
    ZT_CHECK(junked + sizeof(data) < CAP);
    struct sf_state s = {0, 0};
    zk_op_t op;
    zk_prep_sendfile(&op, a, file, 0, sizeof(data), sf_cb, &s);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    ZT_EQ_INT(rt_run_for(loop, 30), 0);
    if (s.calls) ZT_FAIL("sendfile into a full socket completed with %d instead of waiting", s.res);
    struct sf_reader r = {b, got, CAP, 0};
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, sf_reader_main, &r), 0);
    RT_WAIT(loop, s.calls > 0, 2000);
    int first = s.res;
    int ops = 0, rc = 0;
    if (first > 0 && (size_t)first < sizeof(data))
        rc = sf_send(loop, a, file, first, sizeof(data) - (size_t)first, &ops);
    shutdown(a, SHUT_WR);
    pthread_join(th, NULL);
    if (s.calls == 0) ZT_FAIL("%s", "sendfile still pending 2 s after the reader started");
    if (first <= 0) ZT_FAIL("sendfile completed with %d once the reader drained the socket", first);
    ZT_EQ_INT(rc, 0);
    ZT_EQ_INT(r.got, (long)(junked + sizeof(data)));
    ZT_CHECK(memcmp(got + junked, data, sizeof(data)) == 0);
    free(got);
    zk_close(loop, a);
    close(b);
    close(file);
    zk_loop_free(loop);
}

/* A range past 2 GiB in one op: the op moves at most ZK_SENDFILE_MAX bytes and says how many
 * (an int result cannot carry more), and the caller goes on from there. The file is sparse, on
 * tmpfs: its holes cost neither disk nor page cache (about a second on loopback). */
#define SF_BIG ((size_t)1 << 31 | (size_t)3 << 20)

struct sf_sink {
    int fd;
    uint64_t got;
    int err;
};

static void *sf_sink_main(void *arg)
{
    struct sf_sink *s = arg;
    static char buf[1 << 20];
    for (;;) {
        ssize_t n = read(s->fd, buf, sizeof(buf));
        if (n > 0) {
            s->got += (uint64_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        s->err = n < 0 ? errno : 0;
        return NULL;
    }
}

/* a sparse file of n bytes on tmpfs; fd or -errno */
static int sf_sparse(size_t n)
{
    char path[] = "/dev/shm/zk-sendfile-big-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -errno;
    unlink(path);
    if (ftruncate(fd, (off_t)n) == 0 && pwrite(fd, "end", 3, (off_t)n - 3) == 3) return fd;
    int e = -errno;
    close(fd);
    return e;
}

ZT_TEST(sendfile_over_2gib_counts)
{
    RT_LOOP(loop);
    int file = sf_sparse(SF_BIG);
    if (file < 0) ZT_SKIP("no sparse file on /dev/shm: %s", strerror(-file));
    int a, b;
    ZT_EQ_INT(rt_pair(&a, &b), 0);
    fcntl(b, F_SETFL, fcntl(b, F_GETFL) & ~O_NONBLOCK); /* the sink blocks in read(2) */
    struct sf_sink sink = {b, 0, 0};
    pthread_t th;
    ZT_EQ_INT(pthread_create(&th, NULL, sf_sink_main, &sink), 0);
    struct sf_state s = {0, 0};
    zk_op_t op;
    uint64_t done = 0;
    int ops = 0, first = 0;
    while (done < SF_BIG) {
        int calls = s.calls;
        zk_prep_sendfile(&op, a, file, (int64_t)done, SF_BIG - done, sf_cb, &s);
        ZT_EQ_INT(zk_submit(loop, &op), 0);
        RT_RUN_UNTIL(loop, s.calls > calls, 10000);
        if (!ops++) first = s.res;
        if (s.res <= 0) break;
        done += (uint64_t)s.res;
    }
    shutdown(a, SHUT_WR);
    pthread_join(th, NULL);
    if (s.res <= 0)
        ZT_FAIL("sendfile of %zu bytes from %llu ended with %d (%s) after %d ops", SF_BIG - done,
                (unsigned long long)done, s.res, s.res < 0 ? strerror(-s.res) : "no bytes", ops);
    ZT_EQ_INT(done, SF_BIG);
    ZT_CHECK(first > 0 && (uint64_t)first <= ZK_SENDFILE_MAX);
    ZT_EQ_INT(sink.err, 0);
    ZT_EQ_INT(sink.got, SF_BIG);
    zk_close(loop, a);
    close(b);
    close(file);
    zk_loop_free(loop);
}

/* Pipe pairs pooled by a burst of concurrent large sendfiles (io_uring splices through them) are
 * closed once they have been idle for pipe_idle_ms: the process's pipe fds come back to what
 * they were before the burst. */
#define SFP_CONNS 12
#define SFP_SIZE  (2 * 1024 * 1024 + 1) /* over the 1 MiB sent inline: spliced */

static int sfp_count_pipes(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -errno;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char link[64];
        ssize_t len = readlinkat(dirfd(d), e->d_name, link, sizeof(link));
        if (len >= 5 && memcmp(link, "pipe:", 5) == 0) n++;
    }
    closedir(d);
    return n;
}

struct sfp_conn {
    int a, b, file;
    size_t done;
    int res, finished;
    zk_op_t op;
    pthread_t th;
    long got;
};

static void sfp_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    struct sfp_conn *c = op->data;
    c->res = res;
    if (res > 0) c->done += (size_t)res;
    if (res <= 0 || c->done == SFP_SIZE) {
        c->finished = 1;
        return;
    }
    zk_prep_sendfile(op, c->a, c->file, (int64_t)c->done, SFP_SIZE - c->done, sfp_cb, c);
    zk_submit(loop, op);
}

static void *sfp_reader(void *arg)
{
    struct sfp_conn *c = arg;
    static _Thread_local char buf[65536];
    long got = 0;
    while (got < SFP_SIZE) {
        size_t want = SFP_SIZE - got < (long)sizeof(buf) ? (size_t)(SFP_SIZE - got) : sizeof(buf);
        long n = rt_read_full(c->b, buf, want, 5000);
        if (n <= 0) break;
        got += n;
    }
    c->got = got;
    return NULL;
}

static int sfp_all_finished(const struct sfp_conn *c)
{
    for (int i = 0; i < SFP_CONNS; i++)
        if (!c[i].finished) return 0;
    return 1;
}

ZT_TEST(sendfile_idle_pipes_closed)
{
    int base = sfp_count_pipes();
    ZT_CHECK(base >= 0);
    zk_loop_opts_t o = {.pipe_idle_ms = 200};
    RT_LOOP_OPTS(loop, &o);
    static unsigned char data[SFP_SIZE];
    int file = sf_file(data, SFP_SIZE, 77);
    ZT_CHECK(file >= 0);
    static struct sfp_conn c[SFP_CONNS];
    for (int i = 0; i < SFP_CONNS; i++) {
        c[i].file = file;
        ZT_EQ_INT(rt_pair(&c[i].a, &c[i].b), 0);
    }
    for (int i = 0; i < SFP_CONNS; i++) { /* all in flight at once: one pipe pair each */
        zk_prep_sendfile(&c[i].op, c[i].a, file, 0, SFP_SIZE, sfp_cb, &c[i]);
        ZT_EQ_INT(zk_submit(loop, &c[i].op), 0);
    }
    for (int i = 0; i < SFP_CONNS; i++)
        ZT_EQ_INT(pthread_create(&c[i].th, NULL, sfp_reader, &c[i]), 0);
    RT_RUN_UNTIL(loop, sfp_all_finished(c), 10000);
    for (int i = 0; i < SFP_CONNS; i++) {
        pthread_join(c[i].th, NULL);
        if (c[i].res <= 0) ZT_FAIL("sendfile %d ended with %d", i, c[i].res);
        ZT_EQ_INT(c[i].got, SFP_SIZE);
    }
    int after = sfp_count_pipes();
    if (zk_loop_backend(loop) == ZK_BACKEND_URING && after <= base)
        ZT_FAIL("no pipe pair pooled after the burst (%d pipe fds, %d before)", after, base);
    ZT_EQ_INT(rt_run_for(loop, 600), 0); /* idle for three times pipe_idle_ms */
    int idle = sfp_count_pipes();
    if (idle != base)
        ZT_FAIL("%d pipe fds still open after 600 ms idle (%d before the burst, %d after it)",
                idle - base, base, after - base);
    for (int i = 0; i < SFP_CONNS; i++) {
        zk_close(loop, c[i].a);
        close(c[i].b);
    }
    close(file);
    zk_loop_free(loop);
}
