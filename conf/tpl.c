/* SPDX-License-Identifier: MIT */
/* zokiod conf: values with variables (root, alias, add_header, return, set, rewrite,
 * try_files), parsed into parts; what a "$name" is (a regex's named group, an nginx variable, a
 * `set` one) is known only once http {} has been read (zc_tpl_check_names()). */
#include <string.h>

#include "conf/load.h"
#include "conf/values.h"

static zc_tpl_part_t *add_part(zc_load_t *ld, zc_tpl_t *t, size_t *cap, int kind, const char *text,
                               size_t len)
{
    zc_tpl_part_t *p = ZC_PUSH(ld->arena, t->parts, t->nparts, *cap);
    if (p == NULL) return NULL;
    p->kind = kind;
    p->text = text;
    p->len = len;
    return p;
}

/* remembers that "$name" must be resolved by the end of http {} (the parts no longer move) */
static int need_names(zc_load_t *ld, const zc_node_t *d, zc_tpl_t *t)
{
    for (size_t i = 0; i < t->nparts; i++) {
        if (t->parts[i].kind != ZC_TPL_NAMED) continue;
        zc_pending_name_t *p = ZC_PUSH(ld->arena, ld->names, ld->nnames, ld->capnames);
        if (p == NULL) return zc_oom(ld);
        p->d = d;
        p->name = t->parts[i].text;
        p->part = &t->parts[i];
    }
    return 0;
}

/* a relative value is taken under `dir` (only its text is: a capture's value never is) */
static int make_absolute(zc_load_t *ld, zc_tpl_t *t, size_t *cap, const char *dir)
{
    zc_tpl_part_t first = {ZC_TPL_TEXT, "", 0, 0};
    char *lead, *joined;

    if (t->parts[0].kind == ZC_TPL_TEXT) {
        first = t->parts[0];
    } else { /* "$1/x": a text part goes first */
        if (add_part(ld, t, cap, ZC_TPL_TEXT, "", 0) == NULL) return zc_oom(ld);
        memmove(&t->parts[1], &t->parts[0], (t->nparts - 1) * sizeof(t->parts[0]));
    }
    /* "TEXTx" joined, then the x taken off: "DIR/TEXT" with the '/' even when TEXT is empty */
    if ((lead = zc_arena_alloc(ld->arena, first.len + 2)) == NULL) return zc_oom(ld);
    memcpy(lead, first.text, first.len);
    lead[first.len] = 'x';
    if ((joined = zc_path_join(ld->arena, dir, lead)) == NULL) return zc_oom(ld);
    joined[strlen(joined) - 1] = '\0';
    t->parts[0] = (zc_tpl_part_t){ZC_TPL_TEXT, joined, strlen(joined), 0};
    return 0;
}

int zc_tpl_parse(zc_load_t *ld, const zc_node_t *d, const char *text, const char *dir,
                 zc_tpl_t **out)
{
    zc_tpl_t *t;
    size_t cap = 0;
    const char *p = strchr(text, '$'), *lit = text;

    *out = NULL;
    if (p == NULL) return 0;
    if ((t = zc_arena_alloc(ld->arena, sizeof(*t))) == NULL) return zc_oom(ld);
    for (; p != NULL; p = strchr(lit, '$')) {
        zc_var_t v;
        size_t n = zc_var_scan(p, &v);
        zc_tpl_part_t *part;
        char *name;

        if (v.unclosed)
            return zc_err(ld, d, "the closing bracket in \"%s\" variable is missing", v.name);
        if (v.nlen == 0) return zc_err(ld, d, "invalid variable name");
        if (p > lit && add_part(ld, t, &cap, ZC_TPL_TEXT, lit, (size_t)(p - lit)) == NULL)
            return zc_oom(ld);
        if (v.capture) {
            if ((part = add_part(ld, t, &cap, ZC_TPL_CAPTURE, NULL, 0)) == NULL) return zc_oom(ld);
            part->capture = v.capture;
        } else {
            if ((name = zc_arena_strndup(ld->arena, v.name, v.nlen)) == NULL ||
                add_part(ld, t, &cap, ZC_TPL_NAMED, name, v.nlen) == NULL)
                return zc_oom(ld);
        }
        lit = p + n;
    }
    if (*lit != '\0' && add_part(ld, t, &cap, ZC_TPL_TEXT, lit, strlen(lit)) == NULL)
        return zc_oom(ld);
    if (dir != NULL && text[0] != '/' && make_absolute(ld, t, &cap, dir) < 0) return -1;
    if (need_names(ld, d, t) < 0) return -1;
    *out = t;
    return 0;
}

zc_tpl_t *zc_tpl_value(zc_load_t *ld, const zc_node_t *d, const char *text)
{
    zc_tpl_t *t;
    size_t cap = 0;

    if (zc_tpl_parse(ld, d, text, NULL, &t) < 0) return NULL;
    if (t != NULL) return t;
    if ((t = zc_arena_alloc(ld->arena, sizeof(*t))) == NULL) {
        zc_oom(ld);
        return NULL;
    }
    memset(t, 0, sizeof(*t));
    if (*text != '\0' && add_part(ld, t, &cap, ZC_TPL_TEXT, text, strlen(text)) == NULL) {
        zc_oom(ld);
        return NULL;
    }
    return t;
}

int zc_tpl_check_names(zc_load_t *ld)
{
    for (size_t i = 0; i < ld->nnames; i++) {
        const zc_pending_name_t *p = &ld->names[i];
        const zc_regex_t *r = ld->cfg->regexes;
        int unsupported = 0;
        while (r != NULL && !zc_regex_has_name(r, p->name, strlen(p->name)))
            r = r->next;
        if (r != NULL) continue; /* a named group */
        if (zc_var_resolve(ld, p->name, p->part, &unsupported) == 0) continue;
        if (unsupported)
            return zc_err(ld, p->d,
                          "variable \"$%s\" in \"%s\" directive is not supported by zokiod",
                          p->name, p->d->name);
        return zc_err(ld, p->d, "unknown \"%s\" variable", p->name);
    }
    return 0;
}
