#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Black-box tests of zokiod as an nginx user runs it (issue 4): the configuration file and its
error messages (`zokiod -t`), the command line, virtual hosts, locations, http-level settings,
the master and its workers, signals (HUP, QUIT, TERM, USR1, `-s`), the pid file and the logs.

Every test builds its own prefix directory under a temporary directory (PREFIX/conf/zokiod.conf,
PREFIX/html, PREFIX/logs, ...), written at run time on free loopback ports, and starts
`$ZOKIOD_BUILD/zokiod -c PREFIX/conf/zokiod.conf` (backend from $ZOKIOD_BACKEND) in its own
process group, which is killed when the test ends, whatever happened. Some tests share one
server (the virtual hosts, the locations, the http-level settings).

Output: one line per test, `ok   conf/NAME [backend]`, `FAIL conf/NAME [backend]: reason` or
`skip conf/NAME [backend]: reason`; the last line is `N passed, N failed[, N skipped]` and the
exit status is 1 when something failed. Arguments, when given, select the tests whose name
contains one of them. Python 3 standard library only; the runner, the raw HTTP/1.1 client and
the process helpers are shared with http_test.py, in harness.py.

ZT_CONF_NGINX=/usr/sbin/nginx runs the same tests against nginx instead (zokiod-only tests, such
as the exact -t messages, are skipped): a check of the tests' own expectations.
"""

import calendar
import errno
import hashlib
import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ for harness.py in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (  # noqa: E402
    IO_TIMEOUT, REPO, ZOKIOD, Closed, Conn, Fail, NoAnswer, Skip, eq, expect, free_ports,
    media_type, req, server_env, short, status, wait_for)

NGINX = os.environ.get("ZT_CONF_NGINX") or ""
NAME = "nginx" if NGINX else "zokiod"

CLI_TIMEOUT = 5.0  # zokiod -t, -v, -s ...
LOG_FLUSH = 1.6  # the access log is flushed at least once a second
LEVELS = ("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg")


# --- processes --------------------------------------------------------------------------------------


def proc_stat(pid):
    """(state, ppid, pgrp) of a process, or None when there is no such process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2 :].split()
    return rest[0], int(rest[1]), int(rest[2])


def exists(pid):
    """The process exists and is not a zombie."""
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def children(pid):
    """Live (non-zombie) children of `pid`, sorted."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[1] == pid and st[0] not in ("Z", "X"):
                out.append(int(d))
    return sorted(out)


def zombies(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[1] == pid and st[0] == "Z":
                out.append(int(d))
    return out


def ncpu():
    return os.cpu_count() or 1


TMP = ""
INSTANCES = []  # started by the current test: killed when it ends
FIXTURES = {}  # shared servers: killed at the end of the run


class Inst(harness.Process):
    """A prefix directory (conf/, html/, logs/) and the zokiod master started on it."""

    def __init__(self, name, nports=1):
        self.prefix = tempfile.mkdtemp(prefix=name + "-", dir=TMP)
        os.chmod(self.prefix, 0o755)
        for d in ("conf", "html", "logs"):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)
        self.ports = free_ports(nports)
        self.port = self.ports[0]
        self.conf = os.path.join(self.prefix, "conf", "zokiod.conf")
        self.proc = None
        self.seen = set()
        self.errpath = os.path.join(self.prefix, "stderr.txt")
        self.last_conf_text = ""

    # files
    def path(self, rel):
        return rel if os.path.isabs(rel) else os.path.join(self.prefix, rel)

    def put(self, rel, data, mode=None):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(p, mode)
        return p

    def read(self, rel):
        try:
            with open(self.path(rel), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return None

    def sub(self, text):
        for i, p in enumerate(self.ports):
            text = text.replace("%%P%d%%" % i, str(p))
        return text.replace("%PREFIX%", self.prefix)

    def write_conf(self, text, rel=None):
        text = self.sub(text)
        p = self.put(rel or self.conf, text)
        if p == self.conf:
            self.last_conf_text = text
        return p

    def mime_types(self, rel="conf/mime.types"):
        shutil.copyfile(os.path.join(REPO, "conf", "mime.types"), self.path(rel))

    # command line
    def argv(self, args):
        args = list(args)
        if not NGINX:
            if ("-c" in args and not {"-s", "-t", "-T", "-g"} & set(args)
                    and not re.search(r"^\s*user\s", self.last_conf_text, re.M)):
                args = harness.ROOT_WORKERS_ARGS + args
            return [ZOKIOD] + args
        if "-c" in args and "-p" not in args:
            args = ["-p", self.prefix + "/"] + args
        if "-c" in args:
            try:
                with open(args[args.index("-c") + 1]) as f:
                    text = f.read()
            except (OSError, IndexError):
                text = ""
            g = "daemon off; user root;"
            if not re.search(r"^\s*pid\s", text, re.M):
                g += " pid logs/zokiod.pid;"
            if not re.search(r"^\s*error_log\s", text, re.M):
                g += " error_log stderr;"
            args += ["-g", g]
        return [NGINX] + args

    def cli(self, args, timeout=CLI_TIMEOUT, cwd=None):
        """Runs zokiod ARGS to completion; returns (exit status, stdout+stderr text)."""
        p = subprocess.Popen(self.argv(args), cwd=cwd or self.prefix, env=server_env(),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(p.pid)
            p.communicate()
            raise Fail("`zokiod %s` still running after %.0f s" % (" ".join(args), timeout))
        return p.returncode, out.decode("utf-8", "replace")

    # the running master
    def start(self, args=None, wait_ports=None, cwd=None, env=None):
        """Starts the master (in the foreground, its own process group) and waits until every
        port in `wait_ports` (default: all of this instance's ports) accepts."""
        if not NGINX and not os.access(ZOKIOD, os.X_OK):
            raise Fail("no executable %s (build it with make BUILD=...)" % ZOKIOD)
        args = ["-c", self.conf] if args is None else args
        e = server_env()
        e.update(env or {})
        self.started = time.monotonic()
        self.spawn(self.argv(args), cwd or self.prefix, e)
        INSTANCES.append(self)
        ports = self.ports if wait_ports is None else wait_ports
        self.wait_accepting(ports, 0.02, "zokiod",
                            "zokiod not accepting on port %d %.0f s after start; stderr: %s")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def workers(self):
        w = children(self.pid)
        self.seen.update(w)
        return w

    def wait_workers(self, n, timeout=3.0, exclude=()):
        """Waits until the master has exactly n live children, none in `exclude`."""
        w = wait_for(lambda: (lambda c: c if len(c) == n and not set(c) & set(exclude) else None)(
            self.workers()), timeout)
        if not w:
            raise Fail("expected %d workers%s within %.0f s, master %d has children %s%s" % (
                n, " (none of %s)" % sorted(exclude) if exclude else "", timeout, self.pid,
                self.workers(), "; zombies %s" % zombies(self.pid) if zombies(self.pid) else ""))
        return w

    def signal(self, sig):
        expect(self.alive(), "master not running (%s) before %s; stderr: %s"
               % (self.how_died(), signal.Signals(sig).name, self.stderr_tail()))
        self.workers()
        os.kill(self.pid, sig)

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        # anything still running from this prefix (a daemon left its process group): its
        # command line names the config file, under this instance's unique directory
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) != os.getpid():
                try:
                    with open("/proc/%s/cmdline" % d, "rb") as f:
                        cmd = f.read()
                except OSError:
                    continue
                if (self.prefix + "/").encode() in cmd and (
                        b"zokiod" in cmd or (NGINX and NGINX.encode() in cmd)):
                    try:
                        os.kill(int(d), signal.SIGKILL)
                    except OSError:
                        pass
        if self.proc is None:
            return
        try:
            self.workers()
        except OSError:
            pass
        kill_group(self.proc.pid)
        for p in self.seen:
            st = proc_stat(p)
            if st and st[2] == self.proc.pid:  # still in our process group: not a reused pid
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            pass


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def setup_site(inst, conf, files):
    """Writes the config and the files ({path: text}) of a test site; returns inst."""
    inst.write_conf(conf)
    for rel, text in files.items():
        inst.put(rel, text)
    return inst


def site_fixture(name, conf, files):
    """A shared server (fixture()) serving the site setup_site() writes."""
    return fixture(name, lambda: setup_site(Inst(name), conf, files).start())


def fixture(name, setup):
    """A server shared by several tests: created by setup() on first use (or when it died)."""
    inst = FIXTURES.get(name)
    if inst is not None and inst.alive():
        return inst
    if inst is not None:
        inst.kill()
        if inst in INSTANCES:
            INSTANCES.remove(inst)
    inst = setup()
    INSTANCES.remove(inst)  # not killed at the end of this test
    FIXTURES[name] = inst
    return inst


# --- a raw HTTP/1.1 client --------------------------------------------------------------------------

def get(port, path="/", host="localhost", headers=(), method="GET", version="HTTP/1.1",
        body=b""):
    """One request on a fresh connection; returns the response."""
    return harness.exchange(Conn(port), req(path, method, headers, version, host, body), method)


def body_is(r, want, what):
    status(r, 200, what)
    eq(r.text(), want, what + ": body")


def serves(port, path="/", want_status=200, host="localhost"):
    try:
        return get(port, path, host).status == want_status
    except (Fail, OSError):
        return False


class SlowGet(threading.Thread):
    """GET `path` on its own connection (small receive buffer), read at about `rate` bytes/s."""

    def __init__(self, port, path, rate):
        super().__init__(daemon=True)
        self.port, self.path, self.rate = port, path, rate
        self.got = 0
        self.length = None
        self.status = None
        self.sha = hashlib.sha256()
        self.error = None
        self.done = False
        self.closed_after = None  # the server closed the connection after the body
        self.end_time = None

    def run(self):
        s = None
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
            s.settimeout(IO_TIMEOUT)
            s.connect(("127.0.0.1", self.port))
            s.sendall(req(self.path))
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = s.recv(4096)
                if not d:
                    raise Exception("closed before the response head")
                buf += d
            head, buf = buf.split(b"\r\n\r\n", 1)
            self.status = int(head.split(b" ")[1])
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            self.length = int(m.group(1)) if m else None
            t0 = time.monotonic()
            self.got = len(buf)
            self.sha.update(buf)
            while self.length is None or self.got < self.length:
                ahead = self.got - self.rate * (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(min(0.05, ahead / self.rate))
                    continue
                d = s.recv(16384)
                if not d:
                    raise Exception("connection closed after %d of %s body bytes"
                                    % (self.got, self.length))
                self.got += len(d)
                self.sha.update(d)
            self.end_time = time.monotonic()
            s.settimeout(3)
            try:
                self.closed_after = s.recv(1) == b""
            except socket.timeout:
                self.closed_after = False
            except ConnectionResetError:
                self.closed_after = True
        except Exception as e:
            self.error = "%s: %s" % (type(e).__name__, e)
            self.end_time = time.monotonic()
        finally:
            if s is not None:
                s.close()
            self.done = True


BIG = 10 * 1024 * 1024


def put_big(inst, rel="html/big.bin"):
    data = os.urandom(BIG)
    inst.put(rel, data)
    return hashlib.sha256(data).hexdigest()


# --- tests ------------------------------------------------------------------------------------------

TESTS, test = harness.registry()


def version_of_cli():
    rc, out = Inst("version").cli(["-v"])
    m = re.search(r"\b%s/(\S+)" % NAME, out)
    return m.group(1) if m else None


# --- -t: configuration test -------------------------------------------------------------------------

# nginx's `[emerg]` level, then FILE:LINE first (as compilers print it; nginx ends with " in FILE:LINE")
LINE_RE = re.compile(r"^zokiod: \[emerg\] (/[^:]*):(\d+): (.*)$", re.M)


def conf_error(main, lines, pattern, file=None, files=None, setup=None, what=""):
    """`zokiod -t -c CONF` with CONF = `main` fails: exit 1, one line
    `zokiod: [emerg] FILE:LINE: message` (FILE = the file holding the error, LINE in `lines`, message
    matching `pattern`), then `zokiod: configuration file CONF test failed`."""
    inst = Inst("t")
    inst.mime_types()
    for rel, text in (files or {}).items():
        inst.write_conf(text, rel)
    if setup:
        setup(inst)
    inst.write_conf(main)
    rc, out = inst.cli(["-t", "-c", inst.conf])
    one = " | ".join(out.strip().splitlines()) or "(no output)"
    m = LINE_RE.search(out)
    expect(m, "%sno `zokiod: [emerg] FILE:LINE: message` line in the -t output: %s"
           % (what, one))
    want_file = inst.path(file) if file else inst.conf
    eq(m.group(1), want_file, what + "FILE in %r" % m.group(0))
    lines = (lines,) if isinstance(lines, int) else tuple(lines)
    expect(int(m.group(2)) in lines, "%sLINE in %r: expected %s" % (
        what, m.group(0), " or ".join(map(str, lines))))
    expect(re.search(pattern, m.group(3)), "%smessage %r does not match /%s/"
           % (what, m.group(3), pattern))
    fin = "zokiod: configuration file %s test failed" % inst.conf
    expect(fin in out.splitlines(), "%sno line %r in: %s" % (what, fin, one))
    expect(out.index(m.group(0)) < out.index(fin), what + "the error comes after `test failed`")
    eq(rc, 1, what + "exit status of -t")
    return m


GOOD_CONF = """\
# zokiod -t on a config using every directive of issue 4
worker_processes auto;   # a trailing comment
error_log logs/error.log info;
pid logs/zokiod.pid;
daemon off;
backend auto;
worker_shutdown_timeout 10s;

events {
    worker_connections 1024;
}

http {
    include mime.types;
    types {
        text/x-zokiod zkd;
    }
    default_type application/octet-stream;
    access_log logs/access.log combined;
    sendfile on;
    keepalive_timeout 65s 60;
    keepalive_requests 100;
    client_header_timeout 1m;
    client_body_timeout 500ms;
    send_timeout 1h;
    client_max_body_size 2m;
    large_client_header_buffers 4 16k;
    server_tokens off;

    server {
        listen 127.0.0.1:%P0% default_server;
        listen [::1]:%P0%;
        server_name example.com "*.example.com" 'www.example.*';
        root html;
        index index.html index.htm;
        autoindex off;
        error_page 404 /404.html;
        error_page 500 502 503 504 /50x.html;
        add_header X-Frame-Options "SAMEORIGIN";
        add_header X-Quoted 'a b; c';

        location / {
        }
        location = /exact {
            return 204;
        }
        location /old/ {
            return 301 https://example.com/new/;
        }
        location /files/ {
            alias files/;
            autoindex on;
            index none.html;
            add_header Cache-Control "no-cache";
        }
        location /private/ {
            root other;
            return 403;
        }
    }

    server {
        listen 127.0.0.1:%P1%;
        server_name .example.org;
        root "html";
        access_log off;
        return 302 http://example.com/;
    }
}
"""


@test(zokiod_only=True)
def t_check_ok():
    inst = Inst("t", 2)
    inst.mime_types()
    inst.write_conf(GOOD_CONF)
    rc, out = inst.cli(["-t", "-c", inst.conf])
    one = " | ".join(out.strip().splitlines()) or "(no output)"
    want = "zokiod: configuration file %s test is successful" % inst.conf
    expect(want in out.splitlines(), "no line %r in: %s" % (want, one))
    eq(rc, 0, "exit status of -t (output: %s)" % one)
    expect(not os.path.exists(inst.path("logs/zokiod.pid")), "-t wrote the pid file")


@test(zokiod_only=True)
def t_check_relative_c():
    # -c with a relative path and no -p: taken against the current directory (zokiod's default
    # prefix follows from the file; with -p it is taken against the prefix: t_cli_c_under_prefix)
    inst = Inst("t")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n    }\n}\n")
    rc, out = inst.cli(["-t", "-c", "conf/zokiod.conf"], cwd=inst.prefix)
    want = "zokiod: configuration file %s test is successful" % inst.conf
    expect(want in out.splitlines(), "no line %r in: %s" % (want, out.strip()))
    eq(rc, 0, "exit status")


@test(zokiod_only=True)
def t_check_unknown_directive():
    conf_error("http {\n    server {\n        roo html;\n    }\n}\n", 3,
               r'^unknown directive "roo"$')


@test(zokiod_only=True)
def t_check_missing_semicolon():
    # `worker_processes 1` then a block: nginx reads `worker_processes 1 http {`
    conf_error("worker_processes 1\nhttp {\n}\n", (1, 2),
               r'directive "worker_processes" is not terminated by ";"')


@test(zokiod_only=True)
def t_check_missing_semicolon_before_brace():
    conf_error("http {\n    server {\n        root html\n    }\n}\n", (3, 4),
               r'unexpected "}"|expecting ";"')


@test(zokiod_only=True)
def t_check_missing_semicolon_at_eof():
    conf_error("events { }\nworker_processes 1\n", (2, 3),
               r'unexpected end of file, expecting ";"')


@test(zokiod_only=True)
def t_check_unbalanced_open_brace():
    conf_error("http {\n    server {\n        listen 127.0.0.1:%P0%;\n    }\n", (4, 5),
               r'unexpected end of file, expecting "}"')


@test(zokiod_only=True)
def t_check_unbalanced_close_brace():
    conf_error("http {\n    server {\n    }\n}\n}\n", 5, r'^unexpected "}"$')


@test(zokiod_only=True)
def t_check_bad_value():
    conf_error("http {\n    keepalive_timeout abc;\n}\n", 2,
               r'invalid value "abc" in "keepalive_timeout" directive')


@test(zokiod_only=True)
def t_check_bad_values_other():
    cases = [
        ("http {\n    client_max_body_size 10x;\n}\n", 2, r'invalid value "10x"'),
        ("worker_processes many;\n", 1, r'invalid value "many"'),
        ("http {\n    sendfile yes;\n}\n", 2, r'invalid value "yes".*"on" or "off"'),
        ("backend kqueue;\n", 1, r'invalid value "kqueue" in "backend" directive'),
        ("http {\n    server {\n        listen 127.0.0.1:99999;\n    }\n}\n", 3, r'99999|listen'),
        ("http {\n    server {\n        autoindex maybe;\n    }\n}\n", 3, r'"maybe"'),
        ("http {\n    keepalive_requests -1;\n}\n", 2, r'"-1"'),
    ]
    for text, line, pat in cases:
        conf_error(text, line, pat, what="%s: " % short(text.replace("\n", " "), 60))


@test(zokiod_only=True)
def t_check_wrong_block():
    conf_error("worker_processes 1;\nroot html;\nhttp {\n}\n", 2,
               r'^"root" directive is not allowed here$')


@test(zokiod_only=True)
def t_check_wrong_block_other():
    cases = [
        ("http {\n    worker_processes 2;\n}\n", 2, r'"worker_processes" directive is not allowed'),
        ("events {\n    listen 80;\n}\n", 2, r'"listen" directive is not allowed'),
        ("http {\n    listen 127.0.0.1:%P0%;\n}\n", 2, r'"listen" directive is not allowed'),
        ("http {\n    location / {\n    }\n}\n", 2, r'"location" directive is not allowed'),
    ]
    for text, line, pat in cases:
        conf_error(text, line, pat, what="%s: " % short(text.replace("\n", " "), 60))


@test(zokiod_only=True)
def t_check_duplicate_listen_server_name():
    conf_error("http {\n"
               "    server {\n"
               "        listen 127.0.0.1:%P0%;\n"
               "        server_name dup.test;\n"
               "    }\n"
               "    server {\n"
               "        listen 127.0.0.1:%P0%;\n"
               "        server_name dup.test;\n"
               "    }\n"
               "}\n", (6, 7, 8), r'dup\.test')


@test(zokiod_only=True)
def t_check_duplicate_default_server():
    conf_error("http {\n"
               "    server {\n"
               "        listen 127.0.0.1:%P0% default_server;\n"
               "    }\n"
               "    server {\n"
               "        listen 127.0.0.1:%P0% default_server;\n"
               "        server_name other.test;\n"
               "    }\n"
               "}\n", (5, 6), r'default')


@test(zokiod_only=True)
def t_check_missing_include():
    inst = None

    def grab(i):
        nonlocal inst
        inst = i

    m = conf_error("events { }\nhttp {\n    include nothere.conf;\n}\n", 3, r"failed",
                   setup=grab)
    want = 'open() "%s" failed (No such file or directory)' % inst.path("conf/nothere.conf")
    eq(m.group(3), want, "message")


@test(zokiod_only=True)
def t_check_unreadable_include():
    if os.geteuid() == 0:
        # root reads a mode 000 file: use a directory (read() fails) instead
        def setup(inst):
            os.makedirs(inst.path("conf/dir.conf"))

        conf_error("events { }\nhttp {\n    include dir.conf;\n}\n", 3,
                   r'dir\.conf.*(failed|Is a directory)', setup=setup)
    else:
        conf_error("events { }\nhttp {\n    include locked.conf;\n}\n", 3,
                   r'locked\.conf.*Permission denied',
                   setup=lambda inst: inst.put("conf/locked.conf", "", 0))


@test(zokiod_only=True)
def t_check_error_in_include():
    conf_error("events { }\nhttp {\n    include sites/*.conf;\n}\n", 3,
               r'^unknown directive "roo"$', file="conf/sites/bad.conf",
               files={"conf/sites/bad.conf": "server {\n    listen 127.0.0.1:%P0%;\n"
                                             "    roo x;\n}\n"})


@test(zokiod_only=True)
def t_check_bad_mime_types():
    # -t finds a broken mime.types (before, -t passed and the start failed with "bad types
    # table" and no place), at the included file's line
    main = "events { }\nhttp {\n    include mime.types;\n}\n"
    for text, line, pat in (
            ("types {\n    text/html html\n    text/css css;\n}\n", 2,
             r'^invalid extension "text/css" for type "text/html" \(missing ";"\?\)$'),
            ("types {\n    text/html html;\n    css text/css;\n}\n", 3,
             r'^invalid media type "css"'),
            ("types {\n    application/gzip tar.gz;\n}\n", 2, r'^invalid extension "tar\.gz"'),
            ("types {\n    text/html html;\n    \"text/css css;\n}\n", 5,
             r"^unexpected end of file, expecting '\"' \(the string starts on line 3\)$")):
        conf_error(main, line, pat, file="conf/mime.types", files={"conf/mime.types": text},
                   what="%s: " % short(text.replace("\n", " "), 60))


@test(zokiod_only=True)
def t_check_bad_certificate():
    conf_error("http {\n"
               "    server {\n"
               "        listen 127.0.0.1:%P0% ssl;\n"
               "        ssl_certificate nocert.pem;\n"
               "        ssl_certificate_key nokey.pem;\n"
               "    }\n"
               "}\n", (4, 5), r'nocert\.pem|nokey\.pem')


@test(zokiod_only=True)
def t_check_unsupported_nginx_directive():
    conf_error("http {\n    server {\n        location / {\n"
               "            proxy_pass http://127.0.0.1:9;\n        }\n    }\n}\n", 4,
               r'"proxy_pass".*(not supported|not implemented)')


@test(zokiod_only=True)
def t_check_unsupported_nginx_directive_other():
    for text, line, name in [
        ("worker_priority 5;\n", 1, "worker_priority"),
        ("http {\n    gzip_static on;\n}\n", 2, "gzip_static"),
        ("http {\n    server {\n        location / {\n            fastcgi_pass x;\n"
         "        }\n    }\n}\n", 4, "fastcgi_pass"),
        ("http {\n    set_real_ip_from 10.0.0.0/8;\n}\n", 2, "set_real_ip_from"),
        ("mail {\n}\n", 1, "mail"),
    ]:
        conf_error(text, line, r'^"%s" directive is not supported by zokiod$' % name,
                   what="%s: " % name)
    # a name nginx does not know either, even in a family it has: nginx's own words
    conf_error("http {\n    proxy_frobnicate on;\n}\n", 2, r'^unknown directive "proxy_frobnicate"$')


@test(zokiod_only=True)
def t_check_location_errors():
    """Regex, nesting, duplicate and capture errors name FILE:LINE with nginx's words (and
    PCRE2's)."""
    srv = "events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n%s    }\n}\n"
    for body, line, pattern in [
        ("        location ~ \\.(png|jpg$ { }\n", 5,
         r'^pcre2_compile\(\) failed: missing closing parenthesis in "\\\.\(png\|jpg\$"$'),
        ("        location /a {\n            location ~* \"[z-a]\" { }\n        }\n", 6,
         r'^pcre2_compile\(\) failed: range out of order in character class in "\[z-a\]" '
         r'at "a\]"$'),
        ("        location /a {\n            location /b { }\n        }\n", 6,
         r'^location "/b" is outside location "/a"$'),
        ("        location /a {\n            location @n { }\n        }\n", 6,
         r'^named location "@n" can be on the server level only$'),
        ("        location @n {\n            location /n { }\n        }\n", 6,
         r'^location "/n" cannot be inside the named location "@n"$'),
        ("        location = /e {\n            location /e/x { }\n        }\n", 6,
         r'^location "/e/x" cannot be inside the exact location "/e"$'),
        ("        location /d { }\n        location ^~ /d { }\n", 6,
         r'^duplicate location "/d"$'),
        ("        server_name ok.test ~^(?<sub>[a-z+)\\.test$;\n", 5,
         r'^pcre2_compile\(\) failed: missing terminating \] for character class in '
         r'"\^\(\?<sub>\[a-z\+\)\\\.test\$"$'),
        ("        server_name ~^(?<sub>[a-z]+)\\.test$;\n        root /srv/$sbu;\n", 6,
         r'^unknown "sbu" variable$'),
    ]:
        conf_error(srv.replace("%s", body), line, pattern,
                   what="%s: " % body.strip().splitlines()[-1])


@test(zokiod_only=True)
def t_check_warns_unreadable_root():
    # -t as a user that cannot read the root (root without CAP_DAC_OVERRIDE): a warning naming
    # it, and still a successful test (nginx's workers would fail at run time, zokiod says so)
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and not setpriv:
        raise Skip("root reads chmod 000 directories and util-linux setpriv is missing")
    inst = Inst("unreadable")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        root locked;\n    }\n}\n")
    os.makedirs(inst.path("locked"), exist_ok=True)
    os.chmod(inst.path("locked"), 0)
    try:
        wrap = [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else []
        p = subprocess.run(wrap + [ZOKIOD, "-t", "-c", inst.conf], cwd=inst.prefix,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLI_TIMEOUT)
        out = p.stdout.decode("utf-8", "replace")
        eq(p.returncode, 0, "exit status of -t (output %s)" % short(out))
        want = 'document root "%s" cannot be read (Permission denied)' % inst.path("locked")
        expect(want in out, "no `%s` in the output of -t: %s" % (want, short(out, 300)))
    finally:
        os.chmod(inst.path("locked"), 0o755)


@test(zokiod_only=True)
def t_quiet_start_return_only_server():
    # a start, a reload and -t of a config without `sendfile on` whose redirect server only
    # does `return` (its root, the default html/, does not exist) log nothing at notice level
    # or above but the start, reload and worker lines: nginx logs neither (before: `[notice]
    # sendfile off: ...` and `[warn] document root ... No such file or directory`)
    inst = Inst("quiet", 2)
    os.rmdir(inst.path("html"))
    os.makedirs(inst.path("www"))
    inst.put("www/index.html", "hi\n")
    inst.write_conf("error_log stderr notice;\nevents { }\nhttp {\n"
                    "    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        return 301 https://example.com$request_uri;\n    }\n"
                    "    server {\n        listen 127.0.0.1:%P1%;\n        root www;\n"
                    "        location / {\n            return 302 /elsewhere;\n        }\n"
                    "        location /static/ { }\n    }\n}\n")
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 0, "exit status of -t (output %s)" % short(out))
    extra = [ln for ln in out.splitlines() if "syntax is ok" not in ln
             and "test is successful" not in ln]
    eq(extra, [], "-t output besides `syntax is ok` and `test is successful`")
    inst.start()
    status(get(inst.ports[0], "/x"), 301, "the redirect server")
    inst.signal(signal.SIGHUP)
    expect(wait_for(lambda: "reconfiguring" in inst.stderr_text(), 3), "no reload logged")
    time.sleep(0.3)
    allowed = ("started", "reconfiguring", "exited with code 0")  # nginx logs these too
    noisy = [ln for ln in inst.stderr_text().splitlines()
             if re.search(r"\[(notice|warn|error|crit|alert|emerg)\]", ln)
             and not any(a in ln for a in allowed)]
    eq(noisy, [], "lines logged at notice or above by a start and a reload")


