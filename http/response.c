/* SPDX-License-Identifier: MIT */
/* zokiod http: response heads and error responses. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/conn.h"
#include "http/sink.h"
#include "http/status.h"

char *zh_resp_head(zh_conn_t *c, int status, char *p, char *end)
{
    const char *reason = zh_status_reason(status);
    size_t rl = strlen(reason);
    if ((size_t)(end - p) < 96 + rl) return NULL;
    p = ZH_PUTS(p, "HTTP/1.1 ");
    *p++ = (char)('0' + status / 100);
    *p++ = (char)('0' + status / 10 % 10);
    *p++ = (char)('0' + status % 10);
    *p++ = ' ';
    p = zh_put(p, reason, rl);
    p = ZH_PUTS(p, "\r\nServer: ");
    const char *sv = c->srv->hooks.server_header;
    p = zh_put(p, sv, strlen(sv));
    p = ZH_PUTS(p, "\r\nDate: ");
    p = zh_put(p, zh_date_cache_get(&c->srv->date, time(NULL)), ZH_DATE_LEN);
    p = ZH_PUTS(p, "\r\n");
    if (c->close_after)
        p = ZH_PUTS(p, "Connection: close\r\n");
    else if (c->parser.http_major == 1 && c->parser.http_minor == 0)
        p = ZH_PUTS(p, "Connection: keep-alive\r\n");
    c->resp_status = status;
    /* add_header: on success and redirect responses, or on every one with `always` */
    for (uint32_t i = 0; c->loc && i < c->loc->nheaders; i++) {
        const zh_header_t *h = &c->loc->headers[i];
        if (status >= 400 && !h->always) continue;
        size_t nl = strlen(h->name), vl = strlen(h->value);
        if ((size_t)(end - p) < nl + vl + 4 + 256) break; /* keep room for the rest */
        p = zh_put(p, h->name, nl);
        p = ZH_PUTS(p, ": ");
        p = zh_put(p, h->value, vl);
        p = ZH_PUTS(p, "\r\n");
    }
    return p;
}

int zh_resp_error(zh_conn_t *c, int status, int head, const char *extra)
{
    char body[256];
    const char *reason = zh_status_reason(status);
    int blen = 0;
    if (status >= 300 && status != 304)
        blen = snprintf(body, sizeof body,
                        "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
                        "<center><h1>%d %s</h1></center>\r\n<hr><center>zokiod</center>\r\n"
                        "</body>\r\n</html>\r\n",
                        status, reason, status, reason);
    if (blen < 0 || (size_t)blen >= sizeof body) blen = 0;
    size_t xl = extra ? strlen(extra) : 0;
    size_t room = ZH_OUT_ROOM + xl + (size_t)blen;
    char *start = zh_out_reserve(c, room);
    if (!start) return -ENOBUFS;
    char *end = start + room;
    char *p = zh_resp_head(c, status, start, end);
    if (!p) return -ENOBUFS;
    if (extra) p = zh_put(p, extra, xl);
    c->resp_bytes = head ? 0 : (uint64_t)blen;
    if (blen) {
        p = ZH_PUTS(p, "Content-Type: text/html\r\n");
        p += snprintf(p, (size_t)(end - p), "Content-Length: %d\r\n\r\n", blen);
        if (!head) p = zh_put(p, body, (size_t)blen);
    } else {
        p = ZH_PUTS(p, "\r\n");
    }
    zh_out_commit(c, start, (size_t)(p - start));
    return 0;
}
