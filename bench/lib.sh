#!/bin/sh
# SPDX-License-Identifier: MIT
# What the benchmark scripts share (sourced by bench/http.sh and bench/tls.sh after they set BUILD,
# DIR, SECS, WARMUP, DEPTH, NEXT_PORT, SCPU, CCPU, IDLE, HZ, fail and BENCH_NAME; they define
# start_server NAME and wrk_args WORKLOAD SECONDS URL_BASE): dependencies, the temp dir and
# cleanup, per-server variables, starting checks, CPU and RSS readings, one measured wrk run, and
# the idle-connection RSS.
# shellcheck shell=sh disable=SC2034 # variables used by the scripts that source this file

say() { echo "${BENCH_NAME:-bench}: $*" >&2; }

# ---- dependencies: install only what is missing, never start a service -------------------------
MADE_POLICY=
# install_pkgs "REQUIRED" "OPTIONAL": apt-get installs the missing packages named (as root; never
# starts their services: a temporary policy-rc.d exits 101); 1 when a required one cannot be had
install_pkgs() {
    pkgs=$1 opt=$2
    [ -z "$pkgs$opt" ] && return 0
    if [ "${BENCH_NO_INSTALL:-0}" = 1 ] || [ "$(id -u)" != 0 ]; then
        [ -n "$pkgs" ] && { say "missing:$pkgs (install them, or run as root)"; return 1; }
        say "optional peers missing:$opt (skipped)"
        return 0
    fi
    # policy-rc.d exit 101 keeps the packages' maintainer scripts from starting their services
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
            MADE_POLICY=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [ -n "$pkgs" ]; then
        say "installing:$pkgs"
        apt-get install -y -q --no-install-recommends $pkgs >/dev/null ||
            { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $pkgs \
                >/dev/null; } || { say "apt-get install$pkgs failed"; return 1; }
    fi
    for p in $opt; do
        say "installing optional peer $p"
        apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 ||
            say "could not install $p (skipped)"
    done
    if [ -n "$MADE_POLICY" ]; then rm -f /usr/sbin/policy-rc.d; MADE_POLICY=; fi
    return 0
}

