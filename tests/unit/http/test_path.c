/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/path.h"

#include <string.h>

/* Normalizes `in` into a 256-byte buffer; returns the status and the result via `res`. */
static int norm(const char *in, char res[256])
{
    size_t n = 12345;
    int rc = zh_path_normalize(in, strlen(in), res, 256, &n);

    if (rc == 0 && n != strlen(res)) return -1;
    if (rc != 0) strcpy(res, "(error)");
    return rc;
}

#define NORM_OK(in, want)                                                                          \
    do {                                                                                           \
        char res_[256];                                                                            \
        ZT_EQ_INT(norm(in, res_), 0);                                                              \
        ZT_EQ_STR(res_, want);                                                                     \
    } while (0)

#define NORM_ERR(in, status)                                                                       \
    do {                                                                                           \
        char res_[256];                                                                            \
        ZT_EQ_INT(norm(in, res_), status);                                                         \
    } while (0)

ZT_TEST(path_plain)
{
    NORM_OK("/", "/");
    NORM_OK("/index.html", "/index.html");
    NORM_OK("/a/b/c.txt", "/a/b/c.txt");
    NORM_OK("/dir/", "/dir/");
    NORM_OK("/a/b/", "/a/b/");
}

ZT_TEST(path_dot_segments)
{
    NORM_OK("/a/./b/../c", "/a/c");
    NORM_OK("/./", "/");
    NORM_OK("/.", "/");
    NORM_OK("/a/.", "/a/");
    NORM_OK("/a/..", "/");
    NORM_OK("/a/b/..", "/a/");
    NORM_OK("/a/b/../", "/a/");
    NORM_OK("/a/b/./", "/a/b/");
    NORM_OK("/a/b/../../c", "/c");
    NORM_OK("/a/%2e/b", "/a/b");
    NORM_OK("/a/%2E%2e/b", "/b");
    NORM_OK("/a/.%2e/b", "/b");
    NORM_OK("/...", "/...");
    NORM_OK("/..a", "/..a");
    NORM_OK("/a..", "/a..");
    NORM_OK("/.hidden", "/.hidden");
    NORM_OK("/a/.../b", "/a/.../b");
}

ZT_TEST(path_above_root)
{
    NORM_ERR("/..", 400);
    NORM_ERR("/../", 400);
    NORM_ERR("/../etc/passwd", 400);
    NORM_ERR("/%2e%2e/", 400);
    NORM_ERR("/%2E%2E", 400);
    NORM_ERR("/a/../..", 400);
    NORM_ERR("/a/../../b", 400);
    NORM_ERR("/./..", 400);
    NORM_ERR("//..", 400);
}

ZT_TEST(path_slashes)
{
    NORM_OK("/a//b", "/a/b");
    NORM_OK("//a///b//", "/a/b/");
    NORM_OK("//", "/");
    NORM_OK("///", "/");
    NORM_OK("/a//..//b", "/b");
}

/* merge_slashes off: empty segments are kept, ".." removes one as it removes a name */
static int norm_keep(const char *in, char res[256])
{
    size_t n = 12345;
    int rc = zh_path_normalize_merge(in, strlen(in), 0, res, 256, &n);
    if (rc == 0 && n != strlen(res)) return -1;
    if (rc != 0) strcpy(res, "(error)");
    return rc;
}

#define KEEP_OK(in, want)                                                                          \
    do {                                                                                           \
        char res_[256];                                                                            \
        ZT_EQ_INT(norm_keep(in, res_), 0);                                                         \
        ZT_EQ_STR(res_, want);                                                                     \
    } while (0)

ZT_TEST(path_slashes_kept)
{
    KEEP_OK("/a//b", "/a//b");
    KEEP_OK("//a///b//", "//a///b//");
    KEEP_OK("//", "//");
    KEEP_OK("/a//../b", "/a/b");
    KEEP_OK("/a/.//b/.", "/a//b/");
    KEEP_OK("//../a", "/a");
    KEEP_OK("/a", "/a");
    KEEP_OK("/", "/");
    char res[256];
    ZT_EQ_INT(norm_keep("/../a", res), 400);
    ZT_EQ_INT(norm_keep("/a%2F/b", res), 404);
}

