#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Variables, `set`, `rewrite`, `return`, `try_files` and `internal` (issue 9), on conf_test.py's
runner and prefix instances (its own test list): each directive's normal case and its config
errors with FILE:LINE, and a single-page-app site answered by zokiod and by nginx, compared
header by header (Date and Server aside; skipped without nginx)."""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conf_test as ct  # noqa: E402
from harness import Skip, eq, expect  # noqa: E402

del ct.TESTS[:]  # this script runs its own tests only
test = ct.test

SPA_CONF = r"""
events { }
http {
    types { text/html html; text/css css; application/javascript js; image/png png; }
    default_type application/octet-stream;
    access_log off;
    server {
        listen 127.0.0.1:%P0%;
        server_name spa.test;
        root html;
        index index.html;
        rewrite ^/old/(.*)$ /new/$1 permanent;
        rewrite ^/legacy/(.*)$ /app/$1;
        rewrite ^/gone/ http://example.com/gone? redirect;
        set $greet "hi";
        add_header X-Uri $uri;
        add_header X-Args "$args|$arg_a|$is_args";
        add_header X-Host "$host $server_name";
        add_header X-Req "$request_uri $request_method $scheme";
        add_header X-Set $greet;
        location / {
            try_files $uri $uri/ /index.html;
        }
        location ~* \.(css|js|png)$ {
            add_header Cache-Control "max-age=60";
            add_header X-Asset "$1 $uri";
            try_files $uri =404;
        }
        location /api/ {
            try_files $uri @fallback;
        }
        location @fallback {
            add_header X-Fallback "$uri $args";
            return 200 "fallback $uri $args $arg_q\n";
        }
        location /internal/ {
            internal;
            add_header X-Internal yes;
        }
        location /to-internal/ {
            rewrite ^/to-internal/(.*)$ /internal/$1 last;
        }
        location /loop/ {
            rewrite ^ /loop/again last;
        }
        location /brk/ {
            add_header X-Brk $uri;
            rewrite ^/brk/(.*)$ /static/$1 break;
            return 403;
        }
        location = /go {
            return 302 $scheme://$host/there?x=$arg_x;
        }
        location /ret/ {
            set $who $arg_who;
            set $both "$who+$greet";
            return 200 "hello $who ($both) from $uri\n";
        }
        location /keep/ {
            rewrite ^/keep/(.*)$ /static/$1?k=1 last;
        }
        location /stop/ {
            add_header X-Stop $uri;
            rewrite ^/stop/(.*)$ /static/$1;
            break;
            return 403;
        }
        location /setargs/ {
            set $args "v=$arg_a&w=2";
            set $http_x_mine "mine";
            add_header X-Set-Args "$args|$arg_v|$http_x_mine";
            rewrite ^ /static/a.txt last;
        }
        location /hdr/ {
            add_header X-Hdr "$http_x_forwarded_proto|$http_user_agent|$http_X_Custom_ID";
            add_header X-Conn "$remote_addr $connection_requests $request_method $server_name";
            return 200 "$http_accept_language|$http_cookie\n";
        }
        location /al/ {
            alias html/static/;
            try_files $uri $uri/ =404;
        }
        location /n/ {
            rewrite ^/n/x(.*)$ /n/$1 last;
        }
        location /qa/ {
            rewrite ^/qa/(.*)$ /static/a.txt?v=$1 last;
        }
        location /drop/ {
            rewrite ^/drop/(.*)$ /static/$1? last;
        }
        location /named/ {
            rewrite ^/named/(?<page>[a-z]+)$ /static/$page.html last;
        }
        location /static/ {
            add_header X-Static "$uri|$args|$document_root";
        }
        location /code/ {
            try_files $uri =403;
        }
        location /root/ {
            root html/$arg_site;
        }
        location /lang/ {
            index index.$arg_lang.html index.html;
        }
        error_page 410 /errors/$arg_e.html?from=$uri;
        location /gone410/ {
            return 410;
        }
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name ep.test;
        root html;
        error_page 404 /errors/x.html?from=$uri;
        error_page 403 /errors/none.html;
        location / {
            add_header X-Uri "$uri $args" always;
            try_files $uri =404;
        }
        location /errors/ {
            add_header X-Err "$uri $args" always;
        }
        location /deny/ {
            add_header X-Deny "$uri" always;
            return 403;
        }
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name srv.test;
        root html;
        add_header X-Srv "$uri $args";
        rewrite ^/r/(.*)$ /static/$1 last;
        rewrite ^/x/(.*)$ /$1;
        try_files $uri $uri/ /index.html?from=$uri;
    }
}
"""

SPA_FILES = {
    "html/index.html": "<!doctype html><title>app</title>\n",
    "html/app.css": "body{}\n",
    "html/js/app.js": "console.log(1)\n",
    "html/img/logo.png": "PNG\n",
    "html/about/index.html": "about page\n",
    "html/docs/readme.txt": "readme\n",
    "html/noindex/x.txt": "x\n",
    "html/static/a.txt": "static a\n",
    "html/static/page.html": "static page\n",
    "html/internal/secret.txt": "internal secret\n",
    "html/api/real.json": "{}\n",
    "html/code/here.txt": "here\n",
    "html/one/root/f.txt": "site one\n",
    "html/lang/index.html": "lang default\n",
    "html/lang/index.en.html": "lang en\n",
    "html/errors/x.html": "error page x\n",
}

# (path, extra headers); every one is asked of zokiod and nginx
SPA_REQUESTS = [
    ("/", ()), ("/index.html", ()), ("/app.css", ()), ("/APP.CSS", ()), ("/js/app.js", ()),
    ("/img/logo.png", ()), ("/img/missing.png", ()), ("/missing.js", ()),
    ("/dashboard", ()), ("/dashboard/settings", ()), ("/users/42?tab=1", ()),
    ("/about", ()), ("/about/", ()), ("/about/index.html", ()), ("/docs/", ()),
    ("/docs/readme.txt", ()), ("/noindex/", ()), ("/noindex", ()),
    ("/old/page", ()), ("/old/page?a=1", ()), ("/old/", ()),
    ("/old/a%20b", ()), ("/old/a+b", ()), ("/old/a/b?x=%20", ()), ("/old/%C3%A9", ()),
    ("/keep/a%20b.txt", ()), ("/go?x=a%20b", ()),
    ("/qa/a%20b%23c&d+e", ()), ("/qa/plain", ()), ("/qa/a+b", ()),
    ("/qa/a%22b%25c%3Cd%3Ee%5Cf%5Eg%60h%7Bi%7Cj%7Dk%7Fl%27m%21n%24o%28p%2Aq%2Cr%3As%3Dt%40u%5Bv"
     "%5Dw%7Ex%3By%3Fz%C3%A9%09", ()),
    ("/old/a%22b%25c%3Cd%3Ee%5Cf%5Eg%60h%7Bi%7Cj%7Dk%7Fl%27m%21n%24o%28p%2Aq%2Cr%3As%3Dt%40u", ()),
    ("/old/a%2B%26%3B%3F%23x", ()), ("/old/a%09b", ()),
    ("/legacy/app.css", ()), ("/legacy/x", ()), ("/gone/x?y=1", ()),
    ("/api/real.json", ()), ("/api/missing", ()), ("/api/missing?q=7", ()),
    ("/internal/secret.txt", ()), ("/to-internal/secret.txt", ()),
    ("/n/" + "x" * 9, ()), ("/n/" + "x" * 10, ()), ("/n/" + "x" * 11, ()),
    ("/n/" + "x" * 9 + "/", ()),
    ("/to-internal/nothing", ()), ("/loop/x", ()),
    ("/al/a.txt", ()), ("/al/", ()), ("/al/none", ()), ("/al", ()),
    ("/brk/a.txt", ()), ("/brk/none", ()), ("/stop/a.txt", ()), ("/stop/none", ()), ("/go", ()), ("/go?x=5", ()),
    ("/ret/", ()), ("/ret/x?who=bob", ()), ("/ret/x?who=a%20b&a=2", ()),
    ("/keep/a.txt", ()), ("/keep/a.txt?z=9", ()), ("/drop/a.txt?z=9", ()),
    ("/named/page", ()), ("/named/page?a=b", ()), ("/named/Page", ()),
    ("/static/a.txt?a=1&b=2", ()), ("/static/", ()),
    ("/code/here.txt", ()), ("/code/none", ()),
    ("/root/f.txt?site=one", ()), ("/root/f.txt?site=two", ()),
    ("/lang/", ()), ("/lang/?lang=en", ()), ("/lang/?lang=fr", ()), ("/lang/?lang=../x", ()),
    ("/a%20b", ()), ("/%7Eu/x", ()), ("/x/../app.css", ()), ("/x?a=1&A=2", ()),
    ("/?a=", ()), ("/?a", ()), ("http://spa.test/index.html?a=1", ()), ("http://spa.test", ()),
    ("/app.css", (("If-None-Match", "nope"),)), ("/app.css", (("Range", "bytes=0-3"),)),
    ("/dashboard", (("Range", "bytes=0-3"),)),
    ("/", (("Host", None),)),  # no Host: HTTP/1.0 below
    ("/about", (("Host", None),)), ("/old/x", (("Host", None),)),  # the local address
    ("/other-host", (("Host", "Other.Test:8080"),)),
    ("/missing?a=1", (("Host", "ep.test"),)), ("/index.html", (("Host", "ep.test"),)),
    ("/deny/x", (("Host", "ep.test"),)), ("/gone410/?e=x", ()), ("/gone410/?e=nope", ()),
    ("/r/a.txt", (("Host", "srv.test"),)), ("/nothing?q=1", (("Host", "srv.test"),)),
    ("/x/about", (("Host", "srv.test"),)), ("/x/about/", (("Host", "srv.test"),)),
    ("/x/r/a.txt", (("Host", "srv.test"),)), ("/", (("Host", "srv.test"),)),
    ("/setargs/?a=1", ()), ("/setargs/", ()), ("/setargs/", (("X-Mine", "theirs"),)), ("/hdr/", ()), ("/hdr/", (("X-Forwarded-Proto", "https"), ("Accept-Language", "fr, en"),
                              ("User-Agent", "t/1"), ("Cookie", "a=1"), ("x-custom-id", "42"))),
    ("/hdr/", (("X-Forwarded-Proto", "a"), ("X-Forwarded-Proto", "b"))),
    ("/app.css", (("Method", "HEAD"),)), ("/dashboard", (("Method", "HEAD"),)),
    ("/old/x", (("Method", "HEAD"),)),
]

SKIP_HEADERS = {"date", "server", "connection", "keep-alive"}


def ask(port, path, extra):
    host, method, version, headers = "spa.test", "GET", "HTTP/1.1", []
    for name, value in extra:
        if name == "Host":
            host = value
            if value is None:
                version = "HTTP/1.0"
        elif name == "Method":
            method = value
        else:
            headers.append((name, value))
    r = ct.get(port, path, host, headers, method, version)
    hs = sorted((n, v) for n, v in r.headers if n not in SKIP_HEADERS)
    hs = [(n, v.replace(":%d/" % port, ":PORT/")) for n, v in hs]  # the servers' own ports
    body = r.body
    if r.status >= 300:  # error pages name the server; their length too
        hs = [(n, v) for n, v in hs if n != "content-length"]
        body = None
    return r.status, sorted(hs), body


def spa_setup(inst):
    inst.write_conf(SPA_CONF)
    for rel, text in SPA_FILES.items():
        inst.put(rel, text)
    t = 1700000000  # the same mtimes under both servers: the same ETag and Last-Modified
    for rel in SPA_FILES:
        os.utime(inst.path(rel), (t, t))


def spa():
    def setup():
        inst = ct.Inst("spa")
        spa_setup(inst)
        return inst.start()

    return ct.fixture("spa", setup)


def zk(path, extra=()):
    return ask(spa().port, path, extra)


def hdr(got, name):
    v = [b for a, b in got[1] if a == name]
    return v[0] if v else None


@test()
def t_try_files_single_page_app():
    st, _h, body = zk("/dashboard/settings")
    eq((st, body), (200, SPA_FILES["html/index.html"].encode()), "deep link -> /index.html")
    got = zk("/about")
    eq((got[0], hdr(got, "location")), (301, "http://spa.test:PORT/about/"), "$uri/ found: directory redirect")
    got = zk("/about/")
    eq((got[0], got[2]), (200, b"about page\n"), "$uri/ then the index")
    eq(zk("/img/missing.png")[0], 404, "=404 in the asset location")
    got = zk("/app.css")
    eq((got[0], hdr(got, "x-asset"), hdr(got, "cache-control")), (200, "css /app.css",
                                                                    "max-age=60"), "asset")


@test()
def t_try_files_named_and_code():
    got = zk("/api/missing?q=7")
    eq((got[0], got[2], hdr(got, "x-fallback")),
       (200, b"fallback /api/missing q=7 7\n", "/api/missing q=7"), "@fallback")
    eq(zk("/api/real.json")[0], 200, "a file that exists")
    eq(zk("/code/none")[0], 403, "=403")


@test()
def t_internal_location():
    eq(zk("/internal/secret.txt")[0], 404, "a direct request to an internal location")
    got = zk("/to-internal/secret.txt")
    eq((got[0], got[2], hdr(got, "x-internal")), (200, b"internal secret\n", "yes"),
       "reached by a rewrite")


@test()
def t_rewrite_flags():
    got = zk("/old/page?a=1")
    eq((got[0], hdr(got, "location")), (301, "http://spa.test:PORT/new/page?a=1"), "permanent, args appended")
    got = zk("/gone/x?y=1")
    eq((got[0], hdr(got, "location")), (302, "http://example.com/gone"), "redirect, '?': no args")
    got = zk("/legacy/x")  # the server's rewrite without a flag: /app/x, then location /
    eq((got[0], got[2], hdr(got, "x-uri")), (200, SPA_FILES["html/index.html"].encode(),
                                             "/index.html"), "server-level rewrite, no flag")
    got = zk("/keep/a.txt?z=9")
    eq((got[0], hdr(got, "x-static")), (200, "/static/a.txt|k=1&z=9|" + spa().prefix + "/html"),
       "last with args")
    got = zk("/drop/a.txt?z=9")
    eq((got[0], hdr(got, "x-static")), (200, "/static/a.txt||" + spa().prefix + "/html"),
       "'?' drops the args")
    got = zk("/brk/a.txt")
    eq((got[0], got[2], hdr(got, "x-brk")), (200, b"static a\n", "/static/a.txt"),
       "break: the same location, the new URI, the rest of the block skipped")
    got = zk("/stop/a.txt")
    eq((got[0], got[2], hdr(got, "x-stop")), (200, b"static a\n", "/static/a.txt"),
       "`break;` after a rewrite without a flag")
    got = zk("/named/page")
    eq((got[0], got[2]), (200, b"static page\n"), "a named capture in the replacement")


@test()
def t_variables_in_index_and_error_page():
    eq(zk("/lang/?lang=en")[2], b"lang en\n", "index index.$arg_lang.html")
    eq(zk("/lang/?lang=fr")[2], b"lang default\n", "the next index name")
    r = ct.get(spa().port, "/gone410/?e=x", "spa.test")
    eq((r.status, r.body), (410, b"error page x\n"), "error_page 410 /errors/$arg_e.html")
    eq(zk("/gone410/?e=nope")[0], 410, "an error page that does not exist: try_files gives /index.html")


@test()
def t_connection_variables():
    """$remote_addr and $connection_requests over one keep-alive connection"""
    with ct.Conn(spa().port) as c:
        for n in (1, 2, 3):
            c.send(ct.req("/hdr/", host="spa.test"))
            r = c.response()
            eq(r.get("x-conn"), "127.0.0.1 %d GET spa.test" % n, "request %d" % n)


@test()
def t_rewrite_cycle_is_500():
    eq(zk("/loop/x")[0], 500, "rewrite ... last to itself")


@test()
def t_set_and_return_variables():
    got = zk("/ret/x?who=bob")
    eq((got[0], got[2]), (200, b"hello bob (bob+hi) from /ret/x\n"), "set, then return")
    got = zk("/go?x=5")
    eq((got[0], hdr(got, "location")), (302, "http://spa.test/there?x=5"), "return with $arg_x")
    got = zk("/static/a.txt?a=1&b=2")
    eq(hdr(got, "x-static"), "/static/a.txt|a=1&b=2|" + spa().prefix + "/html", "$document_root")
    got = zk("/index.html?a=1&b")
    eq((hdr(got, "x-args"), hdr(got, "x-set"), hdr(got, "x-host"), hdr(got, "x-req")),
       ("a=1&b|1|?", "hi", "spa.test spa.test", "/index.html?a=1&b GET http"), "add_header")
    got = zk("/root/f.txt?site=one")
    eq((got[0], got[2]), (200, b"site one\n"), "a variable in root")


@test()
def t_spa_like_nginx():
    """Every request of SPA_REQUESTS to zokiod and to nginx: status, headers (Date, Server and
    Connection aside; each server's own port in a Location is PORT) and body (error pages:
    status and headers only)."""
    if not ct.nginx_binary():
        raise Skip("no nginx installed (apt-get install nginx-light)")
    port = spa().port
    ng = ct.NginxInst("nginx-spa")
    spa_setup(ng)
    ng.start()
    n = 0
    for path, extra in SPA_REQUESTS:
        want = ask(ng.port, path, extra)
        got = ask(port, path, extra)
        want = (want[0], [(a, b.replace(ng.prefix, "PREFIX")) for a, b in want[1]], want[2])
        got = (got[0], [(a, b.replace(spa().prefix, "PREFIX")) for a, b in got[1]], got[2])
        eq(got, want, "%s %s: (status, headers, body) of zokiod vs nginx" % (path, extra))
        n += 1
    expect(n >= 60, "only %d requests compared" % n)


CONF_ERRORS = [
    ("set x 1;", 'invalid variable name "x"'),
    ("set $uri 1;", 'the duplicate "uri" variable'),
    ("set $http_user_agent 1;", 'the duplicate "http_user_agent" variable'),
    ("set $a $nosuch;", 'unknown "nosuch" variable'),
    ("rewrite ^(x /y;", None),
    ("rewrite ^/x /y bogus;", 'invalid parameter "bogus"'),
    ("rewrite ^/x;", 'invalid number of arguments in "rewrite" directive'),
    ("try_files $uri;", 'invalid number of arguments in "try_files" directive'),
    ("try_files $uri =x;", 'invalid code "=x"'),
    ("try_files $nope /index.html;", 'unknown "nope" variable'),
    ("internal;", '"internal" directive is not allowed here'),
    ("break 1;", 'invalid number of arguments in "break" directive'),
    ("return 200 $undefined_thing;", 'unknown "undefined_thing" variable'),
    ("add_header X-A $nope;", 'unknown "nope" variable'),
]


@test(zokiod_only=True)
def t_rewrite_config_errors():
    """Each bad directive is refused by -t with nginx's words and its FILE:LINE."""
    for line, msg in CONF_ERRORS:
        inst = ct.Inst("rwerr")
        inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                        "        " + line + "\n    }\n}\n")
        rc, out = inst.cli(["-t", "-c", inst.conf])
        expect(rc != 0, "%s: -t succeeded" % line)
        where = "%s:5: " % inst.conf
        expect(where in out, "%s: no %s in %r" % (line, where, out))
        if msg:
            expect(msg in out, "%s: no %r in %r" % (line, msg, out))


if __name__ == "__main__":
    sys.exit(ct.main())
