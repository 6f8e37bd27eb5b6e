#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Black-box tests of zokiod's TLS (issue 10), against a real zokiod over loopback.

Certificates are made at run time with the openssl command: a root CA, an intermediate CA, and
three server certificates: a.test (RSA, signed by the intermediate: its file holds the chain),
b.test (ECDSA P-256) and *.w.test (RSA, set at http level and inherited). One shared server
listens with `ssl` on one port for the three server blocks. Clients: curl (--cacert,
--resolve per SNI name), Python's ssl module (pipelining, ranges, certificates by SNI) and
`openssl s_client` (TLS 1.1 refused). Output and selection as http_test.py (harness.py).
"""

import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ for harness.py in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Fail, Skip, eq, expect, free_ports  # noqa: E402

TESTS, test = harness.registry()
TMP = None
CERTS = None  # directory of the generated certificates
SERVER = None  # the shared server
BIG = 10 << 20
INSTANCES = []  # every Server made, for the sanitizer check after each test


def sh(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20,
                          **kw)


def need(cmd):
    if not shutil.which(cmd):
        raise Skip("no %s command (Debian package: %s)" % (cmd, cmd))


def openssl(*args):
    r = sh(["openssl"] + list(args), cwd=CERTS)
    if r.returncode:
        raise Fail("openssl %s: %s" % (" ".join(args[:2]), r.stdout.decode()[-300:]))


def make_certs():
    """ca.pem (root), a.pem (a.test leaf + intermediate), b.pem (ECDSA), w.pem (*.w.test)."""
    global CERTS
    if CERTS:
        return CERTS
    need("openssl")
    d = os.path.join(TMP, "certs")
    os.makedirs(d)
    CERTS = d
    with open(os.path.join(d, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=zokiod test root")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr",
            "-subj", "/CN=zokiod test intermediate")
    openssl("x509", "-req", "-in", "int.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "int.pem", "-days", "2", "-extfile", "ca.ext")
    for name, cn, key, signer in (("a", "a.test", ["rsa:2048"], "int"),
                                  ("b", "b.test", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                                   "ca"),
                                  ("w", "*.w.test", ["rsa:2048"], "ca")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % cn)
        openssl("req", "-newkey", *key, "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + cn)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", signer + ".pem", "-CAkey",
                signer + ".key", "-CAcreateserial", "-out", name + ".crt", "-days", "2",
                "-extfile", name + ".ext")
    with open(os.path.join(d, "a.pem"), "wb") as f:  # the leaf, then its chain
        for part in ("a.crt", "int.pem"):
            with open(os.path.join(d, part), "rb") as p:
                f.write(p.read())
    shutil.copyfile(os.path.join(d, "b.crt"), os.path.join(d, "b.pem"))
    shutil.copyfile(os.path.join(d, "w.crt"), os.path.join(d, "w.pem"))
    openssl("pkey", "-in", "a.key", "-aes256", "-passout", "pass:secret", "-out", "enc.key")
    return d


CONF = """\
worker_processes 1;
events { worker_connections %(wc)d; }
error_log %(p)s/error.log info;
pid %(p)s/zokiod.pid;
http {
    ssl_certificate %(c)s/w.pem;
    ssl_certificate_key %(c)s/w.key; %(http)s
    server {
        listen 127.0.0.1:%(port)d ssl default_server;
        server_name a.test;
        root %(p)s/a;
        ssl_certificate %(c)s/a.pem;
        ssl_certificate_key %(akey)s; %(a)s
    }
    server {
        listen 127.0.0.1:%(port)d ssl;
        server_name b.test;
        root %(p)s/b;
        ssl_certificate %(c)s/b.pem;
        ssl_certificate_key %(c)s/b.key;
    }
    server {
        listen 127.0.0.1:%(port)d ssl;
        server_name *.w.test;
        root %(p)s/w;
    }
}
"""


class Server(harness.Process):
    def __init__(self, name="tls", akey=None, http="", a="", wc=512):
        self.http, self.a, self.wc = http, a, wc
        INSTANCES.append(self)
        make_certs()
        self.prefix = tempfile.mkdtemp(prefix=name + "-", dir=TMP)
        self.port = free_ports(1)[0]
        self.proc = None
        self.errpath = os.path.join(self.prefix, "stderr.txt")
        self.conf = os.path.join(self.prefix, "zokiod.conf")
        for site in ("a", "b", "w"):
            os.makedirs(os.path.join(self.prefix, site))
            with open(os.path.join(self.prefix, site, "index.html"), "w") as f:
                f.write("site %s\n" % site)
        self.write_conf(akey)

    def write_conf(self, akey=None):
        with open(self.conf, "w") as f:
            f.write(CONF % {"p": self.prefix, "c": CERTS, "port": self.port,
                            "akey": akey or os.path.join(CERTS, "a.key"), "http": self.http, "wc": self.wc,
                            "a": self.a})

    def start(self):
        self.spawn([harness.ZOKIOD, "-c", self.conf], harness.REPO, harness.server_env())
        self.wait_accepting([self.port], 0.05, "zokiod",
                            "zokiod not accepting on %d after %.0f s; stderr: %s")
        # the port may have accepted for another process (tests of other suites run
        # alongside): ours must have bound it and logged its start, and still be running
        started = harness.wait_for(lambda: "started, configuration" in self.error_log(), 3)
        expect(started and self.alive(), "zokiod did not start on port %d: %s; stderr: %s"
               % (self.port, self.how_died(), self.stderr_tail()))

    def stop(self):
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(3)

    def error_log(self):
        try:
            with open(os.path.join(self.prefix, "error.log")) as f:
                return f.read()
        except OSError:
            return ""


def server():
    global SERVER
    if SERVER is None or not SERVER.alive():
        SERVER = Server()
        with open(os.path.join(SERVER.prefix, "a", "big.bin"), "wb") as f:
            f.write(os.urandom(BIG))
        with open(os.path.join(SERVER.prefix, "a", "abc.txt"), "wb") as f:
            f.write(b"abcdefghijklmnopqrstuvwxyz" * 100)
        SERVER.start()
    return SERVER


def tls(port, name, verify=True):
    ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    s = socket.create_connection(("127.0.0.1", port), timeout=harness.IO_TIMEOUT)
    return ctx.wrap_socket(s, server_hostname=name)


def peer_cn(s):
    der = s.getpeercert(binary_form=True)
    pem = ssl.DER_cert_to_PEM_cert(der)
    r = sh(["openssl", "x509", "-noout", "-subject"], input=pem.encode())
    m = re.search(r"CN ?= ?([^,\n]+)", r.stdout.decode())
    return m.group(1).strip() if m else r.stdout.decode()


def read_response(s, buf=b""):
    """(status, headers, body, rest) of one response with a Content-Length."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise Fail("connection closed before a whole head: %r" % buf[:200])
        buf += d
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0"))
    while len(buf) < n:
        d = s.recv(65536)
        if not d:
            raise Fail("connection closed in a body (%d of %d bytes)" % (len(buf), n))
        buf += d
    return status, hdrs, buf[:n], buf[n:]


