/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/etag.h"

#include <string.h>

static const char E[] = "\"5f5e1000-1a2b\""; /* what zh_etag_format gives for these: */
#define MTIME ((time_t)0x5f5e1000)
#define SIZE  0x1a2b

static int inm(const char *v) { return zh_etag_match_list(v, strlen(v), E, strlen(E), 1); }

static int im(const char *v) { return zh_etag_match_list(v, strlen(v), E, strlen(E), 0); }

static int ir(const char *v) { return zh_if_range_ok(v, strlen(v), E, strlen(E), MTIME); }

ZT_TEST(etag_format)
{
    char buf[ZH_ETAG_LEN + 1];

    ZT_EQ_INT(zh_etag_format(buf, MTIME, SIZE), strlen(E));
    ZT_EQ_STR(buf, E);
    ZT_EQ_INT(zh_etag_format(buf, 0, 0), 5);
    ZT_EQ_STR(buf, "\"0-0\"");
    ZT_EQ_INT(zh_etag_format(buf, (time_t)-1, UINT64_MAX), ZH_ETAG_LEN);
    ZT_EQ_STR(buf, "\"ffffffffffffffff-ffffffffffffffff\"");
}

ZT_TEST(etag_if_none_match_weak_comparison)
{
    ZT_EQ_INT(inm(E), 1);
    ZT_EQ_INT(inm("W/\"5f5e1000-1a2b\""), 1); /* weak comparison ignores W/ */
    ZT_EQ_INT(inm("*"), 1);
    ZT_EQ_INT(inm("  *  "), 1);
    ZT_EQ_INT(inm("\"other\", \"5f5e1000-1a2b\""), 1);
    ZT_EQ_INT(inm("\"a\",W/\"5f5e1000-1a2b\",\"b\""), 1);
    ZT_EQ_INT(inm("\"a\" ,\t\"5f5e1000-1a2b\" "), 1);
    ZT_EQ_INT(inm(",,\"5f5e1000-1a2b\",,"), 1);
    ZT_EQ_INT(inm("\"x,y\", \"5f5e1000-1a2b\""), 1); /* comma inside a tag */
    ZT_EQ_INT(inm("\"other\""), 0);
    ZT_EQ_INT(inm("\"5f5e1000-1a2c\""), 0);
    ZT_EQ_INT(inm("\"5F5E1000-1A2B\""), 0); /* opaque-tags compare byte for byte */
    ZT_EQ_INT(inm("5f5e1000-1a2b"), 0);     /* unquoted never matches */
    ZT_EQ_INT(inm("\"5f5e1000-1a2b"), 0);
    ZT_EQ_INT(inm("w/\"5f5e1000-1a2b\""), 0);
    ZT_EQ_INT(inm(""), 0);
    ZT_EQ_INT(inm("\"\""), 0);
    ZT_EQ_INT(inm("\"a\" junk, \"5f5e1000-1a2b\""), 0); /* malformed: stop */
}

ZT_TEST(etag_if_match_strong_comparison)
{
    ZT_EQ_INT(im(E), 1);
    ZT_EQ_INT(im("*"), 1);
    ZT_EQ_INT(im("\"a\", \"5f5e1000-1a2b\""), 1);
    ZT_EQ_INT(im("W/\"5f5e1000-1a2b\""), 0); /* weak never matches strongly */
    ZT_EQ_INT(im("W/\"5f5e1000-1a2b\", \"5f5e1000-1a2b\""), 1);
    ZT_EQ_INT(im("\"other\""), 0);
    ZT_EQ_INT(im(""), 0);
}

