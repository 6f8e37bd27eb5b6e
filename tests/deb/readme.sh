#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's command lines as a new user types them on a fresh Debian 12 (issue 13): the quick
# start's first line (installs, builds, serves www/ on 127.0.0.1:8080), the install line of
# "Installing" (`sh configure --prefix=/usr && make -j2 && make install`, then `zokiod -t` and
# `zokiod -V` with the installed config), `zokiod -r DIR -l PORT` run from outside the checkout,
# and `make deb-check`. It installs packages and files under /usr and /etc, so it is not part of
# `make check`: run it as root in a throw-away system, from a checkout that has never been built:
#   ../shared/tools/fresh-debian.sh 'sh tests/deb/readme.sh' .
# (the quick start's second line is .ci/run itself). Prints one line per check and ends with
# "N passed, N failed"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
passed=0
failed=0
ok() {
    echo "ok   readme/$1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL readme/$1: $2"
    failed=$((failed + 1))
}
# check NAME WANT URL: the status and Content-Type curl reports for URL
check() {
    got=$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' "$3" 2>&1)
    if [ "$got" = "$2" ]; then ok "$1"; else fail "$1" "GET $3: want \"$2\", got \"$got\""; fi
}
# wait_port PORT SECONDS: until something answers on 127.0.0.1:PORT
wait_port() {
    i=0
    while [ "$i" -lt "$2" ]; do
        curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null && return 0
        sleep 1
        i=$((i + 1))
    done
    return 1
}
stop_all() {
    pkill -INT -x zokiod 2>/dev/null
    i=0
    while pgrep -x zokiod >/dev/null && [ "$i" -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

[ "$(id -u)" = 0 ] || { echo "readme.sh: needs root (it installs packages and zokiod)" >&2; exit 1; }
log=$(mktemp -d /tmp/zokiod-readme.XXXXXX)

# 1. sh tools/deps.sh && sh configure && make -j2 run   (the README's first line, as written)
(sh tools/deps.sh && sh configure && make -j2 run) >"$log/run.txt" 2>&1 &
if wait_port 8080 600; then
    ok quick_start_serves
    check quick_start_index "200 text/html" http://127.0.0.1:8080/
    check quick_start_404 "404 text/html" http://127.0.0.1:8080/no-such-page
else
    fail quick_start_serves "nothing on 127.0.0.1:8080 after 600 s: $(tail -n 5 "$log/run.txt")"
fi
stop_all

# 2. sh configure --prefix=/usr && make -j2 && make install; zokiod -t; zokiod -V
if (sh configure --prefix=/usr && make -j2 && make install) >"$log/install.txt" 2>&1; then
    ok install
    if out=$(zokiod -t 2>&1) && echo "$out" | grep -q "/etc/zokiod/zokiod.conf test is successful"; then
        ok installed_config_tests_ok
    else
        fail installed_config_tests_ok "zokiod -t: $out"
    fi
    out=$(zokiod -V 2>&1)
    if echo "$out" | grep -q "^configuration file: /etc/zokiod/zokiod.conf$" &&
        echo "$out" | grep -q "^event backends: io_uring, epoll"; then
        ok version_V
    else
        fail version_V "zokiod -V: $out"
    fi
    # 3. zokiod -r DIR -l PORT, from outside the checkout: a listing, built-in media types
    mkdir -p "$log/site"
    echo hello >"$log/site/a.txt"
    echo 'body{}' >"$log/site/s.css"
    (cd / && zokiod -r "$log/site" -l 8000) >"$log/quick.txt" 2>&1 &
    if wait_port 8000 10; then
        check quick_mode_listing "200 text/html" http://127.0.0.1:8000/
        check quick_mode_txt "200 text/plain" http://127.0.0.1:8000/a.txt
        check quick_mode_css "200 text/css" http://127.0.0.1:8000/s.css
    else
        fail quick_mode "zokiod -r did not answer on 8000: $(cat "$log/quick.txt")"
    fi
    stop_all
else
    fail install "$(tail -n 5 "$log/install.txt")"
fi

# 4. make deb-check (the "Debian package" lines), from a build configured as README says
if (sh configure && make deb-check) >"$log/deb.txt" 2>&1; then
    ok deb_check
else
    fail deb_check "$(grep -E '^FAIL|passed' "$log/deb.txt" | tail -n 5)"
fi

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
