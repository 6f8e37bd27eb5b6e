/* SPDX-License-Identifier: MIT */
/* The variables engine (http/vars.c, http/tpl.c) and the rewrite module's runner
 * (http/rewrite.c): each variable's value, nginx's escaping rules, set/rewrite/return. */
#include "tests/unit/zt.h"

#include <string.h>

#include "http/rewrite.h"
#include "http/server.h"
#include "http/vars.h"

#define S(lit) ((zh_str_t){lit, sizeof(lit) - 1})

/* a request for "/a%20b/c.html?x=1&Name=bob&flag" on host "www.test" */
static void req_init(zh_req_t *r, zh_vars_t *v)
{
    memset(r, 0, sizeof *r);
    memset(v, 0, sizeof *v);
    r->target = S("/a%20b/c.html?x=1&Name=bob&flag");
    r->uri = S("/a b/c.html");
    r->args = S("x=1&Name=bob&flag");
    r->host = S("www.test");
    r->h[ZH_H_USER_AGENT] = S("curl/8");
    v->remote_addr = "127.0.0.9";
    v->method = "HEAD";
    v->conn_requests = 3;
    v->server_name = "main.test";
    r->vars = v;
}

static const char *var(const zh_req_t *r, unsigned id)
{
    static char buf[512];
    zh_sink_t s = ZH_SINK(buf, sizeof buf);
    zh_var_put(r, id, &s);
    zh_sink_end(&s);
    return buf;
}

ZT_TEST(vars_each_variable)
{
    zh_req_t r;
    zh_vars_t v;
    req_init(&r, &v);
    ZT_EQ_STR(var(&r, ZH_VAR_URI), "/a b/c.html");                             /* decoded */
    ZT_EQ_STR(var(&r, ZH_VAR_REQUEST_URI), "/a%20b/c.html?x=1&Name=bob&flag"); /* raw */
    ZT_EQ_STR(var(&r, ZH_VAR_ARGS), "x=1&Name=bob&flag");
    ZT_EQ_STR(var(&r, ZH_VAR_QUERY_STRING), "x=1&Name=bob&flag");
    ZT_EQ_STR(var(&r, ZH_VAR_IS_ARGS), "?");
    ZT_EQ_STR(var(&r, ZH_VAR_HOST), "www.test");
    ZT_EQ_STR(var(&r, ZH_VAR_REMOTE_ADDR), "127.0.0.9");
    ZT_EQ_STR(var(&r, ZH_VAR_SCHEME), "http");
    ZT_EQ_STR(var(&r, ZH_VAR_SERVER_NAME), "main.test");
    ZT_EQ_STR(var(&r, ZH_VAR_REQUEST_METHOD), "HEAD");
    ZT_EQ_STR(var(&r, ZH_VAR_CONNECTION_REQUESTS), "3");
    r.target = S("HTTP://Www.Test/p?q"); /* absolute-form: the path and query */
    ZT_EQ_STR(var(&r, ZH_VAR_REQUEST_URI), "/p?q");
    r.target = S("http://www.test");
    ZT_EQ_STR(var(&r, ZH_VAR_REQUEST_URI), "/");
    r.host = (zh_str_t){NULL, 0}; /* no Host: the server's name */
    ZT_EQ_STR(var(&r, ZH_VAR_HOST), "main.test");
    r.args = (zh_str_t){NULL, 0};
    ZT_EQ_STR(var(&r, ZH_VAR_IS_ARGS), "");
    ZT_EQ_STR(var(&r, ZH_VAR_ARGS), "");
}

ZT_TEST(vars_document_root)
{
    zh_req_t r;
    zh_vars_t v;
    zh_location_t l = {0};
    req_init(&r, &v);
    l.site.root_path = "/srv/www";
    v.loc = &l;
    ZT_EQ_STR(var(&r, ZH_VAR_DOCUMENT_ROOT), "/srv/www");
    /* root /srv/$host: the fixed directory, then the template */
    zh_tpl_part_t parts[] = {{ZH_TPL_TEXT, 0, 1, "/"}, {ZH_TPL_VAR, ZH_VAR_HOST, 0, NULL}};
    zh_tpl_t t = {parts, 2};
    l.site.root_path = "/srv";
    l.root_tpl = &t;
    ZT_EQ_STR(var(&r, ZH_VAR_DOCUMENT_ROOT), "/srv/www.test");
}

ZT_TEST(vars_args)
{
    const char *a = "x=1&Name=bob&flag&e=";
    const char *p;
    size_t n;
    ZT_CHECK(zh_arg_find(a, strlen(a), "name", 4, &p, &n)); /* case-insensitive, as nginx */
    ZT_EQ_INT((int)n, 3);
    ZT_CHECK(!memcmp(p, "bob", 3));
    ZT_CHECK(zh_arg_find(a, strlen(a), "flag", 4, &p, &n));
    ZT_EQ_INT((int)n, 0);
    ZT_CHECK(zh_arg_find(a, strlen(a), "e", 1, &p, &n));
    ZT_EQ_INT((int)n, 0);
    ZT_CHECK(!zh_arg_find(a, strlen(a), "x=", 2, &p, &n));
    ZT_CHECK(!zh_arg_find(a, strlen(a), "nam", 3, &p, &n)); /* a prefix is not the name */
    ZT_CHECK(!zh_arg_find(NULL, 0, "x", 1, &p, &n));
}

