/* SPDX-License-Identifier: MIT */
/* zokiod conf: the configuration file (nginx syntax) as plain data.
 *
 * zc_config_load() reads the main file, expands includes, checks every directive and fills a
 * zc_config_t. The result is plain structs and strings; server/ turns it into the HTTP layer's
 * own structs (http/ never sees this header). All of it lives until zc_config_free().
 *
 * Paths. `conf_file` and `conf_dir` are absolute (a relative FILE is taken against the current
 * directory; symlinks are not resolved). `include` and ssl_certificate(_key) paths are relative
 * to `conf_dir`. root, alias, pid, error_log and access_log paths are relative to `prefix`.
 * Every path in the result is absolute, except error_log "stderr".
 * The prefix is the `prefix` argument (made absolute) when given; otherwise the parent of
 * conf_dir when conf_dir's last component is "conf" (/srv/zokiod/conf/zokiod.conf -> /srv/zokiod),
 * else conf_dir itself.
 *
 * Inheritance is already applied, as nginx does it: a server holds its effective settings (its
 * own, else the ones written in http {}, else the defaults) and a location its effective root,
 * index, autoindex and headers (its own, else its server's). add_header and error_page inherit
 * only when the level has none of its own.
 *
 * Defaults (nginx's unless said): user nobody (group nobody, else nogroup) when running as
 * root, worker_processes 1, worker_connections 512, daemon off (nginx:
 * on), backend auto, error_log stderr error (nginx: logs/error.log), pid logs/zokiod.pid,
 * worker_shutdown_timeout 0 (unlimited), default_type text/plain, types {text/html html;
 * image/gif gif; image/jpeg jpg;} when http {} has none, access_log logs/access.log combined,
 * sendfile off, tcp_nopush off, tcp_nodelay on, sendfile_max_chunk 2m,
 * reset_timedout_connection off, open_file_cache on (nginx: off) with inactive=60s,
 * open_file_cache_valid 1s (nginx: 60s), open_file_cache_min_uses 1, open_file_cache_errors off,
 * keepalive_timeout 75s, keepalive_requests 1000,
 * client_header_timeout 60s, client_body_timeout 60s, send_timeout 60s, client_max_body_size 1m (0
 * = unlimited), large_client_header_buffers 4 8k, server_tokens on, root html, index index.html,
 * autoindex off, a server without listen listens on *:80 (0.0.0.0:80), a server without server_name
 * has the one name "". */
#ifndef ZC_CONFIG_H
#define ZC_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "conf/arena.h"
#include "conf/parse.h"

/* `listen [ADDR:]PORT | ADDR [default_server] [ssl] [reuseport] [backlog=N] [ipv6only=on|off]`.
 * ADDR: IPv4 dotted quad, `*` (0.0.0.0), `localhost` (127.0.0.1), or [IPv6] in brackets. */
typedef struct zc_listen {
    char addr[64]; /* numeric address without brackets: "0.0.0.0", "127.0.0.1", "::", "::1" */
    char text[80]; /* "ADDR:PORT" as messages print it: "0.0.0.0:80", "[::]:443" */
    int family;    /* AF_INET or AF_INET6 */
    uint16_t port; /* host order */
    struct sockaddr_storage sa; /* ready for bind(): sockaddr_in or sockaddr_in6 */
    socklen_t salen;
    /* ssl and reuseport are per address: when any server's listen on an ADDR:PORT has them, every
     * listen on that ADDR:PORT has them (nginx keeps one socket per ADDR:PORT too). */
    uint8_t default_server, ssl, reuseport;
    uint8_t ipv6only; /* IPV6_V6ONLY for AF_INET6 (default 1, as nginx) */
    int backlog;      /* listen(2) backlog; nginx's default 511 when not given */
    const char *file; /* where the listen directive is (in the config's memory) */
    int line;
} zc_listen_t;

/* `add_header NAME VALUE [always]` */
typedef struct zc_header {
    char *name, *value;
    uint8_t always; /* also on error responses (nginx: only 2xx/3xx without it) */
} zc_header_t;

/* `error_page CODE... [=RESPONSE] URI` */
typedef struct zc_error_page {
    int *codes; /* 300..599 */
    size_t ncodes;
    int response; /* `=RESPONSE`: the status to send instead; 0 = the original code */
    char *uri;    /* a local URI ("/50x.html") or an absolute URL (a 302 redirect, as nginx) */
} zc_error_page_t;

/* `return CODE [TEXT|URL]` or `return URL` (= 302). For 301, 302, 303, 307 and 308 the text is
 * the Location URL; else it is the response body. The only variables accepted in it are
 * $scheme, $host and $request_uri (expanded per request by http/static.c). */
