/* SPDX-License-Identifier: MIT */
/* zokiod: a configuration generation (see gen.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/timer.h"
#include "http/vars.h"
#include "server/gen.h"
#include "server/listens.h"
#include "server/log.h"
#include "server/paths.h"
#include "server/tls_conf.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static int fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
    return -1;
}

/* remembers an allocation to free with the generation */
static void *keep(zs_gen_t *g, void *p)
{
    if (!p) return NULL;
    if (g->nstrs == g->capstrs) {
        size_t cap = g->capstrs ? 2 * g->capstrs : 64;
        char **s = realloc(g->strs, cap * sizeof *s);
        if (!s) {
            free(p);
            return NULL;
        }
        g->strs = s;
        g->capstrs = cap;
    }
    g->strs[g->nstrs++] = p;
    return p;
}

/* the MIME table: the (extension, type) pairs conf/ parsed, added one by one (never printed
 * back to text: a quoted type may hold spaces and ';') */
static int build_mime(zs_gen_t *g, char *err, size_t errlen)
{
    const zc_http_t *h = &g->conf.http;
    for (size_t i = 0; i < h->ntypes; i++) {
        const zc_type_t *t = &h->types[i];
        int r = zh_mime_add(&g->mime, t->ext, strlen(t->ext), t->type);
        if (r == -ENOMEM) return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
        if (r < 0) /* conf/ refuses what http/ would: not reached */
            return fail(err, errlen, "zokiod: types: extension \"%s\" or its type \"%s\" refused",
                        t->ext, t->type);
    }
    return 0;
}

/* an O_PATH fd for a document root (one per location: a few fds, and the file cache keys on it) */
static int root_fd(zs_gen_t *g, const char *path)
{
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        /* like nginx: not fatal; its requests answer 404 (and the error log says why) */
        zs_log(g->roots_unused ? ZS_LOG_DEBUG : ZS_LOG_WARN, "document root \"%s\": %s", path,
               strerror(errno));
        return -1;
    }
    int *fds = realloc(g->fds, (g->nfds + 1) * sizeof *fds);
    if (!fds) {
        close(fd);
        return -1;
    }
    g->fds = fds;
    g->fds[g->nfds++] = fd;
    return fd;
}

static const char *const *index_list(zs_gen_t *g, char **names, size_t n)
{
    const char **list = keep(g, calloc(n + 1, sizeof *list));
    if (!list) return NULL;
    for (size_t i = 0; i < n; i++)
        list[i] = names[i];
    return list;
}

/* conf/'s parts of a value with variables as http/'s (the ZC_VAR_* and ZC_HDR_* orders are
 * http/'s zh_var_id_t and ZH_H_* orders) */
static void tpl_parts(zh_tpl_part_t *out, const zc_tpl_part_t *in, size_t n)
{
    static const uint8_t kinds[] = {
        [ZC_TPL_TEXT] = ZH_TPL_TEXT,   [ZC_TPL_CAPTURE] = ZH_TPL_CAPTURE,
        [ZC_TPL_NAMED] = ZH_TPL_NAMED, [ZC_TPL_VAR] = ZH_TPL_VAR,
        [ZC_TPL_HTTP] = ZH_TPL_HTTP,   [ZC_TPL_ARG] = ZH_TPL_ARG,
        [ZC_TPL_USER] = ZH_TPL_USER,
    };
    _Static_assert((int)ZC_VAR__COUNT == (int)ZH_VAR__COUNT, "variable ids differ");
    _Static_assert((int)ZC_HDR__COUNT == (int)ZH_H__COUNT, "header ids differ");
    _Static_assert((int)ZC_USER_VARS_MAX == (int)ZH_USER_VARS_MAX, "set variables differ");
    _Static_assert(ZC_SET_ARGS == ZH_SET_ARGS && ZC_USER_VARS_MAX < ZC_SET_ARGS, "set $args");
    for (size_t i = 0; i < n; i++) {
        out[i].kind = kinds[in[i].kind];
        out[i].n = (uint8_t)in[i].capture;
        out[i].s = in[i].text;
        out[i].len = (uint32_t)in[i].len;
    }
}

