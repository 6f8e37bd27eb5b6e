#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Black-box tests of zokiod's TLS (issue 10), against a real zokiod over loopback.

Certificates are made at run time with the openssl command: a root CA, an intermediate CA, and
three server certificates: a.test (RSA, signed by the intermediate: its file holds the chain),
b.test (ECDSA P-256) and *.w.test (RSA, set at http level and inherited). One shared server
listens with `ssl` on one port for the three server blocks. Clients: curl (--cacert,
--resolve per SNI name), Python's ssl module (pipelining, ranges, certificates by SNI) and
`openssl s_client` (TLS 1.1, weak suites and renegotiation refused, the certificate picked among
an RSA and an ECDSA pair, ECDHE groups). Bad input goes through RawTLS (memory BIOs: the test
decides which bytes reach the socket). Output and selection as http_test.py (harness.py).
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
    """ca.pem (root), a.pem (a.test leaf + intermediate), b.pem (ECDSA), w.pem (*.w.test),
    aec.pem (a.test again, ECDSA: the second certificate of a server)."""
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
                                  ("w", "*.w.test", ["rsa:2048"], "ca"),
                                  ("aec", "a.test", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                                   "ca")):
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
    shutil.copyfile(os.path.join(d, "aec.crt"), os.path.join(d, "aec.pem"))
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
    def __init__(self, name="tls", akey=None, http="", a="", wc=512, certs=None):
        self.http, self.a, self.wc = http, a, wc
        self.certs = certs
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
            f.write(CONF % {"p": self.prefix, "c": self.certs or CERTS, "port": self.port,
                            "akey": akey or os.path.join(self.certs or CERTS, "a.key"), "http": self.http, "wc": self.wc,
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


def app_records(raw, want):
    """Reads from raw (a RawTLS after its handshake) until `want` plaintext responses with a
    Content-Length have arrived; returns (the plaintext, the number of application-data records
    they came in)."""
    data = b""
    recs = 0
    pending = b""
    raw.sock.settimeout(harness.IO_TIMEOUT)
    while data.count(b"HTTP/1.1 ") < want or not data.endswith(b"site a\n"):
        d = raw.sock.recv(65536)
        if not d:
            raise Fail("closed after %r" % data[-200:])
        pending += d
        while len(pending) >= 5 and len(pending) >= 5 + int.from_bytes(pending[3:5], "big"):
            n = 5 + int.from_bytes(pending[3:5], "big")
            recs += pending[0] == 23
            raw.inb.write(pending[:n])
            pending = pending[n:]
        try:
            while True:
                data += raw.obj.read(65536)
        except ssl.SSLWantReadError:
            pass
    return data, recs


@test()
def t_small_responses_share_records():
    """A small response's head and body leave in one TLS record, and pipelined responses
    written together share one (each record costs both sides a cipher setup and a tag)."""
    srv = server()
    raw = RawTLS(srv.port)
    try:
        raw.handshake()
        req = b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
        raw.sock.sendall(raw.records(req))
        data, recs = app_records(raw, 1)
        eq(recs, 1, "records for one 7-byte response (%d bytes)" % len(data))
        raw.sock.sendall(raw.records(req * 3))  # three requests in one record
        data, recs = app_records(raw, 3)
        eq(recs, 1, "records for three pipelined responses (%d bytes)" % len(data))
    finally:
        raw.close()


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
def t_handshake_failure_server_error_log():
    # an error_log in the default server of the address takes the connection's TLS notes (a
    # failed handshake, at info), as nginx's connection log; the main error log does not
    srv = Server(name="tlselog", a="error_log a-err.log info;")
    srv.start()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"\x16\x03\x01\x00\x05hello")
        try:
            harness.recv_until_close(s)
        except ConnectionResetError:
            pass

    def server_log():
        try:
            with open(os.path.join(srv.prefix, "a-err.log")) as f:
                return f.read()
        except OSError:
            return ""

    expect(harness.wait_for(lambda: "[info]" in server_log() and "TLS handshake failed"
                            in server_log(), 3), "no info line in the server's error_log: %r; "
           "main: %r" % (server_log()[-300:], srv.error_log()[-300:]))
    expect("TLS handshake failed" not in srv.error_log(), "the line in the main error log too")
    srv.stop()


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


def fingerprint(s):
    return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()[:16]


def renew_a(d):
    """A new a.test certificate and key (new serial) in directory d, written as nginx users do:
    new files renamed over the old ones."""
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/new.key", "-out",
            d + "/new.csr", "-subj", "/CN=a.test")
    openssl("x509", "-req", "-in", d + "/new.csr", "-CA", "int.pem", "-CAkey", "int.key",
            "-CAcreateserial", "-out", d + "/new.crt", "-days", "2", "-extfile", "a.ext")
    with open(d + "/new.pem", "wb") as f:
        for part in (d + "/new.crt", os.path.join(CERTS, "int.pem")):
            with open(part, "rb") as p:
                f.write(p.read())
    os.rename(d + "/new.key", d + "/a.key")
    os.rename(d + "/new.pem", d + "/a.pem")


