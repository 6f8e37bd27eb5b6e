/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/date.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse(const char *s, time_t *t) { return zh_date_parse(s, strlen(s), t); }

ZT_TEST(date_format_known)
{
    char buf[ZH_DATE_SIZE];

    zh_date_format(784111777, buf);
    ZT_EQ_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
    zh_date_format(0, buf);
    ZT_EQ_STR(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
    zh_date_format(951782400, buf); /* leap day of a century leap year */
    ZT_EQ_STR(buf, "Tue, 29 Feb 2000 00:00:00 GMT");
    zh_date_format(2147483647, buf);
    ZT_EQ_STR(buf, "Tue, 19 Jan 2038 03:14:07 GMT");
    zh_date_format(4107542399, buf);
    ZT_EQ_STR(buf, "Sun, 28 Feb 2100 23:59:59 GMT"); /* 2100 is no leap year */
    zh_date_format(4107542400, buf);
    ZT_EQ_STR(buf, "Mon, 01 Mar 2100 00:00:00 GMT");
    ZT_EQ_INT(strlen(buf), ZH_DATE_LEN);
}

ZT_TEST(date_format_clamps)
{
    char buf[ZH_DATE_SIZE];

    zh_date_format(-1, buf);
    ZT_EQ_STR(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
    zh_date_format((time_t)253402300799, buf);
    ZT_EQ_STR(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
    zh_date_format((time_t)253402300800 * 4, buf);
    ZT_EQ_STR(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
}

/* Against the C library in the C locale, across the whole supported range. */
ZT_TEST(date_format_matches_libc)
{
    char buf[ZH_DATE_SIZE], want[64];
    struct tm tm;
    uint64_t x = 88172645463325252ull;

    for (int i = 0; i < 200000; i++) {
        time_t t;

        x ^= x << 13; /* xorshift64 */
        x ^= x >> 7;
        x ^= x << 17;
        t = i < 100000 ? (time_t)(x % 4102444800ull) : (time_t)(x % 253402300800ull);
        zh_date_format(t, buf);
        gmtime_r(&t, &tm);
        strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        ZT_EQ_STR(buf, want);
    }
}

ZT_TEST(date_parse_three_forms)
{
    time_t t = 0;

    ZT_EQ_INT(parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
    ZT_EQ_INT(t, 784111777);
    t = 0;
    ZT_EQ_INT(parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
    ZT_EQ_INT(t, 784111777);
    t = 0;
    ZT_EQ_INT(parse("Sun Nov  6 08:49:37 1994", &t), 0);
    ZT_EQ_INT(t, 784111777);
    t = 0;
    ZT_EQ_INT(parse("Sun Nov 06 08:49:37 1994", &t), 0);
    ZT_EQ_INT(t, 784111777);
    ZT_EQ_INT(parse("Wed, 09 Jun 2021 10:18:14 GMT", &t), 0);
    ZT_EQ_INT(t, 1623233894);
    ZT_EQ_INT(parse("Wednesday, 09-Jun-21 10:18:14 GMT", &t), 0);
    ZT_EQ_INT(t, 1623233894);
    ZT_EQ_INT(parse("Thu Jan  1 00:00:00 1970", &t), 0);
    ZT_EQ_INT(t, 0);
    ZT_EQ_INT(parse("Thu Dec 31 23:59:59 2099", &t), 0);
    ZT_EQ_INT(t, 4102444799);
}

ZT_TEST(date_parse_rfc850_years)
{
    time_t t;

    ZT_EQ_INT(parse("Thursday, 01-Jan-70 00:00:00 GMT", &t), 0);
    ZT_EQ_INT(t, 0);
    ZT_EQ_INT(parse("Friday, 31-Dec-99 23:59:59 GMT", &t), 0);
    ZT_EQ_INT(t, 946684799);
    ZT_EQ_INT(parse("Saturday, 01-Jan-00 00:00:00 GMT", &t), 0);
    ZT_EQ_INT(t, 946684800);
    ZT_EQ_INT(parse("Monday, 01-Jan-69 00:00:00 GMT", &t), 0);
    ZT_EQ_INT(t, 3124224000);
}

ZT_TEST(date_parse_weekday_not_checked)
{
    time_t t;

    /* Documented choice: the name must be valid, but a wrong day of the week is tolerated. */
    ZT_EQ_INT(parse("Mon, 06 Nov 1994 08:49:37 GMT", &t), 0);
    ZT_EQ_INT(t, 784111777);
    ZT_EQ_INT(parse("Friday, 06-Nov-94 08:49:37 GMT", &t), 0);
    ZT_EQ_INT(parse("Sat Nov  6 08:49:37 1994", &t), 0);
    ZT_EQ_INT(parse("Xyz, 06 Nov 1994 08:49:37 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sunday, 06 Nov 1994 08:49:37 GMT", &t), -EINVAL); /* long name, IMF body */
    ZT_EQ_INT(parse("Sun, 06-Nov-94 08:49:37 GMT", &t), -EINVAL);      /* short name, 850 body */
}

ZT_TEST(date_parse_calendar_edges)
{
    time_t t;

    ZT_EQ_INT(parse("Tue, 29 Feb 2000 00:00:00 GMT", &t), 0);
    ZT_EQ_INT(t, 951782400);
    ZT_EQ_INT(parse("Thu, 29 Feb 2024 12:00:00 GMT", &t), 0);
    ZT_EQ_INT(parse("Mon, 29 Feb 2100 00:00:00 GMT", &t), -EINVAL); /* 2100 is no leap year */
    ZT_EQ_INT(parse("Wed, 29 Feb 2023 00:00:00 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sun, 31 Apr 2022 00:00:00 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sun, 00 Jan 2022 00:00:00 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sun, 32 Jan 2022 00:00:00 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sun, 01 Jan 2022 24:00:00 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sun, 01 Jan 2022 23:60:00 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sun, 01 Jan 2022 23:59:61 GMT", &t), -EINVAL);
    ZT_EQ_INT(parse("Sat, 31 Dec 2016 23:59:60 GMT", &t), 0); /* leap second */
    ZT_EQ_INT(t, 1483228800);
    ZT_EQ_INT(parse("Fri, 31 Dec 9999 23:59:59 GMT", &t), 0);
    ZT_EQ_INT((long long)t, 253402300799LL);
    ZT_EQ_INT(parse("Wed, 31 Dec 1969 23:59:59 GMT", &t), 0);
    ZT_EQ_INT(t, -1);
}

ZT_TEST(date_parse_garbage)
{
    static const char *const bad[] = {
        "",
        "0",
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT; length=1234",
        "Sun, 06 Nov 1994 08:49:37 GMTx",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:4a:37 GMT",
        "Sun, 06 Nov 19x4 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
        "Sunday 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov   6 08:49:37 1994",
        "Sun Nov  0 08:49:37 1994",
        "Sun",
        "Sun,",
        "Sunday",
        "Sun, 06 Nov 1994 08:49:37 GM",
        "1994-11-06T08:49:37Z",
        "784111777",
    };
    time_t t = 42;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(bad[i], &t) != -EINVAL) ZT_FAIL("accepted \"%s\"", bad[i]);
    }
    ZT_EQ_INT(t, 42); /* untouched on failure */
}

ZT_TEST(date_parse_length_bound)
{
    const char *s = "Sun, 06 Nov 1994 08:49:37 GMT";
    time_t t;

    ZT_EQ_INT(zh_date_parse(s, 28, &t), -EINVAL);
    ZT_EQ_INT(zh_date_parse(s, 0, &t), -EINVAL);
    ZT_EQ_INT(zh_date_parse("Sun, 06 Nov 1994 08:49:37 GMTXX", 29, &t), 0);
    ZT_EQ_INT(t, 784111777);
    ZT_EQ_INT(parse("Sun, 06 Nov 1994 08:49:37 GMT \t ", &t), 0); /* trailing OWS */
    ZT_EQ_INT(parse("Sun Nov  6 08:49:37 1994  ", &t), 0);
}

ZT_TEST(date_roundtrip)
{
    char buf[ZH_DATE_SIZE];
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (int i = 0; i < 100000; i++) {
        time_t t, back = -1;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t = (time_t)(x % 253402300800ull);
        zh_date_format(t, buf);
        ZT_EQ_INT(zh_date_parse(buf, ZH_DATE_LEN, &back), 0);
        ZT_EQ_INT(back, t);
    }
}

ZT_TEST(date_cache)
{
    zh_date_cache c;
    const char *s;

    memset(&c, 0, sizeof(c));
    s = zh_date_cache_get(&c, 0); /* a zeroed cache must not return "" for second 0 */
    ZT_EQ_STR(s, "Thu, 01 Jan 1970 00:00:00 GMT");
    s = zh_date_cache_get(&c, 784111777);
    ZT_EQ_STR(s, "Sun, 06 Nov 1994 08:49:37 GMT");
    ZT_CHECK(s == c.str);
    /* Same second: the cached text is returned as is (poison it to prove no reformat). */
    c.str[0] = 'X';
    ZT_EQ_STR(zh_date_cache_get(&c, 784111777), "Xun, 06 Nov 1994 08:49:37 GMT");
    ZT_EQ_STR(zh_date_cache_get(&c, 784111778), "Sun, 06 Nov 1994 08:49:38 GMT");
    ZT_EQ_STR(zh_date_cache_get(&c, 784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}
