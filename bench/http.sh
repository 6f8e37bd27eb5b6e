#!/bin/sh
# SPDX-License-Identifier: MIT
# HTTP benchmark: zokiod (io_uring and epoll backends) against nginx (and h2o, lighttpd when present)
# serving static files to wrk over loopback. Prints requests/s, server CPU us per request, the
# zokiod/nginx ratios against the target, and the RSS each server spends per idle keep-alive connection.
# Usage: bench/http.sh BUILD_DIR        (needs BUILD_DIR/zokiod; see bench/README.md)
# Knobs (environment): BENCH_SECONDS (5), BENCH_WARMUP (1), BENCH_REPS (3), BENCH_CONNS (50),
# BENCH_DEPTH (16, pipelining depth), BENCH_PORT (first port, 19500), BENCH_SERVER_CPU (0),
# BENCH_CLIENT_CPU (1), BENCH_IDLE_CONNS (1000), BENCH_PEERS ("nginx-nopush-off h2o": extra servers,
# "" for none; lighttpd is one more, left out by default to stay under 5 minutes), BENCH_SERVERS (override the whole list, e.g. "nginx zokiod-epoll"),
# BENCH_WORKLOADS ("small big pipe"), BENCH_SKIP_RSS (1 to skip the idle-connection RSS part),
# BENCH_NO_INSTALL (1: never apt-get).
set -u

BUILD=${1:?usage: bench/http.sh BUILD_DIR}
DIR=$(cd "$(dirname "$0")" && pwd)
ZOKIOD=$BUILD/zokiod
SECS=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-1}
REPS=${BENCH_REPS:-3}
CONNS=${BENCH_CONNS:-50}
DEPTH=${BENCH_DEPTH:-16}
NEXT_PORT=${BENCH_PORT:-19500}
SCPU=${BENCH_SERVER_CPU:-0}
CCPU=${BENCH_CLIENT_CPU:-1}
IDLE=${BENCH_IDLE_CONNS:-1000}
PEERS=${BENCH_PEERS-nginx-nopush-off h2o}
WORKLOADS=${BENCH_WORKLOADS:-small big pipe}
HZ=$(getconf CLK_TCK)
fail=0

say() { echo "http.sh: $*" >&2; }

# ---- dependencies: install only what is missing, never start a service -------------------------
MADE_POLICY=
install_missing() {
    pkgs=
    command -v wrk >/dev/null 2>&1 || pkgs="$pkgs wrk"
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || pkgs="$pkgs nginx-light"
    command -v taskset >/dev/null 2>&1 || pkgs="$pkgs util-linux"
    command -v python3 >/dev/null 2>&1 || pkgs="$pkgs python3-minimal"
    opt=
    for p in $PEERS; do
        case $p in
        h2o) command -v h2o >/dev/null 2>&1 || opt="$opt h2o" ;;
        lighttpd) command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] ||
            opt="$opt lighttpd" ;;
        esac
    done
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

