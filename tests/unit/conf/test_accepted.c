/* SPDX-License-Identifier: MIT */
/* Directives zokiod accepts without effect (conf/accepted.c): the values nginx takes load and
 * leave their note, the others are errors naming FILE:LINE. */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>

#include "conf/config.h"
#include "tests/unit/conf/tconf.h"

/* the notes of c at `level` whose text contains `part` */
static size_t notes_with(const zc_config_t *c, const char *level, const char *part)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nnotes; i++)
        if (strcmp(c->notes[i].level, level) == 0 && strstr(c->notes[i].text, part) != NULL) n++;
    return n;
}

ZT_TEST(accepted_values_load_with_notes)
{
    zc_config_t c;
    char where[600];

    if (tc_ok(&c, "pcre_jit on;\n"
                  "load_module modules/ngx_http_echo_module.so;\n"
                  "http {\n"
                  "  types_hash_max_size 2048;\n"
                  "  types_hash_bucket_size 64;\n"
                  "  server_names_hash_max_size 0;\n"
                  "  server_names_hash_bucket_size 128;\n"
                  "  variables_hash_max_size 1024;\n"
                  "  variables_hash_bucket_size 65472;\n"
                  "  ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n"
                  "  ssl_prefer_server_ciphers on;\n"
                  "  client_body_temp_path /var/lib/x 1 2;\n"
                  "  proxy_temp_path /var/lib/p 4;\n"
                  "  fastcgi_temp_path t 1 2 3;\n"
                  "  uwsgi_temp_path u;\n"
                  "  scgi_temp_path s;\n"
                  "  server {\n    listen 8080;\n    types_hash_max_size 10;\n"
                  "    ssl_protocols SSLv2 SSLv3 TLSv1.2 TLSv1.2;\n"
                  "    location / { client_body_temp_path /t; }\n  }\n"
                  "}\n") < 0)
        return;
    ZT_EQ_INT(notes_with(&c, "debug", "has no effect in zokiod (its tables grow as needed)"), 7);
    ZT_EQ_INT(notes_with(&c, "debug", "\"pcre_jit\" has no effect in zokiod"), 1);
    /* the TLS settings are implemented (conf/ssl.c): no note, but nginx's duplicate warning */
    ZT_EQ_INT(notes_with(&c, "debug", "\"ssl_protocols\""), 0);
    ZT_EQ_INT(notes_with(&c, "debug", "\"ssl_prefer_server_ciphers\""), 0);
    ZT_EQ_INT(notes_with(&c, "warn", "duplicate value \"TLSv1.2\" in \"ssl_protocols\""), 1);
    ZT_EQ_INT(notes_with(&c, "debug", "writes no request body to disk"), 2);
    ZT_EQ_INT(notes_with(&c, "debug", "proxies to no backend"), 4);
    snprintf(where, sizeof(where),
             "%s:2: load_module \"modules/ngx_http_echo_module.so\" ignored: zokiod cannot load "
             "nginx modules (their directives are unknown to it)",
             tc_path("main.conf"));
    ZT_EQ_INT(notes_with(&c, "warn", where), 1);
    ZT_EQ_INT(c.http.servers[0].ssl_protocols, ZC_TLSv1 | ZC_TLSv1_2);
    ZT_EQ_INT(c.nnotes, 16);
    zc_config_free(&c);
}

/* one warning for the whole configuration, at the first `gzip on`, whatever else is set */
ZT_TEST(accepted_gzip_one_warning)
{
    zc_config_t c;
    char want[600];

    if (tc_ok(&c, "http {\n"
                  "  gzip_vary on;\n  gzip_proxied expired no-cache no-store private auth;\n"
                  "  gzip_comp_level 6;\n  gzip_buffers 16 8k;\n  gzip_http_version 1.1;\n"
                  "  gzip_types text/plain text/css application/json;\n"
                  "  gzip_min_length 1k;\n  gzip_disable msie6 \"MSIE [1-6]\\.\";\n"
                  "  gzip off;\n"
                  "  server {\n    listen 8080;\n    gzip on;\n"
                  "    location / { gzip on; gzip_types *; gzip_proxied any; gzip_proxied off; }\n"
                  "  }\n"
                  "}\n") < 0)
        return;
    snprintf(want, sizeof(want),
             "%s:13: gzip is not supported by zokiod yet: responses are sent uncompressed",
             tc_path("main.conf"));
    ZT_EQ_INT(c.nnotes, 1);
    ZT_EQ_STR(c.notes[0].level, "warn");
    ZT_EQ_STR(c.notes[0].text, want);
    zc_config_free(&c);
    /* gzip off everywhere: nothing to warn about */
    if (tc_ok(&c, "http { gzip off; gzip_types text/css; }\n") < 0) return;
    ZT_EQ_INT(c.nnotes, 0);
    zc_config_free(&c);
}

/* aio: threads and off load with a note (zokiod always looks files up off its loop) */
ZT_TEST(accepted_aio)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n  aio threads;\n  server {\n    listen 8080;\n    aio off;\n"
                  "    location / { aio threads=default; }\n  }\n}\n") < 0)
        return;
    ZT_EQ_INT(notes_with(&c, "debug", "changes nothing: zokiod always opens, stats and reads"), 3);
    ZT_EQ_INT(c.nnotes, 3);
    zc_config_free(&c);
}

