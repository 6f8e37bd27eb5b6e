#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every unit test binary ($BUILD/tests/unit-*) and every executable tests/integration/*.sh
# once per backend (ZOKIOD_BACKEND=io_uring, then epoll), shows only what is not "ok" (plus a
# header per binary), sums the summary lines and ends with "N passed, N failed[, N skipped]".
# Exit status 1 when anything failed.
#
# usage: sh tests/run.sh [BUILD_DIR]      (default: build)
# env:   ZT_VERBOSE=1        print every line
#        ZT_BACKENDS="epoll" backends to run (default: "io_uring epoll")
#        ZT_INTEGRATION_TIMEOUT=seconds per integration script (default: 600)

build=${1:-build}
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
cd "$(dirname "$0")/.." || exit 1
[ -d "$build" ] || {
    echo "tests/run.sh: no build directory $build (run make first)" >&2
    exit 1
}

backends=${ZT_BACKENDS:-io_uring epoll}
itimeout=${ZT_INTEGRATION_TIMEOUT:-600}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zokio-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM HUP

passed=0
failed=0
skipped=0

# run_one LABEL BACKEND CMD...: runs CMD with stdout+stderr through the filter, then adds the
# counts of its summary line (or 1 failure when it crashed or printed none) to the totals.
run_one() {
    label=$1
    backend=$2
    shift 2
    echo "== $label [$backend]"
    { "$@" 2>&1; echo "@@zt-exit-status@@ $?"; } | awk \
        -v verbose="${ZT_VERBOSE:-0}" -v label="$label" -v backend="$backend" \
        -v counts="$tmp/counts" '
        match($0, /@@zt-exit-status@@ [0-9]+$/) {
            # the marker may follow a last line that had no newline
            status = substr($0, RSTART + 19) + 0
            $0 = substr($0, 1, RSTART - 1)
            if ($0 == "") next
        }
        /^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
            have = 1; p = $1 + 0; f = $3 + 0; s = (NF >= 6) ? $5 + 0 : 0
            if (verbose == "1") { print; fflush() }
            next
        }
        { if (verbose == "1" || substr($0, 1, 3) != "ok ") { print; fflush() } }
        END {
            if (!have) {
                p = 0; f = 1; s = 0
                if (status > 128)
                    why = "crashed: killed by signal " (status - 128) ", no summary line"
                else if (status == 124)
                    why = "timed out, no summary line"
                else
                    why = "no summary line (exit status " status ")"
                print "FAIL " label " [" backend "]: " why
            } else if (status != 0 && !(status == 1 && f > 0)) {
                f++
                print "FAIL " label " [" backend "]: exited abnormally (status " status ")"
            }
            print p, f, s > counts
        }'
    read -r p f s <"$tmp/counts" || {
        p=0
        f=1
        s=0
    }
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
}

for backend in $backends; do
    for bin in "$build"/tests/unit-*; do
        [ -f "$bin" ] && [ -x "$bin" ] || continue
        run_one "$(basename "$bin")" "$backend" env ZOKIOD_BACKEND="$backend" "$bin"
    done
    for t in tests/integration/*.sh; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        run_one "$t" "$backend" env ZOKIOD_BACKEND="$backend" ZOKIOD_BUILD="$build" \
            timeout -k 10 "$itimeout" "./$t"
    done
done

# io_uring once more without its optional features (no DEFER_TASKRUN, multishot or buffer ring),
# so the runtime's feature-by-feature fallbacks are tested too
case " $backends " in
*" io_uring "*)
    bin="$build/tests/unit-runtime"
    [ -x "$bin" ] && run_one unit-runtime io_uring+basic env ZOKIOD_BACKEND=io_uring \
        ZOKIO_URING_BASIC=1 "$bin"
    ;;
esac

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
