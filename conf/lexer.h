/* SPDX-License-Identifier: MIT */
/* zokiod conf: the tokens of nginx's configuration syntax.
 *
 *   word        anything up to white space, ';' or '{' ('}', '#' and the '{' of "${" inside a
 *               word are part of it; a '\' makes the next character part of the word)
 *   "x" 'x'     quoted strings; must be followed by white space, ';', '{' or '}'
 *   ; { }       punctuation
 *   # ...       comment to the end of the line, where a token may start
 *
 * In words and quoted strings \" \' and \\ stand for the character, \t \r \n for tab, CR and
 * LF; any other backslash stays as written (nginx does the same). */
#ifndef ZC_LEXER_H
#define ZC_LEXER_H

#include <stddef.h>

#include "conf/arena.h"

typedef enum zc_tok_kind {
    ZC_TOK_EOF,
    ZC_TOK_WORD,
    ZC_TOK_SEMI,
    ZC_TOK_LBRACE,
    ZC_TOK_RBRACE,
} zc_tok_kind_t;

typedef struct zc_token {
    zc_tok_kind_t kind;
    char *text; /* ZC_TOK_WORD: unescaped, NUL-terminated, in the arena; else NULL */
    size_t len; /* bytes of text */
    int quoted; /* the word was written in quotes */
    int line;   /* line of the token's first character (1-based) */
} zc_token_t;

typedef struct zc_lexer {
    const char *p, *end; /* unread input */
    const char *file;    /* for messages; not owned */
    int line;
    zc_arena_t *arena; /* where words go */
    char *err;         /* message buffer for errors */
    size_t errlen;
} zc_lexer_t;

/* Starts lexing `buf[0, len)` of `file`; words go to `arena`, error messages to `err`. */
void zc_lexer_init(zc_lexer_t *lx, const char *buf, size_t len, const char *file, zc_arena_t *arena,
                   char *err, size_t errlen);

/* Reads the next token into *tok. Returns 0, or -1 with "zokiod: FILE:LINE: ..." in err
 * (unexpected character after a quoted string, unterminated string, NUL byte, out of memory). */
int zc_lexer_next(zc_lexer_t *lx, zc_token_t *tok);

#endif