@test(limit=40)
def t_reload_renewed_certificate_under_load():
    # clients make new connections and reuse keep-alive ones while HUP loads a renewed a.pem:
    # no request fails; new connections get the new certificate, the old workers finish theirs
    d = os.path.join(TMP, "renew")
    shutil.copytree(make_certs(), d)
    srv = Server("renew", certs=d)
    srv.start()
    import threading
    stop = threading.Event()
    errors, seen, counts = [], set(), [0, 0]  # counts: requests, idle closes retried
    lock = threading.Lock()

    def client(keepalive):
        s = None
        while not stop.is_set():
            try:
                if s is None:
                    s = tls(srv.port, "a.test")
                    with lock:
                        seen.add(fingerprint(s))
                    fresh = True
                s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
                try:
                    st, h, body, _ = read_response(s)
                except (Fail, ConnectionResetError, ssl.SSLError) as e:
                    # a keep-alive connection the old worker closed as idle just as the
                    # request went (HTTP lets clients retry that): a failure on a new one
                    if fresh:
                        raise
                    with lock:
                        counts[1] += 1
                    s.close()
                    s = None
                    continue
                fresh = False
                if (st, body) != (200, b"site a\n"):
                    raise Fail("answer %d %r" % (st, body[:80]))
                with lock:
                    counts[0] += 1
                if not keepalive or h.get("connection") == "close":
                    s.close()
                    s = None
            except Exception as e:  # noqa: BLE001 -- every failure counts
                with lock:
                    errors.append(repr(e)[:200])
                if s:
                    s.close()
                s = None
        if s:
            s.close()

    threads = [threading.Thread(target=client, args=(i % 2 == 0,)) for i in range(4)]
    try:
        with tls(srv.port, "a.test") as s:
            old = fingerprint(s)
        for t in threads:
            t.start()
        time.sleep(0.5)
        renew_a(d)
        os.kill(srv.proc.pid, signal.SIGHUP)

        def new_served():
            with tls(srv.port, "a.test") as s2:
                return fingerprint(s2) != old
        expect(harness.wait_for(new_served, 5, 0.05),
               "the renewed certificate is not served: " + srv.error_log()[-400:])
        new = None
        with tls(srv.port, "a.test") as s:
            new = fingerprint(s)
        time.sleep(0.5)  # load goes on against the new workers
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        srv.stop()
    eq(errors, [], "failed requests (%d done)" % counts[0])
    expect(counts[0] > 50, "only %d requests made" % counts[0])
    eq(seen, {old, new}, "certificates the load saw (old %s, new %s)" % (old, new))
    expect("reconfiguring" in srv.error_log(), "no reload")


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
    # worker_connections 8: at most 4 handshakes at once; a 5th closes the oldest of them
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
        with tls(srv.port, "a.test") as s:
            eq(get(s, "/", "a.test")[:3:2], (200, b"site a\n"), "a 5th handshake")
            took = closes_after(idle[0], 2)
            expect(took is not None and took < 0.5, "the oldest: closed after %s s" % took)
            expect(harness.wait_for(lambda: server_conns(srv, open_only=True) == 4, 3),
                   "the 3 others and the 5th are not all open (%d)" % server_conns(srv, True))
        for s in idle:
            s.close()
        idle = []
        ok = harness.wait_for(lambda: curl_ok(srv.port), 3, 0.1)
        expect(ok, "no TLS after the stalled handshakes closed")
    finally:
        for s in idle:
            s.close()
        srv.stop()


