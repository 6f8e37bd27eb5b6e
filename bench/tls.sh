#!/bin/sh
# SPDX-License-Identifier: MIT
# HTTPS benchmark (issue 10): zokiod against lighttpd with mod_mbedtls (the same TLS library) and
# nginx (OpenSSL), one worker each, the same ECDSA P-256 certificate, TLS 1.2 and the suite
# ECDHE-ECDSA-AES128-GCM-SHA256 for all, over loopback. Prints, per server: wrk over HTTPS
# keep-alive on the 612-byte and the 100 KiB file (requests/s, server CPU us per request), new
# full handshakes per second (openssl s_time -new, server CPU us per handshake) and RSS per idle
# TLS keep-alive connection; then the ratios against the targets. Not part of `make check`.
# Usage: bench/tls.sh BUILD_DIR        (needs BUILD_DIR/zokiod; see bench/README.md)
# Knobs (environment): BENCH_SECONDS (5), BENCH_WARMUP (1), BENCH_REPS (3), BENCH_CONNS (50),
# BENCH_PORT (first port, 19700), BENCH_SERVER_CPU (0), BENCH_CLIENT_CPU (1), BENCH_IDLE_CONNS
# (1000), BENCH_SERVERS ("zokiod-io_uring lighttpd-mbedtls nginx"; zokiod-epoll is one more),
# BENCH_WORKLOADS ("small big"), BENCH_SKIP_RSS (1: no idle-connection RSS), BENCH_SUITE
# ("default": each server keeps its own suite order instead of ECDHE-ECDSA-AES128-GCM-SHA256),
# BENCH_NO_INSTALL (1: never apt-get).
set -u

BUILD=${1:?usage: bench/tls.sh BUILD_DIR}
DIR=$(cd "$(dirname "$0")" && pwd)
ZOKIOD=$BUILD/zokiod
SECS=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-1}
REPS=${BENCH_REPS:-3}
CONNS=${BENCH_CONNS:-50}
DEPTH=1
NEXT_PORT=${BENCH_PORT:-19700}
SCPU=${BENCH_SERVER_CPU:-0}
CCPU=${BENCH_CLIENT_CPU:-1}
IDLE=${BENCH_IDLE_CONNS:-1000}
SERVERS=${BENCH_SERVERS:-zokiod-io_uring lighttpd-mbedtls nginx}
WORKLOADS=${BENCH_WORKLOADS:-small big}
HZ=$(getconf CLK_TCK)
SUITE=ECDHE-ECDSA-AES128-GCM-SHA256         # OpenSSL's name (nginx, zokiod)
SUITE_IANA=ECDHE-ECDSA-WITH-AES-128-GCM-SHA256 # mbedtls's, after "TLS-" (lighttpd's mod_mbedtls)
NGX_CIPHERS="ssl_ciphers $SUITE;" ZK_CIPHERS="ssl_ciphers $SUITE;"
LTD_CIPHERS="\"CipherString\" => \"TLS-$SUITE_IANA\", "
if [ "${BENCH_SUITE:-}" = default ]; then NGX_CIPHERS= ZK_CIPHERS= LTD_CIPHERS=; fi
SCHEME=https
BENCH_TLS=1 # bench/http_client.py (start checks, idle connections) speaks TLS
export BENCH_TLS
fail=0
BENCH_NAME=tls.sh
# shellcheck source=bench/lib.sh
. "$DIR/lib.sh"

pkgs=
command -v wrk >/dev/null 2>&1 || pkgs="$pkgs wrk"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || pkgs="$pkgs nginx-light"
command -v openssl >/dev/null 2>&1 || pkgs="$pkgs openssl"
command -v taskset >/dev/null 2>&1 || pkgs="$pkgs util-linux"
opt=
command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] || opt="$opt lighttpd"
[ -e /usr/lib/lighttpd/mod_mbedtls.so ] || opt="$opt lighttpd-mod-mbedtls"
install_pkgs "$pkgs" "$opt" || exit 1
make_tmp zk-tlsbench || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=bench.test -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 ||
    { say "openssl could not make the certificate"; exit 1; }
chmod 644 "$TMP/key.pem" # nginx and lighttpd read it before they drop privileges; test key
cat "$TMP/cert.pem" "$TMP/key.pem" >"$TMP/both.pem"