typedef struct zc_return {
    int code;   /* 0 = no return directive; else 0..999 (444: close without a response) */
    char *text; /* NULL when not given */
} zc_return_t;

/* The I/O settings nginx takes in http, server and location, inherited down as root is. */
typedef struct zc_io {
    int sendfile;    /* file bodies with sendfile(2) (splice on io_uring); 0, nginx's default: read
                      * into a buffer, then written */
    int tcp_nopush;  /* TCP_CORK while a response whose body goes out with sendfile is sent, as
                      * nginx's tcp_nopush (no effect without sendfile); default 0 */
    int tcp_nodelay; /* TCP_NODELAY; default 1 */
    int reset_timedout;          /* reset_timedout_connection: a connection timed out while a
                                  * request was read or answered, or closed by `return 444`, is
                                  * closed with a RST; default 0 */
    uint64_t sendfile_max_chunk; /* most bytes one sendfile call moves, 0 = no limit; default 2m
                                  * (nginx 1.22's) */
    /* How zokiod's file cache treats the files: open_file_cache off | max=N [inactive=TIME],
     * open_file_cache_valid, open_file_cache_min_uses, open_file_cache_errors. Unlike nginx's
     * (off by default), zokiod's cache is on unless `off`. */
    int ofc;                 /* 1: cached, 0: `open_file_cache off` */
    uint32_t ofc_max;        /* max= of the directive in force (0: none, zokiod's cache) */
    uint64_t ofc_inactive_s; /* inactive= (default 60): unused this long, an entry is dropped */
    uint64_t ofc_valid_s;    /* open_file_cache_valid: default 1 (nginx: 60), 0: every use */
    uint64_t ofc_min_uses;   /* open_file_cache_min_uses: default 1 */
    int ofc_errors;          /* open_file_cache_errors: default 0 */
} zc_io_t;

/* `location [=|^~] PREFIX { ... }` (regex and named locations are refused; no nesting). */
typedef struct zc_location {
    char *prefix;
    uint8_t exact; /* `location = /x` */
    char *root;    /* effective root (own or the server's); NULL when alias is set */
    char *alias;   /* NULL unless `alias` */
    char **index;  /* effective index file names */
    size_t nindex;
    int autoindex;        /* effective: 0 off, 1 on */
    zc_header_t *headers; /* effective add_header list */
    size_t nheaders;
    zc_return_t ret;
    zc_io_t io; /* effective */
    const char *file;
    int line;
} zc_location_t;

typedef struct zc_server {
    zc_listen_t *listens; /* at least one */
    size_t nlistens;
    char **names; /* lowercased: "exact.com", "*.suffix.com", "prefix.*", "" ; at least one.
                   * ".example.com" is stored as "example.com" and "*.example.com". */
    size_t nnames;
    char *root;
    char **index;
    size_t nindex;
    int autoindex;
    zc_error_page_t *error_pages;
    size_t nerror_pages;
    zc_header_t *headers;
    size_t nheaders;
    zc_location_t *locations; /* in file order; the longest matching prefix wins */
    size_t nlocations;
    zc_return_t ret;                             /* server-level return */
    zc_io_t io;                                  /* effective */
    char *access_log;                            /* NULL = off; always combined format */
    char *ssl_certificate, *ssl_certificate_key; /* NULL when none; readable when checked */
    unsigned ssl_protocols; /* ZC_SSLv2 ... ZC_TLSv1_3 bits (default TLSv1.2 | TLSv1.3); no
                             * effect until zokiod has TLS */
    const char *file;
    int line;
} zc_server_t;

#define ZC_TLSv1_2 1u
#define ZC_TLSv1_3 2u
#define ZC_SSLv2   4u
#define ZC_SSLv3   8u
#define ZC_TLSv1   16u
#define ZC_TLSv1_1 32u

/* One `types {}` entry: a file name extension and its media type (`TYPE EXT...;` gives one
 * pair per EXT). */
typedef struct zc_type {
    char *ext;  /* lowercased; not empty, no '.' nor '/' */
    char *type; /* as written (quoted, it may hold spaces or ';'); contains a '/', no CR or LF */
} zc_type_t;