/* a value with variables, as http/ expands it; an empty value for NULL */
static int make_tpl(zs_gen_t *g, const zc_tpl_t *in, zh_tpl_t *t)
{
    t->parts = NULL;
    t->nparts = 0;
    if (!in || !in->nparts) return 0;
    zh_tpl_part_t *parts = keep(g, calloc(in->nparts, sizeof *parts));
    if (!parts) return -ENOMEM;
    tpl_parts(parts, in->parts, in->nparts);
    t->parts = parts;
    t->nparts = (uint32_t)in->nparts;
    return 0;
}

static const zh_tpl_t *new_tpl(zs_gen_t *g, const zc_tpl_t *in)
{
    zh_tpl_t *t = keep(g, calloc(1, sizeof *t));
    return t && make_tpl(g, in, t) == 0 ? t : NULL;
}

static const zh_header_t *headers(zs_gen_t *g, const zc_header_t *h, size_t n)
{
    if (!n) return NULL;
    zh_header_t *out = keep(g, calloc(n, sizeof *out));
    for (size_t i = 0; out && i < n; i++) {
        out[i] = (zh_header_t){h[i].name, h[i].value, h[i].always, NULL};
        if (h[i].tpl && !(out[i].tpl = new_tpl(g, h[i].tpl))) return NULL;
    }
    return out;
}

/* the rewrite module's directives of a block, in order */
static int build_rw(zs_gen_t *g, zh_location_t *l, const zc_rw_t *rw)
{
    size_t n = 0;
    for (const zc_rw_t *w = rw; w; w = w->next)
        n++;
    if (!n) return 0;
    zh_rw_t *out = keep(g, calloc(n, sizeof *out));
    if (!out) return -ENOMEM;
    n = 0;
    for (const zc_rw_t *w = rw; w; w = w->next, n++) {
        zh_rw_t *o = &out[n];
        o->op = w->op == ZC_RW_BREAK     ? ZH_RW_STOP
                : w->op == ZC_RW_SET     ? ZH_RW_SET
                : w->op == ZC_RW_REWRITE ? ZH_RW_REWRITE
                                         : ZH_RW_RETURN;
        o->flag = (uint8_t)w->flag; /* ZC_RWF_* is ZH_RW_NONE.. in the same order */
        o->absolute = (uint8_t)w->absolute;
        o->no_args = (uint8_t)w->no_args;
        o->has_text = w->val != NULL;
        o->var = (uint8_t)w->var;
        o->code = w->code;
        o->re = w->regex ? w->regex->code : NULL;
        if (make_tpl(g, w->val, &o->val) < 0) return -ENOMEM;
    }
    l->rw = out;
    l->nrw = (uint32_t)n;
    return 0;
}

static int build_try(zs_gen_t *g, zh_location_t *l, const zc_try_t *t)
{
    if (!t) return 0;
    zh_try_t *o = keep(g, calloc(1, sizeof *o));
    zh_tpl_t *files = keep(g, calloc(t->nfiles ? t->nfiles : 1, sizeof *files));
    if (!o || !files) return -ENOMEM;
    for (size_t i = 0; i < t->nfiles; i++)
        if (make_tpl(g, t->files[i], &files[i]) < 0) return -ENOMEM;
    o->files = files;
    o->dir = t->dir;
    o->nfiles = (uint32_t)t->nfiles;
    o->code = t->code;
    if (make_tpl(g, t->uri, &o->uri) < 0) return -ENOMEM;
    l->try_files = o;
    return 0;
}

