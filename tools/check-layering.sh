#!/bin/sh
# SPDX-License-Identifier: MIT
# Keeps the layers honest by grepping the quoted includes (see STYLE.md):
#   runtime/ may include only runtime/... and zk_features.h (written from the repo root);
#   http/    must not include conf/... or server/...;
#   conf/    must not include runtime/..., http/... or server/....
# Prints each offending line and exits 1; prints nothing and exits 0 when clean.

cd "$(dirname "$0")/.." || exit 1

files=""
for f in runtime/*.[ch] http/*.[ch] conf/*.[ch]; do
    [ -f "$f" ] && files="$files $f"
done
[ -n "$files" ] || exit 0

# shellcheck disable=SC2086 # $files is a list of plain paths
awk '
/^[ \t]*#[ \t]*include[ \t]*"/ {
    inc = $0
    sub(/^[^"]*"/, "", inc)
    sub(/".*$/, "", inc)
    path = inc
    while (path ~ /^\.\.?\//)        # "../conf/x.h" names conf/x.h
        sub(/^\.\.?\//, "", path)
    layer = FILENAME
    sub(/\/.*$/, "", layer)
    why = ""
    if (layer == "runtime" && path !~ /^runtime\// && path != "zk_features.h")
        why = "runtime/ may include only runtime/ and zk_features.h (from the repo root)"
    else if (layer == "http" && path ~ /^(conf|server)\//)
        why = "http/ must not include conf/ or server/"
    else if (layer == "conf" && path ~ /^(runtime|http|server)\//)
        why = "conf/ must not include runtime/, http/ or server/"
    if (why != "") {
        printf "%s:%d: #include \"%s\": %s\n", FILENAME, FNR, inc, why
        bad = 1
    }
}
END { exit bad }
' $files
