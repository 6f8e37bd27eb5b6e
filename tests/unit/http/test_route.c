/* SPDX-License-Identifier: MIT */
/* Which server and which location answer: nginx's selection order (http/route.c) and the
 * captures a regex match leaves (http/regex.c). Each expectation was checked against nginx 1.22
 * with the same config (see tests/integration/conf_test.py, location_order_like_nginx). */
#include "tests/unit/zt.h"

#include <ctype.h>
#include <string.h>

#include "http/regex.h"
#include "http/request.h"
#include "http/route.h"
#include "http/tpl.h"

/* --- building locations and servers as server/gen.c would ----------------------------------- */

static zh_location_t pool[64];
static unsigned npool;
static pcre2_code *codes[32];
static unsigned ncodes;

static pcre2_code *compile(const char *re, int caseless)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                  caseless ? PCRE2_CASELESS : 0, &err, &off, NULL);
    if (c) {
        pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
        codes[ncodes++] = c;
    }
    return c;
}

static void free_codes(void)
{
    while (ncodes)
        pcre2_code_free(codes[--ncodes]);
    npool = 0;
}

/* n consecutive locations (one level) */
static zh_location_t *level(unsigned n)
{
    zh_location_t *l = &pool[npool];
    memset(l, 0, n * sizeof *l);
    npool += n;
    return l;
}

/* `location MOD NAME`, labelled (the label stands in site.root_path) */
static void loc(zh_location_t *l, const char *label, const char *mod, const char *name)
{
    l->site.root_path = label;
    l->prefix = name;
    l->prefix_len = (uint32_t)strlen(name);
    l->exact = !strcmp(mod, "=");
    l->noregex = !strcmp(mod, "^~");
    l->named = name[0] == '@' && !*mod;
    if (mod[0] == '~') l->regex = compile(name, mod[1] == '*');
}

static void nest(zh_location_t *parent, zh_location_t *kids, unsigned n)
{
    parent->locations = kids;
    parent->nlocations = n;
}

/* The acceptance config of issue 9 and more:
 *   location = / { }                          exact-root
 *   location / { }                            root
 *   location ^~ /static/ {                    static
 *       location ~ \.gif$ { }                  static-gif
 *   }
 *   location ~* \.(css|js|png)$ { }           assets
 *   location /docs/ {                         docs
 *       location ~ \.md$ { }                  docs-md
 *       location /docs/api/ { }               docs-api
 *       location ^~ /docs/raw/ { }            docs-raw
 *       location = /docs/exact { }            docs-exact
 *   }
 *   location ~ ^/docs/(.+)\.txt$ { }          docs-txt
 *   location ~ ^/u/(?<user>[a-z]+)/(\d+) {    user
 *       location ~ /9+$ { }                   user9
 *   }
 *   location = /x { }                         x-exact
 *   location /x { }                           x-prefix
 *   location ~ \.PNG$ { }                     png-upper (after assets: never first)
 *   location ~ /first/ { }                    first
 *   location ~ /first/second { }              second
 *   location /first/second/ { }               first-second-prefix
 *   location @fallback { }                    fallback
 *   location /@fallback { }                   at-prefix
 */
static zh_vhost_t site(void)
{
    zh_vhost_t vh;
    memset(&vh, 0, sizeof vh);
    vh.base.site.root_path = "server";
    zh_location_t *l = level(17);
    loc(&l[0], "exact-root", "=", "/");
    loc(&l[1], "root", "", "/");
    loc(&l[2], "static", "^~", "/static/");
    loc(&l[3], "assets", "~*", "\\.(css|js|png)$");
    loc(&l[4], "docs", "", "/docs/");
    loc(&l[5], "docs-txt", "~", "^/docs/(.+)\\.txt$");
    loc(&l[6], "user", "~", "^/u/(?<user>[a-z]+)/(\\d+)");
    loc(&l[7], "x-exact", "=", "/x");
    loc(&l[8], "x-prefix", "", "/x");
    loc(&l[9], "png-upper", "~", "\\.PNG$");
    loc(&l[10], "first", "~", "/first/");
    loc(&l[11], "second", "~", "/first/second");
    loc(&l[12], "first-second-prefix", "", "/first/second/");
    loc(&l[13], "fallback", "", "@fallback");
    loc(&l[14], "at-prefix", "", "/@fallback");
    loc(&l[15], "fallback-2", "", "@fallback");
    loc(&l[16], "other-named", "", "@other");
    zh_location_t *d = level(4);
    loc(&d[0], "docs-md", "~", "\\.md$");
    loc(&d[1], "docs-api", "", "/docs/api/");
    loc(&d[2], "docs-raw", "^~", "/docs/raw/");
    loc(&d[3], "docs-exact", "=", "/docs/exact");
    nest(&l[4], d, 4);
    zh_location_t *u = level(1);
    loc(&u[0], "user9", "~", "/9+$");
    nest(&l[6], u, 1);
    zh_location_t *st = level(1);
    loc(&st[0], "static-gif", "~", "\\.gif$");
    nest(&l[2], st, 1);
    vh.locations = l;
    vh.nlocations = 17;
    return vh;
}

