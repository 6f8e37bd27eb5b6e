/* SPDX-License-Identifier: MIT */
/* zc_config_load: every directive, defaults, inheritance, paths, includes, the sample configs. */
#include "tests/unit/zt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "tests/unit/conf/tconf.h"

ZT_TEST(config_defaults)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "# nothing but a comment\n") < 0) return;
    ZT_EQ_INT(c.worker_processes, 1);
    ZT_EQ_INT(c.worker_connections, 512);
    ZT_EQ_INT(c.daemon, 0);
    ZT_EQ_STR(c.backend, "auto");
    ZT_EQ_STR(c.error_log, "stderr");
    ZT_EQ_STR(c.error_log_level, "error");
    ZT_EQ_INT(c.worker_shutdown_timeout_ms, 0);
    ZT_EQ_STR(c.conf_file, tc_path("main.conf"));
    ZT_EQ_STR(c.conf_dir, tc_dir());
    ZT_EQ_STR(c.prefix, tc_dir()); /* the config's directory is not named conf */
    snprintf(want, sizeof(want), "%s/logs/zokiod.pid", tc_dir());
    ZT_EQ_STR(c.pid, want);
    ZT_EQ_INT(c.has_http, 0);
    ZT_EQ_INT(c.http.nservers, 0);
    ZT_EQ_STR(c.http.default_type, "text/plain");
    ZT_EQ_INT(c.http.ntypes, 3);
    ZT_EQ_STR(c.http.types[0].ext, "html");
    ZT_EQ_STR(c.http.types[0].type, "text/html");
    ZT_EQ_INT(c.http.lim.keepalive_timeout_ms, 75000);
    ZT_EQ_INT(c.http.lim.keepalive_header_timeout_ms, 0);
    ZT_EQ_INT(c.http.lim.keepalive_requests, 1000);
    ZT_EQ_INT(c.http.lim.client_header_timeout_ms, 60000);
    ZT_EQ_INT(c.http.lim.client_body_timeout_ms, 60000);
    ZT_EQ_INT(c.http.lim.send_timeout_ms, 60000);
    ZT_EQ_INT(c.http.lim.client_max_body_size, 1024 * 1024);
    ZT_EQ_INT(c.http.lim.large_header_buffers_num, 4);
    ZT_EQ_INT(c.http.lim.large_header_buffers_size, 8192);
    ZT_EQ_INT(c.http.lim.server_tokens, 1);
    ZT_EQ_INT(c.http.access_log_combined, 1);
    snprintf(want, sizeof(want), "%s/logs/access.log", tc_dir());
    ZT_EQ_STR(c.http.access_log, want);
    zc_config_free(&c);
    zc_config_free(&c); /* twice is fine */
}

ZT_TEST(config_main_directives)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "worker_processes auto;\nerror_log logs/err.log warn;\npid run/z.pid;\n"
                  "daemon on;\nbackend epoll;\nworker_shutdown_timeout 1m30s;\n"
                  "events {\n  worker_connections 4096;\n}\n") < 0)
        return;
    ZT_EQ_INT(c.worker_processes, 0);
    snprintf(want, sizeof(want), "%s/logs/err.log", tc_dir());
    ZT_EQ_STR(c.error_log, want);
    ZT_EQ_STR(c.error_log_level, "warn");
    snprintf(want, sizeof(want), "%s/run/z.pid", tc_dir());
    ZT_EQ_STR(c.pid, want);
    ZT_EQ_INT(c.daemon, 1);
    ZT_EQ_STR(c.backend, "epoll");
    ZT_EQ_INT(c.worker_shutdown_timeout_ms, 90000);
    ZT_EQ_INT(c.worker_connections, 4096);
    zc_config_free(&c);

    if (tc_ok(&c, "worker_processes 4;\nerror_log /var/log/z.log;\nbackend io_uring;\n") < 0)
        return;
    ZT_EQ_INT(c.worker_processes, 4);
    ZT_EQ_STR(c.error_log, "/var/log/z.log");
    ZT_EQ_STR(c.error_log_level, "error");
    ZT_EQ_STR(c.backend, "io_uring");
    zc_config_free(&c);
}

ZT_TEST(config_http_directives)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n"
                  "  types { text/html html HTM; image/png png; }\n"
                  "  types { text/x-html html; }\n"
                  "  default_type application/octet-stream;\n"
                  "  access_log off;\n"
                  "  sendfile on;\n"
                  "  keepalive_timeout 30s 25;\n"
                  "  keepalive_requests 50;\n"
                  "  client_header_timeout 5s;\n"
                  "  client_body_timeout 500ms;\n"
                  "  send_timeout 2m;\n"
                  "  client_max_body_size 10M;\n"
                  "  large_client_header_buffers 8 16k;\n"
                  "  server_tokens off;\n"
                  "}\n") < 0)
        return;
    ZT_EQ_INT(c.has_http, 1);
    ZT_EQ_INT(c.http.ntypes, 3);
    ZT_EQ_STR(c.http.types[0].ext, "html");
    ZT_EQ_STR(c.http.types[0].type, "text/x-html"); /* the later one wins */
    ZT_EQ_STR(c.http.types[1].ext, "htm");          /* lowercased */
    ZT_EQ_STR(c.http.types[1].type, "text/html");
    ZT_EQ_STR(c.http.types[2].ext, "png");
    ZT_EQ_STR(c.http.default_type, "application/octet-stream");
    ZT_CHECK(c.http.access_log == NULL);
    ZT_EQ_INT(c.http.lim.keepalive_timeout_ms, 30000);
    ZT_EQ_INT(c.http.lim.keepalive_header_timeout_ms, 25000);
    ZT_EQ_INT(c.http.lim.keepalive_requests, 50);
    ZT_EQ_INT(c.http.lim.client_header_timeout_ms, 5000);
    ZT_EQ_INT(c.http.lim.client_body_timeout_ms, 500);
    ZT_EQ_INT(c.http.lim.send_timeout_ms, 120000);
    ZT_EQ_INT(c.http.lim.client_max_body_size, 10 * 1024 * 1024);
    ZT_EQ_INT(c.http.lim.large_header_buffers_num, 8);
    ZT_EQ_INT(c.http.lim.large_header_buffers_size, 16384);
    ZT_EQ_INT(c.http.lim.server_tokens, 0);
    ZT_EQ_INT(c.http.nservers, 0);
    zc_config_free(&c);

    /* An empty types block means no types at all (nginx). */
    if (tc_ok(&c, "http { types { } }\n") < 0) return;
    ZT_EQ_INT(c.http.ntypes, 0);
    zc_config_free(&c);
}

