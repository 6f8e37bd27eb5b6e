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
 * own, else the ones written in http {}, else the defaults) and a location its effective root
 * or alias, index, autoindex, headers, error pages, access and error logs, types, I/O settings and
 * limits (its own, else its enclosing location's, else its server's; `return` is not inherited).
 * add_header, error_page, access_log, error_log and types inherit only when the level has none of
 * its own.
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
 * = unlimited), large_client_header_buffers 4 8k, client_header_buffer_size 1k,
 * connection_pool_size 512, server_tokens on, root html, index index.html,
 * autoindex off, expires off, etag on, if_modified_since exact, charset off, charset_types
 * text/html text/xml text/plain text/vnd.wap.wml application/javascript application/rss+xml,
 * log_not_found on, absolute_redirect on, port_in_redirect on, server_name_in_redirect off,
 * merge_slashes on, disable_symlinks off (a link out of the root still refused),
 * autoindex_exact_size on, autoindex_localtime off, autoindex_format html, a server without listen
 * listens on *:80 (0.0.0.0:80), a server without server_name has the one name "". */
#ifndef ZC_CONFIG_H
#define ZC_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

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

struct zc_tpl;

/* `add_header NAME VALUE [always]` */
typedef struct zc_header {
    char *name, *value;
    struct zc_tpl *tpl; /* the value with variables; NULL when it has none */
    uint8_t always;     /* also on error responses (nginx: only 2xx/3xx without it) */
} zc_header_t;

/* `error_page CODE... [=RESPONSE] URI` */
typedef struct zc_error_page {
    int *codes; /* 300..599 */
    size_t ncodes;
    int response;       /* `=RESPONSE`: the status to send instead; 0 = the original code */
    char *uri;          /* a local URI ("/50x.html"), an absolute URL (a 302 redirect, as nginx) or
                         * "@name" (that named location of the server answers) */
    struct zc_tpl *tpl; /* the URI with variables, expanded per request; NULL: none */
} zc_error_page_t;

/* `return CODE [TEXT|URL]` or `return URL` (= 302). For 301, 302, 303, 307 and 308 the text is
 * the Location URL; else it is the response body. Its variables are expanded per request; it is
 * also one of the block's rewrite directives (zc_rw_t), which is how http/ runs it. */
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

/* The access_log lines of one level: each path gets every request (nginx allows several); none
 * with `off` (or an http {} that says nothing: logs/access.log). */
typedef struct zc_logs {
    char **paths; /* absolute; always the combined format */
    size_t n, cap;
    int set; /* the level has access_log lines of its own */
    int off; /* one of them is `access_log off` (it wins over the others, as in nginx) */
} zc_logs_t;

/* The error_log lines of http, server or location (nginx's): each file receives the lines about
 * the level's requests at or above its own level; a level without any takes its enclosing
 * level's; none up to http {} (n 0): the main error_log. */
typedef struct zc_elog {
    char *path;  /* absolute, or "stderr" */
    char *level; /* debug info notice warn error crit alert emerg */
} zc_elog_t;
typedef struct zc_elogs {
    zc_elog_t *v;
    size_t n, cap;
    int set; /* the level has error_log lines of its own */
} zc_elogs_t;

/* The connection and request limits nginx takes per level, inherited down as zc_io_t
 * (conf/limits.c). Contexts as nginx's: keepalive_timeout, keepalive_requests,
 * client_max_body_size, client_body_timeout, send_timeout and server_tokens in http, server and
 * location; client_header_timeout, large_client_header_buffers, client_header_buffer_size and
 * connection_pool_size in http and server only (they apply while a request head is read: the
 * default server of the listen address's values, as nginx before the Host is known). */
typedef struct zc_limits {
    uint64_t keepalive_timeout_ms;        /* 0 disables keep-alive; default 75s */
    uint64_t keepalive_header_timeout_ms; /* 2nd keepalive_timeout value, whole seconds
                                           * ("Keep-Alive: timeout="); 0 = not sent */
    uint64_t keepalive_requests;          /* default 1000 */
    uint64_t client_header_timeout_ms;    /* default 60s: the whole head */
    uint64_t client_body_timeout_ms;      /* default 60s: between two reads of a body */
    uint64_t send_timeout_ms;             /* default 60s: between two writes */
    uint64_t client_max_body_size;        /* default 1m; 0 = no limit */
    uint64_t large_header_buffers_num;    /* default 4: a head fits in NUM * SIZE bytes */
    uint64_t large_header_buffers_size;   /* default 8k: a request line or header line fits */
    uint64_t client_header_buffer_size;   /* default 1k: checked, no effect (see README) */
    uint64_t connection_pool_size;        /* default 512 (256 on 32-bit): checked, no effect */
    int server_tokens;                    /* Server: zokiod/VERSION (1, default) or zokiod */
} zc_limits_t;

