/* SPDX-License-Identifier: MIT */
#include "tests/unit/conf/tconf.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/zt.h"

static char dir[256];
static pid_t owner;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (dir[0] != '\0' && getpid() == owner) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tc_dir(void)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/zokiod-conf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            exit(1);
        }
        owner = getpid();
        atexit(cleanup);
    }
    return dir;
}

const char *tc_path(const char *rel)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof(bufs[0]), "%s/%s", tc_dir(), rel);
    return b;
}

int tc_write(const char *rel, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s", tc_path(rel));
    for (char *p = path + strlen(tc_dir()) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if ((f = fopen(path, "w")) == NULL) return -1;
    fputs(text, f);
    return fclose(f) == 0 ? 0 : -1;
}

int tc_load(zc_config_t *c, const char *text, char *err, size_t errlen)
{
    if (tc_write("main.conf", text) < 0) return -2;
    return zc_config_load(c, tc_path("main.conf"), NULL, err, errlen);
}

int tc_ok(zc_config_t *c, const char *text)
{
    char err[512];

    if (tc_load(c, text, err, sizeof(err)) == 0) return 0;
    zt_fail_at(__FILE__, __LINE__, "load failed: %s", err);
    return -1;
}

const char *tc_fail(const char *text)
{
    static char err[512];
    zc_config_t c;

    if (tc_load(&c, text, err, sizeof(err)) == 0) {
        zc_config_free(&c);
        return "(loaded)";
    }
    return err;
}

const char *tc_msg(const char *fmt, ...)
{
    static char buf[512];
    va_list ap;
    int n = snprintf(buf, sizeof(buf), "zokiod: %s/", tc_dir());

    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
    va_end(ap);
    return buf;
}
