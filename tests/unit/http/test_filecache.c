/* SPDX-License-Identifier: MIT */
#include "tests/unit/http/tdir.h"
#include "tests/unit/zt.h"

#include "http/filecache.h"
#include "http/lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Each test runs in its own child: one site rooted in a fresh temporary directory, removed when
 * the child exits (the ZT_* macros return early, so cleanup cannot wait for the test's end). */
#define NOW ((time_t)1000) /* one second: a hit is served without opening the file again */

static char dir[256];
static zh_site_t site;
static zh_fcache_t fc;

/* a site rooted in a new temporary directory, and the cache; 0 or -errno */
static int setup(uint32_t max_file, uint64_t max_bytes)
{
    return td_site(&site, &fc, dir, sizeof dir, "fc", max_file, max_bytes);
}

/* writes `size` bytes of `c` to `name` (no leading '/') under the root; 0 or -errno */
static int put(const char *name, size_t size, char c) { return td_put(dir, name, size, c); }

static int get(const char *path, zh_file_t **out)
{
    return zh_file_get(&fc, &site, path, strlen(path), NOW, out);
}

ZT_TEST(filecache_long_content_type)
{
    static char type[601];
    memset(type, 't', 600);
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.default_type = type;
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    zh_file_t *f = NULL;
    ZT_EQ_INT(get("/a", &f), 0);
    ZT_CHECK(f->ctype == type); /* any length: heads are measured, then written */
    ZT_CHECK(f->data && memcmp(f->data, "xxxxx", 5) == 0);
    zh_file_unref(&fc, f);
    zh_fcache_fini(&fc);
}

/* the entry for `path` in the table (without touching it), or NULL */
static zh_file_t *find(const char *path)
{
    size_t len = strlen(path);
    for (uint32_t i = 0; i <= fc.mask; i++)
        for (zh_file_t *f = fc.tab[i]; f; f = f->next)
            if (f->keylen == len && !memcmp(f->key, path, len)) return f;
    return NULL;
}

/* what is wrong with the cache's bookkeeping (counters, table, LRU list, caps), or NULL */
static const char *fc_broken(void)
{
    uint64_t bytes = 0, lru_bytes = 0;
    uint32_t count = 0, nfds = 0, idle = 0, lru_count = 0, lru_fds = 0;
    for (uint32_t i = 0; i <= fc.mask; i++)
        for (zh_file_t *f = fc.tab[i]; f; f = f->next) {
            if (!f->cached || !f->refs || (f->hash & fc.mask) != i)
                return "a bad entry in the table";
            count++;
            bytes += f->mem;
            nfds += f->fd >= 0;
            idle += f->refs == 1;
        }
    const zh_file_t *prev = NULL;
    for (zh_file_t *f = fc.lru_head; f; prev = f, f = f->lru_next) {
        if (!f->cached || f->refs != 1) return "an entry in use, or not cached, on the LRU list";
        if (f->lru_prev != prev) return "a broken LRU link";
        lru_count++;
        lru_bytes += f->mem;
        lru_fds += f->fd >= 0;
    }
    if (fc.lru_tail != prev) return "the LRU tail is not the last entry";
    if (count != fc.count || bytes != fc.bytes || nfds != fc.nfds) return "table counters";
    if (idle != lru_count) return "an entry only the table holds is not on the LRU list";
    if (lru_count != fc.lru_count || lru_bytes != fc.lru_bytes || lru_fds != fc.lru_fds)
        return "LRU counters";
    if (fc.bytes > fc.max_bytes || fc.nfds > fc.max_fds || fc.count > fc.max_entries)
        return "a cap exceeded";
    return NULL;
}

#define CHECK_FC()                                                                                 \
    do {                                                                                           \
        const char *why_ = fc_broken();                                                            \
        if (why_) ZT_FAIL("cache: %s", why_);                                                      \
    } while (0)

/* get + unref: the file is cached (when it fits) and only the table holds it */
static int touch(const char *path)
{
    zh_file_t *f;
    int r = get(path, &f);
    if (r == 0) zh_file_unref(&fc, f);
    return r;
}

ZT_TEST(filecache_bytes_cap_holds_while_in_use)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    char name[32], path[32];
    for (int i = 0; i < 24; i++) {
        snprintf(name, sizeof name, "f%d", i);
        ZT_EQ_INT(put(name, 8000, (char)('a' + i)), 0);
    }
    zh_file_t *held[3], *f;
    ZT_EQ_INT(get("/f0", &held[0]), 0);
    uint64_t cost = fc.bytes; /* what one such entry counts for */
    fc.max_bytes = 3 * cost + cost / 2;
    ZT_EQ_INT(get("/f1", &held[1]), 0);
    ZT_EQ_INT(get("/f2", &held[2]), 0);
    /* every cached entry is in use: a new file is served, but not cached */
    for (int i = 3; i < 24; i++) {
        snprintf(path, sizeof path, "/f%d", i);
        ZT_EQ_INT(get(path, &f), 0);
        ZT_CHECK(f->data && f->data[0] == 'a' + i && f->data[7999] == 'a' + i);
        CHECK_FC();
        ZT_EQ_INT(f->cached, 0);
        ZT_CHECK(find(path) == NULL);
        ZT_EQ_INT(fc.loose_bytes, f->mem);
        for (int j = 0; j < 3; j++)
            ZT_CHECK(find((const char *[]){"/f0", "/f1", "/f2"}[j]) == held[j]);
        zh_file_unref(&fc, f); /* its last reference: freed (ASan would see a leak) */
        ZT_EQ_INT(fc.loose_bytes, 0);
    }
    /* released, the least recently used of them makes room */
    zh_file_unref(&fc, held[0]);
    ZT_EQ_INT(touch("/f3"), 0);
    ZT_CHECK(find("/f0") == NULL && find("/f3") != NULL);
    ZT_CHECK(find("/f1") == held[1] && find("/f2") == held[2]);
    CHECK_FC();
    zh_file_unref(&fc, held[1]);
    zh_file_unref(&fc, held[2]);
    CHECK_FC();
    zh_fcache_fini(&fc);
    ZT_EQ_INT(fc.loose_bytes, 0);
}

