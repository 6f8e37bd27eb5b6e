/* SPDX-License-Identifier: MIT */
/* Helpers of the conf unit tests: a temporary directory per test process (removed at exit),
 * files written into it, and configs loaded from it. */
#ifndef TCONF_H
#define TCONF_H

#include <stddef.h>

#include "conf/config.h"

/* The test's temporary directory (created on first use, removed at exit). */
const char *tc_dir(void);

/* Writes `text` to DIR/rel (creating parent directories); 0 or -1. */
int tc_write(const char *rel, const char *text);

/* DIR/rel in one of a few rotating static buffers. */
const char *tc_path(const char *rel);

/* Writes `text` to DIR/main.conf and loads it (prefix NULL). Returns the zc_config_load result;
 * on success *c must be freed by the caller. */
int tc_load(zc_config_t *c, const char *text, char *err, size_t errlen);

/* Loads `text` (as tc_load) and expects success: on failure records a test failure naming the
 * message and returns -1 (the test then returns). */
int tc_ok(zc_config_t *c, const char *text);

/* Loads `text` (as tc_load) expecting failure; returns the message, or "(loaded)" when it
 * loaded. Static buffer. */
const char *tc_fail(const char *text);

/* "zokiod: DIR/" followed by the printf-formatted rest. Static buffer. */
const char *tc_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wraps server-level text: "http { server { listen 8080; TEXT } }" on one line. */
#define TC_SERVER(text) "http {\nserver {\nlisten 8080;\n" text "}\n}\n"

#endif
