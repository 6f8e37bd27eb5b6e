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

/* a MIME table: the (extension, type) pairs conf/ parsed, added one by one (never printed back
 * to text: a quoted type may hold spaces and ';') */
static int fill_mime(zh_mime_t *m, const zc_type_t *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int r = zh_mime_add(m, types[i].ext, strlen(types[i].ext), types[i].type);
        if (r < 0) return r; /* -ENOMEM; anything else conf/ refuses already */
    }
    return 0;
}

static int build_mime(zs_gen_t *g, char *err, size_t errlen)
{
    const zc_http_t *h = &g->conf.http;
    if (fill_mime(&g->mime, h->types, h->ntypes) < 0)
        return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
    return 0;
}

/* the table of a level's types: http {}'s, or one built once per types block set (NULL when
 * out of memory) */
static const zh_mime_t *mime_for(zs_gen_t *g, const zc_mime_t *m)
{
    if (m->types == g->conf.http.types) return &g->mime;
    for (size_t i = 0; i < g->nextra_mimes; i++)
        if (g->mime_keys[i] == m->types) return g->extra_mimes[i];
    zh_mime_t **ms = realloc(g->extra_mimes, (g->nextra_mimes + 1) * sizeof *ms);
    if (!ms) return NULL;
    g->extra_mimes = ms;
    const zc_type_t **ks = realloc(g->mime_keys, (g->nextra_mimes + 1) * sizeof *ks);
    if (!ks) return NULL;
    g->mime_keys = ks;
    zh_mime_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    if (fill_mime(t, m->types, m->ntypes) < 0) {
        zh_mime_free(t);
        free(t);
        return NULL;
    }
    g->extra_mimes[g->nextra_mimes] = t;
    g->mime_keys[g->nextra_mimes++] = m->types;
    return t;
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

static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) zs_log(ZS_LOG_ERR, "open() \"%s\" failed (%s)", path, strerror(errno));
    return fd;
}

/* the index of an access or error log path in g->logs (marked as such): one fd per distinct path,
 * opened here (by the master, as root); -1 when out of memory */
static long log_index(zs_gen_t *g, const char *path, int error)
{
    size_t j = 0;
    while (j < g->nlogs && strcmp(g->logs[j].path, path))
        j++;
    if (j < g->nlogs) {
        *(error ? &g->logs[j].error : &g->logs[j].access) = 1;
        return (long)j;
    }
    if (g->nlogs == g->caplogs) {
        size_t cap = g->caplogs ? 2 * g->caplogs : 8;
        zs_gen_log_t *l = realloc(g->logs, cap * sizeof *l);
        if (!l) return -1;
        g->logs = l;
        g->caplogs = cap;
    }
    g->logs[g->nlogs] = (zs_gen_log_t){path, open_log(path), (uint8_t)!error, (uint8_t) !!error};
    return (long)g->nlogs++;
}

/* the access logs of a level, as zh_location_t.access_log: NULL for none; *failed on ENOMEM */
static void *logset_for(zs_gen_t *g, const zc_logs_t *l, int *failed)
{
    if (!l->n) return NULL;
    for (size_t i = 0; i < g->nlogsets; i++)
        if (g->logset_keys[i] == l->paths && g->logsets[i]->n == l->n) return g->logsets[i];
    zs_logset_t **sets = realloc(g->logsets, (g->nlogsets + 1) * sizeof *sets);
    if (sets) g->logsets = sets;
    char ***keys = realloc(g->logset_keys, (g->nlogsets + 1) * sizeof *keys);
    if (keys) g->logset_keys = keys;
    zs_logset_t *set =
        sets && keys ? keep(g, calloc(1, sizeof *set + l->n * sizeof(size_t))) : NULL;
    if (!set) {
        *failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++) {
        long j = log_index(g, l->paths[i], 0);
        if (j < 0) {
            *failed = 1;
            return NULL;
        }
        set->idx[set->n++] = (size_t)j;
    }
    g->logsets[g->nlogsets] = set;
    g->logset_keys[g->nlogsets++] = l->paths;
    return set;
}

/* the error logs of a level, as zh_location_t.error_log: NULL for the main one; *failed on
 * ENOMEM */
