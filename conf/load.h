/* SPDX-License-Identifier: MIT */
/* zokiod conf: internals shared by the schema files (config.c: main, events, http, types;
 * server.c: server, location and the settings they share; listen.c: listen, server_name and the
 * checks across servers). Not a public header. */
#ifndef ZC_LOAD_H
#define ZC_LOAD_H

#include "conf/config.h"
#include "conf/parse.h"

/* Blocks a directive may appear in. */
enum {
    ZC_CTX_MAIN = 1u << 0,
    ZC_CTX_EVENTS = 1u << 1,
    ZC_CTX_HTTP = 1u << 2,
    ZC_CTX_SERVER = 1u << 3,
    ZC_CTX_LOCATION = 1u << 4,
};

/* A "$name" a value refers to: resolved once http {} has been read (a regex group, one of
 * nginx's variables, a `set` one), else an error. */
typedef struct zc_pending_name {
    const zc_node_t *d; /* the directive, for the message */
    const char *name;
    zc_tpl_part_t *part; /* where its reference is */
} zc_pending_name_t;

/* The state of one zc_config_load call. */
typedef struct zc_load {
    zc_config_t *cfg;
    zc_arena_t *arena; /* &cfg->arena */
    char *err;
    size_t errlen;
    zc_server_t http_level;   /* root, index, add_header... written in http {}: servers inherit */
    zc_pending_name_t *names; /* named groups used by root/alias templates (tpl.c) */
    size_t nnames, capnames;
    size_t notes_cap;
    int gzip_noted;     /* the one note about gzip was given */
    int user_seen;      /* a user directive was read (even one ignored because we are not root) */
    int error_log_seen; /* the main context's error_log was read (one per process) */
    const zc_node_t *affinity; /* the worker_cpu_affinity directive, for the check at the end */
} zc_load_t;

/* Where the directive being handled sits: srv is the server (or &http_level inside http {}),
 * loc the location or NULL. */
typedef struct zc_scope {
    unsigned ctx; /* one ZC_CTX_* */
    zc_server_t *srv;
    zc_location_t *loc;
} zc_scope_t;

typedef int (*zc_handler_fn)(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);

/* One row of the schema: a directive, the blocks it may appear in, its shape and its handler. */
#define ZC_ONCE     1u /* a second one in the same block is an error */
#define ZC_BLOCK    2u /* takes a { } block instead of ';' */
#define ZC_MANY     (-1)
#define ZC_ANY_HTTP (ZC_CTX_HTTP | ZC_CTX_SERVER | ZC_CTX_LOCATION)

typedef struct zc_spec {
    const char *name;
    unsigned ctx, flags;
    int min, max; /* argument counts (max ZC_MANY: no limit) */
    zc_handler_fn fn;
} zc_spec_t;

/* The schema tables besides config.c's own (each ends with a row whose name is NULL):
 * process.c (user, worker_rlimit_nofile, worker_cpu_affinity: what the workers are), io.c
 * (sendfile, sendfile_max_chunk, tcp_nopush, tcp_nodelay, reset_timedout_connection), serve.c
 * (expires, etag, if_modified_since, charset, charset_types, log_not_found), limits.c
 * (keepalive_*, the client_* timeouts and sizes, send_timeout, server_tokens...), accepted.c
 * (directives accepted with a note: hash sizes, gzip, temp paths...). */
extern const zc_spec_t zc_process_specs[], zc_io_specs[], zc_serve_specs[], zc_limits_specs[],
    zc_accepted_specs[];
/* paths.c: absolute_redirect, port_in_redirect, server_name_in_redirect, merge_slashes,
 * disable_symlinks, autoindex_exact_size, autoindex_localtime, autoindex_format (zc_paths_t) */
extern const zc_spec_t zc_paths_specs[];

/* io.c: zc_io_t while loading: every field unset, then taken from the enclosing level where
 * still unset, then nginx's default where still unset. */
void zc_io_unset(zc_io_t *io);
void zc_io_inherit(zc_io_t *io, const zc_io_t *from);
void zc_io_defaults(zc_io_t *io);

/* limits.c: zc_limits_t while loading, as zc_io_t. */
void zc_limits_unset(zc_limits_t *l);
void zc_limits_inherit(zc_limits_t *l, const zc_limits_t *from);
void zc_limits_defaults(zc_limits_t *l);

/* server.c: a level without access_log lines takes its enclosing level's. */
void zc_logs_inherit(zc_logs_t *l, const zc_logs_t *from);
/* error_log lines: a level without its own takes `from`'s (nginx) */
void zc_elogs_inherit(zc_elogs_t *l, const zc_elogs_t *from);

/* config.c: a level without a types block (or default_type) takes its enclosing level's. */
void zc_mime_inherit(zc_mime_t *m, const zc_mime_t *from);
/* serve.c: zc_serve_t (expires, etag, if_modified_since, charset, charset_types,
 * log_not_found) the same way. */
void zc_serve_unset(zc_serve_t *sv);
void zc_serve_inherit(zc_serve_t *sv, const zc_serve_t *from);
void zc_serve_defaults(zc_serve_t *sv);
/* paths.c: zc_paths_t as zc_io_t (unset, inherit, defaults). */
void zc_paths_unset(zc_paths_t *p);
void zc_paths_inherit(zc_paths_t *p, const zc_paths_t *from);
void zc_paths_defaults(zc_paths_t *p);

/* process.c, after the main block: the default user when running as root, the number of
 * worker_cpu_affinity masks against the number of workers. */
int zc_process_finish(zc_load_t *ld);

/* Checks each child directive of `blk` against the schema (known, allowed in sc->ctx, block or
 * not, argument count, not duplicated) and runs its handler. */
