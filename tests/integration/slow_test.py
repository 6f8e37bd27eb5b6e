#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Slow-client attacks on zokiod with slowhttptest: slowloris (-H), slow body (-B) and slow read
(-X), each with 1,000 attacking sockets (all open within about a second) against one worker with
2 s timeouts, while a normal client GETs a small file on fresh connections, one after another.

Each test starts its own zokiod (worker_processes 1) under a temporary prefix on a free loopback
port, warms it up, measures the worker's baseline, runs the attack and checks that
  1. the normal client sees no error and its p99 latency stays below 1 s;
  2. the server closes every attacking socket by its deadline: each of the server's ESTABLISHED
     sockets from the attacker (/proc/net/tcp, sampled every 0.1 s; the normal client comes
     from another address) lives at most its deadline + SLACK from its connection (slowloris:
     client_header_timeout; slow body: twice client_body_timeout, a timeout between reads)
     or from the server's last write to it (slow read: send_timeout); slowloris and slow
     body must also end slowhttptest with "No open connections left" (all closed by the
     server) before its time limit;
  3. the worker's RSS (VmRSS) and fd count (/proc/PID/fd) are back within RSS_MARGIN and
     FD_MARGIN of the baseline within AFTER_WAIT s of the attack's end (the worker trims its
     pool of work blocks once a second);