/* A quoted media type is one word (nginx): spaces and ';' stay in it, and it is kept byte for
 * byte. An extension has no length limit, and `include` works inside types {} too. */
/* nginx's contexts and inheritance: http -> server -> location -> nested location, the most
 * specific level wins; types, error_page go down only to a level with none of its own. */
ZT_TEST(config_limits_inheritance)
{
    zc_config_t c;

    if (tc_ok(&c, "http {\n"
                  "  types { text/html html; }\n"
                  "  keepalive_timeout 30s 25;\n"
                  "  client_max_body_size 10M;\n"
                  "  error_page 404 /h404.html;\n"
                  "  server {\n"
                  "    listen 8080;\n"
                  "    server_tokens off;\n"
                  "    client_header_timeout 7s;\n"
                  "    large_client_header_buffers 2 1k;\n"
                  "    default_type text/x-server;\n"
                  "    location /a/ {\n"
                  "      keepalive_timeout 0;\n"
                  "      client_max_body_size 1k;\n"
                  "      types { text/x-a a; }\n"
                  "      error_page 500 /a500.html;\n"
                  "      location /a/b/ { send_timeout 3s; server_tokens on; }\n"
                  "    }\n"
                  "    location /c/ { keepalive_requests 5; }\n"
                  "  }\n"
                  "  server { listen 8081; }\n"
                  "}\n") < 0)
        return;
    const zc_server_t *s = &c.http.servers[0], *s2 = &c.http.servers[1];
    const zc_location_t *a = &s->locations[0], *b = &a->locations[0], *cl = &s->locations[1];
    ZT_EQ_INT(s->lim.keepalive_timeout_ms, 30000);
    ZT_EQ_INT(s->lim.keepalive_header_timeout_ms, 25000);
    ZT_EQ_INT(s->lim.server_tokens, 0);
    ZT_EQ_INT(s->lim.client_header_timeout_ms, 7000);
    ZT_EQ_INT(s->lim.large_header_buffers_num, 2);
    ZT_EQ_INT(s->lim.large_header_buffers_size, 1024);
    ZT_EQ_INT(s2->lim.server_tokens, 1);
    ZT_EQ_INT(s2->lim.client_header_timeout_ms, 60000);
    ZT_EQ_INT(s2->lim.large_header_buffers_num, 4);
    ZT_EQ_STR(s->mime.default_type, "text/x-server");
    ZT_EQ_STR(s2->mime.default_type, "text/plain");
    ZT_EQ_INT(s->mime.ntypes, 1);
    ZT_EQ_INT(a->lim.keepalive_timeout_ms, 0);
    ZT_EQ_INT(a->lim.keepalive_header_timeout_ms, 25000); /* each value on its own (nginx) */
    ZT_EQ_INT(a->lim.client_max_body_size, 1024);
    ZT_EQ_INT(a->lim.server_tokens, 0);
    ZT_EQ_STR(a->mime.types[0].ext, "a");
    ZT_EQ_INT(a->mime.ntypes, 1);
    ZT_EQ_STR(a->mime.default_type, "text/x-server");
    ZT_EQ_INT(a->nerror_pages, 1);
    ZT_EQ_STR(a->error_pages[0].uri, "/a500.html");
    ZT_EQ_INT(b->lim.keepalive_timeout_ms, 0);
    ZT_EQ_INT(b->lim.client_max_body_size, 1024);
    ZT_EQ_INT(b->lim.send_timeout_ms, 3000);
    ZT_EQ_INT(b->lim.server_tokens, 1);
    ZT_EQ_STR(b->mime.types[0].ext, "a");
    ZT_EQ_STR(b->error_pages[0].uri, "/a500.html");
    ZT_EQ_INT(cl->lim.keepalive_requests, 5);
    ZT_EQ_INT(cl->lim.keepalive_timeout_ms, 30000);
    ZT_EQ_INT(cl->lim.client_max_body_size, 10 * 1024 * 1024);
    ZT_EQ_STR(cl->mime.types[0].ext, "html");
    ZT_EQ_STR(cl->error_pages[0].uri, "/h404.html");
    zc_config_free(&c);
}

ZT_TEST(config_error_log_levels)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "error_log logs/main.log;\n"
                  "http {\n"
                  "  error_log logs/http.log;\n"
                  "  server {\n"
                  "    listen 8080;\n"
                  "    error_log logs/s.log warn;\n"
                  "    location /a/ {\n"
                  "      error_log logs/a.log crit;\n"
                  "      error_log stderr;\n"
                  "      location /a/b/ { }\n"
                  "    }\n"
                  "    location /c/ { }\n"
                  "  }\n"
                  "  server { listen 8081; }\n"
                  "}\n") < 0)
        return;
    const zc_server_t *s = &c.http.servers[0], *s2 = &c.http.servers[1];
    const zc_location_t *a = &s->locations[0], *b = &a->locations[0], *cl = &s->locations[1];
    snprintf(want, sizeof(want), "%s/logs/main.log", tc_dir());
    ZT_EQ_STR(c.error_log, want);
    ZT_EQ_INT(s->elogs.n, 1);
    snprintf(want, sizeof(want), "%s/logs/s.log", tc_dir());
    ZT_EQ_STR(s->elogs.v[0].path, want);
    ZT_EQ_STR(s->elogs.v[0].level, "warn");
    ZT_EQ_INT(s2->elogs.n, 1); /* http's */
    snprintf(want, sizeof(want), "%s/logs/http.log", tc_dir());
    ZT_EQ_STR(s2->elogs.v[0].path, want);
    ZT_EQ_STR(s2->elogs.v[0].level, "error");
    ZT_EQ_INT(a->elogs.n, 2); /* its own two, not the server's too */
    ZT_EQ_STR(a->elogs.v[0].level, "crit");
    ZT_EQ_STR(a->elogs.v[1].path, "stderr");
    ZT_EQ_INT(b->elogs.n, 2); /* its parent's */
    ZT_EQ_STR(b->elogs.v[0].level, "crit");
    ZT_EQ_INT(cl->elogs.n, 1); /* the server's */
    ZT_EQ_STR(cl->elogs.v[0].level, "warn");
    zc_config_free(&c);

    if (tc_ok(&c, "http {\n  server {\n    listen 8080;\n    location / { }\n  }\n}\n") < 0) return;
    ZT_EQ_INT(c.http.servers[0].elogs.n, 0); /* none anywhere: the main error log */
    ZT_EQ_INT(c.http.servers[0].locations[0].elogs.n, 0);
    zc_config_free(&c);
}