static const char *route(const zh_vhost_t *vh, pcre2_match_data *md, zh_captures_t *caps,
                         const char *path)
{
    memset(caps, 0, sizeof *caps);
    const zh_location_t *l = zh_location_match(vh, path, strlen(path), md, caps);
    return l ? l->site.root_path : "(error)";
}

typedef struct {
    const char *path, *want;
} route_case_t;

ZT_TEST(route_location_selection_order)
{
    static const route_case_t cases[] = {
        {"/", "exact-root"},            /* = beats the prefix of the same name */
        {"/index.html", "root"},        /* the longest prefix, no regex matches */
        {"/static/a.png", "static"},    /* ^~ stops the regex search */
        {"/static/", "static"},         /* */
        {"/static", "root"},            /* "/static/" is not a prefix of "/static" */
        {"/Static/a.png", "assets"},    /* prefixes are case-sensitive */
        {"/a.png", "assets"},           /* a regex beats the longest prefix "/" */
        {"/A.PNG", "assets"},           /* ~* is case-insensitive; first in file order wins */
        {"/a.PNG", "assets"},           /* */
        {"/docs/", "docs"},             /* */
        {"/docs/a.md", "docs-md"},      /* a regex nested in the longest prefix */
        {"/docs/a.png", "assets"},      /* no nested regex: the server's regexes */
        {"/docs/api/x.md", "docs-md"},  /* nested prefix, then its parent's regexes */
        {"/docs/api/x", "docs-api"},    /* */
        {"/docs/raw/x.md", "docs-raw"}, /* a nested ^~ skips its level's regexes ... */
        {"/docs/raw/x.png", "assets"},  /* ... but not the server's (nginx reads ^~ of the
                                         * prefix found on each level) */
        {"/docs/exact", "docs-exact"},  /* a nested exact match ends the search */
        {"/docs/exact.md", "docs-md"},  /* */
        {"/docs/a.txt", "docs-txt"},    /* */
        {"/docs/a.txt.md", "docs-md"},  /* the nested regex first */
        {"/u/bob/42", "user"},          /* */
        {"/u/bob/99", "user9"},         /* a regex nested in a regex location */
        {"/u/BOB/42", "root"},          /* ~ is case-sensitive */
        {"/x", "x-exact"},              /* */
        {"/x/", "x-prefix"},            /* */
        {"/xyz", "x-prefix"},           /* */
        {"/b.PNG", "assets"},           /* both regexes match: the first one in the file */
        {"/first/second/z", "first"},   /* regexes before the longest prefix, file order */
        {"/first/secondz", "first"},    /* */
        {"/@fallback", "at-prefix"},    /* a named location is never matched */
        {"/@other", "root"},            /* */
        {"/nothing-else", "root"},      /* */
    };
    pcre2_match_data *md = zh_regex_match_data();
    zh_captures_t caps;
    zh_vhost_t vh = site();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = route(&vh, md, &caps, cases[i].path);
        if (strcmp(got, cases[i].want))
            ZT_FAIL("%s: location %s, want %s", cases[i].path, got, cases[i].want);
    }
    pcre2_match_data_free(md);
    free_codes();
}

