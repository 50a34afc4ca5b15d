#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/client/test_docs.sh - the C example in docs/sdk.md is exactly
# client/examples/generate.c (which test_example.c builds and runs).
#
#   test_docs.sh SOURCE_DIR
set -eu
src=${1:?source dir}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk '/^```c$/ && !done {on=1; next} on && /^```$/ {on=0; done=1} on' \
    "$src/docs/sdk.md" > "$tmp"
if ! diff -u "$src/client/examples/generate.c" "$tmp"; then
    echo "docs/sdk.md's example differs from client/examples/generate.c"
    exit 1
fi
echo "docs example matches"