ZT_TEST(filecache_fd_cap_holds_while_in_use)
{
    ZT_EQ_INT(setup(16, 1 << 20), 0); /* files over 16 bytes keep their fd */
    fc.max_fds = 2;
    ZT_EQ_INT(put("a", 100, 'a'), 0);
    ZT_EQ_INT(put("b", 100, 'b'), 0);
    ZT_EQ_INT(put("c", 100, 'c'), 0);
    zh_file_t *a, *b, *c;
    ZT_EQ_INT(get("/a", &a), 0);
    ZT_EQ_INT(get("/b", &b), 0);
    ZT_CHECK(a->fd >= 0 && b->fd >= 0);
    ZT_EQ_INT(get("/c", &c), 0);
    ZT_CHECK(c->fd >= 0 && !c->data);
    CHECK_FC();
    ZT_EQ_INT(fc.nfds, 2);
    ZT_EQ_INT(c->cached, 0);
    ZT_CHECK(find("/a") == a && find("/b") == b && find("/c") == NULL);
    int cfd = c->fd;
    zh_file_unref(&fc, c);
    ZT_CHECK(fcntl(cfd, F_GETFD) < 0 && errno == EBADF); /* the uncached entry closed its fd */
    int afd = a->fd;
    zh_file_unref(&fc, a);
    ZT_EQ_INT(touch("/c"), 0); /* a, released, makes room */
    ZT_CHECK(find("/a") == NULL && find("/b") == b && find("/c") != NULL);
    ZT_CHECK(fcntl(afd, F_GETFD) < 0 && errno == EBADF); /* evicted: its fd closed */
    ZT_EQ_INT(fc.nfds, 2);
    zh_file_unref(&fc, b);
    CHECK_FC();
    zh_fcache_fini(&fc);
    ZT_EQ_INT(fc.loose_bytes, 0);
}

/* writes empty files e0..e{n-1} and looks each up once ("/eN"): 0, or the first failure */
static int touch_empty_files(int n)
{
    char name[32];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "e%d", i);
        if (put(name, 0, 0) < 0) return -1;
        snprintf(name, sizeof name, "/e%d", i);
        if (touch(name) < 0) return -1;
        if (fc_broken()) return -1;
    }
    return 0;
}

