/* SPDX-License-Identifier: MIT */
/* How responses are written (conf/io.c): sendfile, sendfile_max_chunk, tcp_nopush, tcp_nodelay,
 * reset_timedout_connection, in http, server and location, inherited down. */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>

#include "conf/config.h"
#include "tests/unit/conf/tconf.h"

ZT_TEST(io_defaults)
{
    zc_config_t c;

    if (tc_ok(&c, TC_SERVER("location / { }\n")) < 0) return;
    const zc_io_t *s = &c.http.servers[0].io, *l = &c.http.servers[0].locations[0].io;
    /* nginx's defaults */
    ZT_EQ_INT(s->sendfile, 0);
    ZT_EQ_INT(s->tcp_nopush, 0);
    ZT_EQ_INT(s->tcp_nodelay, 1);
    ZT_EQ_INT(s->reset_timedout, 0);
    ZT_EQ_INT(s->sendfile_max_chunk, 2 * 1024 * 1024);
    ZT_CHECK(memcmp(s, l, sizeof(*s)) == 0);
    zc_config_free(&c);
}

ZT_TEST(io_inheritance)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n"
                  "  sendfile on;\n  tcp_nopush on;\n  sendfile_max_chunk 512k;\n"
                  "  server {\n    listen 8080;\n    tcp_nodelay off;\n"
                  "    location /a { sendfile off; reset_timedout_connection on; }\n"
                  "    location /b { sendfile_max_chunk 0; tcp_nodelay on; tcp_nopush off; }\n"
                  "  }\n"
                  "  server {\n    listen 8081;\n    reset_timedout_connection on;\n"
                  "    location / { }\n  }\n"
                  "}\n") < 0)
        return;
    const zc_server_t *s0 = &c.http.servers[0], *s1 = &c.http.servers[1];
    ZT_EQ_INT(s0->io.sendfile, 1);
    ZT_EQ_INT(s0->io.tcp_nopush, 1);
    ZT_EQ_INT(s0->io.tcp_nodelay, 0);
    ZT_EQ_INT(s0->io.reset_timedout, 0);
    ZT_EQ_INT(s0->io.sendfile_max_chunk, 512 * 1024);
    const zc_io_t *a = &s0->locations[0].io, *b = &s0->locations[1].io;
    ZT_EQ_INT(a->sendfile, 0);
    ZT_EQ_INT(a->reset_timedout, 1);
    ZT_EQ_INT(a->tcp_nopush, 1);  /* from http {} through the server */
    ZT_EQ_INT(a->tcp_nodelay, 0); /* from the server */
    ZT_EQ_INT(a->sendfile_max_chunk, 512 * 1024);
    ZT_EQ_INT(b->sendfile, 1);
    ZT_EQ_INT(b->sendfile_max_chunk, 0);
    ZT_EQ_INT(b->tcp_nodelay, 1);
    ZT_EQ_INT(b->tcp_nopush, 0);
    ZT_EQ_INT(s1->io.reset_timedout, 1);
    ZT_EQ_INT(s1->io.tcp_nodelay, 1);
    ZT_EQ_INT(s1->locations[0].io.reset_timedout, 1);
    ZT_EQ_INT(s1->locations[0].io.sendfile, 1);
    zc_config_free(&c);
}

ZT_TEST(io_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"http { sendfile 1; }", "main.conf:1: invalid value \"1\" in \"sendfile\" directive, it "
                                 "must be \"on\" or \"off\""},
        {"http { tcp_nopush yes; }", "main.conf:1: invalid value \"yes\" in \"tcp_nopush\" "
                                     "directive, it must be \"on\" or \"off\""},
        {"http { tcp_nodelay; }",
         "main.conf:1: invalid number of arguments in \"tcp_nodelay\" directive"},
        {"http { reset_timedout_connection on off; }",
         "main.conf:1: invalid number of arguments in \"reset_timedout_connection\" directive"},
        {"http { sendfile_max_chunk 2x; }",
         "main.conf:1: invalid value \"2x\" in \"sendfile_max_chunk\" directive"},
        {"http { sendfile_max_chunk -1; }",
         "main.conf:1: invalid value \"-1\" in \"sendfile_max_chunk\" directive"},
        {"http { server { location / { sendfile on; sendfile off; } } }",
         "main.conf:1: \"sendfile\" directive is duplicate"},
        {"http { tcp_nopush on; tcp_nopush on; }",
         "main.conf:1: \"tcp_nopush\" directive is duplicate"},
        {"sendfile on;", "main.conf:1: \"sendfile\" directive is not allowed here"},
        {"events { tcp_nodelay on; }",
         "main.conf:1: \"tcp_nodelay\" directive is not allowed here"},
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