/* `types {}` and default_type of one level (http, server or location): a level with a types block
 * of its own uses only its own (all its types blocks merged), as nginx. */
typedef struct zc_mime {
    struct zc_type *types; /* one pair per extension: see zc_http_t */
    size_t ntypes, cap;
    int set;            /* the level has a types block (even an empty one) */
    char *default_type; /* NULL while loading: not set at this level */
} zc_mime_t;
/* What nginx's headers, not_modified, charset and static modules add to an answer, per location:
 * expires, etag, if_modified_since, charset, charset_types, log_not_found (conf/serve.c), in
 * http, server and location, inherited down as zc_io_t is. */
enum {
    ZC_EXPIRES_OFF,      /* no Expires nor Cache-Control (the default) */
    ZC_EXPIRES_ACCESS,   /* `expires TIME`: the time of the answer + expires_s */
    ZC_EXPIRES_MODIFIED, /* `expires modified TIME`: the file's mtime + expires_s */
    ZC_EXPIRES_DAILY,    /* `expires @TIME`: the next such local time of day (expires_s after
                          * midnight) */
    ZC_EXPIRES_EPOCH,    /* `expires epoch` */
    ZC_EXPIRES_MAX,      /* `expires max` */
};
enum { ZC_IMS_OFF, ZC_IMS_EXACT, ZC_IMS_BEFORE }; /* if_modified_since */

typedef struct zc_serve {
    int expires;          /* ZC_EXPIRES_*; -1 while unset */
    int64_t expires_s;    /* ACCESS, MODIFIED: seconds, negative for the past; DAILY: see above */
    int etag;             /* ETag on files, and conditionals by it; default 1 */
    int ims;              /* ZC_IMS_*; default ZC_IMS_EXACT (nginx's) */
    char *charset;        /* `charset NAME`: added to matching Content-Types; NULL: off (the
                           * default) */
    int charset_set;      /* charset was given (inherited with it) */
    char **charset_types; /* lower-case MIME types, or the one "*" (any); NULL while unset, then
                           * nginx's default list */
    size_t ncharset_types;
    int log_not_found; /* a missing file's 404 is logged at error level; default 1 */
} zc_serve_t;
/* How paths become URLs and files (nginx's directives of the same names), in http, server and
 * location (merge_slashes: http and server), inherited down as root is. */
enum { ZC_SYMLINKS_OFF, ZC_SYMLINKS_ON, ZC_SYMLINKS_IF_NOT_OWNER };
enum { ZC_AUTOINDEX_HTML, ZC_AUTOINDEX_XML, ZC_AUTOINDEX_JSON, ZC_AUTOINDEX_JSONP };
typedef struct zc_paths {
    int absolute_redirect;       /* a local redirect's Location gets scheme://host[:port]; 1 */
    int port_in_redirect;        /* ... with the port (unless the scheme's default); 1 */
    int server_name_in_redirect; /* ... the server's first name instead of the Host; 0 */
    int merge_slashes;           /* "//a///b" is "/a/b" ($uri, locations, files); 1 */
    /* disable_symlinks: ZC_SYMLINKS_*; default OFF, which in zokiod still refuses a link out of
     * the root (so does every mode): README */
    int symlinks;
    const char *symlinks_from; /* from=: NULL none (every part of the path checked, the root's
                                * too), "" $document_root (the parts below the root), else an
                                * absolute path */
    int ai_exact_size;         /* autoindex_exact_size; 1 */
    int ai_localtime;          /* autoindex_localtime; 0 */
    int ai_format;             /* autoindex_format: ZC_AUTOINDEX_*; HTML */
} zc_paths_t;

/* A regex of the config (`location ~ RE`, `location ~* RE`, `server_name ~RE`), compiled when the
 * directive is read, JIT-compiled when PCRE2 can (else quietly interpreted). The code belongs to
 * the config: zc_config_free() frees it. At most ZC_REGEX_GROUPS capture groups. */
