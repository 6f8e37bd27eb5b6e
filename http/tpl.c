/* SPDX-License-Identifier: MIT */
/* zokiod http: expanding values with capture references (see tpl.h). */
#include "http/tpl.h"

#include "http/regex.h"
#include "http/request.h"

void zh_tpl_expand(const zh_tpl_t *t, const zh_req_t *r, zh_sink_t *out)
{
    for (uint32_t i = 0; i < t->nparts; i++) {
        const zh_tpl_part_t *p = &t->parts[i];
        const char *v;
        size_t n;
        switch (p->kind) {
        case ZH_TPL_TEXT: zh_sink_put(out, p->s, p->len); break;
        case ZH_TPL_CAPTURE:
            if (zh_capture(r, p->n, &v, &n)) zh_sink_put(out, v, n);
            break;
        case ZH_TPL_NAMED:
            if (zh_capture_named(r, p->s, p->len, &v, &n)) zh_sink_put(out, v, n);
            break;
        }
    }
}
