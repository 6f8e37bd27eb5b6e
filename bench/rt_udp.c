/* SPDX-License-Identifier: MIT */
/* rt_udp: UDP echo packets per second over loopback. The process is the server (pinned to
 * SERVER_CPU); a forked client (pinned to CLIENT_CPU) keeps WINDOW datagrams of SIZE bytes in
 * flight: recvmmsg(MSG_WAITFORONE) takes what came back and sendmmsg sends as many again. It warms
 * up for WARMUP seconds and counts the round trips of the next SECONDS, telling the server the
 * window's start and end through shared memory, so the server's CPU (user + system of its
 * process) is read over the same window and divided by the datagrams it echoed meanwhile.
 *
 *   rt_udp zokio [SECONDS=3] [WINDOW=64] [SIZE=64] [WARMUP=1]   backend from ZOKIO_BACKEND:
 *          WINDOW recvmsg ops armed on the socket; each completion sends the datagram back
 *          (a sendmsg op on the same slot) and re-arms the recv once the send completed
 *   rt_udp mmsg  [...]    the baseline: a plain loop of recvmmsg (MSG_WAITFORONE, up to 64) and
 *          sendmmsg of the batch back to the senders, one blocking socket, no event loop
 *
 * One line: impl, backend, pkts_per_s (client round trips), srv_cpu_us_per_pkt, srv_busy_pct,
 * reprimes (client windows re-sent after 200 ms of silence: datagrams lost; should be 0).
 * Environment: RT_SERVER_CPU (0), RT_CLIENT_CPU (1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/zk.h"

#define MAXWIN 1024
#define BATCH  64
#define BUF    2048

/* shared by server and client (MAP_SHARED): the client's phase and counts */
typedef struct shared {
    volatile int phase; /* 0 warm-up, 1 measuring, 2 done */
    unsigned long long pkts, reprimes;
    double secs;
} shared_t;

static shared_t *sh;
static int sock, seen_phase, stopping;
static unsigned long long echoed, echoed0;
static double cpu0, cpu1, wall0, wall1;
static unsigned long long echoed1;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void pin(const char *env, int dflt)
{
    const char *e = getenv(env);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(e ? atoi(e) : dflt, &set);
    sched_setaffinity(0, sizeof set, &set); /* best effort */
}

/* The server notices the client's phase changes between datagrams. */
static void phase_check(void)
{
    int p = sh->phase;
    if (p == seen_phase) return;
    if (p >= 1 && seen_phase < 1) cpu0 = cpu_s(), wall0 = now_s(), echoed0 = echoed;
    if (p == 2) cpu1 = cpu_s(), wall1 = now_s(), echoed1 = echoed, stopping = 1;
    seen_phase = p;
}

/* ---- the zokio server ---- */

typedef struct slot {
    zk_op_t op;
    struct msghdr mh;
    struct iovec iov;
    struct sockaddr_storage peer;
    char buf[BUF];
} slot_t;

static slot_t slots[MAXWIN];

static void slot_cb(zk_loop_t *loop, zk_op_t *op, int res);

static void arm_recv(zk_loop_t *loop, slot_t *s)
{
    s->iov.iov_len = sizeof s->buf;
    s->mh.msg_namelen = sizeof s->peer;
    zk_prep_recvmsg(&s->op, sock, &s->mh, 0, slot_cb, s);
    zk_submit(loop, &s->op);
}

static void slot_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    slot_t *s = op->data;
    if (op->type == ZK_OP_RECVMSG && res >= 0) {
        phase_check();
        if (stopping) {
            zk_loop_stop(loop);
            return;
        }
        s->iov.iov_len = (size_t)res; /* msg_namelen holds the sender's length */
        zk_prep_sendmsg(&s->op, sock, &s->mh, 0, slot_cb, s);
        zk_submit(loop, &s->op);
        return;
    }
    if (op->type == ZK_OP_SENDMSG && res >= 0) echoed++;
    if (!stopping) arm_recv(loop, s);
}

static zk_loop_t *loop; /* reachable to the end: the process exits with its ops in flight */

static int serve_zokio(int window, const char **backend)
{
    zk_loop_opts_t o = {.quiet = 1};
    int r = zk_loop_new(&loop, &o);
    if (r < 0) return fprintf(stderr, "rt_udp: zk_loop_new: %s\n", strerror(-r)), -1;
    *backend = zk_loop_backend_name(loop);
    for (int i = 0; i < window; i++) {
        slot_t *s = &slots[i];
        s->iov.iov_base = s->buf;
        s->mh.msg_iov = &s->iov;
        s->mh.msg_iovlen = 1;
        s->mh.msg_name = &s->peer;
        arm_recv(loop, s);
    }
    while (!stopping)
        if (zk_loop_run(loop, ZK_RUN_ONCE) < 0) return -1;
    return 0;
}

/* ---- the baseline: recvmmsg / sendmmsg ---- */

