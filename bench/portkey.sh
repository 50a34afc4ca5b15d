#!/usr/bin/env bash
# bench/portkey.sh - throughput at 32 connections, 1 KB image, one run,
# side by side: the emulator called directly, through nginx proxy_pass,
# through the Portkey gateway (@portkey-ai/gateway from npm, installed by
# this script into ~/.cache/imagerouter-bench on first use, run on
# 127.0.0.1 only), and through the router (its OpenAI-compatible route
# and its native route; SQLite on disk, and SQLite on tmpfs where the two
# commits per generation cost no fsync).
#
#   bench/portkey.sh [--quick] [-d SECONDS] [-c CONNECTIONS]
#
# Default 10 s per target (after a 1 s warm-up each), 32 connections,
# wrk -t2; --quick: 3 s, and
# only direct, nginx, Portkey and the router's OpenAI route.
# Targets: router >= 1.0x nginx, >= 20x Portkey (requests per second).
# Each target's CPU time per request is measured too (from /proc).
# The router per generation validates, plans, holds credit (a SQLite
# commit) and settles (another commit, synchronous=FULL: an fsync each);
# nginx and Portkey only forward.
. "$(dirname "$0")/perf-lib.sh"

DUR=10 CONNS=32 PK_VERSION=${PK_VERSION:-1.15.2} QUICK=0
while [ $# -gt 0 ]; do
  case $1 in
  --quick) DUR=3 QUICK=1 ;;
  -d) DUR=$2; shift ;;
  -c) CONNS=$2; shift ;;
  *) perf_die "unknown argument $1" ;;
  esac
  shift
done
perf_need_build
perf_need wrk wrk
perf_need nginx nginx
perf_need node nodejs
perf_need npm npm
W=$PERF_WORK

# ---- Portkey from npm ---------------------------------------------------
# Installed once per version into a cache directory outside the tree
# (PORTKEY_DIR overrides), then reused.
PK=${PORTKEY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/imagerouter-bench/portkey-$PK_VERSION}
PK_BIN=$PK/node_modules/@portkey-ai/gateway/build/start-server.js
if [ ! -f "$PK_BIN" ]; then
  mkdir -p "$PK"
  echo "portkey: installing $(npm view "@portkey-ai/gateway@$PK_VERSION" \
    name version bin 2>/dev/null | tr '\n' ' ')into $PK" >&2
  (cd "$PK" && npm install --no-audit --no-fund --loglevel=error \
    "@portkey-ai/gateway@$PK_VERSION" >"$W/npm.log" 2>&1) ||
    perf_die "npm install failed: $(tail -3 "$W/npm.log")"
fi
[ -f "$PK_BIN" ] || perf_die "no $PK_BIN"
PK_GOT=$(node -p "require('$PK/node_modules/@portkey-ai/gateway/package.json').version")

perf_start_emu emu --tiny

free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  perf_die "no free port"
}

# ---- Portkey, bound to 127.0.0.1 (see tools/portkey-loopback.mjs) --------
PK_PORT=$(free_port)
NODE_ENV=production node --import "$PERF_ROOT/bench/tools/portkey-loopback.mjs" \
  "$PK_BIN" --port="$PK_PORT" --headless >"$W/portkey.log" 2>&1 &
PK_PID=$!
PERF_PIDS+=("$PK_PID")

# ---- nginx: a bare proxy_pass hop ------------------------------------------
N_PORT=$(free_port)
mkdir -p "$W/nginx/logs"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $W/nginx/body;
  proxy_temp_path $W/nginx/proxy;
  fastcgi_temp_path $W/nginx/fastcgi;
  uwsgi_temp_path $W/nginx/uwsgi;
  scgi_temp_path $W/nginx/scgi;
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
EOF
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/logs/error.log" \
  >"$W/nginx/out.log" 2>&1 &
N_PID=$!
PERF_PIDS+=("$N_PID")

# ---- routers: SQLite on disk, SQLite on tmpfs ------------------------------
DB=$W/router.db
KEY=$(perf_key "$DB")
perf_start_router router "$DB"
RD_PID=$R_PID RD_PORT=$R_PORT
SHM=$(mktemp -d /dev/shm/irbench.XXXXXX)
trap 'perf_cleanup; rm -rf "$SHM"' EXIT
TKEY=$(perf_key "$SHM/router.db")
perf_start_router router-tmpfs "$SHM/router.db"
RT_PID=$R_PID RT_PORT=$R_PORT

