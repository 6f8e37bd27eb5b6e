/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the configuration loader. The input is written to one temporary file
 * (made once per process in its own directory, removed at exit) and loaded with that directory
 * as the prefix; a success is freed again, so LeakSanitizer sees every leak. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "tests/fuzz/fuzz.h"

static char dir[64], path[96];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/zokio-fuzz-conf.XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz/conf: mkdtemp");
        abort();
    }
    snprintf(path, sizeof path, "%s/zokiod.conf", dir);
    atexit(cleanup);
}

static void write_all(const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz/conf: open");
        abort();
    }
    while (size) {
        ssize_t n = write(fd, data, size);
        if (n <= 0) {
            perror("fuzz/conf: write");
            abort();
        }
        data += n;
        size -= (size_t)n;
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) setup();
    write_all(data, size);
    zc_config_t cfg;
    char err[512];
    memset(&cfg, 0, sizeof cfg);
    err[0] = '\0';
    int rc = zc_config_load(&cfg, path, dir, err, sizeof err);
    if (rc != 0 && (rc != -1 || !err[0] || !memchr(err, '\0', sizeof err))) {
        fprintf(stderr, "fuzz/conf: zc_config_load returned %d with message \"%.*s\"\n", rc,
                (int)sizeof err, err);
        abort();
    }
    zc_config_free(&cfg);
    zc_config_free(&cfg); /* documented as harmless */
    return 0;
}
