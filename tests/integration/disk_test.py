#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A document root on a disk that does not answer: zokiod's loop must not wait for it.

dm-delay and loop devices are not available here nor in CI (a debootstrap chroot), and a FIFO
does not block zokiod's open (it opens with O_NONBLOCK, as nginx does: a FIFO is a 403 at once).
What blocks open(2) in the kernel, genuinely, is fanotify: a listener that marks a file for
FAN_OPEN_PERM holds every open of it until the listener answers (as an on-access virus scanner
or a hierarchical storage manager fetching a file from tape does). This suite is that listener
(ctypes; needs root: CAP_SYS_ADMIN, else each test skips). While one request's open is held for
HOLD seconds (the autoindex test's directory is opened twice: 2 x HOLD), other connections'
requests (files already cached, and files never seen, whose lookups go to the thread pool too)
must complete with their latency unaffected (max well under HOLD, asserted loosely); once
allowed, the held request gets its right answer (the file, its index, its try_files or
error_page result, a listing). The worker's fd count is back to its baseline after
each test, also when the client of a held request has gone (its lookup completes for a dead
request: the fd it opened is closed), and a graceful stop (SIGQUIT) waits for a held lookup.

Output: `ok   disk/NAME [backend]: figures`, FAIL or skip lines, then `N passed, N failed[, N
skipped]`. Python 3 standard library only.
"""

import ctypes
import os
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZOKIOD, Conn, Fail, Skip, expect, free_ports, req, server_env, wait_for  # noqa

HOLD = 1.5  # s an open of the held file is held
MANY = 1000  # never-seen files the others ask for (wrapping round: then cached)
PAUSE = 0.002  # s between two of the others' requests
OTHERS_MAX = 0.5  # s: the others' worst latency while it is held (no wait: a few ms)

FAN_CLASS_CONTENT = 0x08
FAN_CLOEXEC = 0x01
FAN_NONBLOCK = 0x02
FAN_MARK_ADD = 0x01
FAN_OPEN_PERM = 0x00010000
FAN_ONDIR = 0x40000000
FAN_ALLOW = 0x01
AT_FDCWD = -100

CONF = """worker_processes 1;
error_log logs/error.log info;
events { worker_connections 256; }
http {
    access_log off;
    keepalive_requests 100000;  # the others' connection outlives a long hold
    server {
        listen 127.0.0.1:%(port)d;
        root html;
        error_page 404 /err/404.html;
        location /t/ { try_files $uri /t/held.txt =404; }
        location /list/ { autoindex on; }
    }
}
"""

TMP = ""
LIBC = ctypes.CDLL(None, use_errno=True)


class Holder:
    """A fanotify listener holding every open of the marked files for `hold` seconds each (from
    the open's event), then allowing it. held[] lists when each open was seen."""

    def __init__(self, paths, hold, mask=FAN_OPEN_PERM):
        self.fd = LIBC.fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, os.O_RDONLY)
        if self.fd < 0:
            raise Skip("fanotify_init: %s (needs root)" % os.strerror(ctypes.get_errno()))
        for p in paths:
            if LIBC.fanotify_mark(self.fd, FAN_MARK_ADD, ctypes.c_uint64(mask),
                                  AT_FDCWD, p.encode()) < 0:
                e = ctypes.get_errno()
                os.close(self.fd)
                raise Skip("fanotify_mark %s: %s" % (p, os.strerror(e)))
        self.hold = hold
        self.held = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        pending = []  # (allow at, event fd)
        while not self.stop or pending:
            r, _, _ = select.select([self.fd], [], [], 0.01)
            if r:
                try:
                    buf = os.read(self.fd, 4096)
                except BlockingIOError:
                    buf = b""
                off = 0
                while off + 24 <= len(buf):
                    ev_len, _, _, _, _, efd, _ = struct.unpack_from("IBBHQii", buf, off)
                    self.held.append(time.monotonic())
                    pending.append((time.monotonic() + (0 if self.stop else self.hold), efd))
                    off += ev_len
            now = time.monotonic()
            for item in [p for p in pending if p[0] <= now or self.stop]:
                os.write(self.fd, struct.pack("iI", item[1], FAN_ALLOW))
                os.close(item[1])
                pending.remove(item)
        os.close(self.fd)

    def close(self):
        self.stop = True
        self.t.join(5)


class Inst(harness.Process):
    def __init__(self):
        self.prefix = tempfile.mkdtemp(prefix="disk-", dir=TMP)
        os.chmod(self.prefix, 0o755)
        for d in ("conf", "html", "logs", "html/dir", "html/t", "html/err", "html/many",
                  "html/list"):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)
        self.port = free_ports(1)[0]
        self.proc = None
        self.errpath = os.path.join(self.prefix, "stderr.txt")

    def path(self, rel):
        return os.path.join(self.prefix, "html", rel)

    def put(self, rel, data):
        with open(self.path(rel), "wb") as f:
            f.write(data)
        return self.path(rel)

    def start(self):
        with open(os.path.join(self.prefix, "conf", "zokiod.conf"), "w") as f:
            f.write(CONF % {"port": self.port})
        self.spawn([ZOKIOD] + harness.ROOT_WORKERS_ARGS +
                   ["-c", os.path.join(self.prefix, "conf", "zokiod.conf")], self.prefix,
                   server_env())
        self.wait_accepting([self.port], 0.02, "zokiod",
                            "zokiod not accepting on port %d %.0f s after start; stderr: %s")

    def worker(self):
        w = wait_for(lambda: children(self.proc.pid), 3)
        expect(len(w) == 1, "expected one worker, have %s" % w)
        return w[0]

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.worker()))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(3)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def get(conn, path):
    conn.send(req(path))
    return conn.response()


