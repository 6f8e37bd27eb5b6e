/* SPDX-License-Identifier: MIT */
/* zokiod http: expanding values with capture and variable references (see tpl.h). */
#include "http/tpl.h"

#include "http/regex.h"
#include "http/request.h"
#include "http/vars.h"

/* what nginx 1.22 escapes in a capture copied into a redirect (checked against it): controls,
 * space, '"', '#', '%', DEL and 8-bit bytes; '+', '&', ';', '?' and the rest stay */
static void put_args_escaped(zh_sink_t *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= ' ' || ch >= 0x7f || ch == '"' || ch == '#' || ch == '%') {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            zh_sink_put(out, e, 3);
        } else {
            zh_sink_put(out, s + i, 1);
        }
    }
}

static void put_capture(zh_sink_t *out, const char *v, size_t n, int esc)
{
    if (esc)
        put_args_escaped(out, v, n);
    else
        zh_sink_put(out, v, n);
}

void zh_tpl_expand_esc(const zh_tpl_t *t, const zh_req_t *r, zh_sink_t *out, int esc)
{
    for (uint32_t i = 0; i < t->nparts; i++) {
        const zh_tpl_part_t *p = &t->parts[i];
        const char *v;
        size_t n;
        switch (p->kind) {
        case ZH_TPL_TEXT: zh_sink_put(out, p->s, p->len); break;
        case ZH_TPL_CAPTURE:
            if (zh_capture(r, p->n, &v, &n)) put_capture(out, v, n, esc);
            break;
        case ZH_TPL_NAMED:
            if (zh_capture_named(r, p->s, p->len, &v, &n)) put_capture(out, v, n, esc);
            break;
        case ZH_TPL_VAR: zh_var_put(r, p->n, out); break;
        case ZH_TPL_HTTP:
            if (p->n < ZH_H__COUNT) zh_sink_put(out, r->h[p->n].p, r->h[p->n].len);
            break;
        case ZH_TPL_ARG:
            if (zh_arg_find(r->args.p, r->args.len, p->s, p->len, &v, &n)) zh_sink_put(out, v, n);
            break;
        case ZH_TPL_USER:
            if (r->vars && p->n < ZH_USER_VARS_MAX)
                zh_sink_put(out, r->vars->user[p->n].p, r->vars->user[p->n].len);
            break;
        }
    }
}

void zh_tpl_expand(const zh_tpl_t *t, const zh_req_t *r, zh_sink_t *out)
{
    zh_tpl_expand_esc(t, r, out, 0);
}
