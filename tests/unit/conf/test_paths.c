/* SPDX-License-Identifier: MIT */
/* How paths become URLs and files (conf/paths.c): absolute_redirect, port_in_redirect,
 * server_name_in_redirect, merge_slashes, disable_symlinks, autoindex_exact_size,
 * autoindex_localtime, autoindex_format, in http, server and location, inherited down. */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>

#include "conf/config.h"
#include "tests/unit/conf/tconf.h"

ZT_TEST(paths_defaults)
{
    zc_config_t c;

    if (tc_ok(&c, TC_SERVER("location / { }\n")) < 0) return;
    const zc_paths_t *s = &c.http.servers[0].paths, *l = &c.http.servers[0].locations[0].paths;
    ZT_EQ_INT(s->absolute_redirect, 1);
    ZT_EQ_INT(s->port_in_redirect, 1);
    ZT_EQ_INT(s->server_name_in_redirect, 0);
    ZT_EQ_INT(s->merge_slashes, 1);
    ZT_EQ_INT(s->symlinks, ZC_SYMLINKS_OFF);
    ZT_CHECK(s->symlinks_from == NULL);
    ZT_EQ_INT(s->ai_exact_size, 1);
    ZT_EQ_INT(s->ai_localtime, 0);
    ZT_EQ_INT(s->ai_format, ZC_AUTOINDEX_HTML);
    ZT_CHECK(memcmp(s, l, sizeof(*s)) == 0);
    zc_config_free(&c);
}

ZT_TEST(paths_inheritance)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n"
                  "  absolute_redirect off;\n  merge_slashes off;\n"
                  "  disable_symlinks if_not_owner from=/srv;\n  autoindex_format json;\n"
                  "  server {\n    listen 8080;\n    port_in_redirect off;\n"
                  "    location /a { absolute_redirect on; disable_symlinks on; }\n"
                  "    location /b { autoindex_format jsonp; autoindex_exact_size off;\n"
                  "      location /b/c { disable_symlinks on from=$document_root; } }\n"
                  "  }\n"
                  "  server {\n    listen 8081;\n    merge_slashes on;\n"
                  "    server_name_in_redirect on;\n    autoindex_localtime on;\n"
                  "    location / { disable_symlinks off; }\n  }\n"
                  "}\n") < 0)
        return;
    const zc_server_t *s0 = &c.http.servers[0], *s1 = &c.http.servers[1];
    ZT_EQ_INT(s0->paths.absolute_redirect, 0);
    ZT_EQ_INT(s0->paths.port_in_redirect, 0);
    ZT_EQ_INT(s0->paths.merge_slashes, 0);
    ZT_EQ_INT(s0->paths.symlinks, ZC_SYMLINKS_IF_NOT_OWNER);
    ZT_EQ_STR(s0->paths.symlinks_from, "/srv");
    const zc_paths_t *a = &s0->locations[0].paths, *b = &s0->locations[1].paths;
    const zc_paths_t *bc = &s0->locations[1].locations[0].paths;
    ZT_EQ_INT(a->absolute_redirect, 1);
    ZT_EQ_INT(a->port_in_redirect, 0);
    ZT_EQ_INT(a->symlinks, ZC_SYMLINKS_ON);
    ZT_CHECK(a->symlinks_from == NULL); /* the policy and its from= go down together */
    ZT_EQ_INT(a->ai_format, ZC_AUTOINDEX_JSON);
    ZT_EQ_INT(b->ai_format, ZC_AUTOINDEX_JSONP);
    ZT_EQ_INT(b->ai_exact_size, 0);
    ZT_EQ_STR(b->symlinks_from, "/srv");
    ZT_EQ_INT(bc->symlinks, ZC_SYMLINKS_ON);
    ZT_EQ_STR(bc->symlinks_from, ""); /* $document_root */
    ZT_EQ_INT(bc->ai_format, ZC_AUTOINDEX_JSONP);
    ZT_EQ_INT(s1->paths.merge_slashes, 1);
    ZT_EQ_INT(s1->paths.absolute_redirect, 0);
    ZT_EQ_INT(s1->paths.server_name_in_redirect, 1);
    ZT_EQ_INT(s1->paths.ai_localtime, 1);
    ZT_EQ_INT(s1->locations[0].paths.symlinks, ZC_SYMLINKS_OFF);
    ZT_EQ_INT(s1->locations[0].paths.server_name_in_redirect, 1);
    zc_config_free(&c);
}