static const void *elogset_for(zs_gen_t *g, const zc_elogs_t *l, int *failed)
{
    if (!l->n) return NULL;
    for (size_t i = 0; i < g->nelogsets; i++)
        if (g->elogset_keys[i] == l->v && g->elogsets[i]->n == l->n) return g->elogsets[i];
    zs_elogset_t **sets = realloc(g->elogsets, (g->nelogsets + 1) * sizeof *sets);
    if (sets) g->elogsets = sets;
    const zc_elog_t **keys = realloc(g->elogset_keys, (g->nelogsets + 1) * sizeof *keys);
    if (keys) g->elogset_keys = keys;
    zs_elogset_t *set =
        sets && keys ? keep(g, calloc(1, sizeof *set + l->n * sizeof set->e[0])) : NULL;
    if (!set) {
        *failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < l->n; i++) {
        long j = strcmp(l->v[i].path, "stderr") == 0 ? -2 : log_index(g, l->v[i].path, 1);
        if (j == -1) {
            *failed = 1;
            return NULL;
        }
        int level = zs_level_parse(l->v[i].level);
        set->e[set->n].idx = j < 0 ? ZS_ELOG_STDERR : (size_t)j;
        set->e[set->n++].level = level < 0 ? ZS_LOG_ERR : level;
    }
    g->elogsets[g->nelogsets] = set;
    g->elogset_keys[g->nelogsets++] = l->v;
    return set;
}

/* client_max_body_size as http/ reads it: 0 (no limit) is UINT64_MAX */
static uint64_t body_max(const zc_limits_t *lim)
{
    return lim->client_max_body_size ? lim->client_max_body_size : UINT64_MAX;
}

/* the limits of a location, as http/ reads them */
static void fill_limits(zh_location_t *l, const zc_limits_t *lim)
{
    l->lim = (zh_loc_limits_t){
        .keepalive_timeout = lim->keepalive_timeout_ms * ZK_MSEC,
        .keepalive_header = (uint32_t)MIN(lim->keepalive_header_timeout_ms / 1000, UINT32_MAX),
        .keepalive_requests = (uint32_t)MIN(lim->keepalive_requests, UINT32_MAX),
        .max_body = body_max(lim),
        .send_timeout = lim->send_timeout_ms * ZK_MSEC,
        .server_tokens = (uint8_t)lim->server_tokens,
        .set = 1};
}

/* error_page lines as http/'s, one per code (NULL and 0 for none; -ENOMEM) */
static int build_error_pages(zs_gen_t *g, const zc_error_page_t *pages, size_t n,
                             const zh_error_page_t **out, uint32_t *nout)
{
    zh_error_page_t *eps = NULL;
    size_t neps = 0;
    for (size_t i = 0; i < n; i++)
        neps += pages[i].ncodes;
    if (neps && !(eps = keep(g, calloc(neps, sizeof *eps)))) return -ENOMEM;
    neps = 0;
    for (size_t i = 0; i < n; i++) {
        const zh_tpl_t *t = pages[i].tpl ? new_tpl(g, pages[i].tpl) : NULL;
        if (pages[i].tpl && !t) return -ENOMEM;
        for (size_t j = 0; j < pages[i].ncodes; j++)
            eps[neps++] = (zh_error_page_t){pages[i].codes[j], pages[i].response, pages[i].uri, t};
    }
    *out = eps;
    *nout = (uint32_t)neps;
    return 0;
}

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

/* The settings every level (a server's own, each location) carries, inherited by conf/ already:
 * I/O, limits, what answers carry, paths, its logs, types and error pages. -ENOMEM or 0. */
