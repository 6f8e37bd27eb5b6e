#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks of the shipped systemd unit dist/zokiod.service, without a running systemd:
#   unit/security  `systemd-analyze security --offline=yes` rates its exposure at most 4.5
#   unit/verify    `systemd-analyze verify` passes (ExecStart pointed at the built zokiod, the
#                  man page looked up in dist/), with no warning about zokiod.service
#   unit/paths     the unit, the installed config (Makefile.in's install sed) and the logrotate
#                  sample agree: the pid file lies in the unit's RuntimeDirectory, the logs in its
#                  LogsDirectory, and logrotate signals the unit or that pid file
# Without systemd-analyze all three count as one skip.
# Run by tests/run.sh once per backend (the checks do not depend on it); by hand:
#   ZOKIOD_BUILD=build sh tests/integration/unit_test.sh
# Prints one line per test and ends with "N passed, N failed[, N skipped]"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1

backend=${ZOKIOD_BACKEND:-auto}
build=${ZOKIOD_BUILD:-build}
unit=dist/zokiod.service
max_exposure=4.5
passed=0
failed=0
skipped=0

ok() {
    echo "ok   unit/$1 [$backend]"
    passed=$((passed + 1))
}
fail() {
    name=$1
    shift
    echo "FAIL unit/$name [$backend]: $*"
    failed=$((failed + 1))
}
skip() {
    echo "skip unit/$1 [$backend]: $2"
    skipped=$((skipped + 1))
}
summary() {
    if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ]
    exit
}

# value KEY FILE: the first "KEY=value" of a unit file or Makefile ("KEY ?= value" too)
value() {
    sed -n "s/^$1[[:space:]]*?*=[[:space:]]*//p" "$2" | head -n 1
}

check_paths() {
    rundir=$(value RUNDIR Makefile.in)
    logdir=$(value LOGDIR Makefile.in)
    runtime=$(value RuntimeDirectory "$unit")
    logs=$(value LogsDirectory "$unit")
    pid=$rundir/zokiod.pid
    # shellcheck disable=SC2016 # $(RUNDIR) is make's, matched literally
    if ! grep -q '^pid logs/zokiod.pid;' conf/zokiod.conf ||
        ! grep -q 's|^pid logs/zokiod.pid;|pid $(RUNDIR)/zokiod.pid;|' Makefile.in; then
        fail paths "Makefile.in's install no longer rewrites conf/zokiod.conf's pid line"
    elif [ -z "$runtime" ]; then
        fail paths "the unit has no RuntimeDirectory= for the pid file $pid"
    elif [ "$rundir" != "/run/$runtime" ]; then
        fail paths "installed pid $pid is outside the unit's RuntimeDirectory /run/$runtime" \
            "(unwritable for user zokiod): set RUNDIR ?= /run/$runtime in Makefile.in"
    elif [ -z "$logs" ]; then
        fail paths "the unit has no LogsDirectory= for the logs in $logdir"
    elif [ "$logdir" != "/var/log/$logs" ]; then
        fail paths "installed logs in $logdir, not in the unit's LogsDirectory /var/log/$logs"
    elif ! grep -q "^$logdir/\*\.log {" dist/zokiod.logrotate; then
        fail paths "dist/zokiod.logrotate does not rotate $logdir/*.log"
    elif ! grep -q "kill-whom=main --signal=USR1 zokiod.service" dist/zokiod.logrotate ||
        ! grep -q "cat $pid" dist/zokiod.logrotate; then
        fail paths "dist/zokiod.logrotate does not send USR1 to the unit or to $pid"
    else
        ok paths
    fi
}

if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip security "systemd-analyze not installed"
    summary
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zokiod-unit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 1' INT TERM HUP PIPE

# unit/security
out=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1)
level=$(printf '%s\n' "$out" |
    sed -n 's/.*Overall exposure level for [^:]*: *\([0-9][0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
    fail security "no overall exposure level in: $(printf '%s\n' "$out" | tail -n 3 | tr '\n' ' ')"
elif awk -v l="$level" -v m="$max_exposure" 'BEGIN { exit !(l + 0 <= m + 0) }'; then
    ok security
else
    worst=$(printf '%s\n' "$out" | grep -E ' [0-9]+\.[0-9]+$' | tr -s ' ' | head -n 8 | tr '\n' ';')
    fail security "exposure $level > $max_exposure: $worst"
fi

# unit/verify: `make install` rewrites /usr/sbin/zokiod the same way for another SBINDIR
zokiod=/bin/true
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
[ -x "$build/zokiod" ] && zokiod=$build/zokiod
sed "s|/usr/sbin/zokiod|$zokiod|g" "$unit" >"$tmp/zokiod.service"
mkdir -p "$tmp/man/man8" && cp dist/zokiod.8 "$tmp/man/man8/"
man=--man=no
command -v man >/dev/null 2>&1 && man=--man=yes
out=$(MANPATH="$tmp/man" systemd-analyze verify "$man" "$tmp/zokiod.service" 2>&1)
status=$?
# warnings about other installed units (network-online.target's neighbours) are not ours
mine=$(printf '%s\n' "$out" | grep -e '^zokiod\.service' -e "$tmp")
if [ "$status" -ne 0 ] || [ -n "$mine" ]; then
    fail verify "status $status: $(printf '%s\n' "$out" | head -n 5 | tr '\n' ' ')"
else
    ok verify
fi

check_paths
summary