def bind_error_lines(text, port):
    return [ln for ln in text.splitlines() if "bind() to 127.0.0.1:%d failed" % port in ln]


@test(zokiod_only=True)
def t_quiet_start_quick_mode():
    # zokiod -r logs its start and its worker's, nothing else at notice or above (no sendfile
    # notice, no root warning), and a folder listing or a file logs nothing either
    inst = Inst("quiet-r")
    inst.put("html/a.txt", "a\n")
    quick_start(inst)
    status(get(inst.port, "/"), 200, "the listing of /")
    status(get(inst.port, "/a.txt"), 200, "/a.txt")
    expect(wait_for(lambda: "worker started" in inst.stderr_text(), 3), "no worker start logged")
    time.sleep(0.2)
    noisy = [ln for ln in inst.stderr_text().splitlines()
             if re.search(r"\[(notice|warn|error|crit|alert|emerg)\]", ln)
             and "started" not in ln]
    eq(noisy, [], "lines logged at notice or above by zokiod -r")


@test(zokiod_only=True)
def t_bind_error_once():
    # a port in use: one line, nginx's `[emerg] bind() to ADDR:PORT failed (98: Address already
    # in use)`, exit 1; on stderr when the error log is stderr (before: printed twice), and once
    # on stderr plus once in the error log file when it is a file (as nginx at start)
    busy = socket.socket()
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        for log in ("stderr", "logs/error.log"):
            inst = Inst("bind")
            inst.write_conf("error_log %s;\nevents { }\nhttp {\n    server {\n"
                            "        listen 127.0.0.1:%d;\n    }\n}\n" % (log, port))
            rc, out = inst.cli(["-c", inst.conf])
            eq(rc, 1, "exit status with the port in use (error_log %s; output %s)"
               % (log, short(out)))
            lines = bind_error_lines(out, port)
            eq(len(lines), 1, "bind() lines on stdout+stderr with error_log %s (%s)"
               % (log, short(out, 300)))
            want = "[emerg] bind() to 127.0.0.1:%d failed (%d: %s)" % (
                port, errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
            expect(want in lines[0], "no `%s` in %r" % (want, lines[0]))
            if log != "stderr":
                eq(len(bind_error_lines(inst.read(log) or "", port)), 1,
                   "bind() lines in " + log)
    finally:
        busy.close()


@test()
def t_check_opens_logs():
    # -t opens the error and access log files as nginx -t does: one that cannot be opened fails
    # the test with nginx's message (before: -t said ok and the workers failed later); the ones
    # that can are created
    for directive in ("access_log", "error_log"):
        inst = Inst("t-logs")
        inst.write_conf("%s /nonexistent/dir/x.log;\nevents { }\nhttp {\n    server {\n"
                        "        listen 127.0.0.1:%%P0%%;\n    }\n}\n" % directive
                        if directive == "error_log" else
                        "events { }\nhttp {\n    access_log /nonexistent/dir/x.log;\n"
                        "    server {\n        listen 127.0.0.1:%P0%;\n    }\n}\n")
        rc, out = inst.cli(["-t", "-c", inst.conf])
        eq(rc, 1, "-t with %s in a missing directory: exit status (output %s)"
           % (directive, short(out, 300)))
        want = 'open() "/nonexistent/dir/x.log" failed (2: No such file or directory)'
        expect(want in out, "%s: no `%s` in the -t output: %s" % (directive, want, short(out, 300)))
        expect(re.search(r"configuration file \S+ test failed", out),
               "%s: no `test failed` in: %s" % (directive, short(out, 300)))
        if not NGINX:
            expect(("zokiod: [emerg] " + want) in out.splitlines(),
                   "%s: the line is not `zokiod: [emerg] %s`: %s" % (directive, want, short(out)))
    inst = Inst("t-logs-ok")
    inst.write_conf("error_log logs/err.log;\nevents { }\nhttp {\n"
                    "    access_log logs/acc.log;\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n    }\n}\n")
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 0, "-t with writable logs: exit status (output %s)" % short(out, 300))
    for rel in ("logs/err.log", "logs/acc.log"):
        expect(os.path.exists(inst.path(rel)), "-t did not create %s" % rel)
    # the access logs of every level: a server's, a location's, a nested location's (nginx opens
    # them all at load); one that cannot be opened fails the test
    inst = Inst("t-logs-levels")
    levels = ("events { }\nhttp {\n    access_log logs/http.log;\n    server {\n"
              "        listen 127.0.0.1:%P0%;\n        access_log logs/srv.log;\n"
              "        location /a/ {\n            access_log logs/loc.log;\n"
              "            location /a/b/ { access_log LAST; }\n        }\n    }\n}\n")
    inst.write_conf(levels.replace("LAST", "logs/nested.log"))
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 0, "-t with logs in every level: exit status (output %s)" % short(out, 300))
    for rel in ("logs/http.log", "logs/srv.log", "logs/loc.log", "logs/nested.log"):
        expect(os.path.exists(inst.path(rel)), "-t did not create %s" % rel)
    inst = Inst("t-logs-nested-bad")
    inst.write_conf(levels.replace("LAST", "/nonexistent/dir/nested.log"))
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 1, "-t with a nested location's log in a missing directory: exit status (output %s)"
       % short(out, 300))
    want = 'open() "/nonexistent/dir/nested.log" failed (2: No such file or directory)'
    expect(want in out, "no `%s` in the -t output: %s" % (want, short(out, 300)))


@test(zokiod_only=True)
def t_bad_backend_env():
    # an unknown ZOKIOD_BACKEND is an error that names it, not a silent fallback
    inst = Inst("t")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        root www;\n    }\n}\n")
    os.makedirs(inst.path("www"), exist_ok=True)
    env = server_env()
    env["ZOKIOD_BACKEND"] = "kqueue"
    p = subprocess.run([ZOKIOD, "-t", "-c", inst.conf], cwd=inst.prefix, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLI_TIMEOUT)
    out = p.stdout.decode("utf-8", "replace")
    want = 'zokiod: [emerg] ZOKIOD_BACKEND="kqueue": expected io_uring, epoll or auto'
    expect(want in out.splitlines(), "no line %r in: %s" % (want, out.strip()))
    eq(p.returncode, 1, "exit status")


@test(zokiod_only=True)
def t_check_missing_main_file():
    inst = Inst("t")
    missing = inst.path("conf/nope.conf")
    rc, out = inst.cli(["-t", "-c", missing])
    want = 'zokiod: [emerg] open() "%s" failed (No such file or directory)' % missing
    expect(want in out.splitlines(), "no line %r in: %s" % (want, out.strip()))
    expect("zokiod: configuration file %s test failed" % missing in out.splitlines(),
           "no `test failed` line in: %s" % out.strip())
    eq(rc, 1, "exit status")


@test(zokiod_only=True)
def t_start_bad_config_exits_1():
    inst = Inst("t")
    inst.write_conf("events { }\nhttp {\n    server {\n        roo html;\n    }\n}\n")
    rc, out = inst.cli(["-c", inst.conf])
    want = 'zokiod: [emerg] %s:4: unknown directive "roo"' % inst.conf
    expect(want in out.splitlines(), "no line %r in: %s" % (want, out.strip()))
    eq(rc, 1, "exit status of zokiod -c BAD")
    expect(not os.path.exists(inst.path("logs/zokiod.pid")), "pid file written for a bad config")


# --- -v, -V, -h -------------------------------------------------------------------------------------


@test(zokiod_only=True)
def t_version_v():
    rc, out = Inst("t").cli(["-v"])
    eq(rc, 0, "exit status of -v (output %s)" % short(out))
    first = out.strip().splitlines()[0] if out.strip() else ""
    expect(re.search(r"zokiod.*\d+\.\d+", first), "-v: no version line, got %s" % short(out))


@test(zokiod_only=True)
def t_version_V():
    # nginx's shape: the version line, what built it, "configure arguments: ..."
    rc, out = Inst("t").cli(["-V"])
    eq(rc, 0, "exit status of -V (output %s)" % short(out))
    lines = out.strip().splitlines()
    expect(lines and re.match(r"^zokiod version: zokiod/\d+\.\d+", lines[0]),
           "-V: first line not `zokiod version: zokiod/X.Y`: %s" % short(out))
    expect(any(re.match(r"^built with liburing.*llhttp \d", l) for l in lines),
           "-V: no `built with liburing ..., llhttp ...` line: %s" % short(out, 300))
    expect(re.match(r"^configure arguments:", lines[-1]),
           "-V: last line not `configure arguments: ...`: %s" % short(out, 300))
    # what the man page says -V prints: the default configuration file and the backends
    # (the configured prefix's config, read from the generated Makefile)
    mk = open(os.path.join(REPO, "Makefile")).read()
    sysconf = re.search(r"^SYSCONFDIR\s*=\s*(\S+)", mk, re.M).group(1)
    want = "configuration file: %s/zokiod/zokiod.conf" % sysconf
    expect(want in lines, "-V: no line `%s`: %s" % (want, short(out, 300)))
    backends = [ln for ln in lines if ln.startswith("event backends: ")]
    expect(backends and "io_uring" in backends[0] and "epoll" in backends[0]
           and "ZOKIOD_BACKEND" in backends[0],
           "-V: no `event backends: ...` line naming io_uring, epoll and ZOKIOD_BACKEND: %s"
           % short(out, 400))
    man = open(os.path.join(REPO, "dist", "zokiod.8")).read()
    item = man[man.index(".B \\-V\n"):]
    item = item[:item.index(".TP")]
    for what in ("configuration file", "backend"):
        expect(what in item, "zokiod.8's -V item does not mention the %s: %s" % (what, item))


@test(zokiod_only=True)
def t_help():
    rc, out = Inst("t").cli(["-h"])
    eq(rc, 0, "exit status of -h (output %s)" % short(out))
    expect(re.search(r"(?i)usage", out), "-h: no usage text: %s" % short(out))
    for opt in ("-c", "-p", "-t", "-s", "-v", "-r", "-l", "-m"):
        expect(opt in out, "-h does not mention %s: %s" % (opt, short(out, 300)))
    usage = out[:out.find("\n\n")]  # the usage lines, before the list of options
    for opt in ("-r", "-l", "-m"):
        expect(opt in usage, "the usage line does not show %s: %s" % (opt, short(usage, 300)))
    man = open(os.path.join(REPO, "dist", "zokiod.8")).read()
    for opt in ("-r", "-l", "-m", "-V"):  # and the man page documents them, as an item each
        expect(re.search(r"^\.BI? \\-%s\b" % opt[1], man, re.M),
               "dist/zokiod.8 does not document %s" % opt)


@test(zokiod_only=True)
def t_unknown_option():
    rc, out = Inst("t").cli(["-Z"])
    expect(rc != 0, "zokiod -Z exited 0")
    expect(out.strip(), "zokiod -Z printed nothing")


# --- running configs --------------------------------------------------------------------------------

NGINX_DEFAULT = """\

#user  nobody;
worker_processes  1;

#error_log  logs/error.log;
#error_log  logs/error.log  notice;

#pid        logs/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       mime.types;
    default_type  application/octet-stream;

    #access_log  logs/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    #keepalive_timeout  0;
    keepalive_timeout  65;

    #gzip  on;

    server {
        listen       127.0.0.1:%P0%;
        server_name  localhost;

        #charset koi8-r;

        location / {
            root   html;
            index  index.html index.htm;
        }

        #error_page  404              /404.html;

        # redirect server error pages to the static page /50x.html
        #
        error_page   500 502 503 504  /50x.html;
        location = /50x.html {
            root   html;
        }
    }
}
"""


@test()
def t_nginx_static_site():
    # nginx's own default nginx.conf (listen on loopback), started with a relative -c
    inst = Inst("nginx")
    inst.mime_types()
    inst.write_conf(NGINX_DEFAULT)
    index = "<!DOCTYPE html>\n<title>Welcome</title>\n<p>plain static site</p>\n"
    inst.put("html/index.html", index)
    inst.put("html/50x.html", "<p>error</p>\n")
    inst.put("html/css/site.css", "body { margin: 0 }\n")
    inst.put("html/docs/index.htm", "htm index\n")
    inst.start(["-c", "conf/zokiod.conf"])
    r = get(inst.port, "/")
    body_is(r, index, "GET /")
    eq(media_type(r), "text/html", "GET / Content-Type")
    r = get(inst.port, "/css/site.css")
    body_is(r, "body { margin: 0 }\n", "GET /css/site.css")
    eq(media_type(r), "text/css", "Content-Type of .css")
    body_is(get(inst.port, "/docs/"), "htm index\n", "GET /docs/ (index.htm)")
    body_is(get(inst.port, "/50x.html"), "<p>error</p>\n", "GET /50x.html")
    status(get(inst.port, "/nothing-here"), 404, "GET /nothing-here")
    eq(sorted(inst.workers()).__len__(), 1, "workers of worker_processes 1")
    expect(inst.alive(), "master not running in the foreground (daemon off is the default): %s"
           % inst.how_died())


@test()
def t_include_glob_and_mime_types():
    inst = Inst("inc")
    inst.mime_types()
    inst.write_conf("events { }\nhttp {\n    include mime.types;\n    include sites/*.conf;\n}\n")
    for n in ("a", "b"):
        inst.write_conf("server {\n    listen 127.0.0.1:%%P0%%;\n    server_name %s.test;\n"
                        "    root site-%s;\n}\n" % (n, n), "conf/sites/%s.conf" % n)
        inst.put("site-%s/index.html" % n, "site %s\n" % n)
    inst.put("conf/sites/c.conf.off", "this is not a config file at all\n")
    inst.put("site-a/x.css", "css\n")
    inst.put("site-a/x.png", b"\x89PNG\r\n\x1a\n")
    inst.put("site-a/x.json", "{}\n")
    inst.put("site-a/x.JS", "1;\n")
    inst.start()
    body_is(get(inst.port, "/", "a.test"), "site a\n", "Host a.test")
    body_is(get(inst.port, "/", "b.test"), "site b\n", "Host b.test")
    for path, want in (("/x.css", "text/css"), ("/x.png", "image/png"),
                       ("/x.json", "application/json"), ("/x.JS", "text/javascript")):
        r = get(inst.port, path, "a.test")
        status(r, 200, path)
        eq(media_type(r), want, "Content-Type of %s (types from the included mime.types)" % path)


@test()
def t_prefix_option():
    # -p PREFIX: root, pid and logs resolve against the prefix; include against the config's dir
    inst = Inst("pfx")
    etc = os.path.join(inst.prefix, "etc-zokiod")
    pfx = os.path.join(inst.prefix, "pfx")
    for d in ("html", "logs"):
        os.makedirs(os.path.join(pfx, d))
    os.makedirs(etc)
    shutil.copyfile(os.path.join(REPO, "conf", "mime.types"), os.path.join(etc, "mime.types"))
    conf = inst.write_conf(
        "pid logs/custom.pid;\nevents { }\nhttp {\n    include mime.types;\n"
        "    include inc/extra.conf;\n}\n", os.path.join(etc, "zokiod.conf"))
    inst.write_conf("server {\n    listen 127.0.0.1:%P0%;\n    root html;\n"
                    "    access_log logs/acc.log;\n}\n", os.path.join(etc, "inc", "extra.conf"))
    inst.put(os.path.join(pfx, "html", "index.html"), "from -p prefix\n")
    inst.put(os.path.join(pfx, "html", "s.css"), "css\n")
    inst.put("html/index.html", "WRONG: the default prefix\n")
    args = ["-p", pfx, "-c", conf]
    if NGINX:
        args = ["-p", pfx + "/", "-c", conf, "-g", "daemon off; user root; error_log stderr;"]
        inst.argv = lambda a: [NGINX] + list(a)
    inst.start(args)
    r = get(inst.port, "/s.css")
    status(r, 200, "GET /s.css")
    eq(media_type(r), "text/css", "Content-Type (mime.types included relative to the config)")
    body_is(get(inst.port, "/"), "from -p prefix\n", "GET / (root html under -p)")
    pidf = os.path.join(pfx, "logs", "custom.pid")
    got = wait_for(lambda: inst.read(pidf), 1)
    expect(got is not None, "no pid file %s (pid logs/custom.pid under -p)" % pidf)
    eq(got.strip(), str(inst.pid), "pid file content")
    log = os.path.join(pfx, "logs", "acc.log")
    expect(wait_for(lambda: "GET / HTTP/1.1" in (inst.read(log) or ""), LOG_FLUSH),
           "no GET / line in %s within %.1f s" % (log, LOG_FLUSH))


@test(zokiod_only=True)
def t_prefix_default():
    # without -p: the parent of the config's directory when it is named conf, else that directory
    inst = Inst("pfx")
    inst.put("html/index.html", "prefix is the parent of conf/\n")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        root html;\n    }\n}\n")
    inst.start()
    body_is(get(inst.port, "/"), "prefix is the parent of conf/\n", "conf/zokiod.conf")
    got = wait_for(lambda: inst.read("logs/zokiod.pid"), 1)
    expect(got is not None, "no default pid file PREFIX/logs/zokiod.pid")
    eq(got.strip(), str(inst.pid), "pid file content")
    inst.kill()
    inst2 = Inst("pfx")
    etc = inst2.path("etc")
    inst2.put("etc/html/index.html", "prefix is the config's directory\n")
    inst2.put("html/index.html", "WRONG: parent of etc/\n")
    os.makedirs(inst2.path("etc/logs"))
    conf = inst2.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                            "        root html;\n    }\n}\n", os.path.join(etc, "z.conf"))
    inst2.start(["-c", conf])
    body_is(get(inst2.port, "/"), "prefix is the config's directory\n", "etc/z.conf")


# --- virtual hosts ----------------------------------------------------------------------------------

VHOSTS = """\
events { }
http {
    server {
        listen 127.0.0.1:%P0%;
        server_name a.example.com;
        root a;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name b.example.org;
        root b;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name *.example.com;
        root wild;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name www.example.*;
        root www;
    }
    server {
        listen 127.0.0.1:%P0% default_server;
        server_name dflt.test;
        root dflt;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name [::1];
        root ipv6;
    }
    server {
        listen 127.0.0.1:%P1%;
        server_name first.test;
        root first;
    }
    server {
        listen 127.0.0.1:%P1%;
        server_name second.test;
        root second;
    }
}
"""


def vhosts():
    def setup():
        inst = Inst("vhosts", 2)
        inst.write_conf(VHOSTS)
        for n in ("a", "b", "wild", "www", "dflt", "first", "second", "ipv6"):
            inst.put("%s/index.html" % n, "site %s\n" % n)
        return inst.start()

    return fixture("vhosts", setup)


def site_for(port, host, version="HTTP/1.1"):
    r = get(port, "/", host, version=version)
    status(r, 200, "Host %r" % host)
    return r.text().strip()


def hosts_go(port, cases):
    for host, want in cases:
        eq(site_for(port, host), "site " + want, "server chosen for Host %r" % host)


@test()
def t_vhost_exact_names():
    hosts_go(vhosts().port, [("a.example.com", "a"), ("b.example.org", "b")])


@test()
def t_vhost_wildcard_suffix():
    hosts_go(vhosts().port, [("x.example.com", "wild"), ("deep.x.example.com", "wild"),
                             ("www.example.com", "wild")])  # *.suffix wins over prefix.*


@test()
def t_vhost_wildcard_prefix():
    hosts_go(vhosts().port, [("www.example.org", "www"), ("www.example.net", "www")])


@test()
def t_vhost_port_and_case():
    hosts_go(vhosts().port, [("A.Example.COM", "a"), ("a.example.com:8080", "a"),
                             ("a.example.com.", "a"),
                             ("B.EXAMPLE.ORG:80", "b"), ("X.Example.Com:1", "wild"),
                             ("WWW.example.ORG", "www")])


@test()
def t_vhost_default_server():
    port = vhosts().port
    hosts_go(port, [("unknown.test", "dflt"), ("example.com", "dflt"), ("127.0.0.1", "dflt"),
                    ("127.0.0.1:%d" % port, "dflt")])
    eq(site_for(port, None, "HTTP/1.0"), "site dflt", "HTTP/1.0 without Host")


@test()
def t_vhost_first_server_without_default():
    port = vhosts().ports[1]
    hosts_go(port, [("unknown.test", "first"), ("second.test", "second"),
                    ("first.test", "first"), ("a.example.com", "first")])


@test()
def t_vhost_absolute_form_host_wins():
    # RFC 9112 3.2.2 and nginx: the host of an absolute-form target picks the server, whatever
    # Host says (each must be valid)
    port = vhosts().port
    for target, host, want in (("http://b.example.org/", "a.example.com", "b"),
                               ("HTTP://B.Example.ORG.:8080/", "a.example.com", "b"),
                               ("http://x.example.com", "b.example.org", "wild"),
                               ("https://www.example.net/?q", "a.example.com", "www"),
                               ("http://unknown.test/", "a.example.com", "dflt"),
                               ("http://[::1]:80/", "a.example.com", "ipv6")):
        r = get(port, target, host)
        status(r, 200, "GET %s with Host %s" % (target, host))
        eq(r.text().strip(), "site " + want, "server chosen for GET %s with Host %s"
           % (target, host))
    r = get(port, "http://b.example.org/", None, version="HTTP/1.0")
    eq(r.text().strip(), "site b", "server chosen for an HTTP/1.0 absolute-form without Host")


@test()
def t_vhost_ipv6_literal():
    # a Host "[::1]:8080" is the name "[::1]" (not cut at its first colon)
    hosts_go(vhosts().port, [("[::1]", "ipv6"), ("[::1]:8080", "ipv6"), ("[::1]:", "ipv6"),
                             ("[::2]:80", "dflt")])


@test()
def t_vhost_bad_host_400():
    port = vhosts().port
    hosts = ["a.example.com/../b", "a.example.com/x", "..", "a..example.com", "../../etc", "",
             ":80", ".", "a.example.com.."]
    if not NGINX:  # nginx accepts a backslash in Host; the issue does not
        hosts.append("a\\b.example.com")
    for host in hosts:
        r = get(port, "/", host)
        status(r, 400, "Host %r" % host)
    eq(site_for(port, "a.example.com"), "site a", "after the bad hosts")


# --- locations --------------------------------------------------------------------------------------

LOCATIONS = """\
events { }
http {
    server {
        listen 127.0.0.1:%P0%;
        server_name loc.test;
        root html;
        index index.html;
        add_header X-A b;
        add_header "X-Q" 'a b';
        error_page 404 /404.html;

        location / {
        }
        location /docs/ {
            root docroot;
        }
        location /docs/deep/ {
            alias deepdir/;
        }
        location /al/ {
            alias aliasdir/;
        }
        location = /exact {
            return 301 http://example.com/moved;
        }
        location /exact {
            return 403;
        }
        location /drop {
            return 444;
        }
        location /idx/ {
            index main.html;
        }
        location /hdr/ {
            add_header X-B c;
        }
        location /list/ {
            autoindex on;
        }
        location /multi/ {
            index none.html second.html;
        }
        location /r/ {
            return 302 http://$host$request_uri;
        }
        location /txt {
            return 200 "hello text";
        }
        location /bare {
            return http://example.com/bare;
        }
        location /absidx/ {
            index /plain.txt;
        }
        location /absidx2/ {
            index none.html /hdr/h.txt;
        }
        location /absdir/ {
            index /multi;
        }
        location /idxloop/ {
            index /idxloop/;
        }
        location /relidx/ {
            index none.html other.html;
        }
        location = /relidx/other.html {
            add_header X-Exact yes;
        }
        location /hlm/ {
            add_header Last-Modified "Mon, 01 Jan 2024 00:00:00 GMT";
        }
        location /hetag/ {
            add_header ETag '"first"';
            add_header ETag '"custom"';
            add_header Cache-Control no-cache;
            add_header Content-Type text/x-custom;
        }
        location /hnone/ {
            add_header ETag "";
            add_header Last-Modified "";
            add_header X-Empty "";
        }
    }
}
"""

LISTING = {  # name -> content ("" for a directory)
    "adir": None,
    "zdir": None,
    "b.txt": "b\n",
    "<script>.txt": "script name\n",
    "a&b.txt": "amp\n",
    "sp ace.txt": "space\n",
    'q"uote.txt': "quote\n",
    "100%.txt": "percent\n",
    "caf\u00e9.txt": "utf-8\n",
}


def locations():
    def setup():
        inst = Inst("loc")
        inst.write_conf(LOCATIONS)
        inst.put("html/index.html", "root index\n")
        inst.put("html/404.html", "custom 404 page\n")
        inst.put("html/plain.txt", "plain\n")
        inst.put("html/exactly.txt", "exactly\n")
        inst.put("html/docs/a.txt", "WRONG: html/docs/a.txt\n")
        inst.put("docroot/docs/a.txt", "docroot a\n")
        inst.put("docroot/docs/deep/z.txt", "WRONG: docroot/docs/deep/z.txt\n")
        inst.put("deepdir/z.txt", "deep z\n")
        inst.put("aliasdir/y.txt", "alias y\n")
        inst.put("aliasdir/sub/w.txt", "alias sub w\n")
        inst.put("html/al/y.txt", "WRONG: html/al/y.txt\n")
        inst.put("html/idx/index.html", "WRONG: idx/index.html\n")
        inst.put("html/idx/main.html", "idx main\n")
        inst.put("html/hdr/h.txt", "h\n")
        for d in ("hlm", "hetag", "hnone"):
            inst.put("html/%s/f.txt" % d, "0123456789")
            os.utime(inst.path("html/%s/f.txt" % d), (ADDED_MTIME, ADDED_MTIME))
        inst.put("html/noindex/x.txt", "x\n")
        inst.put("html/multi/second.html", "second index\n")
        inst.put("html/relidx/other.html", "rel other\n")
        os.makedirs(inst.path("html/absidx"))
        os.makedirs(inst.path("html/absidx2"))
        os.makedirs(inst.path("html/absdir"))
        os.makedirs(inst.path("html/idxloop"))
        for name, content in LISTING.items():
            if content is None:
                os.makedirs(inst.path("html/list/" + name))
            else:
                inst.put("html/list/" + name, content)
        return inst.start()

    return fixture("locations", setup)


@test()
def t_location_longest_prefix():
    port = locations().port
    body_is(get(port, "/docs/a.txt"), "docroot a\n", "/docs/a.txt (location /docs/, root)")
    body_is(get(port, "/docs/deep/z.txt"), "deep z\n", "/docs/deep/z.txt (/docs/deep/ wins)")
    body_is(get(port, "/plain.txt"), "plain\n", "/plain.txt (location /)")


@test()
def t_location_root_and_alias():
    port = locations().port
    body_is(get(port, "/docs/a.txt"), "docroot a\n", "root in a location")
    body_is(get(port, "/al/y.txt"), "alias y\n", "alias: /al/y.txt")
    body_is(get(port, "/al/sub/w.txt"), "alias sub w\n", "alias: /al/sub/w.txt")
    status(get(port, "/al/../plain.txt"), (200, 400), "dot segments")


