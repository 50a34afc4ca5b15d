#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/compat/run.sh - runs one node:test file against the built router.
# Exits 77 (skipped) when Node.js or the npm packages are missing
# (scripts/test-deps.sh installs them with `npm ci`).
#
#   IR_BIN=... [IR_EMULATOR=...] run.sh FILE.test.mjs
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# Outside CI a missing toolchain skips; in CI (CI=true) it fails, so a
# green run always means the real clients ran.
missing=77
[ "${CI:-}" = "true" ] && missing=1
if ! command -v node >/dev/null 2>&1; then
    echo "node is not installed"; exit $missing
fi
if [ ! -d "$here/node_modules/@openrouter/sdk" ] || [ ! -d "$here/node_modules/openai" ]; then
    echo "run 'npm ci' in $here (scripts/test-deps.sh does)"; exit $missing
fi
cd "$here"
exec node --test --test-reporter=spec "$1"
