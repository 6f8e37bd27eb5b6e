#!/bin/sh
# SPDX-License-Identifier: MIT
# The runtime's examples, run on the backend of ZOKIOD_BACKEND (passed on as ZOKIO_BACKEND):
#   examples/cat_copy     build/examples/cat copies a 3 MB random file (many chunks, several in
#                         flight), a 1-byte file and an empty file byte for byte
#   examples/cat_errors   a missing SRC and an unwritable DST: exit 1, the path named on stderr
#   examples/udp_echo     build/examples/udp_echo on 127.0.0.1 (and ::1 where there is IPv6),
#                         port 0: 200 datagrams of 0..2048 random bytes, each echoed whole from
#                         the server's port; one of 3000 bytes (past its buffer) is not echoed
#                         and named on stderr; a burst of 64 sent at once all come back
#   examples/run_status   build/examples/run passes the child's stdout through and reports exit 3,
#                         SIGKILL (exit 137) and a missing program (exit 127) on stderr
#   examples/run_streams  run copies the child's output as it comes: its first line arrives while
#                         the child still sleeps, 64 KiB (several pipe buffers) come through whole
#   examples/readme_excerpt  each C block of README.md's "Using zokio" is, line for line, a part
#                         of examples/run.c (which make builds with -Werror), so the two stay in sync
#   examples/timers_order build/examples/timers: b, c, a fire in that order (a reset to +60 ms by b),
#                         each once and not before its due time; the cancelled d never fires
# Run by tests/run.sh once per backend; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/examples.sh
# Prints one line per test and ends with "N passed, N failed"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1

backend=${ZOKIOD_BACKEND:-auto}
build=${ZOKIOD_BUILD:-build}
cat_bin=$build/examples/cat
udp_bin=$build/examples/udp_echo
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zokio-examples.XXXXXX") || exit 1
pid=
# an interrupted run leaves no udp_echo behind
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

ok() {
    echo "ok   examples/$1 [$backend]"
    passed=$((passed + 1))
}
fail() {
    name=$1
    shift
    echo "FAIL examples/$name [$backend]: $*"
    failed=$((failed + 1))
}

run_cat() { ZOKIO_BACKEND=$backend "$cat_bin" "$@"; }

copy_test() {
    head -c 3000000 /dev/urandom >"$tmp/big" || return 1
    printf x >"$tmp/one"
    : >"$tmp/empty"
    for f in big one empty; do
        run_cat "$tmp/$f" "$tmp/$f.out" || { fail cat_copy "$f: exit $?"; return; }
        cmp -s "$tmp/$f" "$tmp/$f.out" || { fail cat_copy "$f: copy differs"; return; }
    done
    ok cat_copy
}

errors_test() {
    run_cat "$tmp/missing" "$tmp/x" 2>"$tmp/err1"
    rc=$?
    [ "$rc" -eq 1 ] || { fail cat_errors "missing SRC: exit $rc"; return; }
    grep -q "$tmp/missing: No such file" "$tmp/err1" || { fail cat_errors "stderr: $(cat "$tmp/err1")"; return; }
    printf abc >"$tmp/src"
    run_cat "$tmp/src" "$tmp/nodir/dst" 2>"$tmp/err2"
    rc=$?
    [ "$rc" -eq 1 ] || { fail cat_errors "unwritable DST: exit $rc"; return; }
    grep -q "$tmp/nodir/dst: No such file" "$tmp/err2" || { fail cat_errors "stderr: $(cat "$tmp/err2")"; return; }
    ok cat_errors
}

