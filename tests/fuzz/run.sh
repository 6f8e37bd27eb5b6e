#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer harnesses tests/fuzz/*.c into BUILD/fuzz/NAME (the project's C files and
# llhttp compiled with clang and -fsanitize=fuzzer-no-link,address,undefined under BUILD/fuzz/obj)
# and runs each for SECONDS on a temporary copy of its seed corpus tests/fuzz/corpus/NAME (the
# repository is never written to). Prints "ok fuzz/NAME: N runs, R/s" or "FAIL fuzz/NAME: ..."
# per harness and ends with "N passed, N failed". Exit status 1 when a harness crashed, leaked,
# hung or did not build. Without clang or its libFuzzer runtime it prints a hint and exits 0:
# fuzzing is not part of `make check`.
#
# usage: sh tests/fuzz/run.sh [BUILD_DIR [SECONDS]]     (defaults: build, 20)
# env:   FUZZ_CC=clang   LLHTTP_SRC=/usr/share/llhttp   LLHTTP_INC=/usr/share/include/llhttp
#        FUZZ_LIBS="-luring -lpcre2-8 -lmbedtls -lmbedx509 -lmbedcrypto"   (make passes
#        configure's LIBS)
#        FUZZ_ONLY="path range"   harnesses to run (default: all)
#        FUZZ_ARGS="..."          extra libFuzzer options (e.g. -jobs=2 or -dict=FILE)

build=${1:-build}
secs=${2:-20}
cc=${FUZZ_CC:-clang}
llhttp_src=${LLHTTP_SRC:-/usr/share/llhttp}
llhttp_inc=${LLHTTP_INC:-/usr/share/include/llhttp}
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
cd "$(dirname "$0")/../.." || exit 1
case $secs in
'' | *[!0-9]*)
    echo "tests/fuzz/run.sh: SECONDS must be a number, not \"$secs\"" >&2
    exit 2
    ;;
esac

hint="fuzz: skipped: needs clang with libFuzzer (Debian packages: clang libclang-rt-14-dev)"
command -v "$cc" >/dev/null 2>&1 || {
    echo "$hint"
    exit 0
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zokio-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM HUP

# the runtime is there when a trivial harness links with it
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
    'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' >"$tmp/probe.c"
# shellcheck disable=SC2086 # flag lists
"$cc" -fsanitize=fuzzer $san -o "$tmp/probe" "$tmp/probe.c" >/dev/null 2>&1 || {
    echo "$hint"
    exit 0
}

out=$build/fuzz
obj=$out/obj
mkdir -p "$obj/llhttp" "$out/artifacts" || exit 1
log=$out/build.log
: >"$log"
cflags="-std=c11 -D_GNU_SOURCE -O1 -g $san -fsanitize=fuzzer-no-link -I. -I$llhttp_inc"
warn="-Wall -Wextra -Wshadow -Wmissing-prototypes"

# newer A B: A was modified after B (find -newer: test -nt is not POSIX)
newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; }
jobs=$(nproc 2>/dev/null || echo 2)
running=0
# compile SRC OBJ FLAGS...: in the background, only when OBJ is missing or older than SRC or
# than the newest header; a failure leaves OBJ.fail behind (its messages: OBJ.log)
compile() {
    src=$1
    o=$2
    shift 2
    if [ -f "$o" ] && ! newer "$src" "$o" && ! newer "$newest_h" "$o"; then
        return 0
    fi
    rm -f "$o" "$o.fail"
    { "$@" -c -o "$o" "$src" >"$o.log" 2>&1 || : >"$o.fail"; } &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
}

# the newest header (or this script: flags changed) makes every object stale
newest_h=tests/fuzz/run.sh
for h in zk_features.h runtime/*.h http/*.h conf/*.h "$llhttp_inc/llhttp.h"; do
    [ -f "$h" ] && newer "$h" "$newest_h" && newest_h=$h
done

build_libs() {
    rm -f "$obj/libproject.a" "$obj/libllhttp.a"
    lobjs=
    for f in api http llhttp; do
        # shellcheck disable=SC2086
        compile "$llhttp_src/$f.c" "$obj/llhttp/$f.o" "$cc" $cflags -w -DLLHTTP_STRICT_MODE=1
        lobjs="$lobjs $obj/llhttp/$f.o"
    done
    objs=
    for src in runtime/*.c http/*.c conf/*.c; do
        [ -f "$src" ] || continue
        o=$obj/$(echo "${src%.c}" | tr / _).o
        # shellcheck disable=SC2086
        compile "$src" "$o" "$cc" $cflags $warn
        objs="$objs $o"
    done
    wait
    ok=1
    for o in $lobjs $objs; do
        [ -s "$o.log" ] && cat "$o.log" >>"$log"
        [ -f "$o.fail" ] && ok=0
    done
    [ "$ok" = 1 ] || return 1
    # shellcheck disable=SC2086
    ar rcs "$obj/libllhttp.a" $lobjs && ar rcs "$obj/libproject.a" $objs
}

libs="${FUZZ_LIBS:--luring -lpcre2-8 -lmbedtls -lmbedx509 -lmbedcrypto} -lpthread"
build_ok=1
echo "fuzz: building the harnesses with $cc into $out (log: $log)"
build_libs || build_ok=0

passed=0
failed=0
for h in tests/fuzz/*.c; do
    name=$(basename "$h" .c)
    if [ -n "${FUZZ_ONLY:-}" ]; then
        case " $FUZZ_ONLY " in
        *" $name "*) ;;
        *) continue ;;
        esac
    fi
    bin=$out/$name
    # shellcheck disable=SC2086
    if [ "$build_ok" = 0 ] || ! "$cc" $cflags $warn -Werror -fsanitize=fuzzer -o "$bin" "$h" \
        "$obj/libproject.a" "$obj/libllhttp.a" $libs >>"$log" 2>&1; then
        echo "FAIL fuzz/$name: does not build, see $log"
        failed=$((failed + 1))
        continue
    fi
    corpus=$tmp/corpus-$name
    mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$name" ] && cp tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null
    rlog=$out/$name.log
    rm -f "$out/artifacts/$name"-*
    # detect_leaks: LeakSanitizer runs after every input that allocated more than it freed
    # shellcheck disable=SC2086
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=print_stacktrace=1 \
        TMPDIR="$tmp" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" ${FUZZ_ARGS:-} \
        "$corpus" >"$rlog" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$rlog" | tail -n 1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$rlog" | tail -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        rate=$runs
        [ -n "$took" ] && [ "$took" -gt 0 ] && rate=$((runs / took))
        echo "ok fuzz/$name: $runs runs, $rate/s"
        passed=$((passed + 1))
    else
        what=crash
        grep -q 'ERROR: LeakSanitizer' "$rlog" && what=leak
        grep -q 'ERROR: libFuzzer: timeout' "$rlog" && what=timeout
        grep -q 'ERROR: libFuzzer: out-of-memory' "$rlog" && what='out of memory'
        art=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$rlog" | tail -n 1)
        echo "FAIL fuzz/$name: $what, see $rlog${art:+ (input: $art)}"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
