#!/bin/sh
# SPDX-License-Identifier: MIT
# Runtime benchmark: TCP echo ping-pong (zokio io_uring, zokio epoll, naive epoll reference) and
# timer lateness (zk_timer_t, ZK_OP_TIMEOUT, and a bare clock_nanosleep reference).
# Usage: bench/runtime.sh BUILD_DIR        (needs BUILD_DIR/bench/rt_echo and rt_timers)
# Knobs (environment): RT_SECONDS (5), RT_WARMUP (1), RT_REPS (3), RT_CONNS (100), RT_SIZE (64),
# RT_PORT (first port, 19400), RT_TIMERS (10000), RT_SERVER_CPU (0), RT_CLIENT_CPU (1),
# RT_BUSY_CLIENT (1: the client spins on epoll_wait(0) so its wake-ups do not pace the test),
# RT_MAX_OTHER (25: runs during which other work used more % of a CPU are left out of the
# second, "quiet runs only" table), RT_SKIP_ECHO / RT_SKIP_TIMERS (1 to skip a part).
set -u

BUILD=${1:?usage: bench/runtime.sh BUILD_DIR}
ECHO=$BUILD/bench/rt_echo
TIMERS=$BUILD/bench/rt_timers
SECS=${RT_SECONDS:-5}
WARMUP=${RT_WARMUP:-1}
REPS=${RT_REPS:-3}
CONNS=${RT_CONNS:-100}
SIZE=${RT_SIZE:-64}
PORT=${RT_PORT:-19400}
NTIMERS=${RT_TIMERS:-10000}
SCPU=${RT_SERVER_CPU:-0}
CCPU=${RT_CLIENT_CPU:-1}
BUSY=${RT_BUSY_CLIENT:-1}
MAX_OTHER=${RT_MAX_OTHER:-25}

for b in "$ECHO" "$TIMERS"; do
    [ -x "$b" ] || { echo "runtime.sh: $b not built" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zk-rtbench.XXXXXX") || exit 1
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0

stop_server() {
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}

# one_run IMPL BACKEND LABEL: starts a server, runs the client against it, appends a result line
one_run() {
    impl=$1 backend=$2 label=$3
    PORT=$((PORT + 1))
    ZOKIO_BACKEND=$backend "$ECHO" server --impl "$impl" --port "$PORT" --cpu "$SCPU" \
        >"$TMP/server.out" 2>"$TMP/server.err" &
    SERVER_PID=$!
    i=0
    while ! grep -q '^rt_echo server:' "$TMP/server.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "runtime.sh: $label server did not start:" >&2
            cat "$TMP/server.err" >&2
            stop_server
            fail=1
            return 1
        fi
        sleep 0.05
    done
    got=$(sed -n 's/.*backend=\([^ ]*\).*/\1/p' "$TMP/server.out")
    if [ "$impl" = zokio ] && [ "$got" != "$backend" ]; then
        echo "runtime.sh: asked for $backend, server runs $got; skipping $label" >&2
        stop_server
        return 1
    fi
    line=$("$ECHO" client --port "$PORT" --conns "$CONNS" --seconds "$SECS" \
        --warmup "$WARMUP" --size "$SIZE" --pid "$SERVER_PID" --cpu "$CCPU" --busy "$BUSY")
    rc=$?
    stop_server
    if [ $rc -ne 0 ] || [ -z "$line" ]; then
        echo "runtime.sh: $label client failed" >&2
        cat "$TMP/server.err" >&2
        fail=1
        return 1
    fi
    echo "  $label: $line"
    echo "$label $line" >>"$TMP/results"
}

# awk helpers shared by both tables: kv(line, key) and median over res[label, 1..cnt[label]]
AWK_LIB='
function kv(s, k,   i, n, f, p) {
    n = split(s, f, " ")
    for (i = 1; i <= n; i++) { p = index(f[i], "="); if (substr(f[i], 1, p - 1) == k) return substr(f[i], p + 1) }
    return ""
}
function median(lbl, k,   n, i, j, t, v) {
    n = 0
    for (i = 1; i <= cnt[lbl]; i++) { v = kv(res[lbl, i], k); if (v != "") a[++n] = v + 0 }
    if (n == 0) return -1
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ lbl = $1; sub(/^[^ ]+ /, ""); res[lbl, ++cnt[lbl]] = $0 }
'

if [ "${RT_SKIP_ECHO:-0}" != 1 ]; then
    echo "== zokio runtime bench: TCP echo ping-pong, $CONNS conns x $SIZE B, loopback"
    echo "   ${WARMUP}s warm-up + ${SECS}s measured, $REPS reps interleaved, median reported;"
    echo "   server on cpu$SCPU, client on cpu$CCPU (busy-poll client: $BUSY);" \
        "$(nproc) cpus, kernel $(uname -r)"
    r=1
    while [ $r -le "$REPS" ]; do
        one_run zokio io_uring io_uring
        one_run zokio epoll epoll
        one_run naive epoll naive
        r=$((r + 1))
    done
fi

# echo_table TITLE FILE: medians per implementation, ratios against naive, verdicts
echo_table() {
    echo
    echo "$1"
    awk "$AWK_LIB"'
END {
    printf "%-9s %4s %10s %14s %9s %14s %9s %7s\n", "impl", "runs", "msgs/s", "srv_cpu_us/msg",
        "srv_busy%", "cli_cpu_us/msg", "cli_busy%", "other%"
    split("io_uring epoll naive", L, " ")
    noisy = 0
    for (i = 1; i <= 3; i++) {
        l = L[i]
        if (!cnt[l]) { printf "%-9s %4d %10s\n", l, 0, "n/a"; continue }
        m[l] = median(l, "msgs_per_s"); c[l] = median(l, "server_cpu_us_per_msg")
        o = median(l, "other_cpu_pct"); if (o > 25) noisy = 1
        sb[l] = median(l, "server_busy_pct"); cb[l] = median(l, "client_busy_pct")
        printf "%-9s %4d %10.0f %14.3f %9.1f %14.3f %9.1f %7.1f\n", l, cnt[l], m[l], c[l],
            sb[l], median(l, "client_cpu_us_per_msg"), cb[l], o
    }
    for (i = 1; i <= 3; i++) {
        l = L[i]
        if (cnt[l] && cb[l] >= 90 && sb[l] < 90)
            printf "NOTE: %s was client-bound (client %.0f%% busy, server %.0f%%): its msgs/s is the client'"'"'s limit\n", l, cb[l], sb[l]
    }
    print "ratio vs naive   throughput   cpu-efficiency (naive us/msg / impl us/msg)   target"
    split("io_uring epoll", Z, " "); T["io_uring"] = 1.20; T["epoll"] = 0.95
    for (i = 1; i <= 2; i++) {
        z = Z[i]
        if (!cnt[z] || !cnt["naive"] || m["naive"] <= 0) { printf "%-16s n/a\n", z "/naive"; continue }
        tr = m[z] / m["naive"]
        er = -1
        if (c[z] > 0 && c["naive"] > 0) er = c["naive"] / c[z]
        verdict = "throughput " (tr >= T[z] ? "MET" : "MISSED")
        es = "n/a"
        if (er > 0) { es = sprintf("%.3fx", er); verdict = verdict ", cpu " (er >= T[z] ? "MET" : "MISSED") }
        printf "%-16s %9.3fx   %28s                  >= %.2fx  %s\n", z "/naive", tr, es, T[z], verdict
    }
    if (noisy)
        print "WARNING: other processes used > 25% of a CPU during the runs (other%): the box was busy, msgs/s is not trustworthy"
}' "$2"
}

if [ -s "$TMP/results" ]; then
    echo_table "-- all runs (medians)" "$TMP/results"
    # the same over the runs during which the rest of the box stayed quiet, when that differs
    awk -v max="$MAX_OTHER" '{ o = -1; for (i = 2; i <= NF; i++) if ($i ~ /^other_cpu_pct=/) { v = $i; sub(/^[^=]*=/, "", v); o = v + 0 }
        if (o <= max) print }' "$TMP/results" >"$TMP/quiet"
    nq=$(wc -l <"$TMP/quiet")
    na=$(wc -l <"$TMP/results")
    if [ "$nq" -gt 0 ] && [ "$nq" -lt "$na" ]; then
        echo_table "-- quiet runs only (other% <= $MAX_OTHER): $nq of $na runs" "$TMP/quiet"
    fi
