#!/bin/sh
# SPDX-License-Identifier: MIT
# Black-box tests of variables, set, rewrite, return, try_files and internal (issue 9), against
# real zokiod processes over loopback, and a single-page-app site compared with nginx header by
# header (skipped without nginx). Run by tests/run.sh once per backend; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/rewrite.sh [NAME-SUBSTRING...]
cd "$(dirname "$0")/../.." || exit 1
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
exec python3 tests/integration/rewrite_test.py "$@"
