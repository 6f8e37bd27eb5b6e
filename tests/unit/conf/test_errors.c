/* SPDX-License-Identifier: MIT */
/* Every error message of zc_config_load: exact text and FILE:LINE. */
#include "tests/unit/zt.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/nginx_names.h"
#include "tests/unit/conf/tconf.h"

typedef struct {
    const char *text; /* written to DIR/main.conf */
    const char *msg;  /* expected message after "zokiod: DIR/" */
} err_case_t;

/* Checks each case; the first mismatch fails the test naming the case. */
static void run_cases(const err_case_t *cases, size_t n)
{
    char want[512];

    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof(want), "%s", tc_msg("%s", cases[i].msg));
        const char *got = tc_fail(cases[i].text);
        if (strcmp(got, want) != 0)
            ZT_FAIL("case %zu:\n  config: %s\n  want:   %s\n  got:    %s", i, cases[i].text, want,
                    got);
    }
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

ZT_TEST(errors_syntax)
{
    static const err_case_t cases[] = {
        {"http {\n  server {\n    roo /x;\n  }\n}\n", "main.conf:3: unknown directive \"roo\""},
        {"http {\n  server {\n    root /x\n  }\n}\n", "main.conf:4: unexpected \"}\""},
        {"http {\n  server {\n    root /x;\n  }\n", "main.conf:5: unexpected end of file, "
                                                    "expecting \"}\""},
        {"http {\n}\n}\n", "main.conf:3: unexpected \"}\""},
        {"daemon off", "main.conf:1: unexpected end of file, expecting \";\" or \"}\""},
        {"http {\n  root /x {\n  }\n}\n", "main.conf:2: directive \"root\" is not terminated by "
                                          "\";\""},
        {"http;\n", "main.conf:1: directive \"http\" has no opening \"{\""},
        {"events;\n", "main.conf:1: directive \"events\" has no opening \"{\""},
    };
    RUN(cases);
}

ZT_TEST(errors_context_and_arity)
{
    static const err_case_t cases[] = {
        {"root /x;\n", "main.conf:1: \"root\" directive is not allowed here"},
        {"http {\n  worker_processes 2;\n}\n",
         "main.conf:2: \"worker_processes\" directive is not allowed here"},
        {"events { keepalive_timeout 5; }\n",
         "main.conf:1: \"keepalive_timeout\" directive is not allowed here"},
        /* nginx's contexts: these two only in http and server */
        {TC_SERVER("location / {\nclient_header_timeout 5s;\n}\n"),
         "main.conf:5: \"client_header_timeout\" directive is not allowed here"},
        {TC_SERVER("location / {\nlarge_client_header_buffers 4 8k;\n}\n"),
         "main.conf:5: \"large_client_header_buffers\" directive is not allowed here"},
        {TC_SERVER("location / {\nclient_header_buffer_size 1k;\n}\n"),
         "main.conf:5: \"client_header_buffer_size\" directive is not allowed here"},
        {TC_SERVER("location / {\nconnection_pool_size 512;\n}\n"),
         "main.conf:5: \"connection_pool_size\" directive is not allowed here"},
        {"events { types { } }\n", "main.conf:1: \"types\" directive is not allowed here"},
        {"http { listen 80; }\n", "main.conf:1: \"listen\" directive is not allowed here"},
        {TC_SERVER("alias /x;\n"), "main.conf:4: \"alias\" directive is not allowed here"},
        {TC_SERVER("server { }\n"), "main.conf:4: \"server\" directive is not allowed here"},
        {"http { return 404; }\n", "main.conf:1: \"return\" directive is not allowed here"},
        {"http { server { error_page 404 /x; } }\n"
         "error_page 404 /x;\n",
         "main.conf:2: \"error_page\" directive is not allowed here"},
        {"worker_processes;\n",
         "main.conf:1: invalid number of arguments in \"worker_processes\" directive"},
        {"worker_processes 1 2;\n",
         "main.conf:1: invalid number of arguments in \"worker_processes\" directive"},
        {TC_SERVER("root;\n"), "main.conf:4: invalid number of arguments in \"root\" directive"},
        {TC_SERVER("add_header X;\n"),
         "main.conf:4: invalid number of arguments in \"add_header\" directive"},
        {"http { server x { } }\n",
         "main.conf:1: invalid number of arguments in \"server\" directive"},
        {"http { large_client_header_buffers 4; }\n",
         "main.conf:1: invalid number of arguments in \"large_client_header_buffers\" "
         "directive"},
    };
    RUN(cases);
}

