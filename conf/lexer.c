/* SPDX-License-Identifier: MIT */
#include "conf/lexer.h"

#include "conf/values.h"

void zc_lexer_init(zc_lexer_t *lx, const char *buf, size_t len, const char *file, zc_arena_t *arena,
                   char *err, size_t errlen)
{
    lx->p = buf;
    lx->end = buf + len;
    lx->file = file;
    lx->line = 1;
    lx->arena = arena;
    lx->err = err;
    lx->errlen = errlen;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Skips white space and comments; stops at the first character of a token or at the end. */
static void skip_blank(zc_lexer_t *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == '#') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (is_space(c)) {
            if (c == '\n') lx->line++;
            lx->p++;
        } else {
            return;
        }
    }
}

/* Copies raw[0, n) to the arena with nginx's escapes resolved. */
static char *unescape(zc_arena_t *a, const char *raw, size_t n, size_t *outlen)
{
    char *dst = zc_arena_alloc(a, n + 1), *d = dst;
    size_t i;

    if (dst == NULL) return NULL;
    for (i = 0; i < n; i++) {
        if (raw[i] == '\\' && i + 1 < n) {
            char c = raw[i + 1];
            if (c == '"' || c == '\'' || c == '\\' || c == 't' || c == 'r' || c == 'n') {
                *d++ = c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n' : c;
                i++;
                continue;
            }
        }
        *d++ = raw[i];
    }
    *d = '\0';
    *outlen = (size_t)(d - dst);
    return dst;
}

static int lex_quoted(zc_lexer_t *lx, zc_token_t *tok)
{
    char q = *lx->p++;
    const char *start = lx->p;
    int line = lx->line;

    while (lx->p < lx->end && *lx->p != q) {
        if (*lx->p == '\0')
            return zc_errf(lx->err, lx->errlen, lx->file, lx->line, "unexpected NUL byte");
        if (*lx->p == '\n') lx->line++;
        if (*lx->p == '\\' && lx->p + 1 < lx->end) {
            lx->p++;
            if (*lx->p == '\n') lx->line++;
        }
        lx->p++;
    }
    if (lx->p == lx->end && line == lx->line)
        return zc_errf(lx->err, lx->errlen, lx->file, lx->line,
                       "unexpected end of file, expecting %s", q == '"' ? "'\"'" : "\"'\"");
    if (lx->p == lx->end) /* nginx's message, and where the string began */
        return zc_errf(lx->err, lx->errlen, lx->file, lx->line,
                       "unexpected end of file, expecting %s (the string starts on line %d)",
                       q == '"' ? "'\"'" : "\"'\"", line);
    tok->text = unescape(lx->arena, start, (size_t)(lx->p - start), &tok->len);
    if (tok->text == NULL) return zc_errf(lx->err, lx->errlen, NULL, 0, "out of memory");
    lx->p++;
    if (lx->p < lx->end && !is_space(*lx->p) && *lx->p != ';' && *lx->p != '{' && *lx->p != '}')
        return zc_errf(lx->err, lx->errlen, lx->file, lx->line, "unexpected \"%c\"", *lx->p);
    tok->kind = ZC_TOK_WORD;
    tok->quoted = 1;
    return 0;
}

static int lex_word(zc_lexer_t *lx, zc_token_t *tok)
{
    const char *start = lx->p;

    /* "${name}" keeps its '{' (nginx's variable syntax, refused later with a clear message). */
    while (lx->p < lx->end && !is_space(*lx->p) && *lx->p != ';' &&
           (*lx->p != '{' || (lx->p > start && lx->p[-1] == '$'))) {
        if (*lx->p == '\0')
            return zc_errf(lx->err, lx->errlen, lx->file, lx->line, "unexpected NUL byte");
        if (*lx->p == '\\' && lx->p + 1 < lx->end) {
            lx->p++;
            if (*lx->p == '\n') lx->line++;
        }
        lx->p++;
    }
    tok->text = unescape(lx->arena, start, (size_t)(lx->p - start), &tok->len);
    if (tok->text == NULL) return zc_errf(lx->err, lx->errlen, NULL, 0, "out of memory");
    tok->kind = ZC_TOK_WORD;
    return 0;
}

int zc_lexer_next(zc_lexer_t *lx, zc_token_t *tok)
{
    skip_blank(lx);
    tok->text = NULL;
    tok->len = 0;
    tok->quoted = 0;
    tok->line = lx->line;
    if (lx->p == lx->end) {
        tok->kind = ZC_TOK_EOF;
        return 0;
    }
    switch (*lx->p) {
    case ';': tok->kind = ZC_TOK_SEMI, lx->p++; return 0;
    case '{': tok->kind = ZC_TOK_LBRACE, lx->p++; return 0;
    case '}': tok->kind = ZC_TOK_RBRACE, lx->p++; return 0;
    case '"':
    case '\'': return lex_quoted(lx, tok);
    default: return lex_word(lx, tok);
    }
}
