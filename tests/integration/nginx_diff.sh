#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential tests: nginx 1.22 and zokiod on the same configuration, the same request bytes,
# the same answers (status, headers, body, what happens to the connection). Every case is
# skipped when nginx is not installed (tools/deps.sh installs nginx-light) or cannot start.
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/nginx_diff.sh [NAME-SUBSTRING...]
#   sh tests/integration/nginx_diff.sh --self-test   (checks that a different zokiod is noticed)
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/integration/nginx_diff_test.py "$@"
