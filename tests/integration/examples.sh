#!/bin/sh
# SPDX-License-Identifier: MIT
# The runtime's examples, run on the backend of ZOKIOD_BACKEND (passed on as ZOKIO_BACKEND):
#   examples/cat_copy     build/examples/cat copies a 3 MB random file (many chunks, several in
#                         flight), a 1-byte file and an empty file byte for byte
#   examples/cat_errors   a missing SRC and an unwritable DST: exit 1, the path named on stderr
# Run by tests/run.sh once per backend; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/examples.sh
# Prints one line per test and ends with "N passed, N failed"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1

backend=${ZOKIOD_BACKEND:-auto}
build=${ZOKIOD_BUILD:-build}
cat_bin=$build/examples/cat
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zokio-examples.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

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

if [ ! -x "$cat_bin" ]; then
    fail cat_copy "$cat_bin not built (make)"
else
    copy_test
    errors_test
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