# Node may take a while to start on a busy machine: up to 30 s, then say
# which one is not answering (a curl failing under set -e would end the
# script without a word).
ready=0
for _ in $(seq 1 300); do
  if curl -s -o /dev/null "http://127.0.0.1:$PK_PORT/" &&
    curl -s -o /dev/null "http://127.0.0.1:$N_PORT/_emu/health"; then
    ready=1
    break
  fi
  kill -0 "$PK_PID" 2>/dev/null ||
    perf_die "Portkey exited: $(tail -3 "$W/portkey.log")"
  sleep 0.1
done
[ "$ready" = 1 ] || perf_die "Portkey (port $PK_PORT) or nginx (port" \
  "$N_PORT) not answering after 30 s: $(tail -3 "$W/portkey.log")"

# ---- the load ---------------------------------------------------------------
EMU_BODY='{"model":"gpt-image-1","prompt":"bench"}'
OAI_BODY='{"model":"openai/gpt-image-1","prompt":"bench"}'
IR_BODY='{"model":"openai/gpt-image-1","prompt":"bench","provider":{"only":["openai"]}}'
lua() { # FILE BODY HEADER...
  local f=$1 body=$2 h
  shift 2
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = '$body'"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    for h in "$@"; do
      echo "wrk.headers[\"${h%%: *}\"] = \"${h#*: }\""
    done
    # Count non-2xx answers.
    echo 'local bad = 0'
    echo 'function response(status) if status >= 300 then bad = bad + 1 end end'
    echo 'function done() io.stderr:write("non2xx_local " .. bad .. "\n") end'
  } >"$f"
}
lua "$W/emu.lua" "$EMU_BODY" "Authorization: Bearer tk"
lua "$W/pk.lua" "$EMU_BODY" "Authorization: Bearer tk" \
  "x-portkey-provider: openai" \
  "x-portkey-custom-host: http://127.0.0.1:$EMU_PORT/openai/v1"
lua "$W/oai.lua" "$OAI_BODY" "Authorization: Bearer $KEY"
lua "$W/ir.lua" "$IR_BODY" "Authorization: Bearer $KEY"
lua "$W/oai-t.lua" "$OAI_BODY" "Authorization: Bearer $TKEY"
lua "$W/ir-t.lua" "$IR_BODY" "Authorization: Bearer $TKEY"

# Sanity: one request through each, 200 expected.
check() { # URL LUA-ish: KEY BODY HEADER...
  local url=$1 body=$2 code
  shift 2
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  code=$(curl -s -o "$W/check.json" -w '%{http_code}' "$url" \
    -H 'Content-Type: application/json' "${args[@]}" -d "$body") || true
  [ "$code" = 200 ] || perf_die "$url answered $code: $(head -c 300 "$W/check.json")"
}
E=http://127.0.0.1:$EMU_PORT/openai/v1/images/generations
check "$E" "$EMU_BODY" "Authorization: Bearer tk"
check "http://127.0.0.1:$N_PORT/openai/v1/images/generations" "$EMU_BODY" \
  "Authorization: Bearer tk"
check "http://127.0.0.1:$PK_PORT/v1/images/generations" "$EMU_BODY" \
  "Authorization: Bearer tk" "x-portkey-provider: openai" \
  "x-portkey-custom-host: http://127.0.0.1:$EMU_PORT/openai/v1"
check "http://127.0.0.1:$RD_PORT/v1/images/generations" "$OAI_BODY" \
  "Authorization: Bearer $KEY"
check "http://127.0.0.1:$RD_PORT/api/v1/images" "$IR_BODY" \
  "Authorization: Bearer $KEY"

