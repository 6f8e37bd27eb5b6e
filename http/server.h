/* SPDX-License-Identifier: MIT */
/* zokiod http: the HTTP/1.1 server of one worker loop. server/ fills these plain structs (from the
 * config file or built-in defaults) and hands them over; http/ never sees the config parser. */
#ifndef ZH_SERVER_H
#define ZH_SERVER_H

#include <stdint.h>

#include "http/mime.h"
#include "http/regex.h"
#include "http/rewrite.h"
#include "http/tpl.h"
#include "runtime/loop.h"

/* How the file cache treats the files of a site (nginx's open_file_cache directives). */
typedef struct zh_fpolicy {
    uint8_t off;       /* open_file_cache off: a file is opened for each request, never kept */
    uint8_t errors;    /* open_file_cache_errors: a failed lookup is remembered `valid` too */
    uint32_t valid;    /* open_file_cache_valid: seconds an entry is used before it is checked
                        * again (0: at every use) */
    uint32_t min_uses; /* open_file_cache_min_uses: uses, each within `inactive` of the one
                        * before, before a file is kept (until then it is opened each time) */
    uint32_t inactive; /* open_file_cache inactive=: an entry unused for longer is dropped */
} zh_fpolicy_t;

/* nginx's disable_symlinks (http/beneath.h) */
enum { ZH_SYMLINKS_OFF, ZH_SYMLINKS_ON, ZH_SYMLINKS_IF_NOT_OWNER };

/* How a location turns paths into URLs and listings (nginx's directives of the same names). */
enum { ZH_AUTOINDEX_HTML, ZH_AUTOINDEX_XML, ZH_AUTOINDEX_JSON, ZH_AUTOINDEX_JSONP };
typedef struct zh_paths {
    uint8_t absolute_redirect;       /* a local redirect gets "scheme://host[:port]" before it */
    uint8_t port_in_redirect;        /* ... with the local port (unless 80 / 443) */
    uint8_t server_name_in_redirect; /* ... the server's first name instead of the request's */
    uint8_t merge_slashes;           /* read at the server level (zh_vhost_t.base) only */
    uint8_t ai_exact_size;           /* autoindex_exact_size: bytes, else K / M / G */
    uint8_t ai_localtime;            /* autoindex_localtime: HTML dates in local time */
    uint8_t ai_format;               /* autoindex_format: ZH_AUTOINDEX_* */
} zh_paths_t;

/* One document root. Everything here is owned by the caller and must outlive the server. */
typedef struct zh_site {
    int root_fd;               /* an O_PATH or O_RDONLY directory fd of the document root */
    const char *root_path;     /* its path, for error-log lines (may be NULL) */
    const zh_mime_t *mime;     /* extension -> type; may be NULL */
    const char *default_type;  /* for unknown extensions, e.g. "application/octet-stream" */
    const char *const *index;  /* NULL-terminated list of index file names, e.g. {"index.html"} */
    zh_fpolicy_t cache;        /* how the file cache keeps its files */
    uint8_t symlinks;          /* ZH_SYMLINKS_*: which links beneath root_fd are followed (never
                                * one out of the root) */
    uint8_t root_refused;      /* the root's own path has a link the policy refuses (from= not
                                * given, or above the root): every file is refused, as nginx's */
    const char *symlinks_skip; /* from= inside the root: its directory relative to the root
                                * ("a/b"), whose own links are followed; NULL: none */
} zh_site_t;

/* `add_header NAME VALUE [always]` */
typedef struct zh_header {
    const char *name, *value;
    uint8_t always;      /* also on 4xx/5xx responses */
    const zh_tpl_t *tpl; /* the value with variables (expanded per response); NULL: value */
} zh_header_t;

/* `error_page CODE URI`: an error response with `code` serves the local file `uri` instead
 * (with status `response`, or `code` when 0); an absolute URL redirects with 302; "@name": the
 * server's named location answers the request (zh_location_named()), with that status. */