ZT_TEST(errors_duplicates)
{
    static const err_case_t cases[] = {
        {"daemon on;\ndaemon off;\n", "main.conf:2: \"daemon\" directive is duplicate"},
        /* one error log per process (several in http, server, location: warnings) */
        {"error_log stderr;\nerror_log stderr;\n",
         "main.conf:2: \"error_log\" directive is duplicate"},
        {"http { }\nhttp { }\n", "main.conf:2: \"http\" directive is duplicate"},
        {"events { }\nevents { }\n", "main.conf:2: \"events\" directive is duplicate"},
        {TC_SERVER("root /a;\nroot /b;\n"), "main.conf:5: \"root\" directive is duplicate"},
        {"http {\n keepalive_timeout 1;\n keepalive_timeout 2;\n}",
         "main.conf:3: \"keepalive_timeout\" directive is duplicate"},
        {TC_SERVER("location / { root /a; alias /b; }\n"),
         "main.conf:4: \"alias\" directive is duplicate, \"root\" directive was specified "
         "earlier"},
        {TC_SERVER("location / { alias /a; root /b; }\n"),
         "main.conf:4: \"root\" directive is duplicate, \"alias\" directive was specified "
         "earlier"},
        {TC_SERVER("location /a { }\nlocation /a { }\n"), "main.conf:5: duplicate location \"/a\""},
        {TC_SERVER("location = /a { }\nlocation =/a { }\n"),
         "main.conf:5: duplicate location \"/a\""},
        {TC_SERVER("listen 127.0.0.1:8080;\nlisten 8080;\n"),
         "main.conf:5: a duplicate listen 0.0.0.0:8080"},
    };
    RUN(cases);
}