static int fill_level(zs_gen_t *g, zh_location_t *l, const zc_io_t *io, const zc_limits_t *lim,
                      const zc_serve_t *sv, const zc_paths_t *paths, const zc_logs_t *logs,
                      const zc_elogs_t *elogs, const zc_mime_t *mime, const zc_error_page_t *eps,
                      size_t neps)
{
    fill_io(l, io);
    fill_limits(l, lim);
    fill_serve(l, sv);
    zs_paths_fill(l, paths);
    int failed = 0;
    l->access_log = logset_for(g, logs, &failed);
    l->error_log = elogset_for(g, elogs, &failed);
    if (failed) return -ENOMEM;
    l->site.default_type = mime->default_type;
    if (!(l->site.mime = mime_for(g, mime))) return -ENOMEM;
    return build_error_pages(g, eps, neps, &l->error_pages, &l->nerror_pages);
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
        r = fill_level(g, l, &c->io, &c->lim, &c->serve, &c->paths, &c->logs, &c->elogs, &c->mime,
                       c->error_pages, c->nerror_pages);
        if (r < 0) return r;
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

static int build_vhost(zs_gen_t *g, const zc_server_t *s, zh_vhost_t *v)
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
    r = fill_level(g, &v->base, &s->io, &s->lim, &s->serve, &s->paths, &s->logs, &s->elogs,
                   &s->mime, s->error_pages, s->nerror_pages);
    if (r < 0) return r;
    const zc_limits_t *lim = &s->lim;
    uint64_t num = lim->large_header_buffers_num, size = lim->large_header_buffers_size;
    v->head = (zh_head_limits_t){.header_timeout = lim->client_header_timeout_ms * ZK_MSEC,
                                 .body_timeout = lim->client_body_timeout_ms * ZK_MSEC,
                                 .max_line = (uint32_t)MIN(size, UINT32_MAX / 2),
                                 .max_head = (uint32_t)MIN(num * size, UINT32_MAX / 2)};
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

/* the largest client_max_body_size of any level (UINT64_MAX: one has none): bodies are read
 * before the request is routed, the location's own limit is checked then (http/static.c) */
static uint64_t loc_body_max(const zc_location_t *l, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = body_max(&l[i].lim), w = loc_body_max(l[i].locations, l[i].nlocations);
        m = v > m ? v : m;
        m = w > m ? w : m;
    }
    return m;
}

static uint64_t body_ceiling(const zc_http_t *h)
{
    uint64_t m = body_max(&h->lim);
    for (size_t i = 0; i < h->nservers; i++) {
        const zc_server_t *s = &h->servers[i];
        uint64_t v = body_max(&s->lim), w = loc_body_max(s->locations, s->nlocations);
        m = v > m ? v : m;
        m = w > m ? w : m;
    }
    return m;
}

static void build_limits(zs_gen_t *g)
{
    const zc_http_t *h = &g->conf.http;
    zh_limits_t *l = &g->lim;
    zh_limits_default(l);
    _Static_assert(ZC_WANT_HEADERS_MAX <= ZH_XH_MAX, "$http_NAME headers");
    l->want_headers = (const char *const *)h->want_headers;
    l->nwant_headers = (uint32_t)h->nwant_headers;
    const zc_limits_t *hl = &h->lim; /* http {}'s: servers and locations carry their own */
    l->max_body = body_ceiling(h);
    l->max_line = l->max_target = (uint32_t)MIN(hl->large_header_buffers_size, UINT32_MAX / 2);
    l->max_header_bytes =
        (uint32_t)MIN(hl->large_header_buffers_num * hl->large_header_buffers_size, UINT32_MAX / 2);
    l->keepalive_requests = (uint32_t)MIN(hl->keepalive_requests, UINT32_MAX);
    l->keepalive_timeout = hl->keepalive_timeout_ms * ZK_MSEC;
    l->keepalive_header = (uint32_t)MIN(hl->keepalive_header_timeout_ms / 1000, UINT32_MAX);
    l->header_timeout = hl->client_header_timeout_ms * ZK_MSEC;
    l->body_timeout = hl->client_body_timeout_ms * ZK_MSEC;
    l->send_timeout = hl->send_timeout_ms * ZK_MSEC;
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
    if (!g->vhosts) return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
    for (size_t i = 0; i < h->nservers; i++)
        if (build_vhost(g, &h->servers[i], &g->vhosts[i]) < 0)
            return fail(err, errlen, "zokiod: %s%s", "out of memory", "");
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
    free(g->logsets); /* the sets themselves are in strs */
    free(g->logset_keys);
    free(g->elogsets); /* the sets themselves are in strs */
    free(g->elogset_keys);
    zh_mime_free(&g->mime);
    for (size_t i = 0; i < g->nextra_mimes; i++) {
        zh_mime_free(g->extra_mimes[i]);
        free(g->extra_mimes[i]);
    }
    free(g->extra_mimes);
    free(g->mime_keys);
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