@test()
def t_handshake_cap_spares_progressing():
    # worker_connections 8: at most 4 handshakes at once. A client whose ClientHello has been
    # answered (it is working on its second flight) is older than the stalled handshakes that
    # fill the cap after it, but it is not the one that goes: the oldest stalled one does, so a
    # flood of abandoned handshakes cannot cut a real client's handshake short.
    srv = Server("capp", wc=8)
    srv.start()
    idle = []
    raw = None
    try:
        expect(harness.wait_for(lambda: server_conns(srv) == 0, 3), "connections at start")
        raw = RawTLS(srv.port)
        raw.sock.sendall(raw.hello())
        while not raw.outb.pending:  # the server's flight in, our second flight ready
            d = raw.sock.recv(65536)
            if not d:
                raise Fail("closed after the ClientHello")
            raw.inb.write(d)
            try:
                raw.obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
        for _ in range(4):  # stalled handshakes after it: the 4th is past the cap
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
            idle[-1].sendall(b"\x16\x03\x01")  # a record header, then nothing
        took = closes_after(idle[0], 2)
        expect(took is not None and took < 0.5, "the oldest stalled: closed after %s s" % took)
        raw.handshake()  # our second flight, the server's Finished
        raw.sock.sendall(raw.records(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"))
        data, _ = app_records(raw, 1)
        expect(data.startswith(b"HTTP/1.1 200") and data.endswith(b"site a\n"),
               "the answered client's request: %r" % data[:80])
    finally:
        if raw:
            raw.close()
        for s in idle:
            s.close()
        srv.stop()


def key_type(pem):
    r = sh(["openssl", "x509", "-noout", "-text"], input=pem.encode() if isinstance(pem, str)
           else pem)
    m = re.search(r"Public Key Algorithm: (\S+)", r.stdout.decode())
    return m.group(1) if m else r.stdout.decode()[-200:]


def s_client_cert(port, name, *args):
    """The key type of the certificate `openssl s_client ARGS` is served (TLS 1.2)."""
    r = sh(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", name,
            "-tls1_2"] + list(args), stdin=subprocess.DEVNULL)
    out = r.stdout.decode()
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
    expect(r.returncode == 0 and m, "s_client %s: %s" % (" ".join(args), out[-300:]))
    return key_type(m.group(0))


@test()
def t_rsa_and_ecdsa_certificates():
    # two ssl_certificate / ssl_certificate_key pairs on a.test: the suite (from the client's
    # ciphers and signature algorithms) picks the RSA or the ECDSA one, with or without SNI
    need("openssl")
    srv = Server("dual", a="ssl_certificate %s/aec.pem; ssl_certificate_key %s/aec.key;"
                 % (make_certs(), CERTS))
    srv.start()
    try:
        for name in ("a.test", "unknown.test"):
            eq(s_client_cert(srv.port, name, "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"),
               "id-ecPublicKey", "ECDSA suite, SNI " + name)
            eq(s_client_cert(srv.port, name, "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"),
               "rsaEncryption", "RSA suite, SNI " + name)
            eq(s_client_cert(srv.port, name, "-sigalgs", "ECDSA+SHA256"), "id-ecPublicKey",
               "ECDSA signature algorithm, SNI " + name)
            eq(s_client_cert(srv.port, name, "-sigalgs", "RSA+SHA256:RSA-PSS+SHA256"),
               "rsaEncryption", "RSA signature algorithms, SNI " + name)
        for cipher in ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"):
            ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(cipher)
            with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=5),
                                 server_hostname="a.test") as s:
                eq(s.cipher()[0], cipher, "suite")
                st, _, body, _ = get(s, "/", "a.test")
                eq((st, body), (200, b"site a\n"), "a.test over " + cipher)
        # b.test keeps its one ECDSA certificate: an RSA-only client fails there
        eq(s_client_cert(srv.port, "b.test"), "id-ecPublicKey", "b.test")
    finally:
        srv.stop()
    # a certificate without its key is an error at its line, as in nginx
    srv = Server("dual2", a="ssl_certificate %s/aec.pem;" % CERTS)
    rc, out = dash_t(srv)
    eq(rc, 1, "-t exit status: " + out)
    expect(re.search(r'no "ssl_certificate_key" is defined for certificate ".*aec\.pem"', out),
           "error: " + out)
    # a second key that is not its certificate's: named at its line
    srv = Server("dual3", a="ssl_certificate %s/aec.pem; ssl_certificate_key %s/b.key;"
                 % (CERTS, CERTS))
    rc, out = dash_t(srv)
    eq(rc, 1, "-t exit status: " + out)
    expect(re.search(r'%s:13: certificate key ".*b\.key" does not match certificate ".*aec\.pem"'
                     % re.escape(srv.conf), out), "error: " + out)


