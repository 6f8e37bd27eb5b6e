# SPDX-License-Identifier: MIT
"""The harness shared by the black-box integration tests (http_test.py, conf_test.py).

What both suites need, once: where zokiod is and which backend it runs on, the test registry and
runner (one `ok   SUITE/NAME [backend]`, `FAIL ...: reason` or `skip ...: reason` line per test,
then `N passed, N failed[, N skipped]`), the Fail/Skip exceptions and the per-test deadline, free
loopback ports, a started process and its stderr, and a raw-socket HTTP/1.1 client. A suite
imports what it uses and keeps its own fixtures, tests and main(). Python 3 standard library only.
"""

import os
import re
import resource
import signal
import socket
import subprocess
import time

BACKEND = os.environ.get("ZOKIOD_BACKEND") or "auto"

# Root, in a system whose "/" other users cannot search (a chroot made in a 0700 directory, as
# the CI's fresh Debian is): a worker that drops to an unprivileged user (nginx's default `user
# nobody` when the master is root) can then open nothing by path. Tests that need it skip; the
# others run their workers as root (ROOT_WORKERS_ARGS) so they test what they are about.
ROOT_UNSEARCHABLE = os.geteuid() == 0 and not (os.stat("/").st_mode & 0o001)
ROOT_WORKERS_ARGS = ["-g", "user root;"] if ROOT_UNSEARCHABLE else []
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("ZOKIOD_BUILD") or "build"
if not os.path.isabs(BUILD):
    BUILD = os.path.join(REPO, BUILD)
ZOKIOD = os.path.join(BUILD, "zokiod")

IO_TIMEOUT = 5.0  # one socket operation
TEST_LIMIT = 20  # one test, hard limit (SIGALRM)
START_TIMEOUT = 5.0


class Fail(Exception):
    pass


class Skip(Exception):
    pass


class Closed(Fail):
    """The server closed (or reset) the connection."""


class NoAnswer(Fail):
    """Nothing (more) arrived within the timeout."""


class HardTimeout(BaseException):
    """SIGALRM: the test ran past its limit."""


_deadline = [0.0]


def left():
    """Seconds left before the running test's deadline."""
    return _deadline[0] - time.monotonic()


def short(b, n=120):
    """repr() of the first `n` bytes (or characters) of `b`, "..." when there is more."""
    if isinstance(b, str):
        return repr(b[:n]) + ("..." if len(b) > n else "")
    b = bytes(b)
    return repr(b[:n]) + ("..." if len(b) > n else "")


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: expected %r, got %r" % (what, want, got))


# --- the test registry and runner ---------------------------------------------------------------


def registry():
    """A new test list and its decorator: `@test(limit=S, zokiod_only=B)` on `def t_NAME()`
    appends (NAME, fn, limit, zokiod_only)."""
    tests = []

    def test(limit=TEST_LIMIT, zokiod_only=False):
        def deco(fn):
            tests.append((fn.__name__[2:], fn, limit, zokiod_only))
            return fn

        return deco

    return tests, test


def select(tests, sel):
    """The tests whose name contains one of the strings in `sel` (all when it is empty)."""
    return [t for t in tests if not sel or any(s in t[0] for s in sel)]


def on_alarm(signum, frame):
    raise HardTimeout()


def on_term(signum, frame):
    raise SystemExit(128 + signum)


