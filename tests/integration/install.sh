#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks of `make install` (into a temporary DESTDIR; nothing outside it is touched):
#   install/refuses_other_prefix  PREFIX or SYSCONFDIR other than configure's: refused, saying
#                                 what to run (the binary would look for its config elsewhere)
#   install/tree                  the configured install: binary, config with absolute paths and
#                                 its comments untouched, mime.types, man page; `zokiod -t` on it
#   install/default_conf          the installed binary looks for SYSCONFDIR/zokiod/zokiod.conf
# Run by tests/run.sh once per backend (nothing here depends on it); by hand:
#   ZOKIOD_BUILD=build sh tests/integration/install.sh
# Prints one line per test and ends with "N passed, N failed"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1

backend=${ZOKIOD_BACKEND:-auto}
build=${ZOKIOD_BUILD:-build}
passed=0
failed=0

ok() {
    echo "ok   install/$1 [$backend]"
    passed=$((passed + 1))
}
fail() {
    name=$1
    shift
    echo "FAIL install/$name [$backend]: $*"
    failed=$((failed + 1))
}

# value KEY: "KEY = value" of the generated Makefile
value() {
    sed -n "s/^$1[[:space:]]*?*=[[:space:]]*//p" Makefile | head -n 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zokiod-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

prefix=$(value PREFIX)
sysconf=$(value SYSCONFDIR)
datadir=$prefix/share
logdir=$(value LOGDIR)
rundir=$(value RUNDIR)

# install/refuses_other_prefix
other=/opt/zokiod-elsewhere
if out=$(make -s BUILD="$build" install DESTDIR="$tmp/other" PREFIX="$other" 2>&1); then
    fail refuses_other_prefix "make install PREFIX=$other succeeded: $(echo "$out" | head -n 3)"
elif ! echo "$out" | grep -q "run: sh configure --prefix=$other --sysconfdir="; then
    fail refuses_other_prefix "no hint to re-run configure in: $(echo "$out" | head -n 3)"
elif [ -e "$tmp/other$other" ]; then
    fail refuses_other_prefix "refused, but it installed into $tmp/other$other"
else
    ok refuses_other_prefix
fi

# install/tree
dest=$tmp/root
conf=$dest$sysconf/zokiod/zokiod.conf
if ! out=$(make -s BUILD="$build" install DESTDIR="$dest" 2>&1); then
    fail tree "make install failed: $(echo "$out" | tail -n 3)"
elif [ ! -x "$dest$prefix/sbin/zokiod" ] || [ ! -f "$conf" ] ||
    [ ! -f "$dest$sysconf/zokiod/mime.types" ] || [ ! -f "$dest$datadir/man/man8/zokiod.8" ] ||
    [ ! -f "$dest$datadir/zokiod/www/index.html" ]; then
    fail tree "missing files under $dest: $(cd "$dest" && find . -type f | head -n 12 | tr '\n' ' ')"
elif ! grep -q "^ *root $datadir/zokiod/www;" "$conf"; then
    fail tree "the installed config's root is not $datadir/zokiod/www"
elif [ "$(grep '^[[:space:]]*#' "$conf")" != "$(grep '^[[:space:]]*#' conf/zokiod.conf)" ]; then
    fail tree "the install rewrote comments of conf/zokiod.conf"
elif ! sed "s|$logdir/|$dest$logdir/|g; s|$rundir/|$dest$rundir/|g" "$conf" >"$conf.t" ||
    ! out=$("$dest$prefix/sbin/zokiod" -t -q -c "$conf.t" 2>&1); then
    # (-t opens the log files, as nginx -t does: a copy of the config logs into DESTDIR)
    fail tree "zokiod -t on the installed config (logs under DESTDIR): $out"
elif [ ! -f "$dest$logdir/access.log" ]; then
    fail tree "zokiod -t did not open $dest$logdir/access.log"
else
    ok tree
fi

# install/default_conf: run where there is no conf/zokiod.conf to fall back on
want=$sysconf/zokiod/zokiod.conf
if [ -e "$want" ]; then
    ok default_conf # a real install is there: its path is the one looked for, nothing to learn
else
    out=$(cd "$tmp" && "$dest$prefix/sbin/zokiod" -t 2>&1)
    if echo "$out" | grep -q "open() \"$want\" failed"; then
        ok default_conf
    else
        fail default_conf "zokiod -t did not look for $want: $out"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
