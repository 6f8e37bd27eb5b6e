/* SPDX-License-Identifier: MIT */
/* The lexer and the generic tree: words, quotes, escapes, comments, lines, blocks, includes. */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>

#include "conf/lexer.h"
#include "conf/parse.h"
#include "tests/unit/conf/tconf.h"

static int parse(zc_node_t *root, zc_arena_t *a, const char *text, char *err, size_t errlen)
{
    zc_arena_init(a);
    return zc_parse_buf(root, text, strlen(text), "t.conf", tc_dir(), a, err, errlen);
}

ZT_TEST(lexer_tokens_and_lines)
{
    const char *text = "a b;\n# comment ; { }\n  c 'x y' \"q\"{ }\n\nd\n  e\n;";
    zc_lexer_t lx;
    zc_token_t t;
    zc_arena_t a;
    char err[256];
    static const struct {
        zc_tok_kind_t kind;
        const char *text;
        int line;
    } want[] = {
        {ZC_TOK_WORD, "a", 1},    {ZC_TOK_WORD, "b", 1},    {ZC_TOK_SEMI, NULL, 1},
        {ZC_TOK_WORD, "c", 3},    {ZC_TOK_WORD, "x y", 3},  {ZC_TOK_WORD, "q", 3},
        {ZC_TOK_LBRACE, NULL, 3}, {ZC_TOK_RBRACE, NULL, 3}, {ZC_TOK_WORD, "d", 5},
        {ZC_TOK_WORD, "e", 6},    {ZC_TOK_SEMI, NULL, 7},   {ZC_TOK_EOF, NULL, 7},
    };

    zc_arena_init(&a);
    zc_lexer_init(&lx, text, strlen(text), "t.conf", &a, err, sizeof(err));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ZT_EQ_INT(zc_lexer_next(&lx, &t), 0);
        ZT_EQ_INT(t.kind, want[i].kind);
        ZT_EQ_STR(t.text, want[i].text);
        ZT_EQ_INT(t.line, want[i].line);
    }
    zc_arena_free(&a);
}

ZT_TEST(lexer_quotes_and_escapes)
{
    zc_node_t root;
    zc_arena_t a;
    char err[256];
    const char *text = "d \"a\\\"b\" 'c\\'d' \"t\\tn\\nr\\r\" \"back\\\\slash\" \"keep\\x\" "
                       "un\\;quoted w\\ x '' \"multi\nline\" a#b}c ${v}x;\n";

    ZT_EQ_INT(parse(&root, &a, text, err, sizeof(err)), 0);
    ZT_EQ_INT(root.nchildren, 1);
    const zc_node_t *d = &root.children[0];
    ZT_EQ_STR(d->name, "d");
    ZT_EQ_INT(d->nargs, 11);
    ZT_EQ_STR(d->args[0], "a\"b");
    ZT_EQ_STR(d->args[1], "c'd");
    ZT_EQ_STR(d->args[2], "t\tn\nr\r");
    ZT_EQ_STR(d->args[3], "back\\slash");
    ZT_EQ_STR(d->args[4], "keep\\x"); /* unknown escapes stay, as in nginx */
    ZT_EQ_STR(d->args[5], "un\\;quoted");
    ZT_EQ_STR(d->args[6], "w\\ x");
    ZT_EQ_STR(d->args[7], "");
    ZT_EQ_STR(d->args[8], "multi\nline");
    ZT_EQ_STR(d->args[9], "a#b}c"); /* '#' and '}' inside a word belong to it */
    ZT_EQ_STR(d->args[10], "${v}x");
    zc_arena_free(&a);
}

ZT_TEST(parse_tree_blocks)
{
    zc_node_t root;
    zc_arena_t a;
    char err[256];
    const char *text = "top 1;\nouter a {\n  inner;\n  nested {\n    leaf x y;\n  }\n}\nlast;";

    ZT_EQ_INT(parse(&root, &a, text, err, sizeof(err)), 0);
    ZT_EQ_INT(root.nchildren, 3);
    ZT_EQ_STR(root.children[0].name, "top");
    ZT_EQ_INT(root.children[0].block, 0);
    const zc_node_t *o = &root.children[1];
    ZT_EQ_STR(o->name, "outer");
    ZT_EQ_INT(o->block, 1);
    ZT_EQ_INT(o->line, 2);
    ZT_EQ_INT(o->nargs, 1);
    ZT_EQ_INT(o->nchildren, 2);
    ZT_EQ_STR(o->children[1].name, "nested");
    ZT_EQ_INT(o->children[1].children[0].line, 5);
    ZT_EQ_STR(o->children[1].children[0].args[1], "y");
    ZT_EQ_STR(o->children[1].children[0].file, "t.conf");
    ZT_EQ_STR(root.children[2].name, "last");
    zc_arena_free(&a);
}

