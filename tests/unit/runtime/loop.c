/* SPDX-License-Identifier: MIT */
/* The loop itself: creation, backend choice, run modes, stop, the cached clock. */
#include <stdlib.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "tests/unit/runtime/rt.h"

ZT_TEST(loop_new_free)
{
    RT_LOOP(loop);
    ZT_CHECK(loop != NULL);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    zk_loop_free(loop);
}

ZT_TEST(loop_backend_matches_env)
{
    RT_LOOP(loop);
    const char *want = zt_backend();
    const char *name = zk_loop_backend_name(loop);
    const char *why = zk_loop_backend_reason(loop);
    ZT_CHECK(why != NULL && why[0] != '\0');
    if (strcmp(want, "io_uring") == 0) {
        ZT_EQ_STR(name, "io_uring");
        ZT_EQ_INT(zk_loop_backend(loop), ZK_BACKEND_URING);
    } else if (strcmp(want, "epoll") == 0) {
        ZT_EQ_STR(name, "epoll");
        ZT_EQ_INT(zk_loop_backend(loop), ZK_BACKEND_EPOLL);
    } else if (zk_loop_backend(loop) == ZK_BACKEND_URING) {
        ZT_EQ_STR(name, "io_uring");
    } else {
        ZT_EQ_INT(zk_loop_backend(loop), ZK_BACKEND_EPOLL);
        ZT_EQ_STR(name, "epoll");
    }
    zk_loop_free(loop);
}

/* The runtime's own ZOKIO_BACKEND overrides opts.backend (each test runs in its own child). */
ZT_TEST(loop_env_overrides_opts)
{
    const char *want = zt_backend();
    if (strcmp(want, "auto") == 0) ZT_SKIP("%s", "ZOKIOD_BACKEND not set");
    zk_loop_opts_t o = {0};
    o.quiet = 1;
    o.backend = strcmp(want, "epoll") == 0 ? ZK_BACKEND_URING : ZK_BACKEND_EPOLL;
    setenv("ZOKIO_BACKEND", want, 1);
    zk_loop_t *loop = NULL;
    ZT_EQ_INT(zk_loop_new(&loop, &o), 0);
    if (strcmp(want, "io_uring") == 0 && zk_loop_backend(loop) != ZK_BACKEND_URING) {
        const char *why = zk_loop_backend_reason(loop);
        zk_loop_free(loop);
        ZT_SKIP("io_uring unavailable: %s", why);
    }
    ZT_EQ_STR(zk_loop_backend_name(loop), want);
    ZT_CHECK(strstr(zk_loop_backend_reason(loop), "ZOKIO_BACKEND") != NULL);
    zk_loop_free(loop);
}

/* The product's variable is the product's business: the runtime does not read ZOKIOD_BACKEND. */
ZT_TEST(loop_ignores_product_env)
{
    unsetenv("ZOKIO_BACKEND");
    setenv("ZOKIOD_BACKEND", "io_uring", 1);
    zk_loop_opts_t o = {0};
    o.quiet = 1;
    o.backend = ZK_BACKEND_EPOLL;
    o.backend_why = "test";
    zk_loop_t *loop = NULL;
    ZT_EQ_INT(zk_loop_new(&loop, &o), 0);
    ZT_EQ_STR(zk_loop_backend_name(loop), "epoll");
    ZT_EQ_STR(zk_loop_backend_reason(loop), "test");
    zk_loop_free(loop);
}

ZT_TEST(loop_backend_parse)
{
    zk_backend_kind_t k = ZK_BACKEND_EPOLL;
    ZT_EQ_INT(zk_backend_parse("io_uring", &k), 0);
    ZT_EQ_INT(k, ZK_BACKEND_URING);
    ZT_EQ_INT(zk_backend_parse("epoll", &k), 0);
    ZT_EQ_INT(k, ZK_BACKEND_EPOLL);
    ZT_EQ_INT(zk_backend_parse("auto", &k), 0);
    ZT_EQ_INT(k, ZK_BACKEND_AUTO);
    ZT_EQ_INT(zk_backend_parse("kqueue", &k), -EINVAL);
    ZT_EQ_INT(zk_backend_parse("", &k), -EINVAL);
}