start_server() {
    name=$1
    next_port || return 1
    d=$TMP/$(var "$name").$port
    mkdir -p "$d"
    case $name in
    nginx)
        cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $d/body;
    types { text/html html; application/octet-stream bin; }
    access_log off;
    sendfile on;
    open_file_cache max=1000 inactive=60s;
    keepalive_requests 100000;
    keepalive_timeout 65;
    ssl_protocols TLSv1.2;
    $NGX_CIPHERS
    ssl_session_tickets off;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        root $WWW;
    }
}
EOF
        taskset -c "$SCPU" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" >"$d/out" 2>"$d/err" &
        ;;
    zokiod-*)
        cat >"$d/zokiod.conf" <<EOF
worker_processes 1;
events { worker_connections 4096; }
error_log $d/error.log warn;
pid $d/zokiod.pid;
http {
    types { text/html html; application/octet-stream bin; }
    access_log off;
    keepalive_requests 100000;
    keepalive_timeout 65;
    $ZK_CIPHERS
    ssl_session_tickets off;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $TMP/cert.pem;
        ssl_certificate_key $TMP/key.pem;
        root $WWW;
    }
}
EOF
        ZOKIOD_BACKEND=${name#zokiod-} taskset -c "$SCPU" "$ZOKIOD" -c "$d/zokiod.conf" \
            >"$d/out" 2>"$d/err" &
        ;;
    lighttpd-mbedtls)
        cat >"$d/lighttpd.conf" <<EOF
server.modules += ("mod_mbedtls")
server.document-root = "$WWW"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$d/error.log"
server.max-keep-alive-requests = 100000
server.max-keep-alive-idle = 65
server.max-fds = 20000
server.max-connections = 4096
mimetype.assign = (".html" => "text/html", ".bin" => "application/octet-stream")
ssl.engine = "enable"
ssl.pemfile = "$TMP/both.pem"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2", "MaxProtocol" => "TLSv1.2",
                            $LTD_CIPHERS"Options" => "-SessionTicket")
EOF
        taskset -c "$SCPU" lighttpd -D -f "$d/lighttpd.conf" >"$d/out" 2>"$d/err" &
        ;;
    *)
        say "unknown server $name"
        return 1
        ;;
    esac
    server_ready "$name" $! "$port" "$d"
}

wrk_args() {
    case $1 in
    small) echo "-t1 -c$CONNS -d${2}s --timeout 5s $3/612.html" ;;
    big) echo "-t1 -c$CONNS -d${2}s --timeout 5s $3/100k.bin" ;;
    esac
}

# suite_of NAME: the protocol and suite a TLS 1.2 client gets
suite_of() {
    openssl s_client -connect "127.0.0.1:$(getv PORT "$1")" </dev/null 2>/dev/null |
        awk '/^ *Protocol *:/ { p = $3 } /^ *Cipher *:/ { c = $3 } END { print p "/" c }'
}

# handshakes NAME: new full handshakes (no resumption) for SECS s, one at a time; appends
# "hs NAME hs=N hs_per_s=R cpu_us=C srv_pct=P" to $TMP/results
handshakes() {
    pids=$(getv PIDS "$1")
    c0=$(cpu_ticks $pids) t0=$(now_ms)
    out=$(taskset -c "$CCPU" openssl s_time -connect "127.0.0.1:$(getv PORT "$1")" -new \
        -time "$SECS" 2>&1)
    c1=$(cpu_ticks $pids) t1=$(now_ms)
    line=$(echo "$out" | awk -v hz="$HZ" -v dc=$((c1 - c0)) -v ms=$((t1 - t0)) '
        / connections in [0-9.]+ real seconds/ { n = $1; real = $4 }
        END {
            if (n + 0 <= 0) { print "fail=1"; exit }
            printf "hs=%d hs_per_s=%.1f cpu_us=%.1f srv_pct=%.1f\n", n, n / real,
                dc / hz * 1e6 / n, dc / hz / (ms / 1000) * 100
        }')
    echo "  handshakes $1: $line"
    echo "hs $1 $line" >>"$TMP/results"
    case $line in *fail=1*) say "openssl s_time failed against $1: $out"; fail=1 ;; esac
}

started=
for s in $SERVERS; do
    if start_server "$s"; then started="$started $s"; else fail=1; fi
done
SERVERS=$started
[ -z "$SERVERS" ] && { say "no server started"; exit 1; }