typedef struct zc_http {
    /* `types {}` blocks (usually from `include mime.types`) merged in order, one pair per
     * extension: an extension listed again keeps the later type, in the place of the first
     * (nginx does the same). Without any types block: nginx's three defaults. */
    zc_type_t *types;
    size_t ntypes;
    char *default_type;
    char *access_log;              /* http-level access_log (servers inherit it): NULL = off */
    int access_log_combined;       /* 1: the only format zokiod writes, nginx's "combined" */
    uint64_t keepalive_timeout_ms; /* 0 disables keep-alive */
    uint64_t keepalive_header_timeout_ms; /* 2nd keepalive_timeout value ("Keep-Alive: timeout=");
                                             0 = not sent */
    uint64_t client_header_timeout_ms, client_body_timeout_ms, send_timeout_ms;
    unsigned keepalive_requests;
    uint64_t client_max_body_size; /* 0 = no limit */
    unsigned large_header_buffers_num;
    uint64_t large_header_buffers_size;
    int server_tokens;
    /* the sum of the max= of the open_file_cache directives written (each is one of nginx's
     * caches; zokiod has one per worker, with room for them all); 0: none */
    uint32_t open_file_cache_max;
    zc_server_t *servers; /* in file order */
    size_t nservers;
} zc_http_t;

/* A set of CPUs for worker_cpu_affinity: bit i of bits[i / 64] is CPU i. */
#define ZC_CPUS 1024
typedef struct zc_cpuset {
    uint64_t bits[ZC_CPUS / 64];
} zc_cpuset_t;

/* A remark about the configuration that is not an error: a directive accepted although it changes
 * nothing in zokiod, or ignored the way nginx ignores it. server/ logs each one at its level when
 * the configuration is loaded (at start, at each reload and by `zokiod -t`). */
typedef struct zc_note {
    const char *level; /* "warn", "notice" or "debug" (nginx's level names) */
    char *text;        /* "FILE:LINE: message", or "message" when no line is at fault */
} zc_note_t;

typedef struct zc_config {
    /* `user USER [GROUP]` (GROUP defaults to USER, as nginx): the credentials the workers switch
     * to. Only when zokiod runs as root (else the directive is ignored with a warning, as nginx
     * does, and has_user stays 0); started as root without the directive: user nobody, group
     * nobody, or nogroup where no group is named nobody (Debian), as nginx's configure picks. */
    int has_user;
    char *user, *group;
    uid_t uid;
    gid_t gid;
    int worker_processes;          /* 0 = auto (one per CPU) */
    unsigned worker_rlimit_nofile; /* RLIMIT_NOFILE (soft and hard) of each worker; 0 = unset */
    /* `worker_cpu_affinity MASK...`: worker n runs on masks[n] (the last mask for the workers
     * beyond). `worker_cpu_affinity auto [MASK]` (cpu_affinity_auto): worker n is bound to the
     * n-th CPU (cycling) of those MASK (ncpu_masks 1) or every CPU (ncpu_masks 0) selects. */
    int cpu_affinity_auto;
    zc_cpuset_t *cpu_masks;
    size_t ncpu_masks;
    char *error_log;       /* absolute path, or "stderr" */
    char *error_log_level; /* debug info notice warn error crit alert emerg */
    char *pid;
    int daemon;
    unsigned worker_connections;
    char *backend; /* "auto", "io_uring" or "epoll" (ZOKIOD_BACKEND overrides it: server/'s job) */
    uint64_t worker_shutdown_timeout_ms; /* 0 = unlimited */
    char *conf_file, *conf_dir, *prefix;
    int has_http; /* an http {} block was there (else http holds defaults and no server) */
    zc_http_t http;
    zc_note_t *notes; /* in file order */
    size_t nnotes;
    zc_source_t *sources; /* every file read, once each, main file first (zokiod -T) */
    size_t nsources;
    zc_arena_t arena; /* private: owns everything above */
} zc_config_t;

/* Parses `file` (prefix may be NULL: see the top of this file) into *out. Returns 0, or -1 with
 * one line in `err` (NUL-terminated, truncated to errlen) such as
 *   zokiod: /etc/zokiod/zokiod.conf:12: unknown directive "roo"
 * or, for the main file itself, `zokiod: open() "FILE" failed (No such file or directory)`.
 * On failure *out holds nothing to free (zc_config_free on it is harmless). Out of memory is an
 * error result ("zokiod: out of memory"). Reentrant; no global state. */
int zc_config_load(zc_config_t *out, const char *file, const char *prefix, char *err,
                   size_t errlen);

/* What nginx's command line adds to the file (every field may be NULL). */
typedef struct zc_load_opts {
    const char *prefix;    /* -p: see the top of this file */
    const char *params;    /* -g: main-context directives, read before the file (as nginx does:
                            * one the file repeats is the file's "duplicate") */
    const char *error_log; /* -e: the error log when the file has no error_log (an absolute path
                            * or "stderr"); NULL: stderr */
} zc_load_opts_t;

/* zc_config_load with the command line's -p, -g and -e. */
int zc_config_load_opts(zc_config_t *out, const char *file, const zc_load_opts_t *opts, char *err,
                        size_t errlen);

/* Frees everything zc_config_load put in *c and zeroes it. Safe on a zeroed config and twice. */
void zc_config_free(zc_config_t *c);

#endif
