/* SPDX-License-Identifier: MIT */
/* Value syntaxes: sizes, times, numbers, paths. */
#include "tests/unit/zt.h"

#include "conf/values.h"

ZT_TEST(values_size)
{
    uint64_t v;

    ZT_EQ_INT(zc_parse_size("8192", &v), 0);
    ZT_EQ_INT(v, 8192);
    ZT_EQ_INT(zc_parse_size("512k", &v), 0);
    ZT_EQ_INT(v, 512 * 1024);
    ZT_EQ_INT(zc_parse_size("512K", &v), 0);
    ZT_EQ_INT(v, 512 * 1024);
    ZT_EQ_INT(zc_parse_size("1m", &v), 0);
    ZT_EQ_INT(v, 1024 * 1024);
    ZT_EQ_INT(zc_parse_size("2G", &v), 0);
    ZT_EQ_INT(v, 2ULL << 30);
    ZT_EQ_INT(zc_parse_size("0", &v), 0);
    ZT_EQ_INT(v, 0);
    ZT_EQ_INT(zc_parse_size("", &v), -1);
    ZT_EQ_INT(zc_parse_size("k", &v), -1);
    ZT_EQ_INT(zc_parse_size("1kb", &v), -1);
    ZT_EQ_INT(zc_parse_size("1t", &v), -1);
    ZT_EQ_INT(zc_parse_size("-1", &v), -1);
    ZT_EQ_INT(zc_parse_size("1.5m", &v), -1);
    ZT_EQ_INT(zc_parse_size("99999999999999999999", &v), -1);
    ZT_EQ_INT(zc_parse_size("17179869184g", &v), -1); /* 2^34 GiB overflows */
}

ZT_TEST(values_time)
{
    uint64_t v;

    ZT_EQ_INT(zc_parse_time_ms("75s", &v), 0);
    ZT_EQ_INT(v, 75000);
    ZT_EQ_INT(zc_parse_time_ms("10", &v), 0);
    ZT_EQ_INT(v, 10000);
    ZT_EQ_INT(zc_parse_time_ms("500ms", &v), 0);
    ZT_EQ_INT(v, 500);
    ZT_EQ_INT(zc_parse_time_ms("1h", &v), 0);
    ZT_EQ_INT(v, 3600000);
    ZT_EQ_INT(zc_parse_time_ms("2m", &v), 0);
    ZT_EQ_INT(v, 120000);
    ZT_EQ_INT(zc_parse_time_ms("1d", &v), 0);
    ZT_EQ_INT(v, 86400000);
    ZT_EQ_INT(zc_parse_time_ms("1w", &v), 0);
    ZT_EQ_INT(v, 7 * 86400000LL);
    ZT_EQ_INT(zc_parse_time_ms("1M", &v), 0);
    ZT_EQ_INT(v, 30 * 86400000LL);
    ZT_EQ_INT(zc_parse_time_ms("1y", &v), 0);
    ZT_EQ_INT(v, 365 * 86400000LL);
    ZT_EQ_INT(zc_parse_time_ms("1h30m", &v), 0);
    ZT_EQ_INT(v, 5400000);
    ZT_EQ_INT(zc_parse_time_ms("1m30", &v), 0);
    ZT_EQ_INT(v, 90000);
    ZT_EQ_INT(zc_parse_time_ms("1s500ms", &v), 0);
    ZT_EQ_INT(v, 1500);
    ZT_EQ_INT(zc_parse_time_ms("0", &v), 0);
    ZT_EQ_INT(v, 0);
    ZT_EQ_INT(zc_parse_time_ms("", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("abc", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("5x", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("s", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("30m1h", &v), -1); /* units must decrease */
    ZT_EQ_INT(zc_parse_time_ms("1s1s", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("1 s", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("-5s", &v), -1);
    ZT_EQ_INT(zc_parse_time_ms("99999999999999999999y", &v), -1);
}

ZT_TEST(values_uint_and_paths)
{
    zc_arena_t a;
    uint64_t v;

    ZT_EQ_INT(zc_parse_uint("42", 100, &v), 0);
    ZT_EQ_INT(v, 42);
    ZT_EQ_INT(zc_parse_uint("101", 100, &v), -1);
    ZT_EQ_INT(zc_parse_uint("4x", 100, &v), -1);
    ZT_EQ_INT(zc_parse_uint("", 100, &v), -1);

    zc_arena_init(&a);
    ZT_EQ_STR(zc_path_join(&a, "/p", "www"), "/p/www");
    ZT_EQ_STR(zc_path_join(&a, "/p/", "./www"), "/p/www");
    ZT_EQ_STR(zc_path_join(&a, "/p", "/abs"), "/abs");
    ZT_EQ_STR(zc_path_join(&a, "/", "x"), "/x");
    ZT_EQ_STR(zc_path_dir(&a, "/a/b/c.conf"), "/a/b");
    ZT_EQ_STR(zc_path_dir(&a, "/c.conf"), "/");
    ZT_EQ_STR(zc_path_dir(&a, "c.conf"), ".");
    zc_arena_free(&a);
}
