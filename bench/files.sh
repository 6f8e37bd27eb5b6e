#!/bin/sh
# SPDX-License-Identifier: MIT
# File-op benchmark: 4 KiB random reads from a file in the page cache, DEPTH in flight, zokio on
# io_uring (native READ SQEs) and on epoll (the thread pool), beside fio on the same file in the
# same run (psync; io_uring batched and unbatched); then the thread pool's round trip alone
# (no-op ZK_OP_WORK), and what one wake-up of an io_uring loop from another thread costs, through
# an eventfd (zokio's way) or IORING_OP_MSG_RING (rt_wake). Each line is one run; REPS runs
# alternate the contenders.
# Usage: bench/files.sh BUILD_DIR
# Knobs: FILES_SIZE_MB (1024), FILES_SECONDS (3), FILES_REPS (3), FILES_DEPTH (64),
#        FILES_THREADS (4, the pool's), FILES_PATH (a file to use instead of a temporary one).
set -u
BUILD=${1:?usage: bench/files.sh BUILD_DIR}
BIN=$BUILD/bench/rt_files
SIZE=${FILES_SIZE_MB:-1024}
SECS=${FILES_SECONDS:-3}
REPS=${FILES_REPS:-3}
DEPTH=${FILES_DEPTH:-64}
THREADS=${FILES_THREADS:-4}
[ -x "$BIN" ] || { echo "files.sh: $BIN not built" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zk-files.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
FILE=${FILES_PATH:-$TMP/data}
if [ ! -f "$FILE" ]; then
    echo "files.sh: writing a $SIZE MiB file"
    head -c $((SIZE * 1048576)) /dev/urandom >"$FILE" || exit 1
fi
cat "$FILE" >/dev/null # into the page cache

fio_run() { # NAME ARGS...: IOPS and CPU (usr+sys %) of one fio job
    name=$1
    shift
    # --invalidate=0: fio would drop the file's pages first and measure the disk
    fio --name="$name" --filename="$FILE" --rw=randread --bs=4k --invalidate=0 \
        --runtime="$SECS" --time_based --output-format=terse --terse-version=3 "$@" 2>/dev/null |
        awk -F';' -v n="$name" '{ printf "fio %-22s iops=%d cpu_usr+sys=%.0f%%\n", n, $8, $88 + $89 }'
}

rc=0
for rep in $(seq "$REPS"); do
    echo "-- run $rep"
    for b in io_uring epoll; do
        ZOKIO_BACKEND=$b "$BIN" read "$FILE" "$SECS" "$DEPTH" "$THREADS" || rc=1
    done
    if command -v fio >/dev/null; then
        fio_run psync --ioengine=psync
        fio_run io_uring-batched --ioengine=io_uring --iodepth="$DEPTH" \
            --iodepth_batch_submit=32 --iodepth_batch_complete_min=16
        fio_run io_uring --ioengine=io_uring --iodepth="$DEPTH"
    else
        echo "fio: not installed (Debian package fio), skipped"
    fi
    for b in io_uring epoll; do
        ZOKIO_BACKEND=$b "$BIN" work - "$SECS" "$DEPTH" "$THREADS" || rc=1
    done
    for w in eventfd msg_ring; do
        "$BUILD/bench/rt_wake" "$w" || echo "rt_wake $w: failed (io_uring unavailable?)"
    done
done
exit $rc
