/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/mime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What server/gen.c would add for
 *   types { text/html html htm; text/css css; image/jpeg jpg JPEG; application/javascript js;
 *           application/x-quoted qq; application/gzip gz; }
 *   types { text/javascript js; application/json json map; } */
static const char *const sample[][2] = {
    {"html", "text/html"},          {"htm", "text/html"},        {"css", "text/css"},
    {"jpg", "image/jpeg"},          {"JPEG", "image/jpeg"},      {"js", "application/javascript"},
    {"qq", "application/x-quoted"}, {"gz", "application/gzip"},  {"js", "text/javascript"},
    {"json", "application/json"},   {"map", "application/json"},
};

static void fill(zh_mime_t *m)
{
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
        ZT_EQ_INT(zh_mime_add(m, sample[i][0], strlen(sample[i][0]), sample[i][1]), 0);
}

ZT_TEST(mime_add_and_lookup)
{
    zh_mime_t m;

    fill(&m);
    ZT_EQ_INT(zh_mime_count(&m), 10);
    ZT_EQ_STR(zh_mime_lookup(&m, "/index.html"), "text/html");
    ZT_EQ_STR(zh_mime_lookup(&m, "/a/b/page.htm"), "text/html");
    ZT_EQ_STR(zh_mime_lookup(&m, "style.css"), "text/css");
    ZT_EQ_STR(zh_mime_lookup(&m, "/p.jpeg"), "image/jpeg");
    ZT_EQ_STR(zh_mime_lookup(&m, "/p.jpg"), "image/jpeg");
    ZT_EQ_STR(zh_mime_lookup(&m, "/x.qq"), "application/x-quoted");
    ZT_EQ_STR(zh_mime_lookup(&m, "/data.json"), "application/json");
    ZT_EQ_STR(zh_mime_lookup(&m, "/app.js.map"), "application/json");
    zh_mime_free(&m);
    ZT_EQ_INT(zh_mime_count(&m), 0);
    ZT_CHECK(zh_mime_lookup(&m, "/index.html") == NULL);
    zh_mime_free(&m); /* twice is fine */
}

ZT_TEST(mime_case_insensitive)
{
    zh_mime_t m;

    fill(&m);
    ZT_EQ_STR(zh_mime_lookup(&m, "/INDEX.HTML"), "text/html");
    ZT_EQ_STR(zh_mime_lookup(&m, "/Photo.JpG"), "image/jpeg");
    ZT_EQ_STR(zh_mime_lookup(&m, "/p.jpeg"), "image/jpeg"); /* added as JPEG */
    ZT_EQ_STR(zh_mime_lookup(&m, "/x.QQ"), "application/x-quoted");
    zh_mime_free(&m);
}

ZT_TEST(mime_later_entry_wins)
{
    zh_mime_t m;

    fill(&m);
    ZT_EQ_STR(zh_mime_lookup(&m, "/app.js"), "text/javascript");
    ZT_EQ_INT(zh_mime_add(&m, "HTML", 4, "text/x-html"), 0); /* another case: the same one */
    ZT_EQ_INT(zh_mime_count(&m), 10);
    ZT_EQ_STR(zh_mime_lookup(&m, "/index.html"), "text/x-html");
    ZT_EQ_STR(zh_mime_lookup(&m, "/index.htm"), "text/html");
    zh_mime_free(&m);
}

/* The type is the Content-Type value, byte for byte: spaces and ';' are part of it. */
ZT_TEST(mime_type_kept_verbatim)
{
    zh_mime_t m = {0};

    ZT_EQ_INT(zh_mime_add(&m, "foo", 3, "text/x weird;type"), 0);
    ZT_EQ_INT(zh_mime_add(&m, "html", 4, "text/html; charset=utf-8"), 0);
    ZT_EQ_INT(zh_mime_add(&m, "sp", 2, "text/x spaced type"), 0);
    ZT_EQ_INT(zh_mime_add(&m, "t", 1, "text/x\ttab"), 0);
    ZT_EQ_STR(zh_mime_lookup(&m, "/a.foo"), "text/x weird;type");
    ZT_EQ_STR(zh_mime_lookup(&m, "/a.html"), "text/html; charset=utf-8");
    ZT_EQ_STR(zh_mime_lookup(&m, "/a.sp"), "text/x spaced type");
    ZT_EQ_STR(zh_mime_lookup(&m, "/a.t"), "text/x\ttab");
    zh_mime_free(&m);
}