@test()
def t_location_exact_and_return():
    port = locations().port
    r = get(port, "/exact")
    status(r, 301, "location = /exact { return 301 URL; }")
    eq(r.get("location"), "http://example.com/moved", "Location of the 301")
    status(get(port, "/exactly.txt"), 403, "/exactly.txt (location /exact { return 403; })")
    status(get(port, "/exact/"), 403, "/exact/")
    r = get(port, "/exact?q=1")
    status(r, 301, "/exact?q=1 (the query is not part of the match)")


@test()
def t_return_444_closes_without_response():
    # nginx's 444: the connection is closed, not one byte of response is sent; an answer
    # pipelined before it still goes out
    port = locations().port
    with Conn(port) as c:
        c.send(req("/drop"))
        c.expect_closed()
    with Conn(port) as c:
        c.send(req("/plain.txt") + req("/drop") + req("/plain.txt"))
        status(c.response(), 200, "the request before the 444")
        c.expect_closed()


@test()
def t_location_index_override():
    port = locations().port
    body_is(get(port, "/idx/"), "idx main\n", "/idx/ with index main.html")
    body_is(get(port, "/"), "root index\n", "/ with index index.html")
    body_is(get(port, "/multi/"), "second index\n", "/multi/ with index none.html second.html")


@test()
def t_location_index_internal_redirect():
    # nginx: an index file is an internal redirect to its URI, which picks its location anew:
    # an absolute one ("/plain.txt") without looking first, a relative one once it exists
    port = locations().port
    body_is(get(port, "/absidx/"), "plain\n", "/absidx/ with index /plain.txt")
    body_is(get(port, "/absidx/?q=1"), "plain\n", "/absidx/?q=1 with index /plain.txt")
    r = get(port, "/absidx2/")
    body_is(r, "h\n", "/absidx2/ with index none.html /hdr/h.txt")
    eq(r.all("x-b"), ["c"], "add_header of location /hdr/ (the redirect's)")
    r = get(port, "/absdir/")  # "/multi" is a directory: its redirect
    status(r, 301, "/absdir/ with index /multi")
    expect((r.get("location") or "").endswith("/multi/"), "Location %r" % r.get("location"))
    r = get(port, "/relidx/")
    body_is(r, "rel other\n", "/relidx/ with index none.html other.html")
    eq(r.all("x-exact"), ["yes"], "add_header of location = /relidx/other.html (the redirect's)")
    # a loop ends after 10 redirects with a 500 (nginx: "rewrite or internal redirection cycle")
    r = get(port, "/idxloop/")
    status(r, 500, "/idxloop/ with index /idxloop/")
    eq(r.all("connection"), ["close"], "Connection of the 500 (nginx closes after one)")
    r = get(port, "/idxloop/", method="HEAD")
    status(r, 500, "HEAD /idxloop/")
    body_is(get(port, "/relidx/"), "rel other\n", "after the loops")


@test()
def t_return_variables_text_url():
    port = locations().port
    r = get(port, "/r/x?y=1", "LOC.test:99")
    status(r, 302, "return 302 http://$host$request_uri")
    eq(r.get("location"), "http://loc.test/r/x?y=1", "Location ($host, $request_uri)")
    # $host: the absolute-form's host wins, lower-cased, without port or trailing dot (nginx);
    # $request_uri is then the target's path and query
    r = get(port, "http://Other.Test.:81/r/x?y=1", "loc.test")
    eq(r.get("location"), "http://other.test/r/x?y=1", "Location for an absolute-form target")
    r = get(port, "/r/x", "[::1]:8080")  # an IPv6 literal is kept whole
    eq(r.get("location"), "http://[::1]/r/x", "Location ($host of Host [::1]:8080)")
    r = get(port, "/txt")
    status(r, 200, 'return 200 "hello text"')
    eq(r.text(), "hello text", "body of return 200 TEXT")
    r = get(port, "/bare")
    status(r, 302, "return URL (302)")
    eq(r.get("location"), "http://example.com/bare", "Location of return URL")


@test()
def t_add_header():
    port = locations().port
    r = get(port, "/plain.txt")
    status(r, 200, "/plain.txt")
    eq(r.all("x-a"), ["b"], "X-A from the server's add_header")
    eq(r.all("x-q"), ["a b"], "X-Q (quoted name and value)")
    r = get(port, "/hdr/h.txt")
    status(r, 200, "/hdr/h.txt")
    eq(r.all("x-b"), ["c"], "X-B of location /hdr/")
    eq(r.all("x-a"), [], "X-A in a location with its own add_header (nginx does not inherit)")
    r = get(port, "/missing")
    status(r, 404, "/missing")
    eq(r.all("x-a"), [], "X-A on a 404 (add_header without `always`)")


ADDED_MTIME = 1672628645  # the files under /hlm/, /hetag/, /hnone/: their Last-Modified...
ADDED_FILE_LM = "Mon, 02 Jan 2023 03:04:05 GMT"
ADDED_FILE_ETAG = '"63b249a5-a"'  # ... and ETag
ADDED_LM = "Mon, 01 Jan 2024 00:00:00 GMT"  # what add_header sends instead


@test()
def t_add_header_last_modified_etag():
    # nginx: add_header Last-Modified / ETag replace the file's own (a later one the earlier,
    # an empty value removes it), on 200, 206 and 304 alike; If-Range is then checked against
    # what is sent, while If-None-Match and If-Modified-Since still see the file's own
    port = locations().port
    for path, lm, etag in (("/hlm/f.txt", [ADDED_LM], [ADDED_FILE_ETAG]),
                           ("/hetag/f.txt", [ADDED_FILE_LM], ['"custom"']),
                           ("/hnone/f.txt", [], [])):
        for hdrs, st in (((), 200), (("Range: bytes=1-2",), 206),
                         (("If-None-Match: " + ADDED_FILE_ETAG,), 304),
                         (("If-Modified-Since: " + ADDED_FILE_LM,), 304)):
            r = get(port, path, headers=hdrs)
            what = "%s with %s" % (path, hdrs)
            status(r, st, what)
            eq(r.all("last-modified"), lm, "Last-Modified of " + what)
            eq(r.all("etag"), etag, "ETag of " + what)
    for path, if_range, st in (("/hlm/f.txt", ADDED_LM, 206), ("/hlm/f.txt", ADDED_FILE_LM, 200),
                               ("/hetag/f.txt", '"custom"', 206),
                               ("/hetag/f.txt", ADDED_FILE_ETAG, 200),
                               ("/hnone/f.txt", ADDED_FILE_LM, 200),
                               ("/hnone/f.txt", ADDED_FILE_ETAG, 200)):
        r = get(port, path, headers=["Range: bytes=1-2", "If-Range: " + if_range])
        status(r, st, "%s with If-Range %s" % (path, if_range))
        eq(r.body, b"12" if st == 206 else b"0123456789", "body with If-Range %s" % if_range)
    # other fields are added beside the server's own, as in nginx (two Content-Type lines)
    r = get(port, "/hetag/f.txt")
    eq(r.all("cache-control"), ["no-cache"], "Cache-Control from add_header")
    eq(sorted(r.all("content-type")), ["text/plain", "text/x-custom"],
       "Content-Type lines with add_header Content-Type")
    eq(r.all("x-empty"), [], "add_header with an empty value")


@test()
def t_error_page_404():
    port = locations().port
    r = get(port, "/missing.txt")
    status(r, 404, "/missing.txt")
    eq(r.text(), "custom 404 page\n", "body of the 404 (error_page 404 /404.html)")
    eq(media_type(r), "text/html", "Content-Type of the error page")
    r = get(port, "/missing.txt", method="HEAD")
    status(r, 404, "HEAD /missing.txt")


# --- location kinds: =, ^~, ~, ~*, nested, @name (issue 9) ------------------------------------------

# Every location says who answered (add_header ... always, so 404s say it too); the root and the
# alias of each are what nginx would use, so the bodies tell the files apart as well.
LOC_KINDS = r"""
events { }
http {
    server {
        listen 127.0.0.1:%P0%;
        server_name kinds.test;
        root html;

        location = / { add_header X-Loc exact-root always; }
        location = /ix/ { root ixroot; add_header X-Loc ix-exact always; }
        location / { add_header X-Loc root always; }
        location ^~ /static/ {
            add_header X-Loc static always;
            location ~ \.gif$ { add_header X-Loc static-gif always; }
        }
        location ~* \.(css|js|png)$ { root assets; add_header X-Loc assets always; }
        location /docs/ {
            add_header X-Loc docs always;
            location ~ \.md$ { add_header X-Loc docs-md always; }
            location /docs/api/ { add_header X-Loc docs-api always; }
            location ^~ /docs/raw/ { add_header X-Loc docs-raw always; }
            location = /docs/exact { add_header X-Loc docs-exact always; }
        }
        location ~ ^/docs/(.+)\.txt$ { add_header X-Loc docs-txt always; }
        location ~ ^/u/[a-z]+/ {
            add_header X-Loc user always;
            location ~ /9+$ { add_header X-Loc user9 always; }
        }
        location = /x { add_header X-Loc x-exact always; return 200 "x exact\n"; }
        location /x { add_header X-Loc x-prefix always; }
        location ~ \.PNG$ { add_header X-Loc png-upper always; }
        location @fallback { add_header X-Loc fallback always; }
        location /@fallback { add_header X-Loc at-prefix always; }
        location /al/ {
            alias aliasdir/;
            add_header X-Loc al always;
            location /al/sub/ { add_header X-Loc al-sub always; }
            location ~ \.txt$ { add_header X-Loc al-txt always; }
        }
        location /ret/ {
            return 200 "parent return\n";
            location /ret/n/ { add_header X-Loc ret-n always; }
        }
    }
}
"""

LOC_FILES = {
    "html/index.html": "root index\n", "html/page.html": "page\n",
    "ixroot/ix/index.html": "ixroot ix index\n", "html/ix/index.html": "html ix index\n",
    "html/static/a.png": "static png\n", "html/static/s.txt": "static txt\n",
    "html/static/i.gif": "static gif\n",
    "html/a.png": "WRONG: html/a.png\n", "assets/a.png": "assets png\n",
    "assets/A.PNG": "assets PNG\n", "assets/b.PNG": "assets b.PNG\n",
    "assets/docs/a.png": "assets docs png\n", "assets/docs/raw/x.png": "assets raw png\n",
    "html/docs/index.html": "docs index\n", "html/docs/a.md": "docs a.md\n",
    "html/docs/api/x.md": "api x.md\n", "html/docs/api/x": "api x\n",
    "html/docs/raw/x.md": "raw x.md\n", "html/docs/exact": "docs exact\n",
    "html/docs/exact.md": "docs exact.md\n", "html/docs/a.txt": "docs a.txt\n",
    "html/u/bob/42": "bob 42\n", "html/u/bob/99": "bob 99\n", "html/u/BOB/42": "BOB 42\n",
    "html/xyz": "xyz\n", "html/x/index.html": "x dir\n", "html/@fallback": "at prefix\n",
    "aliasdir/index.html": "alias index\n", "aliasdir/f.txt": "alias f.txt\n",
    "aliasdir/sub/g.html": "alias sub g\n", "aliasdir/sub/h.txt": "alias sub h.txt\n",
    "html/al/f.txt": "WRONG: html/al/f.txt\n", "html/ret/n/z": "ret n z\n",
    "html/ret/a": "WRONG: html/ret/a\n",
}

# (path, status, X-Loc, body or None), as nginx 1.22 answers (t_location_kinds_like_nginx)
LOC_CASES = [
    # = / is chosen, finds index.html and redirects internally to /index.html (nginx's index
    # module): the location of /index.html answers, with its root
    ("/", 200, "root", "root index\n"),
    ("/ix/", 200, "root", "html ix index\n"),
    ("/ix/index.html", 200, "root", "html ix index\n"),
    ("/index.html", 200, "root", "root index\n"),
    ("/page.html", 200, "root", "page\n"),
    ("/static/a.png", 200, "static", "static png\n"),  # ^~ stops the regexes
    ("/static/s.txt", 200, "static", "static txt\n"),
    ("/static/i.gif", 200, "static-gif", "static gif\n"),  # ^~ does not stop nested regexes
    ("/Static/a.png", 404, "assets", None),  # prefixes are case-sensitive
    ("/a.png", 200, "assets", "assets png\n"),  # a regex beats the prefix /
    ("/A.PNG", 200, "assets", "assets PNG\n"),  # ~* ignores case; the first regex wins
    ("/b.PNG", 200, "assets", "assets b.PNG\n"),
    ("/docs/", 200, "docs", "docs index\n"),
    ("/docs/a.md", 200, "docs-md", "docs a.md\n"),  # a regex nested in the longest prefix
    ("/docs/%61.md", 200, "docs-md", "docs a.md\n"),  # matched on the decoded path
    ("//docs//a.md", 200, "docs-md", "docs a.md\n"),  # and the merged slashes
    ("/docs/a.png", 200, "assets", "assets docs png\n"),  # then the server's regexes
    ("/docs/api/x.md", 200, "docs-md", "api x.md\n"),  # nested prefix, its parent's regexes
    ("/docs/api/x", 200, "docs-api", "api x\n"),
    ("/docs/raw/x.md", 200, "docs-raw", "raw x.md\n"),  # a nested ^~ stops its level's ...
    ("/docs/raw/x.png", 200, "assets", "assets raw png\n"),  # ... not the server's regexes
    ("/docs/exact", 200, "docs-exact", "docs exact\n"),  # a nested exact match
    ("/docs/exact.md", 200, "docs-md", "docs exact.md\n"),
    ("/docs/a.txt", 200, "docs-txt", "docs a.txt\n"),
    ("/u/bob/42", 200, "user", "bob 42\n"),
    ("/u/bob/99", 200, "user9", "bob 99\n"),  # a regex nested in a regex
    ("/u/BOB/42", 200, "root", "BOB 42\n"),  # ~ is case-sensitive
    ("/x", 200, "x-exact", "x exact\n"),
    ("/x/", 200, "x-prefix", "x dir\n"),
    ("/xyz", 200, "x-prefix", "xyz\n"),
    ("/@fallback", 200, "at-prefix", "at prefix\n"),  # a named location is never matched
    ("/al/", 200, "al", "alias index\n"),
    ("/al/f.txt", 200, "al-txt", "alias f.txt\n"),  # nested regex, the alias inherited
    ("/al/sub/g.html", 200, "al-sub", "alias sub g\n"),
    ("/al/sub/h.txt", 200, "al-txt", "alias sub h.txt\n"),
    ("/ret/a", 200, None, "parent return\n"),
    ("/ret/n/z", 200, "ret-n", "ret n z\n"),  # return is not inherited by nested ones
    ("/static/../a.png", 200, "assets", "assets png\n"),
    ("/nothing", 404, "root", None),
]


def loc_kinds():
    return site_fixture("loc_kinds", LOC_KINDS, LOC_FILES)


def loc_answer(port, path):
    """(status, X-Loc, body) of GET path."""
    r = get(port, path, "kinds.test")
    xloc = r.all("x-loc")
    expect(len(xloc) <= 1, "%s: X-Loc %r (more than one)" % (path, xloc))
    return r.status, xloc[0] if xloc else None, r.text()


@test()
def t_location_kinds():
    port = loc_kinds().port
    for path, st, xloc, body in LOC_CASES:
        got = loc_answer(port, path)
        eq(got[:2], (st, xloc), "GET %s: (status, X-Loc)" % path)
        if body is not None:
            eq(got[2], body, "GET %s: body" % path)


def nginx_binary():
    for p in (NGINX, shutil.which("nginx") or "", "/usr/sbin/nginx"):
        if p and os.access(p, os.X_OK):
            return p
    return ""


class NginxInst(Inst):
    """The same prefix layout served by nginx, for side-by-side comparisons."""

    def argv(self, args):
        g = "daemon off; pid logs/nginx.pid; error_log stderr;"
        if os.getuid() == 0:
            g += " user root;"
        return [nginx_binary(), "-p", self.prefix + "/", "-c", self.conf, "-g", g]


@test()
def t_location_kinds_like_nginx():
    """The same config and requests to nginx: every answer (status, which location, body) is the
    same. Skipped without an nginx binary (apt-get install nginx-light)."""
    if not nginx_binary():
        raise Skip("no nginx installed (apt-get install nginx-light)")
    port = loc_kinds().port
    ng = NginxInst("nginx-kinds")
    setup_site(ng, LOC_KINDS, LOC_FILES)
    ng.start()
    for path, _st, _xloc, _body in LOC_CASES:
        want, got = loc_answer(ng.port, path), loc_answer(port, path)
        if want[0] != 200:  # the error pages' text names the server
            want, got = want[:2], got[:2]
        eq(got, want, "GET %s: (status, X-Loc, body) of zokiod vs nginx" % path)


# --- regex server names, captures in root and alias (issue 9) ---------------------------------------

RX_NAMES = r"""
events { }
http {
    server {
        listen 127.0.0.1:%P0% default_server;
        server_name dflt.test;
        root dflt;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name ~^(?<sub>.+)\.sites\.test$;
        root sites/$sub;
        location ~ ^/u/(?<user>[a-z]+)/(.*)$ { alias users/$user/$2; }
        location /img/ { alias img/$sub/; }
        location ~ ^/one\.png$ { alias one/logo.png; }
        location ~ ^/dl/([^/]+)/ { root dl/$1; }
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name exact.sites.test;
        root exact;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name *.w.sites.test;
        root wild;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name mail.*;
        root mail;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name ~^(\w+)\.num\.test$ ~^OTHER\.(?<x>\w+)\.test$;
        root num/$1;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name ~^second\.sites\.test$;
        root never;
    }
}
"""

RX_FILES = {
    "dflt/index.html": "dflt\n", "exact/index.html": "exact\n", "wild/index.html": "wild\n",
    "mail/index.html": "mail\n", "never/index.html": "WRONG: never\n",
    "sites/foo/index.html": "site foo\n", "sites/foo/page.html": "foo page\n",
    "sites/a.b/index.html": "site a.b\n", "users/bob/x.txt": "bob x\n",
    "img/foo/a.png": "img foo a\n", "img/foo/index.html": "img foo index\n",
    "one/logo.png": "logo\n", "dl/pkg/dl/pkg/file.txt": "dl pkg file\n",
    "num/42/index.html": "num 42\n", "num/abc/index.html": "num abc\n",
}

# (Host, path, status, body or None), as nginx 1.22 answers (t_regex_server_names_like_nginx)
RX_CASES = [
    ("foo.sites.test", "/", 200, "site foo\n"),  # root sites/$sub
    ("FOO.Sites.Test:8080", "/page.html", 200, "foo page\n"),  # matched lower-cased
    ("a.b.sites.test", "/", 200, "site a.b\n"),
    ("bar.sites.test", "/", 404, None),  # no sites/bar
    ("exact.sites.test", "/", 200, "exact\n"),  # an exact name beats an earlier regex
    ("x.w.sites.test", "/", 200, "wild\n"),  # so does a leading wildcard
    ("mail.sites.test", "/", 200, "mail\n"),  # and a trailing one
    ("second.sites.test", "/", 404, None),  # the first matching regex in file order
    ("foo.sites.test", "/u/bob/x.txt", 200, "bob x\n"),  # alias users/$user/$2 (location's)
    ("foo.sites.test", "/img/a.png", 200, "img foo a\n"),  # alias img/$sub/ (server's)
    ("foo.sites.test", "/img/", 200, "img foo index\n"),
    ("foo.sites.test", "/one.png", 200, "logo\n"),  # an alias in a regex location: the file
    ("foo.sites.test", "/dl/pkg/file.txt", 200, "dl pkg file\n"),  # root dl/$1
    ("42.num.test", "/", 200, "num 42\n"),  # root num/$1
    ("other.abc.test", "/", 200, "num abc\n"),  # an upper-case regex is caseless
    ("unknown.test", "/", 200, "dflt\n"),
    ("sites.test", "/", 200, "dflt\n"),
]


def rx_names():
    return site_fixture("rx_names", RX_NAMES, RX_FILES)


def rx_answer(port, host, path):
    r = get(port, path, host)
    return r.status, r.text()


@test()
def t_regex_server_names_and_captures():
    port = rx_names().port
    for host, path, st, body in RX_CASES:
        got = rx_answer(port, host, path)
        eq(got[0], st, "Host %s, GET %s: status" % (host, path))
        if body is not None:
            eq(got[1], body, "Host %s, GET %s: body" % (host, path))


@test()
def t_regex_server_names_like_nginx():
    """The same config and requests to nginx. Skipped without an nginx binary."""
    if not nginx_binary():
        raise Skip("no nginx installed (apt-get install nginx-light)")
    port = rx_names().port
    ng = NginxInst("nginx-rx")
    setup_site(ng, RX_NAMES, RX_FILES)
    ng.start()
    for host, path, _st, _body in RX_CASES:
        want, got = rx_answer(ng.port, host, path), rx_answer(port, host, path)
        if want[0] != 200:
            want, got = want[:1], got[:1]
        eq(got, want, "Host %s, GET %s: (status, body) of zokiod vs nginx" % (host, path))


# --- error_page ... @name (issue 9) -----------------------------------------------------------------

EP_NAMED = r"""
events { }
http {
    server {
        listen 127.0.0.1:%P0%;
        server_name ep.test;
        root html;
        error_page 404 @fallback;
        error_page 403 @text;
        error_page 410 =200 @ok;
        error_page 418 @redir;
        error_page 415 @nope;

        location /forbid/ { return 403; }
        location /gone/ { return 410; }
        location /teapot/ { return 418; }
        location /nope/ { return 415; }
        location @fallback { root fb; add_header X-Loc fallback always; }
        location @text { add_header X-Loc text always; return 200 "text page\n"; }
        location @ok { return 200 "ok\n"; }
        location @redir { return 302 http://example.com/elsewhere; }
    }
}
"""

EP_FILES = {"html/index.html": "index\n", "fb/missing.txt": "fallback file\n",
            "fb/sub/index.html": "WRONG: fb/sub/index.html\n", "fb/gone/x": "WRONG: fb/gone/x\n"}

# (path, status, X-Loc, body or None, Location or None), as nginx 1.22 answers
EP_CASES = [
    ("/index.html", 200, None, "index\n", None),
    ("/missing.txt", 404, "fallback", "fallback file\n", None),  # the file, with the 404
    ("/missing.txt?q=1", 404, "fallback", "fallback file\n", None),
    ("/nowhere", 404, "fallback", None, None),  # not there either: a plain 404, no second try
    ("/forbid/x", 403, "text", "text page\n", None),  # `return 200 TEXT` keeps the 403
    ("/gone/x", 200, None, "ok\n", None),  # =200
    ("/teapot/", 302, None, None, "http://example.com/elsewhere"),  # a redirect stays one
    ("/nope/x", 500, None, None, None),  # no such named location
    # fb/sub/index.html exists: the index module redirects to /sub/index.html, which the server
    # level answers from html/ (a 404, without error_page a second time)
    ("/sub/", 404, None, None, None),
]


def ep_named():
    return site_fixture("ep_named", EP_NAMED, EP_FILES)


def ep_answer(port, path):
    r = get(port, path, "ep.test")
    xloc = r.all("x-loc")
    loc = r.get("location")
    return r.status, xloc[0] if xloc else None, r.text(), loc


@test()
def t_error_page_named_location():
    port = ep_named().port
    for path, st, xloc, body, loc in EP_CASES:
        got = ep_answer(port, path)
        eq(got[:2], (st, xloc), "GET %s: (status, X-Loc)" % path)
        if body is not None:
            eq(got[2], body, "GET %s: body" % path)
        if loc is not None:
            eq(got[3], loc, "GET %s: Location" % path)
    r = get(port, "/missing.txt", "ep.test", method="HEAD")
    eq((r.status, r.all("x-loc")), (404, ["fallback"]), "HEAD /missing.txt")


@test()
def t_error_page_named_location_like_nginx():
    """The same config and requests to nginx. Skipped without an nginx binary."""
    if not nginx_binary():
        raise Skip("no nginx installed (apt-get install nginx-light)")
    port = ep_named().port
    ng = NginxInst("nginx-ep")
    setup_site(ng, EP_NAMED, EP_FILES)
    ng.start()
    for path, _st, _xloc, _body, _loc in EP_CASES:
        want, got = ep_answer(ng.port, path), ep_answer(port, path)
        if not (want[2].startswith("<html>") or want[0] in (301, 302)):  # generated pages differ
            eq(got[:3], want[:3], "GET %s: (status, X-Loc, body) of zokiod vs nginx" % path)
        else:
            eq(got[:2], want[:2], "GET %s: (status, X-Loc) of zokiod vs nginx" % path)


# --- host parsing, regex server names and index redirects together (merge of wt-9b and wt-9c) ----

MIX_CONF = r"""
events { }
http {
    server {
        listen 127.0.0.1:%P0%;
        server_name other.test;
        root other;
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name ~^(?<sub>[a-z]+)\.rx\.test$;
        root site/$sub;
        location ~ \.html$ { add_header X-Loc rx-html always; }
        location = /abs/ { index /abs.txt; }
        location /loop/ { index /loop/; }
    }
}
"""

MIX_FILES = {"site/foo/index.html": "foo index\n", "site/bar/index.html": "bar index\n",
             "site/foo/abs.txt": "foo abs\n", "other/index.html": "other index\n"}

# (target, Host, status, X-Loc, body or None, Connection or None), as nginx 1.22 answers: the
# host request.c parses (lower-cased, no port or trailing dot, an absolute-form's first) picks
# the regex server, whose capture the index redirect's location still sees in its root
MIX_CASES = [
    ("/", "foo.rx.test", 200, "rx-html", "foo index\n", None),
    ("/", "FOO.Rx.TEST.:8080", 200, "rx-html", "foo index\n", None),
    ("http://Bar.RX.test/", "other.test", 200, "rx-html", "bar index\n", None),
    ("http://bar.rx.test./index.html?a=1", "foo.rx.test", 200, "rx-html", "bar index\n", None),
    ("/", "other.test", 200, None, "other index\n", None),
    ("/", "nomatch.test", 200, None, "other index\n", None),
    ("/abs/", "foo.rx.test", 200, None, "foo abs\n", None),
    ("/loop/", "foo.rx.test", 500, None, None, "close"),
    ("/", "a..rx.test", 400, None, None, "close"),
]


def mix_server():
    return site_fixture("mix", MIX_CONF, MIX_FILES)


def mix_answer(port, target, host):
    r = get(port, target, host)
    xloc, conn = r.all("x-loc"), r.all("connection")
    return (r.status, xloc[0] if xloc else None, r.text() if r.status == 200 else None,
            conn[0] if conn and conn[0] == "close" else None)


@test()
def t_host_regex_server_index_redirect():
    port = mix_server().port
    for target, host, *want in MIX_CASES:
        got = mix_answer(port, target, host)
        eq(got[:2], tuple(want[:2]), "GET %s, Host %s: (status, X-Loc)" % (target, host))
        if want[2] is not None:
            eq(got[2], want[2], "GET %s, Host %s: body" % (target, host))
        if want[3] is not None:
            eq(got[3], want[3], "GET %s, Host %s: Connection" % (target, host))


@test()
def t_host_regex_server_index_redirect_like_nginx():
    """The same config and requests to nginx. Skipped without an nginx binary."""
    if not nginx_binary():
        raise Skip("no nginx installed (apt-get install nginx-light)")
    port = mix_server().port
    ng = NginxInst("nginx-mix")
    setup_site(ng, MIX_CONF, MIX_FILES)
    ng.start()
    for target, host, *_ in MIX_CASES:
        want, got = mix_answer(ng.port, target, host), mix_answer(port, target, host)
        eq(got, want, "GET %s, Host %s: (status, X-Loc, body, close) of zokiod vs nginx"
           % (target, host))


