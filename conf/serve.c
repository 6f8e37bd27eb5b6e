/* SPDX-License-Identifier: MIT */
/* zokiod conf: what nginx's headers, not_modified, charset and static modules add to an answer,
 * per location: expires, etag, if_modified_since, charset, charset_types, log_not_found
 * (zc_serve_t), inherited as zc_io_t is (conf/io.c); override_charset is accepted with a note.
 * source_charset and charset_map (recoding) stay refused by conf/nginx_names.c. */
#include <stdint.h>
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

void zc_serve_unset(zc_serve_t *sv)
{
    *sv = (zc_serve_t){.expires = -1, .etag = -1, .ims = -1, .log_not_found = -1};
}

void zc_serve_inherit(zc_serve_t *sv, const zc_serve_t *from)
{
    if (sv->expires < 0) { /* `expires` goes down whole: its kind and its time */
        sv->expires = from->expires;
        sv->expires_s = from->expires_s;
    }
    if (sv->etag < 0) sv->etag = from->etag;
    if (sv->ims < 0) sv->ims = from->ims;
    if (!sv->charset_set) {
        sv->charset = from->charset;
        sv->charset_set = from->charset_set;
    }
    if (!sv->charset_types) {
        sv->charset_types = from->charset_types;
        sv->ncharset_types = from->ncharset_types;
    }
    if (sv->log_not_found < 0) sv->log_not_found = from->log_not_found;
}

void zc_serve_defaults(zc_serve_t *sv)
{
    /* nginx's charset_types default */
    static char *types[] = {"text/html",
                            "text/xml",
                            "text/plain",
                            "text/vnd.wap.wml",
                            "application/javascript",
                            "application/rss+xml"};
    static const zc_serve_t dflt = {.expires = ZC_EXPIRES_OFF,
                                    .etag = 1,
                                    .ims = ZC_IMS_EXACT,
                                    .charset = NULL,
                                    .charset_set = 1,
                                    .charset_types = types,
                                    .ncharset_types = sizeof types / sizeof types[0],
                                    .log_not_found = 1};
    zc_serve_inherit(sv, &dflt);
}

static zc_serve_t *serve_of(zc_scope_t *sc)
{
    return sc->loc != NULL ? &sc->loc->serve : &sc->srv->serve;
}

/* a TIME of `expires`: [@|+|-]TIME in seconds (nginx's ngx_http_parse_expires) */
static int parse_expires(zc_load_t *ld, const zc_node_t *d, const char *v, zc_serve_t *sv)
{
    int minus = 0;
    uint64_t ms;

    if (v[0] == '@') {
        if (sv->expires == ZC_EXPIRES_MODIFIED)
            return zc_err(ld, d, "daily time cannot be used with \"modified\" parameter");
        sv->expires = ZC_EXPIRES_DAILY;
        v++;
    } else if (v[0] == '+' || v[0] == '-') {
        minus = v[0] == '-';
        v++;
    }
    /* seconds, as nginx (no "ms"); at most ten thousand years */
    if (strstr(v, "ms") != NULL || zc_parse_time_ms(v, &ms) < 0 ||
        ms / 1000 > 10000ULL * 365 * 86400)
        return zc_invalid(ld, d, d->args[d->nargs - 1]);
    if (sv->expires == ZC_EXPIRES_DAILY && ms / 1000 > 24 * 60 * 60)
        return zc_err(ld, d, "daily time value must be less than 24 hours");
    sv->expires_s = minus ? -(int64_t)(ms / 1000) : (int64_t)(ms / 1000);
    return 0;
}