def setup():
    """A started server with the files every test uses, warmed up (the pool's threads started)
    so that the fd baseline is taken with everything but the tests' lookups in place."""
    s = Inst()
    s.put("fast.txt", b"fast\n")
    s.put("held.txt", b"the held file\n")
    s.put("dir/index.html", b"<p>held index</p>\n")
    s.put("t/held.txt", b"try_files fallback\n")
    s.put("list/entry.txt", b"listed\n")
    s.put("err/404.html", b"<p>held error page</p>\n")
    for i in range(MANY):
        s.put("many/f%d.txt" % i, b"file %d\n" % i)
    s.start()
    with Conn(s.port) as c:
        for p in ("/fast.txt", "/many/f0.txt"):
            get(c, p)
    return s


def others(port, stop, lat, errors, prefix):
    """Requests on a keep-alive connection until `stop`: the cached /fast.txt and never-seen
    files in turn; each latency appended to lat."""
    i = 0
    try:
        with Conn(port) as c:
            while not stop.is_set():
                path = "/fast.txt" if i % 2 else "/many/f%d.txt" % ((prefix + i // 2) % MANY)
                t = time.monotonic()
                r = get(c, path)
                lat.append(time.monotonic() - t)
                if r.status != 200:
                    errors.append("%s: %d" % (path, r.status))
                i += 1
                time.sleep(PAUSE)
    except Fail as e:
        errors.append(str(e))


def held_request(s, path, want_status, want_body, files, mask=FAN_OPEN_PERM):
    """One request for `path` whose open of `files` is held; others run meanwhile. Returns the
    figures; fails when the held request was not really held, or the others waited."""
    base = s.fds()
    h = Holder([s.path(f) for f in files], HOLD, mask)
    stop, lat, errors = threading.Event(), [], []
    th = threading.Thread(target=others, args=(s.port, stop, lat, errors, 1))
    try:
        th.start()
        with Conn(s.port) as c:
            t = time.monotonic()
            r = get(c, path)
            took = time.monotonic() - t
    finally:
        stop.set()
        th.join(10)
        h.close()
    expect(h.held, "the open of %s was never seen by fanotify" % files)
    expect(took >= HOLD * 0.9, "the held request took %.2f s, not the %.1f s hold" % (took, HOLD))
    expect(r.status == want_status, "%s: status %d, want %d" % (path, r.status, want_status))
    expect(want_body(r.body) if callable(want_body) else r.body == want_body,
           "%s: body %r, want %r" % (path, r.body[:200], want_body))
    expect(not errors, "the other connection: %s" % errors[:3])
    expect(len(lat) > 20, "the other connection made only %d requests meanwhile" % len(lat))
    worst = max(lat)
    expect(worst < OTHERS_MAX, "the others waited: max latency %.3f s while held" % worst)
    after = wait_for(lambda: s.fds() <= base, 2) and s.fds()
    expect(s.fds() <= base, "worker fds %d before, %d after" % (base, s.fds()))
    return "held %.2f s; others: %d requests, max %.1f ms; fds %d -> %d" % (
        took, len(lat), worst * 1000, base, after)


TESTS, test = harness.registry()


def run(fn):
    s = setup()
    try:
        return fn(s)
    finally:
        s.kill()


@test(limit=20)
def t_file():
    return run(lambda s: held_request(s, "/held.txt", 200, b"the held file\n", ["held.txt"]))


@test(limit=20)
def t_index():
    return run(lambda s: held_request(s, "/dir/", 200, b"<p>held index</p>\n",
                                      ["dir/index.html"]))


@test(limit=20)
def t_try_files():
    return run(lambda s: held_request(s, "/t/none", 200, b"try_files fallback\n",
                                      ["t/held.txt"]))


@test(limit=20)
def t_error_page():
    return run(lambda s: held_request(s, "/missing", 404, b"<p>held error page</p>\n",
                                      ["err/404.html"]))


@test(limit=20)
def t_autoindex():
    """The listing's directory opens are held (FAN_ONDIR; twice: the index module's check that
    it is a directory, then the listing's own open): its read, stats and page are built on the
    pool meanwhile."""
    return run(lambda s: held_request(s, "/list/", 200, lambda b: b'<a href="entry.txt">' in b,
                                      ["list"], FAN_OPEN_PERM | FAN_ONDIR))


@test(limit=20)
def t_client_gone():
    """The client of a held request resets its connection: when the open is allowed, the
    lookup completes for a dead request; the fd it opened is closed, the worker serves on."""
    def body(s):
        base = s.fds()
        h = Holder([s.path("held.txt")], HOLD)
        try:
            c = Conn(s.port)
            c.send(req("/held.txt"))
            expect(wait_for(lambda: h.held, 2), "the open was never seen by fanotify")
            c.reset()
            time.sleep(HOLD + 0.3)
        finally:
            h.close()
        with Conn(s.port) as c2:
            r = get(c2, "/held.txt")
            expect(r.status == 200 and r.body == b"the held file\n", "after: %d" % r.status)
        expect(wait_for(lambda: s.fds() <= base, 2), "worker fds %d before, %d after"
               % (base, s.fds()))
        return "fds %d -> %d" % (base, s.fds())
    return run(body)


@test(limit=20)
def t_graceful_stop():
    """SIGQUIT while a request is held: the worker answers it once the open is allowed, then
    exits (it neither leaves the request unanswered nor exits under the lookup)."""
    def body(s):
        w = s.worker()
        h = Holder([s.path("held.txt")], HOLD)
        try:
            c = Conn(s.port)
            c.send(req("/held.txt"))
            expect(wait_for(lambda: h.held, 2), "the open was never seen by fanotify")
            os.kill(s.proc.pid, signal.SIGQUIT)
            r = c.response()
            expect(r.status == 200 and r.body == b"the held file\n", "held: %d" % r.status)
            c.close()
        finally:
            h.close()
        gone = wait_for(lambda: not os.path.exists("/proc/%d/fd" % w), 5)
        expect(gone, "the worker did not exit after its held request")
        return "answered, worker exited"
    return run(body)


def main():
    global TMP
    harness.setup_process((signal.SIGTERM, signal.SIGINT))
    rep = harness.Report("disk")
    TMP = tempfile.mkdtemp(prefix="zokiod-disk-")
    os.chmod(TMP, 0o755)
    try:
        for name, fn, limit, _ in harness.select(TESTS, sys.argv[1:]):
            res = {}
            kind, why = harness.run_test(lambda: res.setdefault("f", fn()), limit)
            rep.result(kind, name, why or res.get("f"))
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())