# udp_client PORT HOST: the client side of udp_echo_test (python3, stdlib only); prints what
# went wrong and exits 1, or exits 0.
udp_client() {
    python3 - "$1" "$2" <<'PY'
import os, random, socket, sys
port, host = int(sys.argv[1]), sys.argv[2]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
rnd = random.Random(5)
def check(data, what):
    s.sendto(data, (host, port))
    got, peer = s.recvfrom(70000)
    if got != data or peer[1] != port:
        sys.exit("%s: %d bytes back from port %d, sent %d" % (what, len(got), peer[1], len(data)))
for i in range(200):
    check(os.urandom(rnd.choice([0, 1, 7, 512, 1472, 2047, 2048, rnd.randrange(2049)])), "#%d" % i)
s.sendto(b"y" * 3000, (host, port))  # truncated by the server: dropped
s.settimeout(0.3)
try:
    s.recvfrom(70000)
    sys.exit("a 3000-byte datagram came back")
except socket.timeout:
    pass
s.settimeout(2)
burst = [os.urandom(100) for _ in range(64)]  # 16 workers: some wait in the socket's queue
for d in burst:
    s.sendto(d, (host, port))
back = sorted(s.recvfrom(70000)[0] for _ in burst)
if back != sorted(burst):
    sys.exit("burst: echoes differ")
check(b"after", "after the burst")
PY
}

udp_echo_test() {
    for host in 127.0.0.1 ::1; do
        if [ "$host" = ::1 ] && ! python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
            echo "skip examples/udp_echo [$backend]: no IPv6 loopback"
            continue
        fi
        ZOKIO_BACKEND=$backend "$udp_bin" "$host" 0 >"$tmp/udp.out" 2>"$tmp/udp.err" &
        pid=$!
        port=
        for _ in $(seq 50); do
            port=$(sed -n 's/^udp_echo: .* port \([0-9]*\),.*/\1/p' "$tmp/udp.out")
            [ -n "$port" ] && break
            sleep 0.1
        done
        if [ -z "$port" ]; then
            kill "$pid" 2>/dev/null
            pid=
            fail udp_echo "$host: no port line: $(cat "$tmp/udp.out" "$tmp/udp.err")"
            return
        fi
        udp_client "$port" "$host" 2>"$tmp/udp.client"
        rc=$?
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
        [ "$rc" -eq 0 ] || { fail udp_echo "$host: $(cat "$tmp/udp.client")"; return; }
        grep -q "dropped a datagram longer than 2048 bytes from $host" "$tmp/udp.err" ||
            { fail udp_echo "$host: stderr: $(cat "$tmp/udp.err")"; return; }
    done
    ok udp_echo
}

if [ ! -x "$udp_bin" ]; then
    fail udp_echo "$udp_bin not built (make)"
else
    udp_echo_test
fi

run_bin=$build/examples/run
timers_bin=$build/examples/timers
run_run() { ZOKIO_BACKEND=$backend "$run_bin" "$@"; }

