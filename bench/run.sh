#!/usr/bin/env bash
# bench/run.sh - every scenario of the performance issue, one after the
# other, then ONE combined table of their figures (scenario, figure,
# value, reference, target, verdict). `make bench` calls it with
# $(BENCH_ARGS).
#
#   bench/run.sh [--quick] [--only NAME[,NAME...]] [--markdown FILE]
#
#   --quick          the short version of every scenario (under 2 minutes)
#   --only           run only these scenarios (names below, without .sh)
#   --markdown FILE  also write the combined table as Markdown to FILE
#   BUILD=dir        build directory (default build); built here, as
#                    RelWithDebInfo, when the binaries are missing
#
# Scenarios (bench/<name>.sh, each also runnable alone):
#   codec           base64: our codec vs OpenSSL vs memcpy, MB/s
#   idle            idle RSS, exec to the first /health 200
#   proxy_overhead  added latency at 1 connection vs nginx proxy_pass
#   portkey         throughput at 32 connections vs nginx and Portkey
#   bigimage        a 4096x4096 PNG: RSS growth and CPU vs base64
#   inflight        10,000 generations held 60 s (quick: 1000 x 10 s)
# Each scenario appends its rows to $PERF_TSV; a scenario that fails is
# reported in the table and the others still run. Everything listens on
# 127.0.0.1; every process a scenario starts is stopped by its PID.
set -uo pipefail

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DIR/.." && pwd)
SCENARIOS="codec idle proxy_overhead portkey bigimage inflight"
QUICK=0 ONLY='' MD='' ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
  --quick) QUICK=1; ARGS+=(--quick) ;;
  --only) ONLY=${2//,/ }; shift ;;
  --markdown) MD=$2; shift ;;
  -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
  *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$ONLY" ] && SCENARIOS=$ONLY

export BUILD=${BUILD:-build}
B=$BUILD
case $B in /*) ;; *) B=$ROOT/$B ;; esac
if [ ! -x "$B/imagerouter" ] || [ ! -x "$B/tests/emulator/ir-emulator" ]; then
  echo "== building $B (RelWithDebInfo)"
  cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
    cmake --build "$B" -j "$(nproc)" --target imagerouter ir-emulator ||
    { echo "run.sh: build failed" >&2; exit 1; }
fi
BTYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$B/CMakeCache.txt" 2>/dev/null)
case $BTYPE in
RelWithDebInfo|Release) ;;
*) echo "run.sh: warning: $B is a '$BTYPE' build; figures are meant for" \
     "RelWithDebInfo" >&2 ;;
esac

export PERF_TSV
PERF_TSV=$(mktemp /tmp/irbench-rows.XXXXXX)
trap 'rm -f "$PERF_TSV"' EXIT
# How long a scenario may wait for the machine to calm down first.
if [ "$QUICK" = 1 ]; then
  export PERF_QUIET_MAX=${PERF_QUIET_MAX:-10}
else
  export PERF_QUIET_MAX=${PERF_QUIET_MAX:-60}
fi

T0=$(date +%s)
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
failed=()
for s in $SCENARIOS; do
  [ -f "$DIR/$s.sh" ] || { echo "run.sh: no scenario $s" >&2; exit 2; }
  t=$(date +%s)
  echo "== $s.sh ${ARGS[*]:-}"
  if ! bash "$DIR/$s.sh" "${ARGS[@]}"; then
    failed+=("$s")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "(scenario failed)" "-" "-" "-" \
      "FAILED: see its output above" >>"$PERF_TSV"
  fi
  echo "== $s.sh took $(($(date +%s) - t)) s"
  echo
done
WALL=$(($(date +%s) - T0))

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | head -1)
head_line() {
  printf 'imagerouter bench%s: commit %s%s, build %s (%s)\n' \
    "$([ "$QUICK" = 1 ] && echo " --quick")" "$commit" \
    "${dirty:+ (src modified)}" "$(basename "$B")" "${BTYPE:-?}"
  printf 'machine: %s cores, %s, %s MiB RAM, Linux %s\n' "$(nproc)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
    "$(uname -r)"
  printf 'started %s, wall %d s, load before %s, after %s\n' "$START" \
    "$WALL" "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "================ combined table ================"
head_line
awk -F'\t' '
  BEGIN { w[1] = 8; w[2] = 6; w[3] = 5; w[4] = 9; w[5] = 6; w[6] = 7
          h[1] = "scenario"; h[2] = "figure"; h[3] = "value"
          h[4] = "reference"; h[5] = "target"; h[6] = "verdict" }
  { n++; for (i = 1; i <= 6; i++) { c[n, i] = $i
      if (i < 6 && length($i) > w[i]) w[i] = length($i) } }
  END {
    for (i = 1; i <= 6; i++) printf "%-*s%s", w[i], h[i], i < 6 ? "  " : "\n"
    for (r = 1; r <= n; r++)
      for (i = 1; i <= 6; i++)
        printf "%-*s%s", w[i], c[r, i], i < 6 ? "  " : "\n"
  }' "$PERF_TSV"

if [ -n "$MD" ]; then
  {
    head_line | sed 's/^/    /'
    echo
    echo "| scenario | figure | value | reference | target | verdict |"
    echo "| --- | --- | --- | --- | --- | --- |"
    awk -F'\t' '{ for (i = 1; i <= 6; i++) gsub(/\|/, "\\|", $i)
      printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' \
      "$PERF_TSV"
  } >"$MD"
  echo "markdown table: $MD"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
