#!/bin/sh
# SPDX-License-Identifier: MIT
# Cold-file benchmark: COLD_FILES files of COLD_KB KiB each on a disk filesystem (TMPDIR, /tmp:
# ext4 here), evicted from the page cache (posix_fadvise POSIX_FADV_DONTNEED) before each round;
# each round restarts the server (its own caches empty too) and walks the files once with wrk
# (-t1 -cCOLD_CONNS, bench/cold.lua: every URL once, then stop). zokiod on io_uring and on epoll
# (its lookups and small-file reads on its thread pool) against nginx with `aio threads;` (and
# sendfile on, open_file_cache off) and h2o (which blocks its loop on the disk), same run,
# rounds interleaved, order rotated. Prints per round req/s and the server's CPU us per request
# (all its processes and threads, /proc/PID/task/*/schedstat: ns, not clock ticks), then medians.
# Usage: bench/cold.sh BUILD_DIR
# Knobs: COLD_FILES (2000), COLD_KB (16), COLD_CONNS (50), COLD_REPS (5), COLD_SERVERS
#        ("zokiod-io_uring zokiod-epoll nginx h2o"; missing peers are skipped), BENCH_PORT (19700),
#        BENCH_SERVER_CPU (0), BENCH_CLIENT_CPU (1).
set -u
BUILD=${1:?usage: bench/cold.sh BUILD_DIR}
DIR=$(cd "$(dirname "$0")" && pwd)
ZOKIOD=$BUILD/zokiod
NFILES=${COLD_FILES:-2000}
KB=${COLD_KB:-16}
CONNS=${COLD_CONNS:-50}
REPS=${COLD_REPS:-5}
NEXT_PORT=${BENCH_PORT:-19700}
SCPU=${BENCH_SERVER_CPU:-0}
CCPU=${BENCH_CLIENT_CPU:-1}
DEPTH=1
WORKLOADS=cold
fail=0
BENCH_NAME=cold.sh
# shellcheck source=bench/lib.sh
. "$DIR/lib.sh"

command -v wrk >/dev/null 2>&1 || { say "wrk missing (Debian package wrk)"; exit 1; }
[ -x "$ZOKIOD" ] || { say "$ZOKIOD not built"; exit 1; }
make_tmp zk-cold || exit 1
mkdir "$WWW/cold" || exit 1
"$PY" -c '
import os, random, sys
d, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(7)
for i in range(n):
    with open("%s/f%04d" % (d, i), "wb") as f:
        f.write(r.randbytes(kb * 1024))
' "$WWW/cold" "$NFILES" "$KB" || exit 1
sync
echo "== cold-file bench: $NFILES files of $KB KiB in $(df -T "$WWW" | awk 'NR==2 { print $2 }') ($WWW),"
echo "   page cache dropped (POSIX_FADV_DONTNEED) and server restarted before each round; one walk"
echo "   per round, wrk -t1 -c$CONNS; servers on cpu$SCPU, wrk on cpu$CCPU; $(nproc) cpus, kernel $(uname -r)"