typedef struct zc_regex {
    char *pattern;         /* as written, without the `~` / `~*` */
    int caseless;          /* ~*, or a server name with an upper-case letter (as nginx) */
    pcre2_code *code;      /* for server/gen.c to hand to http/ (which only matches it) */
    uint32_t ngroups;      /* capture groups */
    struct zc_regex *next; /* every regex of the config (freed by zc_config_free) */
} zc_regex_t;

#define ZC_REGEX_GROUPS 31

/* A value with variables (`root /srv/$sub;`, `add_header X-Uri $uri;`): its text and
 * references in order, to be expanded per request. "$1".."$9" are the groups of the last regex
 * with groups that matched (a rewrite's, the location's, else the server name's); "$name" /
 * "${name}" a named group (?<name>...) that some regex of the config defines, else one of
 * nginx's variables (conf/vars.c), else a `set` variable; anything else is an error
 * (`unknown "name" variable`) once http {} has been read. A root or alias starts with text:
 * the absolute path up to the first reference. */
enum {
    ZC_TPL_TEXT,
    ZC_TPL_CAPTURE,
    ZC_TPL_NAMED,
    ZC_TPL_VAR,  /* capture: a ZC_VAR_* (conf/vars.c) */
    ZC_TPL_HTTP, /* capture: a ZC_HDR_* header ($http_NAME); text: NAME */
    ZC_TPL_ARG,  /* text: NAME of $arg_NAME (NUL-terminated) */
    ZC_TPL_USER, /* capture: the index of a `set` variable in zc_http_t.vars */
};

/* nginx variables with a fixed name, in http/vars.h's order (zh_var_id_t) */
enum {
    ZC_VAR_URI = 1,
    ZC_VAR_ARGS,
    ZC_VAR_QUERY_STRING,
    ZC_VAR_IS_ARGS,
    ZC_VAR_HOST,
    ZC_VAR_REMOTE_ADDR,
    ZC_VAR_REQUEST_URI,
    ZC_VAR_SCHEME,
    ZC_VAR_SERVER_NAME,
    ZC_VAR_DOCUMENT_ROOT,
    ZC_VAR_REQUEST_METHOD,
    ZC_VAR_CONNECTION_REQUESTS,
    ZC_VAR__COUNT
};

/* the request headers $http_NAME can read (the ones zokiod keeps), in http/request.h's order */
enum {
    ZC_HDR_HOST,
    ZC_HDR_RANGE,
    ZC_HDR_IF_RANGE,
    ZC_HDR_IF_MATCH,
    ZC_HDR_IF_NONE_MATCH,
    ZC_HDR_IF_MODIFIED_SINCE,
    ZC_HDR_IF_UNMODIFIED_SINCE,
    ZC_HDR_EXPECT,
    ZC_HDR_TRANSFER_ENCODING,
    ZC_HDR_REFERER,
    ZC_HDR_USER_AGENT,
    ZC_HDR__COUNT
};

/* headers other than ZC_HDR_* that $http_NAME may read: at most this many names, of at most
 * ZC_WANT_HEADER_LEN bytes */
#define ZC_WANT_HEADERS_MAX 8
#define ZC_WANT_HEADER_LEN  31

/* zc_rw_t.var of `set $args ...` (the request's args change) */
#define ZC_SET_ARGS 255

/* `set` variables of one configuration: at most this many names */
#define ZC_USER_VARS_MAX 64

typedef struct zc_tpl_part {
    int kind;         /* ZC_TPL_* */
    const char *text; /* TEXT: the bytes; NAMED, ARG: the name (NUL-terminated) */
    size_t len;       /* of text */
    unsigned capture; /* CAPTURE: 1..9; VAR, HTTP, USER: see above */
} zc_tpl_part_t;

typedef struct zc_tpl {
    zc_tpl_part_t *parts;
    size_t nparts;
} zc_tpl_t;

/* One directive of nginx's rewrite module in a server or location, in file order. */
enum { ZC_RW_SET = 1, ZC_RW_REWRITE, ZC_RW_RETURN, ZC_RW_BREAK };
enum { ZC_RWF_NONE, ZC_RWF_LAST, ZC_RWF_BREAK, ZC_RWF_REDIRECT, ZC_RWF_PERMANENT };