install_missing || exit 1
PATH=$PATH:/usr/sbin:/sbin
# the real interpreter, not a wrapper (a pyenv shim costs ~0.3 s per start)
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zk-httpbench.XXXXXX") || exit 1
# servers that drop privileges (nginx workers, h2o) must be able to read the document root
chmod 755 "$TMP"
WWW=$TMP/www
mkdir "$WWW" || exit 1
"$PY" -c '
import random, sys
r = random.Random(20250101)
for name, size in (("612.html", 612), ("100k.bin", 102400)):
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(bytes(r.getrandbits(8) for _ in range(size)))
' "$WWW" || exit 1
chmod 644 "$WWW"/*
# shellcheck disable=SC3045 # dash and bash have ulimit -n; 1,000 idle connections need it
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

# ---- servers ---------------------------------------------------------------------------------
SERVERS=${BENCH_SERVERS:-}
if [ -z "$SERVERS" ]; then
    SERVERS=nginx
    if [ -x "$ZOKIOD" ]; then
        SERVERS="$SERVERS zokiod-io_uring zokiod-epoll"
    else
        say "$ZOKIOD not built: no zokiod rows"
        fail=1
    fi
    for p in $PEERS; do
        command -v "${p%-nopush-off}" >/dev/null 2>&1 && SERVERS="$SERVERS $p"
    done
fi

# var NAME: shell-safe variable suffix for a server name
var() { echo "$1" | tr -c 'a-zA-Z0-9\n' _; }
getv() { eval "echo \"\${$1_$(var "$2"):-}\""; }
setv() { eval "$1_$(var "$2")=\$3"; }

nginx_conf() { # DIR PORT TCP_NOPUSH
    tmpdirs="client_body_temp_path $1/body;"
    v=$(nginx -V 2>&1)
    for m in proxy fastcgi uwsgi scgi; do
        case $v in *--without-http_${m}_module*) ;; *) tmpdirs="$tmpdirs ${m}_temp_path $1/$m;" ;; esac
    done
    cat <<EOF
# master + 1 worker as in production; the bench sums the CPU of master and worker
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    $tmpdirs
    types { text/html html; application/octet-stream bin; }
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush $3;
    open_file_cache max=1000 inactive=60s;
    keepalive_requests 100000;
    keepalive_timeout 65;
    server {
        listen 127.0.0.1:$2;
        root $WWW;
    }
}
EOF
}

h2o_conf() { # DIR PORT
    cat <<EOF
listen:
  host: 127.0.0.1
  port: $2
num-threads: 1
max-connections: 4096
error-log: $1/error.log
hosts:
  default:
    paths:
      /:
        file.dir: $WWW
EOF
}

lighttpd_conf() { # DIR PORT
    cat <<EOF
server.document-root = "$WWW"
server.bind = "127.0.0.1"
server.port = $2
server.errorlog = "$1/error.log"
server.max-keep-alive-requests = 100000
server.max-keep-alive-idle = 65
server.network-backend = "sendfile"
server.max-fds = 20000
server.max-connections = 4096
mimetype.assign = (".html" => "text/html", ".bin" => "application/octet-stream")
EOF
}

# start_server NAME: starts it pinned to SCPU on a fresh port, waits until it serves both files
# correctly; sets PID_NAME, PORT_NAME, PIDS_NAME (the process and its children)
start_server() {
    name=$1
    # a port nobody listens on (another bench run serves the same bytes, so a check cannot tell)
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
    d=$TMP/$(var "$name").$port
    mkdir -p "$d"
    case $name in
    nginx | nginx-nopush-off)
        nopush=on
        [ "$name" = nginx-nopush-off ] && nopush=off
        nginx_conf "$d" "$port" $nopush >"$d/nginx.conf"
        taskset -c "$SCPU" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
            >"$d/out" 2>"$d/err" &
        ;;
    zokiod-*)
        set -- -r "$WWW" -l "127.0.0.1:$port"
        [ -f "$DIR/../conf/mime.types" ] && set -- "$@" -m "$DIR/../conf/mime.types"
        ZOKIOD_BACKEND=${name#zokiod-} taskset -c "$SCPU" "$ZOKIOD" "$@" >"$d/out" 2>"$d/err" &
        ;;
    h2o)
        h2o_conf "$d" "$port" >"$d/h2o.conf"
        taskset -c "$SCPU" h2o -c "$d/h2o.conf" >"$d/out" 2>"$d/err" &
        ;;
    lighttpd)
        lighttpd_conf "$d" "$port" >"$d/lighttpd.conf"
        taskset -c "$SCPU" lighttpd -D -f "$d/lighttpd.conf" >"$d/out" 2>"$d/err" &
        ;;
    *)
        say "unknown server $name"
        return 1
        ;;
    esac
    pid=$!
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

# wrk_cmd WORKLOAD SECONDS URL_BASE: the wrk command line (pinned to CCPU)
wrk_args() {
    case $1 in
    small) echo "-t1 -c$CONNS -d${2}s --timeout 5s $3/612.html" ;;
    big) echo "-t1 -c$CONNS -d${2}s --timeout 5s $3/100k.bin" ;;
    pipe) echo "-t1 -c$CONNS -d${2}s --timeout 5s -s $DIR/http_pipeline.lua $3/612.html -- $DEPTH" ;;
    esac
}

# measure NAME WORKLOAD: one warm-up and one measured wrk run; appends a result line
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
    url=http://127.0.0.1:$(getv PORT "$name")
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
            printf "reqs=%d rps=%.0f cpu_us=%.3f srv_pct=%.1f cli_pct=%.1f other_pct=%.1f sockerr=%d non2xx=%d crash=%d\n",
                n, rps, srv * 1e6 / n, srv / wall * 100, cli / wall * 100, other, se, bad, !alive
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

# ---- throughput and CPU ------------------------------------------------------------------------
started=
for s in $SERVERS; do
    if start_server "$s"; then started="$started $s"; else fail=1; fi
done
SERVERS=$started
[ -z "$SERVERS" ] && { say "no server started"; exit 1; }

echo "== HTTP bench: wrk -t1 -c$CONNS, ${SECS}s measured runs (after one ${WARMUP}s warm-up per server and"
echo "   workload), $REPS reps interleaved (order rotated per rep), medians; servers on cpu$SCPU, wrk on"
echo "   cpu$CCPU; $(nproc) cpus, kernel $(uname -r)"
echo "   servers:$SERVERS"
: >"$TMP/results"
: >"$TMP/rss"
for wl in $WORKLOADS; do
    r=0
    while [ $r -lt "$REPS" ]; do
        # rotate the order so no server always runs right after the same neighbour
        set -- $SERVERS
        k=0
        while [ $k -lt $((r % $#)) ]; do x=$1; shift; set -- "$@" "$x"; k=$((k + 1)); done
        for s in "$@"; do measure "$s" "$wl"; done
        r=$((r + 1))
    done
done

# ---- RSS per idle keep-alive connection ---------------------------------------------------------
if [ "${BENCH_SKIP_RSS:-0}" != 1 ]; then
    echo
    echo "== RSS per idle keep-alive connection: $IDLE connections, one GET /612.html each, then idle;"
    echo "   VmRSS of a freshly started server (all its processes) before and after"
    for s in $SERVERS; do
        stop_server "$s"
        start_server "$s" || { fail=1; continue; }
        pids=$(getv PIDS "$s")
        r0=$(rss_kib $pids)
: >"$TMP/idle.out"
        taskset -c "$CCPU" "$PY" "$DIR/http_client.py" idle "$(getv PORT "$s")" /612.html "$IDLE" \
            >"$TMP/idle.out" 2>"$TMP/idle.err" &
        IDLE_PID=$!
        i=0
        while ! grep -q '^ready' "$TMP/idle.out" && kill -0 $IDLE_PID 2>/dev/null && [ $i -lt 600 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        sleep 0.5
        r1=$(rss_kib $pids)
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
        echo "rss $s before=$r0 after=$r1 conns=$ok" >>"$TMP/rss"
        stop_server "$s"
    done
fi

# ---- tables ------------------------------------------------------------------------------------
awk -v servers="$SERVERS" -v workloads="$WORKLOADS" -v conns="$CONNS" -v depth="$DEPTH" -v sz=612 '
function kv(s, k,   i, n, f, p) {
    n = split(s, f, " ")
    for (i = 1; i <= n; i++) { p = index(f[i], "="); if (substr(f[i], 1, p - 1) == k) return substr(f[i], p + 1) }
    return ""
}
function median(key, k,   n, i, j, t, v, a) {
    n = 0
    for (i = 1; i <= cnt[key]; i++) { v = kv(res[key, i], k); if (v != "") a[++n] = v + 0 }
    if (n == 0) return -1
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function total(key, k,   i, t) { t = 0; for (i = 1; i <= cnt[key]; i++) t += kv(res[key, i], k); return t }
$1 == "rss" { rss[$2] = $0; nrss++; next }
{ key = $1 SUBSEP $2; res[key, ++cnt[key]] = $0 }
END {
    wname["small"] = "612B c" conns; wname["big"] = "100KiB c" conns
    wname["pipe"] = "612B c" conns " x" depth
    ns = split(servers, S, " "); nw = split(workloads, W, " ")
    printf "\n%-14s %-16s %4s %9s %10s %6s %6s %6s %9s %9s  %-8s %s\n", "workload", "server", "runs",
        "req/s", "cpu_us/req", "srv%", "wrk%", "other%", "req/s:ngx", "cpu:ngx", "target", "warnings"
    noisy = 0; clientbound = ""
    for (w = 1; w <= nw; w++) {
        wl = W[w]
        nk = wl SUBSEP "nginx"
        nr = median(nk, "rps"); nc = median(nk, "cpu_us")
        for (s = 1; s <= ns; s++) {
            sv = S[s]; key = wl SUBSEP sv
            if (!cnt[key]) continue
            rps = median(key, "rps"); cpu = median(key, "cpu_us")
            sp = median(key, "srv_pct"); cp = median(key, "cli_pct"); op = median(key, "other_pct")
            if (op > 25) noisy = 1
            if (cp >= 90 && sp < 90) clientbound = clientbound " " wl "/" sv
            warn = ""
            if (total(key, "sockerr") > 0) warn = warn sprintf("socket-errors=%d ", total(key, "sockerr"))
            if (total(key, "non2xx") > 0) warn = warn sprintf("non-2xx=%d ", total(key, "non2xx"))
            if (total(key, "crash") > 0) warn = warn sprintf("CRASHED=%d ", total(key, "crash"))
            if (total(key, "fail") > 0) warn = warn sprintf("failed-runs=%d ", total(key, "fail"))
            if (sp < 50 && cp < 50) { warn = warn "latency-bound "; latb = 1 }
            rr = "n/a"; cr = "n/a"; verdict = ""
            if (nr > 0 && rps > 0) rr = sprintf("%.3fx", rps / nr)
            if (nc > 0 && cpu > 0) cr = sprintf("%.3fx", cpu / nc)
            if (sv ~ /^zokiod/) {
                if (nr > 0 && nc > 0 && rps > 0 && cpu > 0)
                    verdict = (rps >= nr ? "MET" : "missed") "/" (cpu <= nc ? "MET" : "missed")
                else verdict = "n/a"
            }
            printf "%-14s %-16s %4d %9.0f %10.2f %6.1f %6.1f %6.1f %9s %9s  %-8s %s\n", wname[wl], sv,
                cnt[key], rps, cpu, sp, cp, op, rr, cr, verdict, warn
        }
    }
    alt = "nginx-nopush-off"
    for (w = 1; w <= nw; w++) if (cnt[W[w] SUBSEP alt]) hasalt = 1
    if (hasalt) {
        printf "\nzokiod against %s (the same nginx with tcp_nopush off):\n", alt
        printf "%-14s %-16s %9s %9s  %s\n", "workload", "server", "req/s:alt", "cpu:alt", "target"
        for (w = 1; w <= nw; w++) {
            wl = W[w]; ar = median(wl SUBSEP alt, "rps"); ac = median(wl SUBSEP alt, "cpu_us")
            if (ar <= 0 || ac <= 0) continue
            for (s = 1; s <= ns; s++) {
                sv = S[s]; key = wl SUBSEP sv
                if (sv !~ /^zokiod/ || !cnt[key]) continue
                rps = median(key, "rps"); cpu = median(key, "cpu_us")
                if (rps <= 0 || cpu <= 0) continue
                printf "%-14s %-16s %8.3fx %8.3fx  %s/%s\n", wname[wl], sv, rps / ar, cpu / ac,
                    (rps >= ar ? "MET" : "missed"), (cpu <= ac ? "MET" : "missed")
            }
        }
    }
    print ""
    print "req/s:ngx = req/s / nginx req/s (higher is better); cpu:ngx = cpu_us/req / nginx cpu_us/req"
    print "(lower is better). target (zokiod rows): req/s >= 1.0x nginx / cpu_us/req <= 1.0x nginx."
    if (clientbound != "")
        print "NOTE: client-bound (wrk >= 90% busy, server < 90%):" clientbound "; there req/s is wrk'"'"'s limit, compare cpu_us/req"
    if (latb)
        print "NOTE: latency-bound rows: neither the server nor wrk was 50% busy, so something waits (with\n      tcp_nopush on, nginx corks pipelined responses and stalls ~40 ms per batch); compare cpu_us/req"
    if (noisy)
        print "WARNING: other processes used > 25% of a CPU during some runs (other%): the box was busy"
    if (nrss) {
        printf "\n%-16s %11s %11s %6s %10s\n", "idle conns", "rss_before", "rss_after", "conns", "KiB/conn"
        for (s = 1; s <= ns; s++) {
            sv = S[s]
            if (!(sv in rss)) continue
            b = kv(rss[sv], "before"); a = kv(rss[sv], "after"); c = kv(rss[sv], "conns")
            printf "%-16s %8d KiB %8d KiB %6d %10.2f\n", sv, b, a, c, (a - b) / c
        }
    }
}' "$TMP/results" "$TMP/rss"
exit $fail
