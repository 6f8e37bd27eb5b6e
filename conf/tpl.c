/* SPDX-License-Identifier: MIT */
/* zokiod conf: root and alias values with regex captures ($1..$9, named groups), parsed into
 * parts; a named group must be defined by some regex of the config, which is known only once
 * http {} has been read (zc_tpl_check_names()). */
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

/* remembers that group `name` must exist by the end of http {} */
static int need_name(zc_load_t *ld, const zc_node_t *d, const char *name)
{
    zc_pending_name_t *p = ZC_PUSH(ld->arena, ld->names, ld->nnames, ld->capnames);
    if (p == NULL) return zc_oom(ld);
    p->d = d;
    p->name = name;
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
            if (need_name(ld, d, name) < 0) return -1;
        }
        lit = p + n;
    }
    if (*lit != '\0' && add_part(ld, t, &cap, ZC_TPL_TEXT, lit, strlen(lit)) == NULL)
        return zc_oom(ld);
    if (text[0] != '/' && make_absolute(ld, t, &cap, dir) < 0) return -1;
    *out = t;
    return 0;
}

int zc_tpl_check_names(zc_load_t *ld)
{
    for (size_t i = 0; i < ld->nnames; i++) {
        const zc_pending_name_t *p = &ld->names[i];
        const zc_regex_t *r = ld->cfg->regexes;
        while (r != NULL && !zc_regex_has_name(r, p->name, strlen(p->name)))
            r = r->next;
        if (r == NULL) /* no regex defines it: some other nginx variable */
            return zc_err(ld, p->d,
                          "variable \"$%s\" in \"%s\" directive is not supported by zokiod",
                          p->name, p->d->name);
    }
    return 0;
}
