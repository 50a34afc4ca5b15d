# shellcheck shell=bash
# bench/perf-lib.sh - helpers shared by the capacity and cost scenarios
# (inflight.sh, bigimage.sh, idle.sh, portkey.sh, perf.sh). Sourced, not run.
#
# Everything listens on 127.0.0.1. Every process started here is recorded
# in PERF_PIDS and stopped by PID on exit. Results go to stdout as one
# table row per figure and, tab-separated, to $PERF_TSV when it is set
# (bench/run.sh collects them into one table).
#
# Environment: BUILD (build directory, default build; relative to the
# repository), PERF_KEEP=1 keeps the scratch directory.

set -euo pipefail

PERF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PERF_ROOT/$BUILD ;; esac
IR=$BUILD/imagerouter
EMU=$BUILD/tests/emulator/ir-emulator
PERF_WORK=$(mktemp -d /tmp/irbench.XXXXXX)
PERF_PIDS=()

perf_cleanup() {
  local p
  for p in "${PERF_PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${PERF_PIDS[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "${PERF_KEEP:-0}" = 1 ]; then
    echo "kept $PERF_WORK" >&2
  else
    rm -rf "$PERF_WORK"
  fi
}
trap perf_cleanup EXIT
trap 'exit 130' INT TERM

perf_die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

perf_need_build() {
  [ -x "$IR" ] && [ -x "$EMU" ] ||
    perf_die "no $IR or $EMU; build first (make, or cmake --build $BUILD)"
}

# Stops one process we started, by PID.
perf_stop() {
  local p=$1
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# perf_wait_line FILE REGEX TRIES: polls FILE (every 20 ms) for REGEX.
perf_wait_line() {
  local f=$1 re=$2 n=${3:-250}
  for _ in $(seq 1 "$n"); do
    grep -qE "$re" "$f" 2>/dev/null && return 0
    sleep 0.02
  done
  return 1
}

# perf_need COMMAND PACKAGE: installs PACKAGE with apt-get when COMMAND
# is missing and we are root (non-interactively); dies if still missing.
perf_need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $2 with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "$2" </dev/null >/dev/null ||
      perf_die "apt-get install $2 failed"
  fi
  command -v "$1" >/dev/null 2>&1 || perf_die "needs $1 (apt-get install $2)"
}

# perf_start_emu NAME [ARGS...]: sets EMU_PID and EMU_PORT. --log-max 0:
# the emulator keeps no per-request record, which no scenario reads back
# and which would grow by ~1 KB per request (hundreds of MB under wrk).
perf_start_emu() {
  local name=$1
  shift
  "$EMU" --port 0 --key tk --quiet --log-max 0 "$@" >"$PERF_WORK/$name.out" \
    2>"$PERF_WORK/$name.err" &
  EMU_PID=$!
  PERF_PIDS+=("$EMU_PID")
  perf_wait_line "$PERF_WORK/$name.out" '^listening ' ||
    perf_die "emulator did not start: $(tail -3 "$PERF_WORK/$name.err")"
  EMU_PORT=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$PERF_WORK/$name.out")
}

# perf_key DB: creates a key without a limit and prints it.
perf_key() {
  "$IR" keys create --db "$1" --name bench | tail -1
}

# perf_start_router NAME DB [ARGS...]: the router on a free port with
# OpenAI pointed at the emulator on EMU_PORT. Sets R_PID and R_PORT.
# PERF_ROUTER_PRELOAD, when set, is put in LD_PRELOAD (what-if runs).
perf_start_router() {
  local name=$1 db=$2
  shift 2
  env ${PERF_ROUTER_PRELOAD:+LD_PRELOAD=$PERF_ROUTER_PRELOAD} \
    OPENAI_API_KEY=tk \
    OPENAI_BASE_URL="http://127.0.0.1:$EMU_PORT/openai/v1" \
    "$IR" serve --listen 127.0.0.1:0 --db "$db" --no-bootstrap \
    --log-level warn "$@" >"$PERF_WORK/$name.out" 2>"$PERF_WORK/$name.err" &
  R_PID=$!
  PERF_PIDS+=("$R_PID")
  # The "serving on" line is info level; find the port from the socket.
  R_PORT=
  for _ in $(seq 1 250); do
    R_PORT=$(perf_listen_port "$R_PID")
    [ -n "$R_PORT" ] && break
    kill -0 "$R_PID" 2>/dev/null ||
      perf_die "router exited: $(tail -3 "$PERF_WORK/$name.err")"
    sleep 0.02
  done
  [ -n "$R_PORT" ] || perf_die "router did not listen"
}