echo "== HTTPS bench: TLS 1.2, ECDSA P-256 certificate; wrk -t1 -c$CONNS keep-alive, ${SECS}s runs"
echo "   after a ${WARMUP}s warm-up, $REPS reps interleaved, medians; servers on cpu$SCPU, clients on"
echo "   cpu$CCPU; $(nproc) cpus, kernel $(uname -r)"
for s in $SERVERS; do echo "   $s: $(suite_of "$s")"; done
: >"$TMP/results"
: >"$TMP/rss"
for wl in $WORKLOADS; do
    r=0
    while [ $r -lt "$REPS" ]; do
        set -- $SERVERS
        k=0
        while [ $k -lt $((r % $#)) ]; do x=$1; shift; set -- "$@" "$x"; k=$((k + 1)); done
        for s in "$@"; do measure "$s" "$wl"; done
        r=$((r + 1))
    done
done
r=0
while [ $r -lt "$REPS" ]; do
    set -- $SERVERS
    k=0
    while [ $k -lt $((r % $#)) ]; do x=$1; shift; set -- "$@" "$x"; k=$((k + 1)); done
    for s in "$@"; do handshakes "$s"; done
    r=$((r + 1))
done
if [ "${BENCH_SKIP_RSS:-0}" != 1 ]; then
    echo
    echo "== RSS per idle TLS keep-alive connection: $IDLE connections, one GET /612.html each"
    idle_rss "$SERVERS"
fi

awk -v servers="$SERVERS" -v workloads="$WORKLOADS" -v conns="$CONNS" '
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
function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2fx", a / b) : "n/a" }
function verdict(ok, a, b) { return (a > 0 && b > 0) ? (ok ? "MET" : "missed") : "n/a" }
$1 == "rss" { rss[$2] = $0; next }
{ key = $1 SUBSEP $2; res[key, ++cnt[key]] = $0 }
END {
    wname["small"] = "612B c" conns; wname["big"] = "100KiB c" conns; wname["hs"] = "handshakes"
    ns = split(servers, S, " "); nw = split(workloads " hs", W, " ")
    L = "lighttpd-mbedtls"; N = "nginx"
    printf "\n%-12s %-17s %10s %9s %6s %6s %9s %9s %9s %9s\n", "workload", "server", "per_s",
        "cpu_us", "srv%", "wrk%", "rate:ltd", "cpu:ltd", "rate:ngx", "cpu:ngx"
    for (w = 1; w <= nw; w++) {
        wl = W[w]; k = (wl == "hs") ? "hs_per_s" : "rps"
        lr = median(wl SUBSEP L, k); lc = median(wl SUBSEP L, "cpu_us")
        nr = median(wl SUBSEP N, k); nc = median(wl SUBSEP N, "cpu_us")
        for (s = 1; s <= ns; s++) {
            sv = S[s]; key = wl SUBSEP sv
            if (!cnt[key]) continue
            r = median(key, k); c = median(key, "cpu_us")
            printf "%-12s %-17s %10.0f %9.2f %6.1f %6s %9s %9s %9s %9s\n", wname[wl], sv, r, c,
                median(key, "srv_pct"), (wl == "hs") ? "-" : sprintf("%.1f", median(key, "cli_pct")),
                ratio(r, lr), ratio(c, lc), ratio(r, nr), ratio(c, nc)
            if (sv !~ /^zokiod/) continue
            if (wl == "hs")
                tg[sv] = tg[sv] sprintf("  handshakes/s >= lighttpd-mbedtls: %s\n", verdict(r >= lr, r, lr))
            else
                tg[sv] = tg[sv] sprintf("  %s: req/s >= 1.2x lighttpd-mbedtls %s, >= 0.9x nginx %s; cpu_us <= lighttpd-mbedtls %s\n",
                    wname[wl], verdict(r >= 1.2 * lr, r, lr), verdict(r >= 0.9 * nr, r, nr), verdict(c <= lc, c, lc))
        }
    }
    print "\nper_s: requests/s (handshakes/s for handshakes); cpu_us: server CPU per request (per"
    print "handshake); rate:X, cpu:X: the same divided by server X (ltd: lighttpd-mbedtls, ngx: nginx)"
    for (s = 1; s <= ns; s++) if (S[s] in tg) printf "targets, %s:\n%s", S[s], tg[S[s]]
    first = 1
    for (s = 1; s <= ns; s++) {
        sv = S[s]
        if (!(sv in rss)) continue
        if (first) printf "\n%-17s %11s %11s %6s %10s\n", "idle TLS conns", "rss_before", "rss_after", "conns", "KiB/conn"
        first = 0
        b = kv(rss[sv], "before"); a = kv(rss[sv], "after"); c = kv(rss[sv], "conns")
        printf "%-17s %8d KiB %8d KiB %6d %10.2f\n", sv, b, a, c, (a - b) / c
    }
}' "$TMP/results" "$TMP/rss"
exit $fail
