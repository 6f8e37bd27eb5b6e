/* SPDX-License-Identifier: MIT */
/* zokiod: one configuration generation: the parsed config turned into the HTTP layer's plain
 * structs (vhosts, locations, document-root fds, the MIME table) and the listening sockets.
 * A reload builds a new generation next to the running one; sockets of addresses both have are
 * shared (server/listens.c), so no connection is refused while the workers change over. */
#ifndef ZS_GEN_H
#define ZS_GEN_H

#include <stddef.h>

#include "conf/config.h"
#include "http/server.h"
#include "http/tls.h"
#include "runtime/loop.h"

typedef struct zs_listen {
    char text[80];             /* "0.0.0.0:8080" */
    struct zs_sock *sock;      /* borrowed from server/listens.c (its fd) */
    const zh_vhost_t **vhosts; /* the servers listening here, in file order */
    uint32_t nvhosts;
    const zh_vhost_t *dflt;
    uint8_t ssl;       /* listen ... ssl */
    zh_tls_ctx_t *tls; /* its TLS context (server/tls_conf.c), NULL when plain */
} zs_listen_t;

/* The access logs of a location (or a server level): what zh_location_t.access_log points at,
 * handed back to the worker's access-log hook, which writes one line to each. */
typedef struct zs_logset {
    size_t n;
    size_t idx[]; /* indexes in zs_gen_t.logs */
} zs_logset_t;

/* The error logs of a location (or a server level): what zh_location_t.error_log points at,
 * handed back to the worker's error-log hook, which writes a line to each whose level takes it. */
#define ZS_ELOG_STDERR ((size_t)-1) /* idx of `error_log stderr` */
typedef struct zs_elogset {
    size_t n;
    struct {
        size_t idx; /* in zs_gen_t.logs, or ZS_ELOG_STDERR */
        int level;  /* a zs_level_t: lines at or above it */
    } e[];
} zs_elogset_t;

/* One access or error log file of a generation (http, server and location levels), opened by
 * the master (as root, before the workers give it up, as nginx does) and inherited by the
 * workers, which write through it. */
typedef struct zs_gen_log {
    const char *path;
    int fd;         /* -1: the open failed (logged); the workers try the path themselves */
    uint8_t access; /* an access log: the workers write it through a zs_access_log_t */
    uint8_t error;  /* an error log: the workers write it with zs_log_to() */
} zs_gen_log_t;

typedef struct zs_gen {
    zc_config_t conf;
    zh_mime_t mime; /* http {}'s types */
    /* the types of servers and locations with types blocks of their own: extra_mimes[i] is
     * built from mime_keys[i] (their zc_mime_t.types) */
    zh_mime_t **extra_mimes;
    const zc_type_t **mime_keys;
    size_t nextra_mimes;
    zh_limits_t lim;
    zh_vhost_t *vhosts;
    size_t nvhosts;
    zs_listen_t *listens;
    size_t nlistens;
    int *fds; /* document-root / alias directory fds this generation opened */
    size_t nfds;
    zs_gen_log_t *logs; /* one per distinct access_log or error_log path */
    size_t nlogs, caplogs;
    /* the log sets of the locations, one per distinct zc_logs_t.paths (keys[i] is sets[i]'s) */
    zs_logset_t **logsets;
    char ***logset_keys;
    size_t nlogsets;
    /* the error log sets, one per distinct zc_elogs_t.v (elogset_keys[i] is elogsets[i]'s) */
    zs_elogset_t **elogsets;
    const zc_elog_t **elogset_keys;
    size_t nelogsets;
    gid_t *groups; /* conf.user's supplementary groups (with conf.has_user), for setgroups() */
    size_t ngroups;
    char **strs; /* NULL-terminated index lists and other allocations to free */
    size_t nstrs, capstrs;
    unsigned workers;      /* live workers of this generation (master bookkeeping) */
    zh_tls_cert_t **certs; /* per vhost: its certificate when it listens with ssl (tls_conf.c) */
    uint8_t *cert_owned;   /* per vhost: certs[i] was loaded for it (others share an earlier one) */
    int roots_unused;      /* while the server being built always returns: its roots are not
                            * used, a missing one is no warning */
} zs_gen_t;

/* Builds a generation from a loaded config (moved into g: do not free it yourself). Its
 * listening sockets come from server/listens.c: the one already open for an address (by any
 * generation still alive), or a new one. Returns 0, or -1 with a one-line message in err. */
int zs_gen_build(zs_gen_t *g, zc_config_t *conf, char *err, size_t errlen);

/* Checks what the config parser accepts but this zokiod cannot serve (certificates and keys that
 * do not load, server/tls_conf.c). Returns 0, or -1
 * with `zokiod: FILE:LINE: ...` in err. zs_gen_build() calls it; `zokiod -t` too. */
int zs_gen_check(const zc_config_t *conf, char *err, size_t errlen);

/* Sets o->backend (and o->backend_why) for a loop of this generation: ZOKIOD_BACKEND, when set,
 * beats the `backend` directive (zokiod refuses to start on a value zs_backend_env_check()
 * rejects). */
void zs_gen_loop_backend(const zs_gen_t *g, zk_loop_opts_t *o);
/* 0, or -1 with a message in err when ZOKIOD_BACKEND holds something other than
 * io_uring, epoll or auto. */
int zs_backend_env_check(char *err, size_t errlen);

/* USR1 in the master, before the workers reopen their logs: opens each access log path again
 * (a new file after logrotate renamed the old one) in place of the old fd, and hands it to
 * conf.user (with conf.has_user) so that a worker can open it again too. Failures are logged;
 * the old file then stays in use. */
void zs_gen_reopen_logs(zs_gen_t *g);

/* Frees g and lets go of its listening sockets (closed when no other generation uses them). */
void zs_gen_free(zs_gen_t *g);
/* Logs the config's notes (zc_note_t: directives accepted without effect...) at their levels
 * through zs_log(): to standard error or the -e file before the error log is open (start, -t),
 * to the error log on a reload. With `echo` (the -e file is not standard error), warnings are
 * also printed on standard error as "zokiod: [warn] ...", as nginx does at start. */
void zs_gen_log_notes(const zc_config_t *conf, int echo);
/* `zokiod -t`: warns on stderr about every document root this process cannot read (its
 * requests would answer 403 or 404). Returns the number of warnings. */
int zs_gen_warn_roots(const zc_config_t *conf);

#endif