ZT_TEST(filecache_empty_files_cost_bytes)
{
    ZT_EQ_INT(setup(32768, 4096), 0);
    ZT_EQ_INT(touch_empty_files(100), 0);
    ZT_CHECK(find("/e99") != NULL); /* the newest is always cached */
    ZT_CHECK(fc.count < 100);       /* an empty file's entry is not free */
    ZT_CHECK(fc.bytes > 0);
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_entries_cap)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    fc.max_entries = 8;
    ZT_EQ_INT(touch_empty_files(100), 0);
    char name[32];
    zh_file_t *held[8], *f;
    for (int i = 0; i < 8; i++) { /* the last 8 are the ones kept */
        snprintf(name, sizeof name, "/e%d", 92 + i);
        ZT_CHECK((held[i] = find(name)) != NULL);
        ZT_EQ_INT(get(name, &f), 0);
        ZT_CHECK(f == held[i]);
    }
    ZT_CHECK(find("/e91") == NULL);
    ZT_EQ_INT(get("/e0", &f), 0); /* all 8 in use: served uncached */
    ZT_EQ_INT(f->cached, 0);
    ZT_EQ_INT(fc.count, 8);
    CHECK_FC();
    zh_file_unref(&fc, f);
    for (int i = 0; i < 8; i++)
        zh_file_unref(&fc, held[i]);
    CHECK_FC();
    zh_fcache_fini(&fc);
    ZT_EQ_INT(fc.loose_bytes, 0);
}

ZT_TEST(filecache_lru_order)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    char name[32];
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "f%d", i);
        ZT_EQ_INT(put(name, 8000, 'f'), 0);
        snprintf(name, sizeof name, "n%d", i);
        ZT_EQ_INT(put(name, 8000, 'n'), 0);
    }
    ZT_EQ_INT(touch("/f0"), 0);
    uint64_t cost = fc.bytes;
    fc.max_bytes = 8 * cost + cost / 2; /* room for 8 */
    for (int i = 1; i < 8; i++) {
        snprintf(name, sizeof name, "/f%d", i);
        ZT_EQ_INT(touch(name), 0);
    }
    for (int i = 0; i < 4; i++) { /* hits: f0..f3 become the most recent */
        snprintf(name, sizeof name, "/f%d", i);
        ZT_EQ_INT(touch(name), 0);
    }
    /* least recent first: f4 f5 f6 f7 f0 f1 f2 f3; each new file evicts exactly the next one */
    static const int order[] = {4, 5, 6, 7, 0, 1, 2, 3};
    for (int k = 0; k < 8; k++) {
        snprintf(name, sizeof name, "/n%d", k);
        ZT_EQ_INT(touch(name), 0);
        ZT_CHECK(find(name) != NULL);
        ZT_EQ_INT(fc.count, 8);
        CHECK_FC();
        for (int j = 0; j < 8; j++) {
            snprintf(name, sizeof name, "/f%d", order[j]);
            if ((find(name) != NULL) != (j > k))
                ZT_FAIL("after /n%d: %s %s", k, name, j > k ? "evicted" : "kept");
        }
    }
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_table_grows)
{
    enum { N = 5000 };
    ZT_EQ_INT(setup(32768, 64u << 20), 0);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "g%d", i);
        ZT_EQ_INT(put(name, 0, 0), 0);
        snprintf(name, sizeof name, "/g%d", i);
        ZT_EQ_INT(touch(name), 0);
    }
    ZT_EQ_INT(fc.count, N);
    ZT_CHECK((uint64_t)fc.mask + 1 >= N); /* at most one entry per bucket on average */
    CHECK_FC();
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "/g%d", i);
        zh_file_t *f, *e = find(name);
        ZT_CHECK(e != NULL);
        ZT_EQ_INT(get(name, &f), 0);
        ZT_CHECK(f == e); /* a hit, not a new entry */
        zh_file_unref(&fc, f);
    }
    ZT_EQ_INT(fc.count, N);
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_table_growth_stops_at_entries_cap)
{
    ZT_EQ_INT(setup(32768, 64u << 20), 0);
    fc.max_entries = 100;
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "g%d", i);
        ZT_EQ_INT(put(name, 0, 0), 0);
        snprintf(name, sizeof name, "/g%d", i);
        ZT_EQ_INT(touch(name), 0);
    }
    ZT_CHECK(fc.count <= 100);
    ZT_CHECK(fc.mask + 1 <= 256);
    CHECK_FC();
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_replaced_while_in_flight)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    ZT_EQ_INT(put("a", 100, 'a'), 0);
    zh_file_t *old, *cur;
    ZT_EQ_INT(get("/a", &old), 0);
    ZT_EQ_INT(put("a", 200, 'b'), 0); /* changed on disk while a response holds the old one */
    ZT_EQ_INT(zh_file_get(&fc, &site, "/a", 2, NOW + 1, &cur), 0);
    ZT_CHECK(cur != old && find("/a") == cur);
    ZT_EQ_INT(old->cached, 0);
    ZT_CHECK(old->data[0] == 'a' && old->data[99] == 'a' && cur->data[199] == 'b');
    ZT_EQ_INT(fc.count, 1);
    ZT_EQ_INT(fc.bytes, cur->mem);
    ZT_EQ_INT(fc.loose_bytes, old->mem); /* out of the table, still alive */
    CHECK_FC();
    zh_file_unref(&fc, old);
    ZT_EQ_INT(fc.loose_bytes, 0);
    zh_file_unref(&fc, cur);
    CHECK_FC();
    char path[512];
    snprintf(path, sizeof path, "%s/a", dir);
    ZT_EQ_INT(unlink(path), 0); /* vanished: dropped at the next check */
    ZT_EQ_INT(zh_file_get(&fc, &site, "/a", 2, NOW + 2, &cur), -ENOENT);
    ZT_EQ_INT(fc.count, 0);
    ZT_EQ_INT(fc.bytes, 0);
    CHECK_FC();
    zh_fcache_fini(&fc);
    ZT_EQ_INT(fc.loose_bytes, 0);
}