static uint32_t clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static void fill_io(zh_location_t *l, const zc_io_t *io)
{
    l->site.cache = (zh_fpolicy_t){.off = (uint8_t)!io->ofc,
                                   .errors = (uint8_t)io->ofc_errors,
                                   .valid = clamp32(io->ofc_valid_s),
                                   .min_uses = clamp32(io->ofc_min_uses),
                                   .inactive = clamp32(io->ofc_inactive_s)};
    l->sendfile = (uint8_t)io->sendfile;
    l->tcp_nopush = (uint8_t)io->tcp_nopush;
    l->tcp_nodelay = (uint8_t)io->tcp_nodelay;
    l->reset_timedout = (uint8_t)io->reset_timedout;
    l->sendfile_max_chunk = io->sendfile_max_chunk;
}

static void fill_serve(zh_location_t *l, const zc_serve_t *sv)
{
    /* ZC_EXPIRES_* and ZC_IMS_* have the order of ZH_EXPIRES_* and ZH_IMS_* */
    l->serve = (zh_serve_t){.expires = (uint8_t)sv->expires,
                            .etag = (uint8_t)sv->etag,
                            .ims = (uint8_t)sv->ims,
                            .log_not_found = (uint8_t)sv->log_not_found,
                            .expires_s = sv->expires_s,
                            .charset = sv->charset,
                            .charset_types = (const char *const *)sv->charset_types,
                            .ncharset_types = (uint32_t)sv->ncharset_types};
}

/* The directory a root or alias with captures names before its first capture: its text (absolute)
 * up to the last '/' ("/srv" of "/srv/$sub/www"); "/" when that is the first byte. */
static size_t fixed_dir_len(const char *text, size_t len)
{
    size_t k = len;
    while (k > 0 && text[k - 1] != '/')
        k--;
    return k > 1 ? k - 1 : 1;
}

/* A root or alias with captures, or an alias that is a whole path (regex location): root_fd is
 * the directory its text names up to the last '/' before the first capture ("/srv" of
 * "/srv/$sub/www", "/data" of "/data/a.png"), root_tpl the rest from that '/' ("/$sub/www"). */
static int fill_root_tpl(zs_gen_t *g, zh_location_t *l, const char *path, const zc_tpl_t *tpl)
{
    zc_tpl_part_t whole = {ZC_TPL_TEXT, path, strlen(path), 0};
    const zc_tpl_part_t *in = tpl ? tpl->parts : &whole;
    size_t n = tpl ? tpl->nparts : 1, k = fixed_dir_len(in[0].text, in[0].len);
    char *base = keep(g, strndup(in[0].text, k));
    if (k == 1) k = 0; /* base "/": the template keeps its '/' */
    zh_tpl_part_t *parts = keep(g, calloc(n, sizeof *parts));
    zh_tpl_t *t = keep(g, calloc(1, sizeof *t));
    if (!base || !parts || !t) return -ENOMEM;
    tpl_parts(parts, in, n);
    parts[0].s += k;
    parts[0].len -= (uint32_t)k;
    t->parts = parts;
    t->nparts = (uint32_t)n;
    l->root_tpl = t;
    l->site.root_fd = root_fd(g, base);
    l->site.root_path = base;
    return 0;
}

/* the settings a location shares with the server level */
static int fill_settings(zs_gen_t *g, zh_location_t *l, const char *root, const char *alias,
                         const zc_tpl_t *tpl, char **index, size_t nindex, int autoindex,
                         const zc_header_t *hd, size_t nhd, const zc_return_t *ret,
                         const zc_rw_t *rw, const zc_try_t *try_files, zc_tpl_t *const *index_tpl)
{
    if (index_tpl) {
        zh_tpl_t *it = keep(g, calloc(nindex ? nindex : 1, sizeof *it));
        if (!it) return -ENOMEM;
        for (size_t i = 0; i < nindex; i++)
            if (make_tpl(g, index_tpl[i], &it[i]) < 0) return -ENOMEM;
        l->index_tpl = it;
    }
    if (build_rw(g, l, rw) < 0 || build_try(g, l, try_files) < 0) return -ENOMEM;
    l->alias = alias != NULL;
    l->autoindex = (uint8_t)autoindex;
    if (tpl || (alias && l->alias_cut == ZH_ALIAS_WHOLE)) {
        if (fill_root_tpl(g, l, alias ? alias : root, tpl) < 0) return -ENOMEM;
    } else {
        l->site.root_fd = root_fd(g, alias ? alias : root);
        l->site.root_path = alias ? alias : root;
    }
    l->site.mime = &g->mime;
    l->site.default_type = g->conf.http.default_type;
    l->site.index = index_list(g, index, nindex);
    l->headers = headers(g, hd, nhd);
    l->nheaders = (uint32_t)nhd;
    l->return_code = ret->code;
    l->return_text = ret->text;
    return (!l->site.index || (nhd && !l->headers)) ? -ENOMEM : 0;
}

