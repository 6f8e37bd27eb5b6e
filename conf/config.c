/* SPDX-License-Identifier: MIT */
/* zokiod conf: the schema (which directive goes where, with how many arguments), the main,
 * events, http and types blocks, and zc_config_load itself. Server-level directives are in
 * server.c. */
#include "conf/config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/load.h"
#include "conf/nginx_names.h"
#include "conf/values.h"

#define ANY_HTTP ZC_ANY_HTTP
#define ONCE     ZC_ONCE
#define BLOCK    ZC_BLOCK
#define MANY     ZC_MANY

static int h_worker_processes(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_error_log(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_pid(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_daemon(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_backend(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_shutdown_timeout(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_events(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_worker_connections(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_http(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int h_types(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);
static int http_level_finish(zc_load_t *ld);
static int h_default_type(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc);

static const zc_spec_t specs[] = {
    {"worker_processes", ZC_CTX_MAIN, ONCE, 1, 1, h_worker_processes},
    {"error_log", ZC_CTX_MAIN | ANY_HTTP, 0, 1, 2, h_error_log}, /* once in main: h_error_log */
    {"pid", ZC_CTX_MAIN, ONCE, 1, 1, h_pid},
    {"daemon", ZC_CTX_MAIN, ONCE, 1, 1, h_daemon},
    {"backend", ZC_CTX_MAIN, ONCE, 1, 1, h_backend},
    {"worker_shutdown_timeout", ZC_CTX_MAIN, ONCE, 1, 1, h_shutdown_timeout},
    {"events", ZC_CTX_MAIN, ONCE | BLOCK, 0, 0, h_events},
    {"worker_connections", ZC_CTX_EVENTS, ONCE, 1, 1, h_worker_connections},
    {"http", ZC_CTX_MAIN, ONCE | BLOCK, 0, 0, h_http},
    {"types", ANY_HTTP, BLOCK, 0, 0, h_types},
    {"default_type", ANY_HTTP, ONCE, 1, 1, h_default_type},
    {"access_log", ANY_HTTP, 0, 1, 2, zc_h_access_log},
    {"server", ZC_CTX_HTTP, BLOCK, 0, 0, zc_h_server},
    {"listen", ZC_CTX_SERVER, 0, 1, MANY, zc_h_listen},
    {"server_name", ZC_CTX_SERVER, 0, 1, MANY, zc_h_server_name},
    {"location", ZC_CTX_SERVER | ZC_CTX_LOCATION, BLOCK, 1, 2, zc_h_location},
    {"root", ANY_HTTP, ONCE, 1, 1, zc_h_root},
    {"alias", ZC_CTX_LOCATION, ONCE, 1, 1, zc_h_root},
    {"index", ANY_HTTP, 0, 1, MANY, zc_h_index},
    {"autoindex", ANY_HTTP, ONCE, 1, 1, zc_h_autoindex},
    {"add_header", ANY_HTTP, 0, 2, 3, zc_h_add_header},
    {"error_page", ANY_HTTP, 0, 2, MANY, zc_h_error_page},
    {"return", ZC_CTX_SERVER | ZC_CTX_LOCATION, ONCE, 1, 2, zc_h_return},
    {"set", ZC_CTX_SERVER | ZC_CTX_LOCATION, 0, 2, 2, zc_h_set},
    {"rewrite", ZC_CTX_SERVER | ZC_CTX_LOCATION, 0, 2, 3, zc_h_rewrite},
    {"try_files", ZC_CTX_SERVER | ZC_CTX_LOCATION, ONCE, 2, MANY, zc_h_try_files},
    {"internal", ZC_CTX_LOCATION, ONCE, 0, 0, zc_h_internal},
    {"break", ZC_CTX_SERVER | ZC_CTX_LOCATION, 0, 0, 0, zc_h_break},
    {"ssl_certificate", ZC_CTX_HTTP | ZC_CTX_SERVER, 0, 1, 1, zc_h_ssl_cert},
    {"ssl_certificate_key", ZC_CTX_HTTP | ZC_CTX_SERVER, 0, 1, 1, zc_h_ssl_cert},
    {"ssl_protocols", ZC_CTX_HTTP | ZC_CTX_SERVER, ONCE, 1, MANY, zc_h_ssl_protocols},
    {"ssl_ciphers", ZC_CTX_HTTP | ZC_CTX_SERVER, ONCE, 1, 1, zc_h_ssl_ciphers},
    {"ssl_prefer_server_ciphers", ZC_CTX_HTTP | ZC_CTX_SERVER, ONCE, 1, 1, zc_h_ssl_flag},
    {"ssl_session_tickets", ZC_CTX_HTTP | ZC_CTX_SERVER, ONCE, 1, 1, zc_h_ssl_flag},
    {"ssl_session_timeout", ZC_CTX_HTTP | ZC_CTX_SERVER, ONCE, 1, 1, zc_h_ssl_time},
    {"ssl_handshake_timeout", ZC_CTX_HTTP | ZC_CTX_SERVER, ONCE, 1, 1, zc_h_ssl_time},
    {NULL, 0, 0, 0, 0, NULL},
};

/* Every schema table; a name is in one of them at most. */
static const zc_spec_t *const tables[] = {
    specs,          zc_process_specs, zc_io_specs,      zc_serve_specs,
    zc_paths_specs, zc_limits_specs,  zc_accepted_specs};

/* --- shared helpers (load.h) -------------------------------------------------------------- */

int zc_err(zc_load_t *ld, const zc_node_t *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return zc_errf(ld->err, ld->errlen, d->file, d->line, "%s", msg);
}

int zc_oom(zc_load_t *ld) { return zc_errf(ld->err, ld->errlen, NULL, 0, "out of memory"); }

int zc_invalid(zc_load_t *ld, const zc_node_t *d, const char *arg)
{
    return zc_err(ld, d, "invalid value \"%s\" in \"%s\" directive", arg, d->name);
}

int zc_no_vars(zc_load_t *ld, const zc_node_t *d, const char *arg, const char *const *allowed)
{
    for (const char *p = strchr(arg, '$'); p != NULL; p = strchr(p + 1, '$')) {
        zc_var_t v;
        size_t n = zc_var_scan(p, &v);
        int ok = 0;

        for (size_t i = 0; allowed != NULL && allowed[i] != NULL; i++)
            if (strlen(allowed[i]) == n && memcmp(allowed[i], p, n) == 0) ok = 1;
        if (!ok)
            return zc_err(ld, d, "variable \"%.*s\" in \"%s\" directive is not supported by zokiod",
                          (int)n, p, d->name);
    }
    return 0;
}

int zc_note(zc_load_t *ld, const zc_node_t *d, const char *level, const char *fmt, ...)
{
    zc_config_t *c = ld->cfg;
    char msg[512];
    zc_note_t *n;
    va_list ap;
    int len;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if ((n = ZC_PUSH(ld->arena, c->notes, c->nnotes, ld->notes_cap)) == NULL) return zc_oom(ld);
    /* "FILE:LINE: msg", "command line: msg" (-g) or "msg" */
    len = d == NULL     ? (int)strlen(msg)
          : d->line > 0 ? snprintf(NULL, 0, "%s:%d: %s", d->file, d->line, msg)
                        : snprintf(NULL, 0, "%s: %s", d->file, msg);
    if ((n->text = zc_arena_alloc(ld->arena, (size_t)len + 1)) == NULL) return zc_oom(ld);
    if (d == NULL)
        memcpy(n->text, msg, (size_t)len + 1);
    else if (d->line > 0)
        snprintf(n->text, (size_t)len + 1, "%s:%d: %s", d->file, d->line, msg);
    else
        snprintf(n->text, (size_t)len + 1, "%s: %s", d->file, msg);
    n->level = level;
    return 0;
}

int zc_flag(zc_load_t *ld, const zc_node_t *d, int *out)
{
    if (strcmp(d->args[0], "on") == 0)
        *out = 1;
    else if (strcmp(d->args[0], "off") == 0)
        *out = 0;
    else
        return zc_err(ld, d,
                      "invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"",
                      d->args[0], d->name);
    return 0;
}

char *zc_prefix_path(zc_load_t *ld, const zc_node_t *d, size_t i)
{
    char *p;

    if (d->args[i][0] == '\0') {
        zc_invalid(ld, d, d->args[i]);
        return NULL;
    }
    if (zc_no_vars(ld, d, d->args[i], NULL) < 0) return NULL;
    p = zc_path_join(ld->arena, ld->cfg->prefix, d->args[i]);
    if (p == NULL) zc_oom(ld);
    return p;
}

size_t zc_count(const zc_node_t *blk, const char *name, int args)
{
    size_t n = 0;

    for (size_t i = 0; i < blk->nchildren; i++)
        if (strcmp(blk->children[i].name, name) == 0) n += args ? blk->children[i].nargs : 1;
    return n;
}

void *zc_calloc(zc_load_t *ld, size_t n, size_t size, int *failed)
{
    void *p;

    if (n == 0) return NULL;
    p = zc_arena_alloc(ld->arena, n * size); /* n is bounded by the parsed input */
    if (p == NULL) *failed = 1;
    return p;
}

/* --- the schema walk ------------------------------------------------------------------------ */

static const zc_spec_t *find_spec(const char *name)
{
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
        for (const zc_spec_t *s = tables[t]; s->name != NULL; s++)
            if (strcmp(s->name, name) == 0) return s;
    return NULL;
}

static int check(zc_load_t *ld, const zc_node_t *blk, size_t i, const zc_spec_t *s, unsigned ctx)
{
    const zc_node_t *d = &blk->children[i];

    if (!(s->ctx & ctx)) return zc_err(ld, d, "\"%s\" directive is not allowed here", d->name);
    if ((s->flags & BLOCK) && !d->block)
        return zc_err(ld, d, "directive \"%s\" has no opening \"{\"", d->name);
    if (!(s->flags & BLOCK) && d->block)
        return zc_err(ld, d, "directive \"%s\" is not terminated by \";\"", d->name);
    if ((int)d->nargs < s->min || (s->max != MANY && (int)d->nargs > s->max))
        return zc_err(ld, d, "invalid number of arguments in \"%s\" directive", d->name);
    if (s->flags & ONCE)
        for (size_t j = 0; j < i; j++)
            if (strcmp(blk->children[j].name, d->name) == 0)
                return zc_err(ld, d, "\"%s\" directive is duplicate", d->name);
    return 0;
}

int zc_run_block(zc_load_t *ld, const zc_node_t *blk, zc_scope_t *sc)
{
    for (size_t i = 0; i < blk->nchildren; i++) {
        const zc_node_t *d = &blk->children[i];
        const zc_spec_t *s = find_spec(d->name);

        if (s == NULL) {
            if (zc_nginx_unsupported(d->name))
                return zc_err(ld, d, "\"%s\" directive is not supported by zokiod", d->name);
            return zc_err(ld, d, "unknown directive \"%s\"", d->name);
        }
        if (check(ld, blk, i, s, sc->ctx) < 0 || s->fn(ld, d, sc) < 0) return -1;
    }
    return 0;
}

/* --- main and events ------------------------------------------------------------------------ */

static int h_worker_processes(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    (void)sc;
    if (strcmp(d->args[0], "auto") == 0) {
        ld->cfg->worker_processes = 0;
        return 0;
    }
    if (zc_parse_uint(d->args[0], 1024, &n) < 0 || n == 0) return zc_invalid(ld, d, d->args[0]);
    ld->cfg->worker_processes = (int)n;
    return 0;
}

/* error_log in http, server or location: the files of that level's requests (nginx's) */
static int error_log_level(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc, const char *level)
{
    zc_elogs_t *l = sc->loc ? &sc->loc->elogs : &sc->srv->elogs; /* http {}: ld->http_level */
    zc_elog_t *slot;
    int is_stderr = strcmp(d->args[0], "stderr") == 0;
    char *path = is_stderr ? zc_arena_strdup(ld->arena, "stderr") : zc_prefix_path(ld, d, 0);

    if (path == NULL) return is_stderr ? zc_oom(ld) : -1;
    if ((slot = ZC_PUSH(ld->arena, l->v, l->n, l->cap)) == NULL) return zc_oom(ld);
    slot->path = path;
    if ((slot->level = zc_arena_strdup(ld->arena, level)) == NULL) return zc_oom(ld);
    l->set = 1;
    return 0;
}

static int h_error_log(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    static const char *const levels[] = {"debug", "info", "notice", "warn",
                                         "error", "crit", "alert",  "emerg"};
    const char *level = d->nargs > 1 ? d->args[1] : "error";
    size_t i;

    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(level, levels[i]) == 0) break;
    if (i == sizeof(levels) / sizeof(levels[0])) return zc_invalid(ld, d, level);
    if (strncmp(d->args[0], "syslog:", 7) == 0 || strncmp(d->args[0], "memory:", 7) == 0)
        return zc_err(ld, d, "error_log \"%s\" is not supported by zokiod", d->args[0]);
    if (sc->ctx != ZC_CTX_MAIN) return error_log_level(ld, d, sc, level);
    if (ld->error_log_seen) /* nginx takes several; zokiod writes one */
        return zc_err(ld, d, "\"error_log\" directive is duplicate");
    ld->error_log_seen = 1;
    if (strcmp(d->args[0], "stderr") == 0)
        ld->cfg->error_log = zc_arena_strdup(ld->arena, "stderr");
    else if ((ld->cfg->error_log = zc_prefix_path(ld, d, 0)) == NULL)
        return -1;
    ld->cfg->error_log_level = zc_arena_strdup(ld->arena, level);
    if (ld->cfg->error_log == NULL || ld->cfg->error_log_level == NULL) return zc_oom(ld);
    return 0;
}

static int h_pid(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)sc;
    ld->cfg->pid = zc_prefix_path(ld, d, 0);
    return ld->cfg->pid == NULL ? -1 : 0;
}

static int h_daemon(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)sc;
    return zc_flag(ld, d, &ld->cfg->daemon);
}

static int h_backend(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    const char *v = d->args[0];

    (void)sc;
    if (strcmp(v, "auto") != 0 && strcmp(v, "io_uring") != 0 && strcmp(v, "epoll") != 0)
        return zc_err(ld, d,
                      "invalid value \"%s\" in \"backend\" directive, it must be \"auto\", "
                      "\"io_uring\" or \"epoll\"",
                      v);
    ld->cfg->backend = zc_arena_strdup(ld->arena, v);
    return ld->cfg->backend == NULL ? zc_oom(ld) : 0;
}

static int h_shutdown_timeout(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)sc;
    if (zc_parse_time_ms(d->args[0], &ld->cfg->worker_shutdown_timeout_ms) < 0)
        return zc_invalid(ld, d, d->args[0]);
    return 0;
}

static int h_events(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_scope_t in = {ZC_CTX_EVENTS, NULL, NULL};

    (void)sc;
    return zc_run_block(ld, d, &in);
}

static int h_worker_connections(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    (void)sc;
    if (zc_parse_uint(d->args[0], 1u << 24, &n) < 0 || n < 2) return zc_invalid(ld, d, d->args[0]);
    ld->cfg->worker_connections = (unsigned)n;
    return 0;
}

/* --- http ----------------------------------------------------------------------------------- */

static int h_http(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_http_t *h = &ld->cfg->http;
    zc_scope_t in = {ZC_CTX_HTTP, &ld->http_level, NULL};
    int failed = 0;

    (void)sc;
    ld->cfg->has_http = 1;
    h->servers = zc_calloc(ld, zc_count(d, "server", 0), sizeof(zc_server_t), &failed);
    if (failed || zc_server_prepare(ld, &ld->http_level, d) < 0) return zc_oom(ld);
    if (zc_run_block(ld, d, &in) < 0 || http_level_finish(ld) < 0) return -1;
    return zc_servers_finish(ld);
}

/* the types of the block the directive is in (http {} is ld->http_level) */
static zc_mime_t *mime_of(zc_scope_t *sc) { return sc->loc ? &sc->loc->mime : &sc->srv->mime; }

/* The media type of a types entry, or of default_type: it becomes a Content-Type line. */
static int check_media_type(zc_load_t *ld, const zc_node_t *d, const char *type)
{
    if (strpbrk(type, "\r\n") != NULL)
        return zc_err(ld, d, "invalid media type in \"%s\": it contains a line break",
                      strcmp(d->name, "default_type") == 0 ? "default_type" : "types");
    return 0;
}

static int add_type(zc_load_t *ld, zc_mime_t *m, const zc_node_t *t, const char *ext)
{
    char *lower;
    size_t i;

    if (ext[0] == '\0') return zc_err(ld, t, "invalid extension \"\" for type \"%s\"", t->name);
    if (strchr(ext, '/') != NULL) /* `text/html html` and no ';' before the next line */
        return zc_err(ld, t, "invalid extension \"%s\" for type \"%s\" (missing \";\"?)", ext,
                      t->name);
    if (strchr(ext, '.') != NULL) /* a file's extension is what follows its last '.' */
        return zc_err(ld, t, "invalid extension \"%s\" for type \"%s\" (an extension has no \".\")",
                      ext, t->name);
    if ((lower = zc_arena_strdup(ld->arena, ext)) == NULL) return zc_oom(ld);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (i = 0; i < m->ntypes; i++)
        if (strcmp(m->types[i].ext, lower) == 0) break; /* listed again: the later type wins */
    if (i == m->ntypes && ZC_PUSH(ld->arena, m->types, m->ntypes, m->cap) == NULL)
        return zc_oom(ld);
    m->types[i] = (zc_type_t){lower, (char *)t->name};
    return 0;
}

/* `types { TYPE EXT...; ... }`: each entry is parsed like a directive (nginx does the same), so
 * a quoted TYPE is one word even with spaces or ';' in it. */
static int h_types(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_mime_t *m = mime_of(sc);

    m->set = 1; /* this level's types replace the enclosing level's, even when empty */
    for (size_t i = 0; i < d->nchildren; i++) {
        const zc_node_t *t = &d->children[i];
        if (t->block) return zc_err(ld, t, "unexpected \"{\"");
        if (strchr(t->name, '/') == NULL) /* `html text/html;`: the order is TYPE EXT... */
            return zc_err(ld, t, "invalid media type \"%s\" (an entry is \"TYPE/SUBTYPE EXT...;\")",
                          t->name);
        if (check_media_type(ld, t, t->name) < 0) return -1;
        for (size_t j = 0; j < t->nargs; j++)
            if (add_type(ld, m, t, t->args[j]) < 0) return -1;
    }
    return 0;
}

static int h_default_type(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    if (check_media_type(ld, d, d->args[0]) < 0) return -1;
    mime_of(sc)->default_type = (char *)d->args[0];
    return 0;
}

void zc_mime_inherit(zc_mime_t *m, const zc_mime_t *from)
{
    if (!m->set) {
        m->types = from->types;
        m->ntypes = from->ntypes;
        m->cap = from->cap;
        m->set = from->set;
    }
    if (m->default_type == NULL) m->default_type = from->default_type;
}

/* --- load ----------------------------------------------------------------------------------- */

/* nginx's types when http {} has no types block (ngx_http_core_default_types). */
static int default_types(zc_load_t *ld)
{
    static const char *const def[][2] = {
        {"html", "text/html"}, {"gif", "image/gif"}, {"jpg", "image/jpeg"}};
    const size_t n = sizeof(def) / sizeof(def[0]);
    zc_mime_t *m = &ld->http_level.mime;
    int failed = 0;

    m->types = zc_calloc(ld, n, sizeof(zc_type_t), &failed);
    if (failed) return zc_oom(ld);
    for (size_t i = 0; i < n; i++) {
        m->types[i].ext = zc_arena_strdup(ld->arena, def[i][0]);
        m->types[i].type = zc_arena_strdup(ld->arena, def[i][1]);
        if (m->types[i].ext == NULL || m->types[i].type == NULL) return zc_oom(ld);
    }
    m->ntypes = m->cap = n;
    m->set = 1;
    return 0;
}

/* The http-level settings servers inherit, with the defaults where http {} (or its absence)
 * sets none; zc_http_t gets them too. */
static int http_level_finish(zc_load_t *ld)
{
    zc_http_t *h = &ld->cfg->http;
    zc_server_t *hl = &ld->http_level;

    if (!hl->mime.set && default_types(ld) < 0) return -1;
    if (hl->mime.default_type == NULL) hl->mime.default_type = h->default_type;
    zc_limits_defaults(&hl->lim);
    h->types = hl->mime.types;
    h->ntypes = hl->mime.ntypes;
    h->default_type = hl->mime.default_type;
    h->lim = hl->lim;
    if (!hl->logs.set) { /* nginx's default: logs/access.log */
        char **slot = ZC_PUSH(ld->arena, hl->logs.paths, hl->logs.n, hl->logs.cap);
        if (slot == NULL) return zc_oom(ld);
        *slot = h->access_log;
        hl->logs.set = 1;
    }
    zc_logs_inherit(&hl->logs, &hl->logs); /* `off` */
    h->access_log = hl->logs.n ? hl->logs.paths[0] : NULL;
    return 0;
}

static int set_defaults(zc_load_t *ld, const char *error_log)
{
    zc_config_t *c = ld->cfg;
    zc_http_t *h = &c->http;

    c->worker_processes = 1;
    c->worker_connections = 512;
    c->error_log = zc_arena_strdup(ld->arena, error_log != NULL ? error_log : "stderr");
    c->error_log_level = zc_arena_strdup(ld->arena, "error");
    c->pid = zc_path_join(ld->arena, c->prefix, "logs/zokiod.pid");
    c->backend = zc_arena_strdup(ld->arena, "auto");
    h->default_type = zc_arena_strdup(ld->arena, "text/plain");
    h->access_log = zc_path_join(ld->arena, c->prefix, "logs/access.log");
    h->access_log_combined = 1;
    ld->http_level.autoindex = -1;
    zc_limits_unset(&ld->http_level.lim);
    zc_ssl_unset(&ld->http_level);
    if (c->error_log == NULL || c->error_log_level == NULL || c->pid == NULL ||
        c->backend == NULL || h->default_type == NULL || h->access_log == NULL)
        return zc_oom(ld);
    return 0;
}

/* Sets conf_file, conf_dir and prefix (absolute). */
static int set_paths(zc_load_t *ld, const char *file, const char *prefix)
{
    zc_config_t *c = ld->cfg;
    char cwd[4096];
    const char *base;
    size_t n;

    if ((file[0] != '/' || (prefix != NULL && prefix[0] != '/')) &&
        getcwd(cwd, sizeof(cwd)) == NULL)
        return zc_errf(ld->err, ld->errlen, NULL, 0, "getcwd() failed");
    c->conf_file = zc_path_join(ld->arena, file[0] == '/' ? NULL : cwd, file);
    if (c->conf_file == NULL || (c->conf_dir = zc_path_dir(ld->arena, c->conf_file)) == NULL)
        return zc_oom(ld);
    if (prefix != NULL) {
        c->prefix = zc_path_join(ld->arena, prefix[0] == '/' ? NULL : cwd, prefix);
    } else {
        n = strlen(c->conf_dir);
        base = strrchr(c->conf_dir, '/');
        if (base != NULL && strcmp(base + 1, "conf") == 0 && base != c->conf_dir)
            c->prefix = zc_arena_strndup(ld->arena, c->conf_dir, (size_t)(base - c->conf_dir));
        else if (base != NULL && strcmp(base + 1, "conf") == 0)
            c->prefix = zc_arena_strdup(ld->arena, "/");
        else
            c->prefix = zc_arena_strndup(ld->arena, c->conf_dir, n);
    }
    if (c->prefix == NULL) return zc_oom(ld);
    /* A trailing slash on -p would double up in joined paths. */
    for (n = strlen(c->prefix); n > 1 && c->prefix[n - 1] == '/'; n--)
        c->prefix[n - 1] = '\0';
    return 0;
}

/* The -g directives, then the file's, as one main block (nginx reads -g first). */
static int read_all(zc_load_t *ld, zc_node_t *root, const char *params)
{
    zc_config_t *c = ld->cfg;
    zc_sources_t srcs = {0};
    zc_node_t g = {0};
    zc_node_t *all;

    if (params != NULL &&
        zc_parse_params(&g, params, c->conf_dir, ld->arena, ld->err, ld->errlen) < 0)
        return -1;
    if (zc_parse_file_src(root, c->conf_file, c->conf_dir, ld->arena, &srcs, ld->err, ld->errlen) <
        0)
        return -1;
    c->sources = srcs.items;
    c->nsources = srcs.n;
    if (g.nchildren == 0) return 0;
    all = zc_arena_alloc(ld->arena, (g.nchildren + root->nchildren) * sizeof(*all));
    if (all == NULL) return zc_oom(ld);
    memcpy(all, g.children, g.nchildren * sizeof(*all));
    if (root->nchildren) memcpy(all + g.nchildren, root->children, root->nchildren * sizeof(*all));
    root->children = all;
    root->nchildren += g.nchildren;
    return 0;
}

int zc_config_load_budget(zc_config_t *out, const char *file, const zc_load_opts_t *opts, char *err,
                          size_t errlen, long budget)
{
    static const zc_load_opts_t none = {NULL, NULL, NULL};
    zc_load_t ld = {0};
    zc_node_t root;
    zc_scope_t top = {ZC_CTX_MAIN, NULL, NULL};

    if (opts == NULL) opts = &none;
    memset(out, 0, sizeof(*out));
    zc_arena_init(&out->arena);
    out->arena.fail_after = budget;
    if (err != NULL && errlen > 0) err[0] = '\0';
    ld.cfg = out;
    ld.arena = &out->arena;
    ld.err = err;
    ld.errlen = errlen;
    if (set_paths(&ld, file, opts->prefix) < 0 || set_defaults(&ld, opts->error_log) < 0 ||
        read_all(&ld, &root, opts->params) < 0 || zc_run_block(&ld, &root, &top) < 0 ||
        zc_process_finish(&ld) < 0 || (!out->has_http && http_level_finish(&ld) < 0)) {
        zc_config_free(out);
        return -1;
    }
    return 0;
}

int zc_config_load_opts(zc_config_t *out, const char *file, const zc_load_opts_t *opts, char *err,
                        size_t errlen)
{
    return zc_config_load_budget(out, file, opts, err, errlen, -1);
}

int zc_config_load(zc_config_t *out, const char *file, const char *prefix, char *err, size_t errlen)
{
    zc_load_opts_t o = {prefix, NULL, NULL};
    return zc_config_load_budget(out, file, &o, err, errlen, -1);
}

void zc_config_free(zc_config_t *c)
{
    zc_regexes_free(c);
    zc_arena_free(&c->arena);
    memset(c, 0, sizeof(*c));
}