typedef struct zh_error_page {
    int code, response;
    const char *uri;
    const zh_tpl_t *tpl; /* uri with variables, expanded per request; NULL: uri as it is */
} zh_error_page_t;

/* What nginx's headers, not_modified, charset and static modules add to an answer (the
 * directives expires, etag, if_modified_since, charset, charset_types, log_not_found). */
enum {
    ZH_EXPIRES_OFF,
    ZH_EXPIRES_ACCESS,
    ZH_EXPIRES_MODIFIED,
    ZH_EXPIRES_DAILY,
    ZH_EXPIRES_EPOCH,
    ZH_EXPIRES_MAX
};
enum { ZH_IMS_OFF, ZH_IMS_EXACT, ZH_IMS_BEFORE };

typedef struct zh_serve {
    uint8_t expires;       /* ZH_EXPIRES_*: Expires and Cache-Control on 200, 201, 204, 206,
                            * 301, 302, 303, 304, 307 and 308 answers */
    uint8_t etag;          /* files carry an ETag (and If-Match / If-None-Match / If-Range use
                            * it); 0: none, as nginx's `etag off` */
    uint8_t ims;           /* ZH_IMS_*: how If-Modified-Since is compared */
    uint8_t log_not_found; /* a missing file is logged at error level */
    int64_t expires_s;     /* ACCESS, MODIFIED: seconds (negative: past); DAILY: after midnight */
    const char *charset;   /* "; charset=NAME" on the types below; NULL: off */
    const char *const *charset_types; /* lower-case types, or the one "*" (any) */
    uint32_t ncharset_types;
} zh_serve_t;
/* The limits nginx takes per location (keepalive_timeout, keepalive_requests,
 * client_max_body_size, send_timeout, server_tokens): the answering location's apply. */
typedef struct zh_loc_limits {
    uint64_t keepalive_timeout;  /* ns idle after a response; 0: the connection closes after it */
    uint32_t keepalive_header;   /* s in "Keep-Alive: timeout=N"; 0: none */
    uint32_t keepalive_requests; /* requests per connection before Connection: close (0: the
                                  * first one closes, as nginx's keepalive_requests 0) */
    uint64_t max_body;           /* request body bytes, 413 beyond (UINT64_MAX: no limit) */
    uint64_t send_timeout;       /* ns without write progress */
    uint8_t server_tokens;       /* Server: hooks.server_tokens_on (1) or _off (0) */
    uint8_t set;                 /* filled (else the worker's zh_limits_t apply) */
} zh_loc_limits_t;

/* The limits of a request head (client_header_timeout, large_client_header_buffers): the default
 * server's of the listen address apply, as nginx's, until the Host line names another server
 * (max_line, max_head: http/conn.c's host_known()); also client_body_timeout (zokiod reads a
 * body before it routes the request). Over max_line or max_head: nginx's 494, sent as 400. */
typedef struct zh_head_limits {
    uint64_t header_timeout; /* ns for a whole head */
    uint64_t body_timeout;   /* ns between two reads of a body */
    uint32_t max_line;       /* bytes of the request line (414 beyond) or of a header line */
    uint32_t max_head;       /* bytes of the whole head */
} zh_head_limits_t;

#define ZH_ALIAS_WHOLE UINT32_MAX

/* A location (or the server level itself: prefix ""). Settings are effective (inherited from the
 * server and from enclosing locations, as nginx merges them). */