# evict: drops the files' pages (after a sync: dirty pages would stay)
evict() {
    "$PY" -c '
import os, sys
d = sys.argv[1]
for name in os.listdir(d):
    fd = os.open(os.path.join(d, name), os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
' "$WWW/cold"
}

# resident: pages of the files in the page cache / all their pages (fincore, util-linux): the check
# that evict worked
resident() {
    command -v fincore >/dev/null 2>&1 || { echo "?"; return; }
    fincore -n -b -o PAGES,SIZE "$WWW"/cold/* |
        awk '{ p += $1; t += int(($2 + 4095) / 4096) } END { printf "%d/%d\n", p, t }'
}

nginx_conf() { # DIR PORT
    tmpdirs=$(nginx_tmpdirs "$1")
    cat <<EOC
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    $tmpdirs
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    aio threads;
    keepalive_requests 100000;
    server { listen 127.0.0.1:$2; root $WWW; }
}
EOC
}

start_server() { # NAME
    name=$1
    next_port || return 1
    d=$TMP/$(var "$name").$port
    mkdir -p "$d"
    case $name in
    nginx)
        nginx_conf "$d" "$port" >"$d/nginx.conf"
        taskset -c "$SCPU" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" >"$d/out" 2>"$d/err" &
        ;;
    zokiod-*)
        ZOKIOD_BACKEND=${name#zokiod-} taskset -c "$SCPU" "$ZOKIOD" -r "$WWW" -l "127.0.0.1:$port" \
            >"$d/out" 2>"$d/err" &
        ;;
    h2o)
        printf 'listen:\n  host: 127.0.0.1\n  port: %s\nnum-threads: 1\nmax-connections: 4096\nerror-log: %s/error.log\nhosts:\n  default:\n    paths:\n      /:\n        file.dir: %s\n' \
            "$port" "$d" "$WWW" >"$d/h2o.conf"
        taskset -c "$SCPU" h2o -c "$d/h2o.conf" >"$d/out" 2>"$d/err" &
        ;;
    *) say "unknown server $name"; return 1 ;;
    esac
    server_ready "$name" $! "$port" "$d"
}

# cpu_ns PIDS: CPU time of every thread of the processes, in ns (schedstat's first field)
cpu_ns() {
    for p in "$@"; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
        awk '{ t += $1 } END { printf "%.0f\n", t }'
}

SERVERS=
for s in ${COLD_SERVERS:-zokiod-io_uring zokiod-epoll nginx h2o}; do
    case $s in
    nginx) command -v nginx >/dev/null 2>&1 || { say "nginx missing: skipped"; continue; } ;;
    h2o) command -v h2o >/dev/null 2>&1 || { say "h2o missing: skipped"; continue; } ;;
    esac
    SERVERS="$SERVERS $s"
done
: >"$TMP/results"
r=0
while [ $r -lt "$REPS" ]; do
    set -- $SERVERS
    k=0
    while [ $k -lt $((r % $#)) ]; do x=$1; shift; set -- "$@" "$x"; k=$((k + 1)); done
    for s in "$@"; do
        start_server "$s" || { fail=1; continue; }
        pids=$(getv PIDS "$s")
        evict
        res=$(resident)
        : >"$TMP/wrk.out" # not the last round's "walked"
        c0=$(cpu_ns $pids) t0=$(now_ms)
        # wrk runs for its -d whatever its script says: cold.lua prints "walked" after the last
        # response, the walk's time is taken then and wrk stopped
        COLD_FILES=$NFILES taskset -c "$CCPU" wrk -t1 -c"$CONNS" -d120s --timeout 10s \
            -s "$DIR/cold.lua" "http://127.0.0.1:$(getv PORT "$s")" >"$TMP/wrk.out" 2>&1 &
        wpid=$!
        wait_line "$TMP/wrk.out" '^walked' $wpid 0.005 12000
        t1=$(now_ms) c1=$(cpu_ns $pids)
        kill $wpid 2>/dev/null
        wait $wpid 2>/dev/null
        line=$(awk -v dc=$((c1 - c0)) -v ms=$((t1 - t0)) -v n="$NFILES" -v res="$res" '
            /^walked/ { ok = 1; bad = $3 }
            END { if (!ok || ms <= 0) { print "fail=1"; exit }
                  printf "reqs=%d ms=%d rps=%.0f cpu_us=%.1f non2xx=%d resident_before=%s\n",
                      n, ms, n * 1000 / ms, dc / 1000 / n, bad, res }' "$TMP/wrk.out")
        echo "  round $((r + 1)) $s: $line"
        echo "$s $line" >>"$TMP/results"
        case $line in *fail=1* | *non2xx=[1-9]*) fail=1; say "$s: wrk said:"; cat "$TMP/wrk.out" "$(getv LOG "$s")/err" >&2 ;; esac
        stop_server "$s"
    done
    r=$((r + 1))
done
echo "== medians over $REPS rounds (req/s over one cold walk; server CPU us per request)"
for s in $SERVERS; do
    rps=$(grep "^$s " "$TMP/results" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p' | sort -n |
        awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }')
    cpu=$(grep "^$s " "$TMP/results" | sed -n 's/.* cpu_us=\([0-9.]*\).*/\1/p' | sort -n |
        awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }')
    printf "  %-16s rps=%s cpu_us=%s\n" "$s" "${rps:-?}" "${cpu:-?}"
    setv RPS "$s" "${rps:-0}"
done
for s in $SERVERS; do
    case $s in zokiod-*) ;; *) continue ;; esac
    for p in nginx h2o; do
        case " $SERVERS " in *" $p "*) ;; *) continue ;; esac
        awk -v a="$(getv RPS "$s")" -v b="$(getv RPS "$p")" -v s="$s" -v p="$p" \
            'BEGIN { if (b > 0) printf "  %s / %s: %.2f x req/s\n", s, p, a / b }'
    done
done
exit $fail
