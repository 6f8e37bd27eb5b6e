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
# BENCH_WORKLOADS ("small big huge pipe c1000": 612 B, 100 KiB, 10 MiB at BENCH_HUGE_CONNS (10)
# connections, 612 B pipelined, 612 B at BENCH_MANY (1000) connections with p99 latency), BENCH_SKIP_RSS (1 to skip the idle-connection RSS part),
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
# every server must hold all the idle connections (nginx would otherwise close idle keep-alive
# connections to make room, and its figure would count only the ones it kept)
MAXCONN=$((IDLE + 1024 > 4096 ? IDLE + 1024 : 4096))
PEERS=${BENCH_PEERS-nginx-nopush-off h2o}
WORKLOADS=${BENCH_WORKLOADS:-small big huge pipe c1000}
HUGE_CONNS=${BENCH_HUGE_CONNS:-10}
MANY=${BENCH_MANY:-1000}
HZ=$(getconf CLK_TCK)
fail=0
BENCH_NAME=http.sh
# shellcheck source=bench/lib.sh
. "$DIR/lib.sh"

# ---- dependencies ------------------------------------------------------------------------------
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
    install_pkgs "$pkgs" "$opt"
}

install_missing || exit 1
make_tmp zk-httpbench || exit 1

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

nginx_conf() { # DIR PORT TCP_NOPUSH
    tmpdirs=$(nginx_tmpdirs "$1")
    cat <<EOF
# master + 1 worker as in production; the bench sums the CPU of master and worker
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections $MAXCONN; }
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
max-connections: $MAXCONN
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
server.max-fds = $((MAXCONN * 2 + 64))
server.max-connections = $MAXCONN
mimetype.assign = (".html" => "text/html", ".bin" => "application/octet-stream")
EOF
}

# start_server NAME: starts it pinned to SCPU on a fresh port, waits until it serves both files
# correctly; sets PID_NAME, PORT_NAME, PIDS_NAME (the process and its children)
start_server() {
    name=$1
    next_port || return 1
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
    server_ready "$name" $! "$port" "$d"
}

# wrk_cmd WORKLOAD SECONDS URL_BASE: the wrk command line (pinned to CCPU)
wrk_args() {
    case $1 in
    small) echo "-t1 -c$CONNS -d${2}s --timeout 5s $3/612.html" ;;
    big) echo "-t1 -c$CONNS -d${2}s --timeout 5s $3/100k.bin" ;;
    pipe) echo "-t1 -c$CONNS -d${2}s --timeout 5s -s $DIR/http_pipeline.lua $3/612.html -- $DEPTH" ;;
    huge) echo "-t1 -c$HUGE_CONNS -d${2}s --timeout 10s $3/10m.bin" ;;
    c1000) echo "-t1 -c$MANY -d${2}s --timeout 5s --latency $3/612.html" ;;
    esac
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
    idle_rss "$SERVERS"
fi

# ---- tables ------------------------------------------------------------------------------------
awk -v servers="$SERVERS" -v workloads="$WORKLOADS" -v conns="$CONNS" -v depth="$DEPTH" -v sz=612 \
    -v hconns="$HUGE_CONNS" -v many="$MANY" '
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
    wname["huge"] = "10MiB c" hconns; wname["c1000"] = "612B c" many
    ns = split(servers, S, " "); nw = split(workloads, W, " ")
    printf "\n%-14s %-16s %4s %9s %10s %6s %6s %6s %9s %9s  %-8s %s\n", "workload", "server", "runs",
        "req/s", "cpu_us/req", "srv%", "wrk%", "other%", "req/s:ngx", "cpu:ngx", "target", "notes"
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
            if (wl == "huge" && rps > 0) warn = warn sprintf("%.2fGB/s ", rps * 10485760 / 1e9)
            p99 = median(key, "p99_ms")
            if (p99 >= 0) warn = warn sprintf("p99=%.2fms ", p99)
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
        print "\nB/conn: RSS growth of the server per connection. kwait, ksock: kernel slab bytes outside RSS"
        print "(/proc/slabinfo, machine-wide: 0 without root): the armed wait (io_kiocb, epoll entries) and"
        print "the socket (TCP, inode, file, dentry; both ends are local, so halved)."
        printf "%-16s %11s %11s %6s %10s %8s %12s %12s\n", "idle conns", "rss_before", "rss_after", "conns", "KiB/conn", "B/conn", "kwait B/conn", "ksock B/conn"
        for (s = 1; s <= ns; s++) {
            sv = S[s]
            if (!(sv in rss)) continue
            b = kv(rss[sv], "before"); a = kv(rss[sv], "after"); c = kv(rss[sv], "conns")
            printf "%-16s %8d KiB %8d KiB %6d %10.2f %8.0f %12.0f %12.0f\n", sv, b, a, c, (a - b) / c, (a - b) * 1024 / c, kv(rss[sv], "kwait") / c, kv(rss[sv], "ksock") / c / 2
        }
    }
}' "$TMP/results" "$TMP/rss"
exit $fail