def get(s, path, host, extra=""):
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path, host, extra)).encode())
    return read_response(s)


def curl(port, name, path, *extra):
    need("curl")
    r = sh(["curl", "-sS", "--cacert", os.path.join(CERTS, "ca.pem"), "--resolve",
            "%s:%d:127.0.0.1" % (name, port), "https://%s:%d%s" % (name, port, path)]
           + list(extra))
    if r.returncode:
        log = " | ".join(l for i in INSTANCES for l in i.error_log().splitlines()[-4:])
        raise Fail("curl https://%s%s: exit %d: %s; error log: %s" % (
            name, path, r.returncode, r.stdout.decode()[-200:].strip(), log[-600:]))
    return r.stdout


@test()
def t_sni_certificates_curl():
    srv = server()
    for name, body in (("a.test", b"site a\n"), ("b.test", b"site b\n"),
                       ("x.w.test", b"site w\n")):
        eq(curl(srv.port, name, "/"), body, "body for " + name)


@test()
def t_sni_picks_certificate():
    srv = server()
    for name, cn in (("a.test", "a.test"), ("b.test", "b.test"), ("deep.w.test", "*.w.test"),
                     ("unknown.test", "a.test"), (None, "a.test")):
        with tls(srv.port, name, verify=False) as s:
            eq(peer_cn(s), cn, "certificate for SNI %r" % name)
            eq(s.version(), "TLSv1.2", "protocol")
            eq(s.selected_alpn_protocol(), None, "ALPN without offer")


@test()
def t_chain_sent():
    # the root alone verifies a.test only when the intermediate comes with it
    srv = server()
    with tls(srv.port, "a.test") as s:
        st, _, body, _ = get(s, "/", "a.test")
        eq((st, body), (200, b"site a\n"), "response")


@test()
def t_host_routes_not_sni():
    srv = server()
    with tls(srv.port, "a.test") as s:
        st, _, body, _ = get(s, "/", "b.test")
        eq((st, body), (200, b"site b\n"), "Host b.test on an a.test connection")


