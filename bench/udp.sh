#!/bin/sh
# SPDX-License-Identifier: MIT
# UDP echo benchmark: packets per second and server CPU per packet over loopback, zokio on
# io_uring (IORING_OP_RECVMSG / SENDMSG) and on epoll (readiness + recvmsg / sendmsg), beside a
# plain recvmmsg / sendmmsg loop (bench/rt_udp.c: the server, and a forked client keeping WINDOW
# datagrams in flight). Each line is one run; REPS runs alternate the contenders; the table shows
# medians and the ratios against the recvmmsg loop, all from this run.
# Usage: bench/udp.sh BUILD_DIR
# Knobs: UDP_SECONDS (3), UDP_WARMUP (1), UDP_REPS (3), UDP_WINDOW (64), UDP_SIZE (64),
#        RT_SERVER_CPU (0), RT_CLIENT_CPU (1).
set -u
BUILD=${1:?usage: bench/udp.sh BUILD_DIR}
BIN=$BUILD/bench/rt_udp
SECS=${UDP_SECONDS:-3}
WARMUP=${UDP_WARMUP:-1}
REPS=${UDP_REPS:-3}
WINDOW=${UDP_WINDOW:-64}
SIZE=${UDP_SIZE:-64}
[ -x "$BIN" ] || { echo "udp.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zk-udp.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

echo "== zokio UDP echo: $WINDOW datagrams of $SIZE B in flight, loopback, ${WARMUP}s warm-up +"
echo "   ${SECS}s measured per run, $REPS reps alternating; $(nproc) cpus, kernel $(uname -r)"
rc=0
for rep in $(seq "$REPS"); do
    echo "-- run $rep"
    for c in io_uring epoll mmsg; do
        if [ "$c" = mmsg ]; then
            line=$("$BIN" mmsg "$SECS" "$WINDOW" "$SIZE" "$WARMUP") || { rc=1; continue; }
        else
            line=$(ZOKIO_BACKEND=$c "$BIN" zokio "$SECS" "$WINDOW" "$SIZE" "$WARMUP") ||
                { rc=1; continue; }
            case $line in
            *"backend=$c "*) ;;
            *) echo "udp.sh: asked for $c, got: $line (skipped)" >&2; continue ;;
            esac
        fi
        echo "  $line"
        echo "$c $line" >>"$TMP/results"
    done
done
[ -s "$TMP/results" ] || exit 1
awk '
function kv(s, k,   i, n, f, p) {
    n = split(s, f, " ")
    for (i = 1; i <= n; i++) { p = index(f[i], "="); if (substr(f[i], 1, p - 1) == k) return substr(f[i], p + 1) }
    return ""
}
function median(l, k,   n, i, j, t, a) {
    n = 0
    for (i = 1; i <= cnt[l]; i++) a[++n] = kv(res[l, i], k) + 0
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ l = $1; sub(/^[^ ]+ /, ""); res[l, ++cnt[l]] = $0 }
END {
    printf "\n%-9s %4s %11s %19s %11s %9s\n", "impl", "runs", "pkts/s", "srv_cpu_us/pkt", "srv_busy%", "reprimes"
    split("io_uring epoll mmsg", L, " ")
    for (i = 1; i <= 3; i++) {
        l = L[i]
        if (!cnt[l]) { printf "%-9s %4d %11s\n", l, 0, "n/a"; continue }
        p[l] = median(l, "pkts_per_s"); c[l] = median(l, "srv_cpu_us_per_pkt")
        printf "%-9s %4d %11.0f %19.3f %11.1f %9d\n", l, cnt[l], p[l], c[l],
            median(l, "srv_busy_pct"), median(l, "reprimes")
    }
    print "ratio vs recvmmsg   pkts/s   cpu-efficiency (mmsg us/pkt / impl us/pkt)"
    for (i = 1; i <= 2; i++) {
        l = L[i]
        if (!cnt[l] || !cnt["mmsg"] || p["mmsg"] <= 0 || c[l] <= 0) { printf "%-19s n/a\n", l "/mmsg"; continue }
        printf "%-19s %6.3fx   %6.3fx\n", l "/mmsg", p[l] / p["mmsg"], c["mmsg"] / c[l]
    }
}' "$TMP/results"
exit $rc