ZT_TEST(path_percent)
{
    NORM_OK("/a%20b", "/a b");
    NORM_OK("/%41%62c", "/Abc");
    NORM_OK("/%7e%7E", "/~~");
    NORM_OK("/caf%C3%A9", "/caf\xc3\xa9");
    NORM_OK("/%252e%252e/", "/%2e%2e/"); /* decoded once only */
    NORM_OK("/%25", "/%");
    NORM_OK("/a+b", "/a+b");
    NORM_OK("/caf\xc3\xa9", "/caf\xc3\xa9"); /* raw UTF-8 passes through */
    NORM_OK("/%01", "/\x01");
}

ZT_TEST(path_percent_errors)
{
    NORM_ERR("/%00", 400);
    NORM_ERR("/a%00b", 400);
    NORM_ERR("/%zz", 400);
    NORM_ERR("/%", 400);
    NORM_ERR("/%4", 400);
    NORM_ERR("/a%", 400);
    NORM_ERR("/%4/", 400);
    NORM_ERR("/%g0", 400);
    NORM_ERR("/%0g", 400);
    NORM_ERR("/%/a", 400);
}

ZT_TEST(path_encoded_slash)
{
    NORM_ERR("/a%2fb", 404);
    NORM_ERR("/a%2Fb", 404);
    NORM_ERR("/%2f", 404);
    NORM_ERR("/%2F..%2F..%2Fetc%2Fpasswd", 404); /* one segment, not a climb */
    NORM_ERR("/a%2fb/%zz", 400);                 /* 400 wins */
    NORM_ERR("/a%2fb/../..", 400);
}

ZT_TEST(path_bad_start_and_controls)
{
    NORM_ERR("", 400);
    NORM_ERR("a/b", 400);
    NORM_ERR("*", 400);
    NORM_ERR("http://x/", 400);
    NORM_ERR("/a\x01", 400);
    NORM_ERR("/a\tb", 400);
    NORM_ERR("/a\x7f", 400);

    char out[8];
    size_t n;
    ZT_EQ_INT(zh_path_normalize("/a\0b", 4, out, sizeof(out), &n), 400);
}

ZT_TEST(path_too_long)
{
    char out[8];
    size_t n = 0;

    ZT_EQ_INT(zh_path_normalize("/abcdef", 7, out, 8, &n), 0); /* 7 + NUL fits exactly */
    ZT_EQ_STR(out, "/abcdef");
    ZT_EQ_INT(n, 7);
    ZT_EQ_INT(zh_path_normalize("/abcdefg", 8, out, 8, &n), 414);
    ZT_EQ_INT(zh_path_normalize("/abcdef/", 8, out, 8, &n), 414);     /* trailing slash counts */
    ZT_EQ_INT(zh_path_normalize("/abc%41%41%41", 13, out, 8, &n), 0); /* decoded length counts */
    ZT_EQ_STR(out, "/abcAAA");
    ZT_EQ_INT(zh_path_normalize("/a/b/c/../../../xyzw", 20, out, 8, &n), 0);
    ZT_EQ_STR(out, "/xyzw");
    ZT_EQ_INT(zh_path_normalize("/", 1, out, 1, &n), 414);
    ZT_EQ_INT(zh_path_normalize("/", 1, out, 2, &n), 0);
    ZT_EQ_STR(out, "/");
    ZT_EQ_INT(zh_path_normalize("/a", 2, out, 2, &n), 414);
}