def setup_process(stop_signals=()):
    """Raises RLIMIT_NOFILE to 4096 (or the hard limit), turns SIGALRM into HardTimeout and each
    of `stop_signals` into SystemExit, and ignores SIGPIPE."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    signal.signal(signal.SIGALRM, on_alarm)
    for sig in stop_signals:
        signal.signal(sig, on_term)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def run_test(fn, limit):
    """Runs one test under its deadline and a SIGALRM `limit` + 2 s later; returns (kind, why):
    ("ok  ", None), ("skip", reason) or ("FAIL", reason)."""
    _deadline[0] = time.monotonic() + limit
    signal.alarm(limit + 2)
    kind, why = "ok  ", None
    try:
        fn()
    except Skip as e:
        kind, why = "skip", str(e)
    except Fail as e:
        kind, why = "FAIL", str(e)
    except HardTimeout:
        kind, why = "FAIL", "timed out after %d s" % (limit + 2)
    except Exception as e:
        kind, why = "FAIL", "%s: %s" % (type(e).__name__, e)
    finally:
        signal.alarm(0)
    return kind, why


class Report:
    """Prints the result lines of suite `suite` and counts them."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = self.failed = self.skipped = 0

    def line(self, kind, name, why=None):
        print("%s %s/%s [%s]%s" % (kind, self.suite, name, BACKEND, ": " + why if why else ""),
              flush=True)

    def result(self, kind, name, why=None):
        """Prints one test's line and counts it as failed, skipped or passed."""
        self.line(kind, name, why)
        if kind == "FAIL":
            self.failed += 1
        elif kind == "skip":
            self.skipped += 1
        else:
            self.passed += 1

    def finish(self, show_skipped=False):
        """Prints `N passed, N failed[, N skipped]`; returns the exit status (1 if any failed)."""
        if self.skipped or show_skipped:
            print("%d passed, %d failed, %d skipped" % (self.passed, self.failed, self.skipped),
                  flush=True)
        else:
            print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def recv_until_close(s):
    """Everything the peer sends on socket s until it closes the connection."""
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            return data
        data += d


def wait_for(pred, timeout, step=0.02):
    """Polls pred() until it returns a true value or `timeout` s pass; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


# --- processes ----------------------------------------------------------------------------------


def free_ports(n):
    """`n` distinct loopback TCP ports that were free a moment ago."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def server_env():
    """The environment for zokiod: ours, with ZOKIOD_BACKEND unless it is "auto"."""
    env = dict(os.environ)
    if BACKEND != "auto":
        env["ZOKIOD_BACKEND"] = BACKEND
    return env


class Process:
    """A server process started in its own session, stdout and stderr appended to `errpath`.
    Subclasses set self.proc = None and self.errpath."""

    def spawn(self, argv, cwd, env, marker=b""):
        """Starts argv; stderr_text() then reads what it writes (after `marker`)."""
        err = open(self.errpath, "ab")
        if marker:
            err.write(marker)
            err.flush()
        self.errstart = err.tell()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err, start_new_session=True)
        err.close()

    def wait_accepting(self, ports, step, who, late, on_late=None):
        """Waits up to START_TIMEOUT until every port accepts a connection. Raises Fail
        "WHO failed to start: ..." if the process exits, else, after calling on_late(),
        Fail(late % (port, START_TIMEOUT, stderr tail)) when time runs out."""
        end = time.monotonic() + START_TIMEOUT
        for port in ports:
            while True:
                if self.proc.poll() is not None:
                    raise Fail("%s failed to start: %s; stderr: %s"
                               % (who, self.how_died(), self.stderr_tail()))
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    pass
                if time.monotonic() > end:
                    if on_late:
                        on_late()
                    raise Fail(late % (port, START_TIMEOUT, self.stderr_tail()))
                time.sleep(step)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def how_died(self):
        rc = self.proc.poll()
        if rc is None:
            return "running"
        if rc < 0:
            try:
                return "killed by signal %s" % signal.Signals(-rc).name
            except ValueError:
                return "killed by signal %d" % -rc
        return "exit status %d" % rc

    def stderr_text(self):
        try:
            with open(self.errpath, "rb") as f:
                f.seek(getattr(self, "errstart", 0))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr_tail(self, n=400):
        t = self.stderr_text().strip().replace("\n", " | ")
        return t[-n:] if t else "(empty)"