ZT_TEST(errors_bad_values)
{
    static const err_case_t cases[] = {
        {"http {\n keepalive_timeout abc;\n}\n",
         "main.conf:2: invalid value \"abc\" in \"keepalive_timeout\" directive"},
        {"http { keepalive_timeout 5 x; }",
         "main.conf:1: invalid value \"x\" in \"keepalive_timeout\" directive"},
        /* the Keep-Alive header's value is in seconds: nginx refuses milliseconds there */
        {"http { keepalive_timeout 5 1500ms; }",
         "main.conf:1: invalid value \"1500ms\" in \"keepalive_timeout\" directive"},
        {TC_SERVER("location / {\nkeepalive_timeout 5 1500ms;\n}\n"),
         "main.conf:5: invalid value \"1500ms\" in \"keepalive_timeout\" directive"},
        {TC_SERVER("location / {\nserver_tokens maybe;\n}\n"),
         "main.conf:5: invalid value \"maybe\" in \"server_tokens\" directive, it must be "
         "\"on\" or \"off\""},
        {TC_SERVER("location / {\nclient_max_body_size 1x;\n}\n"),
         "main.conf:5: invalid value \"1x\" in \"client_max_body_size\" directive"},
        {TC_SERVER("location / {\ndefault_type \"a/b\\nX: y\";\n}\n"),
         "main.conf:5: invalid media type in \"default_type\": it contains a line break"},
        {TC_SERVER("location / {\nerror_page 404 x.html;\n}\n"),
         "main.conf:5: invalid value \"x.html\" in \"error_page\" directive"},
        {TC_SERVER("connection_pool_size 100;\n"),
         "main.conf:4: the pool size must be no less than 112"},
        {TC_SERVER("connection_pool_size 120;\n"),
         "main.conf:4: the pool size must be a multiple of 16"},
        {"http { client_max_body_size 1x; }",
         "main.conf:1: invalid value \"1x\" in \"client_max_body_size\" directive"},
        {"http { send_timeout -1; }", "main.conf:1: invalid value \"-1\" in \"send_timeout\" "
                                      "directive"},
        {"http { keepalive_requests many; }",
         "main.conf:1: invalid value \"many\" in \"keepalive_requests\" directive"},
        {"http { large_client_header_buffers 0 8k; }",
         "main.conf:1: invalid value \"0\" in \"large_client_header_buffers\" directive"},
        {"http { large_client_header_buffers 4 8q; }",
         "main.conf:1: invalid value \"8q\" in \"large_client_header_buffers\" directive"},
        {"worker_processes 0;", "main.conf:1: invalid value \"0\" in \"worker_processes\" "
                                "directive"},
        {"worker_processes lots;",
         "main.conf:1: invalid value \"lots\" in \"worker_processes\" directive"},
        {"events { worker_connections 1k; }",
         "main.conf:1: invalid value \"1k\" in \"worker_connections\" directive"},
        {"worker_shutdown_timeout 5x;",
         "main.conf:1: invalid value \"5x\" in \"worker_shutdown_timeout\" directive"},
        {"daemon yes;",
         "main.conf:1: invalid value \"yes\" in \"daemon\" directive, it must be \"on\" or "
         "\"off\""},
        {"http { sendfile 1; }",
         "main.conf:1: invalid value \"1\" in \"sendfile\" directive, it must be \"on\" or "
         "\"off\""},
        {TC_SERVER("autoindex maybe;\n"),
         "main.conf:4: invalid value \"maybe\" in \"autoindex\" directive, it must be \"on\" or "
         "\"off\""},
        {"backend kqueue;", "main.conf:1: invalid value \"kqueue\" in \"backend\" directive, it "
                            "must be \"auto\", \"io_uring\" or \"epoll\""},
        {"error_log stderr loud;",
         "main.conf:1: invalid value \"loud\" in \"error_log\" directive"},
        {"pid \"\";", "main.conf:1: invalid value \"\" in \"pid\" directive"},
        {TC_SERVER("index \"\";\n"), "main.conf:4: index \"\" in \"index\" directive is invalid"},
        {TC_SERVER("add_header \"Bad Name\" x;\n"),
         "main.conf:4: invalid value \"Bad Name\" in \"add_header\" directive"},
        {TC_SERVER("add_header X-A \"a\\nb\";\n"),
         "main.conf:4: invalid value \"a\nb\" in \"add_header\" directive"},
        {TC_SERVER("add_header X-A b sometimes;\n"),
         "main.conf:4: invalid value \"sometimes\" in \"add_header\" directive"},
        {TC_SERVER("error_page 200 /x;\n"),
         "main.conf:4: value \"200\" must be between 300 and 599"},
        {TC_SERVER("error_page abc /x;\n"),
         "main.conf:4: invalid value \"abc\" in \"error_page\" directive"},
        {TC_SERVER("error_page 404 nowhere;\n"),
         "main.conf:4: invalid value \"nowhere\" in \"error_page\" directive"},
        {TC_SERVER("error_page 404 =x /e;\n"),
         "main.conf:4: invalid value \"=x\" in \"error_page\" directive"},
        {TC_SERVER("return 1000;\n"), "main.conf:4: invalid return code \"1000\""},
        {TC_SERVER("return /relative;\n"), "main.conf:4: invalid return code \"/relative\""},
        {TC_SERVER("location ! /x { }\n"), "main.conf:4: invalid location modifier \"!\""},
        {TC_SERVER("access_log logs/a.log main;\n"), "main.conf:4: unknown log format \"main\""},
        {"http { access_log off now; }", "main.conf:1: invalid parameter \"now\""},
        {"http { types { text/html \"\"; } }",
         "main.conf:1: invalid extension \"\" for type \"text/html\""},
        {"http { types { text/html { } } }", "main.conf:1: unexpected \"{\""},
        {"http {\n  types {\n    text/html html\n    text/css css;\n  }\n}\n",
         "main.conf:3: invalid extension \"text/css\" for type \"text/html\" (missing \";\"?)"},
        {"http { types { application/gzip tar.gz; } }",
         "main.conf:1: invalid extension \"tar.gz\" for type \"application/gzip\" (an extension "
         "has no \".\")"},
        {"http {\n  types {\n    html text/html;\n  }\n}\n",
         "main.conf:3: invalid media type \"html\" (an entry is \"TYPE/SUBTYPE EXT...;\")"},
        {"http { types { \"text/html\\r\\nX-A: 1\" html; } }",
         "main.conf:1: invalid media type in \"types\": it contains a line break"},
        {"http { default_type \"text/plain\\nX-A: 1\"; }",
         "main.conf:1: invalid media type in \"default_type\": it contains a line break"},
    };
    RUN(cases);
}