typedef struct zh_location {
    const char *prefix; /* the name: a path prefix, the regex as written, or "@name" */
    uint32_t prefix_len;
    uint8_t exact;           /* `location = /x` */
    uint8_t noregex;         /* `location ^~ /x`: the longest prefix here stops the regex search */
    uint8_t named;           /* `location @name`: reached only by internal redirects */
    uint8_t alias;           /* site.root_fd is an alias directory: alias_cut bytes of the path are
                              * replaced by it */
    uint8_t autoindex;       /* HTML listing of directories without an index file */
    uint32_t alias_cut;      /* the length of the name of the location `alias` was written in,
                              * ZH_ALIAS_WHOLE in a regex location (the alias is the whole path) */
    const pcre2_code *regex; /* `location ~ RE` / `location ~* RE` (compiled at load); else NULL */
    const struct zh_location *locations; /* nested locations, in file order */
    uint32_t nlocations;
    zh_site_t site; /* document root (or alias) fd, types, index files */
    /* a root or alias with captures (or an alias in a regex location): site.root_fd is the
     * directory its text names before the first capture, and this the rest ("/$sub" of
     * "/srv/$sub"), expanded per request and put before the path: files stay beneath root_fd */
    const zh_tpl_t *root_tpl;
    const zh_header_t *headers;
    uint32_t nheaders;
    int return_code;         /* `return CODE [TEXT|URL]`; 0 = none */
    const char *return_text; /* Location for 301/302/303/307/308, else the body; may be NULL */
    const zh_rw_t *rw;       /* its own `set`, `rewrite`, `return`, in file order (http/rewrite.h;
                              * `return` is there too); not inherited, as nginx */
    uint32_t nrw;
    const zh_try_t *try_files; /* its own `try_files`; NULL: none */
    const zh_tpl_t *index_tpl; /* per site.index name, its variables (no parts: the name as it
                                * is); NULL when no name has any */
    uint8_t internal;          /* `internal`: a direct request gets 404 */
    /* how responses of this location are written (nginx's directives of the same names) */
    uint8_t sendfile;       /* file bodies with sendfile; 0: read into a buffer, then written */
    uint8_t tcp_nopush;     /* TCP_CORK while a response with a sendfile body is being sent */
    uint8_t tcp_nodelay;    /* TCP_NODELAY while the connection answers requests of this location */
    uint8_t reset_timedout; /* a request here that times out (or `return 444`) ends with a
                             * RST instead of a FIN (reset_timedout_connection) */
    uint64_t sendfile_max_chunk; /* most bytes one sendfile op moves; 0: no limit of its own */
    zh_loc_limits_t lim;
    const struct zh_error_page *error_pages; /* effective (its own, else inherited) */
    uint32_t nerror_pages;
    void *access_log;      /* handed to zh_hooks_t.access_log for the requests it answers (the
                            * final location's, as nginx); NULL = no access log */
    const void *error_log; /* handed to zh_hooks_t.error_log with the lines about its requests
                            * (the location's error_log files); NULL = the main error log */
    zh_serve_t serve;      /* expires, etag, if_modified_since, charset, log_not_found */
    zh_paths_t paths;
} zh_location_t;

/* A virtual host: `server { }`. Names: "exact.com", "*.suffix.com", "prefix.*", "" (lower-case);
 * regexes: `server_name ~RE`, compiled at load, tried in file order after the names. */
typedef struct zh_vhost {
    const char *const *names;
    uint32_t nnames;
    const pcre2_code *const *regexes;
    uint32_t nregexes;
    zh_location_t base;             /* the server level (prefix "") */
    const zh_location_t *locations; /* in file order, named ones among them */
    uint32_t nlocations;
    zh_head_limits_t head; /* used when this is the default server of the listen address */
} zh_vhost_t;

/* What one request was, for the access log. Strings are not NUL-terminated. */
typedef struct zh_access_rec {
    const char *remote_addr; /* NUL-terminated */
    const char *request_line;
    size_t request_line_len;
    int status;
    uint64_t body_bytes;
    const char *referer, *user_agent; /* NULL when absent */
    size_t referer_len, user_agent_len;
} zh_access_rec_t;

