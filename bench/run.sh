#!/bin/sh
# SPDX-License-Identifier: MIT
# All benchmarks. Usage: bench/run.sh BUILD_DIR   (see bench/README.md)
set -u
BUILD=${1:?usage: bench/run.sh BUILD_DIR}
DIR=$(dirname "$0")
rc=0
sh "$DIR/runtime.sh" "$BUILD" || rc=1
sh "$DIR/http.sh" "$BUILD" || rc=1
sh "$DIR/tls.sh" "$BUILD" || rc=1
sh "$DIR/files.sh" "$BUILD" || rc=1
sh "$DIR/udp.sh" "$BUILD" || rc=1
sh "$DIR/cold.sh" "$BUILD" || rc=1
exit $rc
