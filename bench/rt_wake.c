/* SPDX-License-Identifier: MIT */
/* rt_wake: what it costs another thread to wake an io_uring loop, the way the thread pool does.
 * The loop's ring is set up as zokio's (SINGLE_ISSUER | DEFER_TASKRUN); a thread wakes it N
 * times, each time waiting (spinning) for the loop's acknowledgement before the next, so every
 * wake-up is a full sleep -> wake of the loop. Two ways:
 *   eventfd   the thread writes an eventfd the ring has a READ op on (zokio's way, both backends)
 *   msg_ring  the thread's own ring sends IORING_OP_MSG_RING to the loop's ring
 * Prints wake-ups per second and µs per wake-up (the thread spins, so CPU is not reported).
 *
 *   rt_wake eventfd|msg_ring [N=200000]
 */
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static struct io_uring ring;
static int efd, msg_ring, n_wakes, failed;
static int ack; /* wake-ups the loop has seen (__atomic) */
static uint64_t val;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *waker(void *arg)
{
    struct io_uring tr;
    (void)arg;
    if (msg_ring && io_uring_queue_init(8, &tr, 0) < 0) {
        failed = 1;
        return NULL;
    }
    for (int i = 0; i < n_wakes; i++) {
        if (msg_ring) {
            struct io_uring_sqe *s = io_uring_get_sqe(&tr);
            io_uring_prep_msg_ring(s, ring.ring_fd, 0, 0x77, 0);
            io_uring_sqe_set_flags(s, IOSQE_CQE_SKIP_SUCCESS);
            io_uring_submit(&tr);
        } else {
            uint64_t one = 1;
            if (write(efd, &one, sizeof one) != sizeof one) failed = 1;
        }
        while (__atomic_load_n(&ack, __ATOMIC_ACQUIRE) <= i)
            ;
    }
    if (msg_ring) io_uring_queue_exit(&tr);
    return NULL;
}

static void arm_read(void)
{
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    io_uring_prep_read(s, efd, &val, sizeof val, (__u64)-1);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "eventfd") && strcmp(argv[1], "msg_ring"))) {
        fprintf(stderr, "usage: rt_wake eventfd|msg_ring [N]\n");
        return 2;
    }
    msg_ring = !strcmp(argv[1], "msg_ring");
    n_wakes = argc > 2 ? atoi(argv[2]) : 200000;
    struct io_uring_params p = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN};
    int r = io_uring_queue_init_params(64, &ring, &p);
    if (r < 0) {
        fprintf(stderr, "rt_wake: io_uring: %s\n", strerror(-r));
        return 1;
    }
    efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!msg_ring) arm_read();
    pthread_t t;
    double t0 = now_s();
    pthread_create(&t, NULL, waker, NULL);
    for (int i = 0; i < n_wakes && !failed;) {
        struct io_uring_cqe *c;
        unsigned head, n = 0;
        io_uring_submit_and_wait(&ring, 1);
        io_uring_for_each_cqe(&ring, head, c) n++;
        io_uring_cq_advance(&ring, n);
        if (!n) continue;
        if (!msg_ring) arm_read();
        __atomic_store_n(&ack, ++i, __ATOMIC_RELEASE);
    }
    pthread_join(t, NULL);
    double el = now_s() - t0;
    if (failed) return fprintf(stderr, "rt_wake: %s failed\n", argv[1]), 1;
    printf("wake=%s wakes=%d per_s=%.0f us_per_wake=%.2f\n", argv[1], n_wakes, n_wakes / el,
           el * 1e6 / n_wakes);
    io_uring_queue_exit(&ring);
    return 0;
}