ZT_TEST(loop_ignores_sigpipe)
{
    signal(SIGPIPE, SIG_DFL);
    RT_LOOP(loop);
    struct sigaction sa;
    ZT_EQ_INT(sigaction(SIGPIPE, NULL, &sa), 0);
    ZT_CHECK(sa.sa_handler == SIG_IGN);
    zk_loop_free(loop);
}

ZT_TEST(loop_run_empty_returns_at_once)
{
    RT_LOOP(loop);
    uint64_t t0 = rt_wall_ns();
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_ONCE), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_NOWAIT), 0);
    uint64_t dt = rt_wall_ns() - t0;
    if (dt > 100 * ZK_MSEC)
        ZT_FAIL("an empty loop ran for %llu ms", (unsigned long long)(dt / ZK_MSEC));
    zk_loop_free(loop);
}

/* ZK_RUN_DEFAULT returns when the last timer fired (nothing left alive). */
static void count_cb(zk_loop_t *loop, zk_timer_t *t)
{
    (void)loop;
    (*(int *)t->data)++;
}

ZT_TEST(loop_run_default_until_idle)
{
    RT_LOOP(loop);
    zk_timer_t t1, t2;
    int n = 0;
    zk_timer_init(&t1, count_cb, &n);
    zk_timer_init(&t2, count_cb, &n);
    uint64_t now = zk_loop_update_now(loop);
    ZT_EQ_INT(zk_timer_start(loop, &t1, now + 5 * ZK_MSEC), 0);
    ZT_EQ_INT(zk_timer_start(loop, &t2, now + 20 * ZK_MSEC), 0);
    ZT_EQ_INT(zk_loop_alive(loop), 2);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0);
    ZT_EQ_INT(n, 2);
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_CHECK(zk_loop_now(loop) >= now + 20 * ZK_MSEC);
    zk_loop_free(loop);
}

static void stop_cb(zk_loop_t *loop, zk_timer_t *t)
{
    (*(int *)t->data)++;
    zk_loop_stop(loop);
}

ZT_TEST(loop_stop)
{
    RT_LOOP(loop);
    zk_timer_t quick, slow;
    int nq = 0, ns = 0;
    zk_timer_init(&quick, stop_cb, &nq);
    zk_timer_init(&slow, count_cb, &ns);
    uint64_t now = zk_loop_update_now(loop);
    ZT_EQ_INT(zk_timer_start(loop, &slow, now + 1500 * ZK_MSEC), 0);
    ZT_EQ_INT(zk_timer_start(loop, &quick, now + 10 * ZK_MSEC), 0);
    uint64_t t0 = rt_wall_ns();
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0);
    uint64_t dt = rt_wall_ns() - t0;
    ZT_EQ_INT(nq, 1);
    ZT_EQ_INT(ns, 0);
    if (dt > 500 * ZK_MSEC)
        ZT_FAIL("zk_loop_stop took %llu ms to return", (unsigned long long)(dt / ZK_MSEC));
    ZT_CHECK(zk_timer_armed(&slow));
    ZT_EQ_INT(zk_loop_alive(loop), 1);
    /* a stop applies to that run only: the next run goes on until idle */
    zk_timer_stop(loop, &slow);
    ZT_CHECK(!zk_timer_armed(&slow));
    ZT_EQ_INT(zk_loop_alive(loop), 0);
    ZT_EQ_INT(zk_timer_start(loop, &quick, zk_loop_update_now(loop) + 5 * ZK_MSEC), 0);
    zk_timer_init(&slow, count_cb, &ns);
    ZT_EQ_INT(zk_timer_start(loop, &slow, zk_loop_now(loop) + 30 * ZK_MSEC), 0);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0); /* stopped by quick again */
    ZT_EQ_INT(nq, 2);
    ZT_EQ_INT(zk_loop_run(loop, ZK_RUN_DEFAULT), 0); /* runs slow, then idle */
    ZT_EQ_INT(ns, 1);
    zk_loop_free(loop);
}

struct clock_probe {
    uint64_t a, b;
};

static void clock_cb(zk_loop_t *loop, zk_timer_t *t)
{
    struct clock_probe *p = t->data;
    p->a = zk_loop_now(loop);
    rt_spin_us(3000);
    p->b = zk_loop_now(loop);
}