fi

if [ "${RT_SKIP_TIMERS:-0}" != 1 ]; then
    echo
    echo "== zokio timer lateness: $NTIMERS timers over 0-1000 ms (1 in 10 share one of 10 deadlines)"
    echo "   lateness = CLOCK_MONOTONIC in the callback - deadline; $REPS reps, median shown;"
    echo "   ref = the same deadlines with bare clock_nanosleep (the machine's own wake-up noise)"
    r=1
    while [ $r -le "$REPS" ]; do
        for be in io_uring epoll; do
            if ! ZOKIO_BACKEND=$be "$TIMERS" --mode both --count "$NTIMERS" >"$TMP/t.out" \
                2>"$TMP/t.err"; then
                echo "runtime.sh: rt_timers ($be) failed:" >&2
                cat "$TMP/t.err" "$TMP/t.out" >&2
                fail=1
            fi
            sed 's/^/  /' "$TMP/t.out"
            awk -v want="$be" '{ b = ""; md = ""
                for (i = 1; i <= NF; i++) { split($i, p, "="); if (p[1] == "backend") b = p[2]; if (p[1] == "mode") md = p[2] }
                if (b != want) printf "runtime.sh: asked for %s, rt_timers ran on %s\n", want, b > "/dev/stderr"
                else print b "/" md, $0 }' "$TMP/t.out" >>"$TMP/timers"
        done
        "$TIMERS" --mode ref --count "$NTIMERS" >"$TMP/t.out" 2>&1 || fail=1
        sed 's/^/  /' "$TMP/t.out"
        sed 's/^/ref /' "$TMP/t.out" >>"$TMP/timers"
        r=$((r + 1))
    done
    if [ -s "$TMP/timers" ]; then
        awk "$AWK_LIB"'
END {
    printf "\n%-15s %4s %9s %9s %9s   %s\n", "timers", "runs", "p50_us", "p99_us", "max_us", "target p99 < 1000 us"
    split("io_uring/timer io_uring/op epoll/timer epoll/op ref", L, " ")
    for (i = 1; i <= 5; i++) {
        l = L[i]
        if (!cnt[l]) continue
        p99 = median(l, "p99_us")
        printf "%-15s %4d %9.1f %9.1f %9.1f   %s\n", l, cnt[l], median(l, "p50_us"), p99,
            median(l, "max_us"), l == "ref" ? "(reference)" : (p99 < 1000 ? "MET" : "MISSED")
    }
}' "$TMP/timers"
    fi
fi
exit $fail