/* one level of locations (and, recursively, the levels nested in them) */
static int build_locations(zs_gen_t *g, const zc_location_t *cl, size_t n,
                           const zh_location_t **out, uint32_t *nout)
{
    zh_location_t *locs = n ? keep(g, calloc(n, sizeof *locs)) : NULL;
    if (n && !locs) return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const zc_location_t *c = &cl[i];
        zh_location_t *l = &locs[i];
        l->prefix = c->prefix;
        l->prefix_len = (uint32_t)strlen(c->prefix);
        l->exact = c->exact;
        l->noregex = c->noregex;
        l->named = c->named;
        l->regex = c->regex ? c->regex->code : NULL;
        l->alias_cut = c->alias_cut == ZC_ALIAS_WHOLE ? ZH_ALIAS_WHOLE : (uint32_t)c->alias_cut;
        int r =
            fill_settings(g, l, c->root, c->alias, c->root_tpl, c->index, c->nindex, c->autoindex,
                          c->headers, c->nheaders, &c->ret, c->rw, c->try_files, c->index_tpl);
        l->internal = (uint8_t)c->internal;
        if (r < 0) return r;
        fill_io(l, &c->io);
        fill_serve(l, &c->serve);
        zs_paths_fill(l, &c->paths);
        if ((r = build_locations(g, c->locations, c->nlocations, &l->locations, &l->nlocations)))
            return r;
    }
    *out = locs;
    *nout = (uint32_t)n;
    return 0;
}

/* 1 when a server's own set/rewrite/return directives end every request with its return (a
 * redirect server): no request reaches a location or a file, so its roots are never used */
static int always_returns(const zc_rw_t *rw)
{
    for (; rw; rw = rw->next) {
        if (rw->op == ZC_RW_RETURN) return 1;
        if (rw->op == ZC_RW_BREAK || (rw->op == ZC_RW_REWRITE && rw->flag != ZC_RWF_NONE)) return 0;
    }
    return 0;
}

static int build_vhost(zs_gen_t *g, const zc_server_t *s, zh_vhost_t *v, zs_vhost_extra_t *x)
{
    v->names = (const char *const *)s->names;
    v->nnames = (uint32_t)s->nnames;
    const pcre2_code **res = NULL;
    if (s->nname_regexes && !(res = keep(g, calloc(s->nname_regexes, sizeof *res)))) return -ENOMEM;
    for (size_t i = 0; i < s->nname_regexes; i++)
        res[i] = s->name_regexes[i]->code;
    v->regexes = res;
    v->nregexes = (uint32_t)s->nname_regexes;
    v->base.prefix = "";
    g->roots_unused = always_returns(s->rw);
    int r =
        fill_settings(g, &v->base, s->root, NULL, s->root_tpl, s->index, s->nindex, s->autoindex,
                      s->headers, s->nheaders, &s->ret, s->rw, s->try_files, s->index_tpl);
    if (r == 0) r = build_locations(g, s->locations, s->nlocations, &v->locations, &v->nlocations);
    g->roots_unused = 0;
    if (r < 0) return r;
    fill_io(&v->base, &s->io);
    fill_serve(&v->base, &s->serve);
    zs_paths_fill(&v->base, &s->paths);
    zh_error_page_t *eps = NULL;
    size_t neps = 0;
    for (size_t i = 0; i < s->nerror_pages; i++)
        neps += s->error_pages[i].ncodes;
    if (neps && !(eps = keep(g, calloc(neps, sizeof *eps)))) return -ENOMEM;
    neps = 0;
    for (size_t i = 0; i < s->nerror_pages; i++)
        for (size_t j = 0; j < s->error_pages[i].ncodes; j++)
            eps[neps++] = (zh_error_page_t){s->error_pages[i].codes[j], s->error_pages[i].response,
                                            s->error_pages[i].uri, NULL};
    for (size_t i = 0, k = 0; i < s->nerror_pages; i++) {
        const zh_tpl_t *t = s->error_pages[i].tpl ? new_tpl(g, s->error_pages[i].tpl) : NULL;
        if (s->error_pages[i].tpl && !t) return -ENOMEM;
        for (size_t j = 0; j < s->error_pages[i].ncodes; j++)
            eps[k++].tpl = t;
    }
    v->error_pages = eps;
    v->nerror_pages = (uint32_t)neps;
    x->access_log_path = s->access_log;
    return 0;
}

