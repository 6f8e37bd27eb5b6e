#!/bin/sh
# SPDX-License-Identifier: MIT
# Black-box tests of zokiod's TLS (issue 10): listen ... ssl, certificates and SNI, big files,
# pipelining and ranges over TLS, plain HTTP to a TLS port, bad handshakes, config errors, RSA and
# ECDSA pairs on one server, ECDHE groups, a renewed certificate reloaded under load, 1,000
# abandoned handshakes, truncated records, renegotiation, weak suites.
# Run by tests/run.sh once per backend with ZOKIOD_BACKEND and ZOKIOD_BUILD set; by hand:
#   ZOKIOD_BACKEND=epoll ZOKIOD_BUILD=build sh tests/integration/tls.sh [NAME-SUBSTRING...]
# Needs the openssl and curl commands (tests that need them skip without them).
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/integration/tls_test.py "$@"