/* `expires [modified] TIME | epoch | max | off` */
static int h_expires(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_serve_t *sv = serve_of(sc);
    const char *v = d->args[d->nargs - 1];

    if (zc_no_vars(ld, d, v, NULL) < 0) return -1;
    sv->expires_s = 0;
    if (d->nargs == 2) {
        if (strcmp(d->args[0], "modified") != 0) return zc_invalid(ld, d, d->args[0]);
        sv->expires = ZC_EXPIRES_MODIFIED;
        return parse_expires(ld, d, v, sv);
    }
    sv->expires = strcmp(v, "epoch") == 0 ? ZC_EXPIRES_EPOCH
                  : strcmp(v, "max") == 0 ? ZC_EXPIRES_MAX
                  : strcmp(v, "off") == 0 ? ZC_EXPIRES_OFF
                                          : ZC_EXPIRES_ACCESS;
    return sv->expires == ZC_EXPIRES_ACCESS ? parse_expires(ld, d, v, sv) : 0;
}

static int h_etag(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    return zc_flag(ld, d, &serve_of(sc)->etag);
}

static int h_log_not_found(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    return zc_flag(ld, d, &serve_of(sc)->log_not_found);
}

static int h_if_modified_since(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    static const char *const names[] = {"off", "exact", "before"};

    for (int i = 0; i < 3; i++)
        if (strcmp(d->args[0], names[i]) == 0) {
            serve_of(sc)->ims = i; /* ZC_IMS_* in this order */
            return 0;
        }
    return zc_err(ld, d,
                  "invalid value \"%s\" in \"if_modified_since\" directive, it must be \"off\", "
                  "\"exact\" or \"before\"",
                  d->args[0]);
}

/* a charset name goes into Content-Type as it is written: a token */
static int token(const char *s)
{
    if (*s == '\0') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s) != NULL))
            return 0;
    return 1;
}

/* `charset NAME | off` */
static int h_charset(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_serve_t *sv = serve_of(sc);

    if (zc_no_vars(ld, d, d->args[0], NULL) < 0) return -1;
    if (!token(d->args[0])) return zc_invalid(ld, d, d->args[0]);
    sv->charset_set = 1;
    sv->charset = strcmp(d->args[0], "off") == 0 ? NULL : d->args[0];
    return 0;
}

/* `charset_types MIME...` (nginx lower-cases them; "*": any type) */
static int h_charset_types(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    zc_serve_t *sv = serve_of(sc);
    int failed = 0;

    sv->charset_types = zc_calloc(ld, d->nargs, sizeof(char *), &failed);
    if (failed) return zc_oom(ld);
    for (size_t i = 0; i < d->nargs; i++) {
        const char *a = d->args[i];
        if (strcmp(a, "*") != 0 && (strchr(a, '/') == NULL || strpbrk(a, " \t\r\n;") != NULL))
            return zc_invalid(ld, d, a);
        if ((sv->charset_types[i] = zc_arena_strdup(ld->arena, a)) == NULL) return zc_oom(ld);
        for (char *p = sv->charset_types[i]; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        if (strcmp(a, "*") == 0) { /* any type: the other names do not matter */
            sv->charset_types[0] = sv->charset_types[i];
            sv->ncharset_types = 1;
            return 0;
        }
    }
    sv->ncharset_types = d->nargs;
    return 0;
}

/* `override_charset on|off`: nginx applies it to proxied answers that already name a charset;
 * zokiod answers with files only, so it changes nothing (a note says so) */
static int h_override_charset(zc_load_t *ld, const zc_node_t *d, zc_scope_t *sc)
{
    int on;

    (void)sc;
    if (zc_flag(ld, d, &on) < 0) return -1;
    return zc_note(ld, d, "debug",
                   "\"override_charset\" has no effect in zokiod: it serves no proxied answers");
}

const zc_spec_t zc_serve_specs[] = {
    {"expires", ZC_ANY_HTTP, ZC_ONCE, 1, 2, h_expires},
    {"etag", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_etag},
    {"if_modified_since", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_if_modified_since},
    {"charset", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_charset},
    {"charset_types", ZC_ANY_HTTP, ZC_ONCE, 1, ZC_MANY, h_charset_types},
    {"log_not_found", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_log_not_found},
    {"override_charset", ZC_ANY_HTTP, ZC_ONCE, 1, 1, h_override_charset},
    {NULL, 0, 0, 0, 0, NULL},
};
