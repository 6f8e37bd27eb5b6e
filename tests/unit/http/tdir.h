/* SPDX-License-Identifier: MIT */
/* Helper of the http unit tests that work on real files: a temporary directory per test child. */
#ifndef TDIR_H
#define TDIR_H

#include <stddef.h>

/* Creates $TMPDIR/zokiod-NAME.XXXXXX (/tmp without TMPDIR) into dir[len]: 0 or -errno. */
int td_make(char *dir, size_t len, const char *name);

/* Removes the tree at dir (links not followed); nothing when dir is empty. */
void td_remove(const char *dir);

#endif
