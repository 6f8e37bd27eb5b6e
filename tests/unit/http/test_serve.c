/* SPDX-License-Identifier: MIT */
/* Expires, Cache-Control and the charset label (http/serve.c), as nginx writes them. */
#include "tests/unit/zt.h"

#include <stdlib.h>
#include <string.h>

#include "http/serve.h"

#define NOW   ((time_t)1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */
#define MTIME ((time_t)1672628645) /* Mon, 02 Jan 2023 03:04:05 GMT */

static const char *fields(const zh_serve_t *sv, int status, time_t mtime)
{
    static char buf[256];
    zh_sink_t b = ZH_SINK(buf, sizeof buf);
    zh_expires_fields(&b, sv, status, NOW, mtime);
    zh_sink_end(&b);
    return buf;
}

ZT_TEST(serve_expires_forms)
{
    zh_serve_t sv = {.expires = ZH_EXPIRES_ACCESS, .expires_s = 3600};
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Tue, 14 Nov 2023 23:13:20 GMT\r\nCache-Control: max-age=3600\r\n");
    sv.expires_s = 0;
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Tue, 14 Nov 2023 22:13:20 GMT\r\nCache-Control: max-age=0\r\n");
    sv.expires_s = -600; /* the past: no-cache */
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Tue, 14 Nov 2023 22:03:20 GMT\r\nCache-Control: no-cache\r\n");
    sv = (zh_serve_t){.expires = ZH_EXPIRES_MAX};
    ZT_EQ_STR(fields(&sv, 200, MTIME), "Expires: Thu, 31 Dec 2037 23:55:55 GMT\r\n"
                                       "Cache-Control: max-age=315360000\r\n");
    sv = (zh_serve_t){.expires = ZH_EXPIRES_EPOCH};
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\nCache-Control: no-cache\r\n");
    sv = (zh_serve_t){.expires = ZH_EXPIRES_OFF};
    ZT_EQ_STR(fields(&sv, 200, MTIME), "");
}

ZT_TEST(serve_expires_modified)
{
    zh_serve_t sv = {.expires = ZH_EXPIRES_MODIFIED, .expires_s = 86400};
    /* the file's time + 1 day is long past: no-cache */
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Tue, 03 Jan 2023 03:04:05 GMT\r\nCache-Control: no-cache\r\n");
    /* a recent file: max-age is what is left */
    ZT_EQ_STR(fields(&sv, 200, NOW - 100),
              "Expires: Wed, 15 Nov 2023 22:11:40 GMT\r\nCache-Control: max-age=86300\r\n");
    /* no file (a redirect, a return): from the answer's time, as nginx */
    ZT_EQ_STR(fields(&sv, 301, ZH_NO_MTIME),
              "Expires: Wed, 15 Nov 2023 22:13:20 GMT\r\nCache-Control: max-age=86400\r\n");
}

ZT_TEST(serve_expires_daily)
{
    char *tz = getenv("TZ");
    setenv("TZ", "UTC", 1);
    tzset();
    zh_serve_t sv = {.expires = ZH_EXPIRES_DAILY, .expires_s = 3 * 3600 + 1800};
    /* 22:13:20 now: the next 03:30 is tomorrow's */
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Wed, 15 Nov 2023 03:30:00 GMT\r\nCache-Control: max-age=19000\r\n");
    sv.expires_s = 23 * 3600;
    ZT_EQ_STR(fields(&sv, 200, MTIME),
              "Expires: Tue, 14 Nov 2023 23:00:00 GMT\r\nCache-Control: max-age=2800\r\n");
    if (tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    tzset();
}

ZT_TEST(serve_expires_statuses)
{
    zh_serve_t sv = {.expires = ZH_EXPIRES_MAX};
    static const int yes[] = {200, 201, 204, 206, 301, 302, 303, 304, 307, 308};
    static const int no[] = {202, 203, 300, 305, 400, 403, 404, 412, 416, 500};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!*fields(&sv, yes[i], MTIME)) ZT_FAIL("no Expires on %d", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (*fields(&sv, no[i], MTIME)) ZT_FAIL("Expires on %d", no[i]);
}

static const char *ctype(const zh_serve_t *sv, int status, const char *type)
{
    static char buf[256];
    zh_sink_t b = ZH_SINK(buf, sizeof buf);
    zh_ctype_field(&b, sv, status, type, strlen(type));
    zh_sink_end(&b);
    return buf;
}

ZT_TEST(serve_charset)
{
    static const char *const dflt[] = {"text/html",
                                       "text/xml",
                                       "text/plain",
                                       "text/vnd.wap.wml",
                                       "application/javascript",
                                       "application/rss+xml"};
    zh_serve_t sv = {.charset = "utf-8", .charset_types = dflt, .ncharset_types = 6};
    ZT_EQ_STR(ctype(&sv, 200, "text/plain"), "Content-Type: text/plain; charset=utf-8\r\n");
    ZT_EQ_STR(ctype(&sv, 404, "text/html"), "Content-Type: text/html; charset=utf-8\r\n");
    ZT_EQ_STR(ctype(&sv, 200, "Text/Plain"), "Content-Type: Text/Plain; charset=utf-8\r\n");
    ZT_EQ_STR(ctype(&sv, 200, "text/css"), "Content-Type: text/css\r\n");
    /* not on 301 and 302, as nginx; on the other redirects */
    ZT_EQ_STR(ctype(&sv, 301, "text/html"), "Content-Type: text/html\r\n");
    ZT_EQ_STR(ctype(&sv, 302, "text/html"), "Content-Type: text/html\r\n");
    ZT_EQ_STR(ctype(&sv, 303, "text/html"), "Content-Type: text/html; charset=utf-8\r\n");
    /* text/html is always in the list; "*" is any type */
    static const char *const css[] = {"text/css"}, *const any[] = {"*"};
    sv.charset_types = css;
    sv.ncharset_types = 1;
    ZT_EQ_STR(ctype(&sv, 200, "text/css"), "Content-Type: text/css; charset=utf-8\r\n");
    ZT_EQ_STR(ctype(&sv, 200, "text/plain"), "Content-Type: text/plain\r\n");
    ZT_EQ_STR(ctype(&sv, 200, "text/html"), "Content-Type: text/html; charset=utf-8\r\n");
    sv.charset_types = any;
    ZT_EQ_STR(ctype(&sv, 200, "image/png"), "Content-Type: image/png; charset=utf-8\r\n");
    sv.charset = NULL;
    ZT_EQ_STR(ctype(&sv, 200, "text/html"), "Content-Type: text/html\r\n");
    ZT_EQ_STR(ctype(NULL, 200, "text/html"), "Content-Type: text/html\r\n");
}
