/* SPDX-License-Identifier: MIT */
/* The sample configs under tests/conf/ load (run from the repository root). */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"

/* Loads tests/conf/NAME into *c; returns 1 when loaded, 0 when skipped or failed (recorded). */
static int load_sample(zc_config_t *c, const char *name)
{
    char path[600], cwd[512], err[512];

    if (getcwd(cwd, sizeof(cwd)) == NULL) return 0;
    snprintf(path, sizeof(path), "%s/tests/conf/%s", cwd, name);
    if (access(path, R_OK) != 0) {
        zt_skip_msg("run from the repository root (no %s)", path);
        return 0;
    }
    if (zc_config_load(c, path, NULL, err, sizeof(err)) < 0) {
        zt_fail_at(__FILE__, __LINE__, "%s", err);
        return 0;
    }
    return 1;
}

ZT_TEST(sample_nginx_static)
{
    zc_config_t c;

    if (!load_sample(&c, "nginx-static.conf")) return;
    ZT_EQ_INT(c.worker_processes, 2);
    ZT_EQ_INT(c.http.nservers, 2);
    ZT_CHECK(c.http.ntypes > 50);
    ZT_EQ_STR(c.http.servers[1].names[1], "www.example.com");
    ZT_EQ_STR(c.http.servers[1].locations[0].prefix, "/404.html");
    ZT_EQ_INT(c.http.servers[1].locations[0].exact, 1);
    zc_config_free(&c);
}

ZT_TEST(sample_vhosts)
{
    zc_config_t c;

    if (!load_sample(&c, "vhosts.conf")) return;
    ZT_EQ_INT(c.http.nservers, 5);
    ZT_EQ_INT(c.http.servers[0].listens[0].default_server, 1);
    ZT_EQ_STR(c.http.servers[3].names[0], "*.wild.test");
    ZT_EQ_STR(c.http.servers[4].names[0], "www.prefix.*");
    ZT_EQ_STR(c.http.servers[0].headers[0].name, "X-Served-By");
    ZT_EQ_STR(c.http.servers[1].headers[0].value, "a");
    ZT_EQ_INT(c.http.servers[1].locations[0].autoindex, 1);
    ZT_EQ_STR(c.http.servers[1].locations[1].ret.text, "exact\n");
    ZT_EQ_INT(c.http.servers[1].locations[2].ret.code, 301);
    ZT_CHECK(c.http.servers[2].locations[0].alias != NULL);
    zc_config_free(&c);
}