static const char *expand(const zh_tpl_t *t, const zh_req_t *r, int esc)
{
    static char buf[512];
    zh_sink_t s = ZH_SINK(buf, sizeof buf);
    zh_tpl_expand_esc(t, r, &s, esc);
    zh_sink_end(&s);
    return buf;
}

ZT_TEST(vars_template_parts)
{
    zh_req_t r;
    zh_vars_t v;
    req_init(&r, &v);
    v.user[2] = S("set-value");
    v.user_set = 1u << 2;
    v.user[5] = S("stale"); /* not set by this request: empty */
    zh_tpl_part_t parts[] = {
        {ZH_TPL_TEXT, 0, 1, "<"},
        {ZH_TPL_ARG, 0, 4, "name"},
        {ZH_TPL_TEXT, 0, 1, "|"},
        {ZH_TPL_HTTP, ZH_H_USER_AGENT, 0, NULL},
        {ZH_TPL_TEXT, 0, 1, "|"},
        {ZH_TPL_USER, 2, 0, NULL},
        {ZH_TPL_TEXT, 0, 1, "|"},
        {ZH_TPL_USER, 5, 0, NULL},            /* never set: empty */
        {ZH_TPL_HTTP, ZH_H_REFERER, 0, NULL}, /* absent: empty */
        {ZH_TPL_ARG, 0, 4, "none"},
        {ZH_TPL_TEXT, 0, 1, ">"},
    };
    zh_tpl_t t = {parts, sizeof parts / sizeof parts[0]};
    ZT_EQ_STR(expand(&t, &r, 0), "<bob|curl/8|set-value|>");
}

static pcre2_code *compile(const char *re)
{
    int err;
    PCRE2_SIZE off;
    return pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
}

/* captures are escaped as nginx's NGX_ESCAPE_ARGS only when asked (a query or a redirect of a
 * request whose path had escapes); other variables never are */
ZT_TEST(vars_capture_escaping)
{
    zh_req_t r;
    zh_vars_t v;
    req_init(&r, &v);
    pcre2_code *re = compile("^/(.*)/");
    pcre2_match_data *md = zh_regex_match_data();
    ZT_EQ_INT(zh_regex_match(re, md, r.uri.p, r.uri.len, &r.loc_caps), 1);
    zh_tpl_part_t parts[] = {
        {ZH_TPL_CAPTURE, 1, 0, NULL}, {ZH_TPL_TEXT, 0, 1, "|"}, {ZH_TPL_VAR, ZH_VAR_URI, 0, NULL}};
    zh_tpl_t t = {parts, 3};
    ZT_EQ_STR(expand(&t, &r, 0), "a b|/a b/c.html");
    ZT_EQ_STR(expand(&t, &r, ZH_ESC_PATH), "a%20b|/a b/c.html");
    r.uri = S("/\"#%+&;?<>\x7f\xc3\xa9\t/");
    ZT_EQ_INT(zh_regex_match(re, md, r.uri.p, r.uri.len, &r.loc_caps), 1);
    ZT_EQ_STR(expand(&t, &r, ZH_ESC_PATH),
              "%22%23%25+&;?<>%7F%C3%A9%09|/\"#%+&;?<>\x7f\xc3\xa9\t/");
    /* after a '?' of the text: the query's set */
    zh_tpl_part_t q[] = {{ZH_TPL_TEXT, 0, 3, "?v="}, {ZH_TPL_CAPTURE, 1, 0, NULL}};
    zh_tpl_t tq = {q, 2};
    ZT_EQ_STR(expand(&tq, &r, ZH_ESC_ARGS), "?v=%22%23%25%2B%26%3B%3F%3C%3E%7F%C3%A9%09");
    ZT_EQ_STR(expand(&t, &r, ZH_ESC_ARGS), "\"#%+&;?<>\x7f\xc3\xa9\t|/\"#%+&;?<>\x7f\xc3\xa9\t/");
    pcre2_match_data_free(md);
    pcre2_code_free(re);
}

static zh_rw_t rw_rewrite(pcre2_code *re, const zh_tpl_part_t *parts, uint32_t n, int flag)
{
    zh_rw_t w = {0};
    w.op = ZH_RW_REWRITE;
    w.flag = (uint8_t)flag;
    w.re = re;
    w.val = (zh_tpl_t){parts, n};
    return w;
}