# run NAME PID URL LUA: wrk, then req/s, p50, p99, CPU ms per request.
declare -A RPS P50 P99 CPUR ERRS
ms() { # wrk time (us, ms, s) to ms
  awk -v v="$1" 'BEGIN { n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
    else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
run() {
  local name=$1 pid=$2 url=$3 script=$4 out=$W/wrk-$1.txt c0 c1 n
  # Warm-up, not counted: Node's JIT (Portkey), pools and caches of the
  # others get the same second before their measured run.
  wrk -t2 -c"$CONNS" -d1s -s "$script" "$url" >/dev/null 2>&1 || true
  sleep 0.5
  c0=$(perf_cpu_ms "$pid")
  wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -s "$script" "$url" >"$out" 2>&1 ||
    perf_die "wrk $name failed: $(tail -3 "$out")"
  c1=$(perf_cpu_ms "$pid")
  RPS[$name]=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")
  n=$(awk '/requests in/ { print $1 }' "$out")
  P50[$name]=$(ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  P99[$name]=$(ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  ERRS[$name]=$(awk '/non2xx_local/ { s += $2 } END { print s + 0 }' "$out")
  if ! kill -0 "$pid" 2>/dev/null; then
    # wrk closes its connections with requests in flight when it stops.
    ERRS[$name]="${ERRS[$name]}, PROCESS DIED"
    echo "$name: the process under test ($pid) died during or at the end" \
      "of the run" >&2
  fi
  CPUR[$name]=$(awk -v c=$((c1 - c0)) -v n="$n" \
    'BEGIN { printf "%.3f", (n > 0 ? c / n : 0) }')
  echo "$name: ${RPS[$name]} req/s, p50 ${P50[$name]} ms, p99" \
    "${P99[$name]} ms, CPU ${CPUR[$name]} ms/req, non-2xx ${ERRS[$name]}" >&2
}

# nginx runs a master and one worker: its CPU is the worker's.
N_WORKER=$(pgrep -P "$N_PID" | head -1 || true)
perf_wait_quiet 1.5
run direct "$EMU_PID" "$E" "$W/emu.lua"
run nginx "${N_WORKER:-$N_PID}" "http://127.0.0.1:$N_PORT/openai/v1/images/generations" \
  "$W/emu.lua"
run portkey "$PK_PID" "http://127.0.0.1:$PK_PORT/v1/images/generations" \
  "$W/pk.lua"
run router-openai "$RD_PID" \
  "http://127.0.0.1:$RD_PORT/v1/images/generations" "$W/oai.lua"
TARGETS="direct nginx portkey router-openai"
# A router that died in a run (see the warning) is restarted on its store.
restart_if_dead() {
  kill -0 "$RD_PID" 2>/dev/null && return 0
  perf_start_router router-restarted "$DB"
  RD_PID=$R_PID RD_PORT=$R_PORT
}
if [ "$QUICK" = 0 ]; then
  restart_if_dead
  run router-native "$RD_PID" "http://127.0.0.1:$RD_PORT/api/v1/images" \
    "$W/ir.lua"
  run router-tmpfs "$RT_PID" \
    "http://127.0.0.1:$RT_PORT/v1/images/generations" "$W/oai-t.lua"
  TARGETS="$TARGETS router-native router-tmpfs"
fi

x() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "portkey $PK_GOT; wrk -t2 -c$CONNS, ${DUR} s per target" >&2
perf_header
for n in $TARGETS; do
  perf_row throughput "$n req/s (p50/p99 ms)" "${RPS[$n]}" \
    "${P50[$n]}/${P99[$n]}, non-2xx ${ERRS[$n]}" "-" \
    "CPU ${CPUR[$n]} ms/req"
done
perf_row throughput "router-openai / nginx" \
  "$(x "${RPS[router-openai]}" "${RPS[nginx]}")x" "nginx ${RPS[nginx]}" \
  ">= 1.0x" "$(perf_verdict_min "$(x "${RPS[router-openai]}" \
    "${RPS[nginx]}")" 1.0)"
perf_row throughput "router-openai / portkey" \
  "$(x "${RPS[router-openai]}" "${RPS[portkey]}")x" \
  "portkey ${RPS[portkey]}" ">= 20x" \
  "$(perf_verdict_min "$(x "${RPS[router-openai]}" "${RPS[portkey]}")" 20)"
if [ "$QUICK" = 0 ]; then
  perf_row throughput "router-tmpfs / nginx (no fsync)" \
    "$(x "${RPS[router-tmpfs]}" "${RPS[nginx]}")x" "info" ">= 1.0x" \
    "$(perf_verdict_min "$(x "${RPS[router-tmpfs]}" "${RPS[nginx]}")" 1.0)"
fi
perf_row throughput "CPU/req: portkey / router-openai" \
  "$(x "${CPUR[portkey]}" "${CPUR[router-openai]}")x" \
  "nginx ${CPUR[nginx]} ms/req" "(info)" "-"