ZT_TEST(path_not_nul_terminated)
{
    char out[64];
    size_t n;
    const char in[] = "/a/b/../cXXXX";

    ZT_EQ_INT(zh_path_normalize(in, 9, out, sizeof(out), &n), 0);
    ZT_EQ_STR(out, "/a/c");
    ZT_EQ_INT(zh_path_normalize("/a%41", 4, out, sizeof(out), &n), 400); /* "%4" cut short */
}

ZT_TEST(path_split_query)
{
    const char *q;
    size_t pl, ql;

    zh_path_split_query("/a/b?x=1&y=2", 12, &pl, &q, &ql);
    ZT_EQ_INT(pl, 4);
    ZT_CHECK(q != NULL);
    ZT_EQ_INT(ql, 7);
    ZT_CHECK(memcmp(q, "x=1&y=2", 7) == 0);

    zh_path_split_query("/a/b", 4, &pl, &q, &ql);
    ZT_EQ_INT(pl, 4);
    ZT_CHECK(q == NULL);
    ZT_EQ_INT(ql, 0);

    zh_path_split_query("/a?", 3, &pl, &q, &ql);
    ZT_EQ_INT(pl, 2);
    ZT_CHECK(q != NULL);
    ZT_EQ_INT(ql, 0);

    zh_path_split_query("/a?b?c", 6, &pl, &q, &ql);
    ZT_EQ_INT(pl, 2);
    ZT_EQ_INT(ql, 3);

    zh_path_split_query("/a%3Fb", 6, &pl, &q, &ql); /* an escaped '?' is not a separator */
    ZT_EQ_INT(pl, 6);
    ZT_CHECK(q == NULL);
}

ZT_TEST(path_uri_escape)
{
    char out[128];
    const char *in = "/a b/\"<>\\^`{|}%#?/caf\xc3\xa9\x01\x7f";
    size_t n = zh_uri_escape(in, strlen(in), out, sizeof(out));

    ZT_EQ_STR(out, "/a%20b/%22%3C%3E%5C%5E%60%7B%7C%7D%25%23%3F/caf%C3%A9%01%7F");
    ZT_EQ_INT(n, strlen(out));

    n = zh_uri_escape("/plain-_.~!$&'()*+,;=:@/", 24, out, sizeof(out));
    ZT_EQ_STR(out, "/plain-_.~!$&'()*+,;=:@/");
    ZT_EQ_INT(n, 24);

    n = zh_uri_escape("", 0, out, sizeof(out));
    ZT_EQ_INT(n, 0);
    ZT_EQ_STR(out, "");
}

ZT_TEST(path_uri_escape_truncation)
{
    char out[6];
    size_t n = zh_uri_escape("/ab cd", 6, out, sizeof(out));

    ZT_EQ_INT(n, 8);
    ZT_EQ_STR(out, "/ab"); /* never half an escape */
    n = zh_uri_escape("/abcd", 5, out, sizeof(out));
    ZT_EQ_INT(n, 5);
    ZT_EQ_STR(out, "/abcd");
    n = zh_uri_escape("/abcde", 6, out, sizeof(out));
    ZT_EQ_INT(n, 6);
    ZT_EQ_STR(out, "/abcd");
    ZT_EQ_INT(zh_uri_escape("/ a", 3, NULL, 0), 5);
}

ZT_TEST(path_html_escape)
{
    char out[128];
    const char *in = "<a href=\"x\">Tom & Jerry's</a>";
    size_t n = zh_html_escape(in, strlen(in), out, sizeof(out));

    ZT_EQ_STR(out, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    ZT_EQ_INT(n, strlen(out));

    char small[8];
    n = zh_html_escape("ab&cd", 5, small, sizeof(small));
    ZT_EQ_INT(n, 9);
    ZT_EQ_STR(small, "ab&amp;");
    n = zh_html_escape("abc&d", 5, small, sizeof(small));
    ZT_EQ_INT(n, 9);
    ZT_EQ_STR(small, "abc"); /* never half an entity */
    ZT_EQ_INT(zh_html_escape("'", 1, NULL, 0), 5);
}
