/* SPDX-License-Identifier: MIT */
/* zokiod conf: regexes of the config, compiled once when read (nginx's messages on errors). */
#include <string.h>

#include "conf/load.h"

zc_regex_t *zc_regex_compile(zc_load_t *ld, const zc_node_t *d, const char *pattern, int caseless)
{
    int code;
    PCRE2_SIZE off;
    size_t len = strlen(pattern);
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, len, caseless ? PCRE2_CASELESS : 0, &code, &off, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof(msg));
        if (off >= len)
            zc_err(ld, d, "pcre2_compile() failed: %s in \"%s\"", (char *)msg, pattern);
        else
            zc_err(ld, d, "pcre2_compile() failed: %s in \"%s\" at \"%s\"", (char *)msg, pattern,
                   pattern + off);
        return NULL;
    }
    uint32_t groups = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups > ZC_REGEX_GROUPS) {
        pcre2_code_free(re);
        zc_err(ld, d, "regex \"%s\" has %u capture groups: zokiod supports at most %d", pattern,
               (unsigned)groups, ZC_REGEX_GROUPS);
        return NULL;
    }
    zc_regex_t *r = zc_arena_alloc(ld->arena, sizeof(*r));
    if (r == NULL || (r->pattern = zc_arena_strdup(ld->arena, pattern)) == NULL) {
        pcre2_code_free(re);
        zc_oom(ld);
        return NULL;
    }
    /* JIT when this PCRE2 has it; without (or when it fails) pcre2_match() interprets */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    r->caseless = caseless;
    r->code = re;
    r->ngroups = groups;
    r->next = ld->cfg->regexes;
    ld->cfg->regexes = r;
    return r;
}

int zc_regex_has_name(const zc_regex_t *r, const char *name, size_t len)
{
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;

    pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t i = 0; i < count; i++) {
        const char *n = (const char *)table + (size_t)i * entry + 2; /* after the group number */
        if (strlen(n) == len && memcmp(n, name, len) == 0) return 1;
    }
    return 0;
}

void zc_regexes_free(zc_config_t *c)
{
    for (zc_regex_t *r = c->regexes; r != NULL; r = r->next)
        pcre2_code_free(r->code);
    c->regexes = NULL;
}
