/* SPDX-License-Identifier: MIT */
#include "tests/unit/server/srv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *srv_tmpdir(void)
{
    static char dir[256];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zokiod-srv.XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(dir);
}

char *srv_path(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
    return buf;
}

char *srv_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    while (s) {
        n += fread(s + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *t = realloc(s, cap * 2);
        if (!t) {
            free(s);
            s = NULL;
            break;
        }
        s = t;
        cap *= 2;
    }
    fclose(f);
    if (!s) return NULL;
    s[n] = 0;
    if (len) *len = n;
    return s;
}

long srv_wait_size(const char *path, long min, int ms)
{
    struct stat st;
    for (int waited = 0;; waited += 5) {
        long size = stat(path, &st) == 0 ? (long)st.st_size : -1;
        if (size >= min || waited >= ms) return size;
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    }
}

void srv_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(srv_path(p, sizeof p, dir, e->d_name));
    closedir(d);
    rmdir(dir);
}

size_t srv_count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}