ZT_TEST(vars_rewrite_runner)
{
    zh_req_t r;
    zh_vars_t v;
    zh_rw_out_t o;
    pcre2_match_data *md = zh_regex_match_data();
    pcre2_code *re = compile("^/a b/(.*)$");
    zh_tpl_part_t rep[] = {{ZH_TPL_TEXT, 0, 5, "/new/"}, {ZH_TPL_CAPTURE, 1, 0, NULL}};
    zh_tpl_part_t rep_q[] = {
        {ZH_TPL_TEXT, 0, 5, "/new/"}, {ZH_TPL_CAPTURE, 1, 0, NULL}, {ZH_TPL_TEXT, 0, 4, "?k=v"}};

    /* last: the URI changes, the request's args follow */
    req_init(&r, &v);
    zh_rw_t w = rw_rewrite(re, rep, 2, ZH_RW_LAST);
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 0, &o), ZH_RW_RESEARCH);
    ZT_EQ_INT((int)r.uri.len, 11);
    ZT_CHECK(!memcmp(r.uri.p, "/new/c.html", 11));
    ZT_EQ_INT((int)r.args.len, 17);
    ZT_CHECK(!memcmp(r.args.p, "x=1&Name=bob&flag", 17));

    /* args in the replacement: the request's follow after '&'; no_args: they do not */
    req_init(&r, &v);
    w = rw_rewrite(re, rep_q, 3, ZH_RW_BREAK);
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 0, &o), ZH_RW_STAY);
    ZT_EQ_INT((int)r.args.len, 21);
    ZT_CHECK(!memcmp(r.args.p, "k=v&x=1&Name=bob&flag", 21));
    req_init(&r, &v);
    w.no_args = 1;
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 0, &o), ZH_RW_STAY);
    ZT_EQ_INT((int)r.args.len, 3);
    req_init(&r, &v);
    w = rw_rewrite(re, rep, 2, ZH_RW_LAST);
    w.no_args = 1;
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 0, &o), ZH_RW_RESEARCH);
    ZT_CHECK(r.args.p == NULL);

    /* permanent: a 301 with the args; in the server block `last` only stops the block */
    req_init(&r, &v);
    w = rw_rewrite(re, rep, 2, ZH_RW_PERMANENT);
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 0, &o), ZH_RW_DO_REDIRECT);
    ZT_EQ_INT(o.code, 301);
    ZT_EQ_STR(o.text, "/new/c.html?x=1&Name=bob&flag");
    req_init(&r, &v);
    w = rw_rewrite(re, rep, 2, ZH_RW_LAST);
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 1, &o), ZH_RW_GO_ON);

    /* no flag: the next directive runs (a set seeing the new $uri), then the search */
    req_init(&r, &v);
    zh_tpl_part_t val[] = {{ZH_TPL_VAR, ZH_VAR_URI, 0, NULL}};
    zh_rw_t two[3] = {rw_rewrite(re, rep, 2, ZH_RW_NONE), {0}, {0}};
    two[1].op = ZH_RW_SET;
    two[1].var = 1;
    two[1].val = (zh_tpl_t){val, 1};
    two[2].op = ZH_RW_RETURN;
    two[2].code = 200;
    two[2].has_text = 1;
    two[2].val = (zh_tpl_t){val, 1};
    ZT_EQ_INT(zh_rewrite_run(&r, two, 2, md, 0, &o), ZH_RW_RESEARCH);
    ZT_EQ_INT((int)v.user[1].len, 11);
    ZT_CHECK(!memcmp(v.user[1].p, "/new/c.html", 11));
    /* a return stops the block with its text expanded */
    req_init(&r, &v);
    ZT_EQ_INT(zh_rewrite_run(&r, two, 3, md, 0, &o), ZH_RW_DO_RETURN);
    ZT_EQ_STR(o.text, "/new/c.html");
    ZT_EQ_INT(o.ret->code, 200);

    /* no match: nothing changes */
    req_init(&r, &v);
    r.uri = S("/other");
    w = rw_rewrite(re, rep, 2, ZH_RW_LAST);
    ZT_EQ_INT(zh_rewrite_run(&r, &w, 1, md, 0, &o), ZH_RW_GO_ON);
    ZT_EQ_INT((int)r.uri.len, 6);
    pcre2_code_free(re);
    pcre2_match_data_free(md);
}

ZT_TEST(vars_add_header_line)
{
    zh_req_t r;
    zh_vars_t v;
    req_init(&r, &v);
    char buf[256];
    zh_tpl_part_t parts[] = {{ZH_TPL_VAR, ZH_VAR_URI, 0, NULL}};
    zh_tpl_t t = {parts, 1};
    zh_header_t hd = {"X-Uri", "$uri", 0, &t};
    zh_sink_t s = ZH_SINK(buf, sizeof buf);
    zh_header_put(&s, &hd, &r);
    zh_sink_end(&s);
    ZT_EQ_STR(buf, "X-Uri: /a b/c.html\r\n");
    r.uri = S("/x\r\nSet-Cookie: a"); /* a decoded %0D%0A cannot start a header line */
    s = ZH_SINK(buf, sizeof buf);
    zh_header_put(&s, &hd, &r);
    zh_sink_end(&s);
    ZT_EQ_STR(buf, "X-Uri: /x%0D%0ASet-Cookie: a\r\n");
    r.uri = (zh_str_t){"", 0}; /* an empty value: no line, as nginx */
    s = ZH_SINK(buf, sizeof buf);
    zh_header_put(&s, &hd, &r);
    zh_sink_end(&s);
    ZT_EQ_STR(buf, "");
}
