/* SPDX-License-Identifier: MIT */
/* zokiod conf: directives zokiod accepts although they change nothing in it, so that an nginx
 * configuration loads. Each one takes exactly the values nginx takes (a bad one is an error
 * naming FILE:LINE) and leaves a note (zc_note_t) saying why it has no effect:
 *
 *   types_hash_*, server_names_hash_*, variables_hash_*   debug: zokiod's tables grow as needed
 *   pcre_jit                                              debug: regexes are JIT-compiled
 *                                                         whenever PCRE2 can, as `pcre_jit on`
 *   client_body_temp_path, proxy_/fastcgi_/uwsgi_/scgi_temp_path
 *                                                         debug: nothing is buffered to disk
 *   load_module                                           warn: nginx modules cannot be loaded
 *   gzip and gzip_*                                       one warn per configuration, at the first
 *                                                         `gzip on`: responses go uncompressed
 *   aio threads | threads=default | off                   debug: zokiod's file lookups always
 *                                                         run off its loop, on its thread pool
 *                                                         (`aio on`, file AIO, is refused as
 *                                                         Debian's nginx refuses it)
 *
 * (ssl_protocols, ssl_prefer_server_ciphers and the other TLS settings are implemented in ssl.c.)
 */
#include <limits.h>
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

/* --- hash sizes ------------------------------------------------------------------------------ */

/* `NAME_hash_max_size N` and `NAME_hash_bucket_size N`: nginx's fixed-size hash tables. nginx
 * fails to build the types and variables tables (which are never empty) with a size of 0 or a
 * bucket of 65,473 bytes or more (rounded up to its 64-byte cache line). */
static int h_hash(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    const char *name = d->name;
    size_t base = (size_t)(strstr(name, "_hash_") - name); /* "types", "variables", ... */
    int bucket = strstr(name, "_bucket_size") != NULL;
    uint64_t n;

    (void)sc;
    if (zc_parse_uint(d->args[0], INT_MAX, &n) < 0) return zc_invalid(ld, d, d->args[0]);
    if (strncmp(name, "server_names", base) != 0) {
        uint64_t aligned = (n + 63) & ~(uint64_t)63;
        if (n == 0)
            return zc_err(ld, d, "could not build %.*s_hash, you should increase %s: 0", (int)base,
                          name, name);
        if (bucket && aligned > 65536 - 64)
            return zc_err(ld, d, "could not build %.*s_hash, too large %s: %llu", (int)base, name,
                          name, (unsigned long long)aligned);
    }
    return zc_note(ld, d, "debug", "\"%s\" has no effect in zokiod (its tables grow as needed)",
                   name);
}

/* --- main context ---------------------------------------------------------------------------- */

static int h_pcre_jit(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    int on;

    (void)sc;
    if (zc_flag(ld, d, &on) < 0) return -1;
    return zc_note(
        ld, d, "debug",
        "\"pcre_jit\" has no effect in zokiod: regexes are JIT-compiled whenever PCRE2 can");
}

/* nginx loads the shared object; zokiod cannot, and the module's directives stay unknown */
static int h_load_module(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)sc;
    if (d->args[0][0] == '\0') return zc_invalid(ld, d, d->args[0]);
    return zc_note(ld, d, "warn",
                   "load_module \"%s\" ignored: zokiod cannot load nginx modules (their "
                   "directives are unknown to it)",
                   d->args[0]);
}

/* --- temporary files ------------------------------------------------------------------------- */

/* `NAME_temp_path PATH [LEVEL1 [LEVEL2 [LEVEL3]]]`: each level a positive number of characters,
 * and the levels (each with its '/') at most 10 characters beyond their count, as nginx checks */
static int h_temp_path(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t sum = 0, level;

    (void)sc;
    for (size_t i = 1; i < d->nargs; i++) {
        if (zc_parse_uint(d->args[i], INT_MAX, &level) < 0 || level == 0)
            return zc_invalid(ld, d, d->args[i]);
        sum += level + 1;
        if (sum > 10 + i) return zc_invalid(ld, d, d->args[i]);
    }
    if (strcmp(d->name, "client_body_temp_path") == 0)
        return zc_note(ld, d, "debug",
                       "\"client_body_temp_path\" has no effect: zokiod writes no request body to "
                       "disk (bodies are read and discarded)");
    return zc_note(ld, d, "debug", "\"%s\" has no effect: zokiod proxies to no backend", d->name);
}

/* --- gzip ------------------------------------------------------------------------------------ */

/* one warning per configuration, at the first `gzip on` */
static int gzip_noted(zc_load_t *ld, const zc_node_t *d)
{
    if (ld->gzip_noted) return 0;
    ld->gzip_noted = 1;
    return zc_note(ld, d, "warn",
                   "gzip is not supported by zokiod yet: responses are sent uncompressed");
}

static int h_gzip(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    int on;

    (void)sc;
    if (zc_flag(ld, d, &on) < 0) return -1;
    return on ? gzip_noted(ld, d) : 0;
}

static int h_gzip_flag(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    int on;

    (void)sc;
    return zc_flag(ld, d, &on);
}