and that the worker neither died nor was replaced. The ok line carries the measured figures
(the normal client's requests and latency, when the attack's sockets were opened and closed,
the worker's fds and RSS before, at the peak and after), a FAIL line the same after its reasons.

Output: one line per test, `ok   slow/NAME [backend]: figures`, `FAIL slow/NAME [backend]:
reasons [figures]` or `skip slow/NAME [backend]: reason` (slowhttptest missing, fd limit too
low); the last line is `N passed, N failed[, N skipped]`, exit status 1 when something failed.
Arguments select the tests whose name contains one of them. Python 3 standard library only,
the runner and raw HTTP client shared with the other suites in harness.py. slowhttptest is the
Debian package of that name.
"""

import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ for harness.py in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (  # noqa: E402
    ZOKIOD, Conn, Fail, Skip, expect, free_ports, req, server_env, wait_for)

SLOWHTTPTEST = shutil.which("slowhttptest")

TIMEOUT = 2  # s: client_header_timeout, client_body_timeout and send_timeout
SLACK = 2.0  # s a socket may outlive its deadline (accept lag under a burst, sampling)
ATTACKERS = 1000  # slowhttptest -c
RATE = 2000  # slowhttptest -r: connections per second (all 1000 open within a second)
LENGTH = 10  # slowhttptest -l: the attack's upper bound in seconds
SAMPLE = 0.1  # s between two samples of /proc
AFTER_WAIT = 4.0  # s after the attack for the worker to return to its baseline
# KiB. The worker gives its pools back once a second (work blocks, the connection pool's pages,
# receive buffers deep in the free stack): what it keeps after the attack is the heap and a few
# hot buffers (~100-300 KiB), and on io_uring also the window of receive buffers posted in the
# kernel's buffer ring (128 x 4 KiB, written to during the burst; the kernel may write into them
# at any time, so they are not given back). A fixed bound, whatever the attack's size.
RSS_MARGIN = 384 + (512 if harness.BACKEND in ("io_uring", "auto") else 0)


def sanitized():
    """An AddressSanitizer build (make check-asan) keeps freed memory in quarantine and its own
    shadow pages: its RSS says nothing about the worker's pools, so it is reported, not checked."""
    try:
        with open(ZOKIOD, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


SANITIZED = sanitized()
FD_MARGIN = 4
P99_LIMIT = 1.0  # s, the normal client's
CLIENT_PAUSE = 0.005  # s between two requests of the normal client
BIG = 4 << 20  # the slow-read target: more than a socket send buffer takes (~1.6 MB here)
WARM_BIG = 10  # big.bin downloads at once in the warm-up before the baseline
CLIENT_ADDR = "127.0.0.2"  # the normal client's source address; the attack's is 127.0.0.1

CONF = """worker_processes 1;
error_log logs/error.log info;
events { worker_connections 4096; }
http {
    client_header_timeout %(t)ds;
    client_body_timeout %(t)ds;
    send_timeout %(t)ds;
    keepalive_timeout 5s;
    access_log off;
    sendfile %(sendfile)s;
    server { listen 127.0.0.1:%(port)d; root html; }
}
"""

SMALL = b"a small file for the normal client\n"

TMP = ""
INSTANCES = []


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


# --- /proc ----------------------------------------------------------------------------------------


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return sorted(int(x) for x in f.read().split())
    except OSError:
        return []


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def nfds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def established(port):
    """{remote port: bytes in the send queue} of the ESTABLISHED sockets whose local end is
    127.0.0.1:port (accepted or still in the accept queue) and whose remote end is 127.0.0.1:
    the server's side of every attacking connection (the normal client comes from
    CLIENT_ADDR). The send queue grows when the server writes (it holds what is not acked)."""
    local = "0100007F:%04X" % port
    out = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fl = line.split(None, 5)
            if fl[1] == local and fl[3] == "01" and fl[2].startswith("0100007F:"):
                out[int(fl[2][-4:], 16)] = int(fl[4][:8], 16)
    return out


# --- the server -----------------------------------------------------------------------------------


class Inst(harness.Process):
    """A prefix directory (conf/, html/, logs/) and the zokiod master started on it."""

    def __init__(self, name, sendfile="on"):
        self.sendfile = sendfile
        self.prefix = tempfile.mkdtemp(prefix=name + "-", dir=TMP)
        os.chmod(self.prefix, 0o755)
        for d in ("conf", "html", "logs"):
            os.makedirs(os.path.join(self.prefix, d), exist_ok=True)
        self.port = free_ports(1)[0]
        self.conf = os.path.join(self.prefix, "conf", "zokiod.conf")
        self.proc = None
        self.seen = set()
        self.errpath = os.path.join(self.prefix, "stderr.txt")

    def put(self, rel, data):
        p = os.path.join(self.prefix, rel)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def start(self):
        if not os.access(ZOKIOD, os.X_OK):
            raise Fail("no executable %s (build it with make BUILD=...)" % ZOKIOD)
        self.put(self.conf, (CONF % {"t": TIMEOUT, "port": self.port,
                                     "sendfile": self.sendfile}).encode())
        self.spawn([ZOKIOD] + harness.ROOT_WORKERS_ARGS + ["-c", self.conf], self.prefix,
                   server_env())
        INSTANCES.append(self)
        self.wait_accepting([self.port], 0.02, "zokiod",
                            "zokiod not accepting on port %d %.0f s after start; stderr: %s")
        w = wait_for(lambda: (lambda c: c if len(c) == 1 else None)(children(self.proc.pid)), 3)
        expect(w, "expected 1 worker, master %d has children %s"
               % (self.proc.pid, children(self.proc.pid)))
        self.seen.update(w)
        return w[0]

    def error_log_tail(self, n=300):
        try:
            with open(os.path.join(self.prefix, "logs", "error.log"), "rb") as f:
                t = f.read().decode("utf-8", "replace").strip()
        except OSError:
            return "(none)"
        lines = [l for l in t.splitlines() if "[notice]" not in l and "[info]" not in l]
        t = " | ".join(lines)
        return t[-n:] if t else "(nothing above info)"

    def kill(self):
        if self.proc is None:
            return
        self.seen.update(children(self.proc.pid))
        kill_group(self.proc.pid)
        for p in self.seen:
            try:
                with open("/proc/%d/stat" % p) as f:
                    st = f.read()
                if int(st[st.rindex(")") + 2:].split()[2]) == self.proc.pid:
                    os.kill(p, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            pass


# --- the normal client and the sampler ------------------------------------------------------------


class ClientConn(Conn):
    """A harness connection from CLIENT_ADDR, so that the server's sockets of the normal client
    are told apart from the attack's (which come from 127.0.0.1) in /proc/net/tcp."""

    def __init__(self, port, timeout=harness.IO_TIMEOUT):
        self.timeout = timeout
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                          source_address=(CLIENT_ADDR, 0))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()


class Client(threading.Thread):
    """GET /small.txt on a fresh connection, again and again, until stopped (or `limit` s)."""

    def __init__(self, port, limit):
        super().__init__(daemon=True)
        self.port, self.limit = port, limit
        self.stop = threading.Event()
        self.lat = []
        self.errors = []

    def one(self):
        t0 = time.monotonic()
        c = ClientConn(self.port)
        try:
            c.send(req("/small.txt"))
            r = c.response()
        finally:
            c.close()
        dt = time.monotonic() - t0
        if r.status != 200 or r.body != SMALL:
            raise Fail("got %d %s with %d body bytes" % (r.status, r.reason, len(r.body)))
        return dt

    def run(self):
        end = time.monotonic() + self.limit
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                self.lat.append(self.one())
            except Exception as e:
                self.errors.append("%s: %s" % (type(e).__name__, e))
            self.stop.wait(CLIENT_PAUSE)

    def pct(self, q):
        s = sorted(self.lat)
        return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


class Sampler(threading.Thread):
    """Every SAMPLE s: the server's ESTABLISHED attacking sockets (each one's first and last
    sighting and the last time its send queue grew, that is the server wrote to it; keyed by
    remote port, a gap starts a new socket), the worker's fds and RSS."""

    def __init__(self, port, worker):
        super().__init__(daemon=True)
        self.port, self.worker = port, worker
        self.stop = threading.Event()
        self.open = {}  # remote port -> [first seen, last seen, send queue, last write]
        self.lives = []  # (first seen, last seen, last write) of the sockets gone
        self.series = []  # (t, sockets, fds, rss)
        self.sample()

    def sample(self):
        t = time.monotonic()
        now = established(self.port)
        for p in list(self.open):
            if p not in now:
                first, last, _, wrote = self.open.pop(p)
                self.lives.append((first, last, wrote))
        for p, q in now.items():
            s = self.open.get(p)
            if s is None:
                self.open[p] = [t, t, q, t]
            else:
                s[1] = t
                if q > s[2]:
                    s[3] = t
                s[2] = q
        self.series.append((t, len(now), nfds(self.worker), rss_kib(self.worker)))

    def run(self):
        while not self.stop.is_set():
            self.stop.wait(SAMPLE)
            self.sample()

    def finish(self):
        self.stop.set()
        self.join()
        self.sample()
        for s in self.open.values():  # still open at the end
            self.lives.append((s[0], float("inf"), s[3]))


# --- slowhttptest ---------------------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def read_csv(path):
    """slowhttptest's -g CSV: [{column: int}] per second."""
    try:
        with open(path) as f:
            lines = [l.strip() for l in f if l.strip()]
    except OSError:
        return []
    head = [h.strip().lower() for h in lines[0].split(",")]
    rows = []
    for l in lines[1:]:
        try:
            rows.append(dict(zip(head, (int(x) for x in l.split(",")))))
        except ValueError:
            pass
    return rows


def serve(name, sendfile="on"):
    """A fresh zokiod with html/small.txt and html/big.bin; returns (inst, worker pid)."""
    inst = Inst(name, sendfile)
    inst.put("html/small.txt", SMALL)
    inst.put("html/big.bin", os.urandom(BIG))
    return inst, inst.start()


def baseline(inst, worker, path):
    """Warms the worker up, lets its pools trim, then returns its (RSS KiB, fds). The warm-up:
    GETs of small.txt and of `path`, then WARM_BIG downloads of big.bin at once, so that a
    backend that keeps a bounded cache of idle sendfile pipes (io_uring: 8 pairs) has it full
    before the baseline, like any server that has served a few large files at once."""
    warm = Client(inst.port, 0)
    for _ in range(20):
        warm.one()
    c = ClientConn(inst.port)
    c.send(req(path))
    expect(c.response().status in (200, 403, 404, 405), "GET %s failed" % path)
    c.close()
    conns = [ClientConn(inst.port) for _ in range(WARM_BIG)]
    try:
        for c in conns:  # each response waits on a full socket: all are in flight at once
            c.send(req("/big.bin"))
        time.sleep(0.2)
        for c in conns:
            r = c.response()
            expect(r.status == 200 and len(r.body) == BIG, "warm-up GET /big.bin: %d, %d "
                   "bytes" % (r.status, len(r.body)))
    finally:
        for c in conns:
            c.close()
    time.sleep(2.5)
    rss, fds = rss_kib(worker), nfds(worker)
    expect(rss and fds, "cannot read /proc/%d of the worker" % worker)
    return rss, fds


def slowhttptest(inst, mode, path, length):
    """Runs slowhttptest to its end (or `length` + 8 s); returns (its exit message, the most
    sockets it had connected at once by its CSV, its output)."""
    report = os.path.join(inst.prefix, "slowhttptest")
    argv = [SLOWHTTPTEST] + mode + ["-c", str(ATTACKERS), "-r", str(RATE), "-l", str(length),
                                    "-u", "http://127.0.0.1:%d%s" % (inst.port, path),
                                    "-g", "-o", report]
    with open(report + ".out", "wb") as out:
        sh = subprocess.Popen(argv, cwd=inst.prefix, stdin=subprocess.DEVNULL, stdout=out,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        sh.wait(length + 8)
    except subprocess.TimeoutExpired:
        pass
    finally:
        kill_group(sh.pid)
        sh.wait()
    with open(report + ".out", "rb") as f:
        text = ANSI.sub("", f.read().decode("utf-8", "replace"))
    m = re.search(r"Exit status:\s*(.*)", text)
    peak = max((r.get("connected", 0) for r in read_csv(report + ".csv")), default=0)
    return (m.group(1).strip() if m else "(none)"), peak, text


class Run:
    """What one attack measured: the baseline, the normal client, the sampler, slowhttptest."""

    def __init__(self, base, client, sampler, t0, t_end, t_settled, shout):
        self.base_rss, self.base_fds = base
        self.client = client
        self.lives = [(a - t0, b - t0, w - t0) for a, b, w in sampler.lives if b >= t0]
        self.during = [s for s in sampler.series if s[0] >= t0]
        self.after = sampler.series[-1]
        self.ran, self.settle = t_end - t0, t_settled - t_end
        self.exit_msg, self.peak_conn, self.text = shout

    def peak(self, i):
        return max((s[i] or 0 for s in self.during), default=0)

    def figures(self, since_write):
        c, lv = self.client, self.lives
        return ("normal client %d req, p50 %.1f ms, p99 %.1f ms, %d errors; %d attacking sockets "
                "(%d at once), last opened +%.1f s, all closed +%.1f s, longest %.1f s%s; "
                "slowhttptest %d connected at most, \"%s\" after %.1f s; worker fds %d/%d/%s, "
                "RSS %d/%d/%s KiB (before/peak/%.1f s after%s)" % (
                    len(c.lat), c.pct(0.50) * 1e3, c.pct(0.99) * 1e3, len(c.errors), len(lv),
                    self.peak(1), max((a for a, b, w in lv), default=0.0),
                    max((b for a, b, w in lv), default=0.0) + SAMPLE,
                    max((b - a for a, b, w in lv), default=0.0),
                    ", %.1f s after the last write" % max((b - w for a, b, w in lv), default=0.0)
                    if since_write else "", self.peak_conn, self.exit_msg, self.ran,
                    self.base_fds, self.peak(2), self.after[2], self.base_rss, self.peak(3),
                    self.after[3], self.settle, "; ASan build: not checked" if SANITIZED else ""))

    def problems(self, deadline, since_write, want_exit):
        """Criteria 1 to 3 (the module's doc string): the list of what failed."""
        c, out = self.client, []
        if c.errors:
            out.append("normal client: %d errors, first: %s" % (len(c.errors), c.errors[0]))
        if not c.lat:
            out.append("the normal client made no request")
        elif c.pct(0.99) >= P99_LIMIT:
            out.append("normal client p99 %.0f ms >= %.0f ms" % (c.pct(0.99) * 1e3,
                                                                  P99_LIMIT * 1e3))
        if len(self.lives) < ATTACKERS:
            out.append("only %d attacking sockets seen on the server, want %d (slowhttptest: %s)"
                       % (len(self.lives), ATTACKERS, self.text.strip()[-300:]))
        late = sorted(((b - (w if since_write else a), a) for a, b, w in self.lives),
                      reverse=True)
        nlate = sum(1 for d, a in late if d > deadline + SLACK)
        if nlate:
            out.append("%d attacking sockets open longer than %.0f s + %.0f s slack after their "
                       "%s, the worst %.1f s (opened +%.1f s)" % (
                           nlate, deadline, SLACK,
                           "server's last write" if since_write else "connection",
                           late[0][0], late[0][1]))
        if want_exit and self.exit_msg != want_exit:
            out.append("slowhttptest ended with \"%s\", want \"%s\"" % (self.exit_msg, want_exit))
        if self.after[2] is None or self.after[2] > self.base_fds + FD_MARGIN:
            out.append("worker fds %s %.0f s after the attack, baseline %d (+%d allowed)"
                       % (self.after[2], AFTER_WAIT, self.base_fds, FD_MARGIN))
        if not SANITIZED and (self.after[3] is None or self.after[3] > self.base_rss + RSS_MARGIN):
            out.append("worker RSS %s KiB %.0f s after the attack, baseline %d KiB (+%d allowed)"
                       % (self.after[3], AFTER_WAIT, self.base_rss, RSS_MARGIN))
        return out


def attack(name, mode, path, deadline, since_write, want_exit, length=LENGTH, sendfile="on"):
    """Runs slowhttptest `mode` (a list of options) on `path` of a fresh zokiod while the normal
    client runs. Every attacking socket must be closed by the server within `deadline` + SLACK s
    of its connection (since_write: of the server's last write to it), slowhttptest must end
    with `want_exit` when that is set, and the worker must return to its baseline. Returns the
    figures."""
    if not SLOWHTTPTEST:
        raise Skip("slowhttptest not installed (apt-get install slowhttptest)")
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft != resource.RLIM_INFINITY and soft < 4 * ATTACKERS:
        raise Skip("open files limit %d is below %d (run it through slow.sh)"
                   % (soft, 4 * ATTACKERS))
    inst, worker = serve(name, sendfile)
    base = baseline(inst, worker, path)

    sampler = Sampler(inst.port, worker)
    sampler.start()
    client = Client(inst.port, length + 10)
    client.start()
    t0 = time.monotonic()
    shout = slowhttptest(inst, mode, path, length)
    t_end = time.monotonic()
    client.stop.set()
    client.join()

    def settled():  # no attacking socket left, fds and RSS back near the baseline
        s = sampler.series[-1]
        return (s[1] == 0 and s[2] is not None and s[2] <= base[1] + FD_MARGIN
                and (SANITIZED or (s[3] is not None and s[3] <= base[0] + RSS_MARGIN)))
    wait_for(settled, AFTER_WAIT, SAMPLE / 2)
    t_settled = time.monotonic()
    sampler.finish()

    run = Run(base, client, sampler, t0, t_end, t_settled, shout)
    problems = run.problems(deadline, since_write, want_exit)
    if not inst.alive() or children(inst.proc.pid) != [worker]:
        problems.insert(0, "worker %d died or was replaced (master %s, children %s); error log: "
                        "%s" % (worker, inst.how_died(), children(inst.proc.pid),
                                inst.error_log_tail()))
    if problems:
        raise Fail("; ".join(problems) + " [" + run.figures(since_write) + "]")
    return run.figures(since_write)


# --- tests ----------------------------------------------------------------------------------------

TESTS, test = harness.registry()


@test(limit=35)
def t_slowloris():
    """Slow headers: a header line every second, so only a deadline for the whole head, from
    the connection's start, cuts them: each must go within client_header_timeout."""
    return attack("slowloris", ["-H", "-i", "1"], "/", TIMEOUT, False,
                  "No open connections left")


@test(limit=35)
def t_slow_body():
    """Slow POST body: the head and 7 body bytes at once, then body bytes every 3 s, longer than
    client_body_timeout (a timeout between two reads): each socket goes within 2 timeouts of
    its connection (a follow-up may land just before the first one expires)."""
    return attack("slow_body", ["-B", "-i", "3", "-s", "4096"], "/", 2 * TIMEOUT, False,
                  "No open connections left")


@test(limit=35)
def t_slow_read():
    """Slow read of a 4 MiB file (more than the kernel queues on a socket): a receive window of
    a byte or two, one byte read every 5 s, so the server's writes stop making progress and
    each socket must go within send_timeout of the server's last write to it (its send queue
    last grew). The server's close queues a FIN behind data slowhttptest never reads, so it
    sees no close and runs its whole length: only the server's side is checked."""
    return attack("slow_read", ["-X", "-k", "1", "-n", "5", "-w", "1", "-y", "1", "-z", "1"],
                  "/big.bin", TIMEOUT, True, None, length=8)


@test(limit=35)
def t_slow_read_sendfile_off():
    """The same with `sendfile off`: each response's body goes through its work block's 32 KiB
    read buffer, which must leave the resident set with the block once the attack is over."""
    return attack("slow_read", ["-X", "-k", "1", "-n", "5", "-w", "1", "-y", "1", "-z", "1"],
                  "/big.bin", TIMEOUT, True, None, length=8, sendfile="off")


def cleanup():
    for inst in INSTANCES:
        try:
            inst.kill()
        except Exception:
            pass
    INSTANCES.clear()


def main():
    global TMP
    sel = sys.argv[1:]
    tests = harness.select(TESTS, sel)
    harness.setup_process((signal.SIGTERM, signal.SIGHUP))
    TMP = tempfile.mkdtemp(prefix="zokiod-slow-")
    os.chmod(TMP, 0o755)
    out = harness.Report("slow")
    try:
        for name, fn, limit, _ in tests:
            got = []
            kind, why = harness.run_test(lambda: got.append(fn()), limit)
            try:
                crashed = [i for i in INSTANCES if i.proc is not None
                           and i.proc.poll() is not None and i.proc.returncode < 0
                           and i.proc.returncode not in (-signal.SIGTERM, -signal.SIGKILL)]
                if crashed:
                    kind = "FAIL"
                    why = "zokiod died (%s); stderr: %s%s" % (
                        crashed[0].how_died(), crashed[0].stderr_tail(),
                        "; test: " + why if why else "")
            finally:
                cleanup()
            if kind == "ok  " and got and got[0]:
                why = got[0]
            out.result(kind, name, why)
    finally:
        signal.alarm(0)
        cleanup()
        shutil.rmtree(TMP, ignore_errors=True)
    return out.finish()


if __name__ == "__main__":
    sys.exit(main())
