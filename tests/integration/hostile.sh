#!/bin/sh
# SPDX-License-Identifier: MIT
# The hostile-request table (smuggling, request-line and header abuse, traversal, ranges)
# against a real zokiod process over loopback (raw sockets), one line per category.
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/hostile.sh [NAME-SUBSTRING...]
# Prints one line per category and ends with "N passed, N failed[, N skipped]"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/integration/hostile_test.py "$@"