ZT_TEST(errors_listen_and_names)
{
    static const err_case_t cases[] = {
        {"http { server { listen 0; } }",
         "main.conf:1: invalid port in \"0\" of the \"listen\" directive"},
        {"http { server { listen 70000; } }",
         "main.conf:1: invalid port in \"70000\" of the \"listen\" directive"},
        {"http { server { listen 1.2.3.4:http; } }",
         "main.conf:1: invalid port in \"1.2.3.4:http\" of the \"listen\" directive"},
        {"http { server { listen example.com:80; } }",
         "main.conf:1: host not found in \"example.com:80\" of the \"listen\" directive"},
        {"http { server { listen 1.2.3:80; } }",
         "main.conf:1: host not found in \"1.2.3:80\" of the \"listen\" directive"},
        {"http { server { listen [::1; } }",
         "main.conf:1: invalid IPv6 address in \"[::1\" of the \"listen\" directive"},
        {"http { server { listen [zz]:80; } }",
         "main.conf:1: host not found in \"[zz]:80\" of the \"listen\" directive"},
        {"http { server { listen :80; } }",
         "main.conf:1: host not found in \":80\" of the \"listen\" directive"},
        {"http { server { listen 80 fast; } }", "main.conf:1: invalid parameter \"fast\""},
        {"http { server { listen 80 backlog=x; } }", "main.conf:1: invalid backlog \"x\""},
        {"http { server { listen 80 ipv6only=on; } }",
         "main.conf:1: ipv6only is not supported on addr \"0.0.0.0:80\""},
        {"http { server { listen 443 http2; } }",
         "main.conf:1: parameter \"http2\" of the \"listen\" directive is not supported by "
         "zokiod"},
        {"http { server { listen 80 so_keepalive=on; } }",
         "main.conf:1: parameter \"so_keepalive=on\" of the \"listen\" directive is not "
         "supported by zokiod"},
        {"http { server { listen unix:/tmp/s; } }",
         "main.conf:1: unix domain socket \"unix:/tmp/s\" is not supported by zokiod"},
        {"http { server { server_name ~^www\\d+$ ~^(www; } }",
         "main.conf:1: pcre2_compile() failed: missing closing parenthesis in \"^(www\""},
        {"http { server { server_name w*w.example.com; } }",
         "main.conf:1: invalid server name or wildcard \"w*w.example.com\""},
        {"http { server { server_name *example.com; } }",
         "main.conf:1: invalid server name or wildcard \"*example.com\""},
        {"http { server { server_name *.a.*; } }",
         "main.conf:1: invalid server name or wildcard \"*.a.*\""},
        {"http { server { server_name *; } }",
         "main.conf:1: invalid server name or wildcard \"*\""},
        {"http { server { server_name $hostname; } }",
         "main.conf:1: variable \"$hostname\" in \"server_name\" directive is not supported by "
         "zokiod"},
        /* duplicate listen + server_name: named at the second server */
        {"http {\n server { listen 80; server_name A.com; }\n"
         " server {\n  listen 80;\n  server_name b.com a.com;\n }\n}\n",
         "main.conf:3: conflicting server name \"a.com\" on 0.0.0.0:80"},
        {"http {\n server { listen 8080; }\n server { listen 8080; }\n}\n",
         "main.conf:3: conflicting server name \"\" on 0.0.0.0:8080"},
        {"http {\n server { server_name .x.org; }\n server { server_name *.x.org; }\n}\n",
         "main.conf:3: conflicting server name \"*.x.org\" on 0.0.0.0:80"},
        {"http {\n server { listen 80 default_server; server_name a; }\n"
         " server {\n  server_name b;\n  listen 80 default;\n }\n}\n",
         "main.conf:5: a duplicate default server for 0.0.0.0:80"},
    };
    RUN(cases);
}

ZT_TEST(errors_locations)
{
    static const err_case_t cases[] = {
        {TC_SERVER("error_page 404 = /x;\n"),
         "main.conf:4: \"=\" without a code in \"error_page\" is not supported by zokiod"},
        {TC_SERVER("location { }\n"),
         "main.conf:4: invalid number of arguments in \"location\" directive"},
        {TC_SERVER("location \"\" { }\n"),
         "main.conf:4: invalid value \"\" in \"location\" directive"},
        {TC_SERVER("location /x;\n"), "main.conf:4: directive \"location\" has no opening \"{\""},
        {TC_SERVER("location ~** /x { }\n"), "main.conf:4: invalid location modifier \"~**\""},
        {TC_SERVER("location @x /x { }\n"), "main.conf:4: invalid location modifier \"@x\""},
    };
    RUN(cases);
}

