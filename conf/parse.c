/* SPDX-License-Identifier: MIT */
#include "conf/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/lexer.h"
#include "conf/values.h"

typedef struct parser {
    zc_arena_t *arena;
    const char *incdir;
    zc_sources_t *srcs; /* NULL: not recorded */
    char *err;
    size_t errlen;
} parser_t;

/* The children array of the block being filled. */
typedef struct vec {
    zc_node_t *items;
    size_t n, cap;
} vec_t;

static int parse_text(parser_t *ps, vec_t *out, const char *buf, size_t len, const char *file,
                      int depth);

static int oom(parser_t *ps) { return zc_errf(ps->err, ps->errlen, NULL, 0, "out of memory"); }

/* Reads the whole regular file `path` into the arena. On failure, writes the nginx-style message
 * naming `path`, placed at `from`:`line` (NULL for the main file). */
static int read_file(parser_t *ps, const char *path, const char *from, int line, char **buf,
                     size_t *len)
{
    struct stat st = {0};
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return zc_errf(ps->err, ps->errlen, from, line, "open() \"%s\" failed (%s)", path,
                       strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno ? errno : EINVAL; /* fifo, device... */
        close(fd);
        return zc_errf(ps->err, ps->errlen, from, line, "open() \"%s\" failed (%s)", path,
                       strerror(e));
    }
    *buf = zc_arena_alloc(ps->arena, (size_t)st.st_size + 1);
    if (*buf == NULL) {
        close(fd);
        return oom(ps);
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            close(fd);
            return zc_errf(ps->err, ps->errlen, from, line, "read() \"%s\" failed (%s)", path,
                           strerror(e));
        }
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return 0;
}

static int parse_path(parser_t *ps, vec_t *out, const char *path, const char *from, int line,
                      int depth)
{
    char *buf = NULL;
    size_t len = 0;
    const char *name = zc_arena_strdup(ps->arena, path);

    if (name == NULL) return oom(ps);
    if (read_file(ps, name, from, line, &buf, &len) < 0) return -1;
    if (ps->srcs != NULL) {
        size_t i = 0;
        while (i < ps->srcs->n && strcmp(ps->srcs->items[i].path, name) != 0)
            i++;
        if (i == ps->srcs->n) {
            zc_source_t *src = ZC_PUSH(ps->arena, ps->srcs->items, ps->srcs->n, ps->srcs->cap);
            if (src == NULL) return oom(ps);
            *src = (zc_source_t){name, buf, len};
        }
    }
    return parse_text(ps, out, buf, len, name, depth);
}

static int expand_include(parser_t *ps, vec_t *out, const zc_node_t *inc, int depth)
{
    const char *pat;
    glob_t g;
    int rc;

    if (inc->block)
        return zc_errf(ps->err, ps->errlen, inc->file, inc->line,
                       "directive \"include\" is not terminated by \";\"");
    if (inc->nargs != 1)
        return zc_errf(ps->err, ps->errlen, inc->file, inc->line,
                       "invalid number of arguments in \"include\" directive");
    if (depth >= ZC_INCLUDE_DEPTH)
        return zc_errf(ps->err, ps->errlen, inc->file, inc->line,
                       "too many nested includes (more than %d levels)", ZC_INCLUDE_DEPTH);
    pat = zc_path_join(ps->arena, ps->incdir, inc->args[0]);
    if (pat == NULL) return oom(ps);
    if (strpbrk(pat, "*?[") == NULL)
        return parse_path(ps, out, pat, inc->file, inc->line, depth + 1);

    rc = glob(pat, 0, NULL, &g);
    if (rc == GLOB_NOMATCH) return 0;
    if (rc == GLOB_NOSPACE) return oom(ps);
    if (rc != 0)
        return zc_errf(ps->err, ps->errlen, inc->file, inc->line, "glob() \"%s\" failed (%s)", pat,
                       strerror(errno ? errno : EIO));
    rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
        rc = parse_path(ps, out, g.gl_pathv[i], inc->file, inc->line, depth + 1);
    globfree(&g);
    return rc;
}

/* Adds the word `t` to the argument list of the directive being read. */
static int add_word(parser_t *ps, zc_node_t *d, size_t *cap, const zc_token_t *t)
{
    char **slot;

    if (d->name == NULL) {
        d->name = t->text;
        d->line = t->line;
        return 0;
    }
    slot = ZC_PUSH(ps->arena, d->args, d->nargs, *cap);
    if (slot == NULL) return oom(ps);
    *slot = t->text;
    return 0;
}

/* Blocks nest at most this deep (the parser recurses once per level). */
#define MAX_NESTING 64

/* Reads directives up to the '}' closing the current block (`nested` levels deep; 0 for the
 * top of a file: then up to the end of the file), appending them to `out`. */
