/* SPDX-License-Identifier: MIT */
/* Shared helpers of the server/ unit tests: a scratch directory and whole-file reads. */
#ifndef SRV_H
#define SRV_H

#include <stddef.h>

/** Creates a fresh directory under $TMPDIR (or /tmp) and returns its path, valid until the next
 *  call (a static buffer); NULL on failure. */
const char *srv_tmpdir(void);

/** Writes "dir/name" into buf (size cap) and returns buf. */
char *srv_path(char *buf, size_t cap, const char *dir, const char *name);

/** Reads the whole file into a NUL-terminated malloc'd string the caller frees; *len (if not NULL)
 *  gets its length. NULL when it cannot be read. */
char *srv_read(const char *path, size_t *len);

/** Waits up to `ms` milliseconds for the file to hold at least `min` bytes; returns its size
 *  (-1 when it does not exist). */
long srv_wait_size(const char *path, long min, int ms);

/** Removes the regular files in dir, then dir itself. */
void srv_rmtree(const char *dir);

/** Counts the '\n' bytes of s. */
size_t srv_count_lines(const char *s);

#endif