ZT_TEST(accepted_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"http { aio on; }", "main.conf:1: \"aio on\" is not supported by zokiod: its file "
                             "lookups run on its thread pool, as with \"aio threads\""},
        {"http { aio threads=foo; }", "main.conf:1: unknown thread pool \"foo\""},
        {"http { aio yes; }", "main.conf:1: \"aio\" directive invalid value"},
        {"http { aio off; aio threads; }", "main.conf:1: \"aio\" directive is duplicate"},
        {"aio threads;", "main.conf:1: \"aio\" directive is not allowed here"},
        {"http { types_hash_max_size 1m; }",
         "main.conf:1: invalid value \"1m\" in \"types_hash_max_size\" directive"},
        {"http { types_hash_max_size 0; }",
         "main.conf:1: could not build types_hash, you should increase types_hash_max_size: 0"},
        {"http { types_hash_bucket_size 0; }",
         "main.conf:1: could not build types_hash, you should increase types_hash_bucket_size: 0"},
        {"http { types_hash_bucket_size 65473; }",
         "main.conf:1: could not build types_hash, too large types_hash_bucket_size: 65536"},
        {"http { variables_hash_bucket_size 100000; }",
         "main.conf:1: could not build variables_hash, too large variables_hash_bucket_size: "
         "100032"},
        {"http { variables_hash_max_size 0; }",
         "main.conf:1: could not build variables_hash, you should increase "
         "variables_hash_max_size: 0"},
        {"http { server_names_hash_bucket_size -1; }",
         "main.conf:1: invalid value \"-1\" in \"server_names_hash_bucket_size\" directive"},
        {"http { server { server_names_hash_max_size 512; } }",
         "main.conf:1: \"server_names_hash_max_size\" directive is not allowed here"},
        {"http { server { location / { variables_hash_max_size 512; } } }",
         "main.conf:1: \"variables_hash_max_size\" directive is not allowed here"},
        {"http { types_hash_max_size 1; types_hash_max_size 2; }",
         "main.conf:1: \"types_hash_max_size\" directive is duplicate"},
        {"pcre_jit yes;", "main.conf:1: invalid value \"yes\" in \"pcre_jit\" directive, it must "
                          "be \"on\" or \"off\""},
        {"http { pcre_jit on; }", "main.conf:1: \"pcre_jit\" directive is not allowed here"},
        {"pcre_jit on; pcre_jit off;", "main.conf:1: \"pcre_jit\" directive is duplicate"},
        {"load_module;", "main.conf:1: invalid number of arguments in \"load_module\" directive"},
        {"http { load_module x.so; }",
         "main.conf:1: \"load_module\" directive is not allowed here"},
        {"http { server { location / { ssl_protocols TLSv1.2; } } }",
         "main.conf:1: \"ssl_protocols\" directive is not allowed here"},
        {"http { ssl_protocols TLSv1.2 TLSv2; }",
         "main.conf:1: invalid value \"TLSv2\" in \"ssl_protocols\" directive"},
        {"http { ssl_prefer_server_ciphers 1; }",
         "main.conf:1: invalid value \"1\" in \"ssl_prefer_server_ciphers\" directive, it must be "
         "\"on\" or \"off\""},
        {"http { server { location / { ssl_prefer_server_ciphers on; } } }",
         "main.conf:1: \"ssl_prefer_server_ciphers\" directive is not allowed here"},
        {"http { client_body_temp_path /x 0; }",
         "main.conf:1: invalid value \"0\" in \"client_body_temp_path\" directive"},
        {"http { client_body_temp_path /x x; }",
         "main.conf:1: invalid value \"x\" in \"client_body_temp_path\" directive"},
        {"http { proxy_temp_path /x 9 9; }",
         "main.conf:1: invalid value \"9\" in \"proxy_temp_path\" directive"},
        {"http { scgi_temp_path /x 1 2 3 4; }",
         "main.conf:1: invalid number of arguments in \"scgi_temp_path\" directive"},
        {"http { uwsgi_temp_path /x; uwsgi_temp_path /y; }",
         "main.conf:1: \"uwsgi_temp_path\" directive is duplicate"},
        {"uwsgi_temp_path /x;", "main.conf:1: \"uwsgi_temp_path\" directive is not allowed here"},
        {"http { gzip yes; }",
         "main.conf:1: invalid value \"yes\" in \"gzip\" directive, it must be \"on\" or \"off\""},
        {"http { gzip on; gzip off; }", "main.conf:1: \"gzip\" directive is duplicate"},
        {"gzip on;", "main.conf:1: \"gzip\" directive is not allowed here"},
        {"http { gzip_vary 1; }", "main.conf:1: invalid value \"1\" in \"gzip_vary\" directive, it "
                                  "must be \"on\" or \"off\""},
        {"http { gzip_proxied any foo; }",
         "main.conf:1: invalid value \"foo\" in \"gzip_proxied\" directive"},
        {"http { gzip_comp_level 0; }", "main.conf:1: value \"0\" must be between 1 and 9"},
        {"http { gzip_comp_level 10; }", "main.conf:1: value \"10\" must be between 1 and 9"},
        {"http { gzip_comp_level x; }",
         "main.conf:1: invalid value \"x\" in \"gzip_comp_level\" directive"},
        {"http { gzip_buffers 16; }",
         "main.conf:1: invalid number of arguments in \"gzip_buffers\" directive"},
        {"http { gzip_buffers 0 8k; }",
         "main.conf:1: invalid value \"0\" in \"gzip_buffers\" directive"},
        {"http { gzip_buffers 16 8x; }",
         "main.conf:1: invalid value \"8x\" in \"gzip_buffers\" directive"},
        {"http { gzip_http_version 2.0; }",
         "main.conf:1: invalid value \"2.0\" in \"gzip_http_version\" directive"},
        {"http { gzip_min_length x; }",
         "main.conf:1: invalid value \"x\" in \"gzip_min_length\" directive"},
        {"http { gzip_types; }",
         "main.conf:1: invalid number of arguments in \"gzip_types\" directive"},
        {"http { gzip_disable; }",
         "main.conf:1: invalid number of arguments in \"gzip_disable\" directive"},
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