ZT_TEST(config_types_quoted_words)
{
    zc_config_t c;
    static const char *const want[][2] = {
        {"foo", "text/x weird;type"},
        {"sp", "text/x spaced type"},
        {"html", "text/html; charset=utf-8"},
        {"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", "application/x-long"},
        {"inc", "text/x-included"},
    };

    ZT_EQ_INT(tc_write("more.types", "text/x-included INC;\n"), 0);
    if (tc_ok(&c, "http {\n  types {\n"
                  "    \"text/x weird;type\" foo;\n"
                  "    'text/x spaced type' sp;\n"
                  "    \"text/html; charset=utf-8\" html;\n"
                  "    application/x-long "
                  "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ;\n"
                  "    include more.types;\n"
                  "  }\n}\n") < 0)
        return;
    ZT_EQ_INT(c.http.ntypes, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < c.http.ntypes; i++) {
        ZT_EQ_STR(c.http.types[i].ext, want[i][0]);
        ZT_EQ_STR(c.http.types[i].type, want[i][1]);
    }
    zc_config_free(&c);
}

static const char *type_of(const zc_config_t *c, const char *ext)
{
    for (size_t i = 0; i < c->http.ntypes; i++)
        if (strcmp(c->http.types[i].ext, ext) == 0) return c->http.types[i].type;
    return NULL;
}

/* The shipped conf/mime.types (tests run from the repository root): exact strings, text types
 * carry no charset. */
ZT_TEST(config_types_shipped_mime_types)
{
    zc_config_t c;
    char cwd[512], text[700];
    static const char *const want[][2] = {
        {"html", "text/html"},        {"htm", "text/html"},       {"css", "text/css"},
        {"js", "text/javascript"},    {"mjs", "text/javascript"}, {"json", "application/json"},
        {"xml", "text/xml"},          {"txt", "text/plain"},      {"svg", "image/svg+xml"},
        {"png", "image/png"},         {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},         {"webp", "image/webp"},     {"avif", "image/avif"},
        {"ico", "image/x-icon"},      {"woff", "font/woff"},      {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},          {"otf", "font/otf"},        {"pdf", "application/pdf"},
        {"zip", "application/zip"},   {"gz", "application/gzip"}, {"tar", "application/x-tar"},
        {"wasm", "application/wasm"}, {"mp4", "video/mp4"},       {"webm", "video/webm"},
        {"mp3", "audio/mpeg"},        {"ogg", "audio/ogg"},       {"wav", "audio/wav"},
        {"csv", "text/csv"},          {"md", "text/markdown"},    {"map", "application/json"},
    };

    ZT_CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(text, sizeof(text), "http { include \"%s/conf/mime.types\"; }\n", cwd);
    if (access("conf/mime.types", R_OK) != 0) ZT_SKIP("run from the repository root");
    if (tc_ok(&c, text) < 0) return;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *got = type_of(&c, want[i][0]);
        if (got == NULL || strcmp(got, want[i][1]) != 0)
            ZT_FAIL("%s: want \"%s\", got \"%s\"", want[i][0], want[i][1], got ? got : "(none)");
    }
    zc_config_free(&c);
}

/* nginx's own file, when installed, loads too (format compatibility). */
ZT_TEST(config_types_nginx_mime_types)
{
    zc_config_t c;

    if (access("/etc/nginx/mime.types", R_OK) != 0) ZT_SKIP("/etc/nginx/mime.types not installed");
    if (tc_ok(&c, "http { include /etc/nginx/mime.types; }\n") < 0) return;
    ZT_EQ_STR(type_of(&c, "html"), "text/html");
    ZT_CHECK(c.http.ntypes > 50);
    zc_config_free(&c);
}

ZT_TEST(config_server_directives)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "http {\n"
                  "  server {\n"
                  "    listen 127.0.0.1:8080 default_server reuseport backlog=128;\n"
                  "    listen [::1]:8080;\n"
                  "    server_name Example.COM www.example.com;\n"
                  "    server_name *.example.org www.example.* .example.net \"\" _;\n"
                  "    root /srv/www;\n"
                  "    index index.htm 'default page.html';\n"
                  "    index index.html;\n"
                  "    autoindex on;\n"
                  "    error_page 404 /404.html;\n"
                  "    error_page 500 502 503 =200 /50x.html;\n"
                  "    add_header X-Frame-Options DENY;\n"
                  "    add_header Cache-Control \"no-cache, no-store\" always;\n"
                  "    access_log logs/example.log combined;\n"
                  "  }\n"
                  "}\n") < 0)
        return;
    ZT_EQ_INT(c.http.nservers, 1);
    zc_server_t *s = &c.http.servers[0];
    ZT_EQ_STR(s->file, tc_path("main.conf"));
    ZT_EQ_INT(s->line, 2);
    ZT_EQ_INT(s->nlistens, 2);
    ZT_EQ_STR(s->listens[0].addr, "127.0.0.1");
    ZT_EQ_STR(s->listens[0].text, "127.0.0.1:8080");
    ZT_EQ_INT(s->listens[0].family, AF_INET);
    ZT_EQ_INT(s->listens[0].port, 8080);
    ZT_EQ_INT(s->listens[0].default_server, 1);
    ZT_EQ_INT(s->listens[0].reuseport, 1);
    ZT_EQ_INT(s->listens[0].ssl, 0);
    ZT_EQ_INT(s->listens[0].backlog, 128);
    ZT_EQ_INT(s->listens[0].line, 3);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&s->listens[0].sa;
    ZT_EQ_INT(s->listens[0].salen, sizeof(struct sockaddr_in));
    ZT_EQ_INT(sin->sin_family, AF_INET);
    ZT_EQ_INT(ntohs(sin->sin_port), 8080);
    ZT_EQ_INT(ntohl(sin->sin_addr.s_addr), 0x7f000001);
    ZT_EQ_STR(s->listens[1].addr, "::1");
    ZT_EQ_STR(s->listens[1].text, "[::1]:8080");
    ZT_EQ_INT(s->listens[1].family, AF_INET6);
    ZT_EQ_INT(s->listens[1].salen, sizeof(struct sockaddr_in6));
    ZT_EQ_INT(s->listens[1].ipv6only, 1);
    ZT_EQ_INT(s->listens[1].backlog, -1);

    static const char *const names[] = {"example.com",
                                        "www.example.com",
                                        "*.example.org",
                                        "www.example.*",
                                        "example.net",
                                        "*.example.net",
                                        "",
                                        "_"};
    ZT_EQ_INT(s->nnames, 8);
    for (size_t i = 0; i < 8; i++)
        ZT_EQ_STR(s->names[i], names[i]);
    ZT_EQ_STR(s->root, "/srv/www");
    ZT_EQ_INT(s->nindex, 3);
    ZT_EQ_STR(s->index[0], "index.htm");
    ZT_EQ_STR(s->index[1], "default page.html");
    ZT_EQ_STR(s->index[2], "index.html");
    ZT_EQ_INT(s->autoindex, 1);
    ZT_EQ_INT(s->nerror_pages, 2);
    ZT_EQ_INT(s->error_pages[0].ncodes, 1);
    ZT_EQ_INT(s->error_pages[0].codes[0], 404);
    ZT_EQ_INT(s->error_pages[0].response, 0);
    ZT_EQ_STR(s->error_pages[0].uri, "/404.html");
    ZT_EQ_INT(s->error_pages[1].ncodes, 3);
    ZT_EQ_INT(s->error_pages[1].codes[2], 503);
    ZT_EQ_INT(s->error_pages[1].response, 200);
    ZT_EQ_STR(s->error_pages[1].uri, "/50x.html");
    ZT_EQ_INT(s->nheaders, 2);
    ZT_EQ_STR(s->headers[0].name, "X-Frame-Options");
    ZT_EQ_STR(s->headers[0].value, "DENY");
    ZT_EQ_INT(s->headers[0].always, 0);
    ZT_EQ_STR(s->headers[1].value, "no-cache, no-store");
    ZT_EQ_INT(s->headers[1].always, 1);
    snprintf(want, sizeof(want), "%s/logs/example.log", tc_dir());
    ZT_EQ_STR(s->access_log, want);
    ZT_EQ_INT(s->ret.code, 0);
    ZT_CHECK(s->ssl_certificate == NULL);
    ZT_EQ_INT(s->ssl_protocols, ZC_TLSv1_2 | ZC_TLSv1_3);
    zc_config_free(&c);
}

