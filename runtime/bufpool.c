/* SPDX-License-Identifier: MIT */
/* zokio: the loop's provided receive buffers: one mmap'd region of buf_count x buf_size bytes,
 * a LIFO free stack of buffer ids (the epoll backend and the io_uring fallback take from it; the
 * io_uring buffer ring lives in uring_bufring.c), and the trim that gives cold buffers' pages
 * back to the kernel. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/internal.h"

int zk__bufs_init(zk_loop_t *loop, const zk_loop_opts_t *o)
{
    unsigned n = o && o->buf_count ? o->buf_count : 1024;
    unsigned sz = o && o->buf_size ? o->buf_size : 8192;
    if (n & (n - 1) || n > 32768 || sz < 64) return -EINVAL;
    loop->buf_count = n;
    loop->buf_size = sz;
    /* mmap: pages are only touched when a buffer is first used */
    void *m =
        mmap(NULL, (size_t)n * sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -errno;
    loop->bufs = m;
    loop->buf_free = malloc(n * sizeof(uint16_t));
    loop->buf_link = malloc(n * sizeof(uint16_t));
    loop->buf_len = malloc(n * sizeof(uint32_t));
    loop->buf_resident = calloc(n, 1);
    if (!loop->buf_free || !loop->buf_link || !loop->buf_len || !loop->buf_resident) return -ENOMEM;
    for (unsigned i = 0; i < n; i++)
        loop->buf_free[i] = (uint16_t)(n - 1 - i);
    loop->buf_nfree = n;
    return 0;
}

char *zk_buf_ptr(zk_loop_t *loop, unsigned bid)
{
    return loop->bufs + (size_t)bid * loop->buf_size;
}
unsigned zk_buf_size(const zk_loop_t *loop) { return loop->buf_size; }
unsigned zk_buf_free_count(const zk_loop_t *loop) { return loop->buf_count - loop->buf_out; }

int zk__buf_take(zk_loop_t *loop)
{
    if (!loop->buf_nfree) return -ENOBUFS;
    int bid = loop->buf_free[--loop->buf_nfree];
    loop->buf_resident[bid] = 1;
    return bid;
}

/* the free stack is LIFO: its top BUF_HOT buffers are the ones in use from moment to moment */
#define BUF_HOT 32

size_t zk_loop_trim(zk_loop_t *loop)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), given = 0;
    if (!loop->bufs || loop->buf_size % page) return 0;
    if (loop->ops->trim) given += loop->ops->trim(loop);
    for (unsigned i = 0; i + BUF_HOT < loop->buf_nfree; i++) {
        unsigned bid = loop->buf_free[i];
        if (!loop->buf_resident[bid]) continue;
        madvise(zk_buf_ptr(loop, bid), loop->buf_size, MADV_DONTNEED);
        loop->buf_resident[bid] = 0;
        given += loop->buf_size;
    }
    return given;
}

void zk__buf_release(zk_loop_t *loop, unsigned bid)
{
    loop->buf_free[loop->buf_nfree++] = (uint16_t)bid;
}

void zk_buf_put(zk_loop_t *loop, unsigned bid)
{
    loop->buf_out--;
    loop->ops->buf_put(loop, bid);
}

void zk__bufs_fini(zk_loop_t *loop)
{
    if (loop->bufs) munmap(loop->bufs, (size_t)loop->buf_count * loop->buf_size);
    free(loop->buf_free);
    free(loop->buf_resident);
    free(loop->buf_link);
    free(loop->buf_len);
}