def listing():
    r = get(locations().port, "/list/")
    status(r, 200, "autoindex on: GET /list/")
    eq(media_type(r), "text/html", "Content-Type of the listing")
    text = r.text()
    hrefs = re.findall(r'href="([^"]*)"', text)
    return text, hrefs


def href_name(h):
    return urllib.parse.unquote(html.unescape(h))


@test()
def t_autoindex_escapes_names():
    text, hrefs = listing()
    i = text.lower().find("<script>")
    expect(i < 0, "raw <script> in the listing: %s" % short(text[max(0, i - 40):], 120))
    expect("&lt;script&gt;.txt" in text, "no &lt;script&gt;.txt in the listing: %s"
           % short(text, 600))
    expect("a&amp;b.txt" in text, "a&b.txt not shown as a&amp;b.txt")
    for h in hrefs:
        bad = [c for c in h if c in " <>\"'`\\" or ord(c) < 0x21 or ord(c) > 0x7e]
        expect(not bad, "href %r not URI-escaped (raw %r)" % (h, "".join(bad)))


@test()
def t_autoindex_lists_every_entry():
    text, hrefs = listing()
    names = [href_name(h) for h in hrefs]
    for name, content in LISTING.items():
        want = name + "/" if content is None else name
        expect(want in names, "no link to %r in the listing (links: %r)" % (want, names))


@test()
def t_autoindex_directories_first():
    text, hrefs = listing()
    names = [href_name(h) for h in hrefs if href_name(h) not in ("../", "/", "..")]
    dirs = [i for i, n in enumerate(names) if n.endswith("/")]
    files = [i for i, n in enumerate(names) if not n.endswith("/")]
    expect(dirs and files, "links %r" % names)
    expect(max(dirs) < min(files), "directories are not listed first: %r" % names)


@test()
def t_autoindex_links_work():
    port = locations().port
    text, hrefs = listing()
    for h in hrefs:
        name = href_name(h)
        content = LISTING.get(name)
        if content is None:
            continue
        target = urllib.parse.urljoin("/list/", html.unescape(h))
        body_is(get(port, target), content, "following the link %r" % h)


@test(zokiod_only=True)
def t_paths_directive_errors():
    """absolute_redirect, port_in_redirect, server_name_in_redirect, merge_slashes,
    disable_symlinks and the autoindex options: bad values, wrong blocks, nginx's messages."""
    srv = "http {\n    server {\n        %s\n    }\n}\n"
    loc = "http {\n    server {\n        location / {\n            %s\n        }\n    }\n}\n"
    cases = [
        (srv % "absolute_redirect yes;", 3, r'invalid value "yes".*"on" or "off"'),
        (srv % "port_in_redirect 1;", 3, r'invalid value "1".*"on" or "off"'),
        (loc % "server_name_in_redirect maybe;", 4, r'invalid value "maybe"'),
        (srv % "merge_slashes x;", 3, r'invalid value "x" in "merge_slashes"'),
        (loc % "merge_slashes off;", 4, r'"merge_slashes" directive is not allowed here'),
        (srv % "absolute_redirect on; absolute_redirect off;", 3,
         r'"absolute_redirect" directive is duplicate'),
        (srv % "disable_symlinks foo;", 3, r'invalid parameter "foo"'),
        (srv % "disable_symlinks from=/x;", 3,
         r'"disable_symlinks" must have "off", "on" or "if_not_owner" parameter'),
        (srv % "disable_symlinks off from=/x;", 3, r'"from=" cannot be used with "off"'),
        (srv % "disable_symlinks on on;", 3, r'duplicate parameters "on on"'),
        (srv % "disable_symlinks on from=$uri;", 3, r'variable "\$uri".*not supported'),
        (srv % "disable_symlinks on off if_not_owner;", 3, r'invalid number of arguments'),
        (loc % "autoindex_format yaml;", 4, r'invalid value "yaml" in "autoindex_format"'),
        (srv % "autoindex_exact_size 0;", 3, r'invalid value "0"'),
        (srv % "autoindex_localtime on off;", 3, r'invalid number of arguments'),
    ]
    for text, line, pat in cases:
        conf_error(text, line, pat, what="%s: " % short(text.replace("\n", " "), 80))


SYMLINKS_CONF = """
events { worker_connections 64; }
http {
    access_log off;
    server {
        listen 127.0.0.1:%P0%;
        root html;
        location /dflt/ { }
        location /off/ { disable_symlinks off; }
        location /on/ { disable_symlinks on; }
        location /owner/ { disable_symlinks if_not_owner; }
        location /from/ { disable_symlinks on from=$document_root; }
        location /above/ { disable_symlinks if_not_owner from=/; }
    }
}
"""
SYMLINK_DIRS = ("dflt", "off", "on", "owner", "from", "above")
INSIDE = "inside the root\n"
SECRET = "OUTSIDE-SECRET\n"


def symlinks_site():
    def setup():
        inst = Inst("symlinks")
        inst.write_conf(SYMLINKS_CONF)
        inst.put("outside/secret.txt", SECRET)
        os.makedirs(inst.path("outside/dir"))
        inst.put("outside/dir/secret.txt", SECRET)
        for d in SYMLINK_DIRS:
            inst.put("html/%s/in.txt" % d, INSIDE)
            os.symlink(inst.path("outside/secret.txt"), inst.path("html/%s/abs_out" % d))
            os.symlink("../../outside/secret.txt", inst.path("html/%s/rel_out" % d))
            os.symlink("../../outside/dir", inst.path("html/%s/dir_out" % d))
            os.symlink("in.txt", inst.path("html/%s/in_link" % d))
            os.symlink("in.txt", inst.path("html/%s/swap" % d))
        return inst.start()
    return fixture("symlinks", setup)


@test(zokiod_only=True)
def t_disable_symlinks_never_outside_root():
    """Every policy (none, off, on, if_not_owner, from=): a link out of the root is refused,
    never a byte of what it points to is served."""
    port = symlinks_site().port
    for d in SYMLINK_DIRS:
        for name in ("abs_out", "rel_out", "dir_out/secret.txt"):
            r = get(port, "/%s/%s" % (d, name))
            expect(r.status in (403, 404), "/%s/%s: status %d" % (d, name, r.status))
            expect(b"OUTSIDE-SECRET" not in r.body, "/%s/%s served the file outside the root"
                   % (d, name))
        body_is(get(port, "/%s/in.txt" % d), INSIDE, "/%s/in.txt" % d)


@test(zokiod_only=True)
def t_disable_symlinks_inside_root():
    """A link inside the root: followed without the directive and with `off`, `if_not_owner`
    (same owner) and from= above it; refused (403) with `on`, as nginx."""
    port = symlinks_site().port
    for d in ("dflt", "off", "owner", "above"):
        body_is(get(port, "/%s/in_link" % d), INSIDE, "/%s/in_link" % d)
    for d in ("on", "from"):
        status(get(port, "/%s/in_link" % d), 403, "/%s/in_link" % d)


@test(zokiod_only=True)
def t_disable_symlinks_swapped_link():
    """A link swapped between a file inside the root and one outside while it is requested
    (every policy): each answer is the inside file or a refusal, never the outside one."""
    inst = symlinks_site()
    stop = threading.Event()

    def swapper():
        i = 0
        while not stop.is_set():
            for d in SYMLINK_DIRS:
                tmp = inst.path("html/%s/swap.new" % d)
                target = "in.txt" if i % 2 else "../../outside/secret.txt"
                os.symlink(target, tmp)
                os.replace(tmp, inst.path("html/%s/swap" % d))
            i += 1

    t = threading.Thread(target=swapper)
    t.start()
    seen = set()
    try:
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            for d in SYMLINK_DIRS:
                r = get(inst.port, "/%s/swap" % d)
                expect(b"OUTSIDE-SECRET" not in r.body, "/%s/swap served the file outside the "
                       "root (status %d)" % (d, r.status))
                expect(r.status in (200, 403, 404), "/%s/swap: status %d" % (d, r.status))
                seen.add(r.status)
    finally:
        stop.set()
        t.join()
    expect(403 in seen or 404 in seen, "the swap was never seen (statuses %s)" % sorted(seen))


@test()
def t_autoindex_off_403():
    port = locations().port
    status(get(port, "/noindex/"), 403, "directory without index, autoindex off")
    body_is(get(port, "/noindex/x.txt"), "x\n", "/noindex/x.txt")


# --- response heads longer than a guess ----------------------------------------------------------

BIG_A, BIG_B = "a" * 3700, "b" * 3700
ERR_URL = "http://err.test/" + "e" * 2100
RET_TEXT = "".join("line %04d of a long return text\n" % i for i in range(160))  # ~5 KiB

BIGHEADS = """\
error_log logs/error.log info;
events { }
http {
    server {
        listen 127.0.0.1:%%P0%%;
        root html;
        add_header X-Big %s;
        error_page 404 %s;
        location /ret {
            return 200 "%s";
        }
        location /red {
            return 302 http://r.test$request_uri;
        }
    }
    server {
        listen 127.0.0.1:%%P1%%;
        root html;
        add_header X-Big %s always;
    }
    server {
        listen 127.0.0.1:%%P2%%;
        root html;
        add_header X-Huge-1 %s;
        add_header X-Huge-2 %s;
        add_header X-Huge-3 %s;
    }
}
""" % (BIG_A, ERR_URL, RET_TEXT.replace("\n", "\\n"), BIG_B, "h" * 25000, "h" * 25000,
       "h" * 25000)


def bigheads():
    def setup():
        inst = Inst("bighead", 3)
        inst.write_conf(BIGHEADS)
        inst.put("html/index.html", "index\n")
        inst.put("html/data.bin", bytes(range(256)) * 4096)  # 1 MiB
        return inst.start()

    return fixture("bigheads", setup)


def sixteen_ranges():
    spans = [(i * 65536 + 7, i * 65536 + 7 + 9 + i) for i in range(16)]
    return spans, "bytes=" + ",".join("%d-%d" % sp for sp in spans)


def check_sixteen(r, spans, big):
    status(r, 206, "16 ranges with a %d-byte add_header" % len(big))
    eq(r.get("x-big"), big, "X-Big")
    ct = r.get("content-type") or ""
    m = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", ct)
    expect(m, "Content-Type %r" % ct)
    eq(r.get("content-length"), str(len(r.body)), "Content-Length against the body")
    data = bytes(range(256)) * 4096
    parts = r.body.split(b"--" + m.group(1).encode())
    eq(len(parts), 18, "pieces of the multipart body split at the boundary (16 parts)")
    for (s, e), part in zip(spans, parts[1:17]):
        head, _, body = part.partition(b"\r\n\r\n")
        expect(b"Content-Range: bytes %d-%d/%d" % (s, e, len(data)) in head,
               "part %d-%d: head %r" % (s, e, head[:120]))
        eq(body, data[s:e + 1] + b"\r\n", "part %d-%d bytes" % (s, e))
    eq(parts[17], b"--\r\n", "close delimiter")


@test()
def t_big_add_header_sixteen_ranges():
    spans, rng = sixteen_ranges()
    r = get(bigheads().port, "/data.bin", headers=["Range: " + rng])
    check_sixteen(r, spans, BIG_A)


@test()
def t_big_add_header_always_pipelined():
    # three pipelined errors, each carrying the 3.7 KiB header, then the 16 ranges: the worker
    # used to write past the out buffer here (SIGSEGV)
    inst = bigheads()
    spans, rng = sixteen_ranges()
    with Conn(inst.ports[1]) as c:
        c.send(req("/nope1") + req("/nope2") + req("/nope3")
               + req("/data.bin", headers=["Range: " + rng]))
        for i in range(3):
            r = c.response()
            status(r, 404, "pipelined 404 %d" % i)
            eq(r.get("x-big"), BIG_B, "X-Big on the 404 (always)")
        check_sixteen(c.response(), spans, BIG_B)
    status(get(inst.ports[1], "/index.html"), 200, "still serving")


@test()
def t_head_over_64k_is_a_logged_500():
    # 75 KB of add_header: more than a head may be; a bare 500 (logged), never a cut head
    inst = bigheads()
    with Conn(inst.ports[2]) as c:
        c.send(req("/index.html"))
        r = c.response()
        status(r, 500, "a 75 KB head")
        expect(r.get("x-huge-1") is None, "the 500 carries the add_header lines")
    log = wait_for(lambda: "response head is longer than" in (inst.read("logs/error.log") or ""),
                   2)
    expect(log, "no error-log line about the head: %s"
           % short(inst.read("logs/error.log") or "", 300))
    status(get(inst.ports[2], "/nope"), 404, "a 404 there (add_header is not on errors)")


@test()
def t_long_error_page_url_return_text_and_request_uri():
    inst = bigheads()
    r = get(inst.port, "/missing")
    status(r, 302, "error_page 404 with a 2 KiB URL")
    eq(r.get("location"), ERR_URL, "Location of the error_page redirect")
    r = get(inst.port, "/ret")
    status(r, 200, "return 200 with a 5 KiB text")
    eq(r.body.decode(), RET_TEXT, "return text")
    uri = "/red/x?" + "q" * 6000  # a long query: the path itself is bounded by PATH_MAX
    r = get(inst.port, uri)
    status(r, 302, "return 302 with a 6 KiB $request_uri")
    eq(r.get("location"), "http://r.test" + uri, "Location with $request_uri")


# --- http-level settings ----------------------------------------------------------------------------

HTTPLEVEL = """\
events { }
http {
    types {
        text/x-foo foo;
        application/x-bar bar BAZ;
    }
    default_type application/x-default;
    keepalive_requests 3;
    keepalive_timeout 1s;
    client_max_body_size 10;
    client_header_timeout 1s;
    client_body_timeout 2s;
    send_timeout 1s;
    large_client_header_buffers 4 1k;
    server_tokens off;
    access_log logs/access.log;

    server {
        listen 127.0.0.1:%P0%;
        root html;
    }
    server {
        listen 127.0.0.1:%P1%;
        root html;
        access_log off;
    }
}
"""


def httplevel():
    def setup():
        inst = Inst("http", 2)
        inst.write_conf(HTTPLEVEL)
        for n in ("f.foo", "f.bar", "f.baz", "f.unknown", "f.html", "noext"):
            inst.put("html/" + n, "file %s\n" % n)
        inst.put("html/index.html", "index\n")
        put_big(inst)
        return inst.start()

    return fixture("httplevel", setup)


def dropped_after(c, what, open_msg):
    """Seconds until the server answers 408 to the request `what` ("head", "body") left
    unfinished on c and closes (or closes at once); Fail(open_msg) when c is still open after
    the read timeout."""
    t0 = time.monotonic()
    try:
        r = c.response()
        status(r, 408, "answer to a request %s left unfinished" % what)
        c.expect_closed()
    except Closed:
        pass
    except NoAnswer:
        raise Fail(open_msg)
    return time.monotonic() - t0


def idle_closed_after(c, open_msg):
    """Seconds until the server closes the idle keep-alive connection c (at most 4 s);
    Fail(open_msg) when it is still open then, or when it sends anything."""
    t0 = time.monotonic()
    try:
        c._recv(4.0)
        raise Fail("unexpected bytes on an idle connection: %s" % short(c.buf))
    except Closed:
        pass
    except NoAnswer:
        raise Fail(open_msg)
    return time.monotonic() - t0


@test()
def t_client_header_timeout():
    with Conn(httplevel().port) as c:
        c.send(b"GET /f.foo HTTP/1.1\r\nHost: x\r\n")
        dt = dropped_after(c, "head", "unfinished request head still open after 5 s "
                           "(client_header_timeout 1s)")
        expect(0.7 <= dt <= 2.5, "unfinished request head dropped after %.2f s "
               "(client_header_timeout 1s)" % dt)


def trickle_until_closed(c, data, step, limit):
    """Sends `data` a byte every `step` s; returns the seconds until the server closed (or
    None when it was still open after `limit` s)."""
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < limit:
        try:
            c.s.sendall(data[i % len(data):i % len(data) + 1])
            i += 1
            c.s.settimeout(step)
            if c.s.recv(4096) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t0
    return None


SLOW_HEADER = b"X-Slow-Header-To-Keep-The-Head-Open: " + b"a" * 4000


@test()
def t_client_header_timeout_trickled_head():
    # slowloris: a head that grows by a byte every 200 ms is cut at client_header_timeout (1s)
    # from the connection's start, not kept open by its progress
    with Conn(httplevel().port) as c:
        t0 = time.monotonic()
        c.send(b"GET /f.foo HTTP/1.1\r\nHost: x\r\n")
        dt = trickle_until_closed(c, SLOW_HEADER, 0.2, 6)
        expect(dt is not None, "a request head trickled a byte every 200 ms still open after "
               "6 s (client_header_timeout 1s)")
        dt = time.monotonic() - t0
        expect(0.7 <= dt <= 2.0, "trickled head cut after %.2f s (client_header_timeout 1s)" % dt)


@test()
def t_client_header_timeout_next_head_from_first_byte():
    # on a keep-alive connection the next head's clock starts at its first byte (nginx)
    with Conn(httplevel().port) as c:
        c.send(b"GET /f.foo HTTP/1.1\r\nHost: x\r\n\r\n")
        status(c.response(), 200)
        time.sleep(0.6)  # keepalive_timeout is 1s
        t0 = time.monotonic()
        c.send(b"G")
        dt = trickle_until_closed(c, b"ET /f.foo HTTP/1.1\r\n" + SLOW_HEADER, 0.2, 6)
        expect(dt is not None, "second head trickled still open after 6 s")
        dt = time.monotonic() - t0
        expect(0.7 <= dt <= 2.0, "second trickled head cut %.2f s after its first byte "
               "(client_header_timeout 1s)" % dt)


@test(limit=40)
def t_slowloris_many_sockets_cut_normal_client_served():
    # 200 sockets trickle heads; every one is cut by its deadline while a normal client is
    # served throughout with no error
    port = httplevel().port
    socks = []
    t0 = time.monotonic()
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    served, errors, i = 0, [], 0
    closed_at = {}
    while time.monotonic() - t0 < 4 and len(closed_at) < len(socks):
        for k, s in enumerate(socks):
            if k in closed_at:
                continue
            try:
                s.send(SLOW_HEADER[i % len(SLOW_HEADER):i % len(SLOW_HEADER) + 1])
                if s.recv(4096) == b"":
                    closed_at[k] = time.monotonic() - t0
            except BlockingIOError:
                pass
            except OSError:
                closed_at[k] = time.monotonic() - t0
        i += 1
        try:
            status(get(port, "/f.foo"), 200)
            served += 1
        except (Fail, OSError) as e:
            errors.append(str(e))
        time.sleep(0.1)
    for s in socks:
        s.close()
    expect(not errors, "normal client errors during the attack: %s" % errors[:3])
    expect(served >= 10, "normal client served only %d times" % served)
    eq(len(closed_at), len(socks), "attacking sockets closed within 4 s (client_header_timeout "
       "1s)")
    late = max(closed_at.values())
    expect(late <= 2.5, "last attacking socket closed %.2f s after the attack began" % late)


@test()
def t_client_body_timeout():
    # the head is complete, the body stops coming: client_body_timeout (2s), not the 1s header one
    with Conn(httplevel().port) as c:
        c.send(b"GET /f.foo HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nabc")
        dt = dropped_after(c, "body", "unfinished request body still open after 5 s "
                           "(client_body_timeout 2s)")
        expect(1.6 <= dt <= 3.5, "unfinished request body dropped after %.2f s "
               "(client_body_timeout 2s, client_header_timeout 1s)" % dt)


@test()
def t_send_timeout():
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        s.settimeout(IO_TIMEOUT)
        s.connect(("127.0.0.1", httplevel().port))
        s.sendall(req("/big.bin"))
        time.sleep(3)  # no reading: the server makes no progress for 3 s (send_timeout 1s)
        got = 0
        s.settimeout(3)
        while True:
            try:
                d = s.recv(1 << 20)
            except ConnectionResetError:
                break
            except socket.timeout:
                raise Fail("connection still open and silent after %d bytes "
                           "(send_timeout 1s)" % got)
            if not d:
                break
            got += len(d)
        expect(got < BIG, "all %d bytes arrived although the client read nothing for 3 s "
               "(send_timeout 1s)" % got)
    finally:
        s.close()


@test()
def t_large_client_header_buffers():
    port = httplevel().port
    status(get(port, "/f.foo", headers=["X-Long: " + "v" * 900]), 200,
           "a 900-byte header line (large_client_header_buffers 4 1k)")
    status(get(port, "/f.foo", headers=["X-Long: " + "v" * 3000]), 400,
           "a 3000-byte header line (large_client_header_buffers 4 1k)")
    status(get(port, "/f.foo?" + "q" * 2000), 414,
           "a 2000-byte request line (large_client_header_buffers 4 1k)")
    status(get(port, "/f.foo"), 200, "after the big requests")