typedef struct zh_hooks {
    /* called once per answered request when its location has an access_log (a request refused
     * before it was routed: its server's, else the default server's) */
    void (*access_log)(void *log, const zh_access_rec_t *rec);
    const char *server_header; /* "zokiod" or "zokiod/VERSION" (also what TLS errors say) */
    /* the Server header of a location with server_tokens on, and off; NULL: server_header */
    const char *server_tokens_on, *server_tokens_off;
    /* an error-level line about a request (a file that cannot be opened, ...), rate-limited:
     * `log` is the error_log of the request's location (NULL: the main error log, and for the
     * server's own trouble) */
    void (*error_log)(const void *log, const char *line);
    /* an info-level line (a failed TLS handshake), rate-limited, with the error_log of the
     * connection's server (zh_errlog_of(): the default one of the address during a handshake,
     * as nginx's connection log; NULL: the main one); may be NULL */
    void (*info_log)(const void *log, const char *line);
} zh_hooks_t;

typedef struct zh_limits {
    uint64_t max_body;           /* request body bytes (client_max_body_size), 413 beyond */
    uint32_t max_target;         /* request-target bytes, 414 beyond */
    uint32_t max_header_bytes;   /* the request line and header lines, nginx's 494 beyond */
    uint32_t max_line;           /* one header line, 494 beyond (0: no limit of its own) */
    uint32_t max_headers;        /* header fields, 431 beyond */
    uint32_t keepalive_requests; /* requests per connection before Connection: close */
    uint32_t max_conns;          /* connections per worker; more are closed at accept */
    uint64_t keepalive_timeout;  /* ns idle between requests */
    uint32_t keepalive_header;   /* s in "Keep-Alive: timeout=N" (2nd keepalive_timeout); 0: none */
    uint64_t header_timeout;     /* ns to receive a whole request head */
    uint64_t body_timeout;       /* ns between two reads of a request body */
    uint64_t send_timeout;       /* ns without write progress */
    uint64_t linger_timeout;     /* ns spent draining input before closing after an error */
    uint32_t cache_max_file;     /* files up to this size are served from memory */
    uint64_t cache_max_bytes;    /* memory for cached files per worker (contents and entries) */
    uint32_t cache_max_entries;  /* cached files per worker; the least recently used go first */
    /* more request headers to keep for $http_NAME (lower-case, '-' for '_'; at most ZH_XH_MAX,
     * at most 31 bytes each: request.c compares 32); owned by the caller */
    const char *const *want_headers;
    uint32_t nwant_headers;
} zh_limits_t;

/* nginx-like defaults: 1 MiB body, 8 KiB target and headers, 100 fields, 1000 requests,
 * 75 s keep-alive, 60 s header and send timeouts. */
void zh_limits_default(zh_limits_t *l);

typedef struct zh_server zh_server_t;

/* Creates the HTTP server of one loop. lim and hooks (may be NULL) are copied, what they point
 * to is not. Returns 0 or -errno; *out is freed with zh_server_free(). */
int zh_server_new(zh_server_t **out, zk_loop_t *loop, const zh_limits_t *lim,
                  const zh_hooks_t *hooks);

/* Starts accepting on a listening, non-blocking socket (the caller keeps owning the fd and the
 * vhost array). A request's Host picks among `vhosts` (exact name, then the longest "*.suffix",
 * then the longest "prefix.*", then the first matching regex in file order); no match: `dflt`. */
int zh_server_listen(zh_server_t *s, int listen_fd, const zh_vhost_t *const *vhosts, uint32_t n,
                     const zh_vhost_t *dflt);

/* Stops accepting; open connections finish their current response and close. The loop runs
 * dry once every connection is gone. */
void zh_server_stop(zh_server_t *s);

/* Housekeeping, once a second from the owner's timer: gives back the memory that an earlier
 * burst of busy connections left in the pools. */
void zh_server_tick(zh_server_t *s);

/* Connections currently open. */
unsigned zh_server_conns(const zh_server_t *s);

/* Frees the server; only after zk_loop_run() returned (no connection left). */
void zh_server_free(zh_server_t *s);

#endif
