/* SPDX-License-Identifier: MIT */
#include "tests/unit/zt.h"

#include "http/mime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sample[] = "# leading comment\n"
                             "types {\n"
                             "    text/html  html htm;   # trailing comment\n"
                             "    text/css   css;\n"
                             "    image/jpeg jpg\n"
                             "               JPEG;\n"
                             "    application/javascript js;\n"
                             "    \"application/x-quoted\" 'qq';\n"
                             "    application/gzip gz;\n"
                             "}\n"
                             "types { text/javascript js; application/json json map; }\n";

static int parse(zh_mime_t *m, const char *text, char *err, size_t errlen)
{
    return zh_mime_parse(m, text, strlen(text), err, errlen);
}

ZT_TEST(mime_parse_and_lookup)
{
    zh_mime_t m;
    char err[128];

    ZT_EQ_INT(parse(&m, sample, err, sizeof(err)), 0);
    ZT_EQ_STR(err, "");
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

    ZT_EQ_INT(parse(&m, sample, NULL, 0), 0);
    ZT_EQ_STR(zh_mime_lookup(&m, "/INDEX.HTML"), "text/html");
    ZT_EQ_STR(zh_mime_lookup(&m, "/Photo.JpG"), "image/jpeg");
    ZT_EQ_STR(zh_mime_lookup(&m, "/p.jpeg"), "image/jpeg"); /* listed as JPEG */
    ZT_EQ_STR(zh_mime_lookup(&m, "/x.QQ"), "application/x-quoted");
    zh_mime_free(&m);
}

ZT_TEST(mime_later_entry_wins)
{
    zh_mime_t m;

    ZT_EQ_INT(parse(&m, sample, NULL, 0), 0);
    ZT_EQ_STR(zh_mime_lookup(&m, "/app.js"), "text/javascript");
    zh_mime_free(&m);
}

ZT_TEST(mime_unknown_and_no_extension)
{
    zh_mime_t m;

    ZT_EQ_INT(parse(&m, sample, NULL, 0), 0);
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

    ZT_EQ_INT(parse(&m, sample, NULL, 0), 0);
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

    ZT_EQ_INT(parse(&m, sample, NULL, 0), 0);
    ZT_EQ_STR(zh_mime_lookup_n(&m, "/a.cssXYZ", 6), "text/css");
    ZT_CHECK(zh_mime_lookup_n(&m, "/a.css", 5) == NULL); /* ".cs" */
    zh_mime_free(&m);
}

ZT_TEST(mime_empty)
{
    zh_mime_t m;

    ZT_EQ_INT(parse(&m, "", NULL, 0), 0);
    ZT_EQ_INT(zh_mime_count(&m), 0);
    ZT_CHECK(zh_mime_lookup(&m, "/a.html") == NULL);
    zh_mime_free(&m);
    ZT_EQ_INT(parse(&m, "# only a comment\ntypes { }\n", NULL, 0), 0);
    ZT_CHECK(zh_mime_lookup(&m, "/a.html") == NULL);
    zh_mime_free(&m);

    zh_mime_t zero = {0};
    ZT_CHECK(zh_mime_lookup(&zero, "/a.html") == NULL);
}

#define PARSE_ERR(text, msg)                                                                       \
    do {                                                                                           \
        zh_mime_t m_;                                                                              \
        char err_[128];                                                                            \
        ZT_EQ_INT(parse(&m_, text, err_, sizeof(err_)), -EINVAL);                                  \
        ZT_EQ_STR(err_, msg);                                                                      \
        ZT_EQ_INT(zh_mime_count(&m_), 0);                                                          \
        ZT_CHECK(m_.mem == NULL);                                                                  \
    } while (0)

ZT_TEST(mime_errors)
{
    PARSE_ERR("text/html html;", "line 1: expected \"types\"");
    PARSE_ERR("\n\ntypes text/html html;", "line 3: expected \"{\" after \"types\"");
    PARSE_ERR("types {\n text/html html;\n", "line 3: unexpected end of file, expected \"}\"");
    PARSE_ERR("types {\n text/html html\n text/css css;\n}",
              "line 3: invalid extension \"text/css\" (missing ';'?)");
    PARSE_ERR("types {\n html text/html;\n}", "line 2: invalid media type \"html\"");
    PARSE_ERR("types {\n text/html html", "line 2: unexpected end of file, expected \";\"");
    PARSE_ERR("types {\n text/html html }", "line 2: unexpected \"}\", expected \";\"");
    PARSE_ERR("types {\n text/html \"html;\n}", "line 2: unterminated quoted string");
    PARSE_ERR("types {\n text/html tar.gz;\n}",
              "line 2: invalid extension \"tar.gz\" (missing ';'?)");
    PARSE_ERR("types {\n text/html '';\n}", "line 2: empty extension");
    PARSE_ERR("types {\n text/html aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;\n}",
              "line 2: extension too long");
    PARSE_ERR("types { text/html html; } }", "line 1: expected \"types\"");
    PARSE_ERR("types { { }", "line 1: unexpected \"{\"");

    zh_mime_t m;
    ZT_EQ_INT(zh_mime_parse(&m, "oops", 4, NULL, 0), -EINVAL); /* no err buffer is fine */
    char tiny[8];
    ZT_EQ_INT(zh_mime_parse(&m, "oops", 4, tiny, sizeof(tiny)), -EINVAL);
    ZT_EQ_STR(tiny, "line 1:");
}

