#!/bin/sh
# SPDX-License-Identifier: MIT
# Black-box HTTP/1.1 tests against a real zokiod process over loopback (raw sockets).
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/http.sh [NAME-SUBSTRING...]
# Prints one line per test and ends with "N passed, N failed[, N skipped]"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
# 1,000 concurrent connections (the wrk test) need more descriptors than the usual 1024, for
# the server and for wrk; both inherit this limit.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
exec python3 tests/integration/http_test.py "$@"
