/* SPDX-License-Identifier: MIT */
/* What answers carry (conf/serve.c): expires, etag, if_modified_since, charset, charset_types,
 * log_not_found, in http, server and location, inherited down. */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>

#include "conf/config.h"
#include "tests/unit/conf/tconf.h"

ZT_TEST(serve_defaults)
{
    zc_config_t c;

    if (tc_ok(&c, TC_SERVER("location / { }\n")) < 0) return;
    const zc_serve_t *s = &c.http.servers[0].serve, *l = &c.http.servers[0].locations[0].serve;
    /* nginx's defaults */
    ZT_EQ_INT(s->expires, ZC_EXPIRES_OFF);
    ZT_EQ_INT(s->etag, 1);
    ZT_EQ_INT(s->ims, ZC_IMS_EXACT);
    ZT_CHECK(s->charset == NULL);
    ZT_EQ_INT(s->ncharset_types, 6);
    ZT_EQ_STR(s->charset_types[0], "text/html");
    ZT_EQ_STR(s->charset_types[5], "application/rss+xml");
    ZT_EQ_INT(s->log_not_found, 1);
    ZT_CHECK(memcmp(s, l, sizeof(*s)) == 0);
    zc_config_free(&c);
}

ZT_TEST(serve_expires_values)
{
    static const struct {
        const char *v;
        int kind;
        long long secs;
    } cases[] = {
        {"1h", ZC_EXPIRES_ACCESS, 3600},
        {"+30d", ZC_EXPIRES_ACCESS, 30 * 86400},
        {"-10m", ZC_EXPIRES_ACCESS, -600},
        {"0", ZC_EXPIRES_ACCESS, 0},
        {"1y", ZC_EXPIRES_ACCESS, 365 * 86400},
        {"modified 1d", ZC_EXPIRES_MODIFIED, 86400},
        {"modified -1d", ZC_EXPIRES_MODIFIED, -86400},
        {"@3h30m", ZC_EXPIRES_DAILY, 3 * 3600 + 1800},
        {"epoch", ZC_EXPIRES_EPOCH, 0},
        {"max", ZC_EXPIRES_MAX, 0},
        {"off", ZC_EXPIRES_OFF, 0},
    };
    char text[200];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        zc_config_t c;
        snprintf(text, sizeof text, TC_SERVER("expires %s;\n"), cases[i].v);
        if (tc_ok(&c, text) < 0) return;
        const zc_serve_t *s = &c.http.servers[0].serve;
        if (s->expires != cases[i].kind || s->expires_s != cases[i].secs)
            ZT_FAIL("expires %s: kind %d secs %lld, want %d %lld", cases[i].v, s->expires,
                    (long long)s->expires_s, cases[i].kind, cases[i].secs);
        zc_config_free(&c);
    }
}

ZT_TEST(serve_inheritance)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n"
                  "  expires 5m;\n  charset utf-8;\n  etag off;\n  charset_types text/css *;\n"
                  "  server {\n    listen 8080;\n    if_modified_since before;\n"
                  "    location /a { expires max; charset off; log_not_found off;\n"
                  "      location /a/b { etag on; charset_types Text/CSS; } }\n"
                  "  }\n"
                  "  server {\n    listen 8081;\n    expires off;\n"
                  "    location / { }\n  }\n"
                  "}\n") < 0)
        return;
    const zc_server_t *s0 = &c.http.servers[0], *s1 = &c.http.servers[1];
    const zc_serve_t *a = &s0->locations[0].serve, *b = &s0->locations[0].locations[0].serve;
    ZT_EQ_INT(s0->serve.expires, ZC_EXPIRES_ACCESS);
    ZT_EQ_INT(s0->serve.expires_s, 300);
    ZT_EQ_STR(s0->serve.charset, "utf-8");
    ZT_EQ_INT(s0->serve.etag, 0);
    ZT_EQ_INT(s0->serve.ims, ZC_IMS_BEFORE);
    ZT_EQ_INT(s0->serve.ncharset_types, 1); /* "*" is any type: the rest does not matter */
    ZT_EQ_STR(s0->serve.charset_types[0], "*");
    ZT_EQ_INT(a->expires, ZC_EXPIRES_MAX);
    ZT_CHECK(a->charset == NULL);
    ZT_EQ_INT(a->log_not_found, 0);
    ZT_EQ_INT(a->ims, ZC_IMS_BEFORE);
    ZT_EQ_INT(b->expires, ZC_EXPIRES_MAX);
    ZT_CHECK(b->charset == NULL);
    ZT_EQ_INT(b->etag, 1);
    ZT_EQ_INT(b->log_not_found, 0);
    ZT_EQ_INT(b->ncharset_types, 1);
    ZT_EQ_STR(b->charset_types[0], "text/css");
    ZT_EQ_INT(s1->serve.expires, ZC_EXPIRES_OFF);
    ZT_EQ_INT(s1->locations[0].serve.expires, ZC_EXPIRES_OFF);
    ZT_EQ_STR(s1->locations[0].serve.charset, "utf-8");
    ZT_EQ_INT(s1->locations[0].serve.ims, ZC_IMS_EXACT);
    zc_config_free(&c);
}