# ---- temp dir, cleanup ---------------------------------------------------------------------------
TMP=
ALL_PIDS=
IDLE_PID=
cleanup() {
    for p in $IDLE_PID $ALL_PIDS; do kill "$p" 2>/dev/null; done
    for p in $IDLE_PID $ALL_PIDS; do wait "$p" 2>/dev/null; done
    [ -n "$MADE_POLICY" ] && rm -f /usr/sbin/policy-rc.d
    [ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# make_tmp PREFIX: TMP (a temp dir, removed on exit) and WWW in it with 612.html, 100k.bin and 10m.bin,
# random bytes from a fixed seed; raises the fd limit (1,000 idle connections need it)
make_tmp() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || return 1
    # servers that drop privileges (nginx workers, h2o) must be able to read the document root
    chmod 755 "$TMP"
    WWW=$TMP/www
    mkdir "$WWW" || return 1
    "$PY" -c '
import random, sys
r = random.Random(20250101)
for name, size in (("612.html", 612), ("100k.bin", 102400), ("10m.bin", 10 << 20)):
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(r.randbytes(size))
' "$WWW" || return 1
    chmod 644 "$WWW"/*
    # shellcheck disable=SC3045 # dash and bash have ulimit -n; 1,000 idle connections need it
    ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
}

PATH=$PATH:/usr/sbin:/sbin
# the real interpreter, not a wrapper (a pyenv shim costs ~0.3 s per start)
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 1

# nginx_tmpdirs DIR: the *_temp_path lines of the modules this nginx has, under DIR (so nginx
# never writes to its compiled-in paths)
nginx_tmpdirs() {
    t="client_body_temp_path $1/body;"
    v=$(nginx -V 2>&1)
    for m in proxy fastcgi uwsgi scgi; do
        case $v in *--without-http_${m}_module*) ;; *) t="$t ${m}_temp_path $1/$m;" ;; esac
    done
    echo "$t"
}

# wait_line FILE REGEX PID STEP MAX: polls FILE every STEP s until a line matches REGEX, process
# PID has exited, or MAX polls have passed
wait_line() {
    i=0
    while ! grep -q "$2" "$1" && kill -0 "$3" 2>/dev/null && [ $i -lt "$5" ]; do
        sleep "$4"
        i=$((i + 1))
    done
}

# var NAME: shell-safe variable suffix for a server name
var() { echo "$1" | tr -c 'a-zA-Z0-9\n' _; }
getv() { eval "echo \"\${$1_$(var "$2"):-}\""; }
setv() { eval "$1_$(var "$2")=\$3"; }

# next_port: sets port (and NEXT_PORT) to a port nobody listens on above NEXT_PORT (another bench
# run serves the same bytes, so a check cannot tell)
next_port() {
    port=$("$PY" -c '
import socket, sys
for p in range(int(sys.argv[1]), int(sys.argv[1]) + 500):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
' $((NEXT_PORT + 1)))
    [ -z "$port" ] && { say "no free port above $NEXT_PORT"; return 1; }
    NEXT_PORT=$port
}

# server_ready NAME PID PORT DIR: after a server was launched in the background: waits until it
# serves both files correctly (over TLS when BENCH_TLS=1); sets PID_NAME, PORT_NAME, PIDS_NAME (the
# process and its children); a zokiod must run the backend its name asks for
server_ready() {
    name=$1 pid=$2 port=$3 d=$4
    ALL_PIDS="$ALL_PIDS $pid"
    setv PID "$name" "$pid"
    setv PORT "$name" "$port"
    setv LOG "$name" "$d"
    i=0
    while ! "$PY" "$DIR/http_client.py" check "$port" /612.html "$WWW/612.html" 2>"$d/check"; do
        i=$((i + 1))
        if [ $i -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
            say "$name did not start or serves wrong bytes:"
            cat "$d/check" "$d/err" "$d/error.log" 2>/dev/null | tail -n 20 >&2
            stop_server "$name"
            return 1
        fi
        sleep 0.1
    done
    if ! "$PY" "$DIR/http_client.py" check "$port" /100k.bin "$WWW/100k.bin" 2>"$d/check" ||
        ! "$PY" "$DIR/http_client.py" check "$port" /612.html "$WWW/612.html" "$DEPTH" \
            2>>"$d/check"; then
        say "$name serves wrong bytes (/100k.bin, or /612.html pipelined $DEPTH deep):"
        cat "$d/check" >&2
        stop_server "$name"
        return 1
    fi
    for w in $WORKLOADS; do setv WARM "$name.$w" ""; done
    sleep 0.2 # workers forked by a master are in place once the master answered
    setv PIDS "$name" "$pid $(children "$pid")"
    case $name in
    zokiod-*)
        # a blocked io_uring falls back to epoll: tell the backends apart by their fds
        # shellcheck disable=SC2046
        got=$(backend_of $(getv PIDS "$name"))
        if [ "$got" != "${name#zokiod-}" ]; then
            say "$name runs backend '$got' (no io_uring fd / no epoll fd), not ${name#zokiod-}; skipping it"
            cat "$d/err" >&2
            stop_server "$name"
            return 1
        fi
        ;;
    esac
    return 0
}

# backend_of PIDS: io_uring if one of the processes holds an io_uring fd, else epoll if one holds
# an epoll fd
backend_of() {
    fds=$(for p in "$@"; do ls -l "/proc/$p/fd" 2>/dev/null; done)
    case $fds in
    *'anon_inode:[io_uring]'*) echo io_uring ;;
    *'anon_inode:[eventpoll]'*) echo epoll ;;
    *) echo unknown ;;
    esac
}

stop_server() {
    pid=$(getv PID "$1")
    [ -z "$pid" ] && return 0
    kill "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for c in $(getv PIDS "$1"); do kill -9 "$c" 2>/dev/null; done
    ALL_PIDS=$(echo "$ALL_PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
    setv PID "$1" ""
    setv PIDS "$1" ""
}

# children PID: direct children of PID (nginx's worker, h2o's crash-handler helper)
children() {
    awk -v p="$1" '{ sub(/.*\) /, ""); if ($2 == p) { f = FILENAME; sub(/^\/proc\//, "", f);
        sub(/\/stat$/, "", f); print f } }' /proc/[0-9]*/stat 2>/dev/null | tr '\n' ' '
}

# cpu_ticks PIDS: utime + stime (all threads) summed over the processes, in clock ticks
cpu_ticks() {
    for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
        awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

# rss_kib PIDS: VmRSS summed over the processes
rss_kib() {
    for p in "$@"; do cat "/proc/$p/status" 2>/dev/null; done |
        awk '$1 == "VmRSS:" { t += $2 } END { print t + 0 }'
}

# sys_busy: busy ticks of all CPUs (user nice system irq softirq steal) from /proc/stat
sys_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

now_ms() { date +%s%3N; }

# measure NAME WORKLOAD: one warm-up and one measured wrk run (wrk_args WORKLOAD SECONDS URL_BASE,
# from the script, says how; SCHEME http or https); appends a result line to $TMP/results
measure() {
    name=$1 wl=$2
    pid=$(getv PID "$name")
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        if [ -n "$pid" ]; then
            say "$name (pid $pid) died; restarting it"
            stop_server "$name"
            # a death during a run was counted by that run
            [ -z "$(getv DEAD "$name")" ] && echo "$wl $name crash=1" >>"$TMP/results" && fail=1
        fi
        setv DEAD "$name" ""
        start_server "$name" || return 1
        pid=$(getv PID "$name")
    fi
    pids=$(getv PIDS "$name")
    url=${SCHEME:-http}://127.0.0.1:$(getv PORT "$name")
    # warm up once per server start and workload (file caches, allocator, connection pools)
    if [ -z "$(getv WARM "$name.$wl")" ] && [ "$WARMUP" != 0 ]; then
        # shellcheck disable=SC2046
        taskset -c "$CCPU" wrk $(wrk_args "$wl" "$WARMUP" "$url") >/dev/null 2>&1
        setv WARM "$name.$wl" 1
    fi
    # the wrapper shell's `times` gives wrk's own CPU (its only child)
    c0=$(cpu_ticks $pids) s0=$(sys_busy) t0=$(now_ms)
    # shellcheck disable=SC2016,SC2046
    WRK_OUT=$TMP/wrk.out WRK_TIMES=$TMP/wrk.times sh -c '"$@" >"$WRK_OUT" 2>&1; r=$?
        times >"$WRK_TIMES"; exit $r' sh taskset -c "$CCPU" wrk $(wrk_args "$wl" "$SECS" "$url")
    rc=$?
    c1=$(cpu_ticks $pids) s1=$(sys_busy) t1=$(now_ms)
    alive=1
    kill -0 "$pid" 2>/dev/null || alive=0
    line=$(awk -v hz="$HZ" -v dc=$((c1 - c0)) -v ds=$((s1 - s0)) -v ms=$((t1 - t0)) \
        -v rc="$rc" -v alive="$alive" -v times="$TMP/wrk.times" '
        / requests in / { n = $1 }
        /^Requests\/sec:/ { rps = $2 }
        /Socket errors:/ { gsub(/,/, ""); se = $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { bad = $5 }
        # wrk --latency: "     99%    1.23ms" (us, ms or s)
        $1 == "99%" { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
                      p99 = v * (u == "us" ? 0.001 : u == "s" ? 1000 : u == "m" ? 60000 : 1) }
        END {
            getline tl < times; getline tl < times   # second line: children user, system
            split(tl, tt, " "); cli = 0
            for (i = 1; i <= 2; i++) { s = tt[i]; m = s; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", s);
                sub(/s$/, "", s); cli += m * 60 + s }
            srv = dc / hz; wall = ms / 1000
            if (n + 0 <= 0 || wall <= 0) { printf "fail=1 rc=%d crash=%d\n", rc, !alive; exit }
            # a server that died mid-run has no CPU figure: keep only what went wrong
            if (!alive) { printf "reqs=%d sockerr=%d non2xx=%d crash=1\n", n, se, bad; exit }
            other = (ds / hz - srv - cli) / wall * 100
            if (other < 0) other = 0   # tick rounding
            printf "reqs=%d rps=%.0f cpu_us=%.3f srv_pct=%.1f cli_pct=%.1f other_pct=%.1f sockerr=%d non2xx=%d crash=%d%s\n",
                n, rps, srv * 1e6 / n, srv / wall * 100, cli / wall * 100, other, se, bad, !alive,
                p99 == "" ? "" : sprintf(" p99_ms=%.3f", p99)
        }' "$TMP/wrk.out")
    echo "  $wl $name: $line"
    echo "$wl $name $line" >>"$TMP/results"
    case $line in
    *fail=1*) say "wrk failed against $name:"; cat "$TMP/wrk.out" >&2; fail=1 ;;
    esac
    if [ $alive = 0 ]; then
        setv DEAD "$name" 1
        say "$name died during $wl; its log:"
        d=$(getv LOG "$name")
        tail -n 20 "$d/err" "$d/error.log" 2>/dev/null >&2
        fail=1
    fi
}

# kslab "CACHE...": bytes in those kernel slab caches now (active objects x object size), 0 when
# /proc/slabinfo cannot be read (it needs root). Machine-wide: other processes' sockets count too.
kslab() {
    awk -v want=" $* " 'NR > 2 && index(want, " " $1 " ") { t += $2 * $4 } END { print t + 0 }' \
        /proc/slabinfo 2>/dev/null || echo 0
}
# the kernel memory of an idle connection outside RSS: the armed wait (io_uring's request, an
# epoll registration) and the socket (both ends are on this machine: halved in the table)
KWAIT="io_kiocb eventpoll_epi eventpoll_pwq"
KSOCK="TCP sock_inode_cache filp dentry"

# idle_rss SERVERS: per server, restarted: VmRSS (all its processes) before and after IDLE
# keep-alive connections that did one GET /612.html each (over TLS when BENCH_TLS=1), and the
# kernel slab bytes (kslab); appends "rss NAME before=KiB after=KiB conns=N kwait=B ksock=B" to
# $TMP/rss
idle_rss() {
    for s in $1; do
        stop_server "$s"
        start_server "$s" || { fail=1; continue; }
        pids=$(getv PIDS "$s")
        r0=$(rss_kib $pids)
        w0=$(kslab "$KWAIT")
        k0=$(kslab "$KSOCK")
        : >"$TMP/idle.out"
        taskset -c "$CCPU" "$PY" "$DIR/http_client.py" idle "$(getv PORT "$s")" /612.html "$IDLE" \
            >"$TMP/idle.out" 2>"$TMP/idle.err" &
        IDLE_PID=$!
        wait_line "$TMP/idle.out" '^ready' $IDLE_PID 0.1 600
        sleep 0.5
        r1=$(rss_kib $pids)
        w1=$(kslab "$KWAIT")
        k1=$(kslab "$KSOCK")
        ok=$(sed -n 's/^ready //p' "$TMP/idle.out")
        kill $IDLE_PID 2>/dev/null
        wait $IDLE_PID 2>/dev/null
        IDLE_PID=
        if [ -z "$ok" ] || [ "$ok" -le 0 ]; then
            say "$s: idle connections failed"
            cat "$TMP/idle.err" >&2
            fail=1
            continue
        fi
        [ "$ok" -ne "$IDLE" ] && say "$s: only $ok of $IDLE idle connections got a 200" && fail=1
        echo "rss $s before=$r0 after=$r1 conns=$ok kwait=$((w1 - w0)) ksock=$((k1 - k0))" >>"$TMP/rss"
        stop_server "$s"
    done
}