/* nginx's messages (ngx_http_core_location), checked with nginx -t */
ZT_TEST(errors_nested_locations)
{
    static const err_case_t cases[] = {
        {TC_SERVER("location /a {\n  location /b { }\n}\n"),
         "main.conf:5: location \"/b\" is outside location \"/a\""},
        {TC_SERVER("location /a/ {\n  location /a { }\n}\n"),
         "main.conf:5: location \"/a\" is outside location \"/a/\""},
        {TC_SERVER("location /a {\n  location = /b { }\n}\n"),
         "main.conf:5: location \"/b\" is outside location \"/a\""},
        {TC_SERVER("location /a {\n  location /a/b {\n    location /a/c { }\n  }\n}\n"),
         "main.conf:6: location \"/a/c\" is outside location \"/a/b\""},
        {TC_SERVER("location ~ \\.php$ {\n  location /x { }\n}\n"),
         "main.conf:5: location \"/x\" is outside location \"\\.php$\""},
        {TC_SERVER("location = /a {\n  location /a/b { }\n}\n"),
         "main.conf:5: location \"/a/b\" cannot be inside the exact location \"/a\""},
        {TC_SERVER("location = /a {\n  location ~ x { }\n}\n"),
         "main.conf:5: location \"x\" cannot be inside the exact location \"/a\""},
        {TC_SERVER("location @a {\n  location /a/b { }\n}\n"),
         "main.conf:5: location \"/a/b\" cannot be inside the named location \"@a\""},
        {TC_SERVER("location @a {\n  location @b { }\n}\n"),
         "main.conf:5: location \"@b\" cannot be inside the named location \"@a\""},
        {TC_SERVER("location /a {\n  location @b { }\n}\n"),
         "main.conf:5: named location \"@b\" can be on the server level only"},
        {TC_SERVER("location ~ a {\n  location @b { }\n}\n"),
         "main.conf:5: named location \"@b\" can be on the server level only"},
    };
    RUN(cases);
}

ZT_TEST(errors_duplicate_locations)
{
    static const err_case_t cases[] = {
        {TC_SERVER("location /a { }\nlocation /a { }\n"), "main.conf:5: duplicate location \"/a\""},
        {TC_SERVER("location = /a { }\nlocation =/a { }\n"),
         "main.conf:5: duplicate location \"/a\""},
        {TC_SERVER("location /a { }\nlocation ^~ /a { }\n"),
         "main.conf:5: duplicate location \"/a\""},
        {TC_SERVER("location ^~ /a { }\nlocation /a { }\n"),
         "main.conf:5: duplicate location \"/a\""},
        {TC_SERVER("location /a {\n  location /a/b { }\n  location /a/b { }\n}\n"),
         "main.conf:6: duplicate location \"/a/b\""},
    };
    RUN(cases);
}

ZT_TEST(errors_bad_regex)
{
    static const err_case_t cases[] = {
        {TC_SERVER("location ~ (foo { }\n"),
         "main.conf:4: pcre2_compile() failed: missing closing parenthesis in \"(foo\""},
        {TC_SERVER("\nlocation ~* \"a[\" { }\n"),
         "main.conf:5: pcre2_compile() failed: missing terminating ] for character class in "
         "\"a[\""},
        {TC_SERVER("location ~ a)b { }\n"),
         "main.conf:4: pcre2_compile() failed: unmatched closing parenthesis in \"a)b\" at "
         "\")b\""},
        {TC_SERVER("location /a {\n  location ~* \"x{2,1}\" { }\n}\n"),
         "main.conf:5: pcre2_compile() failed: numbers out of order in {} quantifier in "
         "\"x{2,1}\" at \"}\""},
        {TC_SERVER("location ~ ((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))) "
                   "{ }\n"),
         "main.conf:4: regex \"((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))\" "
         "has 32 capture groups: zokiod supports at most 31"},
    };
    RUN(cases);
}

