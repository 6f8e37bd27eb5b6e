/* SPDX-License-Identifier: MIT */
/* zokiod conf: the names of nginx 1.22's directives, so that a config using one zokiod does not
 * implement says `"X" directive is not supported by zokiod` where a name nginx does not know
 * either says `unknown directive "X"`. */
#ifndef ZC_NGINX_NAMES_H
#define ZC_NGINX_NAMES_H

#include <stddef.h>

/* Returns 1 when `name` is a directive of nginx 1.22 (of any of its own modules), else 0. The
 * list holds zokiod's directives too: callers look those up first. */
int zc_nginx_unsupported(const char *name);

/* The whole list, sorted (strcmp order), in *list; returns its length. For tests. */
size_t zc_nginx_names(const char *const **list);

#endif