ZT_TEST(route_location_without_locations_is_the_server)
{
    pcre2_match_data *md = zh_regex_match_data();
    zh_captures_t caps;
    zh_vhost_t vh;
    memset(&vh, 0, sizeof vh);
    vh.base.site.root_path = "server";
    ZT_EQ_STR(route(&vh, md, &caps, "/a"), "server");
    zh_location_t *l = level(2);
    loc(&l[0], "a", "", "/a/");
    loc(&l[1], "b", "=", "/b");
    vh.locations = l;
    vh.nlocations = 2;
    ZT_EQ_STR(route(&vh, md, &caps, "/a"), "server"); /* no "/" location */
    ZT_EQ_STR(route(&vh, md, &caps, "/b/"), "server");
    ZT_EQ_STR(route(&vh, md, &caps, "/a/"), "a");
    ZT_EQ_STR(route(&vh, md, &caps, "/b"), "b");
    pcre2_match_data_free(md);
    free_codes();
}

ZT_TEST(route_location_named_lookup)
{
    zh_vhost_t vh = site();
    const zh_location_t *l = zh_location_named(&vh, "@fallback", 9);
    ZT_CHECK(l != NULL);
    ZT_EQ_STR(l->site.root_path, "fallback"); /* the first of two with that name, as nginx */
    ZT_EQ_STR(zh_location_named(&vh, "@other", 6)->site.root_path, "other-named");
    ZT_CHECK(zh_location_named(&vh, "@fall", 5) == NULL);
    ZT_CHECK(zh_location_named(&vh, "fallback", 8) == NULL);
    ZT_CHECK(zh_location_named(&vh, "/@fallback", 10) == NULL); /* a prefix location */
    ZT_CHECK(zh_location_named(&vh, "@fallbackx", 10) == NULL);
    free_codes();
}

ZT_TEST(route_location_captures)
{
    pcre2_match_data *md = zh_regex_match_data();
    zh_captures_t caps;
    zh_vhost_t vh = site();
    const char *p;
    size_t n;
    ZT_EQ_STR(route(&vh, md, &caps, "/u/bob/42"), "user");
    ZT_CHECK(zh_captures_get(&caps, 1, &p, &n) == 1);
    ZT_EQ_INT(n, 3);
    ZT_CHECK(!memcmp(p, "bob", 3));
    ZT_CHECK(zh_captures_get(&caps, 2, &p, &n) == 1 && n == 2 && !memcmp(p, "42", 2));
    ZT_CHECK(zh_captures_get(&caps, 0, &p, &n) == 1 && n == 9);
    ZT_CHECK(zh_captures_named(&caps, "user", 4, &p, &n) == 1 && n == 3 && !memcmp(p, "bob", 3));
    ZT_EQ_INT(zh_captures_get(&caps, 3, &p, &n), 0); /* no group 3 */
    ZT_EQ_INT(zh_captures_named(&caps, "use", 3, &p, &n), 0);
    /* the nested regex has no groups: $1.. stay those of its parent's regex, as in nginx */
    ZT_EQ_STR(route(&vh, md, &caps, "/u/ann/99"), "user9");
    ZT_CHECK(zh_captures_get(&caps, 1, &p, &n) == 1 && n == 3 && !memcmp(p, "ann", 3));
    /* a failed match leaves nothing behind; a prefix match records nothing */
    ZT_EQ_STR(route(&vh, md, &caps, "/docs/x"), "docs");
    ZT_CHECK(caps.re == NULL);
    ZT_EQ_INT(zh_captures_get(&caps, 1, &p, &n), 0);
    ZT_EQ_STR(route(&vh, md, &caps, "/docs/a/b.txt"), "docs-txt");
    ZT_CHECK(zh_captures_get(&caps, 1, &p, &n) == 1 && n == 3 && !memcmp(p, "a/b", 3));
    pcre2_match_data_free(md);
    free_codes();
}

