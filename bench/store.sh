#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/store.sh - the accounting store's cost per generation: builds
# bench/tools/store_ops.c against BUILD's libircore.a and runs it on a
# file database on disk and on tmpfs (/dev/shm, where fsync is free).
#
#   BUILD=build bench/store.sh [PAIRS] [CONCURRENT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
pairs=${1:-5000}
conc=${2:-32}
work=$(mktemp -d /tmp/irstore-bench.XXXXXX)
shm=$(mktemp -d /dev/shm/irstore-bench.XXXXXX)
trap 'rm -rf "$work" "$shm"' EXIT
deps="libevent libevent_pthreads jansson libcurl sqlite3 libpq libcrypto vips"
# shellcheck disable=SC2046
cc -O2 -Wall -rdynamic -I"$root/src" -o "$work/store_ops" \
  "$root/bench/tools/store_ops.c" "$build/libircore.a" \
  $(pkg-config --cflags --libs $deps) -lhttp_parser -lpthread -lm
"$work/store_ops" -d "$work/store.db" -n "$pairs" -c "$conc"
"$work/store_ops" -d "$shm/store.db" -n "$pairs" -c "$conc"
