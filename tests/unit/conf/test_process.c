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

    struct stat root;
    if (geteuid() == 0 && stat("/", &root) == 0 && !(root.st_mode & S_IXOTH)) {
        zt_skip_msg("\"/\" is not searchable by other users (a 0700 chroot): nobody could read "
                    "the config");
        return;
    }
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

ZT_TEST(process_rlimit_nofile)
{
    zc_config_t c;

    if (tc_ok(&c, "events { }\n") < 0) return;
    ZT_EQ_INT(c.worker_rlimit_nofile, 0);
    zc_config_free(&c);
    if (tc_ok(&c, "worker_rlimit_nofile 65536;\n") < 0) return;
    ZT_EQ_INT(c.worker_rlimit_nofile, 65536);
    zc_config_free(&c);
    ZT_EQ_STR(tc_fail("worker_rlimit_nofile 0;\n"),
              tc_msg("main.conf:1: invalid value \"0\" in \"worker_rlimit_nofile\" directive"));
    ZT_EQ_STR(tc_fail("worker_rlimit_nofile -1;\n"),
              tc_msg("main.conf:1: invalid value \"-1\" in \"worker_rlimit_nofile\" directive"));
    ZT_EQ_STR(tc_fail("worker_rlimit_nofile 1k;\n"),
              tc_msg("main.conf:1: invalid value \"1k\" in \"worker_rlimit_nofile\" directive"));
    ZT_EQ_STR(tc_fail("worker_rlimit_nofile 99999999999;\n"),
              tc_msg("main.conf:1: invalid value \"99999999999\" in \"worker_rlimit_nofile\" "
                     "directive"));
    ZT_EQ_STR(tc_fail("worker_rlimit_nofile 8; worker_rlimit_nofile 9;\n"),
              tc_msg("main.conf:1: \"worker_rlimit_nofile\" directive is duplicate"));
    ZT_EQ_STR(tc_fail("events { worker_rlimit_nofile 8; }\n"),
              tc_msg("main.conf:1: \"worker_rlimit_nofile\" directive is not allowed here"));
}

static int cpu_in(const zc_cpuset_t *m, int i) { return (int)(m->bits[i / 64] >> (i % 64) & 1); }

ZT_TEST(process_cpu_affinity)
{
    zc_config_t c;
    char text[1200];

    if (tc_ok(&c, "worker_processes 3;\nworker_cpu_affinity 0001 0010 1100;\n") < 0) return;
    ZT_EQ_INT(c.cpu_affinity_auto, 0);
    ZT_EQ_INT(c.ncpu_masks, 3);
    ZT_CHECK(cpu_in(&c.cpu_masks[0], 0) && !cpu_in(&c.cpu_masks[0], 1));
    ZT_CHECK(cpu_in(&c.cpu_masks[1], 1) && !cpu_in(&c.cpu_masks[1], 0));
    ZT_CHECK(cpu_in(&c.cpu_masks[2], 2) && cpu_in(&c.cpu_masks[2], 3) &&
             !cpu_in(&c.cpu_masks[2], 1));
    ZT_EQ_INT(c.nnotes, 0);
    zc_config_free(&c);
    if (tc_ok(&c, "worker_cpu_affinity auto;\n") < 0) return;
    ZT_EQ_INT(c.cpu_affinity_auto, 1);
    ZT_EQ_INT(c.ncpu_masks, 0);
    zc_config_free(&c);
    if (tc_ok(&c, "worker_cpu_affinity auto 1010;\n") < 0) return;
    ZT_EQ_INT(c.cpu_affinity_auto, 1);
    ZT_EQ_INT(c.ncpu_masks, 1);
    ZT_CHECK(cpu_in(&c.cpu_masks[0], 1) && cpu_in(&c.cpu_masks[0], 3) &&
             !cpu_in(&c.cpu_masks[0], 0));
    zc_config_free(&c);
    /* 1024 digits: CPU 1023 */
    memset(text, 0, sizeof(text));
    strcpy(text, "worker_cpu_affinity 1");
    memset(text + strlen(text), '0', 1023);
    strcat(text, ";\n");
    if (tc_ok(&c, text) < 0) return;
    ZT_CHECK(cpu_in(&c.cpu_masks[0], 1023) && !cpu_in(&c.cpu_masks[0], 0));
    zc_config_free(&c);
    /* as nginx: fewer (or more) masks than workers is a warning; the last mask serves the rest */
    if (tc_ok(&c, "worker_processes 2;\nworker_cpu_affinity 01;\n") < 0) return;
    ZT_EQ_INT(c.nnotes, 1);
    ZT_EQ_STR(c.notes[0].level, "warn");
    snprintf(text, sizeof(text),
             "%s:2: the number of \"worker_processes\" is not equal to the number of "
             "\"worker_cpu_affinity\" masks, using last mask for remaining worker processes",
             tc_path("main.conf"));
    ZT_EQ_STR(c.notes[0].text, text);
    zc_config_free(&c);
}

ZT_TEST(process_cpu_affinity_errors)
{
    char text[1200];

    ZT_EQ_STR(tc_fail("worker_cpu_affinity 0x1;\n"),
              tc_msg("main.conf:1: invalid character \"x\" in \"worker_cpu_affinity\""));
    ZT_EQ_STR(tc_fail("worker_cpu_affinity 01 auto;\n"),
              tc_msg("main.conf:1: invalid character \"o\" in \"worker_cpu_affinity\""));
    ZT_EQ_STR(tc_fail("worker_cpu_affinity auto x1;\n"),
              tc_msg("main.conf:1: invalid character \"x\" in \"worker_cpu_affinity\""));
    ZT_EQ_STR(tc_fail("worker_cpu_affinity auto 01 10;\n"),
              tc_msg("main.conf:1: invalid number of arguments in \"worker_cpu_affinity\" "
                     "directive"));
    ZT_EQ_STR(tc_fail("worker_cpu_affinity;\n"),
              tc_msg("main.conf:1: invalid number of arguments in \"worker_cpu_affinity\" "
                     "directive"));
    ZT_EQ_STR(tc_fail("worker_cpu_affinity auto; worker_cpu_affinity 1;\n"),
              tc_msg("main.conf:1: \"worker_cpu_affinity\" directive is duplicate"));
    memset(text, 0, sizeof(text));
    strcpy(text, "worker_cpu_affinity 1");
    memset(text + strlen(text), '0', 1024);
    strcat(text, ";\n");
    ZT_EQ_STR(tc_fail(text),
              tc_msg("main.conf:1: \"worker_cpu_affinity\" supports up to 1024 CPUs only"));
}
