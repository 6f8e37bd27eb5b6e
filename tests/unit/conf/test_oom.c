/* SPDX-License-Identifier: MIT */
/* Out of memory at every allocation is an error result, never a crash or a leak (run under ASan
 * with leak detection to see the latter). */
#include "tests/unit/zt.h"

#include <string.h>

#include "conf/load.h"
#include "tests/unit/conf/tconf.h"

ZT_TEST(oom_every_allocation)
{
    zc_config_t c;
    char err[512];
    long budget;

    ZT_EQ_INT(tc_write("mime.types", "types { text/html html; text/css css; image/png png; }\n"),
              0);
    ZT_EQ_INT(tc_write("cert.pem", "x"), 0);
    ZT_EQ_INT(tc_write("inc/a.conf", "server { listen 81; server_name .a.com; }\n"), 0);
    ZT_EQ_INT(tc_write("main.conf", "worker_processes 2; error_log logs/e.log info; pid z.pid;\n"
                                    "events { worker_connections 100; }\n"
                                    "http {\n include mime.types; include inc/*.conf;\n"
                                    " add_header X-A 1; error_page 404 /nf.html; root /r;\n"
                                    " ssl_certificate cert.pem; ssl_certificate_key cert.pem;\n"
                                    " server { listen 80; listen [::]:443 ssl; server_name b c;\n"
                                    "   index a.html b.html; access_log logs/b.log;\n"
                                    "   location / { add_header X-B 2; index i.html; }\n"
                                    "   location = /x { return 301 https://$host$request_uri; }\n"
                                    "   location /n/ { location ~ (?<a>x)$ { } }\n"
                                    "   location ~* \\.png$ { } location @f { } }\n"
                                    "}\n"),
              0);
    for (budget = 0; budget < 100000; budget++) {
        int rc = zc_config_load_budget(&c, tc_path("main.conf"), NULL, err, sizeof(err), budget);
        if (rc == 0) break;
        ZT_EQ_INT(rc, -1);
        if (strcmp(err, "zokiod: out of memory") != 0) ZT_FAIL("budget %ld: %s", budget, err);
        ZT_CHECK(c.arena.head == NULL && c.regexes == NULL);
    }
    ZT_CHECK(budget > 10);
    ZT_EQ_INT(c.http.nservers, 2);
    ZT_EQ_STR(c.http.servers[1].locations[1].ret.text, "https://$host$request_uri");
    ZT_CHECK(c.http.servers[1].locations[2].locations[0].regex != NULL);
    zc_config_free(&c);
}
