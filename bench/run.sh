#!/bin/sh
# SPDX-License-Identifier: MIT
# All benchmarks. Usage: bench/run.sh BUILD_DIR   (see bench/README.md)
set -u
BUILD=${1:?usage: bench/run.sh BUILD_DIR}
DIR=$(dirname "$0")
rc=0
sh "$DIR/runtime.sh" "$BUILD" || rc=1
# The HTTP bench (zokiod against nginx, h2o, lighttpd under wrk) will be added here.
exit $rc