ZT_TEST(parse_syntax_errors)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"a b", "zokiod: t.conf:1: unexpected end of file, expecting \";\" or \"}\""},
        {"a {\n b;\n", "zokiod: t.conf:3: unexpected end of file, expecting \"}\""},
        {"a;\n}\n", "zokiod: t.conf:2: unexpected \"}\""},
        {"a { b }\n", "zokiod: t.conf:1: unexpected \"}\""},
        {"a;\n;", "zokiod: t.conf:2: unexpected \";\""},
        {"{ }", "zokiod: t.conf:1: unexpected \"{\""},
        {"a \"x\"y;", "zokiod: t.conf:1: unexpected \"y\""},
        {"a \"open;\n\n", "zokiod: t.conf:3: unexpected end of file, expecting '\"' (the string "
                          "starts on line 1)"},
        {"a 'open;", "zokiod: t.conf:1: unexpected end of file, expecting \"'\""},
    };
    zc_node_t root;
    zc_arena_t a;
    char err[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ZT_EQ_INT(parse(&root, &a, cases[i].text, err, sizeof(err)), -1);
        ZT_EQ_STR(err, cases[i].msg);
        zc_arena_free(&a);
    }
}

ZT_TEST(parse_nul_and_deep_nesting)
{
    zc_node_t root;
    zc_arena_t a;
    char err[256], deep[400];
    const char nul[] = "a b\0c;";

    zc_arena_init(&a);
    ZT_EQ_INT(zc_parse_buf(&root, nul, sizeof(nul) - 1, "t.conf", NULL, &a, err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: t.conf:1: unexpected NUL byte");
    zc_arena_free(&a);

    memset(deep, 0, sizeof(deep));
    for (int i = 0; i < 100; i++)
        strcat(deep, "b{");
    ZT_EQ_INT(parse(&root, &a, deep, err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: t.conf:1: blocks nested too deeply (more than 64 levels)");
    zc_arena_free(&a);
}

ZT_TEST(parse_include_glob_sorted)
{
    zc_node_t root;
    zc_arena_t a;
    char err[512];

    ZT_EQ_INT(tc_write("inc/b.conf", "b;\n"), 0);
    ZT_EQ_INT(tc_write("inc/a.conf", "a 1;\na 2;\n"), 0);
    ZT_EQ_INT(tc_write("inc/c.txt", "not_me;\n"), 0);
    ZT_EQ_INT(tc_write("one.conf", "blk {\n include inc/*.conf;\n}\n"), 0);
    ZT_EQ_INT(parse(&root, &a, "first;\ninclude one.conf;\ninclude none/*.conf;\nlast;\n", err,
                    sizeof(err)),
              0);
    ZT_EQ_INT(root.nchildren, 3);
    ZT_EQ_STR(root.children[0].name, "first");
    const zc_node_t *blk = &root.children[1];
    ZT_EQ_STR(blk->name, "blk");
    ZT_EQ_STR(blk->file, tc_path("one.conf"));
    ZT_EQ_INT(blk->nchildren, 3);
    ZT_EQ_STR(blk->children[0].args[0], "1");
    ZT_EQ_STR(blk->children[1].args[0], "2");
    ZT_EQ_INT(blk->children[1].line, 2);
    ZT_EQ_STR(blk->children[1].file, tc_path("inc/a.conf"));
    ZT_EQ_STR(blk->children[2].name, "b");
    ZT_EQ_STR(root.children[2].name, "last");
    zc_arena_free(&a);
}

ZT_TEST(parse_include_errors)
{
    zc_node_t root;
    zc_arena_t a;
    char err[512], want[512];

    ZT_EQ_INT(parse(&root, &a, "x;\ninclude missing.conf;\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "zokiod: t.conf:2: open() \"%s\" failed (No such file or directory)",
             tc_path("missing.conf"));
    ZT_EQ_STR(err, want);
    zc_arena_free(&a);

    ZT_EQ_INT(tc_write("self.conf", "include self.conf;\n"), 0);
    ZT_EQ_INT(parse(&root, &a, "include self.conf;\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "zokiod: %s:1: too many nested includes (more than 16 levels)",
             tc_path("self.conf"));
    ZT_EQ_STR(err, want);
    zc_arena_free(&a);

    ZT_EQ_INT(tc_write("bad.conf", "a;\n}\n"), 0);
    ZT_EQ_INT(parse(&root, &a, "b {\ninclude bad.conf;\n}\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "zokiod: %s:2: unexpected \"}\"", tc_path("bad.conf"));
    ZT_EQ_STR(err, want);
    zc_arena_free(&a);

    ZT_EQ_INT(parse(&root, &a, "include a b;\n", err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: t.conf:1: invalid number of arguments in \"include\" directive");
    zc_arena_free(&a);

    ZT_EQ_INT(parse(&root, &a, "include x { }\n", err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: t.conf:1: directive \"include\" is not terminated by \";\"");
    zc_arena_free(&a);

    ZT_EQ_INT(tc_write("adir/x", "a;\n"), 0);
    ZT_EQ_INT(parse(&root, &a, "include adir;\n", err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "zokiod: t.conf:1: open() \"%s\" failed (Is a directory)",
             tc_path("adir"));
    ZT_EQ_STR(err, want);
    zc_arena_free(&a);
}

/* the files read, each once, main first, with their whole text (zokiod -T) */
ZT_TEST(parse_sources_once_in_order)
{
    zc_node_t root;
    zc_arena_t a;
    zc_sources_t srcs = {0};
    char err[256];

    ZT_EQ_INT(tc_write("src/main.conf", "include b.conf;\ninclude inc/*.conf;\ninclude b.conf;"),
              0);
    ZT_EQ_INT(tc_write("src/b.conf", "b 1;\n"), 0);
    ZT_EQ_INT(tc_write("src/inc/x.conf", "include b.conf; x 1;\n"), 0);
    zc_arena_init(&a);
    ZT_EQ_INT(zc_parse_file_src(&root, tc_path("src/main.conf"), tc_path("src"), &a, &srcs, err,
                                sizeof(err)),
              0);
    ZT_EQ_INT(root.nchildren, 4); /* b, b (from x.conf), x, b */
    ZT_EQ_INT(srcs.n, 3);
    ZT_EQ_STR(srcs.items[0].path, tc_path("src/main.conf"));
    ZT_EQ_INT(srcs.items[0].len, strlen("include b.conf;\ninclude inc/*.conf;\ninclude b.conf;"));
    ZT_CHECK(memcmp(srcs.items[0].text, "include b.conf;\n", 16) == 0);
    ZT_EQ_STR(srcs.items[1].path, tc_path("src/b.conf"));
    ZT_EQ_STR(srcs.items[2].path, tc_path("src/inc/x.conf"));
    zc_arena_free(&a);
}

/* nginx's -g: main-context directives, "command line" at line 0 in messages, no blocks */
ZT_TEST(parse_params)
{
    zc_node_t root;
    zc_arena_t a;
    char err[256];

    zc_arena_init(&a);
    ZT_EQ_INT(
        zc_parse_params(&root, "daemon off; worker_processes 'a b';", NULL, &a, err, sizeof(err)),
        0);
    ZT_EQ_INT(root.nchildren, 2);
    ZT_EQ_STR(root.children[0].name, "daemon");
    ZT_EQ_STR(root.children[0].file, "command line");
    ZT_EQ_INT(root.children[0].line, 0);
    ZT_EQ_STR(root.children[1].args[0], "a b");
    ZT_EQ_INT(zc_parse_params(&root, "events { }", NULL, &a, err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: command line: block directives are not supported in -g option");
    ZT_EQ_INT(zc_parse_params(&root, "daemon off", NULL, &a, err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: command line: unexpected end of file, expecting \";\" or \"}\"");
    ZT_EQ_INT(zc_parse_params(&root, "a 'b", NULL, &a, err, sizeof(err)), -1);
    ZT_CHECK(strncmp(err, "zokiod: command line: ", 22) == 0);
    zc_arena_free(&a);
}
