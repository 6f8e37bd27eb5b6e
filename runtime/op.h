/* SPDX-License-Identifier: MIT */
/* zokio: completion-based operations (the proactor core).
 *
 * An op is caller-owned memory (embed it in your connection struct, libxev style): the loop never
 * allocates per operation. Fill it with one of the zk_prep_*() helpers, then zk_submit() it.
 * From submit until its final completion the op belongs to the loop (and the kernel): do not
 * touch it or its buffers, even after zk_cancel(). The callback runs on the loop thread, never
 * from inside zk_submit(), with `res` = byte count / fd / 0 on success or -errno on failure.
 * Every op completes exactly once; a multishot op (ZK_OP_F_MULTISHOT) completes many times and
 * carries ZK_OP_F_MORE in op->flags on each completion but the last. When the callback runs
 * without ZK_OP_F_MORE, the op is the caller's again (it may be re-submitted from the callback).
 *
 * File descriptors handed to the loop must be non-blocking. Close them with ZK_OP_CLOSE or
 * zk_close(): the epoll backend keeps per-fd state that a bare close(2) would leave stale.
 */
#ifndef ZK_OP_H
#define ZK_OP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "runtime/loop.h"
#include "runtime/timer.h"

typedef struct zk_op zk_op_t;
typedef void (*zk_op_cb)(zk_loop_t *loop, zk_op_t *op, int res);
/* Thread-pool work: runs on a pool thread, returns the op's result (>= 0 or -errno). It must not
 * touch the loop (nothing of zokio is thread-safe but zk_async_send()). */
typedef int (*zk_work_fn)(void *arg);
struct statx;
struct open_how;

typedef enum {
    ZK_OP_NONE = 0,
    ZK_OP_ACCEPT,   /* fd = listener; res = new fd (SOCK_NONBLOCK | SOCK_CLOEXEC) */
    ZK_OP_CONNECT,  /* fd = non-blocking socket; res = 0 */
    ZK_OP_RECV,     /* res = bytes, 0 = peer closed */
    ZK_OP_SEND,     /* res = bytes sent (may be short) */
    ZK_OP_WRITEV,   /* res = bytes sent (may be short) */
    ZK_OP_READ,     /* read(2) on a pollable fd (eventfd, pipe); res = bytes */
    ZK_OP_SHUTDOWN, /* res = 0 */
    ZK_OP_CLOSE,    /* res = 0 */
    ZK_OP_SENDFILE, /* file -> socket zero copy; res = bytes moved (may be short, and at most
                     * ZK_SENDFILE_MAX: a longer range takes several ops) */
    ZK_OP_TIMEOUT,  /* res = -ETIME when it fires */
    ZK_OP_POLL,     /* wait until fd is ready for u.poll_events (POLLIN / POLLOUT); res = revents */
    /* File ops: native SQEs on io_uring; on epoll they run on the loop's thread pool. */
    ZK_OP_OPENAT,  /* fd = directory fd (AT_FDCWD); res = new fd (O_CLOEXEC added) */
    ZK_OP_STATX,   /* fd = directory fd; fills *u.stx.buf; res = 0 */
    ZK_OP_PREAD,   /* read at u.io.off; res = bytes, fewer at end of file, 0 at or past it */
    ZK_OP_PWRITE,  /* write at u.io.off; res = bytes written */
    ZK_OP_PREADV,  /* readv at u.vec.off; res = bytes */
    ZK_OP_PWRITEV, /* writev at u.vec.off; res = bytes */
    ZK_OP_FSYNC,   /* res = 0 */
    ZK_OP_OPENAT2, /* fd = directory fd; openat2(2) with *u.open2.how (O_CLOEXEC added to it); res =
                    * new fd, -ENOSYS where the kernel has no openat2 */
    ZK_OP_WORK,    /* u.work.fn(u.work.arg) on the thread pool (both backends); res = its result */
    /* Datagram ops (UDP, or any socket recvmsg(2)/sendmsg(2) take): see zk_prep_recvmsg(). */
    ZK_OP_RECVMSG, /* res = bytes of one datagram copied into the iovecs; fills u.msg.msg */
    ZK_OP_SENDMSG, /* res = bytes sent (a datagram goes whole or not at all) */
    ZK_OP__COUNT
} zk_op_type_t;

/* The most one SENDFILE moves, so that its count fits the int result: the kernel's own cap on
 * one read/write/sendfile/splice call (MAX_RW_COUNT, INT_MAX rounded down to a 4 KiB page). */
#define ZK_SENDFILE_MAX ((size_t)0x7ffff000)
/* The same cap on one PREAD / PWRITE / PREADV / PWRITEV (both backends clamp to it). */
#define ZK_RW_MAX ZK_SENDFILE_MAX

#define ZK_FSYNC_DATASYNC 1u /* FSYNC: fdatasync(2) */

