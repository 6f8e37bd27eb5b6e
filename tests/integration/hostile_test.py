#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The hostile-request table (issue "Hardening": what stays in the repository as proof).

Every case is a name, the exact request bytes (a list of pieces is sent with a short pause in
between, so the server sees split reads) and the exact expected status: one value, or a set only
where RFC 9110/9112 truly allow either (the case's comment says why). For every case:

  1. exactly one response: after it the server closes, or a probe request sent on the same
     connection gets its own answer (200 and the probe file) -- never an extra response to
     smuggled bytes. Cases marked must-close (framing that cannot be trusted: RFC 9112 6.3,
     7.1) need "Connection: close" and the close itself;
  2. a response that says "Connection: close" is followed by the close;
  3. no response body ever holds a byte of the secret file placed outside the root;
  4. the server is still serving: a fresh plain GET gets 200.

One registered test per category loops over its cases and reports every failing case; an ok
line says how many cases it ran. Starts one `$ZOKIOD_BUILD/zokiod -r ROOT -l 127.0.0.1:PORT`
(backend from $ZOKIOD_BACKEND) on a temporary root. Arguments, when given, select the
categories or cases whose name contains one of them. Expectations come from RFC 9110/9112 and
nginx 1.22 (compared byte for byte on the same root; differences are noted at the case).
Python 3 standard library only; the runner and the raw client are shared, in harness.py.
"""

import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ for harness.py in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import BACKEND, REPO, ZOKIOD, Closed, Fail, NoAnswer, short  # noqa: E402

CASE_TIMEOUT = 3.0  # one socket operation within a case
PAUSE = 0.05  # between the pieces of a split request
CLOSE_WAIT = 2.0  # for the close after a response that says Connection: close
FALLBACK_RE = re.compile(r"io_uring unavailable|using epoll|fall(s|ing)? ?back to epoll", re.I)

H = b"Host: localhost\r\n"
SMUG = b"GET /SMUGGLED HTTP/1.1\r\nHost: localhost\r\n\r\n"  # never to be answered
PROBE = b"GET /probe.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"
PROBE_BODY = b"PROBE-OK probe.txt\n"
SECRET = b"OUTSIDE-SECRET"
SECRET_FILE = SECRET + b" (a file outside the root)\n"
C_TXT = b"this is a/c.txt\n"
RANGE_TXT = bytes(b"abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36] for i in range(1000))


# --- the document root ----------------------------------------------------------------------------


def build_root(tmp):
    """TMP/www (the root) and TMP/outside/secret.txt, with symlinks from the root to it."""
    root = os.path.join(tmp, "www")
    outside = os.path.join(tmp, "outside")
    files = {
        "index.html": b"<!DOCTYPE html><title>hostile</title><p>index</p>\n",
        "a/c.txt": C_TXT,
        "probe.txt": PROBE_BODY,
        "range.txt": RANGE_TXT,
        "empty.txt": b"",
        "sub/index.html": b"<!DOCTYPE html><title>sub</title>\n",
    }
    for rel, data in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    os.makedirs(outside)
    with open(os.path.join(outside, "secret.txt"), "wb") as f:
        f.write(SECRET_FILE)
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(root, "link_out"))
    os.symlink("../outside/secret.txt", os.path.join(root, "link_rel"))
    os.symlink(outside, os.path.join(root, "link_dir"))
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(root, "a", "inner_link.txt"))
    return root


# --- the case table -------------------------------------------------------------------------------


class Case:
    """`data`: the request bytes, or a list of pieces; `want`: a status or a tuple of statuses;
    `close`: the server must say Connection: close and close; `body`: the expected body of a 2xx
    (by default the file's content when the target is /a/c.txt)."""

    def __init__(self, name, data, want, close=False, body=None):
        self.name = name
        self.parts = list(data) if isinstance(data, (list, tuple)) else [data]
        self.want = want
        self.close = close
        first = b"".join(self.parts).lstrip(b"\r\n").split(b"\r\n", 1)[0]
        if body is None and b" /a/c.txt " in first + b" ":
            body = C_TXT
        self.body = body


CATEGORIES = []  # [(name, [Case])]


def category(name):
    cases = []
    CATEGORIES.append((name, cases))

    def add(*a, **kw):
        cases.append(Case(*a, **kw))

    return add


def get(headers=b"", target=b"/a/c.txt", version=b"HTTP/1.1", method=b"GET", host=H):
    """The head of a request: `headers` is raw bytes, each line ending in CRLF."""
    return method + b" " + target + b" " + version + b"\r\n" + host + headers + b"\r\n"


def chunked(body, te=b"chunked", extra=b""):
    """A GET of /a/c.txt with Transfer-Encoding `te`, then `body` verbatim."""
    return get(b"Transfer-Encoding: " + te + b"\r\n" + extra) + body


CHUNKS = b"5\r\nhello\r\n0\r\n\r\n"

# --- smuggling: Content-Length ---
cl = category("smuggling_cl")


def cl_req(value, body=b"hello"):
    return get(b"Content-Length: " + value + b"\r\n") + body


# RFC 9112 6.3: an invalid Content-Length is a 400 and a close; SMUG after the body must never
# be answered
cl("cl_list_different", cl_req(b"5,6", b"hello!") + SMUG, 400, close=True)
cl("cl_list_different_spaced", cl_req(b"5, 6", b"hello!") + SMUG, 400, close=True)
# RFC 9110 8.6: a list of identical values MAY be rejected or taken as that one value (then
# "hello" is the body and the probe gets its own answer); nginx: 400
cl("cl_list_same", cl_req(b"5, 5"), (200, 400))
cl("cl_list_same_nospace", cl_req(b"5,5"), (200, 400))
cl("cl_plus_sign", cl_req(b"+5") + SMUG, 400, close=True)
cl("cl_minus_one", cl_req(b"-1") + SMUG, 400, close=True)
cl("cl_minus_zero", cl_req(b"-0") + SMUG, 400, close=True)
cl("cl_leading_zeros", cl_req(b"005"), 200)  # 1*DIGIT: 005 is 5
cl("cl_many_leading_zeros", cl_req(b"0" * 40 + b"5"), 200)
cl("cl_overflow_2_64", cl_req(b"18446744073709551616") + SMUG, 400, close=True)
cl("cl_overflow_wraps_to_5", cl_req(b"18446744073709551621") + SMUG, 400, close=True)
cl("cl_overflow_40_digits", cl_req(b"9" * 40) + SMUG, 400, close=True)
cl("cl_int64_max_too_large", cl_req(b"9223372036854775807"), 413, close=True)
cl("cl_hex", cl_req(b"0x5") + SMUG, 400, close=True)
cl("cl_decimal_point", cl_req(b"5.0") + SMUG, 400, close=True)
cl("cl_space_inside", cl_req(b"5 5") + SMUG, 400, close=True)
cl("cl_empty", cl_req(b"", b"") + SMUG, 400, close=True)
cl("cl_form_feed", cl_req(b"\x0c5") + SMUG, 400, close=True)
# RFC 9112 5.1: OWS (SP or HTAB) around a field value is not part of it; nginx 1.22 takes a
# tab as part of the value (400)
cl("cl_trailing_space", cl_req(b"5 "), 200)
# ... but a trailing HTAB is refused by llhttp's strict mode as by nginx 1.22: the safe side of a
# framing header (zokiod does what nginx does)
cl("cl_trailing_tab", cl_req(b"5\t") + SMUG, 400, close=True)
cl("cl_leading_tab", get(b"Content-Length:\t5\r\n") + b"hello", 200)
# RFC 9110 8.6 again: duplicate lines with one value MAY be accepted; nginx: 400
cl("cl_two_lines_same", get(b"Content-Length: 5\r\nContent-Length: 5\r\n") + b"hello", (200, 400))
cl("cl_two_lines_different",
   get(b"Content-Length: 5\r\nContent-Length: 6\r\n") + b"hello!" + SMUG, 400, close=True)
cl("cl_split_everywhere", [b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\nContent-Le",
                           b"ngth: 1", b"0\r\n\r\n0123", b"456789"], 200)
cl("cl_body_is_a_request", get(b"Content-Length: %d\r\n" % len(SMUG)) + SMUG, 200)

# --- smuggling: Transfer-Encoding ---
te = category("smuggling_te")
TE_SMUG = b"0\r\n\r\n" + SMUG
# RFC 9112 6.3: Content-Length with Transfer-Encoding: 400 and close (nginx too)
te("cl_and_te", get(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") + TE_SMUG, 400,
   close=True)
te("te_and_cl", get(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n") + TE_SMUG, 400,
   close=True)
te("cl_zero_and_te", get(b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n") + TE_SMUG, 400,
   close=True)
te("cl_and_te_split", [get(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), TE_SMUG],
   400, close=True)
# An unknown coding: RFC 9112 6.1 says 501 (SHOULD), 6.3 says 400 when chunked is not final
# (MUST): both close. nginx: 501.
te("te_xchunked", chunked(TE_SMUG, b"xchunked"), (400, 501), close=True)
te("te_chunkedx", chunked(TE_SMUG, b"chunkedx"), (400, 501), close=True)
te("te_identity", get(b"Transfer-Encoding: identity\r\nContent-Length: 5\r\n") + b"hello" + SMUG,
   (400, 501), close=True)
te("te_chunked_then_gzip", chunked(TE_SMUG, b"chunked, gzip"), (400, 501), close=True)
# chunked is final, gzip is a coding we do not decode: RFC 9112 6.1, 501 (nginx: 501)
te("te_gzip_then_chunked", chunked(TE_SMUG, b"gzip, chunked"), 501, close=True)
# chunked twice: RFC 9112 6.1 forbids it (MUST NOT); an invalid message (400) or a coding the
# server does not implement (501); nginx: 501. Decoding once and going on would desync.
te("te_chunked_twice_list", chunked(b"0\r\n\r\n" + TE_SMUG, b"chunked, chunked"), (400, 501),
   close=True)
te("te_chunked_two_lines", get(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")
   + b"0\r\n\r\n" + TE_SMUG, 400, close=True)
te("te_chunked_line_then_gzip_line", get(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: "
                                         b"gzip\r\n") + TE_SMUG, 400, close=True)
# a parameter on chunked: the grammar has one, chunked defines none; 400 or 501 (nginx: 501)
te("te_chunked_param", chunked(TE_SMUG, b"chunked;x=1"), (400, 501), close=True)
te("te_chunked_param_spaced", chunked(TE_SMUG, b"chunked ; x=1"), (400, 501), close=True)
# VT and NUL are not OWS: invalid field value (400) or an unknown coding (501); nginx: 501 / 400
te("te_vertical_tab_before", chunked(TE_SMUG, b"\x0bchunked"), (400, 501), close=True)
te("te_vertical_tab_after", chunked(TE_SMUG, b"chunked\x0b"), (400, 501), close=True)
te("te_nul_after", chunked(TE_SMUG, b"chunked\x00"), 400, close=True)
te("te_space_before_colon", get(b"Transfer-Encoding : chunked\r\n") + TE_SMUG, 400, close=True)
# OWS and case do not matter: these are chunked and framed as such (the probe proves it)
te("te_leading_spaces", chunked(CHUNKS, b" chunked"), 200)
te("te_tab_before", get(b"Transfer-Encoding:\tchunked\r\n") + CHUNKS, 200)
te("te_trailing_space", chunked(CHUNKS, b"chunked "), 200)
# a trailing HTAB: refused like nginx 1.22 (501 there, the tab kept as part of the coding)
te("te_trailing_tab", chunked(TE_SMUG, b"chunked\t"), (400, 501), close=True)
te("te_uppercase", chunked(CHUNKS, b"CHUNKED"), 200)
te("te_mixed_case", chunked(CHUNKS, b"ChUnKeD"), 200)
# RFC 9110 5.6.1.2: a recipient MUST accept empty list elements: ", chunked" is "chunked"
te("te_empty_list_element", chunked(CHUNKS, b", chunked"), 200)
# RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is a 400 and a close (nginx too)
te("te_in_http10_post", b"POST /a/c.txt HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding:"
   b" chunked\r\n\r\n" + TE_SMUG, 400, close=True)
te("te_in_http10_get", b"GET /a/c.txt HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding:"
   b" chunked\r\n\r\n" + TE_SMUG, 400, close=True)

# --- chunked bodies ---
ch = category("chunked")
ch("chunk_valid_split", [chunked(b"5\r"), b"\nhel", b"lo\r\n0\r", b"\n\r\n"], 200)
ch("chunk_size_leading_zeros", chunked(b"0005\r\nhello\r\n0000\r\n\r\n"), 200)
ch("chunk_size_uppercase_hex", chunked(b"A\r\n0123456789\r\n0\r\n\r\n"), 200)
ch("chunk_extension_small", chunked(b"5;a=b\r\nhello\r\n0;c\r\n\r\n"), 200)
ch("chunk_extension_quoted", chunked(b'5;a="x y;z"\r\nhello\r\n0\r\n\r\n'), 200)
ch("chunk_trailer_field", chunked(b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"), 200)
ch("chunk_size_0x_prefix", chunked(b"0x5\r\nhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_size_plus", chunked(b"+5\r\nhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_size_minus", chunked(b"-5\r\nhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_size_overflow_18_f", chunked(b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n" + SMUG), 400,
   close=True)
ch("chunk_size_overflow_wraps_to_5", chunked(b"10000000000000005\r\nhello\r\n0\r\n\r\n" + SMUG),
   400, close=True)
# a 1 TiB chunk: past the 1 MiB body limit (RFC 9110 15.5.14), refused at its size line
ch("chunk_size_too_large", chunked(b"10000000000\r\nhello\r\n0\r\n\r\n" + SMUG), 413,
   close=True)
ch("chunk_size_nul", chunked(b"5\x00\r\nhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_size_empty", chunked(b"\r\nhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
# RFC 9112 7.1: chunk lines end in CRLF; the MAY for a bare LF (section 2.2) covers the
# start-line and fields only
ch("chunk_bare_lf_after_size", chunked(b"5\nhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_bare_lf_everywhere", chunked(b"5\nhello\n0\n\n" + SMUG), 400, close=True)
ch("chunk_bare_cr_after_size", chunked(b"5\rhello\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_data_missing_crlf", chunked(b"5\r\nhello0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_data_too_long", chunked(b"5\r\nhelloXX\r\n0\r\n\r\n" + SMUG), 400, close=True)
ch("chunk_last_chunk_missing", chunked(b"5\r\nhello\r\n" + SMUG), 400, close=True)
# the last chunk without its final CRLF, then a request: taken as trailer lines. "GET ..." is
# not a field line (400, llhttp); RFC 9112 7.1.2 lets a recipient discard trailer fields
# (nginx skips the lines: 200, and the request line was consumed as a trailer)
ch("chunk_missing_final_crlf", chunked(b"5\r\nhello\r\n0\r\n" + SMUG), (200, 400))
# RFC 9112 7.1.1: a server "ought to limit" chunk extensions and answer a 4xx past its limit
# (400, or 413 when counted as content); no limit is required (nginx and zokiod skip them:
# 200). Either way the framing must hold: the probe gets its own answer.
EXT = (200, 400, 413)
ch("chunk_extension_5k", chunked(b"5;" + b"e" * 5000 + b"\r\nhello\r\n0\r\n\r\n"), EXT)
ch("chunk_extension_5k_split", [chunked(b"5;" + b"e" * 2500), b"e" * 2500 + b"\r\nhello\r\n0\r\n"
                                b"\r\n"], EXT)
ch("chunk_extension_100k", chunked(b"5;" + b"e" * 100000 + b"\r\nhello\r\n0\r\n\r\n"), EXT)

# --- obs-fold ---
of = category("obs_fold")
# RFC 9112 5.2: a server MUST either reject an obs-fold (400) or replace it with SP; nginx and
# zokiod reject every one -- how the bytes are split into reads must not matter
of("fold_value", get(b"X-A: one\r\n two\r\n"), 400, close=True)
of("fold_tab", get(b"X-A: one\r\n\ttwo\r\n"), 400, close=True)
of("fold_two_lines", get(b"X-A: one\r\n two\r\n three\r\n"), 400, close=True)
of("fold_blank_continuation", get(b"X-A: one\r\n \r\n"), 400, close=True)
of("fold_empty_first_te", get(b"Transfer-Encoding:\r\n chunked\r\n") + TE_SMUG, 400, close=True)
of("fold_empty_first_cl", get(b"Content-Length:\r\n 5\r\n") + b"hello" + SMUG, 400, close=True)
of("fold_te_value", get(b"Transfer-Encoding: chunked\r\n , identity\r\n") + TE_SMUG, 400,
   close=True)
of("fold_cl_value", get(b"Content-Length: 1\r\n 0\r\n") + b"0123456789" + SMUG, 400,
   close=True)
# in a trailer: reject (400), or replace the fold with SP and then drop the trailer as nginx
# does (200); RFC 9112 5.2 allows both
of("fold_in_trailer", chunked(b"5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n"), (200, 400))
of("fold_host", b"GET /a/c.txt HTTP/1.1\r\nHost: local\r\n host\r\n\r\n", 400, close=True)
of("fold_empty_first_host", b"GET /a/c.txt HTTP/1.1\r\nHost:\r\n localhost\r\n\r\n", 400,
   close=True)
of("fold_split_after_crlf", [b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\nX-A:\r\n",
                             b" b\r\n\r\n"], 400, close=True)
of("fold_split_after_blank", [b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n ",
                              b"b\r\n\r\n"], 400, close=True)
of("fold_split_in_te", [b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding:\r",
                        b"\n\tchunked\r\n\r\n" + TE_SMUG], 400, close=True)
# RFC 9112 2.2: whitespace before the first field line: reject, or ignore that line (and then
# Host is missing): 400 either way
of("space_before_first_field", b"GET /a/c.txt HTTP/1.1\r\n Host: localhost\r\n\r\n", 400,
   close=True)

# --- request line ---
rl = category("request_line")
rl("nul_in_target", b"GET /a/c.txt\x00 HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
rl("nul_in_method", b"G\x00T /a/c.txt HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
rl("ctl_01_in_target", b"GET /a/\x01c.txt HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
rl("ctl_esc_in_target", b"GET /a/\x1b[31mc.txt HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
rl("del_in_target", b"GET /a/c.txt\x7f HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
rl("tab_in_target", b"GET /a/c\t.txt HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
# RFC 9112 3: a recipient MAY split the request line on any whitespace (then 200), else 400;
# nginx: 400
rl("tab_after_method", b"GET\t/a/c.txt HTTP/1.1\r\n" + H + b"\r\n", (200, 400))
rl("tab_before_version", b"GET /a/c.txt\tHTTP/1.1\r\n" + H + b"\r\n", (200, 400))
rl("two_spaces_after_method", b"GET  /a/c.txt HTTP/1.1\r\n" + H + b"\r\n", (200, 400))
rl("trailing_space_after_version", b"GET /a/c.txt HTTP/1.1 \r\n" + H + b"\r\n", (200, 400))
rl("space_in_target", b"GET /a/ c.txt HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
# RFC 9110 9.1: an unrecognized method (methods are case-sensitive) SHOULD be a 501; nginx: 400
rl("lowercase_get", b"get /a/c.txt HTTP/1.1\r\n" + H + b"\r\n", 501, close=True)
rl("mixed_case_get", b"Get /a/c.txt HTTP/1.1\r\n" + H + b"\r\n", 501, close=True)
# RFC 9112 2.3: HTTP-version is "HTTP/" DIGIT "." DIGIT; nginx reads 1.11 and 1.01 as numbers
rl("version_1_11", b"GET /a/c.txt HTTP/1.11\r\n" + H + b"\r\n", 400, close=True)
rl("version_1_01", b"GET /a/c.txt HTTP/1.01\r\n" + H + b"\r\n", 400, close=True)
rl("version_lowercase", b"GET /a/c.txt http/1.1\r\n" + H + b"\r\n", 400, close=True)
# RFC 9110 6.2: a higher minor version is answered as the highest one we have
rl("version_1_2", b"GET /a/c.txt HTTP/1.2\r\n" + H + b"\r\n", 200)
rl("version_1_9", b"GET /a/c.txt HTTP/1.9\r\n" + H + b"\r\n", 200)
rl("version_3_0", b"GET /a/c.txt HTTP/3.0\r\n" + H + b"\r\n", 505, close=True)
# HTTP/0.9 is gone from RFC 9112: a 505 refuses the major version, a 400 the request; nginx
# still answers a 0.9 simple request ("GET /x") with the bare body
rl("version_0_9", b"GET /a/c.txt HTTP/0.9\r\n\r\n", (400, 505), close=True)
rl("http09_simple_request", b"GET /a/c.txt\r\n\r\n", 400, close=True)
rl("method_only", b"GET\r\n\r\n", 400, close=True)
# RFC 9112 2.2: at least one empty line before the request line SHOULD be ignored
rl("empty_line_before_request", b"\r\nGET /a/c.txt HTTP/1.1\r\n" + H + b"\r\n", 200)
rl("asterisk_form_get", b"GET * HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)  # RFC 9112 3.2.4
# RFC 9112 3.2.2: a server MUST accept the absolute-form; its authority wins over Host
rl("absolute_form", b"GET http://localhost/a/c.txt HTTP/1.1\r\n" + H + b"\r\n", 200)
rl("absolute_form_other_host", b"GET http://other.test/a/c.txt HTTP/1.1\r\n" + H + b"\r\n", 200)
rl("absolute_form_split", [b"GET http://loc", b"alhost/a/c.txt HTTP/1.1\r\n" + H + b"\r\n"], 200)
# "#" cannot appear in a request-target (RFC 9112 3.2): an invalid request line SHOULD get a
# 400 (RFC 9112 3); nginx drops the fragment (200)
rl("fragment_in_target", b"GET /a/c.txt#x HTTP/1.1\r\n" + H + b"\r\n", 400, close=True)
rl("request_line_split_bytewise", [b"G", b"ET /a", b"/c.txt HT", b"TP/1.", b"1\r", b"\n" + H,
                                   b"\r", b"\n"], 200)

# --- header fields ---
hd = category("headers")
# RFC 9110 5.5: NUL in a value: reject (nginx) or replace with SP; a field name is a token
# (RFC 9110 5.1); nginx drops a name of bytes >= 0x80 (ignore_invalid_headers) and answers 200
hd("nul_in_value", get(b"X-A: a\x00b\r\n"), 400, close=True)
hd("nul_in_name", get(b"X-\x00A: b\r\n"), 400, close=True)
hd("ctl_in_name", get(b"X-\x01A: b\r\n"), 400, close=True)
hd("high_byte_name", get(b"\xff\xfe: b\r\n"), 400, close=True)
# RFC 9110 5.5: a CTL other than NUL/CR/LF in a value is invalid, but a recipient MAY keep it
# where nothing downstream parses it (an unknown field): 400 or 200; nginx: 200
hd("ctl_01_in_value", get(b"X-A: a\x01b\r\n"), (200, 400))
hd("ctl_del_in_value", get(b"X-A: a\x7fb\r\n"), (200, 400))
hd("bare_cr_in_value", get(b"X-A: a\rb\r\n"), 400, close=True)
hd("space_before_colon", get(b"X-A : b\r\n"), 400, close=True)  # RFC 9112 5.1: MUST 400
hd("tab_before_colon", get(b"X-A\t: b\r\n"), 400, close=True)
hd("empty_name", get(b": b\r\n"), 400, close=True)
hd("colon_only", get(b":\r\n"), 400, close=True)
hd("no_colon", get(b"X-A b\r\n"), 400, close=True)
# zokiod's limit is 100 fields (Host and 99 more), then 431; nginx has no count limit (200)
F101 = get(b"".join(b"X-F%d: %d\r\n" % (i, i) for i in range(100)))
hd("fields_100_ok", get(b"".join(b"X-F%d: %d\r\n" % (i, i) for i in range(99))), 200)
hd("fields_101_431", F101, 431, close=True)
hd("fields_101_split", [F101[:700], F101[700:]], 431, close=True)
# a header line over one buffer: nginx's 400 "Request Header Or Cookie Too Large"
hd("header_value_9k", get(b"X-Big: " + b"v" * 9000 + b"\r\n"), 400, close=True)
hd("header_name_9k", get(b"X-" + b"n" * 9000 + b": v\r\n"), 400, close=True)
hd("header_9k_split", [get()[:-2] + b"X-Big: " + b"v" * 4000, b"v" * 5000 + b"\r\n\r\n"],
   400, close=True)
hd("uri_9k_414", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414, close=True)
hd("uri_9k_query_414", b"GET /a/c.txt?" + b"q" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414,
   close=True)
hd("underscore_in_name", get(b"X_A: b\r\n"), 200)

# --- bare LF line ends ---
lf = category("bare_lf")
# RFC 9112 2.2: a recipient MAY take a bare LF as the end of the request line or of a field
# line; nginx does, and so does zokiod, in the head only. However the head is cut into reads.
LF_HEAD = b"GET /a/c.txt HTTP/1.1\nHost: localhost\n"
lf("lf_everywhere", LF_HEAD + b"\n", 200)
lf("lf_http10", b"GET /a/c.txt HTTP/1.0\nHost: localhost\n\n", 200)
lf("lf_after_request_line", b"GET /a/c.txt HTTP/1.1\nHost: localhost\r\n\r\n", 200)
lf("lf_after_field", get(b"X-A: b\n"), 200)
lf("lf_after_host", b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\nX-A: b\r\n\r\n", 200)
lf("lf_after_empty_value", get(b"X-A:\n"), 200)
lf("lf_after_blank_value", get(b"X-A: \t \n"), 200)
lf("lf_final_line", b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\n\n", 200)
lf("lf_empty_line_before_request", b"\n" + LF_HEAD + b"\n", 200)
lf("lf_split_after_each_line", [b"GET /a/c.txt HTTP/1.1\n", b"Host: localhost\n", b"\n"], 200)
lf("lf_split_before_each_lf", [b"GET /a/c.txt HTTP/1.1", b"\nHost: localhost", b"\n", b"\n"],
   200)
lf("crlf_split_between_cr_lf", [b"GET /a/c.txt HTTP/1.1\r", b"\nHost: localhost\r", b"\n\r",
                                b"\n"], 200)
lf("lf_bytewise", [bytes([b]) for b in LF_HEAD + b"\n"], 200)
# the body is not the head: its LFs are bytes to count, never line ends to rewrite
lf("lf_head_cl_body_of_lfs", LF_HEAD + b"Content-Length: 4\n\n\n\n\n\n", 200)
lf("lf_head_cl_body_split", [LF_HEAD + b"Content-Length: 4\n\n\n", b"\n\n\n"], 200)
lf("lf_head_chunked_body", LF_HEAD + b"Transfer-Encoding: chunked\n\n" + CHUNKS, 200)
lf("lf_head_cl_then_smuggle", LF_HEAD + b"Content-Length: %d\n\n" % len(SMUG) + SMUG, 200)
lf("lf_head_cl_and_te", LF_HEAD + b"Content-Length: 5\nTransfer-Encoding: chunked\n\n" + TE_SMUG,
   400, close=True)
lf("lf_obs_fold", LF_HEAD + b"X-A: a\n b\n\n", 400, close=True)
lf("lf_obs_fold_te", LF_HEAD + b"Transfer-Encoding:\n chunked\n\n" + TE_SMUG, 400, close=True)
lf("lf_obs_fold_split", [LF_HEAD + b"X-A: a\n", b" b\n\n"], 400, close=True)
lf("lf_space_before_first_field", b"GET /a/c.txt HTTP/1.1\n Host: localhost\n\n", 400,
   close=True)
lf("lf_http09_request_line", b"GET /a/c.txt\nHost: localhost\n\n", 400, close=True)  # nginx: 0.9
# a bare CR ends nothing (RFC 9112 2.2: MUST be an error or SP); nginx takes "\r\r\n" as one end
lf("cr_bare_after_request_line", b"GET /a/c.txt HTTP/1.1\rHost: localhost\r\n\r\n", 400,
   close=True)
lf("cr_cr_lf", get(b"X-A: b\r\r\n"), 400, close=True)
lf("cr_bare_final_line", b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\n\r" + SMUG, 400, close=True)
# chunk lines and trailers end in CRLF (RFC 9112 7.1; 2.2's MAY is for the head): nginx takes a
# bare LF there too, and after "0\r\n" with a bare LF in a trailer line it then reads the next
# request's lines as trailers -- a framing difference we do not copy
lf("lf_in_trailer", chunked(b"5\r\nhello\r\n0\r\nX-T: 1\n\r\n" + SMUG), 400, close=True)
# ... except the empty line that ends the trailers: llhttp (even strict) and nginx both end the
# message at a bare LF there, so they frame it the same (the probe gets its own answer)
lf("lf_after_last_chunk", chunked(b"5\r\nhello\r\n0\r\n\n"), 200)
lf("lf_head_lf_chunk_size", LF_HEAD + b"Transfer-Encoding: chunked\n\n5\nhello\r\n0\r\n\r\n"
   + SMUG, 400, close=True)

# --- Host ---
ho = category("host")
ho("missing_host_http11", b"GET /a/c.txt HTTP/1.1\r\n\r\n", 400, close=True)
ho("missing_host_http10", b"GET /a/c.txt HTTP/1.0\r\n\r\n", 200)
ho("duplicate_host", b"GET /a/c.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, close=True)
ho("duplicate_host_same", b"GET /a/c.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400,
   close=True)
# RFC 9112 3.2: a Host with an invalid value is a 400 (MUST)
ho("host_slash", get(host=b"Host: a/b\r\n"), 400, close=True)
ho("host_backslash", get(host=b"Host: a\\b\r\n"), 400, close=True)
ho("host_dotdot", get(host=b"Host: ..\r\n"), 400, close=True)
ho("host_dotdot_inside", get(host=b"Host: a..b\r\n"), 400, close=True)
ho("host_space", get(host=b"Host: a b\r\n"), 400, close=True)
ho("host_nul", get(host=b"Host: a\x00b\r\n"), 400, close=True)
ho("host_ctl", get(host=b"Host: a\x01b\r\n"), 400, close=True)
ho("host_bad_ipv6", get(host=b"Host: [::1\r\n"), 400, close=True)  # nginx: 200
ho("host_userinfo", get(host=b"Host: user@localhost\r\n"), 400, close=True)
# RFC 9110 7.2 lets a client send an empty Host for a target without authority; this server
# has none, and nginx answers 400 to an empty host name (also what remains of ":80" or ".")
ho("host_empty", get(host=b"Host:\r\n"), 400, close=True)
ho("host_empty_http10", b"GET /a/c.txt HTTP/1.0\r\nHost:\r\n\r\n", 400, close=True)
ho("host_blank", get(host=b"Host: \t \r\n"), 400, close=True)
ho("host_port_only", get(host=b"Host: :80\r\n"), 400, close=True)
ho("host_dot_only", get(host=b"Host: .\r\n"), 400, close=True)
ho("host_with_port", get(host=b"Host: localhost:8080\r\n"), 200)
ho("host_empty_port", get(host=b"Host: localhost:\r\n"), 200)  # RFC 3986: port = *DIGIT
ho("host_ipv6", get(host=b"Host: [::1]:80\r\n"), 200)
ho("host_ipv6_no_port", get(host=b"Host: [::1]\r\n"), 200)
ho("host_trailing_dot", get(host=b"Host: localhost.\r\n"), 200)
ho("host_trailing_blanks", get(host=b"Host: localhost \t\r\n"), 200)  # RFC 9112 5: not the value
ho("host_two_trailing_dots", get(host=b"Host: localhost..\r\n"), 400, close=True)
# not host[:port] (RFC 9112 3.2: MUST 400); nginx looks only for "..", "/", NUL and controls
# here and answers these with 200
ho("host_port_not_digits", get(host=b"Host: localhost:abc\r\n"), 400, close=True)
ho("host_two_ports", get(host=b"Host: localhost:80:90\r\n"), 400, close=True)
ho("host_ipv6_then_junk", get(host=b"Host: [::1]x\r\n"), 400, close=True)

# --- request-target forms ---
tf = category("target_form")
# RFC 9112 3.2.2: the absolute-form's authority is the host, whatever Host says (3.2.2), and
# it must be valid too: nginx answers these with 400 and closes


def target(t, host=H, method=b"GET"):
    return method + b" " + t + b" HTTP/1.1\r\n" + host + b"\r\n"


tf("abs_port_not_digits", target(b"http://localhost:abc/a/c.txt"), 400, close=True)
tf("abs_dotdot_host", target(b"http://local..host/a/c.txt"), 400, close=True)
tf("abs_empty_host", target(b"http:///a/c.txt"), 400, close=True)
tf("abs_port_only", target(b"http://:80/a/c.txt"), 400, close=True)
tf("abs_userinfo", target(b"http://user@localhost/a/c.txt"), 400, close=True)
tf("abs_ipv6_unclosed", target(b"http://[::1/a/c.txt"), 400, close=True)
tf("abs_bad_host_header", target(b"http://localhost/a/c.txt", b"Host: a b\r\n"), 400,
   close=True)
tf("abs_empty_host_header", target(b"http://localhost/a/c.txt", b"Host:\r\n"), 400, close=True)
tf("abs_ipv6", target(b"http://[::1]:80/a/c.txt"), 200)
tf("abs_trailing_dot", target(b"http://localhost./a/c.txt"), 200)
tf("abs_uppercase", target(b"HTTP://LOCALHOST/a/c.txt"), 200)
tf("abs_other_scheme", target(b"foo://localhost/a/c.txt"), 200)  # nginx: any scheme
# llhttp takes letters only in a scheme (RFC 3986 allows digits, "+", "-", "."; nginx too)
tf("abs_scheme_with_digit", target(b"foo1://localhost/a/c.txt"), 400, close=True)
tf("abs_no_path", target(b"http://localhost"), 200)
tf("abs_query_no_path", target(b"http://localhost?x=1"), 200)
tf("abs_no_host_header_http10", b"GET http://localhost/a/c.txt HTTP/1.0\r\n\r\n", 200)
# neither origin-form nor absolute-form: nginx 400 and close (RFC 9112 3.2: asterisk-form is
# for OPTIONS, which a static server does not do; authority-form is for CONNECT)
tf("asterisk_form_options", target(b"*", method=b"OPTIONS"), 400, close=True)
tf("relative_target", target(b"a/c.txt"), 400, close=True)
tf("authority_form_get", target(b"localhost:80"), 400, close=True)

# --- methods ---
me = category("methods")
# nginx refuses TRACE and CONNECT before anything else: 405 "Not Allowed", and close
me("trace", target(b"/a/c.txt", method=b"TRACE"), 405, close=True)
me("trace_http10", b"TRACE /a/c.txt HTTP/1.0\r\n\r\n", 405, close=True)
me("trace_with_body", b"TRACE /a/c.txt HTTP/1.1\r\n" + H + b"Content-Length: %d\r\n\r\n"
   % len(SMUG) + SMUG, 405, close=True)
me("connect_origin_form", target(b"/a/c.txt", method=b"CONNECT"), 405, close=True)
me("connect_absolute_form", target(b"http://localhost/a/c.txt", method=b"CONNECT"), 405,
   close=True)
# the authority-form (RFC 9112 3.2.3) is not a target nginx reads: 400
me("connect_authority_form", target(b"localhost:443", method=b"CONNECT"), 400, close=True)
me("connect_authority_ipv6", target(b"[::1]:443", method=b"CONNECT"), 400, close=True)
me("connect_host_only", target(b"localhost", method=b"CONNECT"), 400, close=True)
# any other method on a file: 405 and the connection stays open
me("delete", target(b"/a/c.txt", method=b"DELETE"), 405)
me("options", target(b"/a/c.txt", method=b"OPTIONS"), 405)
me("put_with_body", b"PUT /a/c.txt HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello", 405)

# --- traversal: none may serve a byte from outside the root ---
tr = category("traversal")


def tr_get(target):
    return b"GET " + target + b" HTTP/1.1\r\n" + H + b"\r\n"


# dot segments above the root: nginx answers 400 (and so does zokiod)
tr("dotdot", tr_get(b"/../outside/secret.txt"), 400)
tr("dotdot_deep", tr_get(b"/a/../../../../../../../etc/passwd"), 400)
tr("dotdot_after_dir", tr_get(b"/sub/../../outside/secret.txt"), 400)
tr("dot_then_dotdot", tr_get(b"/./../outside/secret.txt"), 400)
tr("double_slash_dotdot", tr_get(b"//../outside/secret.txt"), 400)
tr("pct_2e2e", tr_get(b"/%2e%2e/outside/secret.txt"), 400)
tr("pct_2E2e_mixed", tr_get(b"/a/%2E%2e/%2e%2E/outside/secret.txt"), 400)
tr("dot_pct_2e", tr_get(b"/.%2e/outside/secret.txt"), 400)
tr("pct_2e2e_alone", tr_get(b"/%2e%2e"), 400)
tr("dotdot_with_query", tr_get(b"/../outside/secret.txt?x=1"), 400)
tr("dotdot_split", [b"GET /%2", b"e%2e/outside/secret.txt HTTP/1.1\r\n" + H + b"\r\n"], 400)
tr("absolute_form_dotdot", tr_get(b"http://localhost/../outside/secret.txt"), 400)
# %2F decodes to a '/' that is data, not a separator (RFC 3986 2.2): no file has one in its
# name, so nothing is found (404, zokiod); nginx decodes it as a separator and then refuses
# the dot segment above the root (400). Both serve nothing; RFC 9110 leaves the mapping to us.
tr("dotdot_pct_2f", tr_get(b"/..%2foutside%2fsecret.txt"), (400, 404))
tr("dotdot_pct_2F_deep", tr_get(b"/a/..%2F..%2F..%2Foutside%2Fsecret.txt"), (400, 404))
tr("semicolon_dotdot", tr_get(b"/..;/outside/secret.txt"), 404)  # "..;" is a name
tr("semicolon_dotdot_deep", tr_get(b"/a/..;/..;/outside/secret.txt"), 404)
tr("overlong_utf8_dot", tr_get(b"/%c0%ae%c0%ae/outside/secret.txt"), 404)
tr("overlong_utf8_slash", tr_get(b"/..%c0%af..%c0%afoutside%c0%afsecret.txt"), 404)
tr("double_encoded_dots", tr_get(b"/%252e%252e/outside/secret.txt"), 404)
tr("double_encoded_slash", tr_get(b"/..%252f..%252foutside%252fsecret.txt"), 404)
tr("pct_nul", tr_get(b"/a/c.txt%00"), 400)
tr("pct_nul_dotdot", tr_get(b"/..%00/outside/secret.txt"), 400)
# a backslash is an ordinary byte in a Linux file name (RFC 3986 does not allow it raw: nginx
# takes it as a name byte: 404)
tr("backslash_dotdot", tr_get(b"/..\\outside\\secret.txt"), (400, 404))
tr("pct_5c_dotdot", tr_get(b"/..%5c..%5coutside%5csecret.txt"), 404)
tr("four_dots", tr_get(b"/..../outside/secret.txt"), 404)
# symlinks out of the root: nginx follows them unless "disable_symlinks on" (then 403);
# zokiod never follows a link out of the root
tr("symlink_file_out", tr_get(b"/link_out"), 403)
tr("symlink_relative_out", tr_get(b"/link_rel"), 403)
# RFC 9110 15.5.4: a server may hide a forbidden resource with a 404 (nginx does here)
tr("symlink_dir_out", tr_get(b"/link_dir/secret.txt"), (403, 404))
tr("symlink_inner_out", tr_get(b"/a/inner_link.txt"), 403)
tr("symlink_range", tr_get(b"/link_out")[:-2] + b"Range: bytes=0-3\r\n\r\n", 403)

# --- range abuse (range.txt: 1,000 bytes) ---
ra = category("range")


def rng(spec, target=b"/range.txt", extra=b""):
    return get(b"Range: " + spec + b"\r\n" + extra, target=target)


# RFC 9110 14.2: a server MAY ignore a Range with many or overlapping ranges (zokiod: more than
# 16, or more bytes than the file, are answered 200 with the whole file; nginx serves them)
ra("ranges_17", rng(b"bytes=" + b",".join(b"%d-%d" % (i * 3, i * 3) for i in range(17))), 200,
   body=RANGE_TXT)
ra("ranges_1000", rng(b"bytes=" + b",".join(b"%d-%d" % (i, i) for i in range(1000))), 200,
   body=RANGE_TXT)
ra("ranges_overlapping_whole", rng(b"bytes=0-999,0-999"), 200, body=RANGE_TXT)
ra("ranges_overlapping_many", rng(b"bytes=0-599,100-699,200-799"), 200, body=RANGE_TXT)
# the amplification attack (CVE-2011-3192): the whole file many times over is served once
ra("ranges_whole_file_100_times", rng(b"bytes=" + b",".join([b"0-999"] * 100)), 200,
   body=RANGE_TXT)
ra("ranges_overlapping_small", rng(b"bytes=0-9,5-14"), 206)
ra("ranges_reversed_order", rng(b"bytes=500-509,0-9"), 206)
ra("ranges_two_single_bytes", rng(b"bytes=0-0,-1"), 206)
ra("ranges_empty_elements", rng(b"bytes=0-1,,5-6,"), 206)  # RFC 9110 5.6.1.2
# RFC 9110 14.1.1: last < first (or a stray "-") makes the ranges-specifier invalid, and
# 14.2 lets a server ignore (200, zokiod) or reject (416, nginx) an invalid one
BAD_RANGE = (200, 416)
ra("range_reversed_bounds", rng(b"bytes=9-0"), BAD_RANGE, body=RANGE_TXT)
ra("range_negative", rng(b"bytes=-5-10"), BAD_RANGE, body=RANGE_TXT)
ra("range_double_minus", rng(b"bytes=--5"), BAD_RANGE, body=RANGE_TXT)
ra("range_empty_set", rng(b"bytes="), 200, body=RANGE_TXT)
ra("range_huge_last", rng(b"bytes=0-99999999999999999999999"), 206, body=RANGE_TXT)
ra("range_huge_first", rng(b"bytes=99999999999999999999999-"), 416)
ra("range_huge_suffix", rng(b"bytes=-99999999999999999999999"), 206, body=RANGE_TXT)
ra("range_first_at_size", rng(b"bytes=1000-"), 416)
ra("range_last_byte", rng(b"bytes=999-"), 206, body=RANGE_TXT[999:])
# RFC 9110 14.1.1: a suffix-range of 0 is not satisfiable
ra("range_suffix_zero", rng(b"bytes=-0"), 416)
ra("range_uppercase_unit", rng(b"BYTES=0-1"), 206, body=RANGE_TXT[:2])
ra("range_two_headers", rng(b"bytes=0-1", extra=b"Range: bytes=5-6\r\n"), 206,
   body=RANGE_TXT[:2])
ra("range_empty_file", rng(b"bytes=0-0", target=b"/empty.txt"), 416)
# a non-zero suffix of an empty file is "satisfiable" by the letter of RFC 9110 14.1.1 but has
# no byte to send: the whole (empty) file, 200; nginx: 200
ra("range_empty_file_suffix", rng(b"bytes=-1", target=b"/empty.txt"), 200, body=b"")


# --- running one case -----------------------------------------------------------------------------


class Conn(harness.Conn):
    STRICT = True
    SEND_BLOCKED = "send blocked for %.0f s (server not reading)"
    CLOSE_WAIT = "%.1f s"

    def __init__(self, port):
        super().__init__(port, CASE_TIMEOUT)


def want_text(want):
    return "/".join(str(w) for w in want) if isinstance(want, tuple) else str(want)


def send_parts(c, parts):
    for i, p in enumerate(parts):
        if i:
            time.sleep(PAUSE)
        try:
            c.send(p)
        except Closed:
            if i == len(parts) - 1:
                raise
            # the server may answer and close before the last pieces (a 414, a 431)
            return


def run_case(port, case):
    """Sends the case and checks its answer; raises Fail with what went wrong."""
    with Conn(port) as c:
        try:
            send_parts(c, case.parts)
        except Closed:
            pass  # the answer may already be there
        try:
            r = c.response()
        except NoAnswer as e:
            raise Fail("no response (expected %s): %s" % (want_text(case.want), e))
        except Closed as e:
            raise Fail("no response (expected %s): %s" % (want_text(case.want), e))
        if (SECRET in r.body or b"root:x:0:0:" in r.body  # ours, or /etc/passwd
                or (200 <= r.status < 300 and r.body and r.body in SECRET_FILE)):
            raise Fail("SERVED BYTES OF THE FILE OUTSIDE THE ROOT (%d %s)" % (r.status,
                                                                          short(r.body, 40)))
        ok = r.status in case.want if isinstance(case.want, tuple) else r.status == case.want
        if not ok:
            raise Fail("expected %s, got %d %s" % (want_text(case.want), r.status, r.reason))
        if case.body is not None and r.status in (200, 206) and r.body != case.body:
            raise Fail("%d with body %s, expected %s" % (r.status, short(r.body, 40),
                                                         short(case.body, 40)))
        says_close = "close" in r.tokens("connection")
        if case.close and not says_close:
            raise Fail("%d without Connection: close (got %r); framing cannot be trusted"
                       % (r.status, r.all("connection")))
        if says_close:
            try:
                c.expect_closed(CLOSE_WAIT)
            except Fail as e:
                raise Fail("%d with Connection: close: %s" % (r.status, e))
            return
        probe(c, r)


def probe(c, r):
    """The connection stayed open: the probe must get its own answer (or the server closes)."""
    try:
        c.send(PROBE)
        p = c.response()
    except Closed as e:
        if c.buf:
            raise Fail("after the %d, bytes then a close: %s" % (r.status, e))
        return  # closed after exactly one response
    except NoAnswer as e:
        raise Fail("after the %d (keep-alive), the probe request got no answer: %s"
                   % (r.status, e))
    if p.status != 200 or p.body != PROBE_BODY:
        raise Fail("after the %d, the probe request got %d %s body %s: an extra response to the "
                   "request's own bytes (smuggling?)" % (r.status, p.status, p.reason,
                                                        short(p.body, 40)))


# --- the server process ---------------------------------------------------------------------------


def Server(root, tmp):
    return harness.RootServer(root, tmp)


def still_serving(port):
    """A fresh plain GET gets 200 and the file; returns the reason when not."""
    try:
        with Conn(port) as c:
            c.send(b"GET /a/c.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            r = c.response()
            if r.status != 200 or r.body != C_TXT:
                return "a fresh GET afterwards got %d %s" % (r.status, r.reason)
    except Fail as e:
        return "a fresh GET afterwards failed: %s" % e
    except OSError as e:
        return "a fresh GET afterwards could not connect: %s" % e
    return None


def run_category(srv, cases, bad):
    """Runs every case against `srv` (restarted when it died), appending a line per failing
    case to `bad`; raises Fail listing them, returns the ok line's note otherwise."""
    for case in cases:
        if not srv.alive():
            try:
                srv.start()
            except Fail as e:
                bad.append("%s: server is down and did not restart: %s" % (case.name, e))
                break
        why = None
        try:
            run_case(srv.port, case)
        except Fail as e:
            why = str(e)
        except OSError as e:
            why = "%s: %s" % (type(e).__name__, e)
        time.sleep(0.005)
        if not srv.alive():
            why = (why + "; " if why else "") + "SERVER DIED (%s); stderr: %s" % (
                srv.how_died(), srv.stderr_tail(200))
        else:
            gone = still_serving(srv.port)
            if gone:
                why = (why + "; " if why else "") + gone
                srv.stop()  # restarted for the next case
        if why:
            bad.append("%s [%s]: %s" % (case.name, short(b"".join(case.parts), 70), why))
    if bad:
        raise Fail("%d of %d cases failed:\n    %s" % (len(bad), len(cases), "\n    ".join(bad)))
    return "%d cases" % len(cases)


def select_cases(sel):
    """[(category, cases)] narrowed to the names that contain one of `sel`."""
    out = []
    for name, cases in CATEGORIES:
        if not sel or any(s in name for s in sel):
            out.append((name, cases))
            continue
        picked = [c for c in cases if any(s in c.name for s in sel)]
        if picked:
            out.append((name, picked))
    return out


def main():
    sel = sys.argv[1:]
    harness.setup_process()
    tmp = tempfile.mkdtemp(prefix="zokiod-hostile-")
    out = harness.Report("hostile")
    srv = None
    try:
        srv = Server(build_root(tmp), tmp)
        try:
            srv.start()
        except Fail as e:
            out.result("FAIL", "server_start", str(e))
            return out.finish()
        time.sleep(0.1)
        fell = [l for l in srv.stderr_text().splitlines() if FALLBACK_RE.search(l)]
        chosen = select_cases(sel)
        if BACKEND == "io_uring" and fell:
            for name, _ in chosen:
                out.result("skip", name, "zokiod fell back to epoll: " + fell[0].strip()[:200])
            return out.finish(True)
        total = failed = 0
        for name, cases in chosen:
            note, bad = [], []

            def body(cases=cases, note=note, bad=bad):
                note.append(run_category(srv, cases, bad))

            kind, why = harness.run_test(body, int(10 + 4 * len(cases)))
            out.result(kind, name, why if why else note[0] if note else None)
            total += len(cases)
            failed += len(bad) or (len(cases) if kind == "FAIL" else 0)
        # the count of cases (the summary below counts categories)
        out.line("ok  " if not failed else "note", "cases", "%d cases in %d categories: %d passed, "
                 "%d failed" % (total, len(chosen), total - failed, failed))
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return out.finish()


if __name__ == "__main__":
    sys.exit(main())
