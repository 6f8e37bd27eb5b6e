/* SPDX-License-Identifier: MIT */
/* zokiod conf: what the worker processes are: `user` (the credentials they switch to). The names
 * are resolved here, as nginx does, so that a wrong one is an error naming FILE:LINE at load
 * time (zokiod -t included); server/ switches the workers over after fork. */
#include <errno.h>
#include <grp.h>
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

int zc_process_finish(zc_load_t *ld)
{
    if (ld->user_seen || geteuid() != 0) return 0;
    /* nginx's configure: group nobody when /etc/group has one, else nogroup */
    errno = 0;
    return set_user(ld, NULL, "nobody", getgrnam("nobody") != NULL ? "nobody" : "nogroup");
}

const zc_spec_t zc_process_specs[] = {
    {"user", ZC_CTX_MAIN, ZC_ONCE, 1, 2, h_user},
    {NULL, 0, 0, 0, 0, NULL},
};