@test()
def t_alpn_http11():
    srv = server()
    ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=5),
                         server_hostname="b.test") as s:
        eq(s.selected_alpn_protocol(), "http/1.1", "ALPN")


@test(limit=60)
def t_big_file_sha256():
    srv = server()
    want = hashlib.sha256(open(os.path.join(srv.prefix, "a", "big.bin"), "rb").read()).hexdigest()
    got = hashlib.sha256(curl(srv.port, "a.test", "/big.bin")).hexdigest()
    eq(got, want, "sha256 of 10 MiB over TLS")


@test()
def t_pipelined_keepalive():
    srv = server()
    with tls(srv.port, "a.test") as s:
        reqs = "".join("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (p, h) for p, h in
                       (("/", "a.test"), ("/abc.txt", "a.test"), ("/", "b.test"),
                        ("/nope", "a.test"), ("/", "x.w.test")))
        s.sendall(reqs.encode())
        rest = b""
        got = []
        for _ in range(5):
            st, _, body, rest = read_response(s, rest)
            got.append((st, body[:7]))
        eq(got, [(200, b"site a\n"), (200, b"abcdefg"), (200, b"site b\n"), (404, got[3][1]),
                 (200, b"site w\n")], "pipelined answers")
        st, _, body, _ = get(s, "/", "a.test")  # and the connection is still alive
        eq((st, body), (200, b"site a\n"), "after the pipeline")


@test()
def t_ranges():
    srv = server()
    with tls(srv.port, "a.test") as s:
        st, h, body, _ = get(s, "/abc.txt", "a.test", "Range: bytes=2-5\r\n")
        eq((st, body, h.get("content-range")), (206, b"cdef", "bytes 2-5/2600"), "one range")
        st, h, body, _ = get(s, "/big.bin", "a.test", "Range: bytes=1000000-1000099,-10\r\n")
        eq(st, 206, "multipart status")
        data = open(os.path.join(srv.prefix, "a", "big.bin"), "rb").read()
        expect(data[1000000:1000100] in body and data[-10:] in body, "multipart parts")


@test()
def t_scheme_https():
    """$scheme is "https" on a TLS connection, and a local redirect's absolute Location (nginx's
    absolute_redirect) starts with "https://", with the port as it is not 443."""
    srv = Server("scheme", a='location = /s { return 200 "$scheme $host"; } '
                 'location = /go { return 302 /there; }')
    os.makedirs(os.path.join(srv.prefix, "a", "sub"))
    srv.start()
    try:
        with tls(srv.port, "a.test") as s:
            st, _, body, rest = get(s, "/s", "a.test")
            eq((st, body), (200, b"https a.test"), "$scheme $host over TLS")
            st, h, _, _ = get(s, "/go", "a.test")
            eq((st, h.get("location")), (302, "https://a.test:%d/there" % srv.port), "return 302")
            st, h, _, _ = get(s, "/sub", "a.test")
            eq((st, h.get("location")), (301, "https://a.test:%d/sub/" % srv.port),
               "a directory's redirect")
    finally:
        srv.stop()


@test()
def t_plain_http_to_tls_port():
    srv = server()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        data = harness.recv_until_close(s)
    expect(data.startswith(b"HTTP/1.1 400 "), "status: %r" % data[:40])
    expect(b"The plain HTTP request was sent to HTTPS port" in data, "body: %r" % data[-300:])
    expect(b"Connection: close" in data, "Connection: close")


@test()
def t_garbage_client_hello():
    srv = server()
    with tls(srv.port, "a.test") as good:
        # TLS records that are not a ClientHello (a first byte that is not a capital letter: a
        # request line would get the plain-HTTP answer)
        for junk in (b"\x16\x03\x01\x00\x05hello", b"\x16\x03\x03\x01\x00" + os.urandom(256),
                     b"\x16" + b"\xff" * 50, b"\x00" + os.urandom(300)):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
                s.sendall(junk)
                data = b""
                try:
                    while True:
                        d = s.recv(4096)
                        if not d:
                            break
                        data += d
                except ConnectionResetError:
                    pass
            expect(len(data) < 100, "an answer of %d bytes to garbage" % len(data))
        st, _, body, _ = get(good, "/", "a.test")
        eq((st, body), (200, b"site a\n"), "the other connection")
    expect(srv.alive(), "zokiod still running")
    # logged at info level, never as an error
    log = srv.error_log()
    expect(harness.wait_for(lambda: "[info]" in srv.error_log() and "TLS handshake failed"
                            in srv.error_log(), 2), "no info line: " + log[-300:])
    bad = [l for l in srv.error_log().splitlines()
           if re.search(r"\[(error|crit|alert|emerg)\].*handshake", l)]
    expect(not bad, "handshake failures logged above info: " + " | ".join(bad[:2]))


