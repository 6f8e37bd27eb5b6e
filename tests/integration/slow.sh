#!/bin/sh
# SPDX-License-Identifier: MIT
# Slow-client attacks (slowloris, slow body, slow read) with slowhttptest, 1,000 attacking
# sockets each, against a real zokiod over loopback while a normal client runs; checks that
# the normal client is served, every attacking socket is closed by its deadline and the worker's
# RSS and fds return to their baseline. Skips each test when slowhttptest is missing.
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/slow.sh [NAME-SUBSTRING...]
# Prints one line per test and ends with "N passed, N failed[, N skipped]"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
exec python3 tests/integration/slow_test.py "$@"
