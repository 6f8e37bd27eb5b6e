/* SPDX-License-Identifier: MIT */
/* zokiod conf: what the worker processes are: `user` (the credentials they switch to),
 * `worker_rlimit_nofile` and `worker_cpu_affinity`. Names are resolved here, as nginx does, so
 * that a wrong one is an error naming FILE:LINE at load time (zokiod -t included); server/
 * applies all of it in each worker right after fork. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "conf/load.h"
#include "conf/values.h"

/* Resolves user and group names into cfg (d: where to blame, NULL for the default user). */
static int set_user(zc_load_t *ld, const zc_node_t *d, const char *user, const char *group)
{
    zc_config_t *c = ld->cfg;
    struct passwd *pw;
    struct group *gr;

    errno = 0;
    if ((pw = getpwnam(user)) == NULL) {
        if (errno == 0)
            return zc_errf(ld->err, ld->errlen, d ? d->file : NULL, d ? d->line : 0,
                           "getpwnam(\"%s\") failed", user);
        return zc_errf(ld->err, ld->errlen, d ? d->file : NULL, d ? d->line : 0,
                       "getpwnam(\"%s\") failed (%s)", user, strerror(errno));
    }
    c->uid = pw->pw_uid;
    errno = 0;
    if ((gr = getgrnam(group)) == NULL) {
        if (errno == 0)
            return zc_errf(ld->err, ld->errlen, d ? d->file : NULL, d ? d->line : 0,
                           "getgrnam(\"%s\") failed", group);
        return zc_errf(ld->err, ld->errlen, d ? d->file : NULL, d ? d->line : 0,
                       "getgrnam(\"%s\") failed (%s)", group, strerror(errno));
    }
    c->gid = gr->gr_gid;
    c->user = zc_arena_strdup(ld->arena, user);
    c->group = zc_arena_strdup(ld->arena, group);
    if (c->user == NULL || c->group == NULL) return zc_oom(ld);
    c->has_user = 1;
    return 0;
}

/* `user USER [GROUP]` */
static int h_user(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    (void)sc;
    ld->user_seen = 1;
    if (geteuid() != 0)
        return zc_note(ld, d, "warn",
                       "the \"user\" directive makes sense only if the master process runs with "
                       "super-user privileges, ignored");
    return set_user(ld, d, d->args[0], d->nargs > 1 ? d->args[1] : d->args[0]);
}

/* `worker_rlimit_nofile N`: set in each worker, soft and hard, before it gives up root (nginx
 * takes 0 too, which leaves a worker unable to open anything: refused here) */
static int h_rlimit_nofile(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    uint64_t n;

    (void)sc;
    if (zc_parse_uint(d->args[0], INT_MAX, &n) < 0 || n == 0) return zc_invalid(ld, d, d->args[0]);
    ld->cfg->worker_rlimit_nofile = (unsigned)n;
    return 0;
}

/* one mask of '0' and '1', CPU 0 last (as nginx reads it) */
static int parse_mask(zc_load_t *ld, const zc_node_t *d, const char *s, zc_cpuset_t *out)
{
    size_t len = strlen(s);

    if (len > ZC_CPUS)
        return zc_err(ld, d, "\"worker_cpu_affinity\" supports up to %d CPUs only", ZC_CPUS);
    for (size_t i = 0; i < len; i++) {
        char c = s[len - 1 - i];
        if (c != '0' && c != '1')
            return zc_err(ld, d, "invalid character \"%c\" in \"worker_cpu_affinity\"", c);
        if (c == '1') out->bits[i / 64] |= (uint64_t)1 << (i % 64);
    }
    return 0;
}

/* `worker_cpu_affinity auto [MASK]` or `worker_cpu_affinity MASK...` */
static int h_cpu_affinity(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_config_t *c = ld->cfg;
    size_t first = 0;
    int failed = 0;

    (void)sc;
    if (strcmp(d->args[0], "auto") == 0) {
        if (d->nargs > 2)
            return zc_err(ld, d,
                          "invalid number of arguments in \"worker_cpu_affinity\" "
                          "directive");
        c->cpu_affinity_auto = 1;
        first = 1;
    }
    c->cpu_masks = zc_calloc(ld, d->nargs - first, sizeof(zc_cpuset_t), &failed);
    if (failed) return zc_oom(ld);
    for (size_t i = first; i < d->nargs; i++)
        if (parse_mask(ld, d, d->args[i], &c->cpu_masks[c->ncpu_masks++]) < 0) return -1;
    ld->affinity = d;
    return 0;
}

int zc_process_finish(zc_load_t *ld)
{
    zc_config_t *c = ld->cfg;

    if (ld->affinity != NULL && !c->cpu_affinity_auto) {
        long n = c->worker_processes > 0 ? c->worker_processes : sysconf(_SC_NPROCESSORS_ONLN);
        if ((long)c->ncpu_masks != n &&
            zc_note(ld, ld->affinity, "warn",
                    "the number of \"worker_processes\" is not equal to the number of "
                    "\"worker_cpu_affinity\" masks, using last mask for remaining worker "
                    "processes") < 0)
            return -1;
    }
    if (ld->user_seen || geteuid() != 0) return 0;
    /* nginx's configure: group nobody when /etc/group has one, else nogroup */
    errno = 0;
    return set_user(ld, NULL, "nobody", getgrnam("nobody") != NULL ? "nobody" : "nogroup");
}

const zc_spec_t zc_process_specs[] = {
    {"user", ZC_CTX_MAIN, ZC_ONCE, 1, 2, h_user},
    {"worker_rlimit_nofile", ZC_CTX_MAIN, ZC_ONCE, 1, 1, h_rlimit_nofile},
    {"worker_cpu_affinity", ZC_CTX_MAIN, ZC_ONCE, 1, ZC_MANY, h_cpu_affinity},
    {NULL, 0, 0, 0, 0, NULL},
};
