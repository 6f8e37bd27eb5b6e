/* SPDX-License-Identifier: MIT */
/* zokiod conf: names of nginx directives that zokiod does not implement, so that a config using
 * one says "not supported by zokiod" instead of "unknown directive". */
#ifndef ZC_NGINX_NAMES_H
#define ZC_NGINX_NAMES_H

/* Returns 1 when `name` is an nginx directive (of the usual modules) that zokiod does not
 * implement, else 0. Directives zokiod implements are not in the list. */
int zc_nginx_unsupported(const char *name);

#endif
