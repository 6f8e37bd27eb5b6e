/* SPDX-License-Identifier: MIT */
#include "http/mime.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/hash.h"

struct zh_mime_slot {
    const char *ext; /* lowercased, NUL-terminated; NULL marks an empty slot */
    const char *type;
    uint32_t hash;
    uint32_t extlen;
};

enum tok { T_EOF, T_WORD, T_SEMI, T_LBRACE, T_RBRACE, T_ERR };

typedef struct {
    const char *p, *end;
    unsigned line;
    const char *tok;
    size_t toklen;
    char *err;
    size_t errlen;
} lexer_t;

/* What the second pass writes into; NULL `slots` in the first (counting) pass. */
typedef struct {
    struct zh_mime_slot *slots;
    size_t mask, count;
    char *str; /* next free byte of the string area */
    size_t entries, strbytes;
} build_t;

__attribute__((format(printf, 2, 3))) static int lex_error(lexer_t *lx, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (lx->err == NULL || lx->errlen == 0) return -EINVAL;
    n = snprintf(lx->err, lx->errlen, "line %u: ", lx->line);
    if (n >= 0 && (size_t)n < lx->errlen) {
        va_start(ap, fmt);
        vsnprintf(lx->err + n, lx->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static void skip_blank(lexer_t *lx)
{
    while (lx->p < lx->end) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->p++;
        } else if (is_space(*lx->p)) {
            lx->p++;
        } else if (*lx->p == '#') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else {
            break;
        }
    }
}

static enum tok lex_next(lexer_t *lx)
{
    char c;

    skip_blank(lx);
    if (lx->p == lx->end) return T_EOF;
    c = *lx->p;
    if (c == ';' || c == '{' || c == '}') {
        lx->p++;
        return c == ';' ? T_SEMI : c == '{' ? T_LBRACE : T_RBRACE;
    }
    if (c == '"' || c == '\'') {
        const char *close = memchr(lx->p + 1, c, (size_t)(lx->end - lx->p - 1));

        if (close == NULL || memchr(lx->p, '\n', (size_t)(close - lx->p)) != NULL) {
            lex_error(lx, "unterminated quoted string");
            return T_ERR;
        }
        lx->tok = lx->p + 1;
        lx->toklen = (size_t)(close - lx->p - 1);
        lx->p = close + 1;
        return T_WORD;
    }
    lx->tok = lx->p;
    while (lx->p < lx->end && !is_space(*lx->p) && !strchr(";{}\"'", *lx->p))
        lx->p++;
    lx->toklen = (size_t)(lx->p - lx->tok);
    return T_WORD;
}

static int word_is(const lexer_t *lx, const char *w)
{
    return lx->toklen == strlen(w) && memcmp(lx->tok, w, lx->toklen) == 0;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Finds the slot holding `ext` or the empty slot where it belongs. */
static struct zh_mime_slot *find_slot(struct zh_mime_slot *slots, size_t mask, const char *ext,
                                      size_t n, uint32_t h)
{
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct zh_mime_slot *s = &slots[i];

        if (s->ext == NULL) return s;
        if (s->hash != h || s->extlen != n) continue;
        size_t k = 0;
        while (k < n && (unsigned char)s->ext[k] == lower((unsigned char)ext[k]))
            k++;
        if (k == n) return s;
    }
}

static char *store(build_t *b, const char *s, size_t n, int lowercase)
{
    char *p = b->str;

    for (size_t i = 0; i < n; i++)
        p[i] = lowercase ? (char)lower((unsigned char)s[i]) : s[i];
    p[n] = '\0';
    b->str += n + 1;
    return p;
}

static int add_ext(lexer_t *lx, build_t *b, const char *type)
{
    struct zh_mime_slot *s;
    uint32_t h;

    if (lx->toklen == 0) return lex_error(lx, "empty extension");
    if (lx->toklen > ZH_MIME_EXT_MAX) return lex_error(lx, "extension too long");
    if (memchr(lx->tok, '/', lx->toklen) || memchr(lx->tok, '.', lx->toklen))
        return lex_error(lx, "invalid extension \"%.*s\" (missing ';'?)", (int)lx->toklen, lx->tok);
    if (b->slots == NULL) { /* counting pass */
        b->entries++;
        b->strbytes += lx->toklen + 1;
        return 0;
    }
    h = zh_hash_lower(lx->tok, lx->toklen);
    s = find_slot(b->slots, b->mask, lx->tok, lx->toklen, h);
    if (s->ext == NULL) {
        s->ext = store(b, lx->tok, lx->toklen, 1);
        s->hash = h;
        s->extlen = (uint32_t)lx->toklen;
        b->count++;
    }
    s->type = type; /* a later entry wins */
    return 0;
}

/* One "type ext ext ...;" statement; the type token is current. */
static int parse_entry(lexer_t *lx, build_t *b)
{
    const char *type = NULL;
    enum tok t;
    int rc;

    if (lx->toklen == 0 || !memchr(lx->tok, '/', lx->toklen))
        return lex_error(lx, "invalid media type \"%.*s\"", (int)lx->toklen, lx->tok);
    if (b->slots == NULL)
        b->strbytes += lx->toklen + 1;
    else
        type = store(b, lx->tok, lx->toklen, 0);
    while ((t = lex_next(lx)) == T_WORD)
        if ((rc = add_ext(lx, b, type)) != 0) return rc;
    if (t == T_SEMI) return 0;
    if (t == T_ERR) return -EINVAL;
    if (t == T_EOF) return lex_error(lx, "unexpected end of file, expected \";\"");
    return lex_error(lx, "unexpected \"%c\", expected \";\"", lx->p[-1]);
}

static int parse_all(const char *buf, size_t len, build_t *b, char *err, size_t errlen)
{
    lexer_t lx = {buf, buf + len, 1, NULL, 0, err, errlen};
    enum tok t;
    int rc;

    while ((t = lex_next(&lx)) != T_EOF) {
        if (t == T_ERR) return -EINVAL;
        if (t != T_WORD || !word_is(&lx, "types")) return lex_error(&lx, "expected \"types\"");
        if (lex_next(&lx) != T_LBRACE) return lex_error(&lx, "expected \"{\" after \"types\"");
        while ((t = lex_next(&lx)) == T_WORD)
            if ((rc = parse_entry(&lx, b)) != 0) return rc;
        if (t == T_ERR) return -EINVAL;
        if (t == T_EOF) return lex_error(&lx, "unexpected end of file, expected \"}\"");
        if (t != T_RBRACE) return lex_error(&lx, "unexpected \"%c\"", lx.p[-1]);
    }
    return 0;
}

int zh_mime_parse(zh_mime_t *m, const char *buf, size_t len, char *err, size_t errlen)
{
    build_t b = {0};
    size_t nslots = 2, slotbytes;
    int rc;

    memset(m, 0, sizeof(*m));
    if (err != NULL && errlen > 0) err[0] = '\0';
    if ((rc = parse_all(buf, len, &b, err, errlen)) != 0) return rc;
    if (b.entries == 0) return 0;

    while (nslots < b.entries * 2) /* load factor <= 1/2 keeps probes short */
        nslots <<= 1;
    slotbytes = nslots * sizeof(struct zh_mime_slot);
    m->mem = calloc(1, slotbytes + b.strbytes);
    if (m->mem == NULL) return -ENOMEM;
    b.slots = m->mem;
    b.mask = nslots - 1;
    b.str = (char *)m->mem + slotbytes;
    rc = parse_all(buf, len, &b, NULL, 0); /* cannot fail: same input as the first pass */
    m->slots = b.slots;
    m->mask = b.mask;
    m->count = b.count;
    return rc;
}

const char *zh_mime_lookup_n(const zh_mime_t *m, const char *path, size_t len)
{
    size_t i = len, n;
    struct zh_mime_slot *s;

    if (m->count == 0) return NULL;
    while (i > 0 && path[i - 1] != '/' && path[i - 1] != '.')
        i--;
    /* path[i-1] is the last '.', and it must not start the file name */
    if (i < 2 || path[i - 1] != '.' || path[i - 2] == '/') return NULL;
    n = len - i;
    if (n == 0 || n > ZH_MIME_EXT_MAX) return NULL;
    s = find_slot(m->slots, m->mask, path + i, n, zh_hash_lower(path + i, n));
    return s->ext != NULL ? s->type : NULL;
}

const char *zh_mime_lookup(const zh_mime_t *m, const char *path)
{
    return zh_mime_lookup_n(m, path, strlen(path));
}

size_t zh_mime_count(const zh_mime_t *m) { return m->count; }

void zh_mime_free(zh_mime_t *m)
{
    free(m->mem);
    memset(m, 0, sizeof(*m));
}