typedef struct zc_rw {
    int op;             /* ZC_RW_* */
    int flag;           /* REWRITE: ZC_RWF_* */
    int absolute;       /* REWRITE: the replacement starts with http://, https:// or $scheme */
    int no_args;        /* REWRITE: it ended with '?' (taken off): the request's args are dropped */
    unsigned var;       /* SET: index in zc_http_t.vars */
    int code;           /* RETURN: the status */
    zc_regex_t *regex;  /* REWRITE */
    struct zc_tpl *val; /* SET value, REWRITE replacement, RETURN text (NULL: no text) */
    struct zc_rw *next; /* the next one of the block */
} zc_rw_t;

/* `try_files FILE... URI | =CODE | @NAME` */
typedef struct zc_try {
    struct zc_tpl **files; /* values (a trailing '/' taken off: dir[i] is 1) */
    uint8_t *dir;
    size_t nfiles;
    int code;           /* `=CODE`; 0 for a URI or a named location */
    struct zc_tpl *uri; /* the fallback URI or "@name" */
} zc_try_t;

/* The alias of a regex location: the whole path (nginx appends no part of the URI). */
#define ZC_ALIAS_WHOLE ((size_t)-1)

/* `location [=|^~] PREFIX { ... }`, `location ~|~* REGEX { ... }`, `location @NAME { ... }`,
 * in a server or nested in another location (nginx's rules: a nested prefix starts with its
 * parent's name; nothing nests in `=` or `@` locations; `@` ones only at the server level). */
typedef struct zc_location {
    char *prefix;       /* the name: the prefix, the regex as written, or "@NAME" */
    uint8_t exact;      /* `location = /x` */
    uint8_t noregex;    /* `location ^~ /x` */
    uint8_t named;      /* `location @x` */
    zc_regex_t *regex;  /* `location ~ RE` / `~* RE`; NULL for the others */
    char *root;         /* effective root (own, an enclosing location's or the server's); NULL
                         * when alias is set */
    char *alias;        /* effective alias (own or an enclosing location's); NULL when none */
    zc_tpl_t *root_tpl; /* the effective root or alias, when it has captures; else NULL */
    size_t alias_cut;   /* with alias: the length of the name of the location it was written in
                         * (nginx replaces that much of the path), ZC_ALIAS_WHOLE in a regex one */
    char **index;       /* effective index file names */
    size_t nindex;
    struct zc_tpl **index_tpl; /* per index name, its variables (NULL: none has any) */
    int autoindex;             /* effective: 0 off, 1 on */
    zc_header_t *headers;      /* effective add_header list */
    size_t nheaders;
    zc_return_t ret;     /* its own only: nginx does not inherit `return` into nested ones */
    zc_rw_t *rw;         /* its own set/rewrite/return, in order (not inherited) */
    zc_try_t *try_files; /* its own (nginx does not inherit try_files) */
    int internal;        /* `internal` */
    zc_io_t io;          /* effective (own, an enclosing location's or the server's) */
    zc_limits_t lim;     /* effective, as io */
    zc_mime_t mime;      /* effective, as io */
    zc_serve_t serve;    /* effective, as io */
    zc_paths_t paths;    /* effective, as io */
    zc_error_page_t *error_pages; /* effective: its own, else its parent's, else the server's */
    size_t nerror_pages;
    zc_logs_t logs;                /* effective access_log paths, as error_pages */
    zc_elogs_t elogs;              /* effective error_log files (n 0: the main one) */
    struct zc_location *parent;    /* the enclosing location; NULL at the server level */
    struct zc_location *locations; /* nested, in file order */
    size_t nlocations;
    const char *file;
    int line;
} zc_location_t;

/* one more ssl_certificate / ssl_certificate_key pair (see zc_server_t.ssl_more) */
#define ZC_SSL_MORE 3
typedef struct zc_ssl_pair {
    char *cert, *key;
    const char *cert_file, *key_file;
    int cert_line, key_line;
} zc_ssl_pair_t;