ZT_TEST(errors_unsupported_nginx_directives)
{
    static const err_case_t cases[] = {
        {TC_SERVER("location / {\n  proxy_pass http://127.0.0.1:9000;\n}\n"),
         "main.conf:5: \"proxy_pass\" directive is not supported by zokiod"},
        {"http { gzip_static on; }",
         "main.conf:1: \"gzip_static\" directive is not supported by zokiod"},
        {"http { gunzip on; }", "main.conf:1: \"gunzip\" directive is not supported by zokiod"},
        {"worker_rlimit_core 1m;\n",
         "main.conf:1: \"worker_rlimit_core\" directive is not supported by zokiod"},
        {"http { client_body_buffer_size 8k; }",
         "main.conf:1: \"client_body_buffer_size\" directive is not supported by zokiod"},
        {"http { upstream b { server 1.2.3.4; } }",
         "main.conf:1: \"upstream\" directive is not supported by zokiod"},
        {"http { map $a $b { } }", "main.conf:1: \"map\" directive is not supported by zokiod"},
        {TC_SERVER("if ($host = x) { return 404; }\n"),
         "main.conf:4: \"if\" directive is not supported by zokiod"},
        {TC_SERVER("source_charset koi8-r;\n"),
         "main.conf:4: \"source_charset\" directive is not supported by zokiod"},
        {"http { charset_map koi8-r utf-8 { } }",
         "main.conf:1: \"charset_map\" directive is not supported by zokiod"},
        {"http { override_charset maybe; }", "main.conf:1: invalid value \"maybe\" in "
                                             "\"override_charset\" directive, it must be \"on\" "
                                             "or \"off\""},
        {TC_SERVER("ssl_stapling on;\n"),
         "main.conf:4: \"ssl_stapling\" directive is not supported by zokiod"},
        {TC_SERVER("limit_req zone=one;\n"),
         "main.conf:4: \"limit_req\" directive is not supported by zokiod"},
        {TC_SERVER("fastcgi_pass unix:/run/php.sock;\n"),
         "main.conf:4: \"fastcgi_pass\" directive is not supported by zokiod"},
        {"worker_priority 5;",
         "main.conf:1: \"worker_priority\" directive is not supported by zokiod"},
        {"events { use epoll; }", "main.conf:1: \"use\" directive is not supported by zokiod"},
        {"http { send_lowat 1; }", "main.conf:1: \"send_lowat\" directive is not supported by "
                                   "zokiod"},
        {"http { log_format main '$remote_addr'; }",
         "main.conf:1: \"log_format\" directive is not supported by zokiod"},
        {"stream { }", "main.conf:1: \"stream\" directive is not supported by zokiod"},
        {"http { map_hash_bucket_size 64; }",
         "main.conf:1: \"map_hash_bucket_size\" directive is not supported by zokiod"},
        {"http { frobnicate 1; }", "main.conf:1: unknown directive \"frobnicate\""},
        /* every nginx 1.22 directive, not only the usual families (issue 13) */
        {"http { set_real_ip_from 10.0.0.0/8; }",
         "main.conf:1: \"set_real_ip_from\" directive is not supported by zokiod"},
        {"http { ssi on; }", "main.conf:1: \"ssi\" directive is not supported by zokiod"},
        {"mail { }", "main.conf:1: \"mail\" directive is not supported by zokiod"},
        {"http { perl_modules x; }",
         "main.conf:1: \"perl_modules\" directive is not supported by zokiod"},
        {"http { geoip_country c.dat; }",
         "main.conf:1: \"geoip_country\" directive is not supported by zokiod"},
        /* names nginx 1.22 does not know either, in a family it has */
        {"http { proxy_frobnicate on; }", "main.conf:1: unknown directive \"proxy_frobnicate\""},
        {"http { ssl_frob on; }", "main.conf:1: unknown directive \"ssl_frob\""},
        {"http { more_set_headers x; }", "main.conf:1: unknown directive \"more_set_headers\""},
        {"http { http3 on; }", "main.conf:1: unknown directive \"http3\""},
    };
    RUN(cases);
}