ZT_TEST(config_listen_forms)
{
    static const struct {
        const char *arg;
        const char *addr, *text;
        int family;
        unsigned port;
    } cases[] = {
        {"80", "0.0.0.0", "0.0.0.0:80", AF_INET, 80},
        {"*:8080", "0.0.0.0", "0.0.0.0:8080", AF_INET, 8080},
        {"127.0.0.1", "127.0.0.1", "127.0.0.1:80", AF_INET, 80},
        {"10.1.2.3:65535", "10.1.2.3", "10.1.2.3:65535", AF_INET, 65535},
        {"localhost:81", "127.0.0.1", "127.0.0.1:81", AF_INET, 81},
        {"localhost", "127.0.0.1", "127.0.0.1:80", AF_INET, 80},
        {"[::]:80", "::", "[::]:80", AF_INET6, 80},
        {"[::1]:443", "::1", "[::1]:443", AF_INET6, 443},
        {"[::]", "::", "[::]:80", AF_INET6, 80},
        {"[2001:db8::1]:8443", "2001:db8::1", "[2001:db8::1]:8443", AF_INET6, 8443},
    };
    zc_config_t c;
    char text[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "http { server { listen %s; } }", cases[i].arg);
        if (tc_ok(&c, text) < 0) return;
        const zc_listen_t *l = &c.http.servers[0].listens[0];
        ZT_EQ_STR(l->addr, cases[i].addr);
        ZT_EQ_STR(l->text, cases[i].text);
        ZT_EQ_INT(l->family, cases[i].family);
        ZT_EQ_INT(l->port, cases[i].port);
        zc_config_free(&c);
    }

    /* No listen: *:80, like nginx; no server_name: the name "". */
    if (tc_ok(&c, "http { server { } }") < 0) return;
    ZT_EQ_INT(c.http.servers[0].nlistens, 1);
    ZT_EQ_STR(c.http.servers[0].listens[0].text, "0.0.0.0:80");
    ZT_EQ_INT(c.http.servers[0].nnames, 1);
    ZT_EQ_STR(c.http.servers[0].names[0], "");
    zc_config_free(&c);

    if (tc_ok(&c, "http { server { listen [::]:80 ipv6only=off; } }") < 0) return;
    ZT_EQ_INT(c.http.servers[0].listens[0].ipv6only, 0);
    zc_config_free(&c);
}

ZT_TEST(config_listen_flags_per_address)
{
    zc_config_t c;

    ZT_EQ_INT(tc_write("cert.pem", "x\n"), 0);
    ZT_EQ_INT(tc_write("key.pem", "x\n"), 0);
    if (tc_ok(&c, "http {\n"
                  "  ssl_certificate cert.pem; ssl_certificate_key key.pem;\n"
                  "  server { listen 443 ssl reuseport; server_name a; }\n"
                  "  server { listen 443 default_server; server_name b; }\n"
                  "  server { listen 127.0.0.1:443; server_name a; }\n"
                  "}\n") < 0)
        return;
    ZT_EQ_INT(c.http.servers[1].listens[0].ssl, 1);
    ZT_EQ_INT(c.http.servers[1].listens[0].reuseport, 1);
    ZT_EQ_INT(c.http.servers[1].listens[0].default_server, 1);
    ZT_EQ_INT(c.http.servers[0].listens[0].default_server, 0);
    ZT_EQ_INT(c.http.servers[2].listens[0].ssl, 0); /* another address */
    zc_config_free(&c);
}

