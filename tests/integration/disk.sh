#!/bin/sh
# SPDX-License-Identifier: MIT
# A document root whose opens are held in the kernel (fanotify FAN_OPEN_PERM): other
# connections must be served meanwhile (tests/integration/disk_test.py says how and why).
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/disk.sh [NAME-SUBSTRING...]
# Prints one line per test and ends with "N passed, N failed[, N skipped]"; exit 1 on failure.
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/integration/disk_test.py "$@"
