/* SPDX-License-Identifier: MIT */
/* zokiod http: running the rewrite module's directives of a block (see rewrite.h). */
#include "http/rewrite.h"

#include <string.h>

#include "http/request.h"
#include "http/vars.h"

static long expand_esc(zh_req_t *r, const zh_tpl_t *t, const char **p, int esc)
{
    zh_sink_t m = ZH_SINK(NULL, 0);
    zh_tpl_expand_esc(t, r, &m, esc);
    char *d = zh_vars_alloc(r->vars, m.need);
    if (!d) return -1;
    zh_sink_t w = ZH_SINK(d, m.need + 1);
    zh_tpl_expand_esc(t, r, &w, esc);
    *p = d;
    return (long)m.need;
}

long zh_rewrite_expand(zh_req_t *r, const zh_tpl_t *t, const char **p)
{
    return expand_esc(r, t, p, 0);
}

void zh_rewrite_set_uri(zh_req_t *r, const char *s, size_t len)
{
    const char *q = memchr(s, '?', len);
    if (q) {
        r->args = (zh_str_t){q + 1, (uint32_t)(len - (size_t)(q - s) - 1)};
        len = (size_t)(q - s);
    }
    r->uri = (zh_str_t){s, (uint32_t)len};
}

/* nginx escapes captures put in a query or a redirect when the request's path had escapes or
 * '+' (r->quoted_uri, r->plus_in_uri) */
static int quoted_path(const zh_req_t *r)
{
    const char *t = r->target.p;
    size_t n = r->target.len;
    const char *q = memchr(t, '?', n);
    if (q) n = (size_t)(q - t);
    return memchr(t, '%', n) != NULL || memchr(t, '+', n) != NULL;
}

/* the replacement of a matching `rewrite`: the new URI and args, or a redirect */
static zh_rw_result_t do_rewrite(zh_req_t *r, const zh_rw_t *w, int server_level, zh_rw_out_t *out)
{
    int redirect = w->absolute || w->flag == ZH_RW_REDIRECT || w->flag == ZH_RW_PERMANENT;
    const char *v;
    int esc = !quoted_path(r) ? 0 : redirect ? ZH_ESC_PATH | ZH_ESC_ARGS : ZH_ESC_ARGS;
    long n = expand_esc(r, &w->val, &v, esc);
    if (n < 0) return ZH_RW_FAIL;
    const char *q = memchr(v, '?', (size_t)n);
    if (!w->no_args && r->args.len) { /* the request's args follow, after '?' or '&' */
        char *d = zh_vars_alloc(r->vars, (size_t)n + 1 + r->args.len);
        if (!d) return ZH_RW_FAIL;
        memcpy(d, v, (size_t)n);
        d[n] = q ? '&' : '?';
        memcpy(d + n + 1, r->args.p, r->args.len);
        n += 1 + (long)r->args.len;
        v = d;
    }
    if (redirect) {
        out->code = w->flag == ZH_RW_PERMANENT ? 301 : 302;
        out->text = v;
        out->len = (size_t)n;
        return ZH_RW_DO_REDIRECT;
    }
    r->args = (zh_str_t){NULL, 0};
    zh_rewrite_set_uri(r, v, (size_t)n);
    if (r->uri.len == 0) return ZH_RW_FAIL; /* "the rewritten URI has a zero length" */
    if (w->flag == ZH_RW_BREAK) return server_level ? ZH_RW_GO_ON : ZH_RW_STAY;
    if (w->flag == ZH_RW_LAST) return server_level ? ZH_RW_GO_ON : ZH_RW_RESEARCH;
    return ZH_RW_RESEARCH;
}

zh_rw_result_t zh_rewrite_run(zh_req_t *r, const zh_rw_t *rw, uint32_t n, pcre2_match_data *md,
                              int server_level, zh_rw_out_t *out)
{
    int changed = 0;
    for (uint32_t i = 0; i < n; i++) {
        const zh_rw_t *w = &rw[i];
        if (w->op == ZH_RW_STOP) {
            return changed && !server_level ? ZH_RW_STAY : ZH_RW_GO_ON;
        } else if (w->op == ZH_RW_SET) {
            const char *v;
            long len = zh_rewrite_expand(r, &w->val, &v);
            if (len < 0) return ZH_RW_FAIL;
            if (w->var == ZH_SET_ARGS) {
                r->args = (zh_str_t){v, (uint32_t)len};
                continue;
            }
            r->vars->user[w->var] = (zh_str_t){v, (uint32_t)len};
            r->vars->user_set |= UINT64_C(1) << w->var;
        } else if (w->op == ZH_RW_RETURN) {
            out->ret = w;
            out->text = NULL;
            out->len = 0;
            if (w->has_text) {
                const char *v;
                long len = zh_rewrite_expand(r, &w->val, &v);
                if (len < 0) return ZH_RW_FAIL;
                out->text = v;
                out->len = (size_t)len;
            }
            return ZH_RW_DO_RETURN;
        } else {
            int m = zh_regex_match(w->re, md, r->uri.p, r->uri.len, &r->loc_caps);
            if (m < 0) return ZH_RW_FAIL;
            if (m == 0) continue;
            zh_rw_result_t rc = do_rewrite(r, w, server_level, out);
            if (w->flag != ZH_RW_NONE || rc != ZH_RW_RESEARCH) return rc;
            changed = 1; /* no flag: the next directives run, then the search */
        }
    }
    return changed && !server_level ? ZH_RW_RESEARCH : ZH_RW_GO_ON;
}