static int parse_block(parser_t *ps, zc_lexer_t *lx, vec_t *out, int nested, int depth)
{
    zc_node_t cur = {0};
    size_t argcap = 0;
    zc_token_t t;

    cur.file = lx->file;
    for (;;) {
        if (zc_lexer_next(lx, &t) < 0) return -1;
        if (t.kind == ZC_TOK_WORD) {
            if (add_word(ps, &cur, &argcap, &t) < 0) return -1;
            continue;
        }
        if (t.kind == ZC_TOK_EOF) {
            if (cur.name != NULL)
                return zc_errf(ps->err, ps->errlen, lx->file, t.line,
                               "unexpected end of file, expecting \";\" or \"}\"");
            if (nested)
                return zc_errf(ps->err, ps->errlen, lx->file, t.line,
                               "unexpected end of file, expecting \"}\"");
            return 0;
        }
        if (t.kind == ZC_TOK_RBRACE) {
            if (cur.name != NULL || !nested)
                return zc_errf(ps->err, ps->errlen, lx->file, t.line, "unexpected \"}\"");
            return 0;
        }
        if (cur.name == NULL)
            return zc_errf(ps->err, ps->errlen, lx->file, t.line, "unexpected \"%c\"",
                           t.kind == ZC_TOK_SEMI ? ';' : '{');
        if (t.kind == ZC_TOK_LBRACE) {
            vec_t kids = {0};
            cur.block = 1;
            if (nested >= MAX_NESTING)
                return zc_errf(ps->err, ps->errlen, lx->file, t.line,
                               "blocks nested too deeply (more than %d levels)", MAX_NESTING);
            if (parse_block(ps, lx, &kids, nested + 1, depth) < 0) return -1;
            cur.children = kids.items;
            cur.nchildren = kids.n;
        }
        if (strcmp(cur.name, "include") == 0) {
            if (expand_include(ps, out, &cur, depth) < 0) return -1;
        } else {
            zc_node_t *slot = ZC_PUSH(ps->arena, out->items, out->n, out->cap);
            if (slot == NULL) return oom(ps);
            *slot = cur;
        }
        memset(&cur, 0, sizeof(cur));
        cur.file = lx->file;
        argcap = 0;
    }
}

static int parse_text(parser_t *ps, vec_t *out, const char *buf, size_t len, const char *file,
                      int depth)
{
    zc_lexer_t lx;

    zc_lexer_init(&lx, buf, len, file, ps->arena, ps->err, ps->errlen);
    return parse_block(ps, &lx, out, 0, depth);
}

static void init(parser_t *ps, zc_node_t *root, const char *incdir, zc_arena_t *arena, char *err,
                 size_t errlen)
{
    ps->arena = arena;
    ps->incdir = incdir;
    ps->srcs = NULL;
    ps->err = err;
    ps->errlen = errlen;
    memset(root, 0, sizeof(*root));
    root->name = "";
    root->file = "";
    root->block = 1;
}

int zc_parse_file(zc_node_t *root, const char *file, const char *incdir, zc_arena_t *arena,
                  char *err, size_t errlen)
{
    return zc_parse_file_src(root, file, incdir, arena, NULL, err, errlen);
}

int zc_parse_file_src(zc_node_t *root, const char *file, const char *incdir, zc_arena_t *arena,
                      zc_sources_t *srcs, char *err, size_t errlen)
{
    parser_t ps;
    vec_t top = {0};

    init(&ps, root, incdir, arena, err, errlen);
    ps.srcs = srcs;
    if (parse_path(&ps, &top, file, NULL, 0, 0) < 0) return -1;
    root->children = top.items;
    root->nchildren = top.n;
    return 0;
}

int zc_parse_buf(zc_node_t *root, const char *buf, size_t len, const char *file, const char *incdir,
                 zc_arena_t *arena, char *err, size_t errlen)
{
    parser_t ps;
    vec_t top = {0};
    const char *name;

    init(&ps, root, incdir, arena, err, errlen);
    name = zc_arena_strdup(arena, file);
    if (name == NULL) return oom(&ps);
    if (parse_text(&ps, &top, buf, len, name, 0) < 0) return -1;
    root->children = top.items;
    root->nchildren = top.n;
    return 0;
}

int zc_parse_params(zc_node_t *root, const char *text, const char *incdir, zc_arena_t *arena,
                    char *err, size_t errlen)
{
    static const char name[] = "command line";
    parser_t ps;
    zc_lexer_t lx;
    vec_t top = {0};

    init(&ps, root, incdir, arena, err, errlen);
    zc_lexer_init(&lx, text, strlen(text), name, arena, err, errlen);
    lx.line = 0; /* messages say "command line: ...", as nginx's "in command line" */
    if (parse_block(&ps, &lx, &top, 0, 0) < 0) return -1;
    for (size_t i = 0; i < top.n; i++)
        if (top.items[i].block)
            return zc_errf(err, errlen, name, 0, "block directives are not supported in -g option");
    root->children = top.items;
    root->nchildren = top.n;
    return 0;
}