@test()
def t_tls11_refused():
    need("openssl")
    srv = server()
    for proto in ("-tls1_1", "-tls1"):
        r = sh(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port, proto, "-cipher",
                "DEFAULT@SECLEVEL=0", "-servername", "a.test"], stdin=subprocess.DEVNULL)
        expect(r.returncode != 0, "%s: handshake succeeded: %s" % (proto, r.stdout[-200:]))
    with tls(srv.port, "a.test") as s:
        eq(get(s, "/", "a.test")[0], 200, "TLS 1.2 after")


def check_fails(akey, pattern):
    srv = Server("bad", akey=akey)
    r = sh([harness.ZOKIOD, "-t", "-c", srv.conf])
    out = r.stdout.decode()
    eq(r.returncode, 1, "exit status of -t: " + out)
    m = re.search(r"zokiod: \[emerg\] (\S+):(\d+): (.*)", out)
    expect(m, "no FILE:LINE in: " + out)
    eq((m.group(1), int(m.group(2))), (srv.conf, 13), "where")
    expect(re.search(pattern, m.group(3)), "message %r !~ %s" % (m.group(3), pattern))
    # and zokiod does not start on it either
    r = sh([harness.ZOKIOD, "-c", srv.conf], env=harness.server_env())
    expect(r.returncode != 0 and re.search(pattern, r.stdout.decode()),
           "start: %d %s" % (r.returncode, r.stdout.decode()))


@test()
def t_config_key_mismatch():
    make_certs()
    check_fails(os.path.join(CERTS, "b.key"), r"does not match certificate")


@test()
def t_config_key_encrypted():
    make_certs()
    check_fails(os.path.join(CERTS, "enc.key"), r"encrypted")


@test()
def t_config_key_garbage():
    make_certs()
    check_fails(os.path.join(CERTS, "ca.ext"), r"cannot load certificate key")


@test(limit=30)
def t_reload_bad_key_keeps_serving():
    srv = Server("reload")
    srv.start()
    try:
        eq(curl(srv.port, "b.test", "/"), b"site b\n", "before")
        srv.write_conf(os.path.join(CERTS, "b.key"))
        os.kill(srv.proc.pid, signal.SIGHUP)
        expect(harness.wait_for(lambda: "does not match" in srv.error_log(), 5),
               "no error in the log: " + srv.error_log()[-300:])
        eq(curl(srv.port, "a.test", "/"), b"site a\n", "after the failed reload")
        srv.write_conf()
        os.kill(srv.proc.pid, signal.SIGHUP)
        time.sleep(0.5)
        eq(curl(srv.port, "a.test", "/"), b"site a\n", "after a good reload")
    finally:
        srv.stop()


def dash_t(srv):
    r = sh([harness.ZOKIOD, "-t", "-c", srv.conf])
    return r.returncode, r.stdout.decode()


@test()
def t_protocols_warned_once():
    srv = Server("proto", http="ssl_protocols TLSv1.2 TLSv1.3;",
                 a="ssl_protocols TLSv1 TLSv1.1 TLSv1.2;")
    rc, out = dash_t(srv)
    eq(rc, 0, "-t exit status: " + out)
    warns = [l for l in out.splitlines() if "[warn]" in l]
    eq(len(warns), 1, "warnings in " + out)
    expect(re.search(r"%s:(7|13): .*TLS 1\.2 only.*TLSv1\.1.*TLSv1\.3" % re.escape(srv.conf),
                     warns[0]), "warning: " + warns[0])
    srv = Server("proto2", a="ssl_protocols TLSv1.1;")
    rc, out = dash_t(srv)
    eq(rc, 1, "-t exit status without TLSv1.2: " + out)
    expect(re.search(r"%s:13: .*without TLSv1\.2.*TLS 1\.2 only" % re.escape(srv.conf), out),
           "error: " + out)


@test()
def t_ciphers():
    srv = Server("ciph", http="ssl_ciphers HIGH:!aNULL:!MD5;",
                 a="ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:BOGUS-CIPHER;")
    rc, out = dash_t(srv)
    eq(rc, 1, "-t exit status: " + out)
    expect(re.search(r'%s:13: unknown cipher "BOGUS-CIPHER"' % re.escape(srv.conf), out),
           "error: " + out)
    srv = Server("ciph2", http="ssl_ciphers HIGH:!aNULL:!MD5;",
                 a="ssl_ciphers ECDHE-RSA-CHACHA20-POLY1305; ssl_prefer_server_ciphers on;")
    srv.start()
    try:
        with tls(srv.port, "a.test") as s:
            eq(s.cipher()[0], "ECDHE-RSA-CHACHA20-POLY1305", "cipher")
            eq(get(s, "/", "a.test")[0], 200, "status")
    finally:
        srv.stop()