static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) zs_log(ZS_LOG_ERR, "open() \"%s\" failed (%s)", path, strerror(errno));
    return fd;
}

/* one fd per distinct access log path; a vhost's extra.log points at its entry */
static int build_logs(zs_gen_t *g)
{
    g->logs = calloc(g->nvhosts ? g->nvhosts : 1, sizeof *g->logs);
    if (!g->logs) return -ENOMEM;
    for (size_t i = 0; i < g->nvhosts; i++) {
        const char *path = g->extra[i].access_log_path;
        size_t j = 0;
        g->extra[i].log = -1;
        if (!path) continue;
        while (j < g->nlogs && strcmp(g->logs[j].path, path))
            j++;
        if (j == g->nlogs) g->logs[g->nlogs++] = (zs_gen_log_t){path, open_log(path)};
        g->extra[i].log = (int)j;
    }
    return 0;
}

/* the supplementary groups of the workers' user (initgroups() would read them after fork) */
static int build_groups(zs_gen_t *g)
{
    const zc_config_t *c = &g->conf;
    int n = 16;
    if (!c->has_user) return 0;
    for (;;) {
        gid_t *gs = realloc(g->groups, (size_t)n * sizeof *gs);
        if (!gs) return -ENOMEM;
        g->groups = gs;
        int got = n;
        if (getgrouplist(c->user, c->gid, gs, &got) >= 0) {
            g->ngroups = (size_t)got;
            return 0;
        }
        if (got <= n)
            n *= 2; /* glibc says how many it needs; others may not */
        else
            n = got;
        if (n > 65536) return -E2BIG;
    }
}

void zs_gen_reopen_logs(zs_gen_t *g)
{
    for (size_t i = 0; i < g->nlogs; i++) {
        zs_gen_log_t *l = &g->logs[i];
        int fd = open_log(l->path);
        if (fd < 0) continue;
        if (g->conf.has_user && fchown(fd, g->conf.uid, (gid_t)-1) < 0)
            zs_log(ZS_LOG_ALERT, "chown(\"%s\", %d) failed (%s)", l->path, (int)g->conf.uid,
                   strerror(errno));
        if (l->fd >= 0) close(l->fd);
        l->fd = fd;
    }
}

static zs_listen_t *find_listen(zs_listen_t *ls, size_t n, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ls[i].text, text)) return &ls[i];
    return NULL;
}