int zc_run_block(zc_load_t *ld, const zc_node_t *blk, zc_scope_t *sc);

/* "zokiod: FILE:LINE: message" at directive d; returns -1. */
int zc_err(zc_load_t *ld, const zc_node_t *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "zokiod: out of memory"; returns -1. */
int zc_oom(zc_load_t *ld);

/* `invalid value "ARG" in "NAME" directive`; returns -1. */
int zc_invalid(zc_load_t *ld, const zc_node_t *d, const char *arg);

/* Refuses nginx variables in `arg` (except in `allowed`, a NULL-terminated list of names such
 * as "$host", or NULL): `variable "$x" in "NAME" directive is not supported by zokiod`. */
int zc_no_vars(zc_load_t *ld, const zc_node_t *d, const char *arg, const char *const *allowed);

/* Records a note (see zc_note_t) at directive d, or without a place when d is NULL. Returns 0, or
 * -1 when out of memory. level: "warn", "notice" or "debug". */
int zc_note(zc_load_t *ld, const zc_node_t *d, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parses on|off of d->args[0] into *out. */
int zc_flag(zc_load_t *ld, const zc_node_t *d, int *out);

/* Returns d->args[i] made absolute against the prefix, in the arena (NULL after an error). */
char *zc_prefix_path(zc_load_t *ld, const zc_node_t *d, size_t i);

/* Number of children of blk named `name`; with `args`, the sum of their argument counts. */
size_t zc_count(const zc_node_t *blk, const char *name, int args);

/* Allocates `n` zeroed elements of `size` (NULL when n is 0, or with *failed set to 1 when out
 * of memory). */
void *zc_calloc(zc_load_t *ld, size_t n, size_t size, int *failed);

/* server.c: handlers of server-level and shared directives; location.c: zc_h_location;
 * listen.c: zc_h_listen, zc_h_server_name and zc_servers_finish (the checks across servers after
 * http {}). */
int zc_h_server(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_location(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_listen(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_server_name(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_root(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_index(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_autoindex(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_add_header(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_error_page(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_return(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_access_log(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_ssl_cert(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_ssl_protocols(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
/* ssl.c: the other ssl_* directives; zc_ssl_unset() marks a new server's as not set,
 * zc_ssl_inherit() fills them from http {} or the defaults. */
int zc_h_ssl_ciphers(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_ssl_flag(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_ssl_time(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
void zc_ssl_unset(zc_server_t *s);
void zc_ssl_inherit(zc_server_t *s, const zc_server_t *h);

/* location.c: makes the settings of s's locations, nested ones too, effective (after s's own
 * are). */
void zc_locations_inherit(zc_server_t *s);

/* regex.c: compiles `pattern` (caseless: PCRE2_CASELESS) for directive d, JIT-compiled when
 * possible, and records it for zc_config_free(). NULL after an error naming FILE:LINE and PCRE2's
 * message (nginx's "pcre2_compile() failed: ... in \"RE\""), or more than ZC_REGEX_GROUPS
 * groups. */
zc_regex_t *zc_regex_compile(zc_load_t *ld, const zc_node_t *d, const char *pattern, int caseless);

/* 1 when the regex has a group named `name` (len bytes). */
int zc_regex_has_name(const zc_regex_t *r, const char *name, size_t len);

/* tpl.c: parses a root or alias value of directive d: NULL in *out when it has no '$', else its
 * parts, the first one text (a relative value is taken under `dir`). "$1".."$9" are captures;
 * "$name" / "${name}" named groups, checked by zc_tpl_check_names() once every regex is known. */
int zc_tpl_parse(zc_load_t *ld, const zc_node_t *d, const char *text, const char *dir,
                 zc_tpl_t **out);

/* After http {}: resolves every "$name" a value uses: a named group of some regex of the config,
 * else one of nginx's variables zokiod has, else a `set` variable; else `unknown "name"
 * variable` at its directive. */
int zc_tpl_check_names(zc_load_t *ld);

/* A value of directive d with variables (no path handling): always a template, a single text
 * part when it has no '$'. NULL after an error. */
zc_tpl_t *zc_tpl_value(zc_load_t *ld, const zc_node_t *d, const char *text);

/* vars.c: the rewrite module and try_files: set, rewrite, try_files, internal; return's
 * directive for the block (zc_rw_add()); and what a "$name" is (zc_var_resolve()). */
int zc_h_set(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_rewrite(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_try_files(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_internal(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
int zc_h_break(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
zc_rw_t *zc_rw_add(zc_load_t *ld, zc_scope_t *sc);
/* 0 with *part's kind and reference set for nginx variable `name`, -1 when zokiod has none of
 * that name (*why then says whether it is a header zokiod does not keep) */
int zc_var_resolve(zc_load_t *ld, const char *name, zc_tpl_part_t *part, int *unsupported);

/* Frees the compiled code of every regex of c (the structs are in its arena). */
void zc_regexes_free(zc_config_t *c);

/* zc_config_load with an allocation budget for tests: the budget-th arena allocation and all
 * later ones fail (<0: no limit). */
int zc_config_load_budget(zc_config_t *out, const char *file, const zc_load_opts_t *opts, char *err,
                          size_t errlen, long budget);

/* Sets up the arrays of a server (or of http_level) for the directives of block `blk`. */
int zc_server_prepare(zc_load_t *ld, zc_server_t *s, const zc_node_t *blk);

/* After http {}: applies inheritance, default listens and names, per-address listen flags, and
 * checks conflicting names, duplicate default servers and ssl certificates. */
int zc_servers_finish(zc_load_t *ld);

#endif