static int h_gzip_proxied(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    static const char *const values[] = {"off",      "expired", "no-cache",
                                         "no-store", "private", "no_last_modified",
                                         "no_etag",  "auth",    "any"};
    (void)sc;
    for (size_t i = 0; i < d->nargs; i++) {
        size_t j = 0;
        while (j < sizeof(values) / sizeof(values[0]) && strcmp(d->args[i], values[j]) != 0)
            j++;
        if (j == sizeof(values) / sizeof(values[0])) return zc_invalid(ld, d, d->args[i]);
    }
    return 0;
}

static int h_gzip_comp_level(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    (void)sc;
    if (zc_parse_uint(d->args[0], INT_MAX, &n) < 0) return zc_invalid(ld, d, d->args[0]);
    if (n < 1 || n > 9) return zc_err(ld, d, "value \"%s\" must be between 1 and 9", d->args[0]);
    return 0;
}

/* `gzip_buffers NUMBER SIZE` */
static int h_gzip_buffers(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n, size;

    (void)sc;
    if (zc_parse_uint(d->args[0], INT_MAX, &n) < 0 || n == 0) return zc_invalid(ld, d, d->args[0]);
    if (zc_parse_size(d->args[1], &size) < 0 || size == 0) return zc_invalid(ld, d, d->args[1]);
    return 0;
}

static int h_gzip_http_version(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)sc;
    if (strcmp(d->args[0], "1.0") != 0 && strcmp(d->args[0], "1.1") != 0)
        return zc_invalid(ld, d, d->args[0]);
    return 0;
}

static int h_gzip_min_length(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    (void)sc;
    if (zc_parse_size(d->args[0], &n) < 0) return zc_invalid(ld, d, d->args[0]);
    return 0;
}

/* gzip_types and gzip_disable: any words (nginx compiles gzip_disable's regular expressions with
 * PCRE; zokiod does not check them: gzip is off anyway) */
static int h_gzip_words(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)ld, (void)d, (void)sc;
    return 0;
}

/* --- aio ------------------------------------------------------------------------------------ */

/* `aio threads[=POOL] | on | off`: what nginx's `aio threads` asks for (files read on a thread
 * pool, the loop never waiting for the disk) zokiod always does, for its opens and stats too
 * (http/lookup.h); `aio off` cannot make it block again. No thread_pool directive: the one pool
 * is nginx's "default". */
static int h_aio(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    const char *v = d->args[0];

    (void)sc;
    if (strcmp(v, "on") == 0)
        return zc_err(ld, d,
                      "\"aio on\" is not supported by zokiod: its file lookups run on its "
                      "thread pool, as with \"aio threads\"");
    if (strncmp(v, "threads=", 8) == 0 && strcmp(v + 8, "default") != 0)
        return zc_err(ld, d, "unknown thread pool \"%s\"", v + 8);
    if (strcmp(v, "off") != 0 && strcmp(v, "threads") != 0 && strncmp(v, "threads=", 8) != 0)
        return zc_err(ld, d, "\"aio\" directive invalid value");
    return zc_note(ld, d, "debug",
                   "\"aio %s\" changes nothing: zokiod always opens, stats and reads files off "
                   "its loop, on its thread pool",
                   v);
}

const zc_spec_t zc_accepted_specs[] = {
    {"aio", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_aio},
    {"types_hash_max_size", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_hash},
    {"types_hash_bucket_size", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_hash},
    {"server_names_hash_max_size", ZC_CTX_HTTP, ZC_ONCE, 1, 1, h_hash},
    {"server_names_hash_bucket_size", ZC_CTX_HTTP, ZC_ONCE, 1, 1, h_hash},
    {"variables_hash_max_size", ZC_CTX_HTTP, ZC_ONCE, 1, 1, h_hash},
    {"variables_hash_bucket_size", ZC_CTX_HTTP, ZC_ONCE, 1, 1, h_hash},
    {"pcre_jit", ZC_CTX_MAIN, ZC_ONCE, 1, 1, h_pcre_jit},
    {"load_module", ZC_CTX_MAIN, 0, 1, 1, h_load_module},
    {"client_body_temp_path", ZC_ANY_HTTP, ZC_ONCE, 1, 4, h_temp_path},
    {"proxy_temp_path", ZC_ANY_HTTP, ZC_ONCE, 1, 4, h_temp_path},
    {"fastcgi_temp_path", ZC_ANY_HTTP, ZC_ONCE, 1, 4, h_temp_path},
    {"uwsgi_temp_path", ZC_ANY_HTTP, ZC_ONCE, 1, 4, h_temp_path},
    {"scgi_temp_path", ZC_ANY_HTTP, ZC_ONCE, 1, 4, h_temp_path},
    {"gzip", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_gzip},
    {"gzip_vary", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_gzip_flag},
    {"gzip_proxied", ZC_ANY_HTTP, 0, 1, ZC_MANY, h_gzip_proxied},
    {"gzip_comp_level", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_gzip_comp_level},
    {"gzip_buffers", ZC_ANY_HTTP, ZC_ONCE, 2, 2, h_gzip_buffers},
    {"gzip_http_version", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_gzip_http_version},
    {"gzip_types", ZC_ANY_HTTP, 0, 1, ZC_MANY, h_gzip_words},
    {"gzip_min_length", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_gzip_min_length},
    {"gzip_disable", ZC_ANY_HTTP, 0, 1, ZC_MANY, h_gzip_words},
    {NULL, 0, 0, 0, 0, NULL},
};
