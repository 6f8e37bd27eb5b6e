/* SPDX-License-Identifier: MIT */
/* zokiod http: regex matching and the captures it leaves in the request (see regex.h). */
#include <string.h>

#include "http/regex.h"
#include "http/request.h"

pcre2_match_data *zh_regex_match_data(void)
{
    return pcre2_match_data_create(ZH_CAPTURES_MAX, NULL);
}

int zh_regex_match(const pcre2_code *re, pcre2_match_data *md, const char *s, size_t len,
                   zh_captures_t *caps)
{
    /* pcre2_match() runs the JIT code when the pattern has it */
    int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) return rc;
    uint32_t groups = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (!caps || !groups) return 1;
    /* rc is 1 + the highest group set; 0 would mean the ovector is too small, which conf/'s
     * limit on groups rules out */
    uint32_t n = rc > 0 && rc <= ZH_CAPTURES_MAX ? (uint32_t)rc : ZH_CAPTURES_MAX;
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    caps->re = re;
    caps->subject = s;
    caps->n = n;
    for (uint32_t i = 0; i < 2 * n; i++)
        caps->ov[i] = ov[i] == PCRE2_UNSET ? ZH_CAPTURE_UNSET : (uint32_t)ov[i];
    return 1;
}

int zh_captures_get(const zh_captures_t *c, unsigned n, const char **p, size_t *len)
{
    if (!c->re) return 0;
    uint32_t groups = 0;
    pcre2_pattern_info(c->re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (n > groups || n >= ZH_CAPTURES_MAX) return 0;
    if (n >= c->n || c->ov[2 * n] == ZH_CAPTURE_UNSET) { /* did not take part: empty */
        *p = c->subject;
        *len = 0;
        return 1;
    }
    *p = c->subject + c->ov[2 * n];
    *len = c->ov[2 * n + 1] - c->ov[2 * n];
    return 1;
}

int zh_captures_named(const zh_captures_t *c, const char *name, size_t len, const char **p,
                      size_t *plen)
{
    if (!c->re) return 0;
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(c->re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(c->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(c->re, PCRE2_INFO_NAMETABLE, &table);
    int found = 0;
    /* each entry: the group number in two bytes, then the NUL-terminated name */
    for (uint32_t i = 0; i < count; i++) {
        PCRE2_SPTR e = table + (size_t)i * entry;
        const char *ename = (const char *)e + 2;
        if (strlen(ename) != len || memcmp(ename, name, len)) continue;
        unsigned g = (unsigned)e[0] << 8 | e[1];
        if (!found) found = zh_captures_get(c, g, p, plen);
        if (found && g < c->n && c->ov[2 * g] != ZH_CAPTURE_UNSET)
            return zh_captures_get(c, g, p, plen);
    }
    return found;
}

int zh_capture(const zh_req_t *r, unsigned n, const char **p, size_t *len)
{
    const zh_captures_t *c = r->loc_caps.re ? &r->loc_caps : &r->srv_caps;
    return zh_captures_get(c, n, p, len);
}

int zh_capture_named(const zh_req_t *r, const char *name, size_t nlen, const char **p, size_t *len)
{
    if (zh_captures_named(&r->loc_caps, name, nlen, p, len)) return 1;
    return zh_captures_named(&r->srv_caps, name, nlen, p, len);
}
