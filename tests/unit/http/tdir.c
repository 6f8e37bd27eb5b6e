/* SPDX-License-Identifier: MIT */
/* Helper of the http unit tests: a temporary directory per test child (see tdir.h). */
#include "tests/unit/http/tdir.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

int td_make(char *dir, size_t len, const char *name)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, len, "%s/zokiod-%s.XXXXXX", base && *base ? base : "/tmp", name);
    return mkdtemp(dir) ? 0 : -errno;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

void td_remove(const char *dir)
{
    if (dir[0]) nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