/* the table is sorted and unique (bsearch), holds nginx's directives and no variable names */
ZT_TEST(errors_nginx_names_table)
{
    const char *const *list;
    size_t n = zc_nginx_names(&list);
    ZT_CHECK(n > 500);
    for (size_t i = 1; i < n; i++)
        if (strcmp(list[i - 1], list[i]) >= 0)
            ZT_FAIL("not sorted or duplicate: \"%s\" before \"%s\"", list[i - 1], list[i]);
    static const char *const known[] = {
        "set_real_ip_from", "proxy_pass", "root",  "listen",   "if", "zone",
        "ip_hash",          "ssl",        "types", "smtp_auth"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!zc_nginx_unsupported(known[i])) ZT_FAIL("\"%s\" is not in the table", known[i]);
    static const char *const not_nginx[] = {"remote_addr",      "http_host", "proxy_", "ssl_",
                                            "lua_package_path", "",          "zzz"};
    for (size_t i = 0; i < sizeof not_nginx / sizeof not_nginx[0]; i++)
        if (zc_nginx_unsupported(not_nginx[i])) ZT_FAIL("\"%s\" is in the table", not_nginx[i]);
}

ZT_TEST(errors_variables)
{
    static const err_case_t cases[] = {
        {TC_SERVER("root /var/www/$nohost;\n"), "main.conf:4: unknown \"nohost\" variable"},
        {TC_SERVER("add_header X-Id $request_id;\n"),
         "main.conf:4: unknown \"request_id\" variable"},
        {TC_SERVER("return 301 https://${host}$urx;\n"), "main.conf:4: unknown \"urx\" variable"},
        {TC_SERVER("add_header X-A $http_a_header_name_longer_than_31_bytes;\n"),
         "main.conf:4: variable \"$http_a_header_name_longer_than_31_bytes\" in \"add_header\" "
         "directive is not supported by zokiod"},
        {"http { access_log logs/$host.log; }",
         "main.conf:1: variable \"$host\" in \"access_log\" directive is not supported by "
         "zokiod"},
    };
    RUN(cases);
}

/* root and alias take regex captures: $1..$9, named groups some regex of the config has, and
 * variables */
ZT_TEST(errors_capture_variables)
{
    static const err_case_t cases[] = {
        {TC_SERVER("root /srv/$sub;\n"), "main.conf:4: unknown \"sub\" variable"},
        {TC_SERVER("server_name ~^(?<sub>.+)$;\nlocation / {\n  alias /srv/${subx}/;\n}\n"),
         "main.conf:6: unknown \"subx\" variable"},
        {TC_SERVER("root /srv/$0;\n"), "main.conf:4: unknown \"0\" variable"},
        {TC_SERVER("root /srv/$;\n"), "main.conf:4: invalid variable name"},
        {TC_SERVER("root /srv/$/x;\n"), "main.conf:4: invalid variable name"},
        {TC_SERVER("root /srv/${a;\n"),
         "main.conf:4: the closing bracket in \"a\" variable is missing"},
        /* the check waits for the end of http {}: a later error comes first */
        {TC_SERVER("root /srv/$host;\nlisten x:y;\n"),
         "main.conf:5: invalid port in \"x:y\" of the \"listen\" directive"},
        {TC_SERVER("index $nosuch.html;\n"), "main.conf:4: unknown \"nosuch\" variable"},
        {TC_SERVER("error_page 404 /e/$nosuch;\n"), "main.conf:4: unknown \"nosuch\" variable"},
        {TC_SERVER("server_name ~(?<a>x)$ $a;\n"),
         "main.conf:4: variable \"$a\" in \"server_name\" directive is not supported by zokiod"},
    };
    RUN(cases);
}