ZT_TEST(config_locations)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "http {\n"
                  "  index home.html;\n"
                  "  add_header X-Http 1;\n"
                  "  server {\n"
                  "    root html2;\n"
                  "    add_header X-Server 1;\n"
                  "    location / { }\n"
                  "    location = /exact { return 204; }\n"
                  "    location =/glued { return 301 https://$host$request_uri; }\n"
                  "    location ^~ /images/ { root /data; autoindex on; index i.html; }\n"
                  "    location /dl/ { alias /srv/files/; add_header X-Loc 2; }\n"
                  "    location /go { return https://example.com/; }\n"
                  "    location /text { return 200 \"hello\\n\"; }\n"
                  "    location /close { return 444; }\n"
                  "  }\n"
                  "}\n") < 0)
        return;
    zc_server_t *s = &c.http.servers[0];
    snprintf(want, sizeof(want), "%s/html2", tc_dir());
    ZT_EQ_STR(s->root, want);
    ZT_EQ_INT(s->nindex, 1);
    ZT_EQ_STR(s->index[0], "home.html"); /* from http */
    ZT_EQ_INT(s->nheaders, 1);
    ZT_EQ_STR(s->headers[0].name, "X-Server"); /* own add_header: http's not inherited */
    ZT_EQ_INT(s->nlocations, 8);
    zc_location_t *l = s->locations;
    ZT_EQ_STR(l[0].prefix, "/");
    ZT_EQ_INT(l[0].exact, 0);
    ZT_EQ_STR(l[0].root, want);
    ZT_EQ_STR(l[0].index[0], "home.html");
    ZT_EQ_INT(l[0].autoindex, 0);
    ZT_EQ_STR(l[0].headers[0].name, "X-Server");
    ZT_EQ_INT(l[0].line, 7);
    ZT_EQ_STR(l[1].prefix, "/exact");
    ZT_EQ_INT(l[1].exact, 1);
    ZT_EQ_INT(l[1].ret.code, 204);
    ZT_CHECK(l[1].ret.text == NULL);
    ZT_EQ_STR(l[2].prefix, "/glued");
    ZT_EQ_INT(l[2].exact, 1);
    ZT_EQ_INT(l[2].ret.code, 301);
    ZT_EQ_STR(l[2].ret.text, "https://$host$request_uri");
    ZT_EQ_STR(l[3].prefix, "/images/");
    ZT_EQ_INT(l[3].exact, 0);
    ZT_EQ_STR(l[3].root, "/data");
    ZT_EQ_INT(l[3].autoindex, 1);
    ZT_EQ_STR(l[3].index[0], "i.html");
    ZT_CHECK(l[4].root == NULL);
    ZT_EQ_STR(l[4].alias, "/srv/files/");
    ZT_EQ_INT(l[4].nheaders, 1);
    ZT_EQ_STR(l[4].headers[0].name, "X-Loc");
    ZT_EQ_INT(l[5].ret.code, 302);
    ZT_EQ_STR(l[5].ret.text, "https://example.com/");
    ZT_EQ_INT(l[6].ret.code, 200);
    ZT_EQ_STR(l[6].ret.text, "hello\n");
    ZT_EQ_INT(l[7].ret.code, 444);
    zc_config_free(&c);
}

ZT_TEST(config_location_kinds_and_nesting)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "http {\n"
                  "  server {\n"
                  "    root html;\n"
                  "    index a.html;\n"
                  "    add_header X-S 1;\n"
                  "    location ~* \\.(css|js|png)$ { root /x; }\n"
                  "    location ~\\.php$ { }\n"
                  "    location ^~ /static/ { autoindex on; }\n"
                  "    location ^~/glued/ { }\n"
                  "    location = / { }\n"
                  "    location @fallback { return 404; }\n"
                  "    location @fallback { }\n"
                  "    location ~ \"\" { }\n"
                  "    location /docs/ {\n"
                  "      alias /srv/docs/;\n"
                  "      index d.html;\n"
                  "      add_header X-D 1;\n"
                  "      return 403;\n"
                  "      location ~ \\.md$ { add_header X-Md 1; }\n"
                  "      location /docs/api/ {\n"
                  "        root /api;\n"
                  "        location = /docs/api/x { }\n"
                  "      }\n"
                  "      location ^~ /docs/raw/ { }\n"
                  "    }\n"
                  "    location ~ ^/(?<user>u)/ {\n"
                  "      location ~ x$ { }\n"
                  "      location ^/(?<user>u)/abc { }\n"
                  "    }\n"
                  "    location = @x { }\n"
                  "  }\n"
                  "}\n") < 0)
        return;
    zc_server_t *s = &c.http.servers[0];
    snprintf(want, sizeof(want), "%s/html", tc_dir());
    ZT_EQ_INT(s->nlocations, 11);
    zc_location_t *l = s->locations;
    /* regexes: compiled, caseless for ~* */
    ZT_EQ_STR(l[0].prefix, "\\.(css|js|png)$");
    ZT_CHECK(l[0].regex != NULL && l[0].regex->caseless && l[0].regex->ngroups == 1);
    ZT_EQ_STR(l[0].regex->pattern, "\\.(css|js|png)$");
    ZT_EQ_STR(l[0].root, "/x");
    ZT_CHECK(l[1].regex != NULL && !l[1].regex->caseless && l[1].regex->ngroups == 0);
    ZT_EQ_STR(l[1].prefix, "\\.php$");
    ZT_EQ_STR(l[1].root, want);
    ZT_EQ_STR(l[1].headers[0].name, "X-S");
    /* ^~ */
    ZT_EQ_STR(l[2].prefix, "/static/");
    ZT_CHECK(l[2].noregex && !l[2].exact && l[2].regex == NULL && l[2].autoindex == 1);
    ZT_EQ_STR(l[3].prefix, "/glued/");
    ZT_CHECK(l[3].noregex);
    ZT_CHECK(l[4].exact && !l[4].noregex);
    /* named, twice (nginx takes the first) */
    ZT_EQ_STR(l[5].prefix, "@fallback");
    ZT_CHECK(l[5].named && l[5].ret.code == 404 && l[6].named);
    ZT_CHECK(l[7].regex != NULL); /* "" matches everything */
    /* nesting and inheritance */
    zc_location_t *d = &l[8];
    ZT_EQ_STR(d->alias, "/srv/docs/");
    ZT_EQ_INT(d->alias_cut, 6);
    ZT_EQ_INT(d->nlocations, 3);
    ZT_CHECK(d->locations[0].parent == d && d->parent == NULL);
    zc_location_t *md = &d->locations[0], *api = &d->locations[1], *raw = &d->locations[2];
    ZT_CHECK(md->regex != NULL);
    ZT_EQ_STR(md->alias, "/srv/docs/"); /* the alias, cut after "/docs/", goes down */
    ZT_EQ_INT(md->alias_cut, 6);
    ZT_CHECK(md->root == NULL);
    ZT_EQ_STR(md->index[0], "d.html");
    ZT_EQ_STR(md->headers[0].name, "X-Md");
    ZT_EQ_INT(md->ret.code, 0); /* return is not inherited */
    ZT_EQ_STR(api->root, "/api");
    ZT_CHECK(api->alias == NULL);
    ZT_EQ_STR(api->headers[0].name, "X-D");
    ZT_EQ_INT(api->nlocations, 1);
    ZT_CHECK(api->locations[0].exact);
    ZT_EQ_STR(api->locations[0].prefix, "/docs/api/x");
    ZT_EQ_STR(api->locations[0].root, "/api");
    ZT_EQ_STR(api->locations[0].index[0], "d.html");
    ZT_EQ_INT(api->locations[0].line, 22);
    ZT_CHECK(raw->noregex);
    ZT_EQ_STR(raw->alias, "/srv/docs/");
    /* nested in a regex location: regexes anywhere, prefixes starting with its text */
    zc_location_t *u = &l[9];
    ZT_EQ_INT(u->regex->ngroups, 1);
    ZT_EQ_INT(u->nlocations, 2);
    ZT_CHECK(u->locations[0].regex != NULL);
    ZT_EQ_STR(u->locations[1].prefix, "^/(?<user>u)/abc");
    ZT_CHECK(u->locations[1].regex == NULL && !u->locations[1].named);
    ZT_CHECK(l[10].exact && !l[10].named); /* `= @x` is an exact location */
    zc_config_free(&c);
}