/* The extension is `ext[0, extlen)`: it need not be NUL-terminated, nor short. */
ZT_TEST(mime_extension_bytes)
{
    zh_mime_t m = {0};
    char longext[200];

    ZT_EQ_INT(zh_mime_add(&m, "cssXYZ", 3, "text/css"), 0);
    ZT_EQ_STR(zh_mime_lookup(&m, "/a.css"), "text/css");
    ZT_CHECK(zh_mime_lookup(&m, "/a.cssXYZ") == NULL);
    memset(longext, 'a', sizeof(longext));
    ZT_EQ_INT(zh_mime_add(&m, longext, sizeof(longext), "application/x-long"), 0);
    char path[sizeof(longext) + 4] = "/x.";
    memcpy(path + 3, longext, sizeof(longext));
    ZT_EQ_STR(zh_mime_lookup_n(&m, path, sizeof(path) - 1), "application/x-long");
    ZT_CHECK(zh_mime_lookup_n(&m, path, sizeof(path) - 2) == NULL); /* one 'a' short */
    zh_mime_free(&m);
}

ZT_TEST(mime_unknown_and_no_extension)
{
    zh_mime_t m;

    fill(&m);
    ZT_CHECK(zh_mime_lookup(&m, "/file.unknown") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/README") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/a.html/README") == NULL); /* dot in a directory name */
    ZT_CHECK(zh_mime_lookup(&m, "/file.") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, ".") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/htmlhtml") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/x.htmlx") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/x.htm l") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == NULL);
    zh_mime_free(&m);
}

ZT_TEST(mime_dotfiles)
{
    zh_mime_t m;

    fill(&m);
    ZT_CHECK(zh_mime_lookup(&m, "/.css") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, ".css") == NULL);
    ZT_CHECK(zh_mime_lookup(&m, "/dir/.html") == NULL);
    ZT_EQ_STR(zh_mime_lookup(&m, "/.hidden.css"), "text/css");
    ZT_EQ_STR(zh_mime_lookup(&m, "/..css"), "text/css");
    ZT_EQ_STR(zh_mime_lookup(&m, "/backup.tar.gz"), "application/gzip");
    zh_mime_free(&m);
}

ZT_TEST(mime_lookup_n)
{
    zh_mime_t m;

    fill(&m);
    ZT_EQ_STR(zh_mime_lookup_n(&m, "/a.cssXYZ", 6), "text/css");
    ZT_CHECK(zh_mime_lookup_n(&m, "/a.css", 5) == NULL); /* ".cs" */
    zh_mime_free(&m);
}

ZT_TEST(mime_empty)
{
    zh_mime_t zero = {0};

    ZT_EQ_INT(zh_mime_count(&zero), 0);
    ZT_CHECK(zh_mime_lookup(&zero, "/a.html") == NULL);
    ZT_CHECK(zh_mime_lookup_n(&zero, "/a.html", 7) == NULL);
    zh_mime_free(&zero);
}

/* What no path could match, or what would break the header line, is refused; the table is
 * unchanged. */
ZT_TEST(mime_add_refused)
{
    zh_mime_t m;

    fill(&m);
    ZT_EQ_INT(zh_mime_add(&m, "", 0, "text/plain"), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, NULL, 0, "text/plain"), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, "tar.gz", 6, "application/gzip"), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, "a/b", 3, "text/plain"), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, "a\0b", 3, "text/plain"), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, "txt", 3, NULL), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, "txt", 3, "text/plain\r\nX-A: 1"), -EINVAL);
    ZT_EQ_INT(zh_mime_add(&m, "html", 4, "text/plain\n"), -EINVAL);
    ZT_EQ_INT(zh_mime_count(&m), 10);
    ZT_EQ_STR(zh_mime_lookup(&m, "/a.html"), "text/html");
    ZT_CHECK(zh_mime_lookup(&m, "/a.txt") == NULL);
    zh_mime_free(&m);
}

/* Many extensions: every one must be found again after the table grew many times. */
ZT_TEST(mime_many)
{
    zh_mime_t m = {0};
    char ext[32], want[64];

    for (int i = 0; i < 1000; i++) {
        snprintf(want, sizeof(want), "type/t%d", i);
        snprintf(ext, sizeof(ext), "e%d", i);
        ZT_EQ_INT(zh_mime_add(&m, ext, strlen(ext), want), 0);
        snprintf(ext, sizeof(ext), "E%dx", i);
        ZT_EQ_INT(zh_mime_add(&m, ext, strlen(ext), want), 0);
    }
    ZT_EQ_INT(zh_mime_count(&m), 2000);
    for (int i = 0; i < 1000; i++) {
        snprintf(ext, sizeof(ext), "/f.E%d", i);
        snprintf(want, sizeof(want), "type/t%d", i);
        ZT_EQ_STR(zh_mime_lookup(&m, ext), want);
        snprintf(ext, sizeof(ext), "/f.e%dX", i);
        ZT_EQ_STR(zh_mime_lookup(&m, ext), want);
    }
    ZT_CHECK(zh_mime_lookup(&m, "/f.e1000") == NULL);
    /* the lookup result points into the table: the same type added twice in a row is stored
     * once, so both extensions return the same string */
    ZT_CHECK(zh_mime_lookup(&m, "/f.e7") == zh_mime_lookup(&m, "/f.E7X"));
    zh_mime_free(&m);
}
