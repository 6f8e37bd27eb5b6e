/* SPDX-License-Identifier: MIT */
/* What the worker processes are (conf/process.c): user. */
#include "tests/unit/zt.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "tests/unit/conf/tconf.h"

/* the group nginx (and zokiod) picks for the default user nobody */
static const char *nobody_group(void) { return getgrnam("nobody") ? "nobody" : "nogroup"; }

ZT_TEST(process_user_as_root)
{
    zc_config_t c;
    const char *ng = nobody_group();
    struct group *gr = getgrnam(ng);
    char text[128];

    if (geteuid() != 0) {
        zt_skip_msg("not root: the user directive is ignored (see process_user_not_root)");
        return;
    }
    ZT_CHECK(getpwnam("nobody") != NULL && gr != NULL);
    snprintf(text, sizeof(text), "user nobody %s;\n", ng);
    if (tc_ok(&c, text) < 0) return;
    ZT_EQ_INT(c.has_user, 1);
    ZT_EQ_STR(c.user, "nobody");
    ZT_EQ_STR(c.group, ng);
    ZT_EQ_INT(c.uid, getpwnam("nobody")->pw_uid);
    ZT_EQ_INT(c.gid, gr->gr_gid);
    ZT_EQ_INT(c.nnotes, 0);
    zc_config_free(&c);
    /* one argument: the group of the same name, as nginx */
    if (tc_ok(&c, "user root;\n") < 0) return;
    ZT_EQ_INT(c.has_user, 1);
    ZT_EQ_INT(c.uid, 0);
    ZT_EQ_INT(c.gid, 0);
    ZT_EQ_STR(c.group, "root");
    zc_config_free(&c);
    /* none: nobody, with nginx's default group */
    if (tc_ok(&c, "events { }\n") < 0) return;
    ZT_EQ_INT(c.has_user, 1);
    ZT_EQ_STR(c.user, "nobody");
    ZT_EQ_STR(c.group, ng);
    ZT_EQ_INT(c.gid, gr->gr_gid);
    zc_config_free(&c);
}

ZT_TEST(process_user_errors)
{
    char want[512];

    if (geteuid() != 0) {
        zt_skip_msg("not root: the user directive is ignored");
        return;
    }
    ZT_EQ_STR(tc_fail("events { }\nuser zokiod-no-such-user;\n"),
              tc_msg("main.conf:2: getpwnam(\"zokiod-no-such-user\") failed"));
    ZT_EQ_STR(tc_fail("user nobody zokiod-no-such-group;\n"),
              tc_msg("main.conf:1: getgrnam(\"zokiod-no-such-group\") failed"));
    if (getgrnam("nobody") == NULL) /* Debian: `user nobody;` needs a group nobody (nginx too) */
        ZT_EQ_STR(tc_fail("user nobody;\n"), tc_msg("main.conf:1: getgrnam(\"nobody\") failed"));
    ZT_EQ_STR(tc_fail("user;\n"), tc_msg("main.conf:1: invalid number of arguments in \"user\" "
                                         "directive"));
    ZT_EQ_STR(tc_fail("user a b c;\n"), tc_msg("main.conf:1: invalid number of arguments in "
                                               "\"user\" directive"));
    ZT_EQ_STR(tc_fail("user root; user root;\n"),
              tc_msg("main.conf:1: \"user\" directive is duplicate"));
    ZT_EQ_STR(tc_fail("http { user root; }\n"),
              tc_msg("main.conf:1: \"user\" directive is not allowed here"));
    snprintf(want, sizeof(want), "%s",
             tc_msg("main.conf:1: \"user\" directive is not allowed here"));
    ZT_EQ_STR(tc_fail("events { user root; }\n"), want);
}

/* not root: ignored with nginx's warning, and no default user either */
ZT_TEST(process_user_not_root)
{
    zc_config_t c;
    char err[512], want[512];

    if (geteuid() == 0) { /* this test runs in its own child: become someone else for a while */
        ZT_EQ_INT(tc_write("main.conf", "user root;\nevents { }\n"), 0);
        ZT_EQ_INT(chmod(tc_dir(), 0755), 0);
        ZT_EQ_INT(chmod(tc_path("main.conf"), 0644), 0);
        ZT_EQ_INT(seteuid(getpwnam("nobody")->pw_uid), 0);
    } else {
        ZT_EQ_INT(tc_write("main.conf", "user root;\nevents { }\n"), 0);
    }
    int rc = zc_config_load(&c, tc_path("main.conf"), NULL, err, sizeof(err));
    if (getuid() == 0) ZT_EQ_INT(seteuid(0), 0);
    if (rc < 0) ZT_FAIL("load failed: %s", err);
    ZT_EQ_INT(c.has_user, 0);
    ZT_EQ_INT(c.nnotes, 1);
    ZT_EQ_STR(c.notes[0].level, "warn");
    snprintf(want, sizeof(want),
             "%s:1: the \"user\" directive makes sense only if the master process runs with "
             "super-user privileges, ignored",
             tc_path("main.conf"));
    ZT_EQ_STR(c.notes[0].text, want);
    zc_config_free(&c);
}