ZT_TEST(route_capture_unset_group_is_empty)
{
    pcre2_match_data *md = zh_regex_match_data();
    zh_captures_t caps;
    memset(&caps, 0, sizeof caps);
    pcre2_code *re = compile("^/(a)?(b)?(?<c>c)?$", 0);
    const char *p;
    size_t n;
    ZT_EQ_INT(zh_regex_match(re, md, "/b", 2, &caps), 1);
    ZT_CHECK(zh_captures_get(&caps, 1, &p, &n) == 1 && n == 0); /* unset: empty */
    ZT_CHECK(zh_captures_get(&caps, 2, &p, &n) == 1 && n == 1 && *p == 'b');
    ZT_CHECK(zh_captures_get(&caps, 3, &p, &n) == 1 && n == 0); /* after the last set group */
    ZT_CHECK(zh_captures_named(&caps, "c", 1, &p, &n) == 1 && n == 0);
    ZT_EQ_INT(zh_captures_get(&caps, 4, &p, &n), 0);
    ZT_EQ_INT(zh_regex_match(re, md, "/x", 2, &caps), 0);
    ZT_CHECK(zh_captures_get(&caps, 2, &p, &n) == 1 && n == 1 && *p == 'b'); /* kept */
    pcre2_match_data_free(md);
    free_codes();
}

/* --- servers ---------------------------------------------------------------------------------- */

typedef struct {
    zh_vhost_t v[8];
    const zh_vhost_t *list[8];
    const char *names[8][4];
    const pcre2_code *res[8][2];
} servers_t;

/* server i with up to 3 names (NULL-terminated) and up to 2 regexes (written without the '~';
 * an upper-case letter makes it caseless, as nginx does) */
static void server(servers_t *s, unsigned i, const char *label, const char *const *names,
                   const char *const *res)
{
    zh_vhost_t *v = &s->v[i];
    memset(v, 0, sizeof *v);
    v->base.site.root_path = label;
    for (unsigned j = 0; names && names[j]; j++)
        s->names[i][v->nnames++] = names[j];
    v->names = s->names[i];
    for (unsigned j = 0; res && res[j]; j++) {
        int caseless = 0;
        for (const char *c = res[j]; *c; c++)
            caseless |= *c >= 'A' && *c <= 'Z';
        s->res[i][v->nregexes++] = compile(res[j], caseless);
    }
    v->regexes = s->res[i];
    s->list[i] = v;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Servers in file order:
 *   server { server_name ~^(?<sub>[a-z]+)\.example\.com$; }           rx-sub
 *   server { server_name a.example.com; }                              exact-a
 *   server { server_name *.example.com; }                              wild-com
 *   server { server_name *.deep.example.com; }                         wild-deep
 *   server { server_name mail.*; }                                     mail-star
 *   server { server_name mail.example.*; }                             mail-ex-star
 *   server { server_name ~^mail\.(.+)$ ~^(www)\.(?<dom>.+)\.ORG$; }    rx-mail
 *   server { server_name dflt.test; }                                  dflt (the default) */
static void vhosts(servers_t *s)
{
    server(s, 0, "rx-sub", NULL, NAMES("^(?<sub>[a-z]+)\\.example\\.com$"));
    server(s, 1, "exact-a", NAMES("a.example.com"), NULL);
    server(s, 2, "wild-com", NAMES("*.example.com"), NULL);
    server(s, 3, "wild-deep", NAMES("*.deep.example.com"), NULL);
    server(s, 4, "mail-star", NAMES("mail.*"), NULL);
    server(s, 5, "mail-ex-star", NAMES("mail.example.*"), NULL);
    server(s, 6, "rx-mail", NULL, NAMES("^mail\\.(.+)$", "^(www)\\.(?<dom>.+)\\.ORG$"));
    server(s, 7, "dflt", NAMES("dflt.test"), NULL);
}

static const char *pick(servers_t *s, pcre2_match_data *md, zh_captures_t *caps, const char *host)
{
    static char norm[256]; /* the captures point into it */
    memset(caps, 0, sizeof *caps);
    /* the host as routing gets it: without port and trailing dot (request.c), lower-cased
     * (static.c) */
    size_t n = 0;
    if (host) {
        size_t len = strlen(host);
        const char *end = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
        if (end) len = (size_t)(end - host) + (host[0] == '[');
        if (len && host[len - 1] == '.') len--;
        for (; n < len && n < sizeof norm - 1; n++)
            norm[n] = (char)tolower((unsigned char)host[n]);
        norm[n] = 0;
    }
    const zh_vhost_t *v = zh_vhost_pick(s->list, 8, &s->v[7], host ? norm : NULL, n, md, caps);
    return v ? v->base.site.root_path : "(error)";
}

ZT_TEST(route_server_selection_order)
{
    static const route_case_t cases[] = {
        {"a.example.com", "exact-a"},         /* exact beats *.example.com and the regex */
        {"A.Example.COM:8080", "exact-a"},    /* case and port */
        {"a.example.com.", "exact-a"},        /* a trailing dot */
        {"b.example.com", "wild-com"},        /* a wildcard beats a regex listed earlier */
        {"x.deep.example.com", "wild-deep"},  /* the longest leading wildcard */
        {"deep.example.com", "wild-com"},     /* */
        {"mail.example.com", "wild-com"},     /* a leading wildcard beats a trailing one */
        {"mail.example.org", "mail-ex-star"}, /* the longest trailing wildcard */
        {"mail.test", "mail-star"},           /* */
        {"mailx.test", "dflt"},               /* */
        {"www.example.org", "rx-mail"},       /* the second regex of a server (caseless) */
        {"WWW.EXAMPLE.ORG", "rx-mail"},       /* */
        {"www.example.net", "dflt"},          /* */
        {"dflt.test", "dflt"},                /* */
        {"unknown.test", "dflt"},             /* no match: the default server */
        {"127.0.0.1", "dflt"},                /* */
        {"[::1]:80", "dflt"},                 /* */
        {NULL, "dflt"},                       /* no Host at all: the default, no regex tried */
    };
    servers_t s;
    vhosts(&s);
    pcre2_match_data *md = zh_regex_match_data();
    zh_captures_t caps;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = pick(&s, md, &caps, cases[i].path);
        if (strcmp(got, cases[i].want))
            ZT_FAIL("Host %s: server %s, want %s", cases[i].path ? cases[i].path : "(none)", got,
                    cases[i].want);
    }
    pcre2_match_data_free(md);
    free_codes();
}

