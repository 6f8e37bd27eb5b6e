/* SPDX-License-Identifier: MIT */
/* rt_timers: how late do zokio timers fire? Starts N timers (zk_timer_t, or ZK_OP_TIMEOUT ops)
 * with deadlines spread uniformly over 0..span ms, one in ten of them sharing one of ten
 * identical deadlines, and records for each CLOCK_MONOTONIC inside the callback minus its
 * deadline. The backend comes from ZOKIO_BACKEND.
 *
 *   rt_timers [--mode timer|op|ref|both|all] [--count 10000] [--span-ms 1000]
 *
 * "both" runs timer and op; "ref" (in "all") fires the same deadlines with plain
 * clock_nanosleep(TIMER_ABSTIME) and no loop at all: the machine's own wake-up noise, to read
 * the other two against. Prints one line of key=value pairs per mode.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/loop.h"
#include "runtime/op.h"
#include "runtime/timer.h"

typedef struct tm_rec {
    uint64_t deadline; /* loop clock, ns */
    int64_t late_ns;   /* CLOCK_MONOTONIC at firing - deadline (after clock offset) */
    int fired;
    int bad_res; /* ZK_OP_TIMEOUT completed with something other than -ETIME */
} tm_rec_t;

typedef struct tm_bench {
    tm_rec_t *rec;
    int64_t clock_off; /* CLOCK_MONOTONIC - loop clock, 0 unless they are different clocks */
    int fired;
    int order_errors; /* a timer fired before one with an earlier deadline */
    uint64_t last_deadline;
} tm_bench_t;

static tm_bench_t g_bench;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static void tm_record(tm_rec_t *r)
{
    uint64_t now = mono_ns();

    r->late_ns = (int64_t)(now - (uint64_t)g_bench.clock_off - r->deadline);
    r->fired++;
    g_bench.fired++;
    if (r->deadline < g_bench.last_deadline)
        g_bench.order_errors++;
    else
        g_bench.last_deadline = r->deadline;
}

static void tm_timer_cb(zk_loop_t *loop, zk_timer_t *t)
{
    (void)loop;
    tm_record(t->data);
}