@test()
def t_keepalive_timeout_0():
    inst = Inst("ka0")
    inst.write_conf("events { }\nhttp {\n    keepalive_timeout 0;\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    with Conn(inst.port) as c:
        c.send(req("/"))
        r = c.response()
        status(r, 200)
        expect("close" in r.tokens("connection"), "no Connection: close with keepalive_timeout 0")
        c.expect_closed()


@test()
def t_keepalive_header():
    # nginx: every HTTP/1.1 response of a kept-alive connection says "Connection: keep-alive",
    # and the second keepalive_timeout value, when given, is sent as "Keep-Alive: timeout=N"
    # (seconds); the response before a close says "Connection: close", without Keep-Alive
    inst = Inst("kahdr")
    inst.write_conf("events { }\nhttp {\n    keepalive_timeout 65 1m;\n    keepalive_requests 2;\n"
                    "    server {\n        listen 127.0.0.1:%P0%;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    with Conn(inst.port) as c:
        c.send(req("/"))
        r = c.response()
        status(r, 200)
        eq(r.all("connection"), ["keep-alive"], "Connection of the 1st response")
        eq(r.all("keep-alive"), ["timeout=60"], "Keep-Alive (keepalive_timeout 65 1m)")
        c.send(req("/missing"))
        r = c.response()
        status(r, 404)
        eq(r.all("connection"), ["close"], "Connection of the last response (keepalive_requests 2)")
        eq(r.all("keep-alive"), [], "Keep-Alive on the last response")
        c.expect_closed()
    with Conn(inst.port) as c:
        c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.response()
        eq(r.all("connection"), ["keep-alive"], "Connection of an HTTP/1.0 keep-alive response")
        eq(r.all("keep-alive"), ["timeout=60"], "Keep-Alive of an HTTP/1.0 keep-alive response")
    inst = Inst("kahdr1")
    inst.write_conf("events { }\nhttp {\n    keepalive_timeout 65;\n"
                    "    server {\n        listen 127.0.0.1:%P0%;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    with Conn(inst.port) as c:
        c.send(req("/"))
        r = c.response()
        eq(r.all("connection"), ["keep-alive"], "Connection (keepalive_timeout 65)")
        eq(r.all("keep-alive"), [], "Keep-Alive without the second keepalive_timeout value")


@test()
def t_types_block():
    port = httplevel().port
    for path, want in (("/f.foo", "text/x-foo"), ("/f.bar", "application/x-bar"),
                       ("/f.baz", "application/x-bar"), ("/f.unknown", "application/x-default"),
                       ("/f.html", "application/x-default"), ("/noext", "application/x-default")):
        r = get(port, path)
        status(r, 200, path)
        eq(media_type(r), want, "Content-Type of %s" % path)


QUOTED_TYPES = {  # file -> its exact Content-Type
    "a.foo": "text/x weird;type",
    "a.sp": "text/x spaced type",
    "a.html": "text/html; charset=utf-8",  # mime.types says text/html: the later block wins
    "a.css": "text/css",  # from mime.types, untouched
}


def quoted_types_served(inst, what):
    for f, want in sorted(QUOTED_TYPES.items()):
        r = get(inst.port, "/" + f)
        status(r, 200, "/%s (%s)" % (f, what))
        eq(r.all("content-type"), [want], "Content-Type of /%s (%s)" % (f, what))


@test()
def t_types_quoted_words():
    # a quoted word is one token (nginx): a media type with ';' or a space reaches the
    # Content-Type header exactly as written, and a later types block overrides an extension
    inst = Inst("qtypes")
    inst.mime_types()
    inst.write_conf(
        "events { }\nhttp {\n    include mime.types;\n    types {\n"
        "        \"text/x weird;type\" foo;\n"
        "        'text/x spaced type' sp;\n"
        "        \"text/html; charset=utf-8\" html;\n"
        "    }\n    server {\n        listen 127.0.0.1:%P0%;\n        root html;\n    }\n}\n")
    for f in QUOTED_TYPES:
        inst.put("html/" + f, "x\n")
    inst.start()
    quoted_types_served(inst, "types block")


@test(zokiod_only=True)
def t_types_quoted_words_mime_option():
    # the same through `zokiod -r DIR -m FILE` (the file is included by the generated config)
    inst = Inst("qtypes-m")
    inst.put("conf/my.types", open(os.path.join(REPO, "conf", "mime.types")).read()
             + "types {\n    \"text/x weird;type\" foo;\n    'text/x spaced type' sp;\n"
             "    \"text/html; charset=utf-8\" html;\n}\n")
    for f in QUOTED_TYPES:
        inst.put("html/" + f, "x\n")
    inst.start(["-r", inst.path("html"), "-l", "127.0.0.1:%d" % inst.port,
                "-m", inst.path("conf/my.types")])
    quoted_types_served(inst, "-m FILE")


def mime_table(path):
    """{extension: type} of a mime.types file (nginx syntax, unquoted words; the later entry
    wins, as in nginx)."""
    text = re.sub(r"#[^\n]*", "", open(path).read())
    body = text[text.index("{") + 1:text.rindex("}")]
    table = {}
    for stmt in body.split(";"):
        words = stmt.split()
        for ext in words[1:]:
            table[ext.lower()] = words[0]
    return table


def quick_start(inst, extra=(), cwd=None):
    """`zokiod -r PREFIX/html -l 127.0.0.1:PORT EXTRA...` started from `cwd` (default: the
    prefix, which holds no conf/mime.types)."""
    return inst.start(["-r", inst.path("html"), "-l", "127.0.0.1:%d" % inst.port] + list(extra),
                      cwd=cwd)


@test(zokiod_only=True)
def t_quick_mode_builtin_types():
    # -r run from a directory without conf/mime.types: every extension of conf/mime.types (a
    # superset of nginx 1.22's list) gets its type from the built-in table, none falls back to
    # application/octet-stream (before: .txt, .css, .svg all went out as octet-stream)
    inst = Inst("quick-types")
    table = mime_table(os.path.join(REPO, "conf", "mime.types"))
    nginx = mime_table("/etc/nginx/mime.types") if os.path.exists("/etc/nginx/mime.types") else {}
    missing = sorted(set(nginx) - set(table))
    expect(not missing, "extensions of nginx's mime.types missing from conf/mime.types: %s"
           % missing)
    for ext in ("txt", "css", "svg", "js", "json", "wasm", "png", "jpg", "webp", "avif", "woff2",
                "mp4", "pdf", "html"):
        expect(ext in table, "conf/mime.types has no .%s" % ext)
    for ext in table:
        inst.put("html/f." + ext, "x\n")
    quick_start(inst)
    with Conn(inst.port) as c:
        for ext, want in sorted(table.items()):
            c.send(req("/f." + ext))
            r = c.response()
            status(r, 200, "/f." + ext)
            eq(r.get("content-type"), want, "Content-Type of /f.%s (-r without -m)" % ext)


@test(zokiod_only=True)
def t_quick_mode_autoindex():
    # -r lists a folder without index.html (as python3 -m http.server), serves index.html where
    # there is one
    inst = Inst("quick-list")
    inst.put("html/pics/cat.png", "png\n")
    inst.put("html/pics/notes.txt", "notes\n")
    inst.put("html/site/index.html", "<p>index</p>\n")
    quick_start(inst)
    r = get(inst.port, "/pics/")
    status(r, 200, "GET /pics/ (no index.html) in -r mode")
    eq(media_type(r), "text/html", "Content-Type of the listing")
    names = [href_name(h) for h in re.findall(r'href="([^"]*)"', r.text())]
    for want in ("cat.png", "notes.txt"):
        expect(want in names, "no link to %s in the listing of /pics/: %r" % (want, names))
    r = get(inst.port, "/site/")
    status(r, 200, "GET /site/")
    body_is(r, "<p>index</p>\n", "/site/ serves its index.html")


@test(zokiod_only=True)
def t_quick_mode_missing_mime_file():
    # -m FILE that cannot be read is an error naming it, not a silent fallback
    inst = Inst("quick-m")
    missing = inst.path("conf/nope.types")
    rc, out = inst.cli(["-r", inst.path("html"), "-l", "127.0.0.1:%d" % inst.port,
                        "-m", missing])
    eq(rc, 1, "exit status of -r with a missing -m file (output %s)" % short(out))
    want = '-m: open() "%s" failed (No such file or directory)' % missing
    expect(want in out, "no `%s` in: %s" % (want, short(out, 300)))
    expect(not serves(inst.port), "something answers on the port")


@test(zokiod_only=True)
def t_quick_mode_bare_port():
    # -l PORT is PORT on 127.0.0.1 (the default address), as ADDR:PORT was
    inst = Inst("quick-port")
    inst.put("html/a.txt", "a\n")
    inst.start(["-r", inst.path("html"), "-l", str(inst.port)])
    r = get(inst.port, "/a.txt")
    status(r, 200, "GET /a.txt with -l %d" % inst.port)
    eq(r.get("content-type"), "text/plain", "Content-Type of /a.txt")


@test(zokiod_only=True)
def t_quick_config_odd_paths():
    # -r DIR and -m FILE are written into the generated config as quoted words: a '"' or a
    # backslash in their names must come back unchanged (before: `unexpected "..."` at start)
    inst = Inst("odd-paths")
    d = 'di"r\\n'  # a quote, then a backslash and an n: read as a line feed if unescaped
    inst.put(d + "/my.types", "types {\n    \"text/x weird;type\" foo;\n}\n")
    inst.put(d + "/html/a.foo", "x\n")
    inst.start(["-r", inst.path(d + "/html"), "-l", "127.0.0.1:%d" % inst.port,
                "-m", inst.path(d + "/my.types")])
    r = get(inst.port, "/a.foo")
    status(r, 200, "/a.foo under a root with a quote and a backslash in its name")
    eq(r.all("content-type"), ["text/x weird;type"], "Content-Type of /a.foo (types from -m)")


@test()
def t_keepalive_requests():
    with Conn(httplevel().port) as c:
        for i in (1, 2, 3):
            c.send(req("/f.foo"))
            r = c.response()
            status(r, 200, "request %d" % i)
            if i < 3:
                expect("close" not in r.tokens("connection"),
                       "response %d of 3 has Connection: close" % i)
        expect("close" in r.tokens("connection"),
               "3rd response (keepalive_requests 3) has no Connection: close (headers %r)"
               % r.headers)
        c.expect_closed()


@test()
def t_keepalive_timeout():
    with Conn(httplevel().port) as c:
        c.send(req("/f.foo"))
        status(c.response(), 200)
        dt = idle_closed_after(c, "idle connection still open after 4 s (keepalive_timeout 1s)")
        expect(0.7 <= dt <= 2.5, "idle connection closed after %.2f s (keepalive_timeout 1s)"
               % dt)


@test()
def t_client_max_body_size():
    port = httplevel().port
    with Conn(port) as c:
        c.send(req("/f.foo", headers=["Content-Length: 10"], body=b"0123456789"))
        status(c.response(), 200, "10-byte body (client_max_body_size 10)")
    r = get(port, "/f.foo", headers=["Content-Length: 11"], body=b"0123456789a")
    status(r, 413, "11-byte body (client_max_body_size 10)")


@test()
def t_server_tokens_off():
    r = get(httplevel().port, "/f.foo")
    eq(r.all("server"), [NAME], "Server header with server_tokens off")
    r = get(httplevel().port, "/missing")
    status(r, 404)
    expect("<hr><center>%s</center>\r\n" % NAME in r.text(),
           "error page without the version (server_tokens off): %r" % r.text())


@test()
def t_server_tokens_on():
    inst = Inst("tokens")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    ver = version_of_cli()
    expect(ver, "no %s/VERSION in the output of -v" % NAME)
    r = get(inst.port, "/")
    eq(r.all("server"), ["%s/%s" % (NAME, ver)], "Server header with server_tokens on (default)")
    # nginx's error pages name the version too
    for path, st in (("/missing", 404), ("/x/../..", 400)):
        r = get(inst.port, path)
        status(r, st, path)
        expect("<hr><center>%s/%s</center>\r\n" % (NAME, ver) in r.text(),
               "%d page without %s/%s: %r" % (st, NAME, ver, r.text()))
        eq(int(r.get("content-length")), len(r.body), "Content-Length of the %d page" % st)


# --- nginx's contexts: server and location levels (issue 9) ----------------------------------------

CONTEXTS_CONF = """\
events { }
http {
    keepalive_timeout 30s;
    server {
        listen 127.0.0.1:%P0% default_server;
        server_name dflt;
        client_header_timeout 1s;
        large_client_header_buffers 2 1k;
        client_header_buffer_size 1k;
        connection_pool_size 512;
        server_tokens off;
        keepalive_requests 100;
        client_max_body_size 10;
        client_body_timeout 1s;
        send_timeout 30s;
        types { text/x-srv srv; }
        default_type text/x-default;
        error_page 404 /e404.html;
        location /short/ {
            keepalive_timeout 1s 1;
            keepalive_requests 50;
            client_max_body_size 0;
            client_body_timeout 1s;
            send_timeout 10s;
            server_tokens on;
            types { text/x-loc loc; }
            default_type text/x-loc-default;
            error_page 404 /short/e404.html;
            location /short/nested/ { keepalive_requests 2; }
        }
    }
    server {
        listen 127.0.0.1:%P0%;
        server_name named;
        client_header_timeout 20s;
        large_client_header_buffers 8 8k;
    }
}
"""


def contexts():
    def setup():
        inst = Inst("ctx")
        inst.write_conf(CONTEXTS_CONF)
        for rel in ("f.srv", "f.loc", "short/f.srv", "short/f.loc", "short/f.none",
                    "short/nested/f.txt"):
            inst.put("html/" + rel, "file %s\n" % rel)
        inst.put("html/e404.html", "server 404\n")
        inst.put("html/short/e404.html", "short 404\n")
        return inst.start()

    return fixture("contexts", setup)


@test()
def t_contexts_types_default_type_error_page():
    port = contexts().port
    for path, ctype in (("/f.srv", "text/x-srv"), ("/f.loc", "text/x-default"),
                        ("/short/f.srv", "text/x-loc-default"), ("/short/f.loc", "text/x-loc"),
                        ("/short/f.none", "text/x-loc-default")):
        r = get(port, path)
        status(r, 200, path)
        eq(r.get("content-type"), ctype, "Content-Type of " + path)
    for path, body in (("/missing", "server 404\n"), ("/short/missing", "short 404\n"),
                       ("/short/nested/missing", "short 404\n")):
        r = get(port, path)
        status(r, 404, path)
        eq(r.text(), body, "error_page of " + path)


@test()
def t_contexts_server_tokens():
    port = contexts().port
    eq(get(port, "/f.srv").all("server"), [NAME], "server_tokens off in the server")
    r = get(port, "/short/f.loc")
    expect(re.match(r"^%s/\S+$" % NAME, r.get("server") or ""),
           "server_tokens on in the location: Server %r" % r.get("server"))


@test()
def t_contexts_keepalive_requests_location():
    with Conn(contexts().port) as c:
        for i in (1, 2):
            c.send(req("/short/nested/f.txt"))
            r = c.response()
            status(r, 200, "request %d" % i)
        expect("close" in r.tokens("connection"),
               "2nd response in a location with keepalive_requests 2: no Connection: close")
        c.expect_closed()


@test()
def t_contexts_keepalive_timeout_location():
    # keepalive_timeout 1s in /short/, 30s elsewhere: the last request's location decides
    port = contexts().port
    with Conn(port) as c:
        c.send(req("/short/f.loc"))
        r = c.response()
        eq(r.get("keep-alive"), "timeout=1", "Keep-Alive of the location")
        dt = idle_closed_after(c, "idle connection after /short/ still open after 4 s "
                               "(keepalive_timeout 1s)")
        expect(0.7 <= dt <= 2.5, "idle connection closed after %.2f s (keepalive_timeout 1s)" % dt)
    with Conn(port) as c:
        c.send(req("/f.srv"))
        status(c.response(), 200)
        try:
            c._recv(2.5)
            raise Fail("unexpected bytes on an idle connection: %s" % short(c.buf))
        except Closed:
            raise Fail("idle connection after /f.srv closed within 2.5 s (keepalive_timeout 30s)")
        except NoAnswer:
            pass
        c.send(req("/f.srv"))
        status(c.response(), 200, "the next request after 2.5 s idle")


@test()
def t_contexts_client_max_body_size_location():
    port = contexts().port
    body = b"x" * 11
    status(get(port, "/f.srv", headers=["Content-Length: 11"], body=body), 413,
           "11-byte body in the server (client_max_body_size 10)")
    status(get(port, "/short/f.loc", headers=["Content-Length: 11"], body=body), 200,
           "11-byte body in /short/ (client_max_body_size 0: no limit)")


@test()
def t_contexts_header_timeout_default_server():
    # before the Host is known, the default server's client_header_timeout (1s) applies, even
    # to a head that names the other server (20s), as in nginx
    with Conn(contexts().port) as c:
        c.send(b"GET /f.srv HTTP/1.1\r\nHost: named\r\n")
        dt = dropped_after(c, "head", "unfinished head for `named` open after 5 s (default "
                           "server's 1s)")
        expect(0.7 <= dt <= 2.5, "unfinished head dropped after %.2f s (client_header_timeout 1s "
               "of the default server)" % dt)


@test()
def t_contexts_large_client_header_buffers_count():
    # large_client_header_buffers 2 1k in the default server: a line fits in 1k, the head in 2k;
    # once a Host naming the other server (8 8k) is read, the rest of the head gets its buffers
    # (nginx); the request line and the lines before the Host get the default server's
    port = contexts().port
    line = "X-A%d: " + "v" * 600
    status(get(port, "/f.srv", headers=[line % 1]), 200, "one 600-byte line")
    status(get(port, "/f.srv", headers=[line % 1, line % 2]), 200,
           "two 600-byte lines (1.2k of 2k)")
    status(get(port, "/f.srv", headers=[line % i for i in range(4)]), 400,
           "four 600-byte lines (2.4k of 2k)")
    status(get(port, "/f.srv", headers=["X-B: " + "v" * 1100]), 400,
           "a 1100-byte line (1k buffers)")
    status(get(port, "/f.srv", host="named", headers=[line % i for i in range(4)]), 200,
           "four 600-byte lines after `Host: named` (8 8k)")
    status(get(port, "/f.srv", host="named", headers=["X-B: " + "v" * 1100]), 200,
           "a 1100-byte line after `Host: named` (8k buffers)")
    with Conn(port) as c:
        c.send(b"GET /f.srv HTTP/1.1\r\nX-B: " + b"v" * 1100 + b"\r\nHost: named\r\n\r\n")
        status(c.response(), 400, "a 1100-byte line before `Host: named` (the default's 1k)")
    status(get(port, "/f.srv?" + "q" * 1100, host="named"), 414, "a 1100-byte request line")


@test()
def t_contexts_access_log():
    # access_log in http, server and location, several in one level (each gets the line), off
    # in a location; a level without any inherits its enclosing level's (nginx)
    inst = Inst("ctxlog", 2)
    inst.write_conf("events { }\nhttp {\n    access_log logs/http.log;\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n        access_log logs/a.log;\n"
                    "        access_log logs/b.log combined;\n"
                    "        location /loc/ { access_log logs/loc.log; }\n"
                    "        location /off/ { access_log off; }\n"
                    "        location /nest/ { location /nest/in/ { } }\n    }\n"
                    "    server {\n        listen 127.0.0.1:%P1%;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    tok = "t%d" % os.getpid()
    where = {"/srv-" + tok: ("logs/a.log", "logs/b.log"), "/loc/" + tok: ("logs/loc.log",),
             "/nest/in/" + tok: ("logs/a.log", "logs/b.log"), "/off/" + tok: ()}
    for path in where:
        status(get(inst.port, path), 404, path)
    status(get(inst.ports[1], "/other-" + tok), 404, "the other server")
    expect(log_line(inst, "logs/http.log", "/other-" + tok), "no line for the other server in "
           "logs/http.log (http-level access_log)")
    for path, logs in where.items():
        for rel in ("logs/a.log", "logs/b.log", "logs/loc.log", "logs/http.log"):
            if rel in logs:
                expect(log_line(inst, rel, path + " "), "no line for %s in %s" % (path, rel))
    time.sleep(LOG_FLUSH)  # every line written by now
    for path, logs in where.items():
        for rel in ("logs/a.log", "logs/b.log", "logs/loc.log", "logs/http.log"):
            n = sum(path + " " in ln for ln in (inst.read(rel) or "").splitlines())
            eq(n, 1 if rel in logs else 0, "lines for %s in %s" % (path, rel))


@test(zokiod_only=True)
def t_contexts_check_ok():
    # every directive in each context nginx allows it in passes -t
    inst = Inst("ctxt")
    inst.write_conf(CONTEXTS_CONF)
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 0, "exit status of -t (output %s)" % short(out, 500))
    for d in ("client_header_buffer_size", "connection_pool_size"):
        expect(re.search(r'\[notice\].*"%s" is accepted and changes nothing' % d, out),
               "no notice about %s in: %s" % (d, short(out, 500)))


ELOG_CONF = """error_log logs/main.log notice;
events { }
http {
    error_log logs/http.log;
    server {
        listen 127.0.0.1:%P0%;
        error_log logs/srv.log;
        location /loc/ { error_log logs/loc.log; }
        location /crit/ { error_log logs/crit.log crit; }
        location /two/ {
            error_log logs/two-a.log;
            error_log logs/two-b.log warn;
            location /two/in/ { }
        }
    }
    server {
        listen 127.0.0.1:%P1%;
    }
}
"""
ELOG_FILES = ("logs/main.log", "logs/http.log", "logs/srv.log", "logs/loc.log", "logs/crit.log",
              "logs/two-a.log", "logs/two-b.log")


def elog_has(inst, rel, token, timeout=1.0):
    """The error log `rel` has the open() line of a request for a name holding `token`."""
    return wait_for(lambda: 'open() "' in (inst.read(rel) or "") and token in inst.read(rel),
                    timeout)


def elog_check(inst, port, path, logs):
    """A 404 of `path`: its open() line is in each of `logs` and in no other ELOG_FILES."""
    status(get(port, path), 404, path)
    for rel in logs:
        expect(elog_has(inst, rel, path), "no open() line for %s in %s: %s"
               % (path, rel, short(inst.read(rel) or "", 300)))
    time.sleep(0.2)  # a line written to the wrong file would be there by now (written at once)
    for rel in ELOG_FILES:
        if rel not in logs:
            expect(path not in (inst.read(rel) or ""), "a line for %s in %s: %s"
                   % (path, rel, short(inst.read(rel) or "", 300)))


@test()
def t_error_log_location():
    # a location's error_log receives its requests' lines (a 404's open() line), the main one
    # does not; two in one level each get them; a nested location inherits its parent's
    inst = Inst("elogloc", 2)
    inst.write_conf(ELOG_CONF)
    inst.start()
    tok = "e%d" % os.getpid()
    elog_check(inst, inst.port, "/loc/%s-missing" % tok, ("logs/loc.log",))
    elog_check(inst, inst.port, "/two/%s-missing" % tok, ("logs/two-a.log", "logs/two-b.log"))
    elog_check(inst, inst.port, "/two/in/%s-missing" % tok, ("logs/two-a.log", "logs/two-b.log"))


@test()
def t_error_log_server_inherit():
    # a location without error_log: its server's; a server without one: http's (nginx)
    inst = Inst("elogsrv", 2)
    inst.write_conf(ELOG_CONF)
    inst.start()
    tok = "e%d" % os.getpid()
    elog_check(inst, inst.port, "/%s-srv-missing" % tok, ("logs/srv.log",))
    elog_check(inst, inst.ports[1], "/%s-http-missing" % tok, ("logs/http.log",))


@test()
def t_error_log_levels():
    # a `crit` location log gets no `error` lines (and neither does any other log)
    inst = Inst("eloglvl", 2)
    inst.write_conf(ELOG_CONF)
    inst.start()
    tok = "e%d" % os.getpid()
    elog_check(inst, inst.port, "/crit/%s-missing" % tok, ())
    elog_check(inst, inst.port, "/loc/%s-after" % tok, ("logs/loc.log",))  # the server lives


@test()
def t_error_log_location_reopen():
    # USR1 after a rename: the location's error log is opened again at its path
    inst = Inst("elogre", 2)
    inst.write_conf(ELOG_CONF)
    inst.start()
    inst.wait_workers(1)
    tok = "e%d" % os.getpid()
    elog_check(inst, inst.port, "/loc/%s-one" % tok, ("logs/loc.log",))
    os.rename(inst.path("logs/loc.log"), inst.path("logs/loc.log.1"))
    inst.signal(signal.SIGUSR1)
    expect(wait_for(lambda: (inst.read("logs/main.log") or "").count("reopening logs") >= 3, 3),
           "the master and its worker did not log their reopen: %s"
           % short(inst.read("logs/main.log") or "", 400))
    status(get(inst.port, "/loc/%s-two" % tok), 404)
    expect(elog_has(inst, "logs/loc.log", "%s-two" % tok), "no line in the new logs/loc.log: %s; "
           "old: %s" % (short(inst.read("logs/loc.log") or "", 200), short(inst.read("logs/loc.log.1") or "",
                                                                      400)))
    old = inst.read("logs/loc.log.1") or ""
    expect(tok + "-one" in old and tok + "-two" not in old, "the renamed log: %s" % short(old, 400))


@test()
def t_error_log_location_reload():
    # HUP: the new configuration's location error_log takes the lines (the master opens it)
    inst = Inst("elogrl", 2)
    inst.write_conf(ELOG_CONF)
    inst.start()
    old = inst.wait_workers(1)
    tok = "e%d" % os.getpid()
    elog_check(inst, inst.port, "/loc/%s-one" % tok, ("logs/loc.log",))
    inst.write_conf(ELOG_CONF.replace("error_log logs/loc.log;", "error_log logs/loc2.log;"))
    inst.signal(signal.SIGHUP)
    inst.wait_workers(1, exclude=old)
    status(get(inst.port, "/loc/%s-two" % tok), 404)
    expect(elog_has(inst, "logs/loc2.log", "%s-two" % tok), "no line in logs/loc2.log: %s"
           % short(inst.read("logs/loc2.log") or "", 300))
    expect(tok + "-two" not in (inst.read("logs/loc.log") or ""), "a line in the old log")


@test()
def t_error_log_location_unwritable():
    # -t opens every error log, as nginx -t: one that cannot be opened fails the test
    inst = Inst("elogt")
    inst.put("html/f.txt", "x\n")
    inst.write_conf("error_log logs/main.log;\nevents { }\nhttp {\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n"
                    "        location /x/ { error_log html/f.txt/e.log; }\n    }\n}\n")
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 1, "exit status of -t (output %s)" % short(out, 500))
    want = 'open() "%s" failed (20: Not a directory)' % inst.path("html/f.txt/e.log")
    expect(want in out, "no `%s` in: %s" % (want, short(out, 500)))


@test(zokiod_only=True)
def t_contexts_check_errors():
    loc = "http {\n    server {\n        location / {\n            %s\n        }\n    }\n}\n"
    srv = "http {\n    server {\n        %s\n    }\n}\n"
    cases = [
        (loc % "client_header_timeout 5s;", 4, r'^"client_header_timeout" directive is not allowed'),
        (loc % "large_client_header_buffers 4 8k;", 4,
         r'^"large_client_header_buffers" directive is not allowed'),
        (loc % "client_header_buffer_size 1k;", 4,
         r'^"client_header_buffer_size" directive is not allowed'),
        (loc % "connection_pool_size 512;", 4, r'^"connection_pool_size" directive is not allowed'),
        (loc % "keepalive_timeout 5s 1500ms;", 4, r'invalid value "1500ms"'),
        (loc % "keepalive_requests x;", 4, r'invalid value "x" in "keepalive_requests"'),
        (loc % "client_max_body_size 1q;", 4, r'invalid value "1q" in "client_max_body_size"'),
        (loc % "client_body_timeout x;", 4, r'invalid value "x" in "client_body_timeout"'),
        (loc % "send_timeout x;", 4, r'invalid value "x" in "send_timeout"'),
        (loc % "server_tokens maybe;", 4, r'"maybe" in "server_tokens"'),
        (loc % "types { html text/html; }", 4, r'invalid media type "html"'),
        (loc % "default_type a; default_type b;", 4, r'"default_type" directive is duplicate'),
        (loc % "error_page 404 x.html;", 4, r'invalid value "x.html" in "error_page"'),
        (srv % "client_header_timeout x;", 3, r'invalid value "x" in "client_header_timeout"'),
        (srv % "large_client_header_buffers 0 8k;", 3, r'invalid value "0"'),
        (srv % "client_header_buffer_size 1x;", 3, r'invalid value "1x"'),
        (srv % "connection_pool_size 100;", 3, r'pool size must be no less than 112'),
        (srv % "connection_pool_size 520;", 3, r'pool size must be a multiple of 16'),
        (srv % "server_tokens off; server_tokens on;", 3, r'"server_tokens" directive is duplicate'),
        (loc % "access_log logs/x.log main;", 4, r'unknown log format "main"'),
        (loc % "access_log off x;", 4, r'invalid parameter "x"'),
        (loc % "error_log logs/e.log loud;", 4, r'invalid value "loud" in "error_log"'),
        (srv % "error_log syslog:server=x;", 3, r'not supported by zokiod'),

    ]
    for text, line, pat in cases:
        conf_error(text, line, pat, what="%s: " % short(text.replace("\n", " "), 80))


COMBINED_RE = re.compile(
    r'^(\S+) - (\S+) \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "([^"]*)" (\d{3}) '
    r'(\d+) "([^"]*)" "([^"]*)"$')


def log_line(inst, rel, token, timeout=LOG_FLUSH):
    """The access-log line holding `token`, waiting up to `timeout` s for it to be flushed."""
    def find():
        for ln in (inst.read(rel) or "").splitlines():
            if token in ln:
                return ln
        return None

    return wait_for(find, timeout)


@test(zokiod_only=True)
def t_access_log_latency():
    # a request's access-log line is in the file within ~0.1 s, also on an idle server (before:
    # written by a once-a-second tick, up to ~2 s late); nginx writes each line at once: the
    # bound leaves room for a loaded machine, the measured values are in the failure message
    inst = Inst("loglat")
    inst.write_conf("events { }\nhttp {\n    access_log logs/access.log;\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    lat = []
    for i in range(8):
        time.sleep(0.13 * i)  # requests at different phases of any periodic timer
        tok = "lat%d-%x" % (i, int(time.time() * 1e6))
        status(get(inst.port, "/?" + tok), 200)
        t0 = time.monotonic()
        expect(log_line(inst, "logs/access.log", tok, 3.0), "no line %s after 3 s" % tok)
        lat.append(time.monotonic() - t0)
    lat.sort()
    ms = ["%.0f" % (x * 1000) for x in lat]
    expect(lat[len(lat) // 2] < 0.3 and lat[-1] < 0.6,
           "access-log latency (ms, sorted): %s; want a median under 300, all under 600" % ms)


@test()
def t_access_log_combined():
    inst = httplevel()
    tok = "u=%x" % int(time.time() * 1e6)
    r = get(inst.port, "/f.foo?" + tok, headers=["User-Agent: conf-test/1.0 (x)"])
    status(r, 200)
    ln = log_line(inst, "logs/access.log", tok)
    expect(ln, "no line for GET /f.foo?%s in logs/access.log within %.1f s (log: %s)"
           % (tok, LOG_FLUSH, short(inst.read("logs/access.log") or "(no file)", 300)))
    m = COMBINED_RE.match(ln)
    expect(m, "not nginx's combined format: %r" % ln)
    eq(m.group(1), "127.0.0.1", "remote address")
    eq(m.group(2), "-", "remote user")
    t = calendar.timegm(time.strptime(m.group(3)[:20], "%d/%b/%Y:%H:%M:%S"))
    off = int(m.group(3)[-5:-2]) * 3600 + (1 if m.group(3)[-5] == "+" else -1) * int(
        m.group(3)[-2:]) * 60
    expect(abs(t - off - time.time()) < 10, "log time %r is not now" % m.group(3))
    eq(m.group(4), "GET /f.foo?%s HTTP/1.1" % tok, "request line")
    eq(m.group(5), "200", "status")
    eq(m.group(6), str(len(r.body)), "body bytes sent")
    eq(m.group(7), "-", "referer")
    eq(m.group(8), "conf-test/1.0 (x)", "user agent")
    tok2 = tok + "b"
    r = get(inst.port, "/nope?" + tok2, headers=["Referer: http://r.test/p?q=1"])
    ln = log_line(inst, "logs/access.log", tok2)
    expect(ln, "no line for the 404 in logs/access.log")
    m = COMBINED_RE.match(ln)
    expect(m, "not nginx's combined format: %r" % ln)
    eq((m.group(5), m.group(6), m.group(7), m.group(8)),
       ("404", str(len(r.body)), "http://r.test/p?q=1", "-"), "status, bytes, referer, agent")


@test()
def t_access_log_refused_requests():
    # every request that got a response has its line, also those the parser refused (nginx
    # logs them too): 400 for an obs-fold, 414 for a long target, 505 for HTTP/3.0
    inst = httplevel()
    tok = "ref%x" % int(time.time() * 1e6)
    cases = [(b"GET /f.foo?%s-a HTTP/1.1\r\nHost: x\r\nX-A:\r\n b\r\n\r\n", 400),
             (b"GET /f.foo?%s-b" + b"x" * 1100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
             (b"GET /f.foo?%s-c HTTP/3.0\r\nHost: x\r\n\r\n", 505)]
    def n414():
        return sum('" 414 ' in ln for ln in (inst.read("logs/access.log") or "").splitlines())

    before = n414()
    for raw, want in cases:
        with Conn(inst.port) as c:
            c.send(raw.replace(b"%s", tok.encode()))
            status(c.response(), want)
    for i, (raw, want) in enumerate(cases):
        if want == 414:  # the target is not kept whole: count the lines instead
            expect(wait_for(lambda: n414() == before + 1, LOG_FLUSH),
                   "414 lines in the access log: %d before, %d after" % (before, n414()))
            continue
        mark = "%s-%s" % (tok, "abc"[i])
        ln = log_line(inst, "logs/access.log", mark)
        expect(ln, "no access-log line for the %d (%s)" % (want, mark))
        expect('" %d ' % want in ln, "access-log line for the %d: %r" % (want, ln))


@test()
def t_access_log_off():
    inst = httplevel()
    tok = "off=%x" % int(time.time() * 1e6)
    status(get(inst.ports[1], "/f.foo?" + tok), 200)
    # a request on the logged server after it: once that one is there, the other would be too
    tok2 = tok + "on"
    status(get(inst.port, "/f.foo?" + tok2), 200)
    expect(log_line(inst, "logs/access.log", tok2), "no line for the logged server's request")
    time.sleep(0.2)
    for root, _, files in os.walk(inst.prefix):
        for f in files:
            p = os.path.join(root, f)
            if p.endswith("stderr.txt") or "/html/" in p:
                continue
            expect(tok + " " not in (inst.read(p) or ""),
                   "request to the `access_log off` server logged in %s" % p)


# --- processes and signals --------------------------------------------------------------------------

PROC_CONF = """\
worker_processes %N%;
error_log logs/error.log info;
events { }
http {
    access_log logs/access.log;
    server {
        listen 127.0.0.1:%P0%;
        root html;
        add_header X-Gen %GEN%;
    }
}
"""


def proc_inst(n=2, gen="1"):
    inst = Inst("proc")
    inst.write_conf(PROC_CONF.replace("%N%", str(n)).replace("%GEN%", gen))
    inst.put("html/index.html", "index\n")
    return inst


def set_gen(inst, n, gen, broken=False):
    text = PROC_CONF.replace("%N%", str(n)).replace("%GEN%", gen)
    if broken:
        text = text.replace("        root html;\n", "        roo html;\n")
    inst.write_conf(text)
    lines = inst.last_conf_text.splitlines()
    return next((i + 1 for i, ln in enumerate(lines) if "roo html" in ln), 0)


def gen_of(port):
    r = get(port, "/")
    status(r, 200)
    return r.get("x-gen")


def wait_gen(inst, gen, timeout=3.0):
    """New connections see X-Gen: gen within `timeout` s."""
    seen = []

    def ok():
        try:
            g = gen_of(inst.port)
        except (Fail, OSError) as e:
            seen.append(str(e))
            return False
        seen.append(g)
        # every worker: several answers in a row
        return g == gen and all(gen_of(inst.port) == gen for _ in range(6))

    expect(wait_for(ok, timeout, 0.05), "X-Gen %r not served within %.0f s after the reload "
           "(last answers: %r); stderr: %s" % (gen, timeout, seen[-3:], inst.stderr_tail()))


def all_gone(pids, timeout):
    return wait_for(lambda: not any(proc_stat(p) for p in pids), timeout)


def gone_report(inst, pids):
    st = {p: proc_stat(p) for p in pids}
    z = [p for p, s in st.items() if s and s[0] == "Z"]
    live = [p for p, s in st.items() if s and s[0] != "Z"]
    parts = []
    if live:
        parts.append("still running: %s" % live)
    if z:
        parts.append("zombies (the master did not reap them): %s" % z)
    return "; ".join(parts)


@test()
def t_worker_processes_2():
    inst = proc_inst(2).start()
    w = inst.wait_workers(2)
    for p in w:
        eq(proc_stat(p)[1], inst.pid, "parent of worker %d" % p)
    for _ in range(10):
        status(get(inst.port, "/"), 200)
    time.sleep(0.5)
    eq(inst.workers(), w, "workers 0.5 s later (same pids)")


@test()
def t_worker_processes_auto():
    inst = proc_inst("auto").start()
    want = {ncpu(), len(os.sched_getaffinity(0))}
    w = wait_for(lambda: len(inst.workers()) in want and inst.workers(), 3)
    expect(w, "worker_processes auto: %d workers, expected %s (CPUs)"
           % (len(inst.workers()), " or ".join(map(str, sorted(want)))))


@test()
def t_pid_file():
    inst = proc_inst(1).start()
    got = wait_for(lambda: inst.read("logs/zokiod.pid"), 1)
    expect(got is not None, "no pid file logs/zokiod.pid")
    expect(re.fullmatch(r"\d+\n?", got), "pid file content %r" % got)
    eq(int(got), inst.pid, "pid in the pid file")


@test()
def t_worker_respawn():
    inst = proc_inst(2).start()
    workers = inst.wait_workers(2)
    born = inst.started
    # twice: the respawned worker is watched too
    for round in (1, 2):
        # a worker that dies within 1 s of its start may be respawned after a pause: kill one
        # that has been serving for a while
        time.sleep(max(0.0, 1.3 - (time.monotonic() - born)))
        for _ in range(4):
            status(get(inst.port, "/"), 200)
        victim, other = workers[-1], workers[0]
        os.kill(victim, signal.SIGKILL)
        t0 = time.monotonic()
        new = wait_for(lambda: (lambda c: c if len(c) == 2 and victim not in c else None)(
            inst.workers()), 2.0, 0.01)
        dt = time.monotonic() - t0
        expect(new, "round %d: 2 s after kill -9 of worker %d: children %s%s" % (
            round, victim, inst.workers(),
            "; zombies %s" % zombies(inst.pid) if zombies(inst.pid) else ""))
        expect(dt <= 1.0, "round %d: the new worker appeared %.2f s after kill -9 (limit 1 s)"
               % (round, dt))
        expect(other in new, "round %d: the other worker %d was replaced too: %s"
               % (round, other, new))
        for i in range(20):
            status(get(inst.port, "/"), 200, "round %d: request %d after the respawn" % (round, i))
        expect(time.monotonic() - t0 <= 1.5, "round %d: serving again took %.2f s"
               % (round, time.monotonic() - t0))
        workers = [other] + [p for p in new if p != other]
        born = t0
    expect(inst.alive(), "master died: %s" % inst.how_died())


@test()
def t_reload_new_config():
    inst = proc_inst(2, "1").start()
    old = inst.wait_workers(2)
    eq(gen_of(inst.port), "1", "X-Gen before the reload")
    c = Conn(inst.port)
    c.send(req("/"))
    status(c.response(), 200, "keep-alive request before the reload")
    idle = [Conn(inst.port) for _ in range(4)]  # idle keep-alive connections left untouched
    for d in idle:
        d.send(req("/"))
        status(d.response(), 200)
    set_gen(inst, 2, "2")
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "2")
    # the keep-alive connection of an old worker: answered with Connection: close, or closed
    try:
        c.send(req("/"))
        r = c.response()
        expect("close" in r.tokens("connection"), "old worker answered on a keep-alive "
               "connection after the reload without Connection: close (X-Gen %s)" % r.get("x-gen"))
        c.expect_closed()
    except Closed:
        pass
    finally:
        c.close()
    expect(all_gone(old, 5), "old workers 5 s after the reload (4 idle keep-alive connections "
           "open): %s" % gone_report(inst, old))
    for d in idle:
        d.close()
    new = inst.wait_workers(2, exclude=old)
    expect(inst.alive(), "master died: %s" % inst.how_died())
    eq(int((inst.read("logs/zokiod.pid") or "0").strip() or 0), inst.pid, "pid file after reload")
    for _ in range(5):
        eq(gen_of(inst.port), "2", "X-Gen after the reload")
    eq(inst.workers(), new, "workers")


@test(limit=30)
def t_reload_inflight_download():
    inst = proc_inst(1, "1")
    sha = put_big(inst)
    inst.start()
    old = inst.wait_workers(1)
    dl = SlowGet(inst.port, "/big.bin", 3 * 1024 * 1024)
    dl.start()
    expect(wait_for(lambda: dl.got >= 512 * 1024 or dl.done, 5), "download did not start")
    expect(not dl.error, "download: %s" % dl.error)
    set_gen(inst, 1, "2")
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "2")
    expect(not dl.done, "the slow download ended (%s) before the new config was served"
           % (dl.error or "complete"))
    dl.join(15)
    expect(dl.done, "download not finished 15 s after the reload")
    expect(not dl.error, "in-flight download during the reload: %s" % dl.error)
    eq(dl.status, 200, "download status")
    eq((dl.got, dl.sha.hexdigest()), (BIG, sha), "downloaded bytes, sha256")
    expect(dl.closed_after, "the old worker kept the connection open after the download")
    expect(all_gone(old, 3), "old worker 3 s after its last download: %s"
           % gone_report(inst, old))
    inst.wait_workers(1, exclude=old)


@test()
def t_reload_server_tokens():
    # server_tokens is an http-level directive like any other: a reload that turns it off (then
    # on again) changes the Server header of the new workers
    inst = proc_inst(1, "1").start()
    inst.wait_workers(1)
    expect((get(inst.port, "/").get("server") or "").startswith("zokiod/"), "Server with tokens on")
    text = inst.last_conf_text
    inst.write_conf(text.replace("http {\n", "http {\n    server_tokens off;\n", 1)
                    .replace("X-Gen 1", "X-Gen 2"))
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "2")
    eq(get(inst.port, "/").get("server"), "zokiod", "Server after a reload with server_tokens off")
    inst.write_conf(text.replace("X-Gen 1", "X-Gen 3"))
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "3")
    expect((get(inst.port, "/").get("server") or "").startswith("zokiod/"),
           "Server after a reload with server_tokens on again")


@test()
def t_reload_broken_config():
    inst = proc_inst(2, "1").start()
    old = inst.wait_workers(2)
    line = set_gen(inst, 2, "2", broken=True)
    inst.signal(signal.SIGHUP)
    pat = re.compile(r'zokiod\.conf:%d\b.*unknown directive "roo"|unknown directive "roo".*'
                     r'zokiod\.conf:%d\b' % (line, line))
    found = wait_for(lambda: pat.search(inst.read("logs/error.log") or ""), 3)
    if not found:
        where = "only on stderr" if pat.search(inst.stderr_text()) else "nowhere"
        raise Fail("error log has no `zokiod.conf:%d ... unknown directive \"roo\"` 3 s after "
                   "HUP with a broken config (found %s); error.log: %s" % (
                       line, where, short(inst.read("logs/error.log") or "(none)", 300)))
    time.sleep(0.3)
    expect(inst.alive(), "master died after the broken reload: %s; stderr %s"
           % (inst.how_died(), inst.stderr_tail()))
    for _ in range(6):
        eq(gen_of(inst.port), "1", "X-Gen after the broken reload (old config keeps serving)")
    eq(inst.workers(), old, "workers after the broken reload (same pids)")
    # fixed: the next reload applies
    set_gen(inst, 2, "3")
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "3")


