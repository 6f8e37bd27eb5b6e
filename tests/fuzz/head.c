/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the response head writer (http/head.c, zh_out_room() in http/out.c):
 * random statuses, add_header sets (with `always`), header pieces and extra byte runs of random
 * sizes, several responses queued on one connection so the out buffer fills and long heads move
 * to blocks of their own. Each queued response must equal a reference serialisation built here
 * byte for byte, a head over ZH_HEAD_MAX must be refused whole (-E2BIG, nothing queued), and
 * ASan catches any write past the room reserved. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "http/conn.h"
#include "http/head.h"
#include "http/serve.h"
#include "http/status.h"
#include "tests/fuzz/fuzz.h"
#include "http/out.h"

typedef struct {
    const uint8_t *p;
    size_t n;
} in_t;

static unsigned take(in_t *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

/* a run of `len` printable bytes taken from the input (cycled), never CR or LF */
static void fill(in_t *in, char *out, size_t len)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)(' ' + (in->n ? take(in) : (unsigned)i) % 94);
}

typedef struct {
    char *text;
    size_t len;
} piece_t;

/* the pieces go after the add_header lines (ZH_PART_END); nothing in the other parts */
static void pieces_fn(zh_sink_t *b, const void *arg, int part)
{
    const piece_t *p = arg;
    if (part != ZH_PART_END) return;
    for (; p->text; p++)
        zh_sink_put(b, p->text, p->len);
    ZH_SINK_LIT(b, "\r\n");
}

/* appends to ref: what zh_head_emit() must queue */
static size_t reference(char *ref, const zh_conn_t *c, int status, const char *date,
                        const piece_t *pc)
{
    size_t n = 0;
#define REF(s, l) (memcpy(ref + n, s, l), n += (l))
    char line[64];
    int k = snprintf(line, sizeof line, "HTTP/1.1 %d ", status);
    REF(line, (size_t)k);
    REF(zh_status_reason(status), strlen(zh_status_reason(status)));
    REF("\r\nServer: ", 10);
    REF(c->srv->hooks.server_header, strlen(c->srv->hooks.server_header));
    REF("\r\nDate: ", 8);
    REF(date, ZH_DATE_LEN);
    REF("\r\n", 2);
    if (c->close_after)
        REF("Connection: close\r\n", 19);
    else
        REF("Connection: keep-alive\r\n", 24);
    for (uint32_t i = 0; c->loc && i < c->loc->nheaders; i++) {
        const zh_header_t *h = &c->loc->headers[i];
        if (!zh_status_headers_ok(status) && !h->always) continue;
        if (!*h->value) continue; /* an empty value sends no line */
        REF(h->name, strlen(h->name));
        REF(": ", 2);
        REF(h->value, strlen(h->value));
        REF("\r\n", 2);
    }
    for (; pc->text; pc++)
        REF(pc->text, pc->len);
    REF("\r\n", 2);
#undef REF
    return n;
}

/* the bytes queued past the first `skip` ones (segments merge when they are contiguous in the
 * out buffer, so a response may extend the segment before it) */
static size_t queued(const zh_conn_t *c, size_t skip, char *out, size_t cap)
{
    size_t n = 0, at = 0;
    for (uint32_t i = 0; i < c->w->nseg; i++) {
        const zh_seg_t *sg = &c->w->segs[i];
        CHECK(sg->mem);
        for (size_t k = 0; k < sg->len; k++, at++)
            if (at >= skip) {
                CHECK(n < cap);
                out[n++] = sg->mem[k];
            }
    }
    return n;
}

static size_t total(const zh_conn_t *c)
{
    size_t n = 0;
    for (uint32_t i = 0; i < c->w->nseg; i++)
        n += c->w->segs[i].len;
    return n;
}

#define BIG (ZH_HEAD_MAX + 8192)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static zh_server_t *srv;
    static zh_conn_t conn;
    static char *ref, *got;
    if (!srv) {
        srv = calloc(1, sizeof *srv);
        CHECK(srv && zh_fcache_init(&srv->fcache, 32768, 1 << 20, 0) == 0);
        srv->hooks.server_header = "zokiod/fuzz";
        ref = xmalloc(BIG * 2);
        got = xmalloc(BIG * 2);
    }
    in_t in = {data, size};
    zh_conn_t *c = &conn;
    memset(c, 0, sizeof *c);
    c->srv = srv;
    CHECK(zh_out_take(c) == 0);
    /* add_header lines: up to 6, values up to ~40 KB */
    zh_header_t hd[6];
    char *hv[6] = {0};
    zh_location_t loc = {0};
    unsigned nh = take(&in) % 7;
    for (unsigned i = 0; i < nh; i++) {
        size_t vl = (size_t)take(&in) * (take(&in) % 160 + 1);
        hv[i] = xmalloc(vl + 1);
        fill(&in, hv[i], vl);
        hv[i][vl] = 0;
        hd[i] = (zh_header_t){.name = "X-Fuzz", .value = hv[i], .always = (uint8_t)(take(&in) & 1)};
    }
    loc.headers = hd;
    loc.nheaders = nh;
    c->loc = nh ? &loc : NULL;
    static const int statuses[] = {200, 206, 301, 302, 304, 400, 404, 413, 416, 500, 505, 999};
    /* a few responses in a row on the same connection */
    for (unsigned r = take(&in) % 5 + 1; r > 0 && in.n; r--) {
        int status = statuses[take(&in) % (sizeof statuses / sizeof statuses[0])];
        c->close_after = (uint8_t)(take(&in) & 1);
        piece_t pc[5] = {{0}};
        unsigned np = take(&in) % 5;
        for (unsigned i = 0; i < np; i++) {
            pc[i].len = (size_t)take(&in) * (take(&in) % 64 + 1);
            pc[i].text = xmalloc(pc[i].len);
            fill(&in, pc[i].text, pc[i].len);
        }
        uint32_t from = c->w->nseg;
        uint32_t used = c->w->out_used;
        size_t before = total(c);
        int rc = zh_head_emit(c, status, pieces_fn, pc);
        if (rc == 0) {
            size_t n = queued(c, before, got, BIG * 2);
            const char *date = memmem(got, n, "\r\nDate: ", 8);
            CHECK(date);
            size_t m = reference(ref, c, status, date + 8, pc);
            CHECK(m == n && !memcmp(ref, got, n) && n <= ZH_HEAD_MAX);
        } else {
            CHECK(rc == -E2BIG || rc == -ENOBUFS);
            CHECK(c->w->nseg == from && c->w->out_used == used); /* nothing half queued */
            if (rc == -E2BIG) {
                char date[ZH_DATE_LEN + 1];
                memcpy(date, zh_date_cache_get(&srv->date, time(NULL)), ZH_DATE_LEN);
                CHECK(reference(ref, c, status, date, pc) > ZH_HEAD_MAX - 64);
            }
        }
        for (unsigned i = 0; i < np; i++)
            free(pc[i].text);
        if (c->w->nseg + 8 >= ZH_MAX_SEGS) break;
    }
    zh_out_release(c);
    for (unsigned i = 0; i < nh; i++)
        free(hv[i]);
    return 0;
}
