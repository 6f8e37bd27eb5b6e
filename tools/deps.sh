#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs, with apt-get, the Debian 12 packages needed to build and test zokiod, and only those
# that are missing. Works from a bare `debootstrap --variant=minbase` system (no compiler, make
# or curl). Needs root only when something is missing.

# Build: gcc make libc6-dev liburing-dev libpcre2-dev (regex locations and server names)
# libmbedtls-dev (TLS) node-llhttp (llhttp's C sources).
# Tests and tools: curl openssl (test certificates, s_client) wrk clang-format procps python3,
# util-linux (setpriv, prlimit), systemd (systemd-analyze checks the shipped unit), slowhttptest
# (slow-client attacks), nginx-light (tests/integration/nginx_diff.sh runs nginx 1.22 beside
# zokiod on its own ports and compares their answers; Debian also starts its nginx service on
# port 80 when installing it).
# Benchmarks: fio (bench/files.sh runs it beside zokio's file ops on the same file; without it
# that part is skipped with a line saying so, the rest of `make bench` runs).
PKGS="gcc make libc6-dev liburing-dev libpcre2-dev libmbedtls-dev node-llhttp curl openssl wrk
clang-format procps python3 util-linux systemd slowhttptest nginx-light fio"

missing=""
for p in $PKGS; do
    case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
    *" ok installed") ;;
    *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "deps: all build and test packages are installed"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "deps: error: missing packages:$missing; run as root: sh tools/deps.sh (or apt-get install$missing)" >&2
    exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # $missing is a word list
apt-get update -q && apt-get install -y -q --no-install-recommends $missing || {
    echo "deps: error: apt-get failed to install:$missing" >&2
    exit 1
}