ZT_TEST(etag_our_weak_tag)
{
    const char *w = "W/\"abc\"";

    ZT_EQ_INT(zh_etag_match_list("\"abc\"", 5, w, strlen(w), 1), 1);
    ZT_EQ_INT(zh_etag_match_list("W/\"abc\"", 7, w, strlen(w), 1), 1);
    ZT_EQ_INT(zh_etag_match_list("\"abc\"", 5, w, strlen(w), 0), 0);
    ZT_EQ_INT(zh_etag_match_list("W/\"abc\"", 7, w, strlen(w), 0), 0);
    ZT_EQ_INT(zh_etag_match_list("*", 1, w, strlen(w), 0), 0);
    ZT_EQ_INT(zh_if_range_ok("W/\"abc\"", 7, w, strlen(w), 0), 0);
    ZT_EQ_INT(zh_if_range_ok("\"abc\"", 5, w, strlen(w), 0), 0);
}

ZT_TEST(etag_if_range)
{
    ZT_EQ_INT(ir(E), 1);
    ZT_EQ_INT(ir(" \"5f5e1000-1a2b\" "), 1);
    ZT_EQ_INT(ir("W/\"5f5e1000-1a2b\""), 0); /* a weak tag never matches */
    ZT_EQ_INT(ir("\"5f5e1000-1a2c\""), 0);
    ZT_EQ_INT(ir("\"5f5e1000-1a2b\", \"x\""), 0); /* a single tag, not a list */
    ZT_EQ_INT(ir("*"), 0);
    ZT_EQ_INT(ir(""), 0);
    ZT_EQ_INT(ir("\""), 0);
    /* 0x5f5e1000 = 1600000000 = Sun, 13 Sep 2020 12:26:40 GMT */
    ZT_EQ_INT(ir("Sun, 13 Sep 2020 12:26:40 GMT"), 1);
    ZT_EQ_INT(ir("Sunday, 13-Sep-20 12:26:40 GMT"), 1);
    ZT_EQ_INT(ir("Sun Sep 13 12:26:40 2020"), 1);
    ZT_EQ_INT(ir("Sun, 13 Sep 2020 12:26:41 GMT"), 0); /* exact match only */
    ZT_EQ_INT(ir("Sun, 13 Sep 2020 12:26:39 GMT"), 0);
    ZT_EQ_INT(ir("garbage"), 0);
}

static zh_cond_t cond(const char *im_, const char *inm_, const char *ims, const char *ius)
{
    zh_cond_t c = {im_,
                   inm_,
                   ims,
                   ius,
                   im_ ? strlen(im_) : 0,
                   inm_ ? strlen(inm_) : 0,
                   ims ? strlen(ims) : 0,
                   ius ? strlen(ius) : 0};
    return c;
}

static int eval_mode(const char *im_, const char *inm_, const char *ims, const char *ius, int mode,
                     const char *etag)
{
    zh_cond_t c = cond(im_, inm_, ims, ius);
    return zh_cond_nginx(&c, mode, etag, etag ? strlen(etag) : 0, MTIME);
}

/* nginx's default: if_modified_since exact, etag on */
static int eval(const char *im_, const char *inm_, const char *ims, const char *ius)
{
    return eval_mode(im_, inm_, ims, ius, ZH_COND_IMS_EXACT, E);
}

#define AT     "Sun, 13 Sep 2020 12:26:40 GMT" /* == mtime */
#define BEFORE "Sun, 13 Sep 2020 12:26:39 GMT" /* mtime - 1 */
#define AFTER  "Sun, 13 Sep 2020 12:26:41 GMT" /* mtime + 1 */

ZT_TEST(etag_cond_none) { ZT_EQ_INT(eval(NULL, NULL, NULL, NULL), 0); }

ZT_TEST(etag_cond_if_none_match)
{
    ZT_EQ_INT(eval(NULL, E, NULL, NULL), 304);
    ZT_EQ_INT(eval(NULL, "*", NULL, NULL), 304);
    ZT_EQ_INT(eval(NULL, "W/\"5f5e1000-1a2b\"", NULL, NULL), 304); /* weak comparison */
    ZT_EQ_INT(eval(NULL, "\"x\"", NULL, NULL), 0);
    /* nginx: both If-None-Match and If-Modified-Since must say "not modified" */
    ZT_EQ_INT(eval(NULL, "\"x\"", AT, NULL), 0);
    ZT_EQ_INT(eval(NULL, E, BEFORE, NULL), 0);
    ZT_EQ_INT(eval(NULL, E, AT, NULL), 304);
}