def resumed(port, ctx_tickets=True):
    ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5),
                         server_hostname="a.test") as s:
        get(s, "/", "a.test")
        sess = s.session
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5),
                         server_hostname="a.test", session=sess) as s:
        eq(get(s, "/", "a.test")[0], 200, "status on the resumed connection")
        return s.session_reused


@test()
def t_session_tickets():
    srv = server()
    expect(resumed(srv.port), "session not resumed with tickets on")
    off = Server("notickets", http="ssl_session_tickets off; ssl_session_timeout 10m;")
    off.start()
    try:
        expect(not resumed(off.port), "session resumed with tickets off")
    finally:
        off.stop()


@test()
def t_handshake_timeout():
    srv = Server("hs", http="ssl_handshake_timeout 1s;")
    srv.start()
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
            t0 = time.monotonic()
            try:
                d = s.recv(100)
            except ConnectionResetError:
                d = b""
            took = time.monotonic() - t0
        eq(d, b"", "bytes from a connection that sent nothing")
        expect(0.7 < took < 3, "closed after %.2f s, not about 1 s" % took)
    finally:
        srv.stop()


@test()
def t_handshake_cap():
    # worker_connections 8: at most 4 handshakes at once; a 5th connection is closed at accept
    srv = Server("cap", wc=8)
    srv.start()
    idle = []
    try:
        # the start-up probe's connection must be gone first
        expect(harness.wait_for(lambda: server_conns(srv) == 0, 3), "connections at start")
        for _ in range(4):  # handshakes that never end (until ssl_handshake_timeout)
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
            idle[-1].sendall(b"\x16\x03\x01")  # a record header, then nothing
        expect(harness.wait_for(lambda: server_conns(srv) == 4, 3),
               "the 4 stalled handshakes are not all open")
        try:
            with tls(srv.port, "a.test") as s:
                get(s, "/", "a.test")
            raise Fail("a 5th handshake was served")
        except (ssl.SSLError, ConnectionError, Fail) as e:
            if isinstance(e, Fail) and "5th" in str(e):
                raise
        for s in idle:
            s.close()
        idle = []
        ok = harness.wait_for(lambda: curl_ok(srv.port), 3, 0.1)
        expect(ok, "no TLS after the stalled handshakes closed")
    finally:
        for s in idle:
            s.close()
        srv.stop()


def server_conns(srv):
    """Server-side sockets of the port that zokiod has not closed (/proc/net/tcp: any state but
    LISTEN and TIME_WAIT; a client's close leaves CLOSE_WAIT until zokiod closes too)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if p[3] not in ("0A", "06") and int(p[1].split(":")[1], 16) == srv.port:
                n += 1
    return n


def curl_ok(port):
    try:
        return curl(port, "a.test", "/") == b"site a\n"
    except Fail:
        return False


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@test()
def t_ipv6_listen():
    if not have_ipv6():
        raise Skip("no IPv6 loopback")
    srv = Server("v6")
    srv.a = "listen [::1]:%d ssl;" % srv.port
    srv.write_conf()
    srv.start()
    try:
        ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
        with ctx.wrap_socket(socket.create_connection(("::1", srv.port), timeout=5),
                             server_hostname="a.test") as s:
            st, _, body, _ = get(s, "/", "a.test")
            eq((st, body), (200, b"site a\n"), "over [::1]")
    finally:
        srv.stop()


def main():
    global TMP
    sel = sys.argv[1:]
    tests = harness.select(TESTS, sel)
    harness.setup_process((signal.SIGTERM, signal.SIGHUP))
    TMP = tempfile.mkdtemp(prefix="zokiod-tls-")
    out = harness.Report("tls")
    try:
        for name, fn, limit, _ in tests:
            kind, why = harness.run_test(fn, limit)
            san = [l.strip() for i in INSTANCES for l in i.stderr_text().splitlines()
                   if "Sanitizer" in l or "runtime error:" in l]
            if san:
                kind, why = "FAIL", "sanitizer report: %s%s" % (
                    " | ".join(san[:3])[:300], "; test: " + why if why else "")
            for i in INSTANCES:
                if i is not SERVER:
                    i.stop()
            INSTANCES[:] = [SERVER] if SERVER else []
            out.result(kind, name, why)
    finally:
        if SERVER:
            SERVER.stop()
        shutil.rmtree(TMP, ignore_errors=True)
    return out.finish()


if __name__ == "__main__":
    sys.exit(main())
