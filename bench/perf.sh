#!/usr/bin/env bash
# bench/perf.sh - where the router's CPU goes under the 32-connection,
# 1 KB image load: perf record (cpu-clock sampling, DWARF call graphs) on
# the router while wrk drives POST /v1/images/generations for D seconds,
# then the top symbols by self time and the router's own functions by
# inclusive time, and the split between the event loop thread and the
# store/worker threads. Falls back to callgrind for a fixed request count
# when perf cannot sample here.
#
#   bench/perf.sh [--quick] [-d SECONDS] [-c CONNECTIONS] [--db PATH]
#
# Default 10 s (--quick: 4 s), 32 connections, SQLite in the scratch
# directory (--db puts it elsewhere, e.g. under /dev/shm).
. "$(dirname "$0")/perf-lib.sh"

DUR=10 CONNS=32 DB=
while [ $# -gt 0 ]; do
  case $1 in
  --quick) DUR=4 ;;
  -d) DUR=$2; shift ;;
  -c) CONNS=$2; shift ;;
  --db) DB=$2; shift ;;
  *) perf_die "unknown argument $1" ;;
  esac
  shift
done
perf_need_build
command -v wrk >/dev/null || perf_die "needs wrk"
W=$PERF_WORK
DB=${DB:-$W/router.db}

perf_start_emu emu --tiny
KEY=$(perf_key "$DB")
perf_start_router router "$DB"
cat >"$W/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"model":"openai/gpt-image-1","prompt":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
EOF
URL=http://127.0.0.1:$R_PORT/v1/images/generations
curl -sf -o /dev/null "$URL" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' \
  -d '{"model":"openai/gpt-image-1","prompt":"warm"}' ||
  perf_die "router did not answer 200"

if perf record -e cpu-clock -o "$W/probe.data" -- true >/dev/null 2>&1; then
  perf_wait_quiet 1.5
  perf record -e cpu-clock -F 997 --call-graph dwarf,16384 \
    -o "$W/perf.data" -p "$R_PID" >/dev/null 2>"$W/perf.err" &
  PP=$!
  PERF_PIDS+=("$PP")
  sleep 0.5
  C0=$(perf_cpu_ms "$R_PID")
  wrk -t2 -c"$CONNS" -d"${DUR}s" -s "$W/post.lua" "$URL" >"$W/wrk.txt" 2>&1
  C1=$(perf_cpu_ms "$R_PID")
  kill -INT "$PP"
  wait "$PP" 2>/dev/null || true
  N=$(awk '/requests in/ { print $1 }' "$W/wrk.txt")
  echo "load: $(grep -E 'Requests/sec' "$W/wrk.txt" | tr -s ' '), $N" \
    "requests, router CPU $((C1 - C0)) ms = $(awk -v c=$((C1 - C0)) \
      -v n="$N" 'BEGIN { printf "%.3f", (n > 0 ? c / n : 0) }') ms/request"
  echo
  echo "threads (share of samples; the loop is the router's PID, the"
  echo "others are named by their busiest router function):"
  perf report -i "$W/perf.data" --no-children --sort pid --stdio \
    2>/dev/null | grep -E '^ +[0-9.]+%' | head -6 |
    while read -r pct tid; do
      t=${tid%%:*}
      if [ "$t" = "$R_PID" ]; then
        role="event loop"
      else
        role=$(perf report -i "$W/perf.data" --children --tid "$t" </dev/null \
          --sort sym --stdio -g none 2>/dev/null |
          grep -oE '\] [a-z_]+_work\b' | head -1 | cut -c3- || true)
      fi
      printf '  %7s  %-22s %s\n' "$pct" "$tid" "${role:-worker}"
    done
  echo
  echo "top symbols, self time:"
  perf report -i "$W/perf.data" --no-children --sort dso,sym --stdio \
    -g none --percent-limit 1 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25
  echo
  echo "router and library entry points, inclusive time:"
  perf report -i "$W/perf.data" --children --sort sym --stdio -g none \
    --percent-limit 2 2>/dev/null | grep -E '^ +[0-9.]+%' |
    grep -E '\] (ir_|img_|http_|job_|store_|sqlite3_(step|exec|prepare)|upstream_|conn_|workers_|server_|json_(loadb|dumps|dump_callback)|curl_multi_socket_action|fdatasync|evbuffer_write|event_base_loop|__libc_(send|recv|write))' |
    head -30
else
  echo "perf cannot sample here; callgrind over 300 requests" >&2
  perf_stop "$R_PID"
  env OPENAI_API_KEY=tk \
    OPENAI_BASE_URL="http://127.0.0.1:$EMU_PORT/openai/v1" \
    valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" \
    "$IR" serve --listen 127.0.0.1:0 --db "$DB" --no-bootstrap \
    --log-level warn >"$W/cg.log" 2>&1 &
  R_PID=$!
  PERF_PIDS+=("$R_PID")
  for _ in $(seq 1 500); do
    R_PORT=$(perf_listen_port "$R_PID")
    [ -n "$R_PORT" ] && break
    sleep 0.05
  done
  URL=http://127.0.0.1:$R_PORT/v1/images/generations
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "$URL" -H "Authorization: Bearer $KEY" \
      -H 'Content-Type: application/json' \
      -d '{"model":"openai/gpt-image-1","prompt":"bench"}'
  done
  perf_stop "$R_PID"
  callgrind_annotate --inclusive=yes "$W/cg.out" 2>/dev/null | head -40
fi
