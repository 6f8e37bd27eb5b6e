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