def server_conns(srv, open_only=False):
    """Server-side sockets of the port that zokiod has not closed (/proc/net/tcp: any state but
    LISTEN and TIME_WAIT; a client's close leaves CLOSE_WAIT until zokiod closes too). With
    open_only, only those zokiod has not closed whatever the client does (ESTABLISHED, SYN_RECV,
    CLOSE_WAIT: not FIN_WAIT)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if open_only and p[3] not in ("01", "03", "08"):
                continue
            if p[3] not in ("0A", "06") and int(p[1].split(":")[1], 16) == srv.port:
                n += 1
    return n


def curl_ok(port):
    try:
        return curl(port, "a.test", "/") == b"site a\n"
    except Fail:
        return False


class RawTLS:
    """A TLS 1.2 client over memory BIOs: the test decides which bytes reach the socket."""

    def __init__(self, port, name="a.test"):
        ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=harness.IO_TIMEOUT)
        self.inb, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inb, self.outb, server_hostname=name)

    def hello(self):
        """The ClientHello record(s), not sent."""
        try:
            self.obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        return self.outb.read()

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self.sock.sendall(self.outb.read())
                return
            except ssl.SSLWantReadError:
                self.sock.sendall(self.outb.read())
                d = self.sock.recv(65536)
                if not d:
                    raise Fail("closed in the handshake")
                self.inb.write(d)

    def records(self, data):
        """data encrypted, not sent"""
        self.obj.write(data)
        return self.outb.read()

    def close(self):
        self.sock.close()


def closes_after(sock, limit):
    """Seconds until the server closes sock (reading and dropping what it sends), or None."""
    t0 = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        return None
    return time.monotonic() - t0


BAD = "ssl_handshake_timeout 1s; client_header_timeout 1s;"


@test()
def t_client_stops_mid_handshake():
    srv = Server("mid", http=BAD)
    srv.start()
    try:
        c = RawTLS(srv.port)
        c.sock.sendall(c.hello())
        c.sock.settimeout(5)
        expect(c.sock.recv(65536)[:1] == b"\x16", "no ServerHello")  # then the client is silent
        took = closes_after(c.sock, 4)
        expect(took is not None and took < 2, "closed after %s s, not about 1 s" % took)
        c.close()
        eq(curl(srv.port, "a.test", "/"), b"site a\n", "after")
    finally:
        srv.stop()


@test()
def t_truncated_records():
    srv = Server("trunc", http=BAD)
    srv.start()
    try:
        # a ClientHello record cut short, then silence: closed at ssl_handshake_timeout
        c = RawTLS(srv.port)
        hello = c.hello()
        c.sock.sendall(hello[:len(hello) // 2])
        took = closes_after(c.sock, 4)
        expect(took is not None and 0.7 < took < 2, "half a ClientHello: closed after %s s" % took)
        c.close()
        # after the handshake, half a request record then silence: client_header_timeout
        c = RawTLS(srv.port)
        c.handshake()
        rec = c.records(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        c.sock.sendall(rec[:len(rec) // 2])
        took = closes_after(c.sock, 4)
        expect(took is not None and took < 2, "half a record: closed after %s s" % took)
        c.close()
        # half a record, then the client's FIN: closed at once, no answer
        c = RawTLS(srv.port)
        c.handshake()
        rec = c.records(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        c.sock.sendall(rec[:len(rec) - 3])
        c.sock.shutdown(socket.SHUT_WR)
        took = closes_after(c.sock, 4)
        expect(took is not None and took < 0.7, "half a record and FIN: closed after %s s" % took)
        c.close()
        eq(curl(srv.port, "a.test", "/"), b"site a\n", "after")
    finally:
        srv.stop()


@test()
def t_renegotiation_refused():
    need("openssl")
    srv = server()
    with tls(srv.port, "a.test") as good:
        # s_client's "R" asks for a renegotiation (an encrypted ClientHello): refused with a
        # no_renegotiation alert, and the client gives up the connection
        p = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port,
                              "-servername", "a.test", "-tls1_2"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            time.sleep(0.3)
            p.stdin.write(b"R\n")
            p.stdin.flush()
            time.sleep(0.5)
            p.stdin.write(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            p.stdin.flush()
        except BrokenPipeError:
            pass
        try:
            out = p.communicate(timeout=5)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            p.kill()
            out = p.communicate()[0].decode(errors="replace")
            raise Fail("s_client still connected after R: " + out[-300:])
        expect("RENEGOTIATING" in out, "no renegotiation tried: " + out[-300:])
        expect(re.search(r"no renegotiation|alert", out, re.I) and "site a" not in out,
               "renegotiation not refused: " + out[-400:])
        expect("Secure Renegotiation IS supported" in out, "RFC 5746: " + out[-400:])
        # a plaintext ClientHello after the handshake: not a record of this session, closed
        c = RawTLS(srv.port)
        c.handshake()
        c.sock.sendall(RawTLS(srv.port).hello())
        took = closes_after(c.sock, 4)
        expect(took is not None and took < 1, "raw ClientHello: closed after %s s" % took)
        c.close()
        st, _, body, _ = get(good, "/", "a.test")
        eq((st, body), (200, b"site a\n"), "the other connection")


@test()
def t_no_weak_suites():
    need("openssl")
    srv = server()
    for suite in ("AES128-SHA256", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
                  "DES-CBC3-SHA", "RC4-SHA", "NULL-SHA256", "ECDHE-RSA-NULL-SHA",
                  "AES128-GCM-SHA256", "DHE-RSA-AES128-GCM-SHA256"):
        r = sh(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port, "-tls1_2",
                "-cipher", suite + "@SECLEVEL=0", "-servername", "a.test"],
               stdin=subprocess.DEVNULL)
        out = r.stdout.decode(errors="replace")
        expect(r.returncode != 0 and not re.search(r"Cipher is [A-Z]", out),
               "%s accepted: %s" % (suite, out[-200:]))
    r = sh(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port, "-servername",
            "a.test"], stdin=subprocess.DEVNULL)
    out = r.stdout.decode(errors="replace")
    expect(re.search(r"Protocol\s*:\s*TLSv1\.2", out) and
           re.search(r"Cipher is ECDHE-(RSA|ECDSA)-(AES\d+-GCM|CHACHA20)", out),
           "the default handshake: " + out[-300:])


@test()
def t_default_suites():
    # the server's order picks (mbedtls has no client-preference mode): ChaCha20-Poly1305 first,
    # the cheapest AEAD for mbedtls 2.28, then AES-128-GCM, then AES-256-GCM
    srv = server()
    for ciphers, want in ((None, "ECDHE-RSA-CHACHA20-POLY1305"),
                          ("ECDHE+AESGCM", "ECDHE-RSA-AES128-GCM-SHA256"),
                          ("ECDHE+AES256+AESGCM", "ECDHE-RSA-AES256-GCM-SHA384")):
        ctx = ssl.create_default_context(cafile=os.path.join(CERTS, "ca.pem"))
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if ciphers:
            ctx.set_ciphers(ciphers)
        with ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=5),
                             server_hostname="a.test") as s:
            eq(s.cipher()[0], want, "client ciphers %s" % ciphers)
            eq(get(s, "/", "a.test")[0], 200, "status")


def temp_key(port, *args):
    r = sh(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "a.test",
            "-tls1_2"] + list(args), stdin=subprocess.DEVNULL)
    m = re.search(r"Server Temp Key: ([^\n]+)", r.stdout.decode(errors="replace"))
    # "ECDH, prime256v1, 256 bits" or "X25519, 253 bits"
    return m.group(1).split(",")[-2].strip() if m else "none: " + r.stdout.decode()[-200:]


@test()
def t_ecdhe_groups():
    # nginx's default (ssl_ecdh_curve auto, OpenSSL's order): X25519 for a client that offers
    # it, else P-256; P-384 and P-521 for clients that want only those. mbedtls's own order
    # starts with P-521, several times dearer per handshake.
    need("openssl")
    srv = server()
    eq(temp_key(srv.port), "X25519", "a default client")
    eq(temp_key(srv.port, "-curves", "secp521r1:prime256v1:secp384r1"), "prime256v1",
       "a client without X25519")
    eq(temp_key(srv.port, "-curves", "secp384r1"), "secp384r1", "P-384 only")
    eq(temp_key(srv.port, "-curves", "secp521r1"), "secp521r1", "P-521 only")


@test(limit=40)
def t_abandoned_handshakes():
    # 1,000 connections that start a handshake (nothing, or part of a ClientHello) and wait:
    # each is closed by ssl_handshake_timeout (or earlier, as the oldest handshake, beyond the
    # handshake cap of 512), while clients on keep-alive and on new connections see no error
    import resource
    import threading
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    srv = Server("flood", http=BAD, wc=4096)
    srv.start()
    stop = threading.Event()
    errors, done, fresh_done = [], [0], [0]

    def keepalive(fresh):  # fresh: a new connection per request; else when the server says close
        try:
            while not stop.is_set():
                with tls(srv.port, "a.test") as s:
                    while not stop.is_set():
                        st, h, body, _ = get(s, "/", "a.test")
                        if (st, body) != (200, b"site a\n"):
                            raise Fail("answer %d" % st)
                        done[0] += 1
                        if fresh or h.get("connection") == "close":
                            fresh_done[0] += fresh
                            break
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e)[:200])

    part = RawTLS(srv.port).hello()
    threads = [threading.Thread(target=keepalive, args=(i == 2,)) for i in range(3)]
    socks = []
    try:
        for t in threads:
            t.start()
        t0 = time.monotonic()
        for i in range(1000):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", srv.port))
            socks.append(s)
        for i, s in enumerate(socks):
            s.setblocking(True)
            s.settimeout(5)
            try:
                if i % 2:
                    s.sendall(part[:40])
            except OSError:
                pass  # closed at accept beyond the cap
        opened = time.monotonic() - t0
        # every one is closed by the server within the timeout (+ the time to open them, + the
        # SYN retries, 1 s then 3 s, of those the full accept queue (backlog 511) turned away)
        left = harness.wait_for(lambda: server_conns(srv, open_only=True) <= 2, 1 + opened + 8,
                                0.1)
        took = time.monotonic() - t0
        expect(left, "%d connections still open after %.1f s"
               % (server_conns(srv, open_only=True) - 2, took))
        expect(took > 0.9, "closed after %.2f s, before ssl_handshake_timeout" % took)
        stop.set()
        for t in threads:
            t.join(10)
        eq(errors, [], "clients (%d requests, %d on new connections)" % (done[0], fresh_done[0]))
        expect(fresh_done[0] > 10, "only %d requests on new connections" % fresh_done[0])
        eq(curl(srv.port, "a.test", "/"), b"site a\n", "a new connection after")
    finally:
        stop.set()
        for s in socks:
            s.close()
        srv.stop()


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
