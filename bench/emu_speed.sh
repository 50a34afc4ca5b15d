#!/usr/bin/env bash
# bench/emu_speed.sh - is the throughput reference meaningful? The
# provider emulator (the upstream of every throughput row) at 32
# connections, called directly and through nginx proxy_pass, 1 KB image
# (--tiny), with its CPU time per request. Not a scenario of the issue
# (run.sh does not run it): a check that the emulator is far cheaper than
# the hops measured in front of it. EMU_BIN=path compares another emulator
# binary (e.g. an older build).
#
#   bench/emu_speed.sh [--quick] [-d SECONDS]     default 10 s, --quick 3 s
. "$(dirname "$0")/perf-lib.sh"

DUR=10
while [ $# -gt 0 ]; do
  case $1 in
  --quick) DUR=3 ;;
  -d) DUR=$2; shift ;;
  *) perf_die "unknown argument $1" ;;
  esac
  shift
done
EMU=${EMU_BIN:-$EMU}
[ -x "$EMU" ] || perf_die "no $EMU"
perf_need wrk wrk
perf_need nginx nginx
W=$PERF_WORK
# An older emulator may not know --log-max: start it by hand.
EXTRA=()
"$EMU" --help 2>&1 | grep -q -- --log-max && EXTRA=(--log-max 0)
"$EMU" --port 0 --key tk --quiet --tiny "${EXTRA[@]}" \
  >"$W/emu.out" 2>"$W/emu.err" &
EMU_PID=$!
PERF_PIDS+=("$EMU_PID")
perf_wait_line "$W/emu.out" '^listening ' || perf_die "emulator did not start"
EMU_PORT=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/emu.out")
N_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $W/nginx/body;
  proxy_temp_path $W/nginx/proxy;
  upstream emu { server 127.0.0.1:$EMU_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$N_PORT;
    location / {
      proxy_pass http://emu;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGX
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/logs/error.log" \
  >"$W/nginx/out.log" 2>&1 &
PERF_PIDS+=("$!")
cat >"$W/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"gpt-image-1","prompt":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer tk"
LUA
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$N_PORT/_emu/health" && break
  sleep 0.05
done
perf_header
for via in direct nginx; do
  port=$EMU_PORT
  [ $via = nginx ] && port=$N_PORT
  url=http://127.0.0.1:$port/openai/v1/images/generations
  wrk -t2 -c32 -d1s -s "$W/post.lua" "$url" >/dev/null 2>&1 || true
  c0=$(perf_cpu_ns "$EMU_PID")
  wrk -t2 -c32 -d"${DUR}s" -s "$W/post.lua" "$url" >"$W/wrk.txt" 2>&1 ||
    perf_die "wrk failed: $(tail -2 "$W/wrk.txt")"
  c1=$(perf_cpu_ns "$EMU_PID")
  n=$(awk '/requests in/ { print $1 }' "$W/wrk.txt")
  rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$W/wrk.txt")
  perf_row emulator "$via req/s, 32 conns" "$rps" \
    "emulator CPU $(awk -v a="$c0" -v b="$c1" -v n="$n" \
      'BEGIN { printf "%.0f", (b - a) / n / 1000 }') us/req" "(info)" "-"
done
echo "emulator: $EMU; RSS after $(($(perf_status "$EMU_PID" VmRSS) / 1024)) MB" >&2