typedef struct zc_server {
    zc_listen_t *listens; /* at least one */
    size_t nlistens;
    char **names; /* lowercased: "exact.com", "*.suffix.com", "prefix.*", ""; at least one
                   * unless the server has regex names ("": none given at all).
                   * ".example.com" is stored as "example.com" and "*.example.com". */
    size_t nnames;
    zc_regex_t **name_regexes; /* `server_name ~RE`, in file order (not in names) */
    size_t nname_regexes;
    char *root;
    zc_tpl_t *root_tpl; /* root with captures (`root /srv/$sub;`); else NULL */
    char **index;
    size_t nindex;
    struct zc_tpl **index_tpl; /* per index name, its variables (NULL: none has any) */
    int autoindex;
    zc_error_page_t *error_pages;
    size_t nerror_pages;
    zc_header_t *headers;
    size_t nheaders;
    zc_location_t *locations; /* the server-level ones, in file order (http/route.c's order) */
    size_t nlocations;
    zc_return_t ret;                             /* server-level return */
    zc_rw_t *rw;                                 /* server-level set/rewrite/return, in order */
    zc_try_t *try_files;                         /* for requests no location takes */
    zc_io_t io;                                  /* effective */
    zc_limits_t lim;                             /* effective */
    zc_mime_t mime;                              /* effective */
    zc_serve_t serve;                            /* effective */
    zc_paths_t paths;                            /* effective */
    zc_logs_t logs;                              /* effective access_log paths (n 0: off) */
    zc_elogs_t elogs;                            /* effective error_log files (n 0: the main one) */
    char *access_log;                            /* the first of them; NULL = off */
    char *ssl_certificate, *ssl_certificate_key; /* NULL when none; readable when checked */
    unsigned ssl_protocols; /* ZC_TLSv1* bits (default TLSv1.2 | TLSv1.3); zokiod speaks 1.2 only */
    const char *ssl_protocols_file; /* where ssl_protocols was set (line 0: not set) */
    int ssl_protocols_line;
    char **ssl_ciphers; /* `ssl_ciphers A:B`: the names in order (nssl_ciphers 0: default) */
    size_t nssl_ciphers;
    const char *ssl_ciphers_file;
    int ssl_ciphers_line;
    int ssl_prefer_server_ciphers;     /* default off (the TLS library always prefers ours) */
    int ssl_session_tickets;           /* default on */
    uint64_t ssl_session_timeout_ms;   /* default 5m: the ticket lifetime */
    uint64_t ssl_handshake_timeout_ms; /* default 10s */
    /* where ssl_certificate / ssl_certificate_key were set (inherited with them), for errors
     * found when server/ loads the files */
    const char *ssl_certificate_file, *ssl_certificate_key_file;
    int ssl_certificate_line, ssl_certificate_key_line;
    /* the 2nd and later ssl_certificate / ssl_certificate_key lines of the level that set the
     * first (nginx loads every pair, e.g. an ECDSA one beside an RSA one; the Nth key goes with
     * the Nth certificate; certificates and keys are inherited as two lists, as nginx does) */
    zc_ssl_pair_t ssl_more[ZC_SSL_MORE];
    uint8_t nssl_more_certs, nssl_more_keys;
    const char *file;
    int line;
} zc_server_t;

#define ZC_TLSv1_2 1u
#define ZC_TLSv1_3 2u
#define ZC_TLSv1   4u /* also SSLv2 and SSLv3: accepted, warned about, never spoken */
#define ZC_TLSv1_1 8u

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
    char *default_type;      /* http-level (servers and locations may have their own) */
    char *access_log;        /* http-level access_log (servers inherit it): NULL = off */
    int access_log_combined; /* 1: the only format zokiod writes, nginx's "combined" */
    zc_limits_t lim;         /* http-level, defaults applied (servers hold their effective ones) */
    /* the sum of the max= of the open_file_cache directives written (each is one of nginx's
     * caches; zokiod has one per worker, with room for them all); 0: none */
    uint32_t open_file_cache_max;
    zc_server_t *servers; /* in file order */
    size_t nservers;
    char *vars[ZC_USER_VARS_MAX]; /* the names of `set` variables, without '$' */
    size_t nvars;
    char *want_headers[ZC_WANT_HEADERS_MAX]; /* other headers $http_NAME reads: "x-forwarded-for"
                                              * (ZC_TPL_HTTP ZC_HDR__COUNT + i) */
    size_t nwant_headers;
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
    zc_regex_t *regexes; /* private: every compiled regex, freed with the config */
    zc_arena_t arena;    /* private: owns everything above */
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
