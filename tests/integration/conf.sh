#!/bin/sh
# SPDX-License-Identifier: MIT
# Black-box tests of zokiod's configuration file, virtual hosts, command line, master/worker
# processes, signals and logs (issue 4), against real zokiod processes over loopback.
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/conf.sh [NAME-SUBSTRING...]
# Prints one line per test and ends with "N passed, N failed[, N skipped]"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
exec python3 tests/integration/conf_test.py "$@"