ZT_TEST(config_regex_server_names_and_capture_roots)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c,
              "http {\n"
              "  root /www/$host_part;\n"
              "  server {\n"
              "    listen 80;\n"
              "    server_name a.test ~^(?<sub>[a-z]+)\\.example\\.com$ ~^WWW\\.(.+)$ *.b.test;\n"
              "    root sites/$sub/${sub}x$1;\n"
              "    location ~ ^/u/(?<user>\\w+)/(.*)$ { alias /users/$user/$2; }\n"
              "    location /img/ {\n"
              "      alias img/$sub/;\n"
              "      location /img/x/ { }\n"
              "    }\n"
              "    location ~ \\.png$ { alias /data/one.png; }\n"
              "    location /plain/ { root $1; }\n"
              "  }\n"
              "  server { listen 80; server_name ~^(?<host_part>.+)$; }\n"
              "  server { listen 81; }\n"
              "}\n") < 0)
        return;
    zc_server_t *s = &c.http.servers[0];
    ZT_EQ_INT(s->nnames, 2); /* regexes are apart */
    ZT_EQ_STR(s->names[0], "a.test");
    ZT_EQ_STR(s->names[1], "*.b.test");
    ZT_EQ_INT(s->nname_regexes, 2);
    ZT_EQ_STR(s->name_regexes[0]->pattern, "^(?<sub>[a-z]+)\\.example\\.com$");
    ZT_EQ_INT(s->name_regexes[0]->caseless, 0);
    ZT_EQ_INT(s->name_regexes[1]->caseless, 1); /* an upper-case letter: caseless, as nginx */
    /* the root: text made absolute, then the references */
    snprintf(want, sizeof(want), "%s/sites/", tc_dir());
    zc_tpl_t *t = s->root_tpl;
    ZT_CHECK(t != NULL);
    ZT_EQ_INT(t->nparts, 6);
    ZT_EQ_INT(t->parts[0].kind, ZC_TPL_TEXT);
    ZT_EQ_INT(t->parts[0].len, strlen(want));
    ZT_CHECK(!memcmp(t->parts[0].text, want, strlen(want)));
    ZT_EQ_INT(t->parts[1].kind, ZC_TPL_NAMED);
    ZT_EQ_STR(t->parts[1].text, "sub");
    ZT_EQ_INT(t->parts[2].kind, ZC_TPL_TEXT);
    ZT_CHECK(t->parts[2].len == 1 && t->parts[2].text[0] == '/');
    ZT_EQ_INT(t->parts[3].kind, ZC_TPL_NAMED); /* ${sub} */
    ZT_EQ_STR(t->parts[3].text, "sub");
    ZT_EQ_INT(t->parts[4].kind, ZC_TPL_TEXT); /* "x" then $1 */
    ZT_EQ_INT(t->parts[4].len, 1);
    ZT_EQ_INT(t->parts[5].kind, ZC_TPL_CAPTURE);
    ZT_EQ_INT(t->parts[5].capture, 1);
    zc_location_t *l = s->locations;
    ZT_EQ_INT(l[0].alias_cut, ZC_ALIAS_WHOLE); /* a regex location's alias is the whole path */
    ZT_EQ_INT(l[0].root_tpl->nparts, 4);
    ZT_EQ_STR(l[0].root_tpl->parts[1].text, "user");
    ZT_EQ_INT(l[0].root_tpl->parts[3].capture, 2);
    ZT_EQ_INT(l[1].alias_cut, 5);
    ZT_CHECK(l[1].root_tpl != NULL && l[1].locations[0].root_tpl == l[1].root_tpl);
    ZT_EQ_STR(l[1].locations[0].alias, l[1].alias);
    ZT_EQ_INT(l[2].alias_cut, ZC_ALIAS_WHOLE);
    ZT_CHECK(l[2].root_tpl == NULL);               /* no capture: a plain path */
    snprintf(want, sizeof(want), "%s/", tc_dir()); /* `root $1;` under the prefix */
    ZT_EQ_INT(l[3].root_tpl->nparts, 2);
    ZT_EQ_INT(l[3].root_tpl->parts[0].len, strlen(want));
    ZT_CHECK(!memcmp(l[3].root_tpl->parts[0].text, want, strlen(want)));
    ZT_EQ_INT(l[3].root_tpl->parts[1].capture, 1);
    /* a server with only a regex name has no "" name; the http-level root goes down */
    ZT_EQ_INT(c.http.servers[1].nnames, 0);
    ZT_EQ_INT(c.http.servers[1].nname_regexes, 1);
    ZT_EQ_STR(c.http.servers[1].root, "/www/$host_part");
    ZT_CHECK(c.http.servers[1].root_tpl != NULL);
    ZT_EQ_INT(c.http.servers[2].nnames, 1);
    ZT_EQ_STR(c.http.servers[2].names[0], "");
    zc_config_free(&c);
}

ZT_TEST(config_error_page_named_location)
{
    zc_config_t c;

    if (tc_ok(&c, TC_SERVER("error_page 404 @fallback;\nerror_page 403 =200 @ok;\n"
                            "location @fallback { }\n")) < 0)
        return;
    zc_server_t *s = &c.http.servers[0];
    ZT_EQ_INT(s->nerror_pages, 2);
    ZT_EQ_STR(s->error_pages[0].uri, "@fallback");
    ZT_EQ_INT(s->error_pages[0].response, 0);
    ZT_EQ_STR(s->error_pages[1].uri, "@ok"); /* no such location: a 500 when used, as nginx */
    ZT_EQ_INT(s->error_pages[1].response, 200);
    zc_config_free(&c);
}

