/* SPDX-License-Identifier: MIT */
/* zokiod http: error and redirect responses, nginx's small HTML body included. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/conn.h"
#include "http/head.h"
#include "http/status.h"
#include "http/out.h"
#include "http/response.h"
#include "http/vars.h"

typedef struct {
    zh_conn_t *c;
    const char *name, *value;
    size_t vlen;
    zh_head_fn extra; /* more header lines, or NULL */
    const void *extra_arg;
    const char *body;
    size_t blen;
    int head;
} err_t;

static void err_fields(zh_sink_t *b, const void *arg, int part)
{
    const err_t *e = arg;
    int location = e->name && !strcmp(e->name, "Location");
    if (part == ZH_PART_FIELDS) {
        if (e->blen) {
            zh_head_ctype(b, e->c, e->c->resp_status, "text/html", 9);
            ZH_SINK_LIT(b, "Content-Length: ");
            zh_sink_u64(b, e->blen);
            ZH_SINK_LIT(b, "\r\n");
        }
        if (location) zh_location_field(b, e->c, e->value, e->vlen); /* made absolute, as nginx */
    }
    if (e->extra) e->extra(b, e->extra_arg, part);
    if (part != ZH_PART_END) return;
    if (e->name && !location)
        zh_head_field(b, e->name, e->value, e->vlen); /* Allow, Content-Range */
    ZH_SINK_LIT(b, "\r\n");
    if (!e->head) zh_sink_put(b, e->body, e->blen);
}

static int resp_error(zh_conn_t *c, int status, int head, err_t *e)
{
    char body[512];
    const char *reason = zh_status_reason(status);
    int blen = 0;
    /* nginx's page, naming the server as its Server header does (the version unless
     * server_tokens is off) */
    if (status == ZH_STATUS_HEAD_TOO_LARGE) { /* nginx's 494: a 400 with a page of its own */
        status = 400;
        blen = snprintf(body, sizeof body,
                        "<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title>"
                        "</head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
                        "<center>Request Header Or Cookie Too Large</center>\r\n"
                        "<hr><center>%.64s</center>\r\n</body>\r\n</html>\r\n",
                        zh_conn_server_header(c));
    } else if (status >= 300 && status != 304)
        blen = snprintf(body, sizeof body,
                        "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
                        "<center><h1>%d %s</h1></center>\r\n<hr><center>%.64s</center>\r\n"
                        "</body>\r\n</html>\r\n",
                        status, reason, status, reason, zh_conn_server_header(c));
    if (blen < 0 || (size_t)blen >= sizeof body) blen = 0;
    if (zh_status_ends_keepalive(status)) c->close_after = 1;
    e->body = body;
    e->blen = (size_t)blen;
    e->head = head;
    c->resp_bytes = head ? 0 : (uint64_t)blen;
    return zh_head_emit(c, status, err_fields, e);
}

int zh_resp_error(zh_conn_t *c, int status, int head, const char *extra_name,
                  const char *extra_value, size_t extra_len)
{
    err_t e = {.c = c, .name = extra_name, .value = extra_value, .vlen = extra_len};
    return resp_error(c, status, head, &e);
}

int zh_resp_error_fn(zh_conn_t *c, int status, int head, zh_head_fn extra, const void *arg)
{
    err_t e = {.c = c, .extra = extra, .extra_arg = arg};
    return resp_error(c, status, head, &e);
}