/* op->flags: set by the caller before submit */
#define ZK_OP_F_MULTISHOT 0x0001u /* ACCEPT, RECV: stay armed, complete once per result */
#define ZK_OP_F_POOLBUF   0x0002u /* RECV: receive into a loop-provided buffer (op->bid) */
#define ZK_OP_F_INTERNAL  0x0004u /* loop-owned op: does not keep the loop alive */
/* a native file op goes straight to io_uring's workers (IOSQE_ASYNC) instead of being tried
 * inline first: an open's inline try can still wait in the kernel (a fanotify permission event,
 * a slow filesystem's open) and so block the loop. No effect on the pool (epoll). */
#define ZK_OP_F_ASYNC 0x0008u
/* op->flags: set by the loop before the callback */
#define ZK_OP_F_MORE 0x0100u /* another completion of this op will follow */
#define ZK_OP_F_BUF  0x0200u /* op->bid / op->rbuf hold a provided buffer the caller must put */
#define ZK_OP_F_OUT  (ZK_OP_F_MORE | ZK_OP_F_BUF)

#define ZK_OP_PRIVATE_SIZE 32

struct zk_op {
    zk_op_cb cb;
    void *data; /* the caller's */
    uint8_t type;
    uint8_t state; /* loop-private */
    uint16_t flags;
    int fd;
    union {
        struct {
            void *buf;
            size_t len;
            int64_t off; /* PREAD, PWRITE */
        } io;            /* RECV, SEND, READ, PREAD, PWRITE */
        struct {
            struct iovec *iov;
            int iovcnt;
            int64_t off; /* PREADV, PWRITEV */
        } vec;           /* WRITEV, PREADV, PWRITEV */
        struct {
            const char *path;
            int flags;
            unsigned mode;
        } open; /* OPENAT */
        struct {
            const char *path;
            struct open_how *how;
        } open2; /* OPENAT2 */
        struct {
            const char *path;
            struct statx *buf;
            int flags;     /* AT_* */
            unsigned mask; /* STATX_* */
        } stx;             /* STATX */
        struct {
            zk_work_fn fn;
            void *arg;
        } work;               /* WORK */
        unsigned fsync_flags; /* FSYNC: 0 or ZK_FSYNC_DATASYNC */
        struct {
            const struct sockaddr *addr;
            socklen_t addrlen;
        } conn; /* CONNECT */
        struct {
            int in_fd;
            int64_t off;
            size_t len;
        } file;               /* SENDFILE */
        int how;              /* SHUTDOWN */
        unsigned poll_events; /* POLL */
        zk_timer_t timer;     /* TIMEOUT: timer.deadline is absolute loop time */
        struct {
            struct msghdr *msg;
            int flags; /* MSG_* passed to recvmsg(2) / sendmsg(2) */
        } msg;         /* RECVMSG, SENDMSG */
    } u;

    /* results of a ZK_OP_F_POOLBUF recv, valid in the callback when ZK_OP_F_BUF is set */
    char *rbuf;
    uint16_t bid;

    /* the loop's bookkeeping while the op is in flight (queue links, a deferred result, per-type
     * state): laid out in runtime/internal.h (zk__op_priv_t), never read or written by callers */
    struct {
        _Alignas(8) unsigned char bytes[ZK_OP_PRIVATE_SIZE];
    } loop_private;
};

/* Preparation helpers: they reset the op and fill it; flags may be OR-ed in afterwards. */
void zk_prep_accept(zk_op_t *op, int listen_fd, int multishot, zk_op_cb cb, void *data);
void zk_prep_connect(zk_op_t *op, int fd, const struct sockaddr *addr, socklen_t len, zk_op_cb cb,
                     void *data);
void zk_prep_recv(zk_op_t *op, int fd, void *buf, size_t len, zk_op_cb cb, void *data);
/* recv into provided buffers; multishot keeps it armed while the peer sends */
void zk_prep_recv_pool(zk_op_t *op, int fd, int multishot, zk_op_cb cb, void *data);
void zk_prep_send(zk_op_t *op, int fd, const void *buf, size_t len, zk_op_cb cb, void *data);
void zk_prep_writev(zk_op_t *op, int fd, struct iovec *iov, int iovcnt, zk_op_cb cb, void *data);
void zk_prep_read(zk_op_t *op, int fd, void *buf, size_t len, zk_op_cb cb, void *data);
void zk_prep_shutdown(zk_op_t *op, int fd, int how, zk_op_cb cb, void *data);
void zk_prep_close(zk_op_t *op, int fd, zk_op_cb cb, void *data);
void zk_prep_sendfile(zk_op_t *op, int sock_fd, int file_fd, int64_t off, size_t len, zk_op_cb cb,
                      void *data);
/* one-shot readiness: completes with the revents (POLLIN, POLLOUT, POLLHUP...) once fd is ready
 * for one of `events` (POLLIN or POLLOUT) */
void zk_prep_poll(zk_op_t *op, int fd, unsigned events, zk_op_cb cb, void *data);
/* relative: fires `ns` after the loop's cached now; absolute: at loop time `deadline` */
void zk_prep_timeout(zk_op_t *op, uint64_t ns, zk_op_cb cb, void *data);
void zk_prep_timeout_abs(zk_op_t *op, uint64_t deadline, zk_op_cb cb, void *data);