class RootServer(Process):
    """`zokiod -r ROOT -l 127.0.0.1:PORT` (a master and one worker), optionally under a command
    prefix (`wrap`, e.g. setpriv or prlimit)."""

    def __init__(self, root, tmp, wrap=(), name="zokiod"):
        self.root = root
        self.wrap = list(wrap)  # a command prefix, e.g. setpriv ...
        self.tmp = tmp
        self.proc = None
        self.port = 0
        self.starts = 0
        self.errpath = os.path.join(tmp, name + ".stderr")

    def start(self):
        """Starts zokiod on a free port and waits until it accepts; raises Fail otherwise."""
        if not os.access(ZOKIOD, os.X_OK):
            raise Fail("server failed to start: no executable %s (build it with make BUILD=...)"
                       % ZOKIOD)
        self.port = free_ports(1)[0]
        self.starts += 1
        self.spawn(self.wrap + [ZOKIOD, "-r", self.root, "-l", "127.0.0.1:%d" % self.port],
                   REPO, server_env(), b"--- start %d\n" % self.starts)
        self.wait_accepting([self.port], 0.05, "server",
                            "server failed to start: not accepting on port %d after %.0f s; "
                            "stderr: %s", self.stop)

    def stop(self):
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(3)

    def answers(self):
        """A plain GET on a new connection gets a 200 within 2 s."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(b"GET /a/c.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return s.recv(16).startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    def worker(self):
        """The pid of the worker serving (zokiod -r runs a master and one worker)."""
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        if len(kids) != 1:
            raise Fail("the master %d has %d children, not one worker" % (self.proc.pid, len(kids)))
        return kids[0]

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.worker()))

    def rss_kib(self):
        with open("/proc/%d/status" % self.worker()) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


# --- a raw HTTP/1.1 client ----------------------------------------------------------------------


def req(path, method="GET", headers=(), version="HTTP/1.1", host="localhost", body=b""):
    """Builds request bytes; `headers` are "Name: value" strings or (name, value) pairs."""
    lines = ["%s %s %s" % (method, path, version)]
    if host is not None:
        lines.append("Host: " + host)
    for h in headers:
        lines.append(h if isinstance(h, str) else "%s: %s" % h)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Response:
    def __init__(self, version, status, reason, headers, head=b""):
        self.version, self.status, self.reason = version, status, reason
        self.headers = headers  # [(lowercase name, value)]
        self.head = head
        self.body = b""

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    def get(self, name):
        v = self.all(name)
        if len(v) > 1:
            raise Fail("response has %d %s headers: %r" % (len(v), name, v))
        return v[0] if v else None

    def tokens(self, name):
        return {t.strip().lower() for v in self.all(name) for t in v.split(",") if t.strip()}

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "%d %s" % (self.status, self.reason)


STATUS_RE = re.compile(rb"^HTTP/(\d\.\d) (\d{3}) ?([^\r\n]*)$")
STATUS_STRICT_RE = re.compile(rb"^HTTP/(\d\.\d) (\d{3}) ([^\r\n]*)$")


class Conn:
    """One client connection to 127.0.0.1:port. A suite tunes it in a subclass:"""

    STRICT = False  # also reject: a status line without a space after the code, a bare CR in
    # a header line, a non-digit Content-Length, a bad chunk end, 64 KiB without a CRLF
    SEND_BLOCKED = "send blocked for %.0f s"  # % timeout
    CLOSE_WAIT = "%.1f s"  # % timeout, in "server did not close the connection within ..."

    def __init__(self, port, timeout=IO_TIMEOUT):
        self.timeout = timeout
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        self.s.close()

    def reset(self):
        """Closes with an RST (SO_LINGER 0)."""
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.s.close()

    def check(self, r):
        """Called on every response head read with common=True; raises Fail (no-op here)."""

    def send(self, data):
        self.s.settimeout(max(0.1, min(self.timeout, left())))
        try:
            self.s.sendall(data)
        except socket.timeout:
            raise NoAnswer(self.SEND_BLOCKED % self.timeout)
        except OSError as e:
            raise Closed("send failed: %s" % e)

    def _recv(self, timeout=None):
        t = min(timeout or self.timeout, left())
        if t <= 0:
            raise Fail("test deadline passed while waiting for the server")
        self.s.settimeout(t)
        try:
            d = self.s.recv(1 << 18)
        except socket.timeout:
            raise NoAnswer("nothing within %.1f s (have %s)" % (t, short(self.buf)))
        except ConnectionResetError:
            raise Closed("connection reset (have %s)" % short(self.buf))
        if not d:
            raise Closed("connection closed (have %s)" % short(self.buf))
        self.buf += d

    def _need(self, n):
        while len(self.buf) < n:
            self._recv()

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            if self.STRICT and len(self.buf) > 65536:
                raise Fail("no CRLF in %s" % short(self.buf))
            self._recv()

    def response(self, method="GET", common=True):
        """Reads the next response (a 1xx too); `method` says whether a body follows."""
        try:
            while True:
                i = self.buf.find(b"\r\n\r\n")
                if i >= 0:
                    break
                if len(self.buf) > 1 << 20:
                    raise Fail("response head over 1 MiB: %s" % short(self.buf))
                self._recv()
        except Closed as e:
            if not self.buf:
                raise Closed("connection closed without a response")
            raise Closed("connection closed inside a response head: %s" % e)
        head = bytes(self.buf[:i])
        del self.buf[: i + 4]
        lines = head.split(b"\r\n")
        m = (STATUS_STRICT_RE if self.STRICT else STATUS_RE).match(lines[0])
        if not m:
            raise Fail("bad status line %s" % short(lines[0]))
        headers = []
        for ln in lines[1:]:
            hm = re.match(rb"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$", ln)
            if not hm or (self.STRICT and (b"\r" in ln or b"\n" in ln)):
                raise Fail("bad response header line %s" % short(ln))
            headers.append((hm.group(1).decode().lower(), hm.group(2).decode("latin-1")))
        r = Response(m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1"),
                     headers, head)
        if common:
            self.check(r)
        if r.status < 200 or r.status in (204, 304) or method == "HEAD":
            return r
        te = r.tokens("transfer-encoding")
        cl = r.get("content-length")
        try:
            if te:
                expect(te == {"chunked"}, "unexpected Transfer-Encoding %r" % te)
                r.body = self._chunked()
            elif cl is not None:
                if self.STRICT:
                    expect(re.fullmatch(r"\d+", cl) is not None, "bad Content-Length %r" % cl)
                n = int(cl)
                self._need(n)
                r.body = bytes(self.buf[:n])
                del self.buf[:n]
            else:
                while True:
                    try:
                        self._recv()
                    except Closed:
                        break
                r.body = bytes(self.buf)
                self.buf.clear()
        except Closed as e:
            raise Closed("%d response: body cut short: %s" % (r.status, e))
        return r

    def _chunked(self):
        body = bytearray()
        while True:
            line = self._line()
            n = int(line.split(b";")[0], 16)
            if n == 0:
                while self._line():
                    pass
                return bytes(body)
            self._need(n + 2)
            body += self.buf[:n]
            if self.STRICT:
                expect(self.buf[n : n + 2] == b"\r\n", "bad chunk end")
            del self.buf[: n + 2]

    def _after_response(self, timeout):
        """No more bytes are buffered or arrive within `timeout`: returns "closed" (EOF or RST)
        or "open" (nothing came)."""
        expect(not self.buf, "unexpected bytes after the response: %s" % short(self.buf))
        try:
            self._recv(timeout)
        except Closed:
            return "closed"
        except NoAnswer:
            return "open"
        raise Fail("unexpected bytes after the response: %s" % short(self.buf))

    def expect_closed(self, timeout=3.0):
        """The server must close now: no more bytes, then EOF or RST."""
        if self._after_response(timeout) == "open":
            raise Fail("server did not close the connection within " + self.CLOSE_WAIT % timeout)

    def expect_quiet(self, timeout=0.3):
        """Nothing more arrives within `timeout` (and the connection stays open)."""
        if self._after_response(timeout) == "closed":
            raise Fail("server closed the connection")


def exchange(conn, data, method="GET"):
    """Sends `data` on `conn`, reads one response and closes `conn`."""
    with conn as c:
        c.send(data)
        return c.response(method)


def status(r, want, what=""):
    """r.status is `want` (or one of the tuple `want`)."""
    ok = r.status in want if isinstance(want, tuple) else r.status == want
    if not ok:
        raise Fail("%sexpected status %s, got %d %s (body %s)"
                   % (what + ": " if what else "", want, r.status, r.reason, short(r.body, 80)))


def media_type(r):
    ct = r.get("content-type")
    return ct.split(";")[0].strip().lower() if ct else None
