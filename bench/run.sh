#!/usr/bin/env bash
# bench/run.sh - runs every benchmark script in bench/ (make bench calls
# it with $(BENCH_ARGS)), one after the other, passing its arguments on
# (e.g. --quick). Libraries (*-lib.sh) and this file are skipped; a
# script that fails is reported and the rest still run.
#
# usage: bench/run.sh [ARGS...]     e.g. make bench BENCH_ARGS=--quick

set -uo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
failed=()
for s in "$DIR"/*.sh; do
  case $(basename "$s") in
    run.sh|*-lib.sh) continue ;;
  esac
  echo "== $(basename "$s") $*"
  if ! bash "$s" "$@"; then
    failed+=("$(basename "$s")")
  fi
  echo
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
