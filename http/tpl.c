/* SPDX-License-Identifier: MIT */
/* zokiod http: expanding values with capture and variable references (see tpl.h). */
#include "http/tpl.h"

#include <string.h>

#include "http/regex.h"
#include "http/request.h"
#include "http/vars.h"

/* What nginx 1.22 escapes in a capture a rewrite copies (checked against it): in the path of a
 * redirect, controls, space, '"', '#', '%', DEL and 8-bit bytes; in the query, also '&', '+',
 * ';', '<', '>', '?', '\\', '^', '`', '{', '|' and '}'. */
static int escaped(unsigned char ch, int args)
{
    if (ch <= ' ' || ch >= 0x7f || ch == '"' || ch == '#' || ch == '%') return 1;
    return args && strchr("&+;<>?\\^`{|}", ch) != NULL;
}

static void put_capture(zh_sink_t *out, const char *v, size_t n, int esc, int args)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; esc && i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (escaped(ch, args)) {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            zh_sink_put(out, e, 3);
        } else {
            zh_sink_put(out, v + i, 1);
        }
    }
    if (!esc) zh_sink_put(out, v, n);
}

void zh_tpl_expand_esc(const zh_tpl_t *t, const zh_req_t *r, zh_sink_t *out, int esc)
{
    int args = 0; /* past a '?' of the text */
    for (uint32_t i = 0; i < t->nparts; i++) {
        const zh_tpl_part_t *p = &t->parts[i];
        int e = args ? (esc & ZH_ESC_ARGS) != 0 : (esc & ZH_ESC_PATH) != 0;
        const char *v;
        size_t n;
        switch (p->kind) {
        case ZH_TPL_TEXT:
            zh_sink_put(out, p->s, p->len);
            if (memchr(p->s, '?', p->len)) args = 1;
            break;
        case ZH_TPL_CAPTURE:
            if (zh_capture(r, p->n, &v, &n)) put_capture(out, v, n, e, args);
            break;
        case ZH_TPL_NAMED:
            if (zh_capture_named(r, p->s, p->len, &v, &n)) put_capture(out, v, n, e, args);
            break;
        case ZH_TPL_VAR: zh_var_put(r, p->n, out); break;
        case ZH_TPL_HTTP:
            if (p->n < ZH_H__COUNT + ZH_XH_MAX) zh_sink_put(out, r->h[p->n].p, r->h[p->n].len);
            break;
        case ZH_TPL_ARG:
            if (zh_arg_find(r->args.p, r->args.len, p->s, p->len, &v, &n)) zh_sink_put(out, v, n);
            break;
        case ZH_TPL_USER:
            if (r->vars && p->n < ZH_USER_VARS_MAX && (r->vars->user_set >> p->n & 1))
                zh_sink_put(out, r->vars->user[p->n].p, r->vars->user[p->n].len);
            break;
        }
    }
}

void zh_tpl_expand(const zh_tpl_t *t, const zh_req_t *r, zh_sink_t *out)
{
    zh_tpl_expand_esc(t, r, out, 0);
}