ZT_TEST(filecache_blob_outside_the_table)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    char *page = malloc(10);
    ZT_CHECK(page != NULL);
    memcpy(page, "<p>hi</p>\n", 10);
    zh_file_t *b = zh_blob_new(&fc, page, 10);
    ZT_CHECK(b != NULL && b->fd < 0 && !b->cached && !b->ctype);
    ZT_EQ_INT(fc.count, 0);
    ZT_EQ_INT(fc.bytes, 0);
    ZT_EQ_INT(fc.loose_bytes, b->mem);
    zh_file_ref(b); /* a segment's */
    zh_file_unref(&fc, b);
    ZT_CHECK(fc.loose_bytes > 0 && fc.lru_count == 0);
    zh_file_unref(&fc, b);
    ZT_EQ_INT(fc.loose_bytes, 0);
    zh_fcache_fini(&fc);
}

/* --- the site's policy: nginx's open_file_cache directives ---------------------------------------
 */

static int get_at(const char *path, time_t now, zh_file_t **out)
{
    return zh_file_get(&fc, &site, path, strlen(path), now, out);
}

/* get at `now` and let go: the size seen (or -errno) */
static long size_at(const char *path, time_t now)
{
    zh_file_t *f;
    int r = get_at(path, now, &f);
    if (r < 0) return r;
    long n = (long)f->size;
    zh_file_unref(&fc, f);
    return n;
}

ZT_TEST(filecache_policy_valid)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.cache.valid = 3; /* open_file_cache_valid 3s */
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    ZT_EQ_INT(size_at("/a", NOW), 5);
    ZT_EQ_INT(put("a", 7, 'y'), 0);
    ZT_EQ_INT(size_at("/a", NOW + 2), 5); /* still within valid: not checked */
    ZT_EQ_INT(size_at("/a", NOW + 3), 7);
    site.cache.valid = 0; /* checked at every use */
    ZT_EQ_INT(put("a", 9, 'z'), 0);
    ZT_EQ_INT(size_at("/a", NOW + 3), 9);
    CHECK_FC();
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_policy_off)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.cache.off = 1; /* open_file_cache off */
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    zh_file_t *f1, *f2;
    ZT_EQ_INT(get("/a", &f1), 0);
    ZT_EQ_INT(get("/a", &f2), 0);
    ZT_CHECK(f1 != f2);
    ZT_CHECK(!f1->cached && !f1->data && f1->fd >= 0); /* opened for the request, not read */
    ZT_EQ_INT(fc.count, 0);
    zh_file_unref(&fc, f1);
    zh_file_unref(&fc, f2);
    ZT_EQ_INT(fc.loose_bytes, 0);
    ZT_EQ_INT(get("/nope", &f1), -ENOENT);
    CHECK_FC();
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_policy_min_uses)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.cache.min_uses = 3;
    site.cache.inactive = 5;
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    zh_file_t *f;
    for (int i = 0; i < 2; i++) { /* counted (a stub in the table), served uncached */
        ZT_EQ_INT(get_at("/a", NOW + i, &f), 0);
        ZT_CHECK(!f->cached && f->fd >= 0);
        zh_file_unref(&fc, f);
        ZT_EQ_INT(fc.count, 1);
        ZT_CHECK(find("/a") && find("/a")->stub);
        CHECK_FC();
    }
    ZT_EQ_INT(get_at("/a", NOW + 2, &f), 0); /* the third use: kept */
    ZT_CHECK(f->cached && f->data);
    zh_file_unref(&fc, f);
    ZT_CHECK(find("/a") && !find("/a")->stub);
    /* uses further apart than inactive= start over */
    site.cache.min_uses = 2;
    ZT_EQ_INT(put("b", 5, 'x'), 0);
    ZT_EQ_INT(get_at("/b", NOW, &f), 0);
    zh_file_unref(&fc, f);
    ZT_EQ_INT(get_at("/b", NOW + 6, &f), 0);
    ZT_CHECK(!f->cached);
    zh_file_unref(&fc, f);
    ZT_EQ_INT(get_at("/b", NOW + 7, &f), 0);
    ZT_CHECK(f->cached);
    zh_file_unref(&fc, f);
    CHECK_FC();
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_policy_errors)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.cache.valid = 2;
    /* off: a failure is not remembered */
    ZT_EQ_INT(size_at("/a", NOW), -ENOENT);
    ZT_EQ_INT(fc.count, 0);
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    ZT_EQ_INT(size_at("/a", NOW), 5);
    /* on: remembered for valid seconds */
    site.cache.errors = 1;
    ZT_EQ_INT(size_at("/b", NOW), -ENOENT);
    ZT_CHECK(find("/b") && find("/b")->err == -ENOENT);
    ZT_EQ_INT(put("b", 6, 'x'), 0);
    ZT_EQ_INT(size_at("/b", NOW + 1), -ENOENT);
    ZT_EQ_INT(size_at("/b", NOW + 2), 6);
    ZT_CHECK(find("/b") && !find("/b")->err);
    CHECK_FC();
    zh_fcache_fini(&fc);
}