ZT_TEST(errors_ssl)
{
    char want[512];

    ZT_EQ_INT(tc_write("cert.pem", "x\n"), 0);
    snprintf(want, sizeof(want),
             "zokiod: %s:4: cannot load certificate \"%s\": open() failed (No such file or "
             "directory)",
             tc_path("main.conf"), tc_path("missing.pem"));
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_certificate missing.pem;\n")), want);
    snprintf(want, sizeof(want),
             "zokiod: %s:4: cannot load certificate key \"%s\": open() failed (No such file or "
             "directory)",
             tc_path("main.conf"), "/nonexistent/key.pem");
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_certificate_key /nonexistent/key.pem;\n")), want);
    ZT_EQ_STR(tc_fail("http {\n server {\n  listen 443 ssl;\n }\n}\n"),
              tc_msg("main.conf:3: no \"ssl_certificate\" is defined for the listen ... ssl "
                     "directive"));
    snprintf(want, sizeof(want), "%s",
             tc_msg("main.conf:3: no \"ssl_certificate_key\" is "
                    "defined for certificate \"%s\"",
                    tc_path("cert.pem")));
    ZT_EQ_STR(tc_fail("http {\n server {\n  listen 443 ssl;\n  ssl_certificate cert.pem;\n }\n}\n"),
              want);
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_protocols TLSv1.2 TLSv2;\n")),
              tc_msg("main.conf:4: invalid value \"TLSv2\" in \"ssl_protocols\" directive"));
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_protocols TLSv1 TLSv1.1 TLSv1.3;\n")),
              tc_msg("main.conf:4: \"ssl_protocols\" without TLSv1.2: zokiod speaks TLS 1.2 only "
                     "(mbedtls 2.28 has no TLS 1.3 server; TLS 1.0 and 1.1 are unsafe)"));
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_ciphers A::B;\n")),
              tc_msg("main.conf:4: invalid value \"A::B\" in \"ssl_ciphers\" directive"));
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_session_tickets maybe;\n")),
              tc_msg("main.conf:4: invalid value \"maybe\" in \"ssl_session_tickets\" directive, "
                     "it must be \"on\" or \"off\""));
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_handshake_timeout 0;\n")),
              tc_msg("main.conf:4: invalid value \"0\" in \"ssl_handshake_timeout\" directive"));
    ZT_EQ_STR(tc_fail(TC_SERVER("ssl_protocols TLSv9;\n")),
              tc_msg("main.conf:4: invalid value \"TLSv9\" in \"ssl_protocols\" directive"));
}

ZT_TEST(errors_in_included_file)
{
    char want[512];

    ZT_EQ_INT(tc_write("conf.d/x.conf", "server {\n  listen 80;\n  roo /x;\n}\n"), 0);
    snprintf(want, sizeof(want), "zokiod: %s:3: unknown directive \"roo\"",
             tc_path("conf.d/x.conf"));
    ZT_EQ_STR(tc_fail("http {\n  include conf.d/*.conf;\n}\n"), want);
    snprintf(want, sizeof(want), "zokiod: %s:2: open() \"%s\" failed (No such file or directory)",
             tc_path("main.conf"), tc_path("mime.types"));
    ZT_EQ_STR(tc_fail("http {\n  include mime.types;\n}\n"), want);
}

/* A bad entry in an included mime.types is reported at its own file and line. */
ZT_TEST(errors_in_included_mime_types)
{
    char want[512];

    ZT_EQ_INT(tc_write("mime.types", "types {\n  text/html html;\n  image/png png\n  image/gif "
                                     "gif;\n}\n"),
              0);
    snprintf(want, sizeof(want),
             "zokiod: %s:3: invalid extension \"image/gif\" for type \"image/png\" (missing "
             "\";\"?)",
             tc_path("mime.types"));
    ZT_EQ_STR(tc_fail("http {\n  include mime.types;\n}\n"), want);
    ZT_EQ_INT(tc_write("mime.types", "types {\n  text/html html;\n  \"text/css;\n}\n"), 0);
    snprintf(want, sizeof(want),
             "zokiod: %s:5: unexpected end of file, expecting '\"' (the string starts on "
             "line 3)",
             tc_path("mime.types"));
    ZT_EQ_STR(tc_fail("http {\n  include mime.types;\n}\n"), want);
}

ZT_TEST(errors_unreadable_file)
{
    char want[512];
    zc_config_t c;
    char err[512];

    ZT_EQ_INT(tc_write("locked.conf", "daemon off;\n"), 0);
    ZT_EQ_INT(chmod(tc_path("locked.conf"), 0), 0);
    if (access(tc_path("locked.conf"), R_OK) == 0) ZT_SKIP("running as root: mode 0 is readable");
    ZT_EQ_INT(zc_config_load(&c, tc_path("locked.conf"), NULL, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "zokiod: open() \"%s\" failed (Permission denied)",
             tc_path("locked.conf"));
    ZT_EQ_STR(err, want);
}

ZT_TEST(errors_truncated_buffer)
{
    zc_config_t c;
    char err[16];

    tc_write("main.conf", "roo;\n");
    ZT_EQ_INT(zc_config_load(&c, tc_path("main.conf"), NULL, err, sizeof(err)), -1);
    ZT_EQ_INT(strlen(err), 15); /* truncated, NUL-terminated */
    ZT_EQ_INT(zc_config_load(&c, tc_path("main.conf"), NULL, NULL, 0), -1);
}