ZT_TEST(loop_clock_cached)
{
    RT_LOOP(loop);
    zk_timer_t t1, t2;
    struct clock_probe p1 = {0, 0}, p2 = {0, 0};
    zk_timer_init(&t1, clock_cb, &p1);
    zk_timer_init(&t2, clock_cb, &p2);
    uint64_t now = zk_loop_update_now(loop);
    ZT_EQ_INT(zk_timer_start(loop, &t1, now + 2 * ZK_MSEC), 0);
    ZT_EQ_INT(zk_timer_start(loop, &t2, now + 20 * ZK_MSEC), 0);
    RT_RUN_UNTIL(loop, p2.a != 0, 1000);
    ZT_CHECK(p1.a != 0);
    /* constant within a callback */
    ZT_EQ_INT(p1.a, p1.b);
    ZT_EQ_INT(p2.a, p2.b);
    /* advancing across ticks */
    ZT_CHECK(p1.a >= now + 2 * ZK_MSEC);
    ZT_CHECK(p2.a >= now + 20 * ZK_MSEC);
    ZT_CHECK(p2.a > p1.a);
    /* zk_loop_update_now refreshes */
    uint64_t before = zk_loop_now(loop);
    rt_spin_us(2000);
    uint64_t after = zk_loop_update_now(loop);
    ZT_CHECK(after >= before + 2 * ZK_MSEC);
    ZT_EQ_INT(zk_loop_now(loop), after);
    zk_loop_free(loop);
}

/* The loop clock is monotonic time: it tracks CLOCK_MONOTONIC durations. */
ZT_TEST(loop_clock_tracks_wall)
{
    RT_LOOP(loop);
    /* bracket each loop-clock read between two CLOCK_MONOTONIC reads */
    uint64_t wa0 = rt_wall_ns(), l0 = zk_loop_update_now(loop), wb0 = rt_wall_ns();
    rt_spin_us(20000);
    uint64_t wa1 = rt_wall_ns(), l1 = zk_loop_update_now(loop), wb1 = rt_wall_ns();
    uint64_t dl = l1 - l0, lo = wa1 - wb0, hi = wb1 - wa0;
    if (dl + ZK_MSEC < lo || dl > hi + ZK_MSEC)
        ZT_FAIL("loop clock moved %llu ns while CLOCK_MONOTONIC moved %llu..%llu ns",
                (unsigned long long)dl, (unsigned long long)lo, (unsigned long long)hi);
    zk_loop_free(loop);
}

/* kernel release as major * 100 + minor (6.18 -> 618), 0 when unreadable */
static int kernel_version(void)
{
    struct utsname u;
    int major = 0, minor = 0;
    if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) return 0;
    return major * 100 + minor;
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ')) return 1;
    return 0;
}

/* What the ring got on this kernel: each feature is expected from the release that brought it,
 * unless ZOKIO_URING_BASIC=1 asked for the plain ring, which then has none of them, and still
 * runs ops (the whole suite runs that way too, from tests/run.sh). */
ZT_TEST(loop_uring_features)
{
    RT_LOOP(loop);
    const char *f = zk_loop_features(loop);
    if (zk_loop_backend(loop) != ZK_BACKEND_URING) {
        ZT_EQ_STR(f, "");
        zk_loop_free(loop);
        return;
    }
    ZT_CHECK(strstr(zk_loop_backend_reason(loop), f) != NULL); /* logged with the backend */
    const char *basic = getenv("ZOKIO_URING_BASIC");
    if (basic && *basic && strcmp(basic, "0")) {
        ZT_EQ_STR(f, "coop/plain ring");
    } else {
        static const struct {
            const char *word;
            int since;
        } want[] = {{"files", 506},        {"cqe-skip", 517},
                    {"ring-fd", 518},      {"multishot-accept", 519},
                    {"bufring", 519},      {"multishot-recv", 600},
                    {"defer_taskrun", 601}};
        int kv = kernel_version();
        ZT_CHECK(kv > 0);
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (kv >= want[i].since && !has_word(f, want[i].word))
                ZT_FAIL("kernel %d.%d lacks %s? features: %s", kv / 100, kv % 100, want[i].word, f);
    }
    zk_op_t op;
    rt_rec_t rec = {0};
    zk_prep_timeout(&op, ZK_MSEC, rt_rec_cb, &rec);
    ZT_EQ_INT(zk_submit(loop, &op), 0);
    RT_RUN_UNTIL(loop, rec.calls == 1, 2000);
    ZT_EQ_INT(rec.res, -ETIME);
    zk_loop_free(loop);
}
