/* SPDX-License-Identifier: MIT */
/* zokiod http: Expires, Cache-Control and the charset label (see serve.h). */
#include <string.h>
#include <strings.h>

#include "http/date.h"
#include "http/head.h"
#include "http/serve.h"

int zh_status_headers_ok(int status)
{
    switch (status) {
    case 200:
    case 201:
    case 204:
    case 206:
    case 301:
    case 302:
    case 303:
    case 304:
    case 307:
    case 308: return 1;
    default: return 0;
    }
}

/* the next time it is `secs` after local midnight, after now (nginx's ngx_next_time()) */
static time_t next_daily(time_t now, int64_t secs)
{
    struct tm tm;
    if (!localtime_r(&now, &tm)) return now;
    tm.tm_hour = (int)(secs / 3600);
    tm.tm_min = (int)(secs / 60 % 60);
    tm.tm_sec = (int)(secs % 60);
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1) return now;
    if (t > now) return t;
    tm.tm_mday++;
    tm.tm_isdst = -1;
    t = mktime(&tm);
    return t == (time_t)-1 ? now : t;
}

void zh_expires_fields(zh_sink_t *b, const zh_serve_t *sv, int status, time_t now, time_t mtime)
{
    if (sv->expires == ZH_EXPIRES_OFF || !zh_status_headers_ok(status)) return;
    if (sv->expires == ZH_EXPIRES_MAX) {
        ZH_SINK_LIT(b, "Expires: Thu, 31 Dec 2037 23:55:55 GMT\r\n"
                       "Cache-Control: max-age=315360000\r\n");
        return;
    }
    if (sv->expires == ZH_EXPIRES_EPOCH) {
        ZH_SINK_LIT(b, "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\nCache-Control: no-cache\r\n");
        return;
    }
    time_t at;
    int64_t max_age;
    if (sv->expires == ZH_EXPIRES_DAILY) {
        at = next_daily(now, sv->expires_s);
        max_age = (int64_t)(at - now);
    } else if (sv->expires == ZH_EXPIRES_ACCESS || mtime == ZH_NO_MTIME) {
        at = now + (time_t)sv->expires_s;
        max_age = sv->expires_s;
    } else {
        at = mtime + (time_t)sv->expires_s;
        max_age = (int64_t)(at - now);
    }
    char date[ZH_DATE_SIZE];
    zh_date_format(at, date);
    zh_head_field(b, "Expires", date, ZH_DATE_LEN);
    if (sv->expires_s < 0 || max_age < 0) {
        ZH_SINK_LIT(b, "Cache-Control: no-cache\r\n");
        return;
    }
    ZH_SINK_LIT(b, "Cache-Control: max-age=");
    zh_sink_u64(b, (uint64_t)max_age);
    ZH_SINK_LIT(b, "\r\n");
}

/* TYPE without its parameters (nginx compares the lower-cased type alone) is in the list;
 * text/html always is (nginx adds it to every charset_types list) */
static int charset_type(const zh_serve_t *sv, const char *type, size_t len)
{
    size_t n = 0;
    while (n < len && type[n] != ';' && type[n] != ' ' && type[n] != '\t')
        n++;
    if (n == 9 && !strncasecmp(type, "text/html", 9)) return 1;
    for (uint32_t i = 0; i < sv->ncharset_types; i++) {
        const char *t = sv->charset_types[i];
        if ((t[0] == '*' && t[1] == '\0') || (strlen(t) == n && !strncasecmp(t, type, n))) return 1;
    }
    return 0;
}

const char *zh_charset_for(const zh_serve_t *sv, int status, const char *type, size_t len)
{
    if (!sv || !sv->charset || status == 301 || status == 302) return NULL;
    return charset_type(sv, type, len) ? sv->charset : NULL;
}

void zh_ctype_field(zh_sink_t *b, const zh_serve_t *sv, int status, const char *type, size_t len)
{
    const char *cs = zh_charset_for(sv, status, type, len);
    ZH_SINK_LIT(b, "Content-Type: ");
    zh_sink_put(b, type, len);
    if (cs) {
        ZH_SINK_LIT(b, "; charset=");
        zh_sink_str(b, cs);
    }
    ZH_SINK_LIT(b, "\r\n");
}