static void tm_op_cb(zk_loop_t *loop, zk_op_t *op, int res)
{
    tm_rec_t *r = op->data;

    (void)loop;
    if (res != -ETIME) r->bad_res++;
    tm_record(r);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Deadlines: uniform over [base, base + span]; every tenth timer goes to one of ten shared ones. */
static void tm_deadlines(tm_rec_t *rec, int count, uint64_t base, uint64_t span)
{
    uint64_t seed = 0x9e3779b97f4a7c15u;

    for (int i = 0; i < count; i++) {
        if (i % 10 == 0)
            rec[i].deadline = base + span / 10 * (uint64_t)(i / 10 % 10 + 1) - span / 20;
        else
            rec[i].deadline = base + xorshift64(&seed) % (span + 1);
        rec[i].late_ns = 0;
        rec[i].fired = 0;
        rec[i].bad_res = 0;
    }
}

static void tm_report(const char *backend, const char *mode, tm_rec_t *rec, int count)
{
    int64_t *late = malloc((size_t)count * sizeof(*late));
    int n = 0, early = 0, multi = 0, bad = 0;

    if (!late) {
        fprintf(stderr, "rt_timers: out of memory\n");
        exit(1);
    }
    for (int i = 0; i < count; i++) {
        if (rec[i].fired > 1) multi++;
        bad += rec[i].bad_res;
        if (!rec[i].fired) continue;
        if (rec[i].late_ns < 0) early++;
        late[n++] = rec[i].late_ns;
    }
    qsort(late, (size_t)n, sizeof(*late), cmp_i64);
    if (n == 0) {
        printf("backend=%s mode=%s n=%d fired=0\n", backend, mode, count);
    } else {
        printf("backend=%s mode=%s n=%d fired=%d p50_us=%.1f p99_us=%.1f max_us=%.1f min_us=%.1f"
               " early=%d fired_twice=%d bad_res=%d out_of_order=%d\n",
               backend, mode, count, n, (double)late[n / 2] / 1e3,
               (double)late[(size_t)n * 99 / 100] / 1e3, (double)late[n - 1] / 1e3,
               (double)late[0] / 1e3, early, multi, bad, g_bench.order_errors);
    }
    free(late);
}

static int cmp_rec(const void *a, const void *b)
{
    const tm_rec_t *x = a, *y = b;
    return (x->deadline > y->deadline) - (x->deadline < y->deadline);
}

/* The reference: sleep until each deadline in order, fire everything that is due. */
static int tm_run_ref(int count, uint64_t span)
{
    tm_rec_t *rec = calloc((size_t)count, sizeof(*rec));
    uint64_t base = mono_ns() + 2 * ZK_MSEC;

    if (!rec) {
        fprintf(stderr, "rt_timers: out of memory\n");
        return 1;
    }
    g_bench = (tm_bench_t){.rec = rec};
    tm_deadlines(rec, count, base, span);
    qsort(rec, (size_t)count, sizeof(*rec), cmp_rec);
    for (int i = 0; i < count;) {
        struct timespec ts = {.tv_sec = (time_t)(rec[i].deadline / ZK_SEC),
                              .tv_nsec = (long)(rec[i].deadline % ZK_SEC)};
        uint64_t now;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        now = mono_ns();
        while (i < count && rec[i].deadline <= now)
            tm_record(&rec[i++]);
    }
    tm_report("none", "ref", rec, count);
    free(rec);
    return 0;
}

static int tm_run(const char *mode, int count, uint64_t span)
{
    zk_loop_opts_t opts = {.quiet = 1};
    tm_rec_t *rec = calloc((size_t)count, sizeof(*rec));
    zk_timer_t *timers = NULL;
    zk_op_t *ops = NULL;
    zk_loop_t *loop;
    uint64_t base, m;
    int rc, use_ops = !strcmp(mode, "op");

    if (use_ops)
        ops = calloc((size_t)count, sizeof(*ops));
    else
        timers = calloc((size_t)count, sizeof(*timers));
    if (!rec || (!ops && !timers)) {
        fprintf(stderr, "rt_timers: out of memory\n");
        return 1;
    }
    rc = zk_loop_new(&loop, &opts);
    if (rc < 0) {
        fprintf(stderr, "rt_timers: zk_loop_new: %s\n", strerror(-rc));
        return 1;
    }
    g_bench = (tm_bench_t){.rec = rec};
    base = zk_loop_update_now(loop);
    m = mono_ns();
    /* The loop clock should be CLOCK_MONOTONIC; if it is another clock, measure the offset. */
    if (m - base > 1000000 && base - m > 1000000) {
        g_bench.clock_off = (int64_t)(m - base);
        fprintf(stderr, "rt_timers: loop clock is not CLOCK_MONOTONIC (offset %lld ns)\n",
                (long long)g_bench.clock_off);
    }
    base += 2 * ZK_MSEC; /* leave time to start them all before the first deadline */
    tm_deadlines(rec, count, base, span);
    for (int i = 0; i < count; i++) {
        if (use_ops) {
            zk_prep_timeout_abs(&ops[i], rec[i].deadline, tm_op_cb, &rec[i]);
            rc = zk_submit(loop, &ops[i]);
        } else {
            zk_timer_init(&timers[i], tm_timer_cb, &rec[i]);
            rc = zk_timer_start(loop, &timers[i], rec[i].deadline);
        }
        if (rc < 0) {
            fprintf(stderr, "rt_timers: start %d: %s\n", i, strerror(-rc));
            return 1;
        }
    }
    rc = zk_loop_run(loop, ZK_RUN_DEFAULT);
    if (rc < 0) {
        fprintf(stderr, "rt_timers: zk_loop_run: %s\n", strerror(-rc));
        return 1;
    }
    tm_report(zk_loop_backend_name(loop), mode, rec, count);
    zk_loop_free(loop);
    free(rec);
    free(ops);
    free(timers);
    return g_bench.fired == count ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *mode = "both";
    int count = 10000, rc = 0;
    uint64_t span_ms = 1000;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mode"))
            mode = argv[i + 1];
        else if (!strcmp(argv[i], "--count"))
            count = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--span-ms"))
            span_ms = (uint64_t)atoll(argv[i + 1]);
    }
    if (count <= 0 || span_ms == 0 || (argc - 1) % 2 ||
        (strcmp(mode, "timer") && strcmp(mode, "op") && strcmp(mode, "ref") &&
         strcmp(mode, "both") && strcmp(mode, "all"))) {
        fprintf(stderr,
                "usage: rt_timers [--mode timer|op|ref|both|all] [--count N] [--span-ms MS]\n");
        return 2;
    }
    if (!strcmp(mode, "timer") || !strcmp(mode, "both") || !strcmp(mode, "all"))
        rc |= tm_run("timer", count, span_ms * ZK_MSEC);
    if (!strcmp(mode, "op") || !strcmp(mode, "both") || !strcmp(mode, "all"))
        rc |= tm_run("op", count, span_ms * ZK_MSEC);
    if (!strcmp(mode, "ref") || !strcmp(mode, "all")) rc |= tm_run_ref(count, span_ms * ZK_MSEC);
    return rc;
}