ZT_TEST(filecache_expire_inactive)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    site.cache.inactive = 5;
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    ZT_EQ_INT(put("b", 5, 'x'), 0);
    ZT_EQ_INT(size_at("/a", NOW), 5);
    zh_file_t *held;
    ZT_EQ_INT(get_at("/b", NOW, &held), 0);
    zh_fcache_expire(&fc, NOW + 5);
    ZT_EQ_INT(fc.count, 2);
    zh_fcache_expire(&fc, NOW + 6); /* unused for more than 5 s: gone; in use: kept */
    ZT_EQ_INT(fc.count, 1);
    ZT_CHECK(!find("/a") && find("/b"));
    CHECK_FC();
    fc.now = NOW + 6;
    zh_file_unref(&fc, held); /* let go at NOW + 6: a use */
    zh_fcache_expire(&fc, NOW + 11);
    ZT_EQ_INT(fc.count, 1);
    zh_fcache_expire(&fc, NOW + 12);
    ZT_EQ_INT(fc.count, 0);
    CHECK_FC();
    zh_fcache_fini(&fc);
}

/* The non-blocking split (http/lookup.h): the probe answers from memory or says ZH_MISS (with
 * the entry due for its re-check), the fetch does the blocking part, the settle decides as
 * zh_file_get() would have. */