ZT_TEST(serve_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"http { expires 1x; }", "main.conf:1: invalid value \"1x\" in \"expires\" directive"},
        {"http { expires 100ms; }",
         "main.conf:1: invalid value \"100ms\" in \"expires\" directive"},
        {"http { expires changed 1h; }",
         "main.conf:1: invalid value \"changed\" in \"expires\" directive"},
        {"http { expires modified @1h; }",
         "main.conf:1: daily time cannot be used with \"modified\" parameter"},
        {"http { expires @25h; }", "main.conf:1: daily time value must be less than 24 hours"},
        {"http { expires $e; }",
         "main.conf:1: variable \"$e\" in \"expires\" directive is not supported by zokiod"},
        {"http { expires modified 1h 2h; }",
         "main.conf:1: invalid number of arguments in \"expires\" directive"},
        {"http { expires 1h; expires 2h; }", "main.conf:1: \"expires\" directive is duplicate"},
        {"http { etag maybe; }", "main.conf:1: invalid value \"maybe\" in \"etag\" directive, it "
                                 "must be \"on\" or \"off\""},
        {"http { if_modified_since after; }",
         "main.conf:1: invalid value \"after\" in \"if_modified_since\" directive, it must be "
         "\"off\", \"exact\" or \"before\""},
        {"http { charset \"utf 8\"; }", "main.conf:1: invalid value \"utf 8\" in \"charset\" "
                                        "directive"},
        {"http { charset $c; }",
         "main.conf:1: variable \"$c\" in \"charset\" directive is not supported by zokiod"},
        {"http { charset_types text; }",
         "main.conf:1: invalid value \"text\" in \"charset_types\" directive"},
        {"http { charset_types; }",
         "main.conf:1: invalid number of arguments in \"charset_types\" directive"},
        {"http { log_not_found no; }", "main.conf:1: invalid value \"no\" in \"log_not_found\" "
                                       "directive, it must be \"on\" or \"off\""},
        {"events { etag on; }", "main.conf:1: \"etag\" directive is not allowed here"},
    };
    char want[600];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(want, sizeof(want), "%s", tc_msg("%s", cases[i].msg));
        const char *got = tc_fail(cases[i].text);
        if (strcmp(got, want) != 0)
            ZT_FAIL("case %zu:\n  config: %s\n  want:   %s\n  got:    %s", i, cases[i].text, want,
                    got);
    }
}

ZT_TEST(serve_override_charset_note)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n  override_charset on;\n  server {\n    listen 8080;\n"
                  "    location / { override_charset off; }\n  }\n}\n") < 0)
        return;
    ZT_EQ_INT(c.nnotes, 2);
    for (size_t i = 0; i < c.nnotes && i < 2; i++) {
        ZT_EQ_STR(c.notes[i].level, "debug");
        ZT_CHECK(strstr(c.notes[i].text, "\"override_charset\" has no effect in zokiod") != NULL);
        ZT_CHECK(strstr(c.notes[i].text, i ? "main.conf:5: " : "main.conf:2: ") != NULL);
    }
    zc_config_free(&c);
}
