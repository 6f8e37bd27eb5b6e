/* SPDX-License-Identifier: MIT */
#include "http/date.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static const char wkday[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const weekday[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char month[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

#define MAX_TIME ((int64_t)253402300799) /* 9999-12-31 23:59:59 */

/* Days since 1970-01-01 of a proleptic Gregorian date: count in 400-year eras starting in March,
 * so the leap day is the last day of the year and needs no special case. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse, for days >= 0 (the formatter clamps to 1970..9999). */
static void civil_from_days(int64_t z, unsigned *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void zh_date_format(time_t t, char out[ZH_DATE_SIZE])
{
    int64_t s = (int64_t)t, days;
    unsigned secs, y, m, d;

    if (s < 0) s = 0;
    if (s > MAX_TIME) s = MAX_TIME;
    days = s / 86400;
    secs = (unsigned)(s % 86400);
    civil_from_days(days, &y, &m, &d);

    memcpy(out, wkday[(days + 4) % 7], 3); /* 1970-01-01 was a Thursday */
    memcpy(out + 3, ", ", 2);
    put2(out + 5, d);
    out[7] = ' ';
    memcpy(out + 8, month[m - 1], 3);
    out[11] = ' ';
    put2(out + 12, y / 100);
    put2(out + 14, y % 100);
    out[16] = ' ';
    put2(out + 17, secs / 3600);
    out[19] = ':';
    put2(out + 20, secs / 60 % 60);
    out[22] = ':';
    put2(out + 23, secs % 60);
    memcpy(out + 25, " GMT", 5); /* with the NUL */
}

/* A small cursor over the input; every matcher returns 0 on failure and leaves it unusable. */
typedef struct {
    const char *p, *end;
} cur_t;

static int lit(cur_t *c, const char *s)
{
    size_t n = strlen(s);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) return 0;
    c->p += n;
    return 1;
}

static int digits(cur_t *c, int n, unsigned *v)
{
    *v = 0;
    if (c->end - c->p < n) return 0;
    for (int i = 0; i < n; i++, c->p++) {
        if (*c->p < '0' || *c->p > '9') return 0;
        *v = *v * 10 + (unsigned)(*c->p - '0');
    }
    return 1;
}

static int month_name(cur_t *c, unsigned *m)
{
    for (unsigned i = 0; i < 12; i++)
        if (lit(c, month[i])) {
            *m = i + 1;
            return 1;
        }
    return 0;
}

static int short_weekday(cur_t *c)
{
    for (int i = 0; i < 7; i++)
        if (lit(c, wkday[i])) return 1;
    return 0;
}

static int long_weekday(cur_t *c)
{
    for (int i = 0; i < 7; i++)
        if (lit(c, weekday[i])) return 1;
    return 0;
}

/* "08:49:37" */
static int time_of_day(cur_t *c, unsigned *h, unsigned *mi, unsigned *s)
{
    return digits(c, 2, h) && lit(c, ":") && digits(c, 2, mi) && lit(c, ":") && digits(c, 2, s);
}

/* After the weekday of "Sun, 06 Nov 1994 08:49:37 GMT". */
static int imf_fixdate(cur_t *c, unsigned f[6])
{
    return lit(c, ", ") && digits(c, 2, &f[2]) && lit(c, " ") && month_name(c, &f[1]) &&
           lit(c, " ") && digits(c, 4, &f[0]) && lit(c, " ") &&
           time_of_day(c, &f[3], &f[4], &f[5]) && lit(c, " GMT");
}

/* After the weekday of "Sunday, 06-Nov-94 08:49:37 GMT". */
static int rfc850_date(cur_t *c, unsigned f[6])
{
    if (!(lit(c, ", ") && digits(c, 2, &f[2]) && lit(c, "-") && month_name(c, &f[1]) &&
          lit(c, "-") && digits(c, 2, &f[0]) && lit(c, " ") &&
          time_of_day(c, &f[3], &f[4], &f[5]) && lit(c, " GMT")))
        return 0;
    f[0] += f[0] < 70 ? 2000 : 1900;
    return 1;
}

/* After the weekday of "Sun Nov  6 08:49:37 1994". */
static int asctime_date(cur_t *c, unsigned f[6])
{
    if (!(lit(c, " ") && month_name(c, &f[1]) && lit(c, " "))) return 0;
    if (!lit(c, " ") && !digits(c, 1, &f[2])) return 0; /* space pad or tens digit */
    unsigned tens = c->p[-1] == ' ' ? 0 : f[2], ones;
    if (!digits(c, 1, &ones)) return 0;
    f[2] = tens * 10 + ones;
    return lit(c, " ") && time_of_day(c, &f[3], &f[4], &f[5]) && lit(c, " ") && digits(c, 4, &f[0]);
}

static int valid_fields(const unsigned f[6])
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y = f[0], m = f[1], d = f[2];
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) return 0;
    return f[3] <= 23 && f[4] <= 59 && f[5] <= 60;
}

int zh_date_parse(const char *s, size_t len, time_t *out)
{
    unsigned f[6]; /* year, month, day, hour, minute, second */
    cur_t c = {s, s + len};
    int ok;

    while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t'))
        c.end--;
    if (len >= 4 && s[3] == ',') {
        ok = short_weekday(&c) && imf_fixdate(&c, f);
    } else if (len >= 4 && s[3] == ' ') {
        ok = short_weekday(&c) && asctime_date(&c, f);
    } else {
        ok = long_weekday(&c) && rfc850_date(&c, f);
    }
    if (!ok || c.p != c.end || !valid_fields(f)) return -EINVAL;

    int64_t t = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
    if ((int64_t)(time_t)t != t) return -EINVAL; /* 32-bit time_t */
    *out = (time_t)t;
    return 0;
}

const char *zh_date_cache_get(zh_date_cache *c, time_t now)
{
    if (c->str[0] == '\0' || c->sec != now) {
        zh_date_format(now, c->str);
        c->sec = now;
    }
    return c->str;
}