run_status_test() {
    run_run sh -c 'echo out-line; echo err-line >&2; exit 3' >"$tmp/r.out" 2>"$tmp/r.err"
    rc=$?
    [ "$rc" -eq 3 ] || { fail run_status "exit 3: got $rc"; return; }
    [ "$(cat "$tmp/r.out")" = out-line ] || { fail run_status "stdout: $(cat "$tmp/r.out")"; return; }
    want=$(printf 'err-line\nrun: exited with status 3')
    [ "$(cat "$tmp/r.err")" = "$want" ] || { fail run_status "stderr: $(cat "$tmp/r.err")"; return; }
    run_run sh -c 'echo before; kill -9 $$; echo after' >"$tmp/r.out" 2>"$tmp/r.err"
    rc=$?
    [ "$rc" -eq 137 ] || { fail run_status "SIGKILL: exit $rc"; return; }
    [ "$(cat "$tmp/r.out")" = before ] || { fail run_status "stdout: $(cat "$tmp/r.out")"; return; }
    grep -qx 'run: killed by signal 9 (Killed)' "$tmp/r.err" || { fail run_status "stderr: $(cat "$tmp/r.err")"; return; }
    run_run zk-no-such-program arg >"$tmp/r.out" 2>"$tmp/r.err"
    rc=$?
    [ "$rc" -eq 127 ] || { fail run_status "missing program: exit $rc"; return; }
    grep -qx 'run: zk-no-such-program: No such file or directory' "$tmp/r.err" ||
        { fail run_status "stderr: $(cat "$tmp/r.err")"; return; }
    ok run_status
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

run_streams_test() {
    # the first line must reach us ~1 s before the child exits (and run with it)
    t0=$(now_ms)
    first=$(run_run sh -c 'echo first; sleep 1; echo second' 2>/dev/null | {
        IFS= read -r l
        echo "$l $(now_ms)"
        cat >/dev/null
    })
    t1=$(now_ms)
    line=${first% *}
    at=${first##* }
    [ "$line" = first ] || { fail run_streams "first line: $first"; return; }
    [ $((at - t0)) -lt 700 ] || { fail run_streams "first line after $((at - t0)) ms: not streamed"; return; }
    [ $((t1 - t0)) -ge 1000 ] || { fail run_streams "child ran $((t1 - t0)) ms: the sleep did not happen"; return; }
    head -c 65536 /dev/urandom >"$tmp/blob" || return 1
    run_run cat "$tmp/blob" >"$tmp/blob.out" 2>/dev/null || { fail run_streams "cat: exit $?"; return; }
    cmp -s "$tmp/blob" "$tmp/blob.out" || { fail run_streams "64 KiB through the pipe differ"; return; }
    ok run_streams
}

timers_test() {
    ZOKIO_BACKEND=$backend "$timers_bin" >"$tmp/t.out" 2>&1 || { fail timers_order "exit $?: $(cat "$tmp/t.out")"; return; }
    order=$(sed -n 's/^\([a-d]\) fired: .*/\1/p' "$tmp/t.out" | tr -d '\n')
    [ "$order" = bca ] || { fail timers_order "fired in order '$order', want bca: $(cat "$tmp/t.out")"; return; }
    # "X fired: due +D ms, ran at +R ms": never early, and not absurdly late
    bad=$(sed -n 's/^\([a-d]\) fired: due +\([0-9]*\) ms, ran at +\([0-9]*\) ms$/\1 \2 \3/p' "$tmp/t.out" |
        while read -r n due ran; do
            if [ "$ran" -lt "$due" ] || [ "$ran" -gt $((due + 500)) ]; then echo "$n due $due ran $ran"; fi
        done)
    [ -z "$bad" ] || { fail timers_order "timing: $bad"; return; }
    grep -q '^a fired: due +60 ms' "$tmp/t.out" || { fail timers_order "a was not moved to +60 ms"; return; }
    grep -qx 'b resets a from +30 to +60 ms and cancels d (armed: 1)' "$tmp/t.out" ||
        { fail timers_order "no reset line: $(cat "$tmp/t.out")"; return; }
    grep -qx '3 fired; d armed: 0' "$tmp/t.out" || { fail timers_order "last line: $(tail -n 1 "$tmp/t.out")"; return; }
    ok timers_order
}

readme_test() {
    out=$(python3 - README.md examples/run.c <<'PY'
import re, sys
readme, src = (open(p).read() for p in sys.argv[1:3])
sec = readme.split("### Using zokio", 1)
blocks = re.findall(r"```c\n(.*?)```", re.split(r"\n##+ ", sec[1], 1)[0], re.S) if len(sec) > 1 else []
if not blocks:
    print("no C block under '### Using zokio'")
for b in blocks:
    if b not in src:
        print("not in examples/run.c: " + b.splitlines()[0])
PY
)
    [ -z "$out" ] || { fail readme_excerpt "$out"; return; }
    ok readme_excerpt
}

readme_test
if [ -x "$run_bin" ]; then
    run_status_test
    run_streams_test
else
    fail run_status "$run_bin not built (make)"
fi
if [ -x "$timers_bin" ]; then timers_test; else fail timers_order "$timers_bin not built (make)"; fi

if [ ! -x "$cat_bin" ]; then
    fail cat_copy "$cat_bin not built (make)"
else
    copy_test
    errors_test
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
