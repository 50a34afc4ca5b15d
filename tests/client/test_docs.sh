#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/client/test_docs.sh - the C example in README.md and docs/sdk.md is
# client/examples/generate.c (which test_example.c builds and runs).
#
#   test_docs.sh SOURCE_DIR
set -eu
src=${1:?source dir}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for doc in README.md docs/sdk.md; do
    awk '/^```c$/ && !done {on=1; next} on && /^```$/ {on=0; done=1} on' \
        "$src/$doc" > "$tmp"
    if ! diff -u "$src/client/examples/generate.c" "$tmp"; then
        echo "$doc's example differs from client/examples/generate.c"
        exit 1
    fi
done
echo "README and docs examples match"
