/* SPDX-License-Identifier: MIT */
/* zokiod http: the per-worker pool of work blocks (zh_work_t: a busy connection's request, arena,
 * output queue, normalized path and host, and a 32 KiB read buffer touched only without
 * sendfile). Blocks are mapped one by one, so a block given back to the kernel really leaves the
 * resident set. The free list keeps what recent load used: once a second zh_server_tick() trims
 * it to WORK_KEEP plus the number taken during the last second, so a burst of slow clients costs
 * memory only while it lasts. The same tick trims the connection pool and the loop's receive
 * buffers (zk_pool_trim(), zk_loop_trim()) and drops the file cache's inactive entries
 * (zh_fcache_expire()). */
#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "http/srv.h"
#include "http/work.h"

#define WORK_KEEP 8 /* blocks kept after a quiet second */

static size_t block_size(void) { return (sizeof(zh_work_t) + 4095) & ~(size_t)4095; }

zh_work_t *zh_work_get(zh_server_t *s)
{
    zh_work_t *w = s->work_free;
    s->work_taken++;
    if (w) {
        s->work_free = w->next;
        s->work_nfree--;
        return w;
    }
    w = mmap(NULL, block_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return w == MAP_FAILED ? NULL : w;
}

void zh_work_put(zh_server_t *s, zh_work_t *w)
{
    w->next = s->work_free;
    s->work_free = w;
    s->work_nfree++;
}

/* frees free blocks until at most `keep` are left */
static void work_trim_to(zh_server_t *s, unsigned keep)
{
    while (s->work_nfree > keep) {
        zh_work_t *w = s->work_free;
        s->work_free = w->next;
        s->work_nfree--;
        munmap(w, block_size());
    }
}

void zh_server_tick(zh_server_t *s)
{
    zh_fcache_expire(&s->fcache, time(NULL));
    work_trim_to(s, WORK_KEEP + s->work_taken);
    s->work_taken = 0;
    zk_pool_trim(&s->conn_pool);
    zk_loop_trim(s->loop);
}

void zh_work_fini(zh_server_t *s) { work_trim_to(s, 0); }