ZT_TEST(filecache_probe_fetch_settle)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    const zh_file_t *known = (const zh_file_t *)1;
    zh_file_t *f = NULL, *g = NULL;
    ZT_EQ_INT(zh_file_probe(&fc, &site, "/a", 2, NOW, &known, &f), ZH_MISS);
    ZT_CHECK(known == NULL);
    zh_fetched_t got;
    zh_fetch(&site, "/a", 2, ZH_FETCH_FILE, fc.max_file, NULL, &got);
    ZT_EQ_INT(got.res, 0);
    ZT_CHECK(got.fd >= 0 && got.data && memcmp(got.data, "xxxxx", 5) == 0); /* read off the loop */
    ZT_EQ_INT(zh_file_settle(&fc, &site, "/a", 2, NOW, &got, &f), 0);
    ZT_CHECK(f->cached && f->fd < 0 && f->data && memcmp(f->data, "xxxxx", 5) == 0);
    ZT_EQ_INT(got.fd, -1); /* taken over */
    ZT_CHECK(got.data == NULL);
    /* a hit: the same entry, nothing opened */
    ZT_EQ_INT(zh_file_probe(&fc, &site, "/a", 2, NOW, &known, &g), 0);
    ZT_CHECK(g == f);
    zh_file_unref(&fc, g);
    /* past `valid`: a miss naming the entry to re-check; unchanged, the fetch reads nothing */
    ZT_EQ_INT(zh_file_probe(&fc, &site, "/a", 2, NOW + 2, &known, &g), ZH_MISS);
    ZT_CHECK(known == f);
    struct stat k = {
        .st_dev = f->dev, .st_ino = f->ino, .st_size = (off_t)f->size, .st_mtime = f->mtime};
    zh_fetch(&site, "/a", 2, ZH_FETCH_FILE, fc.max_file, &k, &got);
    ZT_CHECK(got.res == 0 && got.data == NULL);
    ZT_EQ_INT(zh_file_settle(&fc, &site, "/a", 2, NOW + 2, &got, &g), 0);
    ZT_CHECK(g == f && f->checked == NOW + 2);
    zh_file_unref(&fc, g);
    zh_file_unref(&fc, f);
    /* errors as zh_file_get: a missing file, a directory, a directory fetched as one */
    zh_fetch(&site, "/nope", 5, ZH_FETCH_FILE, fc.max_file, NULL, &got);
    ZT_EQ_INT(got.res, -ENOENT);
    ZT_EQ_INT(zh_file_settle(&fc, &site, "/nope", 5, NOW, &got, &g), -ENOENT);
    zh_fetch(&site, "/", 1, ZH_FETCH_FILE, fc.max_file, NULL, &got);
    ZT_EQ_INT(got.res, -EISDIR);
    ZT_EQ_INT(got.fd, -1);
    zh_fetch(&site, "/", 1, ZH_FETCH_DIR, fc.max_file, NULL, &got);
    ZT_EQ_INT(got.res, 0);
    ZT_EQ_INT(got.fd, -1);
    zh_fetch(&site, "/a", 2, ZH_FETCH_DIR, fc.max_file, NULL, &got);
    ZT_EQ_INT(got.res, -ENOTDIR);
    zh_fcache_fini(&fc);
}

/* settled after another request cached the file meanwhile: the cached entry, the fetch dropped */
ZT_TEST(filecache_settle_after_another)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    ZT_EQ_INT(put("a", 5, 'x'), 0);
    zh_fetched_t got;
    zh_file_t *f = NULL, *g = NULL;
    zh_fetch(&site, "/a", 2, ZH_FETCH_FILE, fc.max_file, NULL, &got);
    ZT_EQ_INT(get("/a", &f), 0); /* the other request */
    ZT_EQ_INT(zh_file_settle(&fc, &site, "/a", 2, NOW, &got, &g), 0);
    ZT_CHECK(g == f);
    ZT_EQ_INT(got.fd, -1);
    zh_file_unref(&fc, g);
    zh_file_unref(&fc, f);
    ZT_EQ_INT(fc.count, 1);
    zh_fcache_fini(&fc);
}

/* the pages of f's first bytes in memory, as mincore sees them: 1, 0, or -1 (cannot tell) */
static int in_memory(const char *name, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    void *m = fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char vec[64];
    int r = m == MAP_FAILED || mincore(m, size, vec) < 0 ? -1 : (vec[0] & 1);
    if (m != MAP_FAILED) munmap(m, size);
    if (fd >= 0) close(fd);
    return r;
}

/* zh_file_warm(): a file whose pages were dropped is cold, read once it is warm again */
ZT_TEST(filecache_warm_sees_dropped_pages)
{
    ZT_EQ_INT(setup(32768, 1 << 20), 0);
    ZT_EQ_INT(put("big", 100000, 'b'), 0);
    zh_file_t *f = NULL;
    ZT_EQ_INT(get("/big", &f), 0);
    ZT_CHECK(f->fd >= 0 && !f->data); /* over max_file: sent from its fd */
    ZT_EQ_INT(fsync(f->fd), 0);
    posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED);
    if (in_memory("big", 100000) != 0) {
        zh_file_unref(&fc, f);
        zh_fcache_fini(&fc);
        ZT_SKIP("the pages of a file in %s cannot be dropped (tmpfs?)", dir);
    }
    ZT_EQ_INT(zh_file_warm(f), 0);
    char buf[4096];
    for (off_t off = 0; off < 100000; off += (off_t)sizeof buf)
        ZT_CHECK(pread(f->fd, buf, sizeof buf, off) > 0);
    ZT_EQ_INT(zh_file_warm(f), 1);
    zh_file_unref(&fc, f);
    zh_fcache_fini(&fc);
}
