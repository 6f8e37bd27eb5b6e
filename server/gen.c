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
#include "server/gen.h"
#include "server/listens.h"
#include "server/log.h"

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
        zs_log(ZS_LOG_WARN, "document root \"%s\": %s", path, strerror(errno));
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

static const zh_header_t *headers(zs_gen_t *g, const zc_header_t *h, size_t n)
{
    if (!n) return NULL;
    zh_header_t *out = keep(g, calloc(n, sizeof *out));
    for (size_t i = 0; out && i < n; i++)
        out[i] = (zh_header_t){h[i].name, h[i].value, h[i].always};
    return out;
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

static int fill_location(zs_gen_t *g, zh_location_t *l, const char *prefix, int exact,
                         const char *root, const char *alias, char **index, size_t nindex,
                         int autoindex, const zc_header_t *hd, size_t nhd, const zc_return_t *ret)
{
    l->prefix = prefix;
    l->prefix_len = (uint32_t)strlen(prefix);
    l->exact = (uint8_t)exact;
    l->alias = alias != NULL;
    l->autoindex = (uint8_t)autoindex;
    l->site.root_fd = root_fd(g, alias ? alias : root);
    l->site.root_path = alias ? alias : root;
    l->site.mime = &g->mime;
    l->site.default_type = g->conf.http.default_type;
    l->site.index = index_list(g, index, nindex);
    l->headers = headers(g, hd, nhd);
    l->nheaders = (uint32_t)nhd;
    l->return_code = ret->code;
    l->return_text = ret->text;
    return (!l->site.index || (nhd && !l->headers)) ? -ENOMEM : 0;
}

static int build_vhost(zs_gen_t *g, const zc_server_t *s, zh_vhost_t *v, zs_vhost_extra_t *x)
{
    v->names = (const char *const *)s->names;
    v->nnames = (uint32_t)s->nnames;
    int r = fill_location(g, &v->base, "", 0, s->root, NULL, s->index, s->nindex, s->autoindex,
                          s->headers, s->nheaders, &s->ret);
    if (r < 0) return r;
    fill_io(&v->base, &s->io);
    zh_location_t *locs = keep(g, calloc(s->nlocations + 1, sizeof *locs));
    zh_error_page_t *eps = NULL;
    size_t neps = 0;
    for (size_t i = 0; i < s->nerror_pages; i++)
        neps += s->error_pages[i].ncodes;
    if (neps) eps = keep(g, calloc(neps, sizeof *eps));
    if (!locs || (neps && !eps)) return -ENOMEM;
    for (size_t i = 0; i < s->nlocations; i++) {
        const zc_location_t *cl = &s->locations[i];
        r = fill_location(g, &locs[i], cl->prefix, cl->exact, cl->root, cl->alias, cl->index,
                          cl->nindex, cl->autoindex, cl->headers, cl->nheaders, &cl->ret);
        if (r < 0) return r;
        fill_io(&locs[i], &cl->io);
    }
    v->locations = locs;
    v->nlocations = (uint32_t)s->nlocations;
    neps = 0;
    for (size_t i = 0; i < s->nerror_pages; i++)
        for (size_t j = 0; j < s->error_pages[i].ncodes; j++)
            eps[neps++] = (zh_error_page_t){s->error_pages[i].codes[j], s->error_pages[i].response,
                                            s->error_pages[i].uri};
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
    l->max_body = h->client_max_body_size ? h->client_max_body_size : UINT64_MAX;
    if (h->large_header_buffers_size) {
        l->max_target = (uint32_t)MIN(h->large_header_buffers_size, 8192);
        l->max_header_bytes = (uint32_t)MIN(h->large_header_buffers_size, 8192);
    }
    l->keepalive_requests = h->keepalive_timeout_ms ? h->keepalive_requests : 1;
    l->keepalive_timeout = h->keepalive_timeout_ms * ZK_MSEC;
    l->header_timeout = h->client_header_timeout_ms * ZK_MSEC;
    l->body_timeout = h->client_body_timeout_ms * ZK_MSEC;
    l->send_timeout = h->send_timeout_ms * ZK_MSEC;
    if (g->conf.worker_connections) l->max_conns = g->conf.worker_connections;
    /* open_file_cache max=: room for every cache nginx would have made */
    if (h->open_file_cache_max) l->cache_max_entries = h->open_file_cache_max;
}

int zs_gen_check(const zc_config_t *conf, char *err, size_t errlen)
{
    const zc_http_t *h = &conf->http;
    for (size_t i = 0; i < h->nservers; i++)
        for (size_t j = 0; j < h->servers[i].nlistens; j++) {
            const zc_listen_t *l = &h->servers[i].listens[j];
            if (!l->ssl) continue;
            /* serving plain HTTP on a port the admin meant for TLS would be worse than refusing */
            snprintf(err, errlen,
                     "zokiod: %s:%d: \"listen ... ssl\" is not supported yet (TLS "
                     "arrives with a later zokiod)",
                     l->file ? l->file : conf->conf_file, l->line);
            return -1;
        }
    return 0;
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
    return build_listens(g, err, errlen);
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

int zs_gen_warn_roots(const zc_config_t *conf)
{
    int n = 0;
    for (size_t i = 0; i < conf->http.nservers; i++) {
        const zc_server_t *s = &conf->http.servers[i];
        n += warn_root(s->root);
        for (size_t j = 0; j < s->nlocations; j++) {
            const zc_location_t *l = &s->locations[j];
            if (l->alias || (l->root && (!s->root || strcmp(l->root, s->root))))
                n += warn_root(l->alias ? l->alias : l->root);
        }
    }
    return n;
}

void zs_gen_free(zs_gen_t *g)
{
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