ZT_TEST(route_server_regex_first_in_file_order)
{
    servers_t s;
    server(&s, 0, "one", NAMES("one.test"), NULL);
    server(&s, 1, "rx1", NULL, NAMES("^(?<sub>[a-z]+)\\.test$"));
    server(&s, 2, "rx2", NULL, NAMES("^foo\\.test$", "^.*$"));
    for (unsigned i = 3; i < 8; i++)
        server(&s, i, "dflt", NAMES("dflt.test"), NULL);
    pcre2_match_data *md = zh_regex_match_data();
    zh_captures_t caps;
    const char *p;
    size_t n;
    ZT_EQ_STR(pick(&s, md, &caps, "foo.test"), "rx1"); /* not the exact regex of a later one */
    ZT_CHECK(zh_captures_named(&caps, "sub", 3, &p, &n) == 1 && n == 3 && !memcmp(p, "foo", 3));
    ZT_EQ_STR(pick(&s, md, &caps, "FOO.Test:81"), "rx1"); /* matched lower-cased */
    ZT_CHECK(zh_captures_named(&caps, "sub", 3, &p, &n) == 1 && n == 3 && !memcmp(p, "foo", 3));
    ZT_EQ_STR(pick(&s, md, &caps, "one.test"), "one");
    ZT_CHECK(caps.re == NULL);
    ZT_EQ_STR(pick(&s, md, &caps, "a-b.test"), "rx2"); /* "^.*$" */
    ZT_CHECK(caps.re == NULL);                         /* no groups: nothing recorded */
    pcre2_match_data_free(md);
    free_codes();
}

/* --- the request's view: zh_capture() / zh_capture_named() ------------------------------------ */