ZT_TEST(io_open_file_cache)
{
    zc_config_t c;

    if (tc_ok(&c, TC_SERVER("location / { }\n")) < 0) return;
    const zc_io_t *d = &c.http.servers[0].locations[0].io;
    ZT_EQ_INT(d->ofc, 1); /* zokiod's cache is on (nginx's is off) */
    ZT_EQ_INT(d->ofc_max, 0);
    ZT_EQ_INT(d->ofc_inactive_s, 60);
    ZT_EQ_INT(d->ofc_valid_s, 1);
    ZT_EQ_INT(d->ofc_min_uses, 1);
    ZT_EQ_INT(d->ofc_errors, 0);
    ZT_EQ_INT(c.http.open_file_cache_max, 0);
    zc_config_free(&c);
    if (tc_ok(&c, "http {\n"
                  "  open_file_cache max=1000 inactive=20s;\n  open_file_cache_valid 30s;\n"
                  "  open_file_cache_min_uses 2;\n  open_file_cache_errors on;\n"
                  "  server {\n    listen 8080;\n"
                  "    location /a { open_file_cache off; }\n"
                  "    location /b { open_file_cache max=10; open_file_cache_valid 0; }\n"
                  "    location /c { open_file_cache off max=5 inactive=1m; }\n"
                  "  }\n"
                  "}\n") < 0)
        return;
    const zc_server_t *s = &c.http.servers[0];
    ZT_EQ_INT(s->io.ofc, 1);
    ZT_EQ_INT(s->io.ofc_max, 1000);
    ZT_EQ_INT(s->io.ofc_inactive_s, 20);
    ZT_EQ_INT(s->io.ofc_valid_s, 30);
    ZT_EQ_INT(s->io.ofc_min_uses, 2);
    ZT_EQ_INT(s->io.ofc_errors, 1);
    ZT_EQ_INT(s->locations[0].io.ofc, 0);
    ZT_EQ_INT(s->locations[0].io.ofc_valid_s, 30); /* the rest is inherited on its own */
    ZT_EQ_INT(s->locations[1].io.ofc_max, 10);
    ZT_EQ_INT(s->locations[1].io.ofc_inactive_s, 60); /* max= without inactive=: nginx's 60s */
    ZT_EQ_INT(s->locations[1].io.ofc_valid_s, 0);
    ZT_EQ_INT(s->locations[2].io.ofc, 0);        /* "off" wins, as in nginx */
    ZT_EQ_INT(c.http.open_file_cache_max, 1010); /* every cache nginx would have, summed */
    zc_config_free(&c);
}

ZT_TEST(io_open_file_cache_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"http { open_file_cache on; }",
         "main.conf:1: invalid \"open_file_cache\" parameter \"on\""},
        {"http { open_file_cache max=0; }",
         "main.conf:1: invalid \"open_file_cache\" parameter \"max=0\""},
        {"http { open_file_cache max=x; }",
         "main.conf:1: invalid \"open_file_cache\" parameter \"max=x\""},
        {"http { open_file_cache max=10 inactive=500ms; }",
         "main.conf:1: invalid \"open_file_cache\" parameter \"inactive=500ms\""},
        {"http { open_file_cache max=10 foo=1; }",
         "main.conf:1: invalid \"open_file_cache\" parameter \"foo=1\""},
        {"http { open_file_cache inactive=20s; }",
         "main.conf:1: \"open_file_cache\" must have the \"max\" parameter"},
        {"http { open_file_cache max=1 max=2 inactive=1 off; }",
         "main.conf:1: invalid number of arguments in \"open_file_cache\" directive"},
        {"http { open_file_cache off; open_file_cache off; }",
         "main.conf:1: \"open_file_cache\" directive is duplicate"},
        {"http { open_file_cache_valid x; }",
         "main.conf:1: invalid value \"x\" in \"open_file_cache_valid\" directive"},
        {"http { open_file_cache_valid 1500ms; }",
         "main.conf:1: invalid value \"1500ms\" in \"open_file_cache_valid\" directive"},
        {"http { open_file_cache_min_uses -1; }",
         "main.conf:1: invalid value \"-1\" in \"open_file_cache_min_uses\" directive"},
        {"http { open_file_cache_errors yes; }",
         "main.conf:1: invalid value \"yes\" in \"open_file_cache_errors\" directive, it must be "
         "\"on\" or \"off\""},
        {"open_file_cache off;", "main.conf:1: \"open_file_cache\" directive is not allowed here"},
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