# perf_listen_port PID: the TCP port PID listens on (first one).
perf_listen_port() {
  ss -Hltnp 2>/dev/null | grep -E "pid=$1," |
    sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -1 || true
}

# Memory in KiB from /proc: perf_status PID FIELD (VmRSS, VmHWM, ...).
perf_status() {
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null ||
    echo 0
}

# CPU time of a process (all its threads, live and exited), in ms.
perf_cpu_ms() {
  local t
  t=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null) || t=0
  echo $((t * 1000 / $(getconf CLK_TCK)))
}

# Nanoseconds on CPU summed over the live threads (finer than ticks).
perf_cpu_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null |
    awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# perf_sampler PID FILE: writes "VmRSS_kB" every 0.2 s until PID exits or
# the sampler is stopped. Sets SAMPLER_PID.
perf_sampler() {
  local pid=$1 f=$2
  (
    while kill -0 "$pid" 2>/dev/null; do
      awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null
      sleep 0.2
    done
  ) >"$f" &
  SAMPLER_PID=$!
  PERF_PIDS+=("$SAMPLER_PID")
}

perf_max() { sort -n "$1" | tail -1; }

perf_machine() {
  printf 'machine: %s cores, %s, %s MiB RAM, Linux %s\n' "$(nproc)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" \
    "$(uname -r)"
  printf 'date: %s   load: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# perf_row SCENARIO FIGURE VALUE REFERENCE TARGET VERDICT
perf_row() {
  printf '%-14s %-34s %-16s %-26s %-14s %s\n' "$@"
  if [ -n "${PERF_TSV:-}" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$PERF_TSV"
  fi
}

perf_header() {
  printf '%-14s %-34s %-16s %-26s %-14s %s\n' scenario figure value \
    reference target verdict
}

# perf_verdict VALUE LIMIT: "pass" when VALUE <= LIMIT, else "MISS xN.NN".
perf_verdict() {
  awk -v v="$1" -v l="$2" 'BEGIN {
    if (v + 0 <= l + 0) printf "pass (%.0f%% of limit)\n", 100 * v / l;
    else printf "MISS (%.2fx the limit)\n", v / l }'
}

# perf_verdict_min VALUE FLOOR: "pass" when VALUE >= FLOOR.
perf_verdict_min() {
  awk -v v="$1" -v l="$2" 'BEGIN {
    if (v + 0 >= l + 0) printf "pass (%.2fx the floor)\n", v / l;
    else printf "MISS (%.2fx the floor)\n", v / l }'
}

# Waits (bounded: PERF_QUIET_MAX seconds, default 300) until the 1-minute
# load average is below $1. bench/run.sh --quick sets 10.
perf_wait_quiet() {
  local lim=${1:-1.5}
  for _ in $(seq 1 $(((${PERF_QUIET_MAX:-300} + 4) / 5))); do
    awk -v l="$lim" '{ exit !($1 < l) }' /proc/loadavg && return 0
    sleep 5
  done
  echo "note: load stayed at $(cut -d' ' -f1 /proc/loadavg)" >&2
}

# perf_massif_peak MASSIF_OUT DIVISOR: the top-level allocation sites of
# massif's peak snapshot, bytes divided by DIVISOR; a site inside a
# library is named by its first caller with symbols.
perf_massif_peak() {
  ms_print "$1" | awk -v n="$2" '
    function flush() { if (site != "") printf "  %8.0f B  %s\n", b / n, site
      site = "" }
    /Detailed snapshots:/ && match($0, /[0-9]+ \(peak\)/) {
      pk = substr($0, RSTART, RLENGTH); sub(/ .*/, "", pk) }
    pk != "" && $1 == pk && $2 ~ /^[0-9,]+$/ { inpeak = 1; next }
    inpeak && /^ +[0-9]+ +[0-9,]+ / { flush(); inpeak = 0 }
    inpeak && /^->/ {
      flush()
      b = $0; sub(/^->[^(]*\(/, "", b); sub(/B\).*/, "", b); gsub(/,/, "", b)
      site = $0; sub(/^[^:]*: /, "", site); want = 0
      if (site ~ /^\?\?\? \(in /) {
        sub(/^\?\?\? \(in .*\//, "in ", site); sub(/\)$/, "", site)
        want = 1 }
      if (site ~ /^->/) site = "(sites below the threshold)"
      next }
    # For a site inside a library, name the first known caller below it.
    inpeak && want && /^\|/ && /: / && !/\?\?\?/ {
      c = $0; sub(/^[^:]*: /, "", c); sub(/ \(in .*/, "", c)
      site = site " via " c; want = 0 }
    END { flush() }'
}