@test()
def t_error_log_format():
    inst = proc_inst(1, "1").start()
    inst.wait_workers(1)
    line = set_gen(inst, 1, "2", broken=True)
    inst.signal(signal.SIGHUP)
    ln = wait_for(lambda: next((l for l in (inst.read("logs/error.log") or "").splitlines()
                                if 'unknown directive "roo"' in l), None), 3)
    expect(ln, "no `unknown directive \"roo\"` line in logs/error.log: %s"
           % short(inst.read("logs/error.log") or "(none)", 300))
    expect(re.search(r"\d{4}[/-]\d\d[/-]\d\d[ T]\d\d:\d\d:\d\d", ln), "no time in %r" % ln)
    expect(re.search(r"\b(%s)\b" % "|".join(LEVELS), ln), "no level in %r" % ln)
    expect(re.search(r"\b%d\b" % inst.pid, ln), "no pid (%d) in %r" % (inst.pid, ln))
    expect("zokiod.conf:%d" % line in ln, "no FILE:LINE in %r" % ln)


@test()
def t_signal_cli_reload():
    inst = proc_inst(2, "1").start()
    old = inst.wait_workers(2)
    set_gen(inst, 2, "2")
    rc, out = inst.cli(["-c", inst.conf, "-s", "reload"])
    eq(rc, 0, "exit status of -s reload (output %s)" % short(out))
    wait_gen(inst, "2")
    expect(all_gone(old, 5), "old workers 5 s after -s reload: %s" % gone_report(inst, old))


@test(limit=90)
def t_reload_at_generation_limit():
    # Each old generation keeps its worker while a request head is half sent. With 16
    # generations alive the next reload is refused (error log) and the running one serves on;
    # once the old workers are gone a reload applies again. (Under check-asan a leaked config
    # fails the master's exit.)
    inst = proc_inst(1, "g0").start()
    inst.wait_workers(1)
    held = []
    try:
        for g in range(1, 16):
            c = socket.create_connection(("127.0.0.1", inst.port), timeout=5)
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the head is never finished
            held.append(c)
            time.sleep(0.1)
            set_gen(inst, 1, "g%d" % g)
            inst.signal(signal.SIGHUP)
            wait_gen(inst, "g%d" % g)
        c = socket.create_connection(("127.0.0.1", inst.port), timeout=5)
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        held.append(c)
        time.sleep(0.1)
        set_gen(inst, 1, "refused")
        inst.signal(signal.SIGHUP)
        found = wait_for(lambda: "still draining" in (inst.read("logs/error.log") or ""), 3)
        expect(found, "no error-log line about the refused 17th configuration: %s"
               % short(inst.read("logs/error.log") or "", 300))
        for _ in range(4):
            eq(gen_of(inst.port), "g15", "X-Gen after the refused reload")
        expect(inst.alive(), "master died: %s" % inst.how_died())
    finally:
        for c in held:
            c.close()
    expect(wait_for(lambda: len(inst.workers()) == 1, 10), "old workers still running 10 s "
           "after their last connection closed: %s" % inst.workers())
    set_gen(inst, 1, "after")
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "after")
    inst.signal(signal.SIGQUIT)
    eq(inst.wait_exit(10), 0, "master exit status after QUIT; stderr: %s" % inst.stderr_tail())


def answered_fresh(port, n, what, timeout=1.5):
    """n requests, each on a new connection, each answered 200 within `timeout` s."""
    for i in range(n):
        with Conn(port, timeout) as c:
            c.send(req("/"))
            try:
                status(c.response(), 200)
            except NoAnswer as e:
                raise Fail("%s: request %d on a new connection: %s (a connection left "
                           "unaccepted in the listen queue)" % (what, i, e))


@test(limit=60)
def t_reload_every_connection_accepted():
    # Listening sockets are shared by the workers of every generation. A worker that stops
    # accepting (reload, graceful stop) or dies (kill -9) must not take with it the wake-up of
    # a connection that another worker should accept.
    inst = proc_inst(2, "1").start()
    inst.wait_workers(2)
    for rnd in range(12):
        set_gen(inst, 2, str(rnd % 2 + 2))
        inst.signal(signal.SIGHUP)
        answered_fresh(inst.port, 10, "round %d, after HUP" % rnd)
        if rnd % 4 == 3:
            for w in inst.workers():  # an old-generation worker may exit meanwhile: any one
                try:
                    os.kill(w, signal.SIGKILL)
                    break
                except ProcessLookupError:
                    continue
            answered_fresh(inst.port, 10, "round %d, after kill -9 of a worker" % rnd)
    expect(inst.alive(), "master died: %s" % inst.how_died())


@test(limit=60)
def t_restart_after_stop_binds_at_once():
    # After the master exits, its port is free: an immediate restart binds it (no listening
    # socket outlives the processes while a ring or an exiting worker still holds it).
    inst = proc_inst(2, "1")
    for rnd in range(10):
        inst.start()
        if not wait_for(lambda: len(inst.workers()) == 2, 3):
            raise Fail("round %d: no 2 workers 3 s after the start (master %s); stderr: %s"
                       % (rnd, inst.how_died(), inst.stderr_tail()))
        answered_fresh(inst.port, 4, "round %d" % rnd)
        inst.signal(signal.SIGTERM if rnd % 2 else signal.SIGQUIT)
        rc = inst.wait_exit(5)
        expect(rc is not None, "round %d: master still running 5 s after the stop signal" % rnd)
        eq(rc, 0, "round %d: master exit status; stderr: %s" % (rnd, inst.stderr_tail()))


@test()
def t_signal_cli_stop():
    inst = proc_inst(2, "1").start()
    w = inst.wait_workers(2)
    rc, out = inst.cli(["-c", inst.conf, "-s", "stop"])
    eq(rc, 0, "exit status of -s stop (output %s)" % short(out))
    rc = inst.wait_exit(3)
    expect(rc is not None, "master still running 3 s after -s stop")
    expect(all_gone(w, 1), "workers after -s stop: %s" % gone_report(inst, w))
    expect(not os.path.exists(inst.path("logs/zokiod.pid")), "pid file left after -s stop")


@test()
def t_signal_cli_quit():
    inst = proc_inst(1, "1").start()
    w = inst.wait_workers(1)
    rc, out = inst.cli(["-c", inst.conf, "-s", "quit"])
    eq(rc, 0, "exit status of -s quit (output %s)" % short(out))
    rc = inst.wait_exit(3)
    expect(rc is not None, "master still running 3 s after -s quit")
    eq(rc, 0, "master exit status after -s quit")
    expect(all_gone(w, 1), "workers after -s quit: %s" % gone_report(inst, w))


@test()
def t_signal_cli_no_master():
    inst = proc_inst(1, "1")
    rc, out = inst.cli(["-c", inst.conf, "-s", "reload"])
    expect(rc != 0, "-s reload without a running master exited 0: %s" % short(out))
    expect(inst.path("logs/zokiod.pid") in out, "-s reload without a pid file: message does not "
           "name %s: %s" % (inst.path("logs/zokiod.pid"), short(out, 300)))


@test()
def t_signal_cli_bad_action():
    inst = proc_inst(1, "1")
    rc, out = inst.cli(["-c", inst.conf, "-s", "explode"])
    expect(rc != 0, "-s explode exited 0: %s" % short(out))


def reopen_check(inst, send):
    tok = "r%x" % int(time.time() * 1e6)
    status(get(inst.port, "/?%s-one" % tok), 200)
    expect(log_line(inst, "logs/access.log", tok + "-one"),
           "no line in logs/access.log within %.1f s" % LOG_FLUSH)
    os.rename(inst.path("logs/access.log"), inst.path("logs/access.log.1"))
    send()
    time.sleep(0.5)
    for i in range(6):
        status(get(inst.port, "/?%s-two%d" % (tok, i)), 200)
    for i in range(6):
        ln = log_line(inst, "logs/access.log", "%s-two%d" % (tok, i), LOG_FLUSH + 0.5)
        old = inst.read("logs/access.log.1") or ""
        if not ln:
            raise Fail("request %d after the reopen not in the new logs/access.log (%s)%s" % (
                i, "exists" if os.path.exists(inst.path("logs/access.log")) else "no such file",
                "; it went to the renamed file" if "%s-two%d" % (tok, i) in old else ""))
    old = inst.read("logs/access.log.1") or ""
    expect(tok + "-one" in old, "the renamed log lost its line")
    expect(tok + "-two" not in old, "lines after the reopen in the renamed file")


@test()
def t_reopen_usr1():
    inst = proc_inst(2, "1").start()
    inst.wait_workers(2)
    reopen_check(inst, lambda: inst.signal(signal.SIGUSR1))
    expect(inst.alive(), "master died after USR1: %s" % inst.how_died())


@test(zokiod_only=True)
def t_signal_log_lines():
    # nginx's notice lines: a reopen (USR1) is logged by the master and each worker, a reload
    # names its signal, the old workers' exits are logged ("worker process N exited with code
    # 0"), and so is a graceful stop (before: nothing at a reopen nor at the old workers' exit)
    inst = Inst("siglines")
    inst.write_conf("worker_processes 2;\nerror_log logs/error.log notice;\nevents { }\n"
                    "http {\n    server {\n        listen 127.0.0.1:%P0%;\n    }\n}\n")
    inst.start()
    old = inst.wait_workers(2)

    def logged(text, n=1):
        return wait_for(lambda: (inst.read("logs/error.log") or "").count(text) >= n, 3)

    inst.signal(signal.SIGUSR1)
    expect(logged("[notice] %d#0: signal 10 (SIGUSR1) received, reopening logs" % inst.pid),
           "no master line for USR1: %s" % short(inst.read("logs/error.log"), 400))
    expect(logged("reopening logs", 4),  # the master's two lines, one per worker
           "a worker did not log its reopen: %s" % short(inst.read("logs/error.log"), 600))
    inst.signal(signal.SIGHUP)
    expect(logged("signal 1 (SIGHUP) received, reconfiguring"), "no line for HUP: %s"
           % short(inst.read("logs/error.log"), 400))
    inst.wait_workers(2, exclude=old)
    for pid in old:
        expect(logged("[notice] %d#0: worker process %d exited with code 0" % (inst.pid, pid)),
               "no exit line for old worker %d: %s" % (pid, short(inst.read("logs/error.log"),
                                                                  600)))
    inst.signal(signal.SIGQUIT)
    eq(inst.wait_exit(5), 0, "exit status after QUIT")
    log = inst.read("logs/error.log") or ""
    for text in ("signal 3 (SIGQUIT) received, shutting down", "%d#0: exit" % inst.pid):
        expect(text in log, "no `%s` in: %s" % (text, short(log, 600)))


@test()
def t_signal_cli_reopen():
    inst = proc_inst(2, "1").start()
    inst.wait_workers(2)

    def send():
        rc, out = inst.cli(["-c", inst.conf, "-s", "reopen"])
        eq(rc, 0, "exit status of -s reopen (output %s)" % short(out))

    reopen_check(inst, send)


@test(limit=30)
def t_quit_graceful():
    inst = proc_inst(1, "1")
    sha = put_big(inst)
    inst.start()
    w = inst.wait_workers(1)
    dl = SlowGet(inst.port, "/big.bin", 3 * 1024 * 1024)
    dl.start()
    expect(wait_for(lambda: dl.got >= 512 * 1024 or dl.done, 5), "download did not start")
    expect(not dl.error, "download: %s" % dl.error)
    idle = Conn(inst.port)  # an idle keep-alive connection must not hold the stop
    idle.send(req("/"))
    status(idle.response(), 200)
    inst.signal(signal.SIGQUIT)
    time.sleep(0.5)
    expect(not dl.done, "download ended (%s) 0.5 s after SIGQUIT" % (dl.error or "complete"))
    expect(inst.alive(), "master exited (%s) 0.5 s after SIGQUIT, during a download"
           % inst.how_died())
    dl.join(15)
    expect(dl.done, "download not finished 15 s after SIGQUIT")
    expect(not dl.error, "in-flight download during SIGQUIT: %s" % dl.error)
    eq((dl.got, dl.sha.hexdigest()), (BIG, sha), "downloaded bytes, sha256")
    rc = inst.wait_exit(3)
    idle.close()
    expect(rc is not None, "master still running 3 s after the last download (an idle "
           "keep-alive connection open)")
    eq(rc, 0, "master exit status after SIGQUIT")
    expect(all_gone(w, 1), "worker after SIGQUIT: %s" % gone_report(inst, w))
    expect(not os.path.exists(inst.path("logs/zokiod.pid")), "pid file left after SIGQUIT")


@test()
def t_term_fast():
    inst = proc_inst(2, "1")
    put_big(inst)
    inst.start()
    w = inst.wait_workers(2)
    dl = SlowGet(inst.port, "/big.bin", 64 * 1024)  # would take 160 s
    dl.start()
    expect(wait_for(lambda: dl.got > 0 or dl.done, 5), "download did not start")
    idle = Conn(inst.port)
    idle.send(req("/"))
    status(idle.response(), 200)
    t0 = time.monotonic()
    inst.signal(signal.SIGTERM)
    rc = inst.wait_exit(3)
    dt = time.monotonic() - t0
    idle.close()
    expect(rc is not None, "master still running 3 s after SIGTERM (slow download in flight)")
    expect(dt < 1.5, "SIGTERM took %.2f s" % dt)
    expect(rc in (0, -signal.SIGTERM), "master exit after SIGTERM: %s" % inst.how_died())
    expect(all_gone(w, 1), "workers after SIGTERM: %s" % gone_report(inst, w))
    expect(not os.path.exists(inst.path("logs/zokiod.pid")), "pid file left after SIGTERM")


@test()
def t_sigint_fast():
    inst = proc_inst(1, "1").start()
    w = inst.wait_workers(1)
    inst.signal(signal.SIGINT)
    rc = inst.wait_exit(2)
    expect(rc is not None, "master still running 2 s after SIGINT")
    expect(all_gone(w, 1), "workers after SIGINT: %s" % gone_report(inst, w))
    expect(not os.path.exists(inst.path("logs/zokiod.pid")), "pid file left after SIGINT")


@test(limit=40)
def t_reload_under_wrk():
    wrk = shutil.which("wrk")
    if not wrk:
        raise Skip("wrk is not installed")
    inst = proc_inst(2, "0").start()
    inst.wait_workers(2)
    wrk_reloads(inst, wrk, 5, 6)


def wrk_reloads(inst, wrk, reloads, seconds):
    """wrk -t2 -c50 for `seconds` s while `reloads` HUPs (each a new X-Gen) are sent 1 s apart:
    no socket error, no non-2xx."""
    p = subprocess.Popen([wrk, "-t2", "-c50", "-d%ds" % seconds,
                          "http://127.0.0.1:%d/index.html" % inst.port],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(0.5)
        for i in range(1, reloads + 1):
            inst.write_conf(re.sub(r"X-Gen \w+;", "X-Gen %d;" % i, inst.last_conf_text))
            inst.signal(signal.SIGHUP)
            time.sleep(1.0)
        out, _ = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        raise Fail("wrk still running 15 s after the last reload")
    finally:
        if p.poll() is None:
            kill_group(p.pid)
            p.wait()
    out = out.decode("utf-8", "replace")
    one = " | ".join(l.strip() for l in out.splitlines() if l.strip())
    expect(p.returncode == 0, "wrk exit status %d: %s" % (p.returncode, one))
    m = re.search(r"(\d+) requests in", out)
    expect(m and int(m.group(1)) >= 1000, "wrk made too few requests: " + one)
    n = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    expect(not m or not any(int(x) for x in m.groups()),
           "%s during %d reloads (%d requests)" % (m.group(0) if m else "", reloads, n))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    expect(not m, "%s of %d during %d reloads" % (m.group(0) if m else "", n, reloads))
    expect(inst.alive(), "master died: %s" % inst.how_died())
    eq(gen_of(inst.port), str(reloads), "X-Gen after the %d reloads" % reloads)
    inst.wait_workers(2, timeout=5)


@test()
def t_worker_respawn_quick_death():
    # a worker dying right after its start is respawned too (perhaps after a pause)
    inst = proc_inst(1).start()
    prev = inst.wait_workers(1)
    for round in (1, 2):
        os.kill(prev[0], signal.SIGKILL)
        new = wait_for(lambda: (lambda c: c if len(c) == 1 and c != prev else None)(
            inst.workers()), 3.0, 0.01)
        expect(new, "round %d: no new worker 3 s after kill -9 of a young worker %d: children "
               "%s" % (round, prev[0], inst.workers()))
        expect(wait_for(lambda: serves(inst.port), 1), "round %d: not serving" % round)
        prev = new
    expect(inst.alive(), "master died: %s" % inst.how_died())


@test()
def t_listen_ipv6():
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
    except OSError as e:
        raise Skip("no IPv6 loopback: %s" % e)
    inst = Inst("v6")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        listen [::1]:%P0%;\n        root html;\n    }\n}\n")
    inst.put("html/index.html", "v6\n")
    inst.start()
    s = socket.create_connection(("::1", inst.port), timeout=IO_TIMEOUT)
    try:
        s.sendall(req("/", host="[::1]:%d" % inst.port, headers=["Connection: close"]))
        data = harness.recv_until_close(s)
    finally:
        s.close()
    expect(data.startswith(b"HTTP/1.1 200"), "GET over [::1]: %s" % short(data))
    expect(data.endswith(b"\r\n\r\nv6\n"), "body over [::1]: %s" % short(data))


@test()
def t_listen_reuseport():
    inst = Inst("reuse")
    inst.write_conf("worker_processes 2;\nevents { }\nhttp {\n    server {\n"
                    "        listen 127.0.0.1:%P0% reuseport;\n        root html;\n"
                    "        add_header X-Gen 1;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    old = inst.wait_workers(2)
    for i in range(20):
        eq(gen_of(inst.port), "1", "request %d" % i)
    inst.write_conf(inst.last_conf_text.replace("X-Gen 1", "X-Gen 2"))
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "2")
    expect(all_gone(old, 5), "old workers 5 s after the reload: %s" % gone_report(inst, old))
    for i in range(20):
        eq(gen_of(inst.port), "2", "request %d after the reload" % i)


def refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


@test()
def t_reload_listen_and_workers():
    inst = Inst("relisten", 2)
    text = ("worker_processes %s;\nevents { }\nhttp {\n    server {\n"
            "        listen 127.0.0.1:%s;\n        root html;\n    }\n}\n")
    inst.write_conf(text % (2, "%P0%"))
    inst.put("html/index.html", "x\n")
    inst.start(wait_ports=[inst.ports[0]])
    old = inst.wait_workers(2)
    inst.write_conf(text % (3, "%P1%"))
    inst.signal(signal.SIGHUP)
    expect(wait_for(lambda: serves(inst.ports[1]), 3), "new listen port not served 3 s after "
           "the reload; stderr: %s" % inst.stderr_tail())
    expect(wait_for(lambda: refused(inst.ports[0]), 3),
           "the old listen port still accepts 3 s after a reload without it")
    inst.wait_workers(3, timeout=5, exclude=old)


def listening_inodes(pid):
    """Inodes of the sockets in LISTEN that process `pid` holds."""
    listen = set()
    for tbl in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(tbl) as f:
                for ln in f.read().splitlines()[1:]:
                    c = ln.split()
                    if c[3] == "0A":
                        listen.add(c[9])
        except OSError:
            pass
    held = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            held.add(t[8:-1])
    return held & listen


@test(limit=90)
def t_reload_listen_sockets_owned_once():
    # Reloads that alternately drop and add a listen while old generations still drain (a
    # half-sent head keeps each one's worker): the address an old generation still holds is
    # shared, not bound twice (EADDRINUSE) nor closed twice; in the end the master holds exactly
    # the current configuration's listening socket and still watches its worker
    inst = Inst("owned", 2)
    both = ("worker_processes 1;\nerror_log logs/error.log info;\nevents { }\nhttp {\n"
            "    server {\n        listen 127.0.0.1:%P0%;\n        listen 127.0.0.1:%P1%;\n"
            "        root html;\n    }\n}\n")
    one = both.replace("        listen 127.0.0.1:%P1%;\n", "")
    inst.write_conf(both)
    inst.put("html/index.html", "x\n")
    inst.start()
    inst.wait_workers(1)
    held = []
    try:
        for rnd in range(5):  # drop, add, drop, add, drop
            c = socket.create_connection(("127.0.0.1", inst.ports[rnd % 2 == 0 and 1 or 0]),
                                         timeout=5)
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # keeps this generation draining
            held.append(c)
            time.sleep(0.1)
            add = rnd % 2 == 1
            inst.write_conf(both if add else one)
            inst.signal(signal.SIGHUP)
            time.sleep(0.5)
            err = inst.read("logs/error.log") or ""
            expect("failed" not in err and "keeping the running" not in err,
                   "round %d: the reload failed: %s" % (rnd, short(err, 400)))
            for _ in range(3):
                status(get(inst.ports[0], "/"), 200, "round %d: port 0" % rnd)
            if add:
                status(get(inst.ports[1], "/"), 200, "round %d: the listen added back" % rnd)
    finally:
        for c in held:
            c.close()
    expect(wait_for(lambda: len(inst.workers()) == 1, 10),
           "old workers still there 10 s after their connections closed: %s" % inst.workers())
    expect(wait_for(lambda: refused(inst.ports[1]), 3),
           "the dropped listen still accepts once every generation that had it is gone")
    want = listening_inodes(inst.workers()[0])
    eq(len(want), 1, "listening sockets of the worker")
    eq(listening_inodes(inst.pid), want, "the master's listening sockets (the current "
       "configuration's only)")
    w = inst.workers()[0]
    time.sleep(max(0.0, 1.2 - (time.monotonic() - inst.started)))
    os.kill(w, signal.SIGKILL)
    new = wait_for(lambda: (lambda ws: ws if ws and w not in ws else None)(inst.workers()), 3)
    expect(new, "the master did not replace its worker after kill -9 (lost its pidfd?)")
    status(get(inst.ports[0], "/"), 200, "served after the respawn")
    expect(inst.alive(), "master died: %s" % inst.how_died())


@test()
def t_quit_worker_shutdown_timeout():
    inst = proc_inst(1)
    inst.write_conf("worker_shutdown_timeout 1s;\n" + inst.last_conf_text)
    put_big(inst)
    inst.start()
    w = inst.wait_workers(1)
    dl = SlowGet(inst.port, "/big.bin", 64 * 1024)  # would take 160 s
    dl.start()
    expect(wait_for(lambda: dl.got > 0 or dl.done, 5), "download did not start")
    t0 = time.monotonic()
    inst.signal(signal.SIGQUIT)
    rc = inst.wait_exit(4)
    dt = time.monotonic() - t0
    expect(rc is not None, "master still running 4 s after SIGQUIT with worker_shutdown_timeout "
           "1s and a slow download")
    expect(dt >= 0.7, "master exited %.2f s after SIGQUIT: did not wait for the download" % dt)
    expect(all_gone(w, 1), "worker: %s" % gone_report(inst, w))
    dl.join(5)
    expect(dl.error or dl.got < BIG, "the download completed?")


@test()
def t_access_log_flushed_at_exit():
    for sig in (signal.SIGQUIT, signal.SIGTERM):
        inst = proc_inst(1).start()
        inst.wait_workers(1)
        tok = "x%x" % int(time.time() * 1e6)
        status(get(inst.port, "/?" + tok), 200)
        inst.signal(sig)
        rc = inst.wait_exit(3)
        expect(rc is not None, "master still running 3 s after %s" % signal.Signals(sig).name)
        expect(tok in (inst.read("logs/access.log") or ""), "request answered right before %s "
               "not in the access log after the exit" % signal.Signals(sig).name)


@test(limit=40)
def t_access_log_no_line_lost_slow_disk():
    # The access log's file drains slower than requests come (a FIFO read at ~640 KB/s): every
    # answered request still gets its line; the worker waits for the writer instead of dropping
    inst = proc_inst(1)
    inst.write_conf(inst.last_conf_text.replace("access_log logs/access.log;",
                                                "access_log logs/slow.log;"))
    os.mkfifo(inst.path("logs/slow.log"))
    got = {"lines": 0, "tok": 0, "done": False}
    tok = "t%x" % int(time.time() * 1e6)

    def reader():
        with open(inst.path("logs/slow.log"), "rb", buffering=0) as f:
            rest = b""
            while True:
                d = f.read(65536)
                if not d:
                    break
                rest += d
                lines = rest.split(b"\n")
                rest = lines.pop()
                got["lines"] += len(lines)
                got["tok"] += sum(1 for ln in lines if tok.encode() in ln)
                time.sleep(0.1)
        got["done"] = True

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    inst.start()
    inst.wait_workers(1)
    n, batch, pad = 2000, 50, "p" * 300
    for b in range(n // batch):
        with Conn(inst.port, 20) as c:  # keepalive_requests is 1000: a connection a batch
            c.send(b"".join(req("/?%s&%d&%s" % (tok, b * batch + i, pad))
                            for i in range(batch)))
            for i in range(batch):
                try:
                    status(c.response(), 200)
                except Closed as e:
                    raise Fail("batch %d response %d: %s; error log %s" % (b, i, e, short(
                        inst.read("logs/error.log") or "", 600)))
    inst.signal(signal.SIGQUIT)
    expect(inst.wait_exit(15) is not None, "master still running 15 s after SIGQUIT")
    th.join(10)
    expect(got["done"], "the FIFO reader did not see the end of the log")
    err = inst.read("logs/error.log") or ""
    expect("dropped" not in err, "the error log reports dropped lines: %s"
           % short(str([ln for ln in err.splitlines() if "dropped" in ln]), 200))
    eq(got["tok"], n, "access log lines for %d answered requests" % n)


@test(zokiod_only=True)
def t_daemon_on():
    inst = proc_inst(1)
    inst.write_conf("daemon on;\n" + inst.last_conf_text)
    out = open(inst.path("daemon.out"), "wb")
    inst.proc = subprocess.Popen(inst.argv(["-c", inst.conf]), cwd=inst.prefix, env=server_env(),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                 start_new_session=True)
    out.close()
    INSTANCES.append(inst)
    rc = inst.wait_exit(5)
    expect(rc is not None, "`daemon on`: the started process is still running after 5 s")
    eq(rc, 0, "exit status of the started process (daemon on); output %s"
       % short(inst.read("daemon.out") or ""))
    got = wait_for(lambda: (inst.read("logs/zokiod.pid") or "").strip(), 3)
    expect(got, "no pid file 3 s after the start (daemon on)")
    dpid = int(got)
    expect(dpid != inst.pid and exists(dpid), "pid file names %d: not a running daemon" % dpid)
    expect(wait_for(lambda: serves(inst.port), 3), "the daemon does not serve")
    expect(os.getsid(dpid) != os.getsid(0), "the daemon did not start its own session")
    w = wait_for(lambda: children(dpid), 2)
    eq(len(w), 1, "workers of the daemon")
    rc, outp = inst.cli(["-c", inst.conf, "-s", "stop"])
    eq(rc, 0, "exit status of -s stop (output %s)" % short(outp))
    expect(wait_for(lambda: not exists(dpid), 3), "daemon still running 3 s after -s stop")
    expect(all_gone(w, 1), "workers of the daemon: %s" % gone_report(inst, w))


@test(zokiod_only=True)
def t_sd_notify():
    for kind in ("path", "abstract"):
        d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            if kind == "path":
                name = os.path.join(TMP, "notify-%d.sock" % os.getpid())
                d.bind(name)
                val = name
            else:
                name = "\0zokiod-test-notify-%d-%x" % (os.getpid(), int(time.time() * 1e6))
                d.bind(name)
                val = "@" + name[1:]
            d.settimeout(0.1)
            msgs = []

            def has(word):
                try:
                    msgs.append(d.recv(4096).decode("utf-8", "replace"))
                except socket.timeout:
                    pass
                return any(word in m.split("\n") for m in msgs)

            inst = proc_inst(1).start(env={"NOTIFY_SOCKET": val})
            expect(wait_for(lambda: has("READY=1"), 5, 0),
                   "%s NOTIFY_SOCKET: no READY=1 within 5 s (got %r)" % (kind, msgs))
            for m in msgs:
                for ln in m.split("\n"):
                    expect(not ln or re.match(r"^[A-Z_]+=", ln), "bad notify line %r" % ln)
                    mm = re.match(r"^MAINPID=(\d+)$", ln)
                    expect(not mm or int(mm.group(1)) == inst.pid, "%r: master is %d"
                           % (ln, inst.pid))
            inst.kill()
        finally:
            d.close()


@test(zokiod_only=True)
def t_shipped_conf_check():
    conf = os.path.join(REPO, "conf", "zokiod.conf")
    if not os.path.exists(conf):
        raise Skip("no conf/zokiod.conf")
    rc, out = Inst("t").cli(["-t", "-c", conf])
    want = "zokiod: configuration file %s test is successful" % conf
    expect(want in out.splitlines(), "no line %r in: %s" % (want, out.strip()))
    eq(rc, 0, "exit status")


@test(limit=30)
def t_reload_under_wrk_reuseport():
    wrk = shutil.which("wrk")
    if not wrk:
        raise Skip("wrk is not installed")
    inst = Inst("wrkreuse")
    inst.write_conf("worker_processes 2;\nevents { }\nhttp {\n    server {\n"
                    "        listen 127.0.0.1:%P0% reuseport;\n        root html;\n"
                    "        add_header X-Gen 0;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start()
    inst.wait_workers(2)
    wrk_reloads(inst, wrk, 3, 4)


# --- processes and tuning (issue 9) -----------------------------------------------------------------

ACCEPTED = """\
pcre_jit on;
load_module modules/ngx_http_echo_module.so;
events { }
http {
    types_hash_max_size 2048;
    server_names_hash_bucket_size 64;
    variables_hash_max_size 1024;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    client_body_temp_path tmp/body 1 2;
    proxy_temp_path tmp/proxy;
    gzip on;
    gzip_vary on;
    gzip_proxied any;
    gzip_comp_level 6;
    gzip_buffers 16 8k;
    gzip_http_version 1.1;
    gzip_types text/plain text/css application/json application/javascript text/xml;
    server {
        listen 127.0.0.1:%P0%;
        root html;
        location / {
            gzip on;
            gzip_min_length 1k;
            gzip_disable msie6;
        }
    }
}
"""


def warn_lines(text, what):
    return [l for l in text.splitlines() if "[warn]" in l and what in l]


@test(zokiod_only=True)
def t_check_accepted_directives_notes():
    # accepted without effect: -t succeeds; one warning for gzip (at the first `gzip on`), one
    # for load_module, the debug-level notes stay out of -t's output; -q silences the warnings
    inst = Inst("accepted")
    inst.write_conf(ACCEPTED)
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 0, "exit status of -t (output %s)" % short(out, 400))
    gz = warn_lines(out, "gzip is not supported by zokiod yet: responses are sent uncompressed")
    eq(len(gz), 1, "gzip warnings in the -t output (%s)" % short(out, 400))
    expect("%s:12: " % inst.conf in gz[0], "the gzip warning names FILE:12: %r" % gz[0])
    lm = warn_lines(out, 'load_module "modules/ngx_http_echo_module.so" ignored')
    eq(len(lm), 1, "load_module warnings in the -t output (%s)" % short(out, 400))
    expect("%s:2: " % inst.conf in lm[0], "the load_module warning names FILE:2: %r" % lm[0])
    expect("has no effect" not in out, "debug notes in the -t output: %s" % short(out, 400))
    rc, out = inst.cli(["-t", "-q", "-c", inst.conf])
    eq(rc, 0, "exit status of -t -q")
    eq(warn_lines(out, "gzip"), [], "warnings with -q")


@test(zokiod_only=True)
def t_gzip_warning_at_start_and_reload():
    # once at start (standard error: the error log is not open yet), once per reload (error log)
    inst = Inst("gzipwarn")
    conf = ("error_log logs/error.log info;\nevents { }\nhttp {\n    gzip on;\n"
            "    server {\n        listen 127.0.0.1:%P0%;\n        root html;\n"
            "        add_header X-Gen %GEN%;\n        gzip on;\n    }\n}\n")
    inst.write_conf(conf.replace("%GEN%", "1"))
    inst.put("html/index.html", "x\n")
    inst.start()
    what = "gzip is not supported by zokiod yet"
    eq(len(warn_lines(inst.stderr_text(), what)), 1, "gzip warnings on stderr at start (%s)"
       % inst.stderr_tail())
    r = get(inst.port, "/", headers=(("Accept-Encoding", "gzip"),))
    body_is(r, "x\n", "GET / with Accept-Encoding: gzip")
    eq(r.get("content-encoding"), None, "Content-Encoding")
    eq(warn_lines(inst.read("logs/error.log") or "", what), [], "gzip warnings in error.log "
       "before the reload")
    inst.write_conf(conf.replace("%GEN%", "2"))
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "2")
    got = warn_lines(inst.read("logs/error.log") or "", what)
    eq(len(got), 1, "gzip warnings in error.log after one reload (%s)"
       % short(inst.read("logs/error.log") or "", 400))
    expect("zokiod.conf:4: " in got[0], "the warning names zokiod.conf:4: %r" % got[0])


def proc_fields(pid):
    """/proc/PID/status as {field: value text}."""
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def creds(pid):
    """(uids, gids, supplementary groups) of a process: real, effective, saved, fs ids."""
    st = proc_fields(pid)
    return (tuple(int(x) for x in st["Uid"].split()), tuple(int(x) for x in st["Gid"].split()),
            sorted(int(x) for x in st.get("Groups", "").split()))


def nobody_ids():
    import grp
    import pwd
    pw = pwd.getpwnam("nobody")
    try:
        gr = grp.getgrnam("nobody")
    except KeyError:
        gr = grp.getgrnam("nogroup")
    return pw.pw_uid, gr.gr_gid, gr.gr_name


def need_root():
    if os.geteuid() != 0:
        raise Skip("not root: workers run as zokiod's own user, the user directive is ignored")
    need_searchable_root()


def need_searchable_root():
    if harness.ROOT_UNSEARCHABLE:
        raise Skip('"/" is not searchable by other users (a 0700 chroot): an unprivileged worker could open nothing')


def expect_workers_as(inst, n, uid, gid):
    groups = sorted(set(os.getgrouplist("nobody", gid))) if uid == nobody_ids()[0] else None
    for w in inst.wait_workers(n):
        # a worker seen right after fork is still setting itself up (as root): give it a moment
        wait_for(lambda: creds(w)[0] == (uid,) * 4, 2)
        u, g, gs = creds(w)
        eq(u, (uid,) * 4, "worker %d Uid (real, effective, saved, fs)" % w)
        eq(g, (gid,) * 4, "worker %d Gid" % w)
        if groups is not None:
            eq(gs, groups, "worker %d supplementary groups" % w)
    eq(creds(inst.pid)[0][1], 0, "the master's effective uid")


USER_CONF = """\
%USER%worker_processes 2;
error_log logs/error.log info;
events { }
http {
    access_log logs/access.log;
    server {
        listen 127.0.0.1:%P0%;
        root html;
    }
}
"""


@test(zokiod_only=True)
def t_user_workers_switch_and_logs_stay_writable():
    # `user nobody GROUP;` as root: the workers are nobody (every uid and gid, the groups of
    # nobody), the master stays root; the access and error logs the master opened are written;
    # after USR1 the master hands the new files to nobody, and the workers write them
    need_root()
    uid, gid, gname = nobody_ids()
    inst = Inst("user")
    inst.write_conf(USER_CONF.replace("%USER%", "user nobody %s;\n" % gname))
    inst.put("html/index.html", "index\n")
    inst.start()
    expect_workers_as(inst, 2, uid, gid)
    reopen_check(inst, lambda: inst.signal(signal.SIGUSR1))
    eq(os.stat(inst.path("logs/access.log")).st_uid, uid, "owner of the reopened access.log")
    os.rename(inst.path("logs/error.log"), inst.path("logs/error.log.1"))
    inst.signal(signal.SIGUSR1)
    # the master creates the file, then hands it over: wait for both
    expect(wait_for(lambda: os.path.exists(inst.path("logs/error.log")) and
                    os.stat(inst.path("logs/error.log")).st_uid == uid, 2),
           "no new logs/error.log owned by %d after USR1 (%s)" % (uid, os.path.exists(
               inst.path("logs/error.log")) and os.stat(inst.path("logs/error.log")).st_uid))
    time.sleep(0.3)
    tok = "nothing-%x" % int(time.time() * 1e6)
    for _ in range(4):  # both workers, whichever accepts
        status(get(inst.port, "/" + tok), 404)
    expect(wait_for(lambda: tok in (inst.read("logs/error.log") or ""), 2),
           "no `%s` open() error from a worker in the new error.log: %s"
           % (tok, short(inst.read("logs/error.log") or "(none)", 300)))
    expect_workers_as(inst, 2, uid, gid)


@test(zokiod_only=True)
def t_user_default_nobody_as_root():
    # no user directive, started as root: the workers are nobody (group nobody, or nogroup where
    # there is none: nginx's default); requests and the access log work as before
    need_root()
    uid, gid, _ = nobody_ids()
    inst = Inst("userdef")
    inst.write_conf(USER_CONF.replace("%USER%", ""))
    inst.put("html/index.html", "index\n")
    inst.start()
    expect_workers_as(inst, 2, uid, gid)
    tok = "d%x" % int(time.time() * 1e6)
    body_is(get(inst.port, "/?" + tok), "index\n", "GET /")
    expect(log_line(inst, "logs/access.log", tok), "no access log line within %.1f s" % LOG_FLUSH)


@test(zokiod_only=True)
def t_user_root_keeps_root():
    # `user root;` is what it says (nginx allows it)
    need_root()
    inst = Inst("userroot")
    inst.write_conf(USER_CONF.replace("%USER%", "user root;\n"))
    inst.put("html/index.html", "index\n")
    inst.start()
    expect_workers_as(inst, 2, 0, 0)


@test(zokiod_only=True)
def t_user_errors():
    need_root()
    conf_error("events { }\nuser zokiod-no-such-user;\n", 2,
               r'^getpwnam\("zokiod-no-such-user"\) failed$')
    conf_error("user nobody zokiod-no-such-group;\nevents { }\n", 1,
               r'^getgrnam\("zokiod-no-such-group"\) failed$')
    conf_error("user root;\nuser root;\n", 2, r'^"user" directive is duplicate$')


@test(zokiod_only=True)
def t_user_ignored_when_not_root():
    # nginx's warning, and -t still succeeds
    inst = Inst("usernr")
    inst.write_conf("user root;\nevents { }\nhttp {\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n    }\n}\n")
    wrap = []
    if os.geteuid() == 0:
        need_searchable_root()
        setpriv = shutil.which("setpriv")
        if not setpriv:
            raise Skip("root, and util-linux setpriv is missing to run -t as nobody")
        uid, gid, _ = nobody_ids()
        wrap = [setpriv, "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups"]
        os.chmod(inst.path("logs"), 0o777)  # -t opens logs/access.log, as nginx -t does
    p = subprocess.run(wrap + [ZOKIOD, "-t", "-c", inst.conf], cwd=inst.prefix,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLI_TIMEOUT)
    out = p.stdout.decode("utf-8", "replace")
    eq(p.returncode, 0, "exit status of -t (output %s)" % short(out, 300))
    want = ('%s:1: the "user" directive makes sense only if the master process runs with '
            'super-user privileges, ignored' % inst.conf)
    eq(len(warn_lines(out, want)), 1, "the warning in the -t output: %s" % short(out, 400))


def nofile_of(pid):
    """(soft, hard) "Max open files" of a process."""
    with open("/proc/%d/limits" % pid) as f:
        for l in f:
            if l.startswith("Max open files"):
                soft, hard = l.split()[3:5]
                return int(soft), int(hard)
    return None


@test(zokiod_only=True)
def t_worker_rlimit_nofile():
    # set in each worker, soft and hard (as nginx); the master keeps its own
    inst = Inst("nofile")
    hard = nofile_of(os.getpid())[1]
    n = min(hard - 7, 1234)  # below the hard limit: root without CAP_SYS_RESOURCE cannot go over
    if n < 256:
        raise Skip("the hard RLIMIT_NOFILE (%d) is too low" % hard)
    inst.write_conf("worker_processes 2;\nworker_rlimit_nofile %d;\nevents { }\nhttp {\n"
                    "    server {\n        listen 127.0.0.1:%%P0%%;\n        root html;\n    }\n}\n"
                    % n)
    inst.put("html/index.html", "x\n")
    inst.start()
    for w in inst.wait_workers(2):
        expect(wait_for(lambda: nofile_of(w) == (n, n), 2),
               "worker %d open files limit %s, expected (%d, %d)" % (w, nofile_of(w), n, n))
    expect(nofile_of(inst.pid) != (n, n), "the master's limit changed too: %s"
           % (nofile_of(inst.pid),))
    body_is(get(inst.port, "/"), "x\n", "GET /")


def cpus_of(pid):
    """The CPUs a process may run on (Cpus_allowed_list of /proc/PID/status), as a set."""
    out = set()
    for part in proc_fields(pid)["Cpus_allowed_list"].split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


@test(zokiod_only=True)
def t_worker_cpu_affinity():
    # masks: worker n on mask n (the last mask for the rest); auto: one CPU each, in turn, among
    # those zokiod may use
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise Skip("one CPU only")
    a, b = cpus[0], cpus[1]
    masks = "%s %s" % ("1" + "0" * a, "1" + "0" * b)
    for line, want in (("worker_cpu_affinity %s;" % masks, [{a}, {b}, {b}]),
                       ("worker_cpu_affinity auto;", [{c} for c in (cpus * 3)[:3]])):
        inst = Inst("affinity")
        inst.write_conf("worker_processes 3;\n%s\nevents { }\nhttp {\n    server {\n"
                        "        listen 127.0.0.1:%%P0%%;\n        root html;\n    }\n}\n" % line)
        inst.put("html/index.html", "x\n")
        inst.start()
        ws = inst.wait_workers(3)
        got = []
        for w in ws:
            wait_for(lambda: len(cpus_of(w)) == 1, 2)
            got.append(cpus_of(w))
        eq(sorted(map(sorted, got)), sorted(map(sorted, want)), "%s: CPUs of the 3 workers"
           % line)
        body_is(get(inst.port, "/"), "x\n", "GET /")
        inst.kill()


def thread_cpus(pid):
    """{tid: (thread name, its CPU set)} of every thread of a process (pool threads, io_uring's
    iou-wrk workers): threads that end meanwhile are left out."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                st = dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
        except OSError:
            continue
        cpus = set()
        for part in st["Cpus_allowed_list"].split(","):
            a, _, b = part.partition("-")
            cpus.update(range(int(a), int(b or a) + 1))
        out[int(tid)] = (st["Name"], cpus)
    return out


@test(zokiod_only=True)
def t_worker_cpu_affinity_threads():
    # every thread of a pinned worker is pinned with it: the access log's writer thread, the
    # runtime's pool threads and io_uring's io-wq workers start after the worker pinned itself
    # and inherit its CPU set; the requests below (cache misses, a big file's splices) make the
    # worker use what it has
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise Skip("one CPU only")
    a, b = cpus[0], cpus[1]
    inst = Inst("affthreads")
    inst.write_conf("worker_processes 2;\nworker_cpu_affinity %s %s;\nevents { }\nhttp {\n"
                    "    server {\n        listen 127.0.0.1:%%P0%%;\n        root html;\n"
                    "        open_file_cache off;\n    }\n}\n" % ("1" + "0" * a, "1" + "0" * b))
    for i in range(20):
        inst.put("html/f%d.txt" % i, "file %d\n" % i)
    big = os.urandom(3 << 20)  # over the 1 MiB sent inline: splices on io_uring
    inst.put("html/big.bin", big)
    inst.start()
    ws = inst.wait_workers(2)
    for w in ws:
        wait_for(lambda: len(cpus_of(w)) == 1, 2)
    # several connections, so both workers serve some
    for rnd in range(4):
        for i in range(20):
            body_is(get(inst.port, "/f%d.txt" % i), "file %d\n" % i, "GET /f%d.txt" % i)
        r = get(inst.port, "/big.bin")
        eq(len(r.body), len(big), "GET /big.bin length")
    seen = {}
    for w in ws:
        want = cpus_of(w)
        eq(len(want), 1, "worker %d pinned" % w)
        threads = thread_cpus(w)
        seen[w] = sorted(n for n, _ in threads.values())
        expect(len(threads) >= 2, "worker %d: threads %s, expected the loop's and the access "
               "log writer's at least" % (w, seen[w]))
        for tid, (name, got) in sorted(threads.items()):
            eq(sorted(got), sorted(want), "worker %d thread %d (%s): CPUs" % (w, tid, name))
    expect(sorted(map(sorted, (cpus_of(w) for w in ws))) == [[a], [b]],
           "workers on %s, expected [[%d], [%d]]" % ([sorted(cpus_of(w)) for w in ws], a, b))
    inst.kill()


# --- how responses are written: sendfile, tcp_nopush, tcp_nodelay, reset_timedout_connection --------


def io_of(pid):
    """/proc/PID/io of a whole process (its threads included) as a dict of counters."""
    with open("/proc/%d/io" % pid) as f:
        return {k: int(v) for k, v in (l.split(": ") for l in f)}


def io_delta(pids, fn):
    """Runs fn(); returns the sum over `pids` of how much each /proc/PID/io counter grew."""
    before = [io_of(p) for p in pids]
    fn()
    after = [io_of(p) for p in pids]
    return {k: sum(a[k] - b[k] for a, b in zip(after, before)) for k in after[0]}


def server_end(pids, client, timeout=2.0):
    """A duplicate of the server's socket of `client`'s connection, taken from the worker among
    `pids` that holds it with pidfd_getfd(2) (root, or the same user); None when not found."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    lport, rport = client.getsockname()[1], client.getpeername()[1]

    def find():
        inode = None
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                fl = line.split()
                if (int(fl[1].split(":")[1], 16) == rport
                        and int(fl[2].split(":")[1], 16) == lport):
                    inode = fl[9]
        for pid in pids:
            try:
                fds = os.listdir("/proc/%d/fd" % pid)
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "socket:[%s]" % inode:
                        continue
                except OSError:
                    continue
                pidfd = libc.syscall(434, pid, 0)  # pidfd_open
                if pidfd < 0:
                    return None
                dup = libc.syscall(438, pidfd, int(fd), 0)  # pidfd_getfd
                os.close(pidfd)
                return socket.socket(fileno=dup) if dup >= 0 else None
        return None

    return wait_for(find, timeout)