ZT_TEST(config_inheritance_from_http)
{
    zc_config_t c;
    char want[512];

    if (tc_ok(&c, "http {\n"
                  "  server { server_name a; access_log off; }\n"
                  "  root /www; autoindex on; error_page 404 /nf.html; access_log logs/h.log;\n"
                  "  server { server_name b; error_page 500 /e.html; }\n"
                  "  server { server_name c; root /c; autoindex off; }\n"
                  "}\n") < 0)
        return;
    /* http-level settings apply to servers before them too (nginx merges after parsing). */
    zc_server_t *s = c.http.servers;
    ZT_EQ_STR(s[0].root, "/www");
    ZT_EQ_INT(s[0].autoindex, 1);
    ZT_CHECK(s[0].access_log == NULL);
    ZT_EQ_INT(s[0].nerror_pages, 1);
    ZT_EQ_STR(s[0].error_pages[0].uri, "/nf.html");
    ZT_EQ_INT(s[0].nindex, 1);
    ZT_EQ_STR(s[0].index[0], "index.html");
    snprintf(want, sizeof(want), "%s/logs/h.log", tc_dir());
    ZT_EQ_STR(s[1].access_log, want);
    ZT_EQ_INT(s[1].nerror_pages, 1);
    ZT_EQ_STR(s[1].error_pages[0].uri, "/e.html");
    ZT_EQ_STR(s[2].root, "/c");
    ZT_EQ_INT(s[2].autoindex, 0);
    zc_config_free(&c);

    /* Default root: PREFIX/html. */
    if (tc_ok(&c, "http { server { } }") < 0) return;
    snprintf(want, sizeof(want), "%s/html", tc_dir());
    ZT_EQ_STR(c.http.servers[0].root, want);
    zc_config_free(&c);
}

ZT_TEST(config_ssl)
{
    zc_config_t c;

    ZT_EQ_INT(tc_write("tls/cert.pem", "x\n"), 0);
    ZT_EQ_INT(tc_write("tls/key.pem", "x\n"), 0);
    if (tc_ok(&c,
              "http { server { listen 443 ssl; ssl_certificate tls/cert.pem;\n"
              "ssl_certificate_key tls/key.pem; ssl_protocols TLSv1.2 TLSv1.3 TLSv1.1; } }") < 0)
        return;
    zc_server_t *s = &c.http.servers[0];
    ZT_EQ_INT(s->listens[0].ssl, 1);
    ZT_EQ_STR(s->ssl_certificate, tc_path("tls/cert.pem"));
    ZT_EQ_STR(s->ssl_certificate_key, tc_path("tls/key.pem"));
    ZT_EQ_INT(s->ssl_certificate_key_line, 2);
    ZT_EQ_INT(s->ssl_protocols, ZC_TLSv1_2 | ZC_TLSv1_3 | ZC_TLSv1_1);
    ZT_EQ_INT(s->ssl_protocols_line, 2);
    /* the defaults */
    ZT_EQ_INT((int)s->nssl_ciphers, 0);
    ZT_EQ_INT(s->ssl_prefer_server_ciphers, 0);
    ZT_EQ_INT(s->ssl_session_tickets, 1);
    ZT_EQ_INT((int)s->ssl_session_timeout_ms, 300000);
    ZT_EQ_INT((int)s->ssl_handshake_timeout_ms, 10000);
    zc_config_free(&c);
    /* set at http level, inherited; a server's own wins */
    if (tc_ok(&c,
              "http { ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:TLS-X; ssl_session_tickets off;\n"
              "ssl_session_timeout 1h; ssl_handshake_timeout 3s; ssl_prefer_server_ciphers on;\n"
              "server { listen 1; } server { listen 2; ssl_session_tickets on; } }") < 0)
        return;
    s = &c.http.servers[0];
    ZT_EQ_INT((int)s->nssl_ciphers, 2);
    ZT_EQ_STR(s->ssl_ciphers[0], "ECDHE-RSA-AES128-GCM-SHA256");
    ZT_EQ_STR(s->ssl_ciphers[1], "TLS-X");
    ZT_EQ_INT(s->ssl_ciphers_line, 1);
    ZT_EQ_INT(s->ssl_session_tickets, 0);
    ZT_EQ_INT(s->ssl_prefer_server_ciphers, 1);
    ZT_EQ_INT((int)s->ssl_session_timeout_ms, 3600000);
    ZT_EQ_INT((int)s->ssl_handshake_timeout_ms, 3000);
    ZT_EQ_INT(c.http.servers[1].ssl_session_tickets, 1);
    zc_config_free(&c);
}