/* Many extensions: every one must be found again after the table grows past its first size. */
ZT_TEST(mime_many)
{
    size_t cap = 64 * 1024, n = 0;
    char *text = malloc(cap);
    zh_mime_t m;
    char ext[32], want[64];

    ZT_CHECK(text != NULL);
    n += (size_t)snprintf(text + n, cap - n, "types {\n");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(text + n, cap - n, "type/t%d e%d E%dx;\n", i, i, i);
    n += (size_t)snprintf(text + n, cap - n, "}\n");
    ZT_EQ_INT(zh_mime_parse(&m, text, n, NULL, 0), 0);
    free(text);
    ZT_EQ_INT(zh_mime_count(&m), 2000);
    for (int i = 0; i < 1000; i++) {
        snprintf(ext, sizeof(ext), "/f.E%d", i);
        snprintf(want, sizeof(want), "type/t%d", i);
        ZT_EQ_STR(zh_mime_lookup(&m, ext), want);
        snprintf(ext, sizeof(ext), "/f.e%dX", i);
        ZT_EQ_STR(zh_mime_lookup(&m, ext), want);
    }
    ZT_CHECK(zh_mime_lookup(&m, "/f.e1000") == NULL);
    zh_mime_free(&m);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

/* The shipped conf/mime.types (tests run from the repository root). */
ZT_TEST(mime_shipped_file)
{
    size_t len;
    char *text = slurp("conf/mime.types", &len), err[128];
    zh_mime_t m;
    static const char *const want[][2] = {
        {"/i.html", "text/html"},         {"/s.css", "text/css"},
        {"/a.js", "text/javascript"},     {"/a.mjs", "text/javascript"},
        {"/d.json", "application/json"},  {"/x.xml", "text/xml"},
        {"/t.txt", "text/plain"},         {"/i.svg", "image/svg+xml"},
        {"/i.png", "image/png"},          {"/i.jpg", "image/jpeg"},
        {"/i.jpeg", "image/jpeg"},        {"/i.gif", "image/gif"},
        {"/i.webp", "image/webp"},        {"/i.avif", "image/avif"},
        {"/favicon.ico", "image/x-icon"}, {"/f.woff", "font/woff"},
        {"/f.woff2", "font/woff2"},       {"/f.ttf", "font/ttf"},
        {"/f.otf", "font/otf"},           {"/d.pdf", "application/pdf"},
        {"/a.zip", "application/zip"},    {"/a.gz", "application/gzip"},
        {"/a.tar", "application/x-tar"},  {"/m.wasm", "application/wasm"},
        {"/v.mp4", "video/mp4"},          {"/v.webm", "video/webm"},
        {"/a.mp3", "audio/mpeg"},         {"/a.ogg", "audio/ogg"},
        {"/a.wav", "audio/wav"},          {"/d.csv", "text/csv"},
        {"/r.md", "text/markdown"},       {"/a.js.map", "application/json"},
        {"/I.HTM", "text/html"}, /* exact strings: text types carry no charset */
    };

    if (text == NULL) ZT_SKIP("conf/mime.types not found (run from the repository root)");
    int rc = zh_mime_parse(&m, text, len, err, sizeof(err));
    free(text);
    if (rc != 0) ZT_FAIL("conf/mime.types: %s", err);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ZT_EQ_STR(zh_mime_lookup(&m, want[i][0]), want[i][1]);
    zh_mime_free(&m);
}

/* nginx's own file, when installed, parses too (format compatibility). */
ZT_TEST(mime_nginx_file)
{
    size_t len;
    char *text = slurp("/etc/nginx/mime.types", &len), err[128];
    zh_mime_t m;

    if (text == NULL) ZT_SKIP("/etc/nginx/mime.types not installed");
    int rc = zh_mime_parse(&m, text, len, err, sizeof(err));
    free(text);
    if (rc != 0) ZT_FAIL("/etc/nginx/mime.types: %s", err);
    ZT_EQ_STR(zh_mime_lookup(&m, "/index.html"), "text/html");
    ZT_CHECK(zh_mime_count(&m) > 50);
    zh_mime_free(&m);
}