def tcp_opt(sock, opt):
    return sock.getsockopt(socket.IPPROTO_TCP, opt)


IO_CONF = """\
worker_processes 1;
events { }
http {
    access_log off;
    sendfile on;
%HTTP%
    server {
        listen 127.0.0.1:%P0%;
        root html;
%SERVER%
        location /rd/ { alias html/; sendfile off; }
        location /chunk/ { alias html/; sendfile_max_chunk 32k; }
        location /whole/ { alias html/; sendfile_max_chunk 0; }
        location /on/ { alias html/; tcp_nodelay on; tcp_nopush on; }
        location /off/ { alias html/; tcp_nodelay off; tcp_nopush off; }
        location /quiet/ { return 444; }
    }
    server {
        listen 127.0.0.1:%P1%;
        root html;
    }
}
"""


def io_inst(name, http="", server=""):
    inst = Inst(name, 2)
    inst.write_conf(IO_CONF.replace("%HTTP%", http).replace("%SERVER%", server))
    data = os.urandom(8 << 20)
    inst.put("html/big.bin", data)
    inst.put("html/small.txt", "small\n")
    inst.start()
    inst.big_sha = hashlib.sha256(data).hexdigest()
    return inst


def fetch_big(inst, path):
    r = get(inst.port, path)
    status(r, 200, path)
    eq(hashlib.sha256(r.body).hexdigest(), inst.big_sha, path + ": body")


@test(zokiod_only=True)
def t_sendfile_off_reads_and_writes():
    # sendfile off: the worker reads the file (its read counters grow by the file's size, in
    # 32 KiB reads) and writes it from memory; sendfile on: what it reads it writes through the
    # kernel (sendfile counts both the same way; io_uring's splice counts neither)
    inst = io_inst("sendfile")
    ws = inst.wait_workers(1)
    size = 8 << 20
    d = io_delta(ws, lambda: fetch_big(inst, "/rd/big.bin"))
    expect(d["rchar"] - d["wchar"] >= size * 9 // 10 and d["syscr"] >= size // 32768,
           "sendfile off: the worker did not read the file itself: %s" % d)
    d = io_delta(ws, lambda: fetch_big(inst, "/big.bin"))
    expect(abs(d["rchar"] - d["wchar"]) < size // 4,
           "sendfile on: the worker read the file into memory: %s" % d)


@test(zokiod_only=True)
def t_sendfile_max_chunk():
    # sendfile_max_chunk 32k: no sendfile call moves more (8 MiB: at least 256 calls)
    inst = io_inst("sfchunk")
    ws = inst.wait_workers(1)
    d = io_delta(ws, lambda: fetch_big(inst, "/chunk/big.bin"))
    expect(d["syscr"] >= (8 << 20) // 32768,
           "sendfile_max_chunk 32k: %d sendfile calls for 8 MiB (%s)" % (d["syscr"], d))
    fetch_big(inst, "/whole/big.bin")


@test(zokiod_only=True)
def t_tcp_nodelay_per_location():
    # the default server's setting from the accept on, then each location's for its responses
    if os.geteuid() != 0:
        raise Skip("not root: pidfd_getfd on a worker's socket may be refused")
    inst = io_inst("nodelay", server="        tcp_nodelay off;")
    ws = inst.wait_workers(1)
    with Conn(inst.port) as c:
        srv = server_end(ws, c.s)
        expect(srv is not None, "the worker's end of the connection not found")
        eq(tcp_opt(srv, socket.TCP_NODELAY), 0, "TCP_NODELAY at accept (server: tcp_nodelay off)")
        for path, want in (("/on/small.txt", 1), ("/small.txt", 0), ("/on/small.txt", 1)):
            c.send(req(path))
            status(c.response("GET"), 200, path)
            eq(bool(tcp_opt(srv, socket.TCP_NODELAY)), bool(want), "TCP_NODELAY after GET " + path)
        srv.close()
    with Conn(inst.ports[1]) as c:  # a server with the default, on
        srv = server_end(ws, c.s)
        eq(bool(tcp_opt(srv, socket.TCP_NODELAY)), True, "TCP_NODELAY at accept (default)")
        srv.close()


def stalled_get(inst, path):
    """A connection that asks for `path` and reads nothing: the response stops half-way."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.settimeout(IO_TIMEOUT)
    s.connect(("127.0.0.1", inst.port))
    s.sendall(req(path))
    return s


@test(zokiod_only=True)
def t_tcp_nopush_corks_sendfile_responses():
    # tcp_nopush with sendfile: the socket is corked while the response is sent, uncorked once
    # it is all out; not without tcp_nopush, nor with sendfile off
    if os.geteuid() != 0:
        raise Skip("not root: pidfd_getfd on a worker's socket may be refused")
    inst = io_inst("nopush", http="    tcp_nopush on;")
    ws = inst.wait_workers(1)
    for path, corked in (("/big.bin", 1), ("/on/big.bin", 1), ("/off/big.bin", 0),
                         ("/rd/big.bin", 0)):
        s = stalled_get(inst, path)
        srv = server_end(ws, s)
        expect(srv is not None, "%s: the worker's end of the connection not found" % path)
        time.sleep(0.2)
        eq(tcp_opt(srv, socket.TCP_CORK), corked, "TCP_CORK while %s is half sent" % path)
        got, sha = 0, hashlib.sha256()
        head = b""
        while b"\r\n\r\n" not in head:
            head += s.recv(65536)
        head, body = head.split(b"\r\n\r\n", 1)
        got += len(body)
        sha.update(body)
        while got < 8 << 20:
            d = s.recv(1 << 20)
            expect(d, "%s: closed after %d bytes" % (path, got))
            got += len(d)
            sha.update(d)
        eq(sha.hexdigest(), inst.big_sha, path + ": body")
        expect(wait_for(lambda: tcp_opt(srv, socket.TCP_CORK) == 0, 2),
               "TCP_CORK still set after %s was sent" % path)
        srv.close()
        s.close()


@test(zokiod_only=True)
def t_reset_timedout_connection():
    # on: a request timed out while its head was read ends with a RST, as does `return 444`;
    # an idle keep-alive connection still ends with a FIN; off (the other server): a FIN
    inst = io_inst("reset", http="    client_header_timeout 1s;\n    keepalive_timeout 1s;",
                   server="        reset_timedout_connection on;")

    def ends_with(port, data, after_request=False):
        s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        try:
            if after_request:
                s.sendall(req("/small.txt"))
                r = s.recv(65536)
                expect(r.startswith(b"HTTP/1.1 200"), "GET /small.txt: %s" % short(r))
            s.sendall(data)
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        return "FIN"
            except ConnectionResetError:
                return "RST"
        finally:
            s.close()

    eq(ends_with(inst.port, b"GET / HTTP/1.1\r\nHost: x\r\n"), "RST",
       "head timed out (reset_timedout_connection on)")
    eq(ends_with(inst.port, req("/quiet/")), "RST", "return 444 (reset_timedout_connection on)")
    eq(ends_with(inst.port, b"", after_request=True), "FIN", "idle keep-alive timed out")
    eq(ends_with(inst.ports[1], b"GET / HTTP/1.1\r\nHost: x\r\n"), "FIN",
       "head timed out (reset_timedout_connection off)")


OFC_CONF = """\
worker_processes 1;
events { }
http {
    access_log off;
    server {
        listen 127.0.0.1:%P0%;
        root html;
        location /max/ { alias html/; open_file_cache max=2; }
        location /uses/ { alias html/; open_file_cache max=100; open_file_cache_min_uses 2; }
        location /off/ { alias html/; open_file_cache off; }
        location /idle/ { alias html/; open_file_cache max=100 inactive=1s; }
        location /valid/ {
            alias html/;
            open_file_cache max=100;
            open_file_cache_valid 3s;
            open_file_cache_errors on;
        }
    }
}
"""


def open_files(pid, prefix):
    """The files under `prefix` that process `pid` holds open."""
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith(prefix):
            out.append(t)
    return sorted(out)


def held(w, html, want, what):
    """The worker ends up holding exactly `want` (it lets go of a file once its last bytes are
    sent, which may be just after the client has them)."""
    wait_for(lambda: open_files(w, html) == want, 1.5)
    eq(open_files(w, html), want, what)


@test(zokiod_only=True)
def t_open_file_cache_keeps_what_it_says():
    # files over 32 KiB keep their fd while cached: which ones the worker holds shows what the
    # cache kept. max=2: two (the cache has room for every max= written: 2 + 100 + 100 + 100);
    # min_uses 2: from the second use; off: none; inactive=1s: dropped after a quiet second
    inst = Inst("ofc")
    inst.write_conf(OFC_CONF)
    for i in range(5):
        inst.put("html/f%d.bin" % i, os.urandom(65536))
    inst.start()
    (w,) = inst.wait_workers(1)
    html = inst.path("html") + "/"
    for i in range(5):
        status(get(inst.port, "/off/f%d.bin" % i), 200)
    held(w, html, [], "files held after GET /off/* (open_file_cache off)")
    status(get(inst.port, "/uses/f0.bin"), 200)
    held(w, html, [], "files held after one GET /uses/f0.bin (min_uses 2)")
    status(get(inst.port, "/uses/f0.bin"), 200)
    held(w, html, [html + "f0.bin"], "files held after the second GET /uses/f0.bin")
    status(get(inst.port, "/idle/f1.bin"), 200)
    expect(html + "f1.bin" in open_files(w, html), "f1.bin not held after GET /idle/f1.bin")
    expect(wait_for(lambda: html + "f1.bin" not in open_files(w, html), 4),
           "f1.bin still held 4 s after its last use (inactive=1s)")
    held(w, html, [html + "f0.bin"], "files held once /idle/ expired")


@test(zokiod_only=True)
def t_open_file_cache_max_entries():
    # a single open_file_cache max=2: the worker's cache keeps at most 2 entries
    inst = Inst("ofcmax")
    inst.write_conf("worker_processes 1;\nevents { }\nhttp {\n    access_log off;\n"
                    "    open_file_cache max=2;\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n        root html;\n    }\n}\n")
    for i in range(5):
        inst.put("html/f%d.bin" % i, os.urandom(65536))
    inst.start()
    (w,) = inst.wait_workers(1)
    html = inst.path("html") + "/"
    for i in range(5):
        status(get(inst.port, "/f%d.bin" % i), 200)
    held(w, html, [html + "f3.bin", html + "f4.bin"],
         "files held after 5 GETs with max=2 (the 2 used last)")


@test(zokiod_only=True, limit=30)
def t_open_file_cache_valid_and_errors():
    # valid 3s: a change is seen only once the entry is checked again (within 4 s), as in nginx;
    # errors on: a missing file stays missing that long too; off: seen at once
    inst = Inst("ofcvalid")
    inst.write_conf(OFC_CONF)
    inst.put("html/v.txt", "one\n")
    inst.start()
    body_is(get(inst.port, "/valid/v.txt"), "one\n", "GET /valid/v.txt")
    status(get(inst.port, "/valid/new.txt"), 404, "GET /valid/new.txt")
    body_is(get(inst.port, "/off/v.txt"), "one\n", "GET /off/v.txt")
    inst.put("html/v.txt", "two, longer\n")
    inst.put("html/new.txt", "new\n")
    body_is(get(inst.port, "/off/v.txt"), "two, longer\n", "GET /off/v.txt right after a change")
    t0 = time.monotonic()
    r = get(inst.port, "/valid/v.txt")
    if time.monotonic() - t0 < 1.5:  # well within valid: the entry of before
        body_is(r, "one\n", "GET /valid/v.txt right after a change (open_file_cache_valid 3s)")
        status(get(inst.port, "/valid/new.txt"), 404, "GET /valid/new.txt right after it was "
               "created (open_file_cache_errors on)")
    expect(wait_for(lambda: get(inst.port, "/valid/v.txt").text() == "two, longer\n", 5, 0.2),
           "GET /valid/v.txt still the old file 5 s after the change")
    body_is(get(inst.port, "/valid/new.txt"), "new\n", "GET /valid/new.txt later")


DEBIAN_NGINX_CONF = """\
user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include modules-enabled/*.conf;

events {
\tworker_connections 768;
\t# multi_accept on;
}

http {

\t##
\t# Basic Settings
\t##

\tsendfile on;
\ttcp_nopush on;
\ttypes_hash_max_size 2048;
\t# server_tokens off;

\t# server_names_hash_bucket_size 64;
\t# server_name_in_redirect off;

\tinclude mime.types;
\tdefault_type application/octet-stream;

\t##
\t# SSL Settings
\t##

\tssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE
\tssl_prefer_server_ciphers on;

\t##
\t# Logging Settings
\t##

\taccess_log /var/log/nginx/access.log;

\t##
\t# Gzip Settings
\t##

\tgzip on;

\t# gzip_vary on;
\t# gzip_proxied any;
\t# gzip_comp_level 6;
\t# gzip_buffers 16 8k;
\t# gzip_http_version 1.1;
\t# gzip_types text/plain text/css application/json application/javascript text/xml application/xml application/xml+rss text/javascript;

\t##
\t# Virtual Host Configs
\t##

\tinclude conf.d/*.conf;
\tinclude sites-enabled/*;
}
"""

DEBIAN_DEFAULT_SITE = """\
server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;
\troot /var/www/html;
\tindex index.html index.htm index.nginx-debian.html;
\tserver_name _;
\tlocation / {
\t\t# try_files $uri $uri/ =404;  (another part of issue 9)
\t}
}
"""


@test(zokiod_only=True)
def t_debian_stock_nginx_conf():
    # Debian 12's /etc/nginx/nginx.conf with its includes (module, mime.types, the default site):
    # every directive of processes and tuning passes -t; gzip and load_module warn
    try:
        import pwd
        pwd.getpwnam("www-data")
    except KeyError:
        raise Skip("no user www-data here")
    inst = Inst("debian")
    inst.mime_types()
    inst.write_conf("load_module modules/ngx_http_echo_module.so;\n",
                    "conf/modules-enabled/50-mod-http-echo.conf")
    inst.write_conf(DEBIAN_DEFAULT_SITE, "conf/sites-enabled/default")
    os.makedirs(inst.path("conf/conf.d"))
    inst.write_conf(DEBIAN_NGINX_CONF)
    rc, out = inst.cli(["-t", "-c", inst.conf])
    eq(rc, 0, "exit status of -t (output %s)" % short(out, 500))
    eq(len(warn_lines(out, "gzip is not supported")), 1, "the gzip warning (%s)" % short(out, 500))
    eq(len(warn_lines(out, "load_module")), 1, "the load_module warning")


# --- the command line: -T, -g, -e, -c under -p (issue 9) ---------------------------------------------


def cli_at(inst, args, cwd):
    p = subprocess.run([ZOKIOD] + args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=CLI_TIMEOUT, env=server_env())
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


@test(zokiod_only=True)
def t_cli_T_dumps_every_file_once():
    # nginx's -T: the test, then each file read (main first, then includes in reading order,
    # each once) on stdout after "# configuration file PATH:", as read, and a line feed
    inst = Inst("dump")
    main = ("events { }\nhttp {\n    include mime.types;\n    include sites/*.conf;\n"
            "    include mime.types;\n}")  # no final line feed: printed as is
    inst.mime_types()
    a = inst.write_conf("server {\n    listen 127.0.0.1:%P0%;  # a\n}\n", "conf/sites/a.conf")
    b = inst.write_conf("# b: nothing but a comment\n", "conf/sites/b.conf")
    inst.write_conf(main)
    with open(inst.path("conf/mime.types")) as f:
        mime = f.read()
    want = "".join("# configuration file %s:\n%s\n" % (p, t) for p, t in (
        (inst.conf, inst.last_conf_text), (inst.path("conf/mime.types"), mime),
        (a, inst.read(a)), (b, inst.read(b))))
    rc, out, err = cli_at(inst, ["-T", "-c", inst.conf], inst.prefix)
    eq(rc, 0, "exit status of -T (stderr %s)" % short(err))
    eq(out, want, "-T output")
    expect("test is successful" in err, "-T: no `test is successful` on stderr: %s" % short(err))
    rc, out, err = cli_at(inst, ["-T", "-q", "-c", inst.conf], inst.prefix)
    eq((rc, out, err), (0, want, ""), "-T -q: the dump alone")
    inst.write_conf(main.replace("events { }", "events { roo; }"))
    rc, out, err = cli_at(inst, ["-T", "-c", inst.conf], inst.prefix)
    eq((rc, out), (1, ""), "-T on a broken file: exit 1, no dump")
    expect("test failed" in err, "-T on a broken file: %s" % short(err))


@test(zokiod_only=True)
def t_cli_g_global_directives():
    # -g: main-context directives read before the file (as nginx); kept for reloads
    inst = Inst("g")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        root html;\n        add_header X-Gen 1;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    inst.start(["-c", inst.conf, "-g", "worker_processes 3; pid logs/g.pid;"])
    inst.wait_workers(3)
    expect(wait_for(lambda: inst.read("logs/g.pid"), 2), "no pid file logs/g.pid from -g")
    inst.write_conf(inst.last_conf_text.replace("X-Gen 1", "X-Gen 2"))
    inst.signal(signal.SIGHUP)
    wait_gen(inst, "2")
    old = set(inst.seen)
    expect(wait_for(lambda: len(inst.workers()) == 3 and not set(inst.workers()) & old, 5),
           "3 new workers after the reload (-g kept): %s" % inst.workers())


@test(zokiod_only=True)
def t_cli_g_errors():
    inst = Inst("gerr")
    inst.write_conf("worker_processes 2;\nevents { }\n")
    for g, want in (
            ("worker_processes 3;", '%s:1: "worker_processes" directive is duplicate' % inst.conf),
            ("roo 1;", 'command line: unknown directive "roo"'),
            ("events { }", "command line: block directives are not supported in -g option"),
            ("daemon maybe;", 'command line: invalid value "maybe" in "daemon" directive'),
            ("daemon off", 'command line: unexpected end of file')):
        rc, out = inst.cli(["-t", "-c", inst.conf, "-g", g])
        eq(rc, 1, "-t -g %r: exit status (output %s)" % (g, short(out)))
        expect(("zokiod: [emerg] " + want) in out, "-t -g %r: no `zokiod: [emerg] %s` in %s"
               % (g, want, short(out, 300)))


@test(zokiod_only=True)
def t_cli_e_error_log():
    # -e FILE: the log before the configuration is read (warnings there, and echoed on stderr),
    # and the error log when the file names none; relative to -p
    inst = Inst("elog")
    inst.write_conf("events { }\nhttp {\n    gzip on;\n    server {\n"
                    "        listen 127.0.0.1:%P0%;\n        root html;\n    }\n}\n")
    inst.put("html/index.html", "x\n")
    rc, out, err = cli_at(inst, ["-t", "-p", inst.prefix, "-e", "logs/e.log", "-c", inst.conf], "/")
    eq(rc, 0, "-t -e: exit status (stderr %s)" % short(err))
    what = "gzip is not supported by zokiod yet"
    eq(len(warn_lines(inst.read("logs/e.log") or "", what)), 1, "the warning in logs/e.log")
    expect("zokiod: [warn] %s:3: %s" % (inst.conf, what) in err,
           "the warning echoed on stderr: %s" % short(err, 300))
    os.remove(inst.path("logs/e.log"))
    inst.start(["-p", inst.prefix, "-e", "logs/e.log", "-c", inst.conf])
    tok = "missing-%x" % int(time.time() * 1e6)
    status(get(inst.port, "/" + tok), 404)
    expect(wait_for(lambda: tok in (inst.read("logs/e.log") or ""), 2),
           "no `%s` error in logs/e.log (the error log of a file without error_log): %s"
           % (tok, short(inst.read("logs/e.log") or "(none)", 300)))
    rc, out, err = cli_at(inst, ["-t", "-e", "stderr", "-c", inst.conf], inst.prefix)
    eq(rc, 0, "-t -e stderr: exit status (stderr %s)" % short(err))
    eq(len(warn_lines(err, what)), 1, "-e stderr: the warning on stderr once (%s)" % short(err))


@test(zokiod_only=True)
def t_cli_c_under_prefix():
    # as nginx: with -p, a relative -c is taken against the prefix, not the current directory
    inst = Inst("cpfx")
    inst.write_conf("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                    "        root html;\n    }\n}\n")
    inst.put("html/index.html", "under -p\n")
    rc, out, err = cli_at(inst, ["-t", "-p", inst.prefix, "-c", "conf/zokiod.conf"], "/")
    eq(rc, 0, "-t -p PREFIX -c conf/zokiod.conf from / (stderr %s)" % short(err))
    expect("configuration file %s test is successful" % inst.conf in err, short(err, 300))
    inst.start(["-p", inst.prefix, "-c", "conf/zokiod.conf"], cwd="/")
    body_is(get(inst.port, "/"), "under -p\n", "GET /")


# --- runner -----------------------------------------------------------------------------------------


def cleanup(instances):
    for inst in instances:
        try:
            inst.kill()
        except Exception:
            pass


def main():
    global TMP
    sel = sys.argv[1:]
    tests = harness.select(TESTS, sel)
    harness.setup_process((signal.SIGTERM, signal.SIGHUP))
    TMP = tempfile.mkdtemp(prefix="zokiod-conf-")
    os.chmod(TMP, 0o755)
    out = harness.Report("conf")
    try:
        for name, fn, limit, zokiod_only in tests:
            if zokiod_only and NGINX:
                out.result("skip", name, "zokiod only")
                continue
            kind, why = harness.run_test(fn, limit)
            try:
                crashed = [i for i in INSTANCES + list(FIXTURES.values())
                           if i.proc is not None and i.proc.poll() is not None
                           and i.proc.returncode < 0
                           and i.proc.returncode not in (-signal.SIGTERM, -signal.SIGKILL,
                                                         -signal.SIGINT, -signal.SIGQUIT)]
                if crashed:
                    kind = "FAIL"
                    why = "zokiod died (%s); stderr: %s%s" % (
                        crashed[0].how_died(), crashed[0].stderr_tail(),
                        "; test: " + why if why else "")
                san = [l.strip() for i in INSTANCES + list(FIXTURES.values())
                       for l in i.stderr_text().splitlines()
                       if "Sanitizer" in l or "runtime error:" in l]
                if san:
                    kind = "FAIL"
                    why = "sanitizer report: %s%s" % (" | ".join(san[:3])[:300],
                                                       "; test: " + why if why else "")
            finally:
                cleanup(INSTANCES)
                INSTANCES.clear()
            out.result(kind, name, why)
            if kind == "FAIL":
                for k, inst in list(FIXTURES.items()):
                    if not inst.alive():
                        inst.kill()
                        del FIXTURES[k]
    finally:
        signal.alarm(0)
        cleanup(INSTANCES)
        cleanup(FIXTURES.values())
        shutil.rmtree(TMP, ignore_errors=True)
    return out.finish()


# expires, etag, if_modified_since, charset, charset_types, log_not_found: bad values in a
# location (line 6), with nginx's words where nginx has some
SERVE_ERRORS = [
    ("expires 1x;", r'^invalid value "1x" in "expires" directive$'),
    ("expires changed 1h;", r'^invalid value "changed" in "expires" directive$'),
    ("expires modified @1h;", r'^daily time cannot be used with "modified" parameter$'),
    ("expires @25h;", r'^daily time value must be less than 24 hours$'),
    ("expires $e;", r'^variable "\$e" in "expires" directive is not supported by zokiod$'),
    ("etag maybe;", r'^invalid value "maybe" in "etag" directive, it must be "on" or "off"$'),
    ("if_modified_since after;", r'^invalid value "after" in "if_modified_since" directive, '
     r'it must be "off", "exact" or "before"$'),
    ("charset \"utf 8\";", r'^invalid value "utf 8" in "charset" directive$'),
    ("charset_types text;", r'^invalid value "text" in "charset_types" directive$'),
    ("log_not_found no;", r'^invalid value "no" in "log_not_found" directive'),
    ("source_charset koi8-r;", r'^"source_charset" directive is not supported by zokiod$'),
    ("override_charset yes;", r'^invalid value "yes" in "override_charset" directive'),
    ("charset_map koi8-r utf-8 { }", r'^"charset_map" directive is not supported by zokiod$'),
    ("etag on; etag off;", r'^"etag" directive is duplicate$'),
]


@test(zokiod_only=True)
def t_serve_directive_errors():
    """Each bad value of the directives of conf/serve.c is refused by -t naming FILE:LINE."""
    for line, pattern in SERVE_ERRORS:
        conf_error("events { }\nhttp {\n    server {\n        listen 127.0.0.1:%P0%;\n"
                   "        location / {\n            " + line + "\n        }\n    }\n}\n",
                   6, pattern, what=line + ": ")


LOG_NOT_FOUND = """\
error_log logs/error.log info;
events { }
http {
    server {
        listen 127.0.0.1:%P0%;
        server_name lnf.test;
        root html;
        location /quiet/ { log_not_found off; }
    }
}
"""


@test()
def t_log_not_found():
    """A missing file is nginx's error-level line with its context (log_not_found on, the
    default); with `log_not_found off` nothing is logged; a missing directory is the index
    module's "is not found" line."""
    inst = Inst("lnf")
    inst.write_conf(LOG_NOT_FOUND)
    inst.put("html/index.html", "index\n")
    inst.start()
    root = os.path.join(inst.prefix, "html")
    status(get(inst.port, "/quiet/missing.txt", "lnf.test"), 404, "quiet")
    status(get(inst.port, "/quiet/nodir/", "lnf.test"), 404, "quiet directory")
    status(get(inst.port, "/missing.txt", "lnf.test"), 404, "logged")
    status(get(inst.port, "/nodir/", "lnf.test"), 404, "logged directory")
    want = ('[error] ', 'open() "%s/missing.txt" failed (2: No such file or directory), '
            'client: 127.0.0.1, server: lnf.test, request: "GET /missing.txt HTTP/1.1", '
            'host: "lnf.test"' % root)
    want_dir = ('"%s/nodir/index.html" is not found (2: No such file or directory), '
                'client: 127.0.0.1, server: lnf.test, request: "GET /nodir/ HTTP/1.1"' % root)
    log = wait_for(lambda: [ln for ln in (inst.read("logs/error.log") or "").splitlines()
                            if want[1] in ln], 3)
    expect(log and want[0] in log[0], "no `%s` at error level in the error log: %s"
           % (want[1], short(inst.read("logs/error.log") or "", 600)))
    text = inst.read("logs/error.log") or ""
    expect(want_dir in text, "no `%s` in the error log: %s" % (want_dir, short(text, 600)))
    expect("/quiet/" not in text, "log_not_found off, still logged: %s" % short(text, 600))


if __name__ == "__main__":
    sys.exit(main())
