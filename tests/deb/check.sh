#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package as a user meets it: builds it (tools/mkdeb.sh), `dpkg -i`, checks what it
# installed, starts zokiod in the foreground with the installed config, fetches the page, stops
# it, then `dpkg --purge` and checks nothing is left. It changes the system (installs and purges
# a package), so it is not part of `make check`: run it as root in a throw-away system,
#   ../shared/tools/fresh-debian.sh 'sh tools/deps.sh && sh configure && make deb-check' .
# Prints one line per check and ends with "N passed, N failed"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
build=${ZOKIOD_BUILD:-build}
passed=0
failed=0
ok() {
    echo "ok   deb/$1"
    passed=$((passed + 1))
}
fail() {
    name=$1
    shift
    echo "FAIL deb/$name: $*"
    failed=$((failed + 1))
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

[ "$(id -u)" = 0 ] || { echo "deb-check: needs root (it installs and purges the package)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' zokiod 2>/dev/null | grep -q installed; then
    echo "deb-check: a zokiod package is installed already; run this in a throw-away system" >&2
    exit 1
fi

deb=$(sh tools/mkdeb.sh "$build") || { fail build "tools/mkdeb.sh failed"; finish; }
ok build

if out=$(dpkg -i "$deb" 2>&1); then ok install; else fail install "$out"; finish; fi

missing=""
for f in /usr/sbin/zokiod /etc/zokiod/zokiod.conf /etc/zokiod/mime.types /etc/logrotate.d/zokiod \
    /usr/lib/systemd/system/zokiod.service /usr/share/man/man8/zokiod.8.gz \
    /usr/share/zokiod/www/index.html /usr/share/doc/zokiod/copyright; do
    [ -e "$f" ] || missing="$missing $f"
done
conffiles=$(dpkg-query -W -f='${Conffiles}' zokiod)
if [ -n "$missing" ]; then
    fail files "missing:$missing"
elif ! echo "$conffiles" | grep -q "/etc/zokiod/zokiod.conf"; then
    fail files "zokiod.conf is not a conffile: $conffiles"
elif [ ! -L /etc/systemd/system/multi-user.target.wants/zokiod.service ]; then
    fail files "the service is not enabled"
elif ! grep -q '^User=www-data$' /usr/lib/systemd/system/zokiod.service; then
    fail files "the service does not run as www-data"
else
    ok files
fi

if out=$(zokiod -t 2>&1); then ok config_test; else fail config_test "zokiod -t: $out"; fi

# the installed config: pid in /run/zokiod (systemd's RuntimeDirectory), listen 127.0.0.1:8080
mkdir -p /run/zokiod
zokiod >/tmp/zokiod-deb.out 2>&1 &
pid=$!
body=""
i=0
while [ $i -lt 50 ]; do
    body=$(curl -fsS --max-time 2 http://127.0.0.1:8080/ 2>/dev/null) && break
    sleep 0.1
    i=$((i + 1))
done
if echo "$body" | grep -qi "zokiod"; then
    ok serve
else
    fail serve "no page from the installed zokiod: $(tail -n 5 /tmp/zokiod-deb.out)"
fi
kill -QUIT "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf /run/zokiod /tmp/zokiod-deb.out

if out=$(dpkg --purge zokiod 2>&1); then ok purge; else fail purge "$out"; fi
left=""
for f in /usr/sbin/zokiod /etc/zokiod /etc/logrotate.d/zokiod /usr/lib/systemd/system/zokiod.service \
    /etc/systemd/system/multi-user.target.wants/zokiod.service /usr/share/zokiod; do
    [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
if [ -n "$left" ]; then fail purged "left behind:$left"; else ok purged; fi
finish