/* File ops. Paths, buffers, iovecs and the statx buffer belong to the loop until the completion.
 * On epoll they run on the loop's thread pool (see runtime/threadpool.h): a full pool queue makes
 * the op complete with -EAGAIN. Regular files may be blocking fds. Close a file with
 * zk_prep_close() (IORING_OP_CLOSE on io_uring; on epoll the pool closes an fd the backend does
 * not watch, such as a file, and a watched socket is closed inline) or zk_close(). */
void zk_prep_openat(zk_op_t *op, int dirfd, const char *path, int flags, unsigned mode, zk_op_cb cb,
                    void *data);
void zk_prep_statx(zk_op_t *op, int dirfd, const char *path, int flags, unsigned mask,
                   struct statx *buf, zk_op_cb cb, void *data);
/* openat2(2): `how` (flags, mode, resolve: RESOLVE_BENEATH...) belongs to the loop until the
 * completion, as the path does; the loop adds O_CLOEXEC to how->flags. IORING_OP_OPENAT2 on
 * io_uring (the pool where the kernel lacks it); the syscall on the pool on epoll. A kernel without
 * openat2 completes it with -ENOSYS. */
void zk_prep_openat2(zk_op_t *op, int dirfd, const char *path, struct open_how *how, zk_op_cb cb,
                     void *data);
void zk_prep_pread(zk_op_t *op, int fd, void *buf, size_t len, int64_t off, zk_op_cb cb,
                   void *data);
void zk_prep_pwrite(zk_op_t *op, int fd, const void *buf, size_t len, int64_t off, zk_op_cb cb,
                    void *data);
void zk_prep_preadv(zk_op_t *op, int fd, struct iovec *iov, int iovcnt, int64_t off, zk_op_cb cb,
                    void *data);
void zk_prep_pwritev(zk_op_t *op, int fd, struct iovec *iov, int iovcnt, int64_t off, zk_op_cb cb,
                     void *data);
void zk_prep_fsync(zk_op_t *op, int fd, unsigned flags, zk_op_cb cb, void *data);
/* fn(arg) runs on a thread of the loop's pool (on both backends); cb runs on the loop thread
 * with fn's result. A full queue completes the op with -EAGAIN; a cancel before fn started
 * completes it with -ECANCELED (fn never runs); once fn runs, its result is delivered. */
void zk_prep_work(zk_op_t *op, zk_work_fn fn, void *arg, zk_op_cb cb, void *data);

/* Datagram ops: recvmsg(2) / sendmsg(2) as completions (IORING_OP_RECVMSG / SENDMSG on
 * io_uring; on epoll the call is made when the fd is readable / writable, and at once when it
 * already is). `msg` (its name, iovecs and control buffer) belongs to the loop until the
 * completion, as a buffer does. A RECVMSG completes with the bytes of one datagram and, as
 * recvmsg(2) does, sets msg->msg_namelen (the peer's address in msg->msg_name), msg->msg_flags
 * and msg->msg_controllen: a datagram longer than the iovecs completes with the bytes that fitted
 * and MSG_TRUNC in msg->msg_flags (the rest is lost). `flags` are recvmsg(2)'s / sendmsg(2)'s
 * (MSG_NOSIGNAL is always added to a send); zk_submit() refuses MSG_DONTWAIT (-EINVAL): it would
 * make io_uring complete with -EAGAIN instead of waiting. Errors are the syscall's: -EBADF, and
 * on a connected socket a pending ICMP error (-ECONNREFUSED) ends the next RECVMSG or SENDMSG.
 * A non-blocking datagram socket: zk_udp_bind() (runtime/udp.h). */
void zk_prep_recvmsg(zk_op_t *op, int fd, struct msghdr *msg, int flags, zk_op_cb cb, void *data);
void zk_prep_sendmsg(zk_op_t *op, int fd, const struct msghdr *msg, int flags, zk_op_cb cb,
                     void *data);

/* Hands op to the loop. Returns 0, or -EBUSY if op is still in flight, -EINVAL for a bad op (a
 * negative file offset, a WORK without fn, MSG_DONTWAIT on a RECVMSG / SENDMSG). */
int zk_submit(zk_loop_t *loop, zk_op_t *op);

/* Asks for op to stop early. The op then completes (once more, finally) with -ECANCELED, or with
 * its real result when that landed first. Returns 0, or -ENOENT when op is not in flight. */
int zk_cancel(zk_loop_t *loop, zk_op_t *op);

/* 1 when an op of this type runs as a native SQE on loop, 0 when it runs on the thread pool (or
 * is not a file op). */
int zk_op_native(const zk_loop_t *loop, int type);

/* 1 while op belongs to the loop (submitted and not finally completed). */
static inline int zk_op_busy(const zk_op_t *op) { return op->state != 0; }

/* Synchronous close that also forgets the loop's per-fd state. Returns 0 or -errno. */
int zk_close(zk_loop_t *loop, int fd);

#endif