ZT_TEST(etag_cond_if_modified_since)
{
    ZT_EQ_INT(eval(NULL, NULL, AT, NULL), 304);
    ZT_EQ_INT(eval(NULL, NULL, AFTER, NULL), 0); /* exact: only the same second */
    ZT_EQ_INT(eval(NULL, NULL, BEFORE, NULL), 0);
    ZT_EQ_INT(eval(NULL, NULL, "garbage", NULL), 0);
    ZT_EQ_INT(eval(NULL, NULL, AT "; length=12", NULL), 0);
    /* before: any date at or after mtime */
    ZT_EQ_INT(eval_mode(NULL, NULL, AT, NULL, ZH_COND_IMS_BEFORE, E), 304);
    ZT_EQ_INT(eval_mode(NULL, NULL, AFTER, NULL, ZH_COND_IMS_BEFORE, E), 304);
    ZT_EQ_INT(eval_mode(NULL, NULL, BEFORE, NULL, ZH_COND_IMS_BEFORE, E), 0);
    /* off: never by date; If-None-Match is then never enough either */
    ZT_EQ_INT(eval_mode(NULL, NULL, AT, NULL, ZH_COND_IMS_OFF, E), 0);
    ZT_EQ_INT(eval_mode(NULL, E, AT, NULL, ZH_COND_IMS_OFF, E), 0);
    ZT_EQ_INT(eval_mode(NULL, E, NULL, NULL, ZH_COND_IMS_OFF, E), 304);
}

ZT_TEST(etag_cond_if_match)
{
    ZT_EQ_INT(eval(E, NULL, NULL, NULL), 0);
    ZT_EQ_INT(eval("*", NULL, NULL, NULL), 0);
    ZT_EQ_INT(eval("\"x\"", NULL, NULL, NULL), 412);
    ZT_EQ_INT(eval("W/\"5f5e1000-1a2b\"", NULL, NULL, NULL), 412);
    /* If-Match passes, then If-None-Match decides */
    ZT_EQ_INT(eval(E, E, NULL, NULL), 304);
    /* If-Match fails first even when If-None-Match would give 304 */
    ZT_EQ_INT(eval("\"x\"", E, NULL, NULL), 412);
}

ZT_TEST(etag_cond_etag_off)
{
    /* no ETag: only "*" matches */
    ZT_EQ_INT(eval_mode(E, NULL, NULL, NULL, ZH_COND_IMS_EXACT, NULL), 412);
    ZT_EQ_INT(eval_mode("*", NULL, NULL, NULL, ZH_COND_IMS_EXACT, NULL), 0);
    ZT_EQ_INT(eval_mode(NULL, E, NULL, NULL, ZH_COND_IMS_EXACT, NULL), 0);
    ZT_EQ_INT(eval_mode(NULL, "*", NULL, NULL, ZH_COND_IMS_EXACT, NULL), 304);
    ZT_EQ_INT(eval_mode(NULL, NULL, AT, NULL, ZH_COND_IMS_EXACT, NULL), 304);
}

ZT_TEST(etag_cond_if_unmodified_since)
{
    ZT_EQ_INT(eval(NULL, NULL, NULL, AT), 0);
    ZT_EQ_INT(eval(NULL, NULL, NULL, AFTER), 0);
    ZT_EQ_INT(eval(NULL, NULL, NULL, BEFORE), 412);
    ZT_EQ_INT(eval(NULL, NULL, NULL, "garbage"), 412); /* nginx: not a date, so not "since" */
    ZT_EQ_INT(eval(NULL, NULL, AT, BEFORE), 412);      /* 412 before 304 */
    ZT_EQ_INT(eval(NULL, NULL, AT, AT), 304);
    /* checked before If-Match */
    ZT_EQ_INT(eval(E, NULL, NULL, BEFORE), 412);
}
