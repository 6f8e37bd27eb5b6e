#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Black-box HTTP/1.1 tests of zokiod's static file serving (issue 3), over raw sockets.

Builds a document root in a temporary directory (odd names, a symlink out of the root, a
10 MiB file, a FIFO, an unreadable file, ...), starts one `$ZOKIOD_BUILD/zokiod -r ROOT -l
127.0.0.1:PORT` (backend from $ZOKIOD_BACKEND), runs every test against it and stops it. Each
test prints `ok   http/NAME [backend]`, `FAIL http/NAME [backend]: reason` or
`skip http/NAME [backend]: reason`; the last line is `N passed, N failed[, N skipped]` and the
exit status is 1 when something failed. Arguments, when given, select the tests whose name
contains one of them. Expectations come from the issue, RFC 9110/9112 and nginx's behaviour.
Python 3 standard library only; the runner, the raw HTTP/1.1 client and the process helpers are
shared with conf_test.py, in harness.py.
"""

import calendar
import email.utils
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ for harness.py in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (  # noqa: E402
    BACKEND, IO_TIMEOUT, REPO, ZOKIOD, Closed, Fail, NoAnswer, Skip, eq, expect,
    media_type, req, short, status, wait_for)

# The expected Server header; overridable only to check these tests against another server.
SERVER_NAME = os.environ.get("ZT_HTTP_SERVER_HEADER") or "zokiod"

MTIME = 1672628645  # 2023-01-02 03:04:05 UTC: every test file's modification time
FALLBACK_RE = re.compile(r"io_uring unavailable|using epoll|fall(s|ing)? ?back to epoll", re.I)
IMF_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d GMT$"
)


def httpdate(t):
    return email.utils.formatdate(t, usegmt=True)


def parse_imf(s):
    if not IMF_RE.match(s or ""):
        raise Fail("not an IMF-fixdate: %r" % s)
    t = calendar.timegm(time.strptime(s[5:], "%d %b %Y %H:%M:%S GMT"))
    if httpdate(t) != s:
        raise Fail("inconsistent IMF-fixdate (weekday?): %r" % s)
    return t


# --- the server process ---------------------------------------------------------------------------


Server = harness.RootServer


SRV = None
ROOT = ""
OUTSIDE = ""
FILES = {}  # path relative to ROOT -> content


# --- a raw HTTP/1.1 client ------------------------------------------------------------------------


def check_common(r):
    """What every final response carries (issue 3: Date, Server: zokiod, Content-Length)."""
    if r.status < 200:
        return
    what = "%d response" % r.status
    d = parse_imf(r.get("date"))
    expect(abs(d - time.time()) < 5, "%s: Date %r is not now" % (what, r.get("date")))
    eq(r.get("server"), SERVER_NAME, what + " Server header")
    if r.status != 304 and r.status != 204:
        expect(r.get("content-length") is not None, what + " has no Content-Length")
        expect(not r.all("transfer-encoding"), what + " uses Transfer-Encoding")


class Conn(harness.Conn):
    """A connection to SRV (or `port`) whose responses pass check_common (unless common=False)."""

    STRICT = True
    SEND_BLOCKED = "send blocked for %.0f s (server not reading)"
    CLOSE_WAIT = "%.0f s"

    def __init__(self, timeout=IO_TIMEOUT, port=None):
        super().__init__(port or SRV.port, timeout)

    def check(self, r):
        check_common(r)

    def still_usable(self):
        """A follow-up GET on this connection is answered correctly."""
        self.send(req("/a/c.txt"))
        r = self.response()
        eq(r.status, 200, "follow-up GET on the same connection")
        eq(r.body, FILES["a/c.txt"], "follow-up GET body")


def get(path, method="GET", headers=(), version="HTTP/1.1", **kw):
    """One request on a fresh connection; returns the response."""
    return harness.exchange(Conn(), req(path, method, headers, version, **kw), method)


def raw(data, method="GET"):
    return harness.exchange(Conn(), data, method)


def etag_of(rel):
    st = os.stat(os.path.join(ROOT, rel))
    return '"%x-%x"' % (int(st.st_mtime), st.st_size)


# --- the document root ----------------------------------------------------------------------------


def put(rel, data, mtime=MTIME):
    p = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    os.utime(p, (mtime, mtime))
    FILES[rel] = data


def build_root(tmp):
    global ROOT, OUTSIDE
    ROOT = os.path.join(tmp, "www")
    OUTSIDE = os.path.join(tmp, "outside")
    os.makedirs(ROOT)
    os.makedirs(OUTSIDE)
    rnd = random.Random(3)
    try:
        with open(os.path.join(REPO, "www", "index.html"), "rb") as f:
            index = f.read()
    except OSError:
        index = b"<!DOCTYPE html>\n<title>zokiod</title>\n<p>zokiod test page</p>\n"
    put("index.html", index)
    put("a/c.txt", b"this is a/c.txt\n")
    put("<script>.txt", b"odd name\n")
    put("big.bin", os.urandom(10 * 1024 * 1024))
    alnum = b"abcdefghijklmnopqrstuvwxyz0123456789"
    put("range.txt", bytes(rnd.choice(alnum) for _ in range(1000)))
    put("style.css", b"body { color: #222; }\n")
    put("app.js", b"console.log('zokiod');\n")
    put("img.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    put("data.json", b'{"zokiod": true}\n')
    put("blob.xyz", b"unknown extension\n")
    put("noext", b"no extension\n")
    put("IMG.PNG", b"\x89PNG\r\n\x1a\nupper")
    put("sub/index.html", b"<!DOCTYPE html><title>sub</title><p>sub index</p>\n")
    put("a b/x.txt", b"in a b\n")
    put("100%/x.txt", b"in 100%\n")
    put("noindex/x.txt", b"no index here\n")
    put("changing.txt", b"version one\n")
    put("caf\u00e9.txt", b"utf-8 name\n")
    put("empty.txt", b"")
    for i in range(50):
        put("p%02d.txt" % i, ("pipelined file %02d\n" % i).encode() * (1 + i * 7))
    put("unreadable.txt", b"secret 000\n")
    os.chmod(os.path.join(ROOT, "unreadable.txt"), 0)
    put("locked/x.txt", b"in a chmod 000 directory\n")
    os.chmod(os.path.join(ROOT, "locked"), 0)
    os.mkfifo(os.path.join(ROOT, "fifo"))
    with open(os.path.join(OUTSIDE, "secret.txt"), "wb") as f:
        f.write(b"OUTSIDE-SECRET\n")
    os.symlink(os.path.join(OUTSIDE, "secret.txt"), os.path.join(ROOT, "link_out"))
    os.symlink("../outside/secret.txt", os.path.join(ROOT, "link_rel"))
    os.symlink(OUTSIDE, os.path.join(ROOT, "link_dir"))


# --- tests ----------------------------------------------------------------------------------------

TESTS, test = harness.registry()


@test()
def t_get_index():
    r = get("/")
    status(r, 200)
    eq(media_type(r), "text/html", "Content-Type")
    eq(r.get("content-length"), str(len(FILES["index.html"])), "Content-Length")
    eq(r.body, FILES["index.html"], "body")


@test()
def t_date_imf_fixdate():
    r = get("/index.html")
    status(r, 200)
    d = parse_imf(r.get("date"))
    expect(abs(d - time.time()) < 3, "Date %r is not now" % r.get("date"))


@test()
def t_server_header():
    eq(get("/index.html").all("server"), [SERVER_NAME], "Server headers")


@test()
def t_accept_ranges():
    eq(get("/a/c.txt").get("accept-ranges"), "bytes", "Accept-Ranges")


@test()
def t_etag_strong_nginx_format():
    r = get("/range.txt")
    et = r.get("etag")
    expect(et is not None and re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', et),
           'ETag %r is not "hex-hex"' % et)
    eq(et, etag_of("range.txt"), "ETag (mtime hex - size hex, as nginx)")


@test()
def t_last_modified():
    eq(get("/range.txt").get("last-modified"), httpdate(MTIME), "Last-Modified")


@test()
def t_head_no_body():
    g = get("/index.html")
    with Conn() as c:
        c.send(req("/index.html", "HEAD"))
        h = c.response("HEAD")
        status(h, 200)
        for n in ("content-length", "content-type", "etag", "last-modified", "accept-ranges"):
            eq(h.get(n), g.get(n), "HEAD %s (vs GET)" % n)
        c.expect_quiet(0.3)
        c.still_usable()


@test()
def t_head_big_file():
    with Conn() as c:
        c.send(req("/big.bin", "HEAD"))
        h = c.response("HEAD")
        status(h, 200)
        eq(h.get("content-length"), str(len(FILES["big.bin"])), "Content-Length")
        c.expect_quiet(0.3)
        c.still_usable()


@test(limit=30)
def t_many_requests():
    # 2,000 requests: 20 keep-alive connections of 100 sequential requests each
    n = 0
    for _ in range(20):
        with Conn(timeout=3) as c:
            for _ in range(100):
                try:
                    c.send(req("/a/c.txt"))
                    r = c.response()
                except Fail as e:
                    raise Fail("server stopped answering after %d requests: %s" % (n, e))
                status(r, 200, "request %d" % n)
                n += 1


@test()
def t_keepalive_http11_default():
    with Conn() as c:
        c.send(req("/index.html"))
        r = c.response()
        status(r, 200)
        eq(r.all("connection"), ["keep-alive"], "Connection of a kept-alive response (nginx)")
        c.send(req("/style.css"))
        r = c.response()
        status(r, 200)
        eq(r.body, FILES["style.css"], "second body")
        c.expect_quiet(0.2)


@test()
def t_http10_closes_by_default():
    with Conn() as c:
        c.send(b"GET /a/c.txt HTTP/1.0\r\n\r\n")
        r = c.response()
        status(r, 200)
        eq(r.body, FILES["a/c.txt"], "body")
        expect("keep-alive" not in r.tokens("connection"), "HTTP/1.0 response says keep-alive")
        expect("close" in r.tokens("connection"), "no Connection: close although the server closes")
        c.expect_closed()


@test()
def t_http10_keepalive():
    with Conn() as c:
        c.send(b"GET /a/c.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.response()
        status(r, 200)
        expect("keep-alive" in r.tokens("connection"),
               "no Connection: keep-alive (got %r)" % r.all("connection"))
        c.send(b"GET /style.css HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.response()
        status(r, 200)
        eq(r.body, FILES["style.css"], "second body")
        c.send(b"GET /a/c.txt HTTP/1.0\r\n\r\n")
        status(c.response(), 200)
        c.expect_closed()


@test()
def t_http10_without_host():
    r = raw(b"GET /a/c.txt HTTP/1.0\r\n\r\n")
    status(r, 200)


@test()
def t_connection_close_from_client():
    with Conn() as c:
        c.send(req("/a/c.txt", headers=["Connection: close"]))
        r = c.response()
        status(r, 200)
        expect("close" in r.tokens("connection"),
               "no Connection: close (got %r)" % r.all("connection"))
        eq(r.body, FILES["a/c.txt"], "body")
        c.expect_closed()


@test()
def t_connection_close_token_list():
    for v in ("Close", "keep-alive, close", "foo,  CLOSE"):
        with Conn() as c:
            c.send(req("/a/c.txt", headers=["Connection: " + v]))
            r = c.response()
            status(r, 200, "Connection: " + v)
            expect("close" in r.tokens("connection"), "Connection: %s: no Connection: close" % v)
            c.expect_closed()


@test()
def t_client_half_close():
    # the client shuts down its sending side after the request: the answer still comes
    with Conn() as c:
        c.send(req("/big.bin"))
        c.s.shutdown(socket.SHUT_WR)
        r = c.response()
        status(r, 200)
        expect(r.body == FILES["big.bin"], "body differs")
        c.expect_closed()


@test()
def t_connection_close_ends_pipeline():
    with Conn() as c:
        c.send(req("/a/c.txt", headers=["Connection: close"]) + req("/style.css"))
        r = c.response()
        status(r, 200)
        c.expect_closed()


@test()
def t_pipeline_50_in_order():
    with Conn() as c:
        c.send(b"".join(req("/p%02d.txt" % i) for i in range(50)))
        for i in range(50):
            r = c.response()
            status(r, 200, "response %d" % i)
            eq(r.body, FILES["p%02d.txt" % i], "body of response %d" % i)
        c.expect_quiet(0.2)


@test()
def t_pipeline_mixed_in_order():
    et = etag_of("range.txt")
    steps = [
        (req("/index.html"), "GET", 200, FILES["index.html"]),
        (req("/index.html", "HEAD"), "HEAD", 200, b""),
        (req("/missing.txt"), "GET", 404, None),
        (req("/range.txt", headers=["Range: bytes=0-9"]), "GET", 206, FILES["range.txt"][:10]),
        (req("/range.txt", headers=["If-None-Match: " + et]), "GET", 304, b""),
        (req("/big.bin", headers=["Range: bytes=100-199"]), "GET", 206, FILES["big.bin"][100:200]),
        (req("/sub"), "GET", 301, None),
        (req("/style.css"), "GET", 200, FILES["style.css"]),
    ]
    with Conn() as c:
        c.send(b"".join(s[0] for s in steps))
        for i, (_, m, st, body) in enumerate(steps):
            r = c.response(m)
            status(r, st, "response %d" % i)
            if body is not None:
                eq(r.body, body, "body of response %d" % i)
        c.expect_quiet(0.2)


@test()
def t_pipeline_random_split():
    rnd = random.Random(7)
    data = b"".join(req("/p%02d.txt" % i) for i in range(20))
    with Conn() as c:
        off = 0
        while off < len(data):
            n = rnd.randint(1, 60)
            c.send(data[off : off + n])
            off += n
            time.sleep(0.001)
        for i in range(20):
            r = c.response()
            status(r, 200, "response %d" % i)
            eq(r.body, FILES["p%02d.txt" % i], "body of response %d" % i)


@test()
def t_request_byte_by_byte():
    with Conn() as c:
        for b in req("/a/c.txt", headers=["Range: bytes=0-3"]):
            c.send(bytes([b]))
            time.sleep(0.0005)
        r = c.response()
        status(r, 206)
        eq(r.body, FILES["a/c.txt"][:4], "body")


@test()
def t_pipeline_then_garbage():
    with Conn() as c:
        c.send(req("/a/c.txt") + b"GARBAGE\x01\r\n\r\n")
        r = c.response()
        status(r, 200, "the valid request")
        eq(r.body, FILES["a/c.txt"], "body")
        r = c.response()
        status(r, (400, 501), "the garbage")
        c.expect_closed()


@test()
def t_slow_reader_does_not_block_others():
    with Conn() as slow:
        slow.send(req("/big.bin") * 3)  # ~30 MB the client does not read for now
        time.sleep(0.2)
        t = time.monotonic()
        for _ in range(5):
            status(get("/a/c.txt"), 200)
        dt = time.monotonic() - t
        expect(dt < 1.0, "5 small GETs took %.2f s while another client was not reading" % dt)
        r = slow.response()
        status(r, 200, "slow reader")
        expect(r.body == FILES["big.bin"], "slow reader body differs")


@test(limit=30)
def t_memory_returned_after_slow_clients():
    # 400 clients each leave a request head half sent (each holds a connection's work buffers),
    # then go away: within a few quiet seconds the worker's memory is back near where it was
    for _ in range(20):
        status(get("/a/c.txt"), 200)
    time.sleep(1.2)
    rss0 = SRV.rss_kib()
    socks = []
    try:
        for _ in range(400):
            s = socket.create_connection(("127.0.0.1", SRV.port), timeout=2)
            s.sendall(b"GET /a/c.txt HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 2000)
            socks.append(s)
        time.sleep(0.5)
        peak = SRV.rss_kib()
        expect(peak - rss0 > 2048, "400 half-sent heads grew RSS by only %d KiB: the test "
               "measures nothing" % (peak - rss0))
    finally:
        for s in socks:
            s.close()
    end = time.monotonic() + 4
    while SRV.rss_kib() - rss0 >= 1024 and time.monotonic() < end:
        time.sleep(0.1)
    rss1 = SRV.rss_kib()
    expect(rss1 - rss0 < 1024, "RSS %d KiB before, %d KiB with 400 slow clients, still %d KiB "
           "4 s after they left" % (rss0, peak, rss1))
    status(get("/a/c.txt"), 200, "served after the slow clients left")


IDLE_CONNS = 2000
# bytes of worker RSS each idle keep-alive connection may cost: issue 12's target. Measured at
# 2,000 connections: 395 on io_uring, 451 on epoll; before the connection was slimmed and the
# buffer ring sized to demand, 840 and 651 (bench/RESULTS.md)
IDLE_CONN_BYTES = 512


@test(limit=40)
def t_idle_keepalive_rss_per_connection():
    # 2,000 keep-alive connections that did one GET each and then wait: the worker's RSS grows by
    # at most IDLE_CONN_BYTES per connection (the connection's own state; no request, parser or
    # receive buffer is held by an idle connection)
    for _ in range(20):
        status(get("/a/c.txt"), 200)
    time.sleep(1.2)  # the once-a-second trim of the pools after the warm-up
    rss0 = SRV.rss_kib()
    socks = []
    one = req("/a/c.txt")
    try:
        for i in range(IDLE_CONNS):
            c = Conn(timeout=5)
            socks.append(c)
            c.send(one)
            status(c.response(), 200, "GET on idle connection %d" % i)
        time.sleep(1.2)  # a trim tick while they idle
        rss1 = SRV.rss_kib()
        per = (rss1 - rss0) * 1024 / IDLE_CONNS
        expect(per <= IDLE_CONN_BYTES, "%d idle keep-alive connections grew the worker's RSS from "
               "%d to %d KiB: %.0f bytes each, more than %d"
               % (IDLE_CONNS, rss0, rss1, per, IDLE_CONN_BYTES))
        # they are all still open and served: the server holds them, it did not drop them
        for i in (0, IDLE_CONNS // 2, IDLE_CONNS - 1):
            socks[i].send(one)
            status(socks[i].response(), 200, "second GET on idle connection %d" % i)
    finally:
        for c in socks:
            c.close()


@test()
def t_pipeline_flood_bounded():
    one = req("/p01.txt")
    payload = one * 100000  # ~3.5 MB of requests; their responses would be ~20 MB
    rss0 = SRV.rss_kib()
    c = Conn()
    try:
        c.s.setblocking(False)
        off, end = 0, time.monotonic() + 3
        while off < len(payload) and time.monotonic() < end:
            try:
                off += c.s.send(payload[off : off + 65536])
            except BlockingIOError:
                time.sleep(0.01)
        time.sleep(0.5)
        expect(SRV.alive(), "server died")
        grown = SRV.rss_kib() - rss0
        expect(grown < 16 * 1024, "server RSS grew by %d KiB while the client did not read "
               "(%d request bytes accepted)" % (grown, off))
        # the connection still works from its start
        for i in range(5):
            r = c.response()
            status(r, 200, "flood response %d" % i)
            eq(r.body, FILES["p01.txt"], "flood response body")
    finally:
        c.reset()
    status(get("/a/c.txt"), 200, "another connection after the flood")


@test()
def t_big_file_sha256():
    with Conn() as c:
        c.send(req("/big.bin"))
        r = c.response()
        status(r, 200)
        eq(r.get("content-length"), str(len(FILES["big.bin"])), "Content-Length")
        eq(hashlib.sha256(r.body).hexdigest(), hashlib.sha256(FILES["big.bin"]).hexdigest(),
           "sha256 of the body (length %d)" % len(r.body))
        c.still_usable()


@test()
def t_big_file_range_middle():
    r = get("/big.bin", headers=["Range: bytes=5000000-5099999"])
    status(r, 206)
    eq(r.get("content-range"), "bytes 5000000-5099999/%d" % len(FILES["big.bin"]), "Content-Range")
    expect(r.body == FILES["big.bin"][5000000:5100000], "range body differs")


@test()
def t_big_file_two_at_once():
    with Conn() as c:
        c.send(req("/big.bin") + req("/big.bin"))
        for i in range(2):
            r = c.response()
            status(r, 200)
            expect(r.body == FILES["big.bin"], "body %d differs" % i)


@test()
def t_path_dot_segments():
    r = get("/a/./b/../c.txt")
    status(r, 200)
    eq(r.body, FILES["a/c.txt"], "body")
    r = get("//a//c.txt")
    status(r, 200, "//a//c.txt")
    eq(r.body, FILES["a/c.txt"], "body of //a//c.txt")


def never_outside(path):
    r = get(path)
    status(r, (400, 404), path)
    expect(b"root:" not in r.body and b"OUTSIDE-SECRET" not in r.body, "served outside content")


@test()
def t_path_dotdot_above_root():
    for p in ("/../../etc/passwd", "/a/../../etc/passwd", "/../outside/secret.txt",
              "/%2e%2e/%2e%2e/etc/passwd", "/a/%2E%2E/%2e%2E/outside/secret.txt"):
        never_outside(p)


@test()
def t_path_encoded_slash_dotdot():
    for p in ("/..%2f..%2fetc/passwd", "/..%2F..%2F..%2Fetc%2Fpasswd",
              "/a/..%2f..%2foutside%2fsecret.txt"):
        never_outside(p)


@test()
def t_path_nul_400():
    for p in ("/index.html%00", "/index.html%00.txt", "/a%00/c.txt"):
        status(get(p), 400, p)


@test()
def t_error_statuses_close():
    # nginx ends keep-alive after a 400, 413, 414, 500 or 501 of its own (after a 404, 403, 405
    # or 416 it keeps the connection)
    for p in ("/index.html%00", "/../a/c.txt", "/a/c.txt%zz"):
        with Conn() as c:
            c.send(req(p))
            r = c.response()
            status(r, 400, p)
            eq(r.all("connection"), ["close"], "Connection of the 400 for " + p)
            c.expect_closed()
    with Conn() as c:
        c.send(req("/missing.txt"))
        status(c.response(), 404)
        c.still_usable()


@test()
def t_path_encoded_slash_not_separator():
    status(get("/a%2Fc.txt"), 404, "/a%2Fc.txt")
    status(get("/a%2fc.txt"), 404, "/a%2fc.txt")


@test()
def t_path_percent_decoded_once():
    r = get("/%3Cscript%3E.txt")
    status(r, 200, "/%3Cscript%3E.txt")
    eq(r.body, FILES["<script>.txt"], "body")
    r = get("/a/c%2Etxt")
    status(r, 200, "/a/c%2Etxt")
    status(get("/a/c%252Etxt"), 404, "/a/c%252Etxt (decoded once: 'c%2Etxt')")
    r = get("/caf%C3%A9.txt")
    status(r, 200, "/caf%C3%A9.txt")
    eq(r.body, FILES["caf\u00e9.txt"], "body")


@test()
def t_path_bad_escape_400():
    for p in ("/a/c.txt%", "/a/c.txt%4", "/a/c%zz.txt"):
        status(get(p), 400, p)


@test()
def t_path_name_too_long_404():
    # one segment longer than NAME_MAX: open(2) says ENAMETOOLONG; nginx answers 404, and the
    # target is far below the 8 KiB that earns a 414
    status(get("/" + "n" * 300), 404, "300-byte file name")
    status(get("/a/" + "n" * 1000 + ".txt"), 404, "1000-byte file name")


@test()
def t_query_ignored():
    r = get("/a/c.txt?x=1&y=%00")
    status(r, 200)
    eq(r.body, FILES["a/c.txt"], "body")


@test()
def t_symlink_to_file_outside():
    for p in ("/link_out", "/link_rel"):
        r = get(p)
        status(r, (403, 404), p)
        expect(b"OUTSIDE-SECRET" not in r.body, "served the file outside the root")


@test()
def t_symlink_to_dir_outside():
    r = get("/link_dir/secret.txt")
    status(r, (403, 404))
    expect(b"OUTSIDE-SECRET" not in r.body, "served the file outside the root")


def location_path(r):
    loc = r.get("location")
    expect(loc is not None, "no Location header")
    m = re.match(r"^https?://[^/]+(/.*)$", loc)
    return m.group(1) if m else loc


@test()
def t_dir_redirect_301():
    with Conn() as c:
        for path, want in (("/sub", "/sub/"), ("/a%20b", "/a%20b/"), ("/100%25", "/100%25/"),
                           ("/noindex", "/noindex/"), ("/sub?x=1&y", "/sub/?x=1&y")):
            c.send(req(path))
            r = c.response()
            status(r, 301, path)
            eq(location_path(r), want, "Location for " + path)
        c.still_usable()


@test()
def t_dir_index():
    r = get("/sub/")
    status(r, 200)
    eq(media_type(r), "text/html", "Content-Type")
    eq(r.body, FILES["sub/index.html"], "body")


@test()
def t_dir_without_index_listed():
    # zokiod -r has autoindex on (a quick file server lists folders); the 403 of autoindex off
    # is conf/autoindex_off_403
    for path, name in (("/noindex/", "x.txt"), ("/a%20b/", "x.txt")):
        r = get(path)
        status(r, 200, path)
        eq(media_type(r), "text/html", "Content-Type of the listing of " + path)
        expect(('href="%s"' % name).encode() in r.body, "no link to %s in the listing of %s: %s"
               % (name, path, short(r.body, 300)))


@test()
def t_missing_404():
    with Conn() as c:
        for p in ("/nope.txt", "/nope/", "/a/nope.txt", "/index.html/"):
            c.send(req(p))
            status(c.response(), 404, p)
        c.still_usable()


@test()
def t_head_error_no_body():
    with Conn() as c:
        c.send(req("/nope.txt", "HEAD"))
        r = c.response("HEAD")
        status(r, 404)
        c.expect_quiet(0.3)
        c.still_usable()


@test()
def t_empty_file():
    with Conn() as c:
        c.send(req("/empty.txt"))
        r = c.response()
        status(r, 200)
        eq(r.get("content-length"), "0", "Content-Length")
        c.still_usable()


@test()
def t_absolute_form_target():
    # RFC 9112 3.2.2: "A server MUST accept the absolute-form in requests"; nginx serves it
    r = get("http://localhost/a/c.txt")
    status(r, 200, "GET http://localhost/a/c.txt")
    eq(r.body, FILES["a/c.txt"], "body")


@test()
def t_upgrade_header_ignored():
    # RFC 9110 7.8: a server may ignore Upgrade and answer the request as usual; after that it
    # goes on with HTTP/1.1 (answers the pipelined second request) or says Connection: close
    for proto in ("websocket", "h2c"):
        with Conn() as c:
            c.send(req("/a/c.txt", headers=["Connection: Upgrade", "Upgrade: " + proto])
                   + req("/style.css"))
            try:
                r = c.response()
            except Closed as e:
                raise Fail("Upgrade: %s then a pipelined GET: %s" % (proto, e))
            status(r, 200, "Upgrade: " + proto)
            eq(r.body, FILES["a/c.txt"], "body")
            if "close" in r.tokens("connection"):
                c.expect_closed()
                continue
            try:
                r = c.response()
            except Closed as e:
                raise Fail("Upgrade: %s: answered without Connection: close, then the pipelined "
                           "GET got no answer: %s" % (proto, e))
            status(r, 200, "the GET after Upgrade: " + proto)
            eq(r.body, FILES["style.css"], "body")


@test()
def t_header_values_rfc_chars_ok():
    # RFC 9110 5.5: empty values, HTAB and obs-text (bytes >= 0x80) are valid field values
    for h in (b"X-Empty:", b"X-Empty: ", b"X-Tab: a\tb", b"X-Obs: caf\xe9"):
        r = raw(b"GET /a/c.txt HTTP/1.1\r\n" + H + h + b"\r\n\r\n")
        status(r, 200, repr(h))


@test()
def t_unreadable_file_403():
    # As root, chmod 000 stops nobody (CAP_DAC_OVERRIDE): then a second zokiod runs without
    # that capability (util-linux setpriv drops it from the bounding set before exec).
    wrap = []
    try:
        os.close(os.open(os.path.join(ROOT, "unreadable.txt"), os.O_RDONLY))
        setpriv = shutil.which("setpriv")
        if not setpriv:
            raise Skip("root reads chmod 000 files and util-linux setpriv is missing")
        wrap = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
        probe = subprocess.run(wrap + ["cat", os.path.join(ROOT, "unreadable.txt")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            raise Skip("root reads chmod 000 files even without CAP_DAC_OVERRIDE here")
    except PermissionError:
        pass
    srv = SRV
    if wrap:
        srv = Server(ROOT, os.path.dirname(ROOT), wrap, "zokiod-nocap")
        srv.start()
    try:
        for path in ("/unreadable.txt", "/locked/x.txt", "/locked/"):
            with Conn(port=srv.port) as c:
                c.send(req(path))
                status(c.response(), 403, path)
        with Conn(port=srv.port) as c:
            c.send(req("/a/c.txt"))
            status(c.response(), 200, "/a/c.txt")
        # never silent: each refusal is in the error log with the path and errno, as nginx has it
        if wrap:
            time.sleep(0.2)
            log = srv.stderr_text()
            for rel in ("unreadable.txt", "locked/x.txt", "locked/index.html"):
                line = 'open() "%s/%s" failed (13: Permission denied)' % (ROOT, rel)
                expect(line in log, "no `%s` in the error log: %s" % (line, short(log, 400)))
    finally:
        if srv is not SRV:
            srv.stop()


@test()
def t_quick_mode_reload():
    # HUP in -r mode reloads the quick configuration: a new worker serves, nothing fails (the
    # temporary config was deleted after the first load, so the reload could not read it)
    srv = Server(ROOT, os.path.dirname(ROOT), [], "zokiod-hup")
    srv.start()
    try:
        def worker():
            try:
                return srv.worker()
            except Fail:  # none yet (the socket accepts before the worker is forked), or two
                return None  # while the old one finishes

        expect(wait_for(lambda: worker() is not None, 5), "no worker 5 s after the start")
        old = worker()
        srv.proc.send_signal(signal.SIGHUP)
        expect(wait_for(lambda: worker() not in (None, old), 5),
               "no new worker 5 s after HUP; stderr: %s" % short(srv.stderr_text(), 400))
        log = srv.stderr_text()
        expect("failed" not in log and "[emerg]" not in log,
               "the reload failed: %s" % short(log, 400))
        with Conn(port=srv.port) as c:
            c.send(req("/a/c.txt"))
            status(c.response(), 200, "/a/c.txt after the reload")
    finally:
        srv.stop()
    # the temporary config lives as long as the master, no longer
    m = re.search(r"configuration (/tmp/zokiod-quick-\w+)", srv.stderr_text())
    expect(m is not None, "no quick configuration named in: %s" % short(srv.stderr_text(), 300))
    expect(not os.path.exists(m.group(1)), "%s left behind after the stop" % m.group(1))


@test()
def t_not_found_logged_rate_limited():
    # a 404 is an error-log line (nginx's log_not_found on); a scan of 300 missing files leaves
    # at most 20 lines a second, and says how many it held back
    start = len(SRV.stderr_text())
    status(get("/no-such-file.txt"), 404)
    time.sleep(0.2)
    line = 'open() "%s/no-such-file.txt" failed (2: No such file or directory)' % ROOT
    expect(line in SRV.stderr_text()[start:], "no `%s` in the error log: %s"
           % (line, short(SRV.stderr_text()[start:], 300)))
    time.sleep(1.05 - time.time() % 1)  # at the start of a second
    start = len(SRV.stderr_text())
    with Conn() as c:
        for i in range(300):
            c.send(req("/scan-%d.txt" % i))
            status(c.response(), 404)
    t = time.monotonic()
    time.sleep(1.1)
    status(get("/scan-last.txt"), 404)
    time.sleep(0.2)
    lines = [ln for ln in SRV.stderr_text()[start:].splitlines() if "/scan-" in ln]
    secs = max(1, int(time.monotonic() - t + 1))
    expect(len(lines) <= 20 * (secs + 1), "%d error-log lines for 300 404s in ~%d s" % (
        len(lines), secs))
    expect(any("similar lines dropped" in ln for ln in lines), "no count of the dropped lines "
           "in %s" % short("\n".join(lines[-3:]), 300))


def fetch_all(port, path, n, timeout=20):
    """n clients send GET path at once; returns the list of (status or error, body length)."""
    import selectors
    sel = selectors.DefaultSelector()
    out = []
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        s.setblocking(False)
        st = {"s": s, "buf": bytearray()}
        conns.append(st)
        sel.register(s, selectors.EVENT_READ, st)
    end = time.monotonic() + timeout
    live = n
    while live and time.monotonic() < end:
        for key, _ in sel.select(0.5):
            st = key.data
            try:
                d = st["s"].recv(1 << 18)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                d, st["err"] = b"", str(e)
            if d:
                st["buf"] += d
            else:
                sel.unregister(st["s"])
                st["s"].close()
                live -= 1
    for st in conns:
        b = bytes(st["buf"])
        head, _, body = b.partition(b"\r\n\r\n")
        m = re.match(rb"HTTP/1\.1 (\d+)", head)
        if st["s"].fileno() >= 0:
            st["s"].close()
            out.append(("no answer within %d s" % timeout, len(body)))
        else:
            out.append((int(m.group(1)) if m else st.get("err", "closed, no answer"), len(body)))
    return out


@test(limit=60)
def t_fd_exhaustion_survived():
    # RLIMIT_NOFILE 256 for a worker: big downloads leave no pipes behind, and a crowd bigger
    # than the limit is answered in full (the accepts pause and the backlog waits; nothing turns
    # into a 500 for want of an fd)
    prlimit = shutil.which("prlimit")
    if not prlimit:
        raise Skip("util-linux prlimit is missing")
    srv = Server(ROOT, os.path.dirname(ROOT), [prlimit, "--nofile=256:256"], "zokiod-fd256")
    srv.start()
    try:
        for r in fetch_all(srv.port, "/a/c.txt", 4):
            eq(r[0], 200, "warm-up")
        time.sleep(1.2)
        base = srv.fds()
        got = fetch_all(srv.port, "/big.bin", 60)
        bad = [r for r in got if r != (200, len(FILES["big.bin"]))]
        expect(not bad, "%d of 60 downloads of 10 MiB failed: %s" % (len(bad), bad[:3]))
        time.sleep(1.5)
        after = srv.fds()
        expect(after <= base + 20, "worker fds: %d before 60 downloads of 10 MiB, %d after"
               % (base, after))
        got = fetch_all(srv.port, "/a/c.txt", 300)
        codes = {}
        for r in got:
            codes[r[0]] = codes.get(r[0], 0) + 1
        eq(codes, {200: 300}, "answers to 300 clients at once under RLIMIT_NOFILE 256")
        # 300 idle connections: more than there are fds. Requests queue behind them while the
        # idle ones leave one by one, each freeing one fd: a request accepted then must still
        # find an fd for its file -- none answered 500, none reset
        idle = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(300)]

        def leave():
            for c in idle:
                c.close()
                time.sleep(0.015)

        closer = threading.Thread(target=leave)
        closer.start()
        try:
            got = fetch_all(srv.port, "/a/c.txt", 40) + fetch_all(srv.port, "/big.bin", 10)
        finally:
            closer.join()
        bad = [r for r in got if r[0] != 200]
        expect(not bad, "%d of 50 requests queued behind 300 idle connections failed: %s"
               % (len(bad), bad[:3]))
        time.sleep(1.5)
        expect(srv.fds() <= base + 20, "worker fds: %d at the start, %d at the end"
               % (base, srv.fds()))
        expect(srv.alive(), "server died")
    finally:
        srv.stop()


@test()
def t_fifo_not_served():
    try:
        with Conn(timeout=3) as c:
            c.send(req("/fifo"))
            r = c.response()
        status(r, (403, 404))
    except NoAnswer:
        # zokiod is probably blocked in open(2) on the FIFO: unblock it
        try:
            os.close(os.open(os.path.join(ROOT, "fifo"), os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        raise Fail("GET /fifo hung (no answer within 3 s)")


MIME = {
    "index.html": "text/html",
    "style.css": "text/css",
    "app.js": "text/javascript",
    "img.png": "image/png",
    "data.json": "application/json",
    "a/c.txt": "text/plain",
}


@test()
def t_mime_known():
    errs = []
    for f, want in MIME.items():
        got = media_type(get("/" + f))
        if got != want:
            errs.append("%s: %r (want %r)" % (f, got, want))
    expect(not errs, "; ".join(errs))


@test()
def t_mime_extension_case_insensitive():
    eq(media_type(get("/IMG.PNG")), "image/png", "Content-Type of IMG.PNG")


@test()
def t_mime_unknown_octet_stream():
    eq(media_type(get("/blob.xyz")), "application/octet-stream", "Content-Type of blob.xyz")
    eq(media_type(get("/noext")), "application/octet-stream", "Content-Type of noext")


def expect_304(headers, method="GET"):
    with Conn() as c:
        c.send(req("/range.txt", method, headers))
        r = c.response(method)
        status(r, 304, ", ".join(headers))
        eq(r.get("etag"), etag_of("range.txt"), "ETag on the 304")
        c.expect_quiet(0.2)  # no body
        c.still_usable()


@test()
def t_if_none_match_etag_304():
    expect_304(["If-None-Match: " + etag_of("range.txt")])


@test()
def t_if_none_match_star_304():
    expect_304(["If-None-Match: *"])


@test()
def t_if_none_match_list_and_weak_304():
    et = etag_of("range.txt")
    expect_304(['If-None-Match: "nope", ' + et + ', "x"'])
    expect_304(["If-None-Match: W/" + et])


@test()
def t_if_none_match_head_304():
    expect_304(["If-None-Match: " + etag_of("range.txt")], "HEAD")


@test()
def t_if_none_match_other_200():
    r = get("/range.txt", headers=['If-None-Match: "12345-678"'])
    status(r, 200)
    eq(r.body, FILES["range.txt"], "body")


@test()
def t_if_modified_since_equal_304():
    expect_304(["If-Modified-Since: " + httpdate(MTIME)])


@test()
def t_if_modified_since_later_200():
    # nginx's default `if_modified_since exact`: only the file's own time is "not modified"
    status(get("/range.txt", headers=["If-Modified-Since: " + httpdate(MTIME + 86400)]), 200)


@test()
def t_if_modified_since_older_200():
    r = get("/range.txt", headers=["If-Modified-Since: " + httpdate(MTIME - 86400)])
    status(r, 200)
    eq(r.body, FILES["range.txt"], "body")


@test()
def t_if_modified_since_obsolete_formats():
    # RFC 9110 5.6.7: recipients must accept rfc850-date and asctime-date
    expect_304(["If-Modified-Since: Monday, 02-Jan-23 03:04:05 GMT"])
    expect_304(["If-Modified-Since: Mon Jan  2 03:04:05 2023"])


@test()
def t_if_modified_since_invalid_ignored():
    status(get("/range.txt", headers=["If-Modified-Since: yesterday"]), 200)


@test()
def t_if_none_match_overrides_ims():
    # nginx: both must say "not modified" (RFC 9110 13.2.2 would ignore If-Modified-Since)
    r = get("/range.txt",
            headers=['If-None-Match: "other"', "If-Modified-Since: " + httpdate(MTIME)])
    status(r, 200)


@test()
def t_if_match_wrong_412():
    status(get("/range.txt", headers=['If-Match: "12345-678"']), 412)


@test()
def t_if_match_right_200():
    status(get("/range.txt", headers=["If-Match: " + etag_of("range.txt")]), 200, "If-Match: etag")
    status(get("/range.txt", headers=["If-Match: *"]), 200, "If-Match: *")


@test()
def t_if_unmodified_since_older_412():
    status(get("/range.txt", headers=["If-Unmodified-Since: " + httpdate(MTIME - 86400)]), 412)


@test()
def t_if_unmodified_since_equal_200():
    status(get("/range.txt", headers=["If-Unmodified-Since: " + httpdate(MTIME)]), 200)


def one_range(spec, start, end, headers=()):
    data = FILES["range.txt"]
    r = get("/range.txt", headers=["Range: " + spec] + list(headers))
    status(r, 206, spec)
    eq(r.get("content-range"), "bytes %d-%d/%d" % (start, end, len(data)), "Content-Range")
    eq(r.get("content-length"), str(end - start + 1), "Content-Length")
    eq(r.body, data[start : end + 1], "body")
    eq(media_type(r), "text/plain", "Content-Type")


@test()
def t_range_first_bytes():
    one_range("bytes=0-9", 0, 9)


@test()
def t_range_suffix():
    one_range("bytes=-5", 995, 999)


@test()
def t_range_open_end():
    one_range("bytes=5-", 5, 999)


@test()
def t_range_end_clamped():
    one_range("bytes=990-5000", 990, 999)


@test()
def t_range_unsatisfiable_416():
    with Conn() as c:
        c.send(req("/range.txt", headers=["Range: bytes=1000-"]))
        r = c.response()
        status(r, 416)
        eq(r.get("content-range"), "bytes */1000", "Content-Range")
        c.still_usable()


def parse_multipart(r, data):
    ct = r.get("content-type") or ""
    m = re.fullmatch(r'multipart/byteranges;\s*boundary=("?)([^";]+)\1', ct)
    expect(m, "Content-Type %r is not multipart/byteranges; boundary=..." % ct)
    eq(r.get("content-length"), str(len(r.body)), "Content-Length")
    delim = b"--" + m.group(2).encode()
    body = r.body
    i = body.find(delim)
    expect(i >= 0, "no boundary in body %s" % short(body))
    i += len(delim)
    parts = []
    while True:
        if body[i : i + 2] == b"--":
            expect(body[i + 2 :] in (b"", b"\r\n"), "junk after the close delimiter")
            return parts
        expect(body[i : i + 2] == b"\r\n", "no CRLF after a boundary")
        j = body.find(b"\r\n\r\n", i + 2)
        expect(j >= 0, "part without header end")
        hdrs = {}
        for ln in body[i + 2 : j].split(b"\r\n"):
            k, _, v = ln.decode("latin-1").partition(":")
            hdrs[k.strip().lower()] = v.strip()
        cr = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", hdrs.get("content-range", ""))
        expect(cr, "part Content-Range %r" % hdrs.get("content-range"))
        s, e, size = (int(x) for x in cr.groups())
        eq(size, len(data), "part size")
        chunk = body[j + 4 : j + 4 + e - s + 1]
        eq(chunk, data[s : e + 1], "part %d-%d data" % (s, e))
        parts.append((s, e, hdrs.get("content-type")))
        i = j + 4 + e - s + 1
        expect(body[i : i + 2 + len(delim)] == b"\r\n" + delim,
               "no boundary after part %d-%d" % (s, e))
        i += 2 + len(delim)


@test()
def t_range_multipart():
    with Conn() as c:
        c.send(req("/range.txt", headers=["Range: bytes=0-9,20-29,-3"]))
        r = c.response()
        status(r, 206)
        parts = parse_multipart(r, FILES["range.txt"])
        eq([(s, e) for s, e, _ in parts], [(0, 9), (20, 29), (997, 999)], "parts")
        for _, _, t in parts:
            expect(t is None or t.split(";")[0] == "text/plain", "part Content-Type %r" % t)
        c.still_usable()


@test()
def t_range_17_ranges_200():
    spec = "bytes=" + ",".join("%d-%d" % (i * 2, i * 2) for i in range(17))
    r = get("/range.txt", headers=["Range: " + spec])
    status(r, 200)
    eq(r.body, FILES["range.txt"], "body")


@test()
def t_range_16_ranges_206():
    spec = "bytes=" + ",".join("%d-%d" % (i * 2, i * 2) for i in range(16))
    r = get("/range.txt", headers=["Range: " + spec])
    status(r, 206)
    eq(len(parse_multipart(r, FILES["range.txt"])), 16, "number of parts")


@test()
def t_range_overlapping_whole_200():
    r = get("/range.txt", headers=["Range: bytes=0-,0-"])
    status(r, 200)
    eq(r.body, FILES["range.txt"], "body")


@test()
def t_range_invalid_ignored():
    for spec in ("bytes=abc", "bytes=9-0", "items=0-9", "bytes 0-9"):
        r = get("/range.txt", headers=["Range: " + spec])
        status(r, 200, spec)
        eq(r.body, FILES["range.txt"], "body for " + spec)


@test()
def t_range_head_ignored():
    with Conn() as c:
        c.send(req("/range.txt", "HEAD", ["Range: bytes=0-9"]))
        r = c.response("HEAD")
        status(r, 200)
        eq(r.get("content-length"), "1000", "Content-Length")
        c.expect_quiet(0.2)
        c.still_usable()


@test()
def t_if_range_etag_206():
    one_range("bytes=0-9", 0, 9, ["If-Range: " + etag_of("range.txt")])


@test()
def t_if_range_other_etag_200():
    for v in ('"other-1"', "W/" + etag_of("range.txt")):
        r = get("/range.txt", headers=["Range: bytes=0-9", "If-Range: " + v])
        status(r, 200, "If-Range: " + v)
        eq(r.body, FILES["range.txt"], "body")


@test()
def t_if_range_date_206():
    one_range("bytes=0-9", 0, 9, ["If-Range: " + httpdate(MTIME)])


@test()
def t_if_range_other_date_200():
    r = get("/range.txt", headers=["Range: bytes=0-9", "If-Range: " + httpdate(MTIME + 60)])
    status(r, 200)


@test()
def t_cache_revalidated_within_1s():
    status(get("/changing.txt"), 200)
    status(get("/changing.txt"), 200)
    new = b"version two is longer\n"
    with open(os.path.join(ROOT, "changing.txt"), "wb") as f:
        f.write(new)
    FILES["changing.txt"] = new
    d0 = get("/a/c.txt").get("date")
    time.sleep(1.3)
    eq(get("/a/c.txt").get("date") != d0, True, "Date changed after 1.3 s (was %r)" % d0)
    r = get("/changing.txt")
    status(r, 200)
    eq(r.body, new, "body 1.3 s after the file changed")
    eq(r.get("etag"), etag_of("changing.txt"), "ETag after the change")


# --- bad input ------------------------------------------------------------------------------------


def bad(data, want, close=True, method="GET"):
    """Sends `data` on a fresh connection; expects status `want`, then a close (when `close`)."""
    with Conn() as c:
        c.send(data)
        r = c.response(method)
        status(r, want, short(data, 60))
        if close:
            expect("close" in r.tokens("connection"),
                   "%d without Connection: close (got %r)" % (r.status, r.all("connection")))
            c.expect_closed()
        return r


H = b"Host: localhost\r\n"


@test()
def t_bad_request_line_400():
    bad(b"GET /index.html HTXP/1.1\r\n" + H + b"\r\n", 400)
    bad(b"GET /index.html HTTP/1.1 extra\r\n" + H + b"\r\n", 400)
    bad(b"GET index.html HTTP/1.1\r\n" + H + b"\r\n", 400)


@test()
def t_missing_host_400():
    bad(b"GET /index.html HTTP/1.1\r\n\r\n", 400)


@test()
def t_two_hosts_400():
    bad(b"GET /index.html HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)


@test()
def t_content_length_and_transfer_encoding_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nTransfer-Encoding: chunked"
        b"\r\n\r\n0\r\n\r\n", 400)


@test()
def t_content_length_invalid_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"Content-Length: abc\r\n\r\n", 400)
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n", 400)


@test()
def t_content_length_conflicting_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H
        + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)


@test()
def t_obs_fold_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"X-Long: one\r\n  two\r\n\r\n", 400)


@test()
def t_obs_fold_empty_first_line_400():
    # llhttp folds "Name:\r\n value" silently and then obeys it (chunked framing, routing):
    # every obs-fold is a 400, whatever the field and however the bytes are split into reads
    for field, value in ((b"Transfer-Encoding", b"chunked"), (b"Content-Length", b"5"),
                         (b"Host", b"b.test"), (b"X-A", b"b"), (b"X-B", b"\t b")):
        body = b"0\r\n\r\n" if field == b"Transfer-Encoding" else b"hello"
        head = b"POST /index.html HTTP/1.1\r\n" + (b"" if field == b"Host" else H)
        bad(head + field + b":\r\n " + value + b"\r\n\r\n" + body, 400)
        bad(head + field + b": \t\r\n\t" + value + b"\r\n\r\n" + body, 400)
        # the fold split over two reads: the continuation's first byte starts the second
        for cut in (b":\r\n", b":\r\n ", b": \r"):
            with Conn() as c:
                first = head + field + cut
                c.send(first)
                time.sleep(0.05)
                c.send((field + b":\r\n " + value)[len(field + cut):] + b"\r\n\r\n" + body)
                r = c.response()
                status(r, 400, "obs-fold of %s split after %r" % (field.decode(), cut))
                c.expect_closed()


@test()
def t_transfer_encoding_in_http10_400():
    # RFC 9112 6.1: a 1.0 message with Transfer-Encoding is answered once (400), then closed;
    # the bytes after it are never taken as a second request
    for m in (b"POST", b"GET"):
        bad(m + b" /index.html HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n0\r\n\r\nGET /SMUG HTTP/1.1\r\n" + H + b"\r\n", 400)


@test()
def t_bare_cr_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"X-A: a\rb\r\n\r\n", 400)


@test()
def t_space_before_colon_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"X-Test : 1\r\n\r\n", 400)


@test()
def t_invalid_chunk_size_400():
    bad(b"GET /index.html HTTP/1.1\r\n" + H
        + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400)


@test()
def t_other_methods_405():
    for m in ("POST", "PUT", "DELETE"):
        with Conn() as c:
            c.send(req("/index.html", m, ["Content-Length: 0"]))
            r = c.response()
            status(r, 405, m)
            eq(r.get("allow"), "GET, HEAD", "Allow on 405 for " + m)
            eq(r.reason, "Not Allowed", "reason phrase of a 405 (nginx's)")
            if "close" not in r.tokens("connection"):
                c.still_usable()


@test()
def t_trace_connect_405_close():
    # nginx refuses TRACE and CONNECT with 405 and closes (other methods keep the connection)
    for m, target in (("TRACE", "/index.html"), ("CONNECT", "/index.html"),
                      ("CONNECT", "http://localhost/index.html")):
        with Conn() as c:
            c.send(req(target, m))
            r = c.response()
            status(r, 405, m)
            eq(r.reason, "Not Allowed", "reason phrase of a 405")
            expect("close" in r.tokens("connection"), "%s: 405 without Connection: close" % m)
            c.expect_closed()


@test()
def t_post_body_then_get():
    # a 405 with a body: the body is framed and discarded (or the connection closed)
    with Conn() as c:
        c.send(req("/index.html", "POST", ["Content-Length: 5"], body=b"hello") + req("/a/c.txt"))
        r = c.response()
        status(r, 405)
        if "close" in r.tokens("connection"):
            c.expect_closed()
        else:
            r = c.response()
            status(r, 200, "GET after the POST body")
            eq(r.body, FILES["a/c.txt"], "body")


@test()
def t_unknown_method_501():
    bad(b"FOO /index.html HTTP/1.1\r\n" + H + b"\r\n", 501)


@test()
def t_unknown_transfer_coding_501():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 501)


@test()
def t_http2_505():
    bad(b"GET /index.html HTTP/2.0\r\n" + H + b"\r\n", 505)


@test()
def t_body_too_large_413():
    bad(b"GET /index.html HTTP/1.1\r\n" + H + b"Content-Length: 2000000\r\n\r\n", 413)


@test()
def t_chunked_body_too_large_413():
    # a 2 MiB chunk; the server may refuse at its size line or once 1 MiB has arrived
    with Conn() as c:
        c.send(b"GET /index.html HTTP/1.1\r\n" + H
               + b"Transfer-Encoding: chunked\r\n\r\n200000\r\n")
        c.s.setblocking(False)
        data, off, end = b"x" * (1200 * 1024), 0, time.monotonic() + 3
        while off < len(data) and time.monotonic() < end:
            try:
                off += c.s.send(data[off : off + 65536])
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                break  # the server answered and closed already
        r = c.response()
        status(r, 413, "after a 2 MiB chunk header and %d bytes of it" % off)
        expect("close" in r.tokens("connection"), "413 without Connection: close")


@test()
def t_target_too_long_414():
    bad(req("/" + "a" * 9000), 414)


@test()
def t_headers_too_large_400():
    # large_client_header_buffers 4 8k (the default): the head fits in 32k, as in nginx, which
    # answers a bigger one with 400 and its page "Request Header Or Cookie Too Large"
    r = bad(req("/index.html", headers=["X-Big-%d: %s" % (i, "v" * 1000) for i in range(34)]), 400)
    expect(b"<center>Request Header Or Cookie Too Large</center>" in r.body, "nginx's page")


@test()
def t_header_line_too_large_400():
    r = bad(req("/index.html", headers=["X-Big: " + "v" * 9000]), 400)
    expect(b"<title>400 Request Header Or Cookie Too Large</title>" in r.body, "nginx's page")


@test()
def t_too_many_fields_431():
    bad(req("/index.html", headers=["X-F%d: %d" % (i, i) for i in range(100)]), 431)  # + Host = 101


@test()
def t_limits_just_below_ok():
    r = get("/a/c.txt?" + "q" * 7000)
    status(r, 200, "7 KB target (long query)")
    eq(r.body, FILES["a/c.txt"], "body")
    status(get("/" + "abcdefghi/" * 300), 404, "3000-byte path of short segments")
    status(get("/index.html", headers=["X-Big-%d: %s" % (i, "v" * 1000) for i in range(6)]), 200,
           "6 KB of headers")
    status(get("/index.html", headers=["X-Big-%d: %s" % (i, "v" * 1000) for i in range(20)]), 200,
           "20 KB of headers (large_client_header_buffers 4 8k: 32 KB)")
    status(get("/index.html", headers=["X-F%d: %d" % (i, i) for i in range(99)]), 200,
           "100 header fields")


@test()
def t_error_keeps_server_alive():
    for data in (b"\x00\x01\x02\r\n\r\n", b"GET /\x01 HTTP/1.1\r\n" + H + b"\r\n",
                 b"GET / HTTP/1.1\r\n" + H + b"\xff\xfe: x\r\n\r\n"):
        with Conn() as c:
            c.send(data)
            try:
                r = c.response()
                expect(400 <= r.status < 600, "status %d for garbage %s" % (r.status, short(data)))
            except Closed:
                pass
    status(get("/a/c.txt"), 200, "after garbage")


# --- request bodies -------------------------------------------------------------------------------


@test()
def t_get_body_content_length_discarded():
    with Conn() as c:
        c.send(req("/a/c.txt", headers=["Content-Length: 10"], body=b"0123456789")
               + req("/style.css"))
        r = c.response()
        status(r, 200)
        eq(r.body, FILES["a/c.txt"], "first body")
        r = c.response()
        status(r, 200, "request after the body")
        eq(r.body, FILES["style.css"], "second body")


@test()
def t_get_body_split_across_reads():
    with Conn() as c:
        c.send(req("/a/c.txt", headers=["Content-Length: 10"], body=b"0123"))
        time.sleep(0.15)
        c.send(b"456789" + req("/style.css"))
        for want in (FILES["a/c.txt"], FILES["style.css"]):
            r = c.response()
            status(r, 200)
            eq(r.body, want, "body")


@test()
def t_get_body_chunked_discarded():
    with Conn() as c:
        body = b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n"
        c.send(req("/a/c.txt", headers=["Transfer-Encoding: chunked"], body=body)
               + req("/style.css"))
        r = c.response()
        status(r, 200)
        eq(r.body, FILES["a/c.txt"], "first body")
        r = c.response()
        status(r, 200, "request after the chunked body")
        eq(r.body, FILES["style.css"], "second body")


@test()
def t_expect_100_continue():
    with Conn() as c:
        c.send(req("/a/c.txt", headers=["Content-Length: 5", "Expect: 100-continue"]))
        try:
            r = c.response()
        except NoAnswer:
            raise Fail("no 100 Continue (nor any answer) before the body was sent")
        eq((r.version, r.status), ("1.1", 100), "first response")
        c.send(b"hello")
        r = c.response()
        status(r, 200)
        eq(r.body, FILES["a/c.txt"], "body")
        c.still_usable()


@test()
def t_expect_100_body_sent_anyway():
    with Conn() as c:
        c.send(req("/a/c.txt", headers=["Content-Length: 5", "Expect: 100-continue"],
                   body=b"hello"))
        r = c.response()
        if r.status == 100:
            r = c.response()
        status(r, 200)
        eq(r.body, FILES["a/c.txt"], "body")
        c.still_usable()


# --- resources ------------------------------------------------------------------------------------


def fd_mix(i):
    k = i % 10
    if k == 0:
        with Conn() as c:
            c.send(req("/a/c.txt") + req("/index.html", "HEAD"))
            c.response()
            c.response("HEAD")
    elif k == 1:
        bad(b"GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)
    elif k == 2:
        socket.create_connection(("127.0.0.1", SRV.port), timeout=IO_TIMEOUT).close()
    elif k == 3:
        with Conn() as c:
            c.send(b"GET /index.html HTTP/1.1\r\nHo")  # closed mid-request
    elif k == 4:
        with Conn() as c:  # closed mid-response
            c.send(req("/big.bin"))
            c._recv()
    elif k == 5:
        c = Conn()  # reset mid-response
        c.send(req("/big.bin"))
        c._recv()
        c.reset()
    elif k == 6:
        status(get("/missing"), 404)
    elif k == 7:
        bad(req("/" + "a" * 9000), 414)
    elif k == 8:
        with Conn() as c:  # closed mid-body
            c.send(req("/a/c.txt", headers=["Content-Length: 100"], body=b"abc"))
            time.sleep(0.005)
    else:
        status(get("/range.txt", headers=["Range: bytes=0-1,5-6"]), 206)


@test(limit=30)
def t_keepalive_limit_says_close():
    # a server may close a keep-alive connection after N requests (nginx: 1000); the last
    # response before it does must say Connection: close
    with Conn() as c:
        last = None
        for i in range(1100):
            try:
                c.send(req("/a/c.txt"))
                r = c.response()
            except Closed:
                expect(last is not None and "close" in last.tokens("connection"),
                       "server closed after %d requests without Connection: close" % i)
                return
            status(r, 200, "request %d" % i)
            last = r
            if "close" in r.tokens("connection"):
                c.expect_closed()
                return


@test(limit=40)
def t_no_fd_leak():
    for i in range(10):
        fd_mix(i)
    time.sleep(0.5)
    before = SRV.fds()
    for i in range(200):
        fd_mix(i)
    time.sleep(0.5)
    end = time.monotonic() + 3
    after = SRV.fds()
    while after > before and time.monotonic() < end:
        time.sleep(0.1)
        after = SRV.fds()
    expect(after <= before,
           "server fd count %d before 200 mixed requests, %d after" % (before, after))


@test(limit=40)
def t_wrk_1000_connections():
    wrk = shutil.which("wrk")
    if not wrk:
        raise Skip("wrk is not installed")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2100:
        raise Skip("RLIMIT_NOFILE is %d (need ~2100 for 1,000 connections)" % soft)
    p = subprocess.run([wrk, "-t2", "-c1000", "-d3s", "http://127.0.0.1:%d/index.html" % SRV.port],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode("utf-8", "replace")
    one = " | ".join(l.strip() for l in out.splitlines() if l.strip())
    expect(p.returncode == 0, "wrk exit status %d: %s" % (p.returncode, one))
    m = re.search(r"(\d+) requests in", out)
    expect(m and int(m.group(1)) > 0, "wrk made no requests: " + one)
    summary = m.group(0) + " 3s"
    expect(int(m.group(1)) >= 5000, "only %s (stalled?): %s" % (summary, one))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    expect(not m or not any(int(x) for x in m.groups()), "wrk: " + (m.group(0) if m else ""))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    expect(not m or int(m.group(1)) == 0, "wrk: " + (m.group(0) if m else ""))
    try:
        status(get("/a/c.txt"), 200)
    except Fail as e:
        raise Fail("after wrk (%s): %s" % (summary, e))


# --- runner ---------------------------------------------------------------------------------------


def clean_shutdown():
    """SIGTERM stops zokiod within 5 s, with status 0 (or killed by the signal), and its stderr
    holds no sanitizer report (a build with -fsanitize=address reports leaks at exit)."""
    if not SRV.alive():
        return "FAIL", "server not running at the end (%s)" % SRV.how_died()
    SRV.proc.send_signal(signal.SIGTERM)
    try:
        rc = SRV.proc.wait(5)
    except subprocess.TimeoutExpired:
        return "FAIL", "still running 5 s after SIGTERM"
    rep = [l.strip() for l in SRV.stderr_text().splitlines()
           if "Sanitizer" in l or "runtime error:" in l]
    if rep:
        return "FAIL", "sanitizer report: " + " | ".join(rep[:3])[:300]
    if rc not in (0, -signal.SIGTERM):
        return "FAIL", "exit after SIGTERM: %s; stderr: %s" % (SRV.how_died(), SRV.stderr_tail())
    return "ok  ", None


def run(tests, sel, out, tmp):
    """Starts SRV and runs `tests` against it; returns whether the summary must show skips."""
    global SRV
    build_root(tmp)
    SRV = Server(ROOT, tmp)
    try:
        SRV.start()
    except Fail as e:
        out.result("FAIL", "server_start", str(e))
        return False
    time.sleep(0.1)
    fell = [l for l in SRV.stderr_text().splitlines() if FALLBACK_RE.search(l)]
    if BACKEND == "io_uring" and fell:
        why = "zokiod fell back to epoll: " + fell[0].strip()[:200]
        for name, _, _, _ in tests:
            out.result("skip", name, why)
        return True
    for name, fn, limit, _ in tests:
        if not SRV.alive():
            try:
                SRV.start()
            except Fail as e:
                out.result("FAIL", name, "server is down and did not restart: %s" % e)
                continue
        kind, why = harness.run_test(fn, limit)
        time.sleep(0.02)  # let a crash caused by the last bytes show
        if not SRV.alive():
            kind = "FAIL"
            why = "server died during this test (%s); stderr: %s%s" % (
                SRV.how_died(), SRV.stderr_tail(), "; test: " + why if why else "")
        elif kind == "FAIL" and not SRV.answers():
            why += " [server stopped answering: restarted for the next tests]"
            SRV.stop()
        out.result(kind, name, why)
    if tests and not sel:
        kind, why = clean_shutdown()
        out.result(kind, "clean_shutdown", why)
    return False


def main():
    sel = sys.argv[1:]
    tests = harness.select(TESTS, sel)
    harness.setup_process()
    tmp = tempfile.mkdtemp(prefix="zokiod-http-")
    out = harness.Report("http")
    show_skipped = False
    try:
        show_skipped = run(tests, sel, out, tmp)
    finally:
        if SRV is not None:
            SRV.stop()
        for f in ("unreadable.txt", "locked"):
            try:
                os.chmod(os.path.join(ROOT, f), stat.S_IRWXU)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    return out.finish(show_skipped)


if __name__ == "__main__":
    sys.exit(main())
