#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential tests: nginx 1.22 and zokiod on the same configuration get the same bytes and
must give the same answers (issue 9, "Behaviour that differs from nginx today").

Each SETUP is one http{} configuration in nginx syntax (both servers read it; only the lines
around it differ: nginx needs its temp paths and `user`, zokiod nothing more), written with the
placeholders {P0} {P1} ... (listen ports, one set per server) and {ROOT} (the document roots,
shared: the same files, so the same ETag and Last-Modified). Both servers start on their own
loopback ports; every CASE of the setup is sent to both, byte for byte, on a fresh connection.

What is compared, for each response the case reads (`responses`, default 1):
  - the status code and the reason phrase;
  - the header lines, as a multiset (order aside, duplicates count), except the exclusions
    below;
  - the body;
  - then what happens to the connection: a probe request (GET /probe.txt) is sent on it and
    its answer compared: "closed" (EOF or RST), "no answer" (1 s), or its status and body.
    This also catches an extra response to smuggled bytes.

Exclusions and normalisations (each one is a documented difference or mere identity):
  - Date: the clock.
  - Server: compared as "NAME/VERSION" or "NAME" (both must show a version, or neither).
  - In bodies, nginx's "<hr><center>nginx/1.22.1</center>" and zokiod's
    "<hr><center>zokiod/0.1.0</center>" are the same line; Content-Length is compared less
    what those names add (a HEAD answer of a generated page counts one such line).
  - Location: both make a local redirect absolute (nginx's absolute_redirect on) with the Host
    and their own port, which differ: each server's own port in "http://HOST:PORT" is read as
    "PORT" (a Location that stays relative, or names another host or port, still differs).
  - Allow: zokiod names the allowed methods in a 405 (RFC 9110 15.5.6 MUST); nginx does not.
  - multipart/byteranges boundaries are random: replaced by "BOUNDARY".
A case with `known=Known(nginx_status, zokiod_status, why)` is a documented difference: only
the two statuses are checked, each against its own expectation.

Adding a case: append to CASES a `Case("name", request_bytes, ...)` (`get()` builds the usual
requests); `setup=` names the configuration, `port=` the listen port index within it. A new
behaviour needing a new server block goes into the setup's config text.

Output: one line per case, `ok   nginx_diff/NAME [backend]` or `FAIL nginx_diff/NAME [backend]:
what differs`, then `N passed, N failed[, N skipped]`; every case is skipped (exit 0) when
nginx is not installed or does not start. Arguments select the cases whose name contains one
of them. `--self-test` runs some cases against a zokiod whose configuration is made different
on purpose (MUTATIONS) and checks that each difference is noticed.

ZT_NGINX=/path/to/nginx picks the nginx binary (default: `nginx` in PATH, or /usr/sbin/nginx).
Python 3 standard library only; the raw client and the process helpers are in harness.py.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ for harness.py in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO, ZOKIOD, Closed, Fail, NoAnswer, short  # noqa: E402

CASE_TIMEOUT = 3.0  # one socket operation
CASE_LIMIT = 20  # one case, both servers
PROBE_WAIT = 1.0  # for the probe's answer
PAUSE = 0.05  # between the pieces of a split request
MIME = os.path.join(REPO, "conf", "mime.types")
PROBE = b"GET /probe.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
PROBE_BODY = b"probe\n"
MTIME = 1672628645  # 2023-01-02 03:04:05 UTC: every file's modification time


# --- the configurations and their files ---------------------------------------------------------

FILES = {
    "www/index.html": b"<p>index</p>\n",
    "www/a.txt": b"abcdefghij",
    "www/dir/index.html": b"<p>dir</p>\n",
    "www/dir/sub.txt": b"sub\n",
    "www/noindex/x.txt": b"x\n",
    "www/abs-target.html": b"<p>abs target</p>\n",
    "www/abs/x.txt": b"x\n",
    "www/loop/x.txt": b"x\n",
    "www/rel/other.html": b"<p>rel other</p>\n",
    "a/index.html": b"<p>a.example</p>\n",
    "a/a.txt": b"a.example a.txt\n",
}
# one directory per add_header location (see SETUPS["main"])
ADD_HEADER = {
    "h-lm": "Last-Modified 'Mon, 01 Jan 2024 00:00:00 GMT'",
    "h-etag": "ETag '\"custom\"'",
    "h-ct": "Content-Type text/x-custom",
    "h-cc": "Cache-Control no-cache",
    "h-ar": "Accept-Ranges none",
    "h-x": "X-A 1; add_header X-B 2 always",
}
for _d in ADD_HEADER:
    FILES["www/%s/f.txt" % _d] = b"0123456789"
for _d in ("www", "a"):
    FILES[_d + "/probe.txt"] = PROBE_BODY
# the contexts setup: a directory per location with a setting of its own
for _d in ("ka0", "kr0", "kr1", "ka20", "small", "typed", "ep", "tok", "outer", "outer/inner", "big"):
    FILES["ctx/%s/f.txt" % _d] = b"0123456789"
    FILES["ctx/%s/f.zzz" % _d] = b"zzz\n"
FILES["ctx/probe.txt"] = PROBE_BODY
FILES["ctx/f.txt"] = b"0123456789"
FILES["ctx/ep404.html"] = b"<p>ep 404</p>\n"
FILES["ctx/srv404.html"] = b"<p>server 404</p>\n"
FILES["tok/probe.txt"] = PROBE_BODY
FILES["tok/f.txt"] = b"tok\n"

SETUPS = {
    # the usual server: keep-alive with a Keep-Alive header, two virtual hosts, index and
    # add_header locations
    "main": """
    include {MIME};
    default_type application/octet-stream;
    keepalive_timeout 65 60;
    server {
        listen 127.0.0.1:{P0};
        server_name localhost;
        root {ROOT}/www;
        location /abs/ { index /abs-target.html; }
        location /loop/ { index /loop/; }
        location /mix/ { index /mix2/; }
        location /mix2/ { rewrite ^ /mix3/ last; }
        location /mix3/ { try_files /nope @mix; }
        location @mix { rewrite ^ /mix/ last; }
        location /tfl/ { try_files /nope /tfl/; }
        location /rel/ { index missing.html other.html; }
        location = /rel/other.html { add_header X-Exact yes; }
""" + "".join("        location /%s/ { add_header %s; }\n" % kv for kv in ADD_HEADER.items()) + """
    }
    server {
        listen 127.0.0.1:{P0};
        server_name a.example;
        root {ROOT}/a;
    }
""",
    # server_tokens off, keep-alive without a Keep-Alive header
    "tokens_off": """
    include {MIME};
    default_type application/octet-stream;
    server_tokens off;
    keepalive_timeout 30;
    server {
        listen 127.0.0.1:{P0};
        server_name localhost;
        root {ROOT}/www;
    }
""",
    # nginx's contexts (issue 9): per-location keepalive_timeout, keepalive_requests,
    # client_max_body_size, types, default_type, error_page, server_tokens; a nested location
    # inherits from its parent; server_tokens off in one server only
    "contexts": """
    include {MIME};
    default_type application/octet-stream;
    keepalive_timeout 65 60;
    client_max_body_size 20;
    large_client_header_buffers 3 1k;
    server {
        listen 127.0.0.1:{P0};
        server_name localhost;
        root {ROOT}/ctx;
        error_page 404 /srv404.html;
        location /ka0/ { keepalive_timeout 0; }
        location /kr0/ { keepalive_requests 0; }
        location /kr1/ { keepalive_requests 1; }
        location /ka20/ { keepalive_timeout 20 15; }
        location /small/ { client_max_body_size 5; }
        location /big/ { client_max_body_size 0; }
        location /typed/ { types { text/x-typed txt; } default_type application/x-typed; }
        location /ep/ { error_page 404 /ep404.html; }
        location /tok/ { server_tokens off; }
        location /outer/ {
            client_max_body_size 5;
            default_type text/x-outer;
            keepalive_timeout 30;
            location /outer/inner/ { server_tokens off; }
        }
    }
    server {
        listen 127.0.0.1:{P0};
        server_name tok.example;
        server_tokens off;
        keepalive_timeout 10 5;
        root {ROOT}/tok;
    }
""",
}
NPORTS = {"main": 1, "tokens_off": 1, "contexts": 1}

# --self-test: zokiod runs on configurations made different on purpose, one edit per line
# (setup, text, replacement, the case that must then fail, a word its message must hold); the
# run fails when a case does not notice its edit. Other cases may fail too (the Keep-Alive
# edit changes every response of its setup).
MUTATIONS = [
    ("main", "keepalive_timeout 65 60;", "keepalive_timeout 65 59;", "file", "keep-alive"),
    ("main", "add_header Cache-Control no-cache;", "add_header Cache-Control no-store;",
     "add_header_cache_control", "cache-control"),
    ("main", "index /abs-target.html;", "index /a.txt;", "index_absolute", "body"),
    ("main", "server_name a.example;", "server_name b.example;", "vhost_by_host", "body"),
    ("tokens_off", "server_tokens off;", "server_tokens on;", "tokens_off_404", "server"),
    ("tokens_off", "keepalive_timeout 30;", "keepalive_timeout 0;", "tokens_off_file",
     "connection"),
    ("contexts", "location /ka0/ { keepalive_timeout 0; }", "location /ka0/ { }",
     "ctx_keepalive_timeout_0", "connection"),
    ("contexts", "location /small/ { client_max_body_size 5; }", "location /small/ { }",
     "ctx_max_body_location_413", "status"),
    ("contexts", "location /tok/ { server_tokens off; }", "location /tok/ { }",
     "ctx_server_tokens_location", "server"),
    ("contexts", "default_type application/x-typed;", "", "ctx_default_type_location",
     "content-type"),
]


# --- the case table ------------------------------------------------------------------------------


class Known:
    """A documented difference: nginx answers `nginx`, zokiod `zokiod` (status codes)."""

    def __init__(self, nginx, zokiod, why):
        self.nginx, self.zokiod, self.why = nginx, zokiod, why


class Case:
    """`data`: the request bytes, or a list of pieces sent with a short pause between them;
    `responses`: how many responses to read before the probe; `setup`, `port`: where to send
    it; `head_tokens`: server-name lines in the generated body of a HEAD answer (for its
    Content-Length, see the top); `known`: a Known difference."""

    def __init__(self, name, data, responses=1, setup="main", port=0, known=None,
                 head_tokens=None):
        self.name = name
        self.parts = list(data) if isinstance(data, (list, tuple)) else [data]
        self.responses = responses
        self.setup, self.port = setup, port
        self.known = known
        self.head_tokens = head_tokens
        self.method = "HEAD" if b"".join(self.parts).startswith(b"HEAD ") else "GET"


def get(target, host="localhost", headers=(), method="GET", version="HTTP/1.1", eol=b"\r\n"):
    """A request head: `headers` are "Name: value" strings; host=None: no Host line."""
    lines = [("%s %s %s" % (method, target, version)).encode("latin-1")]
    if host is not None:
        lines.append(b"Host: " + host.encode("latin-1"))
    lines += [h.encode("latin-1") for h in headers]
    return eol.join(lines) + eol + eol


TOO_LARGE = "nginx: 400 Request Header Or Cookie Too Large; zokiod: 431 (RFC 6585), README"
REASON_413 = "reason phrase: nginx's is RFC 2616's Request Entity Too Large (README)"
IMS_EXACT = "nginx's default is if_modified_since exact; zokiod's is before (README)"
LM = "Mon, 01 Jan 2024 00:00:00 GMT"  # the one add_header sends
FILE_LM = "Mon, 02 Jan 2023 03:04:05 GMT"  # the files' (MTIME)
FILE_ETAG = '"63b249a5-a"'  # a 10-byte file's
IMS, INM, RANGE_1_2 = "If-Modified-Since: ", "If-None-Match: ", "Range: bytes=1-2"
CASES = [
    # basics; (4) Connection and Keep-Alive are compared on every case (the tokens_off setup has
    # keepalive_timeout without its second value); (7) error pages name the server
    Case("default_page", get("/")),
    Case("file", get("/a.txt")),
    Case("missing_404", get("/missing.html")),
    Case("dir_redirect_301", get("/dir")),
    Case("dir_redirect_301_query", get("/dir?x=1")),
    Case("dir_index", get("/dir/")),
    Case("dir_no_index_403", get("/noindex/")),
    Case("head_file", get("/a.txt", method="HEAD")),
    Case("head_missing", get("/missing.html", method="HEAD")),
    Case("range_one", get("/a.txt", headers=["Range: bytes=2-4"])),
    Case("range_suffix", get("/a.txt", headers=["Range: bytes=-3"])),
    Case("range_two", get("/a.txt", headers=["Range: bytes=0-1,5-6"]),
         known=Known(206, 206, "nginx's multipart body starts with a CRLF (README)")),
    Case("range_416", get("/a.txt", headers=["Range: bytes=50-60"]),
         known=Known(416, 416, "reason phrase: nginx's is RFC 7233's (README)")),
    Case("if_none_match_star_304", get("/a.txt", headers=["If-None-Match: *"])),
    Case("if_modified_since_future_304",
         get("/a.txt", headers=["If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"]),
         known=Known(200, 304, IMS_EXACT)),
    Case("if_modified_since_exact_304", get("/a.txt", headers=["If-Modified-Since: " + FILE_LM])),
    Case("if_modified_since_past_200",
         get("/a.txt", headers=["If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT"])),
    Case("if_match_wrong_412", get("/a.txt", headers=['If-Match: "nope"']),
         known=Known(412, 412, "nginx says keep-alive after a 412, then closes (README)")),
    Case("http10", get("/a.txt", version="HTTP/1.0", host=None)),
    Case("http10_keep_alive",
         get("/a.txt", version="HTTP/1.0", headers=["Connection: keep-alive"])),
    Case("connection_close", get("/a.txt", headers=["Connection: close"])),
    Case("vhost_by_host", get("/", host="a.example")),
    Case("vhost_unknown_host", get("/", host="other.example")),
    Case("pipelined_two", get("/a.txt") + get("/dir/sub.txt"), responses=2),
    Case("post_file_405", get("/a.txt", method="POST", headers=["Content-Length: 3"]) + b"abc"),
    Case("post_missing", get("/missing.txt", method="POST"),
         known=Known(404, 405, "nginx looks for the file before refusing a POST (README)")),
    Case("delete_file_405", get("/a.txt", method="DELETE")),
    # large_client_header_buffers 4 8k (the default): 20 KB of header lines fit
    Case("headers_20k_ok", get("/a.txt", headers=["X-B%d: %s" % (i, "v" * 1000) for i in range(20)])),
    Case("path_dotdot_400", get("/../a.txt")),
    Case("path_nul_400", get("/a.txt%00")),
    # (1) bare LF line ends in the head; a bare CR; chunk lines and trailers
    Case("bare_lf_head", get("/a.txt", eol=b"\n")),
    Case("bare_lf_http10", get("/a.txt", version="HTTP/1.0", eol=b"\n")),
    Case("bare_lf_request_line_only", b"GET /a.txt HTTP/1.1\nHost: localhost\r\n\r\n"),
    Case("bare_lf_final_line", b"GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\n"),
    Case("bare_lf_empty_line_first", b"\n" + get("/a.txt", eol=b"\n")),
    Case("bare_lf_split", [b"GET /a.txt HTTP/1.1", b"\nHost: localhost\r", b"\n", b"\n"]),
    Case("bare_lf_pipelined", get("/a.txt", eol=b"\n") + get("/dir/", eol=b"\n"), responses=2),
    Case("bare_lf_body_of_lfs", get("/a.txt", headers=["Content-Length: 3"], eol=b"\n")
         + b"\n\n\n"),
    Case("bare_lf_obs_fold", get("/a.txt", headers=["X-A: a", " b"], eol=b"\n")),
    Case("bare_cr_after_request_line", b"GET /a.txt HTTP/1.1\rHost: localhost\r\n\r\n"),
    Case("bare_lf_after_last_chunk", get("/a.txt", headers=["Transfer-Encoding: chunked"])
         + b"3\r\nabc\r\n0\r\n\n"),
    Case("bare_lf_after_chunk_size", get("/a.txt", headers=["Transfer-Encoding: chunked"])
         + b"3\nabc\r\n0\r\n\r\n",
         known=Known(200, 400, "chunk lines end in CRLF (RFC 9112 7.1), README")),
    Case("bare_lf_in_trailer", get("/a.txt", headers=["Transfer-Encoding: chunked"])
         + b"3\r\nabc\r\n0\r\nX-T: 1\n\r\n",
         known=Known(200, 400, "trailer lines end in CRLF (RFC 9112 7.1), README")),
    # (2) the request's host: absolute-form first, Host checked
    Case("host_absolute_form_wins", get("http://a.example/", host="localhost")),
    Case("host_absolute_form_case_dot_port", get("HTTP://A.Example.:8080/a.txt")),
    Case("host_absolute_form_no_path", get("http://a.example")),
    Case("host_absolute_form_query_no_path", get("http://a.example?x=1")),
    Case("host_absolute_form_other_scheme", get("foo://a.example/")),
    Case("host_absolute_form_http10_no_host", get("http://a.example/", host=None,
                                                  version="HTTP/1.0")),
    Case("host_trailing_dot", get("/", host="a.example.")),
    Case("host_trailing_spaces", get("/", host="a.example  ")),
    Case("host_trailing_tab", get("/", host="a.example\t"),
         known=Known(400, 200, "RFC 9110 5.5: a trailing HTAB is not part of the value")),
    Case("host_ipv6_port", get("/a.txt", host="[::1]:80")),
    Case("host_empty_port", get("/a.txt", host="localhost:")),
    Case("host_empty", get("/a.txt", host="")),
    Case("host_empty_http10", get("/a.txt", host="", version="HTTP/1.0")),
    Case("host_port_only", get("/a.txt", host=":80")),
    Case("host_dot_only", get("/a.txt", host=".")),
    Case("host_two_trailing_dots", get("/a.txt", host="a.example..")),
    Case("host_dotdot", get("/a.txt", host="a..example")),
    Case("host_slash", get("/a.txt", host="a/b")),
    Case("host_port_not_digits", get("/a.txt", host="localhost:abc"),
         known=Known(200, 400, "not host[:port], RFC 9112 3.2 MUST 400 (README)")),
    Case("host_ipv6_unclosed", get("/a.txt", host="[::1"),
         known=Known(200, 400, "not host[:port], RFC 9112 3.2 MUST 400 (README)")),
    Case("host_userinfo", get("/a.txt", host="user@localhost"),
         known=Known(200, 400, "not host[:port], RFC 9112 3.2 MUST 400 (README)")),
    Case("abs_port_not_digits", get("http://a.example:abc/")),
    Case("abs_dotdot_host", get("http://a..example/")),
    Case("abs_empty_host", get("http:///a.txt")),
    Case("abs_userinfo", get("http://user@a.example/")),
    Case("abs_ipv6_unclosed", get("http://[::1/a.txt")),
    Case("abs_ipv6", get("http://[::1]:80/a.txt")),
    Case("abs_bad_host_header", get("http://a.example/", host="a b")),
    Case("abs_empty_host_header", get("http://a.example/", host="")),
    Case("abs_underscore_host", get("http://a_b/a.txt"),
         known=Known(400, 200, "RFC 3986 reg-name allows \"_\" (README)")),
    Case("abs_scheme_with_digit", get("f1://a.example/"),
         known=Known(200, 400, "llhttp takes a scheme of letters only (README)")),
    Case("target_asterisk_options", get("*", method="OPTIONS")),
    Case("target_authority_form_get", get("localhost:80")),
    # (3) TRACE, CONNECT
    Case("trace", get("/a.txt", method="TRACE")),
    Case("trace_http10", get("/a.txt", method="TRACE", version="HTTP/1.0", host=None)),
    Case("connect_origin_form", get("/a.txt", method="CONNECT")),
    Case("connect_absolute_form", get("http://localhost/a.txt", method="CONNECT")),
    Case("connect_authority_form", get("localhost:443", method="CONNECT")),
    Case("connect_authority_ipv6", get("[::1]:443", method="CONNECT")),
    # (6) index: internal redirects, and their loop
    Case("index_absolute", get("/abs/")),
    Case("index_absolute_query", get("/abs/?x=1")),
    Case("index_absolute_head", get("/abs/", method="HEAD")),
    Case("index_loop_500", get("/loop/")),
    # one count of URI changes for index, rewrite last, try_files and named locations
    Case("uri_changes_mixed_loop_500", get("/mix/")),
    Case("uri_changes_try_files_loop_500", get("/tfl/")),
    Case("index_relative_other_location", get("/rel/")),
    # (5) add_header of standard fields; conditionals and If-Range against them
    Case("add_header_last_modified", get("/h-lm/f.txt")),
    Case("add_header_last_modified_head", get("/h-lm/f.txt", method="HEAD")),
    Case("add_header_last_modified_ims_file", get("/h-lm/f.txt", headers=[IMS + FILE_LM])),
    Case("add_header_last_modified_ims_added", get("/h-lm/f.txt", headers=[IMS + LM]),
         known=Known(200, 304, IMS_EXACT)),
    Case("add_header_last_modified_if_range_added",
         get("/h-lm/f.txt", headers=[RANGE_1_2, "If-Range: " + LM])),
    Case("add_header_last_modified_if_range_file",
         get("/h-lm/f.txt", headers=[RANGE_1_2, "If-Range: " + FILE_LM])),
    Case("add_header_etag", get("/h-etag/f.txt")),
    Case("add_header_etag_inm_file", get("/h-etag/f.txt", headers=[INM + FILE_ETAG])),
    Case("add_header_etag_inm_added", get("/h-etag/f.txt", headers=[INM + '"custom"'])),
    Case("add_header_etag_if_range_added",
         get("/h-etag/f.txt", headers=[RANGE_1_2, 'If-Range: "custom"'])),
    Case("add_header_etag_if_range_file",
         get("/h-etag/f.txt", headers=[RANGE_1_2, "If-Range: " + FILE_ETAG])),
    Case("add_header_etag_range", get("/h-etag/f.txt", headers=[RANGE_1_2])),
    Case("add_header_content_type", get("/h-ct/f.txt")),
    Case("add_header_cache_control", get("/h-cc/f.txt")),
    Case("add_header_accept_ranges", get("/h-ar/f.txt")),
    Case("add_header_accept_ranges_range", get("/h-ar/f.txt", headers=[RANGE_1_2])),
    Case("add_header_custom", get("/h-x/f.txt")),
    Case("add_header_custom_404", get("/h-x/missing")),
    Case("add_header_custom_304", get("/h-x/f.txt", headers=[INM + FILE_ETAG])),
    # server_tokens off, keepalive_timeout without its second value
    Case("tokens_off_file", get("/a.txt"), setup="tokens_off"),
    Case("tokens_off_404", get("/missing.html"), setup="tokens_off"),
    Case("tokens_off_head_404", get("/missing.html", method="HEAD"), setup="tokens_off"),
    # nginx's contexts: the answering location's settings; the probe on the same connection
    # shows whether it stayed open
    Case("ctx_server_level", get("/f.txt"), setup="contexts"),
    Case("ctx_keepalive_timeout_0", get("/ka0/f.txt"), setup="contexts"),
    Case("ctx_keepalive_timeout_0_404", get("/ka0/missing"), setup="contexts"),
    Case("ctx_keepalive_requests_0", get("/kr0/f.txt"), setup="contexts"),
    Case("ctx_keepalive_requests_1", get("/kr1/f.txt"), setup="contexts"),
    Case("ctx_keepalive_header_location", get("/ka20/f.txt"), setup="contexts"),
    Case("ctx_max_body_location_ok", get("/small/f.txt", headers=["Content-Length: 5"])
         + b"abcde", setup="contexts"),
    Case("ctx_max_body_location_413", get("/small/f.txt", headers=["Content-Length: 6"])
         + b"abcdef", setup="contexts",
         known=Known(413, 413, REASON_413)),
    # nginx checks a location's limit against the Content-Length only (a chunked body of a
    # static request is read under the http-level limit)
    Case("ctx_max_body_location_413_chunked",
         get("/small/f.txt", headers=["Transfer-Encoding: chunked"]) + b"6\r\nabcdef\r\n0\r\n\r\n",
         setup="contexts"),
    Case("ctx_max_body_server_ok", get("/f.txt", headers=["Content-Length: 6"]) + b"abcdef",
         setup="contexts"),
    Case("ctx_max_body_unlimited_location", get("/big/f.txt", headers=["Content-Length: 30"])
         + b"x" * 30, setup="contexts"),
    Case("ctx_max_body_http_413", get("/f.txt", headers=["Content-Length: 30"]) + b"x" * 30,
         setup="contexts",
         known=Known(413, 413, REASON_413)),
    Case("ctx_types_location", get("/typed/f.txt"), setup="contexts"),
    Case("ctx_default_type_location", get("/typed/f.zzz"), setup="contexts"),
    Case("ctx_default_type_http", get("/f.zzz"), setup="contexts"),
    Case("ctx_error_page_location", get("/ep/missing"), setup="contexts"),
    Case("ctx_error_page_server", get("/missing"), setup="contexts"),
    Case("ctx_server_tokens_location", get("/tok/missing.txt"), setup="contexts"),
    Case("ctx_server_tokens_location_file", get("/tok/f.txt"), setup="contexts"),
    Case("ctx_nested_inherits", get("/outer/inner/f.zzz"), setup="contexts"),
    Case("ctx_nested_inherits_413", get("/outer/inner/f.txt", headers=["Content-Length: 6"])
         + b"abcdef", setup="contexts",
         known=Known(413, 413, REASON_413)),
    Case("ctx_nested_server_tokens_404", get("/outer/inner/missing"), setup="contexts"),
    Case("ctx_server_tokens_server", get("/missing", host="tok.example"), setup="contexts"),
    Case("ctx_keepalive_server", get("/f.txt", host="tok.example"), setup="contexts"),
    # large_client_header_buffers 3 1k: a line fits in 1k, the head in about 3k
    Case("ctx_header_buffers_lines_ok",
         get("/f.txt", headers=["X-A%d: %s" % (i, "v" * 600) for i in range(4)]), setup="contexts"),
    Case("ctx_header_buffers_too_many_lines",
         get("/f.txt", headers=["X-A%d: %s" % (i, "v" * 600) for i in range(6)]), setup="contexts",
         known=Known(400, 431, TOO_LARGE)),
    Case("ctx_header_buffers_long_line",
         get("/f.txt", headers=["X-A: " + "v" * 1100]), setup="contexts",
         known=Known(400, 431, TOO_LARGE)),
    Case("ctx_header_buffers_long_request_line", get("/f.txt?" + "q" * 1100), setup="contexts",
         known=Known(414, 414, "reason phrase: nginx's is RFC 2616's Request-URI Too Large "
                     "(README)")),
    # a request refused before it is routed answers under the default server, not under the
    # location of the request before it on the connection
    Case("ctx_bad_request_after_location", get("/tok/f.txt") + b"GET /x HTTP/1.1\r\n: x\r\n\r\n",
         responses=2, setup="contexts"),
    Case("ctx_bad_request_after_ka0", get("/f.txt") + b"GET /x HTTP/1.1\r\n: x\r\n\r\n",
         responses=2, setup="contexts"),
    Case("ctx_pipelined_ka0_second", get("/f.txt") + get("/ka0/f.txt"), responses=2,
         setup="contexts"),
]


# --- the servers ---------------------------------------------------------------------------------


class Server(harness.Process):
    """nginx or zokiod on one setup's configuration, in its own directory under `tmp`."""

    def __init__(self, kind, setup, tmp, http_text, root):
        self.kind = kind
        self.dir = os.path.join(tmp, kind)
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        self.ports = harness.free_ports(NPORTS[setup])
        self.errpath = os.path.join(self.dir, "stderr.txt")
        self.proc = None
        text = http_text.replace("{ROOT}", root).replace("{MIME}", MIME)
        for i, p in enumerate(self.ports):
            text = text.replace("{P%d}" % i, str(p))
        d = self.dir
        if kind == "nginx":
            main = ("daemon off;\nmaster_process on;\nworker_processes 1;\n%s"
                    "pid %s/nginx.pid;\nerror_log %s/logs/error.log info;\n"
                    % ("user root;\n" if os.geteuid() == 0 else "", d, d))
            temps = "".join("    %s_temp_path %s/%s;\n" % (t, d, t)
                            for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        else:
            main = ("worker_processes 1;\npid %s/zokiod.pid;\nerror_log %s/logs/error.log info;\n"
                    % (d, d))
            temps = ""
        self.conf = os.path.join(d, "server.conf")
        with open(self.conf, "w") as f:
            f.write(main + "events { worker_connections 256; }\nhttp {\n    access_log off;\n"
                    + temps + text + "}\n")

    def start(self, binary):
        if self.kind == "nginx":
            argv = [binary, "-p", self.dir + "/", "-e", os.path.join(self.dir, "logs/error.log"),
                    "-c", self.conf]
        else:
            argv = [binary, "-p", self.dir, "-c", self.conf]
        self.spawn(argv, self.dir, harness.server_env())
        self.wait_accepting(self.ports, 0.02, self.kind,
                            self.kind + " not accepting on port %d %.0f s after start; stderr: %s")

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except OSError:
            pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            pass
        try:  # workers left behind, whatever happened
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            pass


def write_files(root):
    for rel, data in FILES.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (MTIME, MTIME))


# --- one exchange, and what is compared ----------------------------------------------------------


class Outcome:
    """What one server did with a case: its responses (or why there were fewer), and the
    probe's result afterwards."""

    def __init__(self):
        self.responses = []
        self.end = None  # "closed", "no answer" or None (all responses read)
        self.after = None  # the probe: "closed", "no answer", or "STATUS BODY"


def run_case(case, port):
    out = Outcome()
    try:
        c = harness.Conn(port, CASE_TIMEOUT)
    except OSError as e:
        raise Fail("cannot connect to port %d: %s" % (port, e))
    with c:
        try:
            for i, piece in enumerate(case.parts):
                if i:
                    time.sleep(PAUSE)
                c.send(piece)
            for _ in range(case.responses):
                out.responses.append(c.response(case.method))
        except Closed:
            out.end = "closed"
        except NoAnswer:
            out.end = "no answer"
        if out.end:
            return out
        c.timeout = PROBE_WAIT
        try:
            c.send(PROBE)
            r = c.response("GET")
            out.after = "%d %s" % (r.status, short(r.body, 40))
        except Closed:
            out.after = "closed"
        except NoAnswer:
            out.after = "no answer"
    return out


CENTER_RE = re.compile(rb"<hr><center>([a-z]+)(/[0-9][0-9.]*)?</center>")
BOUNDARY_RE = re.compile(r"boundary=([0-9A-Za-z'()+_,./:=?-]+)")


def server_norm(v):
    """'nginx/1.22.1' -> 'NAME/VERSION', 'zokiod' -> 'NAME'."""
    if v is None:
        return None
    return "NAME/VERSION" if re.fullmatch(r"[A-Za-z]+/[0-9][0-9.]*", v) else (
        "NAME" if re.fullmatch(r"[A-Za-z]+", v) else v)


def normalize(r, method, port, head_tokens=None):
    """(status line, sorted header lines, body) of a response, with the normalisations
    described at the top of this file."""
    body = r.body
    names = CENTER_RE.findall(body)
    body = CENTER_RE.sub(lambda m: b"<hr><center>NAME" + (b"/VERSION" if m.group(2) else b"")
                         + b"</center>", body)
    ct = (r.all("content-type") or [""])[0]
    m = BOUNDARY_RE.search(ct)
    if m:
        body = body.replace(m.group(1).encode(), b"BOUNDARY")
    server = r.get("server")
    if method == "HEAD":  # no body: as many names as the generated page would hold
        if head_tokens is None:
            head_tokens = 1 if (r.status >= 300 and r.status != 304 and ct == "text/html") else 0
        names_len = head_tokens * len(server or "")
    else:
        names_len = sum(len(n) + len(v) for n, v in names)
    heads = []
    for n, v in r.headers:
        if n == "date":
            continue
        if n == "server":
            v = server_norm(v)
        elif n == "allow" and r.status == 405:
            continue
        elif n == "location":
            v = re.sub(r"^(http://[^/]*):%d(?=/)" % port, r"\1:PORT", v)
        elif n == "content-type" and m:
            v = v.replace(m.group(1), "BOUNDARY")
        elif n == "content-length" and names_len and v.isdigit():
            v = "%d+names" % (int(v) - names_len)
        heads.append("%s: %s" % (n, v))
    return "%d %s" % (r.status, r.reason), sorted(heads), body


def compare(case, ngx, zk, nport, zport):
    """The differences between the two outcomes, as a list of strings (empty: the same)."""
    if case.known:
        k = case.known
        got_n = ngx.responses[0].status if ngx.responses else ngx.end
        got_z = zk.responses[0].status if zk.responses else zk.end
        d = []
        if got_n != k.nginx:
            d.append("nginx answered %s, the known difference says %s" % (got_n, k.nginx))
        if got_z != k.zokiod:
            d.append("zokiod answered %s, expected %s (%s)" % (got_z, k.zokiod, k.why))
        return d
    d = []
    for i in range(max(len(ngx.responses), len(zk.responses))):
        what = "response %d: " % (i + 1) if case.responses > 1 else ""
        if i >= len(ngx.responses) or i >= len(zk.responses):
            d.append("%snginx %s, zokiod %s" % (
                what, ngx.responses[i] if i < len(ngx.responses) else ngx.end,
                zk.responses[i] if i < len(zk.responses) else zk.end))
            break
        sn, hn, bn = normalize(ngx.responses[i], case.method, nport, case.head_tokens)
        sz, hz, bz = normalize(zk.responses[i], case.method, zport, case.head_tokens)
        if sn != sz:
            d.append("%sstatus: nginx %r, zokiod %r" % (what, sn, sz))
        only_n = [h for h in hn if h not in hz or hn.count(h) > hz.count(h)]
        only_z = [h for h in hz if h not in hn or hz.count(h) > hn.count(h)]
        if only_n or only_z:
            d.append("%sheaders only nginx sent %s, only zokiod %s" % (what, only_n, only_z))
        if bn != bz:
            d.append("%sbody: nginx %s, zokiod %s" % (what, short(bn, 80), short(bz, 80)))
    if not d and ngx.end != zk.end:
        d.append("connection: nginx %s, zokiod %s" % (ngx.end, zk.end))
    if not d and ngx.after != zk.after:
        d.append("after the response, a probe request: nginx %s, zokiod %s"
                 % (ngx.after, zk.after))
    return d


# --- running -------------------------------------------------------------------------------------


def check_compare():
    """The comparison itself, on made-up responses (runs without nginx): what must count as
    the same, and what must not."""
    def resp(status=200, reason="OK", headers=(), body=b""):
        r = harness.Response("1.1", status, reason, [(n.lower(), v) for n, v in headers])
        r.body = body
        return r

    def outcome(r, after="200 b'probe'"):
        o = Outcome()
        o.responses, o.after = [r], after
        return o

    page = b"<html>\r\n<hr><center>%s</center>\r\n</html>\r\n"
    base = [("Content-Type", "text/html"), ("Connection", "keep-alive")]
    n = resp(404, "Not Found", base + [("Server", "nginx/1.22.1"), ("Date", "a"),
                                       ("Content-Length", "40")], page % b"nginx/1.22.1")
    same = resp(404, "Not Found", base + [("Server", "zokiod/0.1.0"), ("Date", "b"),
                                          ("Content-Length", "40")], page % b"zokiod/0.1.0")
    c = Case("selfcheck", b"GET / HTTP/1.1\r\n\r\n")
    d = compare(c, outcome(n), outcome(same), 1, 2)
    if d:
        raise Fail("the same answers compared as different: %s" % d)
    loc_n = resp(301, "Moved Permanently", [("Location", "http://localhost:1/dir/")])
    loc_z = resp(301, "Moved Permanently", [("Location", "http://localhost:2/dir/")])
    if compare(c, outcome(loc_n), outcome(loc_z), 1, 2):
        raise Fail("absolute Locations for each server's own port compared as different")
    rel = resp(301, "Moved Permanently", [("Location", "/dir/")])
    if not compare(c, outcome(loc_n), outcome(rel), 1, 2):
        raise Fail("a relative Location against nginx's absolute one went unnoticed")
    for what, z, after in (
            ("status", resp(404, "Nope", same.headers, same.body), None),
            ("headers", resp(404, "Not Found", same.headers + [("x-a", "1")], same.body), None),
            ("body", resp(404, "Not Found", same.headers, page % b"zokiod"), None),
            ("headers", resp(404, "Not Found", [h for h in same.headers if h[0] != "connection"]
                             + [("connection", "close")], same.body), None),
            ("probe", same, "closed")):
        d = compare(c, outcome(n), outcome(z, after or "200 b'probe'"), 1, 2)
        if not d or what not in "; ".join(d):
            raise Fail("a different %s went unnoticed: %s" % (what, d))
    other = resp(301, "Moved Permanently", [("Location", "http://other:1/dir/")])
    if not compare(c, outcome(loc_n), outcome(other), 1, 2):
        raise Fail("a Location to another host went unnoticed")


def find_nginx():
    """The nginx binary, or None when there is none to run."""
    b = os.environ.get("ZT_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    return b if os.path.isfile(b) and os.access(b, os.X_OK) else None


def start_pair(setup, tmp, root, nginx, zokiod_text):
    """(nginx server, zokiod server) on `setup`; raises harness.Skip when nginx does not start,
    Fail when zokiod does not."""
    n = Server("nginx", setup, tmp, SETUPS[setup], root)
    z = Server("zokiod", setup, tmp, zokiod_text, root)
    try:
        n.start(nginx)
    except (Fail, OSError) as e:
        n.stop()
        raise harness.Skip("nginx does not start (%s)" % e)
    try:
        z.start(ZOKIOD)
    except Fail:
        n.stop()
        z.stop()
        raise
    return n, z


def run_table(cases, tmp, nginx, out, mutations=()):
    """Runs `cases` setup by setup, reporting each to `out`; zokiod's configuration gets the
    (setup, text, replacement, ...) edits in `mutations`. Returns {case name: "" or why it
    failed} for the cases that ran."""
    results = {}
    for setup in SETUPS:
        mine = [c for c in cases if c.setup == setup]
        if not mine:
            continue
        ztext = SETUPS[setup]
        for m in mutations:
            if m[0] == setup:
                if m[1] not in ztext:
                    raise Fail("self-test: no %r in setup %s" % (m[1], setup))
                ztext = ztext.replace(m[1], m[2])
        sdir = tempfile.mkdtemp(prefix=setup + "-", dir=tmp)
        try:
            n, z = start_pair(setup, sdir, os.path.join(tmp, "root"), nginx, ztext)
        except harness.Skip as e:
            for c in mine:
                out.result("skip", c.name, str(e))
            continue
        except Fail as e:
            for c in mine:
                out.result("FAIL", c.name, str(e))
            continue
        try:
            for c in mine:
                def one(c=c):
                    ngx = run_case(c, n.ports[c.port])
                    zk = run_case(c, z.ports[c.port])
                    diffs = compare(c, ngx, zk, n.ports[c.port], z.ports[c.port])
                    if diffs:
                        raise Fail("; ".join(diffs))

                kind, why = harness.run_test(one, CASE_LIMIT)
                results[c.name] = why if kind == "FAIL" else ""
                out.result(kind, c.name, why)
        finally:
            n.stop()
            z.stop()
    return results


# --- Debian's stock configuration, served (issue 9) ----------------------------------------------
# /etc/nginx/nginx.conf and sites-available/default, copied at test time, given to nginx and to
# zokiod. Changed: the listen ports (loopback), the root (a copy of Debian's default page and a
# few files of ours), and what would touch the system or clash with a parallel run: pid,
# error_log and access_log go to the test directory, the sites-enabled include reads the copied
# default site; `user www-data` becomes `user root` where workers could not reach the files
# (harness.ROOT_UNSEARCHABLE). Everything else is Debian's text as installed.

DEBIAN_ETC = "/etc/nginx"
DEBIAN_PAGE = "/var/www/html/index.nginx-debian.html"
DEBIAN_FILES = {
    "a.txt": b"abcdefghij",
    "dir/sub.txt": b"sub\n",
    "dir/index.html": b"<p>dir</p>\n",
    "noindex/x.txt": b"x\n",
    "f.zzz": b"zzz\n",
    "probe.txt": PROBE_BODY,
}
DEBIAN_CASES = [
    Case("debian_default_page", get("/")),
    Case("debian_default_page_by_name", get("/index.nginx-debian.html")),
    Case("debian_missing_404", get("/missing.html")),
    Case("debian_dir_redirect_301", get("/dir")),
    Case("debian_dir_index", get("/dir/")),
    Case("debian_dir_no_index_403", get("/noindex/")),
    Case("debian_head_default_page", get("/", method="HEAD")),
    Case("debian_head_missing", get("/missing.html", method="HEAD")),
    Case("debian_range_default_page", get("/", headers=["Range: bytes=10-19"])),
    Case("debian_range_file", get("/a.txt", headers=["Range: bytes=-3"])),
    Case("debian_default_type", get("/f.zzz")),
    Case("debian_text_file", get("/a.txt")),
    Case("debian_other_host", get("/", host="other.example")),
]


def debian_texts():
    """(nginx.conf text, default site text), or None when Debian's files are not here."""
    try:
        with open(os.path.join(DEBIAN_ETC, "nginx.conf")) as f:
            main = f.read()
        with open(os.path.join(DEBIAN_ETC, "sites-available", "default")) as f:
            site = f.read()
    except OSError:
        return None
    return main, site if os.path.isfile(DEBIAN_PAGE) else None


def ipv6_loopback():
    import socket
    try:
        with socket.socket(socket.AF_INET6) as so:
            so.bind(("::1", 0))
        return True
    except OSError:
        return False


class DebianServer(Server):
    """nginx or zokiod on Debian's files (see above) in its own directory."""

    def __init__(self, kind, tmp, main, site, root):
        self.kind = kind
        self.dir = d = os.path.join(tmp, kind)
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        os.makedirs(os.path.join(d, "sites-enabled"), exist_ok=True)
        v6 = ipv6_loopback()
        self.ports = harness.free_ports(2 if v6 else 1)
        self.errpath = os.path.join(d, "stderr.txt")
        self.proc = None
        main = re.sub(r"(?m)^(\s*pid\s+)[^;]+;", r"\g<1>%s/nginx.pid;" % d, main)
        main = main.replace("/var/log/nginx/", d + "/logs/")
        main = main.replace(DEBIAN_ETC + "/sites-enabled/", d + "/sites-enabled/")
        if harness.ROOT_UNSEARCHABLE:
            main = re.sub(r"(?m)^(\s*user\s+)www-data;", r"\1root;", main)
        site = re.sub(r"(?m)^(\s*listen\s+)80(\s)", r"\g<1>127.0.0.1:%d\2" % self.ports[0], site)
        if v6:
            site = re.sub(r"(?m)^(\s*listen\s+)\[::\]:80(\s)",
                          r"\1[::1]:%d\2" % self.ports[1], site)
        else:  # no IPv6 here: that listen line cannot work for either server
            site = re.sub(r"(?m)^\s*listen\s+\[::\]:80\s[^;]*;", "", site)
        site = re.sub(r"(?m)^(\s*root\s+)/var/www/html;", r"\g<1>%s;" % root, site)
        self.conf = os.path.join(d, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(main)
        with open(os.path.join(d, "sites-enabled", "default"), "w") as f:
            f.write(site)
        self.texts = (main, site)

    def start(self, binary):
        if self.kind == "nginx":  # the stock file has no `daemon`: the harness needs it off;
            # Debian's own prefix (load_module's relative path is under it)
            argv = [binary, "-e", os.path.join(self.dir, "logs/error.log"), "-g", "daemon off;",
                    "-c", self.conf]
        else:
            argv = [binary, "-p", self.dir, "-c", self.conf]
        self.spawn(argv, self.dir, harness.server_env())
        self.wait_accepting(self.ports[:1], 0.02, self.kind,
                            self.kind + " not accepting on port %d %.0f s after start; stderr: %s")


def run_debian(cases, tmp, nginx, out):
    """The DEBIAN_CASES against nginx and zokiod both on Debian's stock configuration."""
    texts = debian_texts()
    if texts is None or texts[1] is None:
        for c in cases:
            out.result("skip", c.name, "no Debian nginx files (%s/nginx.conf, "
                       "sites-available/default, %s)" % (DEBIAN_ETC, DEBIAN_PAGE))
        return
    try:
        import pwd
        pwd.getpwnam("www-data")
    except KeyError:
        for c in cases:
            out.result("skip", c.name, "no user www-data here")
        return
    root = os.path.join(tmp, "debian-www")
    for rel, data in DEBIAN_FILES.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    shutil.copy(DEBIAN_PAGE, root)
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            os.utime(os.path.join(dirpath, n), (MTIME, MTIME))
    sdir = tempfile.mkdtemp(prefix="debian-", dir=tmp)
    os.chmod(sdir, 0o755)
    n = DebianServer("nginx", sdir, texts[0], texts[1], root)
    z = DebianServer("zokiod", sdir, texts[0], texts[1], root)
    try:
        try:
            n.start(nginx)
        except (Fail, OSError) as e:
            for c in cases:
                out.result("skip", c.name, "nginx does not start on Debian's files (%s)" % e)
            return
        try:
            z.start(ZOKIOD)
        except Fail as e:
            for c in cases:
                out.result("FAIL", c.name, "zokiod does not start on Debian's files: %s" % e)
            return
        for c in cases:
            def one(c=c):
                ngx = run_case(c, n.ports[0])
                zk = run_case(c, z.ports[0])
                diffs = compare(c, ngx, zk, n.ports[0], z.ports[0])
                if diffs:
                    raise Fail("; ".join(diffs))

            kind, why = harness.run_test(one, CASE_LIMIT)
            out.result(kind, c.name, why)
    finally:
        n.stop()
        z.stop()


class Quiet:
    """A report that prints nothing (the self-test judges the results itself)."""

    def result(self, kind, name, why=None):
        pass


def self_test(tmp, nginx, out):
    """Runs the table against zokiod on the MUTATIONS; each must make its case fail, with its
    word in the message."""
    targets = {m[3] for m in MUTATIONS}
    cases = [c for c in CASES if c.name in targets]
    res = run_table(cases, tmp, nginx, Quiet(), MUTATIONS)
    for setup, old, new, name, word in MUTATIONS:
        what = "self_test/%s" % name
        if name not in res:
            out.result("skip", what, "not run (nginx did not start)")
        elif word not in res[name].lower():
            out.result("FAIL", what, "zokiod with %r instead of %r went unnoticed (%s)"
                       % (new, old, res[name] or "no difference"))
        else:
            out.result("ok  ", what, "noticed %r instead of %r: %s" % (new, old, res[name]))


def main():
    args = sys.argv[1:]
    selftest = "--self-test" in args
    sel = [a for a in args if a != "--self-test"]
    cases = [c for c in CASES if not sel or any(s in c.name for s in sel)]
    debian = [c for c in DEBIAN_CASES if not sel or any(s in c.name for s in sel)]
    harness.setup_process()
    out = harness.Report("nginx_diff")
    if not selftest and (not sel or any(s in "compare_selfcheck" for s in sel)):
        kind, why = harness.run_test(check_compare, CASE_LIMIT)
        out.result(kind, "compare_selfcheck", why)
    nginx = find_nginx()
    if not nginx:
        for c in cases + debian:
            out.result("skip", c.name,
                       "nginx is not installed (tools/deps.sh installs nginx-light)")
        return out.finish(True)
    if not os.access(ZOKIOD, os.X_OK):
        print("FAIL nginx_diff: no executable %s (build it first)" % ZOKIOD)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="zokiod-nginx-diff-")
    os.chmod(tmp, 0o755)
    try:
        write_files(os.path.join(tmp, "root"))
        if selftest:
            self_test(tmp, nginx, out)
        else:
            run_table(cases, tmp, nginx, out)
            if debian:
                run_debian(debian, tmp, nginx, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out.finish(out.skipped > 0)


if __name__ == "__main__":
    sys.exit(main())