ZT_TEST(route_request_captures_location_then_server)
{
    pcre2_match_data *md = zh_regex_match_data();
    zh_req_t r;
    memset(&r, 0, sizeof r);
    const char *p;
    size_t n;
    ZT_EQ_INT(zh_capture(&r, 1, &p, &n), 0); /* nothing matched: undefined */
    ZT_EQ_INT(zh_capture_named(&r, "sub", 3, &p, &n), 0);
    pcre2_code *srv = compile("^(?<sub>[a-z]+)\\.(?<dom>[a-z.]+)$", 0);
    ZT_EQ_INT(zh_regex_match(srv, md, "foo.example.com", 15, &r.srv_caps), 1);
    ZT_CHECK(zh_capture(&r, 1, &p, &n) == 1 && n == 3 && !memcmp(p, "foo", 3));
    ZT_CHECK(zh_capture_named(&r, "dom", 3, &p, &n) == 1 && n == 11);
    /* a location regex without groups leaves $1 to the server name's */
    pcre2_code *plain = compile("\\.png$", 0);
    ZT_EQ_INT(zh_regex_match(plain, md, "/a.png", 6, &r.loc_caps), 1);
    ZT_CHECK(zh_capture(&r, 1, &p, &n) == 1 && n == 3 && !memcmp(p, "foo", 3));
    /* one with groups takes $1..; named groups of the server stay visible unless shadowed */
    pcre2_code *loc = compile("^/(?<dom>[a-z]+)/(.*)$", 0);
    ZT_EQ_INT(zh_regex_match(loc, md, "/img/a.png", 10, &r.loc_caps), 1);
    ZT_CHECK(zh_capture(&r, 1, &p, &n) == 1 && n == 3 && !memcmp(p, "img", 3));
    ZT_CHECK(zh_capture(&r, 2, &p, &n) == 1 && n == 5 && !memcmp(p, "a.png", 5));
    ZT_EQ_INT(zh_capture(&r, 3, &p, &n), 0);
    ZT_CHECK(zh_capture_named(&r, "dom", 3, &p, &n) == 1 && n == 3 && !memcmp(p, "img", 3));
    ZT_CHECK(zh_capture_named(&r, "sub", 3, &p, &n) == 1 && n == 3 && !memcmp(p, "foo", 3));
    ZT_EQ_INT(zh_capture_named(&r, "nope", 4, &p, &n), 0);
    pcre2_match_data_free(md);
    free_codes();
}

/* --- root/alias templates: zh_tpl_expand() ---------------------------------------------------- */

ZT_TEST(route_tpl_expand_captures)
{
    pcre2_match_data *md = zh_regex_match_data();
    zh_req_t r;
    memset(&r, 0, sizeof r);
    /* root /srv/$sub/${sub}-$1$2x: root_fd is /srv, the template the rest */
    static const zh_tpl_part_t parts[] = {
        {ZH_TPL_TEXT, 0, 1, "/"},     {ZH_TPL_NAMED, 0, 3, "sub"}, {ZH_TPL_TEXT, 0, 1, "/"},
        {ZH_TPL_NAMED, 0, 3, "sub"},  {ZH_TPL_TEXT, 0, 1, "-"},    {ZH_TPL_CAPTURE, 1, 0, NULL},
        {ZH_TPL_CAPTURE, 2, 0, NULL}, {ZH_TPL_TEXT, 0, 1, "x"},
    };
    const zh_tpl_t t = {parts, sizeof parts / sizeof parts[0]};
    char buf[64];
    zh_sink_t s = ZH_SINK(buf, sizeof buf);
    zh_tpl_expand(&t, &r, &s); /* nothing matched: every capture is empty */
    zh_sink_end(&s);
    ZT_EQ_STR(buf, "//-x");
    pcre2_code *srv = compile("^(?<sub>[a-z]+)\\.example\\.com$", 0);
    ZT_EQ_INT(zh_regex_match(srv, md, "foo.example.com", 15, &r.srv_caps), 1);
    s = ZH_SINK(buf, sizeof buf);
    zh_tpl_expand(&t, &r, &s);
    zh_sink_end(&s);
    ZT_EQ_STR(buf, "/foo/foo-foox"); /* $1 is the server name's group; it has no $2 */
    pcre2_code *loc = compile("^/(\\w+)/(\\w+)", 0);
    ZT_EQ_INT(zh_regex_match(loc, md, "/ab/cd/e", 8, &r.loc_caps), 1);
    s = ZH_SINK(buf, sizeof buf);
    zh_tpl_expand(&t, &r, &s);
    zh_sink_end(&s);
    ZT_EQ_STR(buf, "/foo/foo-abcdx"); /* $1, $2: the location's */
    s = ZH_SINK(buf, 8);              /* too small: measured all the same */
    zh_tpl_expand(&t, &r, &s);
    ZT_CHECK(!zh_sink_ok(&s) && s.need == 14);
    pcre2_match_data_free(md);
    free_codes();
}