static int serve_mmsg(void)
{
    static char bufs[BATCH][BUF];
    static struct sockaddr_storage peers[BATCH];
    static struct iovec iov[BATCH];
    static struct mmsghdr mm[BATCH];
    /* blocking: recvmmsg sleeps in the kernel until a datagram comes */
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {0, 200000}; /* to notice the end even if its datagram were lost */
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (int i = 0; i < BATCH; i++) {
        iov[i] = (struct iovec){bufs[i], BUF};
        mm[i].msg_hdr = (struct msghdr){.msg_name = &peers[i], .msg_iov = &iov[i], .msg_iovlen = 1};
        mm[i].msg_hdr.msg_namelen = sizeof peers[i];
    }
    while (!stopping) {
        int n = recvmmsg(sock, mm, BATCH, MSG_WAITFORONE, NULL);
        phase_check();
        if (n <= 0 || stopping) continue;
        for (int i = 0; i < n; i++) /* each answer goes to its sender (msg_name as received) */
            iov[i].iov_len = mm[i].msg_len;
        int sent = sendmmsg(sock, mm, (unsigned)n, 0);
        if (sent > 0) echoed += (unsigned long long)sent;
        for (int i = 0; i < n; i++) { /* ready for the next batch */
            iov[i].iov_len = BUF;
            mm[i].msg_hdr.msg_namelen = sizeof peers[i];
        }
    }
    return 0;
}

/* ---- the client ---- */

static void client(struct sockaddr_in *to, int window, int size, double warmup, double secs)
{
    static char bufs[BATCH][BUF];
    static struct iovec iov[BATCH];
    static struct mmsghdr mm[BATCH];
    pin("RT_CLIENT_CPU", 1);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (fd < 0 || connect(fd, (struct sockaddr *)to, sizeof *to) < 0) _exit(1);
    for (int i = 0; i < BATCH; i++) {
        memset(bufs[i], 'u', (size_t)size);
        iov[i] = (struct iovec){bufs[i], (size_t)size};
        mm[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
    }
    double t0 = now_s(), start = t0 + warmup, end = start + secs;
    unsigned long long pkts = 0, reprimes = 0;
    for (int left = window; left > 0; left -= BATCH) /* prime the window */
        sendmmsg(fd, mm, (unsigned)(left < BATCH ? left : BATCH), 0);
    for (;;) {
        for (int i = 0; i < BATCH; i++)
            iov[i].iov_len = BUF;
        int n = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, NULL);
        double t = now_s();
        if (t >= end) break;
        if (t >= start && sh->phase == 0) sh->phase = 1;
        for (int i = 0; i < BATCH; i++)
            iov[i].iov_len = (size_t)size;
        if (n <= 0) { /* silence: datagrams were lost; send a fresh window */
            reprimes++;
            for (int left = window; left > 0; left -= BATCH)
                sendmmsg(fd, mm, (unsigned)(left < BATCH ? left : BATCH), 0);
            continue;
        }
        if (sh->phase == 1) pkts += (unsigned)n;
        sendmmsg(fd, mm, (unsigned)n, 0);
    }
    sh->pkts = pkts;
    sh->reprimes = reprimes;
    sh->secs = now_s() - start;
    sh->phase = 2;
    for (int i = 0; i < 3; i++) /* wakes the server to see the end */
        send(fd, "q", 1, 0);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "zokio") && strcmp(argv[1], "mmsg"))) {
        fprintf(stderr, "usage: rt_udp zokio|mmsg [SECONDS] [WINDOW] [SIZE] [WARMUP]\n");
        return 2;
    }
    double secs = argc > 2 ? atof(argv[2]) : 3, warmup = argc > 5 ? atof(argv[5]) : 1;
    int window = argc > 3 ? atoi(argv[3]) : 64, size = argc > 4 ? atoi(argv[4]) : 64;
    if (window < 1 || window > MAXWIN) window = 64;
    if (size < 1 || size > BUF) size = 64;
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) return perror("mmap"), 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_storage ss;
    socklen_t len;
    sock = zk_udp_bind((struct sockaddr *)&sa, sizeof sa, 0);
    if (sock < 0 || zk_udp_local(sock, &ss, &len) < 0)
        return fprintf(stderr, "rt_udp: bind: %s\n", strerror(-sock)), 1;
    int big = 4 << 20; /* room for the whole window even when the server falls behind */
    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    pid_t pid = fork();
    if (pid < 0) return perror("fork"), 1;
    if (pid == 0) client((struct sockaddr_in *)&ss, window, size, warmup, secs);
    pin("RT_SERVER_CPU", 0);
    alarm((unsigned)(warmup + secs) + 10); /* a lost end cannot hang the bench */
    const char *backend = "none";
    int r;
    if (!strcmp(argv[1], "zokio")) {
        r = serve_zokio(window, &backend);
    } else {
        r = serve_mmsg();
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !sh->pkts || echoed1 <= echoed0)
        return fprintf(stderr, "rt_udp: %s failed (client status %d)\n", argv[1], st), 1;
    double cpu = cpu1 - cpu0, wall = wall1 - wall0;
    printf("impl=%s backend=%s window=%d size=%d pkts=%llu pkts_per_s=%.0f "
           "srv_cpu_us_per_pkt=%.3f srv_busy_pct=%.1f reprimes=%llu\n",
           argv[1], backend, window, size, sh->pkts, (double)sh->pkts / sh->secs,
           cpu * 1e6 / (double)(echoed1 - echoed0), wall > 0 ? cpu / wall * 100 : 0.0,
           sh->reprimes);
    return 0;
}