static int build_listens(zs_gen_t *g, char *err, size_t errlen)
{
    const zc_http_t *h = &g->conf.http;
    size_t max = 0;
    for (size_t i = 0; i < h->nservers; i++)
        max += h->servers[i].nlistens;
    g->listens = calloc(max ? max : 1, sizeof *g->listens);
    if (!g->listens) return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
    for (size_t i = 0; i < h->nservers; i++) {
        const zc_server_t *s = &h->servers[i];
        for (size_t j = 0; j < s->nlistens; j++) {
            const zc_listen_t *cl = &s->listens[j];
            zs_listen_t *l = find_listen(g->listens, g->nlistens, cl->text);
            if (!l) {
                l = &g->listens[g->nlistens++];
                snprintf(l->text, sizeof l->text, "%s", cl->text);
                l->vhosts = keep(g, calloc(h->nservers, sizeof *l->vhosts));
                if (!l->vhosts) return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
                if (!(l->sock = zs_sock_get(cl, err, errlen))) return -1;
            }
            if (!l->nvhosts || l->vhosts[l->nvhosts - 1] != &g->vhosts[i])
                l->vhosts[l->nvhosts++] = &g->vhosts[i];
            if (cl->default_server && !l->dflt) l->dflt = &g->vhosts[i];
            l->ssl |= cl->ssl;
        }
    }
    for (size_t i = 0; i < g->nlistens; i++)
        if (!g->listens[i].dflt) g->listens[i].dflt = g->listens[i].vhosts[0];
    return 0;
}

static void build_limits(zs_gen_t *g)
{
    const zc_http_t *h = &g->conf.http;
    zh_limits_t *l = &g->lim;
    zh_limits_default(l);
    _Static_assert(ZC_WANT_HEADERS_MAX <= ZH_XH_MAX, "$http_NAME headers");
    l->want_headers = (const char *const *)h->want_headers;
    l->nwant_headers = (uint32_t)h->nwant_headers;
    l->max_body = h->client_max_body_size ? h->client_max_body_size : UINT64_MAX;
    if (h->large_header_buffers_size) {
        l->max_target = (uint32_t)MIN(h->large_header_buffers_size, 8192);
        l->max_header_bytes = (uint32_t)MIN(h->large_header_buffers_size, 8192);
    }
    l->keepalive_requests = h->keepalive_timeout_ms ? h->keepalive_requests : 1;
    l->keepalive_timeout = h->keepalive_timeout_ms * ZK_MSEC;
    l->keepalive_header = (uint32_t)MIN(h->keepalive_header_timeout_ms / 1000, UINT32_MAX);
    l->header_timeout = h->client_header_timeout_ms * ZK_MSEC;
    l->body_timeout = h->client_body_timeout_ms * ZK_MSEC;
    l->send_timeout = h->send_timeout_ms * ZK_MSEC;
    if (g->conf.worker_connections) l->max_conns = g->conf.worker_connections;
    /* open_file_cache max=: room for every cache nginx would have made */
    if (h->open_file_cache_max) l->cache_max_entries = h->open_file_cache_max;
}

int zs_gen_check(const zc_config_t *conf, char *err, size_t errlen)
{
    return zs_tls_check(conf, err, errlen);
}

int zs_gen_build(zs_gen_t *g, zc_config_t *conf, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->conf = *conf;
    memset(conf, 0, sizeof *conf);
    if (zs_gen_check(&g->conf, err, errlen) < 0) return -1;
    const zc_http_t *h = &g->conf.http;
    if (build_mime(g, err, errlen) < 0) return -1;
    build_limits(g);
    g->nvhosts = h->nservers;
    g->vhosts = calloc(h->nservers ? h->nservers : 1, sizeof *g->vhosts);
    g->extra = calloc(h->nservers ? h->nservers : 1, sizeof *g->extra);
    if (!g->vhosts || !g->extra) return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
    for (size_t i = 0; i < h->nservers; i++)
        if (build_vhost(g, &h->servers[i], &g->vhosts[i], &g->extra[i]) < 0)
            return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
    if (build_logs(g) < 0) return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
    int r = build_groups(g);
    if (r < 0)
        return fail(err, errlen, "zokiod: getgrouplist(\"%s\") failed (%s)", g->conf.user,
                    strerror(-r));
    if (build_listens(g, err, errlen) < 0) return -1;
    return zs_tls_build(g, err, errlen);
}

