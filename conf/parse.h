/* SPDX-License-Identifier: MIT */
/* zokiod conf: nginx syntax -> a generic directive tree, with `include` expanded in place.
 *
 * `include PATTERN;` may appear in any block. A relative PATTERN is taken against `incdir` (the
 * directory of the main config file). PATTERN goes through glob(3): matches are read in sorted
 * order; a pattern without wildcards (* ? [) must name a readable file, one with wildcards may
 * match nothing. Included files are parsed as a sequence of directives spliced into the
 * including block (an included file cannot close that block). Includes nest up to
 * ZC_INCLUDE_DEPTH levels. */
#ifndef ZC_PARSE_H
#define ZC_PARSE_H

#include <stddef.h>

#include "conf/arena.h"

#define ZC_INCLUDE_DEPTH 16

typedef struct zc_node {
    const char *name; /* the directive's first word */
    char **args;      /* the following words (nargs of them), unescaped */
    size_t nargs;
    const char *file;         /* path of the file it was read from (arena) */
    int line;                 /* line of its first word */
    int block;                /* 1 when it ended with a { } block, 0 when with ';' */
    struct zc_node *children; /* block contents (nchildren of them) */
    size_t nchildren;
} zc_node_t;

/* A file read by the parser (zokiod -T prints them): its path and its whole text. */
typedef struct zc_source {
    const char *path;
    const char *text;
    size_t len;
} zc_source_t;

/* The files read, each once, in the order they were first read (an arena array). */
typedef struct zc_sources {
    zc_source_t *items;
    size_t n, cap;
} zc_sources_t;

/* Reads `file` (a path used as is) and returns its directives as the children of `*root` (a
 * block named "" at line 0). Everything is allocated in `arena`. Returns 0, or -1 with one line
 * "zokiod: FILE:LINE: message" in `err` (syntax error, unreadable file, include failure, out of
 * memory). */
int zc_parse_file(zc_node_t *root, const char *file, const char *incdir, zc_arena_t *arena,
                  char *err, size_t errlen);

/* zc_parse_file that also appends every file it reads (the main one, then the included ones) to
 * `srcs` unless it is there already. */
int zc_parse_file_src(zc_node_t *root, const char *file, const char *incdir, zc_arena_t *arena,
                      zc_sources_t *srcs, char *err, size_t errlen);

/* The text of nginx's `-g` option: directives of the main context, named "command line" at line
 * 0 in messages ("zokiod: command line: ..."); a block is refused as nginx refuses it. */
int zc_parse_params(zc_node_t *root, const char *text, const char *incdir, zc_arena_t *arena,
                    char *err, size_t errlen);

/* Like zc_parse_file for text already in memory, named `file` in messages. */
int zc_parse_buf(zc_node_t *root, const char *buf, size_t len, const char *file, const char *incdir,
                 zc_arena_t *arena, char *err, size_t errlen);

#endif
