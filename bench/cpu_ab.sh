#!/usr/bin/env bash
# bench/cpu_ab.sh - router CPU per request of two builds, measured turn
# about against one emulator (--tiny, a 1 KB image) with POST /api/v1/images
# through the OpenAI provider. On a busy or shared machine req/s swings
# with the neighbours; CPU time per request (schedstat of every router
# thread around a fixed-duration wrk run) and context switches per
# request are steadier, and alternating the builds round by round spreads
# the noise over both.
#
#   bench/cpu_ab.sh [-c CONNS] [-d SECONDS] [-r ROUNDS] BUILD_A BUILD_B
#
# Default 32 connections, 5 s, 4 rounds. BUILD_A and BUILD_B are build
# directories (with imagerouter and tests/emulator/ir-emulator); the
# emulator comes from BUILD_B.
. "$(dirname "$0")/perf-lib.sh"

CONNS=32 DUR=5 ROUNDS=4
while [ $# -gt 0 ]; do
  case $1 in
  -c) CONNS=$2; shift ;;
  -d) DUR=$2; shift ;;
  -r) ROUNDS=$2; shift ;;
  -*) perf_die "unknown argument $1" ;;
  *) break ;;
  esac
  shift
done
[ $# -eq 2 ] || perf_die "usage: cpu_ab.sh [-c N] [-d S] [-r R] BUILD_A BUILD_B"
BUILD_A=$1 BUILD_B=$2
command -v wrk >/dev/null || perf_die "needs wrk"
# shellcheck disable=SC2034 # perf_start_emu runs $EMU
EMU=$BUILD_B/tests/emulator/ir-emulator
perf_start_emu emu --tiny

declare -A PID PORT CPU REQS
# start_one NAME BUILD: a router with its own store and key.
start_one() {
  local key
  IR=$2/imagerouter
  [ -x "$IR" ] || perf_die "no $IR"
  key=$(perf_key "$PERF_WORK/$1.db")
  perf_start_router "$1" "$PERF_WORK/$1.db"
  PID[$1]=$R_PID
  PORT[$1]=$R_PORT
  cat >"$PERF_WORK/$1.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-image-1","prompt":"bench","provider":{"only":["openai"]}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
EOF
  wrk -t1 -c"$CONNS" -d1 -s "$PERF_WORK/$1.lua" \
    "http://127.0.0.1:$R_PORT/api/v1/images" >/dev/null # warm up
}

# Context switches of every thread of PID.
ctx_switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'
}

start_one A "$BUILD_A"
start_one B "$BUILD_B"
perf_machine
printf '%-5s %5s %8s %10s %9s %10s\n' build round requests cpu_us/req \
  csw/req p50
for round in $(seq 1 "$ROUNDS"); do
  for b in A B; do
    p=${PID[$b]}
    c0=$(perf_cpu_ns "$p")
    s0=$(ctx_switches "$p")
    out=$(wrk -t1 -c"$CONNS" -d"$DUR" --latency -s "$PERF_WORK/$b.lua" \
      "http://127.0.0.1:${PORT[$b]}/api/v1/images")
    c1=$(perf_cpu_ns "$p")
    s1=$(ctx_switches "$p")
    n=$(echo "$out" | awk '/requests in/ { print $1 }')
    [ "${n:-0}" -gt 0 ] || perf_die "no requests: $out"
    ! echo "$out" | grep -q Non-2xx || perf_die "errors: $out"
    p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
    printf '%-5s %5s %8s %10s %9s %10s\n' "$b" "$round" "$n" \
      $(((c1 - c0) / n / 1000)) \
      "$(awk -v a="$s0" -v b="$s1" -v n="$n" \
        'BEGIN { printf "%.1f", (b - a) / n }')" "$p50"
    CPU[$b]=$((${CPU[$b]:-0} + (c1 - c0) / 1000))
    REQS[$b]=$((${REQS[$b]:-0} + n))
  done
done
for b in A B; do
  printf 'total %s: %d us CPU/request over %d requests\n' "$b" \
    $((CPU[$b] / REQS[$b])) "${REQS[$b]}"
done