static int warn_root(const char *path)
{
    if (!path) return 0;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    fprintf(stderr,
            "zokiod: [warn] document root \"%s\" cannot be read (%s): its requests will "
            "fail\n",
            path, strerror(errno));
    return 1;
}

void zs_gen_log_notes(const zc_config_t *conf, int echo)
{
    for (size_t i = 0; i < conf->nnotes; i++) {
        int level = zs_level_parse(conf->notes[i].level);
        if (level < 0) level = ZS_LOG_NOTICE;
        zs_log(level, "%s", conf->notes[i].text);
        if (echo && level <= ZS_LOG_WARN)
            fprintf(stderr, "zokiod: [%s] %s\n", zs_level_name(level), conf->notes[i].text);
    }
}

/* a root or alias as -t checks it: with captures, the directory before the first one */
static int warn_path(const char *path, const zc_tpl_t *tpl)
{
    if (!tpl || !path) return warn_root(path);
    char *dir = strndup(tpl->parts[0].text, fixed_dir_len(tpl->parts[0].text, tpl->parts[0].len));
    int w = dir ? warn_root(dir) : 0;
    free(dir);
    return w;
}

/* the roots and aliases of locations (nested ones too) that differ from their parent's */
static int warn_locations(const zc_server_t *s, const zc_location_t *l, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++) {
        const zc_location_t *p = l[i].parent;
        const char *own = l[i].alias ? l[i].alias : l[i].root;
        const char *up = p ? (p->alias ? p->alias : p->root) : s->root;
        if (own && (!up || strcmp(own, up))) w += warn_path(own, l[i].root_tpl);
        w += warn_locations(s, l[i].locations, l[i].nlocations);
    }
    return w;
}

int zs_gen_warn_roots(const zc_config_t *conf)
{
    int n = 0;
    for (size_t i = 0; i < conf->http.nservers; i++) {
        const zc_server_t *s = &conf->http.servers[i];
        if (always_returns(s->rw)) continue; /* a redirect server reads no file */
        n += warn_path(s->root, s->root_tpl);
        n += warn_locations(s, s->locations, s->nlocations);
    }
    return n;
}

void zs_gen_free(zs_gen_t *g)
{
    zs_tls_free(g);
    for (size_t i = 0; i < g->nlistens; i++)
        zs_sock_put(g->listens[i].sock);
    for (size_t i = 0; i < g->nfds; i++)
        close(g->fds[i]);
    for (size_t i = 0; i < g->nlogs; i++)
        if (g->logs[i].fd >= 0) close(g->logs[i].fd);
    free(g->logs);
    free(g->groups);
    for (size_t i = 0; i < g->nstrs; i++)
        free(g->strs[i]);
    free(g->strs);
    free(g->fds);
    free(g->listens);
    free(g->vhosts);
    free(g->extra);
    zh_mime_free(&g->mime);
    zc_config_free(&g->conf);
    memset(g, 0, sizeof *g);
}

int zs_backend_env_check(char *err, size_t errlen)
{
    const char *env = getenv("ZOKIOD_BACKEND");
    zk_backend_kind_t k;

    if (!env || !*env || zk_backend_parse(env, &k) == 0) return 0;
    snprintf(err, errlen, "zokiod: [emerg] ZOKIOD_BACKEND=\"%s\": expected io_uring, epoll or auto",
             env);
    return -1;
}

void zs_gen_loop_backend(const zs_gen_t *g, zk_loop_opts_t *o)
{
    const char *env = getenv("ZOKIOD_BACKEND");
    const char *b = g->conf.backend;

    o->backend_why = "config";
    if (env && *env) {
        b = env;
        o->backend_why = "ZOKIOD_BACKEND";
    }
    o->backend = ZK_BACKEND_AUTO;
    if (b && zk_backend_parse(b, &o->backend) < 0) o->backend = ZK_BACKEND_AUTO;
}