ZT_TEST(config_prefix_rules)
{
    zc_config_t c;
    char err[512], want[512];

    /* A config in a directory named conf: the prefix is the directory above. */
    ZT_EQ_INT(tc_write("site/conf/z.conf", "http { include mime.types; server { root www; } }"), 0);
    ZT_EQ_INT(tc_write("site/conf/mime.types", "types { text/css css; }"), 0);
    ZT_EQ_INT(zc_config_load(&c, tc_path("site/conf/z.conf"), NULL, err, sizeof(err)), 0);
    ZT_EQ_STR(c.prefix, tc_path("site"));
    ZT_EQ_STR(c.conf_dir, tc_path("site/conf"));
    ZT_EQ_STR(c.http.servers[0].root, tc_path("site/www"));
    ZT_EQ_INT(c.http.ntypes, 1);
    zc_config_free(&c);

    /* An explicit prefix wins; a relative one is taken against the current directory. */
    ZT_EQ_INT(zc_config_load(&c, tc_path("site/conf/z.conf"), "/opt/z/", err, sizeof(err)), 0);
    ZT_EQ_STR(c.prefix, "/opt/z");
    ZT_EQ_STR(c.http.servers[0].root, "/opt/z/www");
    ZT_EQ_STR(c.pid, "/opt/z/logs/zokiod.pid");
    zc_config_free(&c);

    /* A relative config file is taken against the current directory. */
    char cwd[512];
    ZT_CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    ZT_EQ_INT(chdir(tc_path("site")), 0);
    ZT_EQ_INT(zc_config_load(&c, "./conf/z.conf", "pfx", err, sizeof(err)), 0);
    ZT_EQ_STR(c.conf_file, tc_path("site/conf/z.conf"));
    ZT_EQ_STR(c.prefix, tc_path("site/pfx"));
    zc_config_free(&c);
    ZT_EQ_INT(chdir(cwd), 0);

    /* The main file itself missing: no FILE:LINE. */
    ZT_EQ_INT(zc_config_load(&c, tc_path("nope.conf"), NULL, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "zokiod: open() \"%s\" failed (No such file or directory)",
             tc_path("nope.conf"));
    ZT_EQ_STR(err, want);
    zc_config_free(&c); /* harmless after a failure */
}

ZT_TEST(config_includes_relative_to_main_dir)
{
    zc_config_t c;

    /* Includes inside included files are still relative to the main config's directory. */
    ZT_EQ_INT(tc_write("sites/a.conf", "server { server_name a; include snippets/h.conf; }\n"), 0);
    ZT_EQ_INT(tc_write("sites/b.conf", "server { server_name b; }\n"), 0);
    ZT_EQ_INT(tc_write("snippets/h.conf", "add_header X-A 1;\n"), 0);
    if (tc_ok(&c, "http {\n  include sites/*.conf;\n  include sites/*.none;\n}\n") < 0) return;
    ZT_EQ_INT(c.http.nservers, 2);
    ZT_EQ_STR(c.http.servers[0].names[0], "a");
    ZT_EQ_STR(c.http.servers[0].file, tc_path("sites/a.conf"));
    ZT_EQ_STR(c.http.servers[0].headers[0].name, "X-A");
    ZT_EQ_STR(c.http.servers[1].names[0], "b");
    zc_config_free(&c);
}

ZT_TEST(config_sample_zokiod_conf)
{
    zc_config_t c;
    char err[512], path[600], cwd[512];

    ZT_CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(path, sizeof(path), "%s/conf/zokiod.conf", cwd);
    if (access(path, R_OK) != 0) ZT_SKIP("run from the repository root (no %s)", path);
    ZT_EQ_INT(zc_config_load(&c, path, NULL, err, sizeof(err)), 0);
    ZT_EQ_STR(c.prefix, cwd);
    ZT_EQ_STR(c.error_log, "stderr");
    ZT_EQ_STR(c.error_log_level, "info");
    ZT_EQ_INT(c.daemon, 0);
    ZT_EQ_INT(c.http.nservers, 1);
    ZT_EQ_STR(c.http.default_type, "application/octet-stream");
    ZT_CHECK(c.http.ntypes > 50);
    ZT_CHECK(c.http.access_log != NULL);
    zc_server_t *s = &c.http.servers[0];
    ZT_EQ_STR(s->listens[0].text, "127.0.0.1:8080");
    ZT_EQ_INT(s->listens[0].default_server, 1);
    snprintf(path, sizeof(path), "%s/www", cwd);
    ZT_EQ_STR(s->root, path);
    zc_config_free(&c);
}

/* A typical static-site nginx config, as nginx users write it, loads unchanged. */
ZT_TEST(config_typical_nginx_site)
{
    zc_config_t c;

    ZT_EQ_INT(tc_write("mime.types", "types {\n    text/html html htm shtml;\n"
                                     "    text/css css;\n    image/png png;\n}\n"),
              0);
    if (tc_ok(&c, "worker_processes auto;\n"
                  "pid /run/nginx.pid;\n"
                  "error_log /var/log/nginx/error.log;\n"
                  "\n"
                  "events {\n"
                  "    worker_connections 768;\n"
                  "}\n"
                  "\n"
                  "http {\n"
                  "    sendfile on;\n"
                  "    keepalive_timeout 65;\n"
                  "    include mime.types;\n"
                  "    default_type application/octet-stream;\n"
                  "    access_log /var/log/nginx/access.log;\n"
                  "\n"
                  "    server {\n"
                  "        listen 80 default_server;\n"
                  "        listen [::]:80 default_server;\n"
                  "\n"
                  "        root /var/www/html;\n"
                  "        index index.html index.htm;\n"
                  "        server_name _;\n"
                  "\n"
                  "        location / {\n"
                  "            autoindex off;\n"
                  "        }\n"
                  "    }\n"
                  "\n"
                  "    server {\n"
                  "        listen 80;\n"
                  "        listen [::]:80;\n"
                  "        server_name example.com www.example.com;\n"
                  "        root /var/www/example.com;\n"
                  "        index index.html;\n"
                  "        error_page 404 /404.html;\n"
                  "        location = /404.html {\n"
                  "        }\n"
                  "    }\n"
                  "}\n") < 0)
        return;
    ZT_EQ_INT(c.worker_processes, 0);
    ZT_EQ_STR(c.pid, "/run/nginx.pid");
    ZT_EQ_INT(c.worker_connections, 768);
    ZT_EQ_INT(c.http.lim.keepalive_timeout_ms, 65000);
    ZT_EQ_INT(c.http.ntypes, 5);
    ZT_EQ_INT(c.http.nservers, 2);
    zc_server_t *s = c.http.servers;
    ZT_EQ_INT(s[0].nlistens, 2);
    ZT_EQ_INT(s[0].listens[1].default_server, 1);
    ZT_EQ_STR(s[0].listens[1].text, "[::]:80");
    ZT_EQ_STR(s[0].names[0], "_");
    ZT_EQ_STR(s[0].access_log, "/var/log/nginx/access.log");
    ZT_EQ_STR(s[1].root, "/var/www/example.com");
    ZT_EQ_INT(s[1].nnames, 2);
    ZT_EQ_STR(s[1].locations[0].prefix, "/404.html");
    ZT_EQ_STR(s[1].locations[0].root, "/var/www/example.com");
    zc_config_free(&c);
}

/* the command line's -g (read before the file) and -e (the error log when the file has none) */
ZT_TEST(config_load_opts_params_and_error_log)
{
    zc_config_t c;
    char err[512];
    zc_load_opts_t o = {NULL, "worker_processes 3; daemon on;", "/var/log/e.log"};

    ZT_EQ_INT(tc_write("main.conf", "events { }\n"), 0);
    ZT_EQ_INT(zc_config_load_opts(&c, tc_path("main.conf"), &o, err, sizeof(err)), 0);
    ZT_EQ_INT(c.worker_processes, 3);
    ZT_EQ_INT(c.daemon, 1);
    ZT_EQ_STR(c.error_log, "/var/log/e.log");
    ZT_EQ_INT(c.nsources, 1); /* -g is no file */
    ZT_EQ_STR(c.sources[0].path, tc_path("main.conf"));
    zc_config_free(&c);
    /* the file's own error_log wins over -e */
    ZT_EQ_INT(tc_write("main.conf", "error_log stderr;\n"), 0);
    ZT_EQ_INT(zc_config_load_opts(&c, tc_path("main.conf"), &o, err, sizeof(err)), 0);
    ZT_EQ_STR(c.error_log, "stderr");
    zc_config_free(&c);
    /* a directive of -g repeated in the file: the file's is the duplicate, as in nginx */
    ZT_EQ_INT(tc_write("main.conf", "events { }\nworker_processes 2;\n"), 0);
    ZT_EQ_INT(zc_config_load_opts(&c, tc_path("main.conf"), &o, err, sizeof(err)), -1);
    ZT_EQ_STR(err, tc_msg("main.conf:2: \"worker_processes\" directive is duplicate"));
    o.params = "worker_processes x;";
    ZT_EQ_INT(zc_config_load_opts(&c, tc_path("main.conf"), &o, err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: command line: invalid value \"x\" in \"worker_processes\" directive");
    o.params = "http { }";
    ZT_EQ_INT(zc_config_load_opts(&c, tc_path("main.conf"), &o, err, sizeof(err)), -1);
    ZT_EQ_STR(err, "zokiod: command line: block directives are not supported in -g option");
}
