#!/usr/bin/env bash
# bench/proxy_overhead.sh - what the router adds to a generation, measured
# side by side in one run: the provider emulator (--tiny: an instant 1 KB
# image) called directly, through nginx proxy_pass (a bare proxy hop, for
# reference), and through the router (POST /api/v1/images: validation,
# plan, credit hold, upstream call, image probe, settlement, response);
# the same router with its SQLite store on tmpfs (what the two durable
# commits cost); plus GET /health on the router (its HTTP layer alone)
# and GET /_emu/health direct and through nginx. wrk --latency, 1 and 32
# connections, a fixed duration each.
#
# usage: bench/proxy_overhead.sh [--quick] [--duration SECONDS]
#   --quick        3 s per run instead of 10, 1 connection and the POST
#                  rows only (direct, nginx, router): the target's figures
#   BUILD=dir      build directory (default: build), relative to the repo
#   KEEP=1         keep the scratch directory (logs, configs)
#
# Everything listens on 127.0.0.1; every process started here is stopped
# by its PID on exit. Needs wrk and nginx (installed with apt-get when
# missing and running as root).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
IR=$BUILD/imagerouter
EMU=$BUILD/tests/emulator/ir-emulator
DURATION=10
QUICK=0

while [ $# -gt 0 ]; do
  case $1 in
    --quick) DURATION=3 QUICK=1 ;;
    --duration) DURATION=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "proxy_overhead.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

die() { echo "proxy_overhead.sh: $*" >&2; exit 1; }

[ -x "$IR" ] && [ -x "$EMU" ] ||
  die "no $IR or $EMU; build first (make, or cmake --build $BUILD)"

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $2 with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq --no-install-recommends "$2" </dev/null >/dev/null ||
      die "apt-get install $2 failed"
  fi
  command -v "$1" >/dev/null 2>&1 || die "$1 is needed (apt-get install $2)"
}
need wrk wrk
need nginx nginx
NGINX=$(command -v nginx)

WORK=$(mktemp -d /tmp/ir-overhead.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  [ -n "${SHM:-}" ] && rm -rf "$SHM"
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # URL: up to 10 s for a 2xx
  local _
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  die "$1 did not answer"
}

# ---- the emulator --------------------------------------------------------
# --log-max 0: the emulator keeps no per-request record (a benchmark does
# not read it back, and at 10k+ req/s it grows by hundreds of MB).
"$EMU" --port 0 --key tk --quiet --tiny --log-max 0 >"$WORK/emu.out" 2>"$WORK/emu.err" &
EMU_PID=$!
PIDS+=("$EMU_PID")
for _ in $(seq 1 200); do
  grep -q '^listening ' "$WORK/emu.out" 2>/dev/null && break
  sleep 0.05
done
EMU_PORT=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/emu.out")
[ -n "$EMU_PORT" ] || die "the emulator did not start: $(cat "$WORK/emu.err")"
EMU_URL=http://127.0.0.1:$EMU_PORT
wait_http "$EMU_URL/_emu/health"

# ---- the router ------------------------------------------------------------
DB=$WORK/store.db
KEY=$("$IR" keys create --db "$DB" --name bench | tail -1)
R_PORT=$(free_port)
R_URL=http://127.0.0.1:$R_PORT
env OPENAI_API_KEY=tk OPENAI_BASE_URL="$EMU_URL/openai/v1" \
  "$IR" serve --listen "127.0.0.1:$R_PORT" --db "$DB" --no-bootstrap \
  --log-level warn >"$WORK/router.log" 2>&1 &
R_PID=$!
PIDS+=("$R_PID")
wait_http "$R_URL/health"

# The same router with its store on tmpfs: the difference is what the
# two synchronous SQLite commits (hold, settle) cost on this disk.
T_URL=
if [ "$QUICK" = 0 ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  SHM=$(mktemp -d /dev/shm/ir-overhead.XXXXXX)
  TDB=$SHM/store.db
  TKEY=$("$IR" keys create --db "$TDB" --name bench | tail -1)
  T_PORT=$(free_port)
  T_URL=http://127.0.0.1:$T_PORT
  env OPENAI_API_KEY=tk OPENAI_BASE_URL="$EMU_URL/openai/v1" \
    "$IR" serve --listen "127.0.0.1:$T_PORT" --db "$TDB" --no-bootstrap \
    --log-level warn >"$WORK/router-tmpfs.log" 2>&1 &
  T_PID=$!
  PIDS+=("$T_PID")
  wait_http "$T_URL/health"
fi

# ---- nginx: a bare proxy hop, its own prefix, not the system service ----
N_PORT=$(free_port)
N_URL=http://127.0.0.1:$N_PORT
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
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
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
  -e "$WORK/nginx/logs/error.log" >"$WORK/nginx/out.log" 2>&1 &
N_PID=$!
PIDS+=("$N_PID")
wait_http "$N_URL/_emu/health"

# ---- the requests ---------------------------------------------------------
# The emulator's OpenAI request, and the router's for the same model.
EMU_BODY='{"model":"gpt-image-1","prompt":"bench","size":"1024x1024"}'
IR_BODY='{"model":"openai/gpt-image-1","prompt":"bench","provider":{"only":["openai"]}}'
lua_post() { # FILE KEY BODY
  cat >"$1" <<EOF
wrk.method = "POST"
wrk.body = '$3'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $2"
EOF
}
lua_post "$WORK/emu.lua" tk "$EMU_BODY"
lua_post "$WORK/router.lua" "$KEY" "$IR_BODY"
[ -n "$T_URL" ] && lua_post "$WORK/router-tmpfs.lua" "$TKEY" "$IR_BODY"

# One request each first: a wrong setup fails here, not as a table of 4xx.
check_post() { # URL KEY BODY
  local code
  code=$(curl -s -o "$WORK/check.out" -w '%{http_code}' -X POST "$1" \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $2" \
    -d "$3")
  [ "$code" = 200 ] || die "POST $1 -> $code: $(head -c 300 "$WORK/check.out")"
}
check_post "$EMU_URL/openai/v1/images/generations" tk "$EMU_BODY"
check_post "$N_URL/openai/v1/images/generations" tk "$EMU_BODY"
check_post "$R_URL/api/v1/images" "$KEY" "$IR_BODY"
[ -z "$T_URL" ] || check_post "$T_URL/api/v1/images" "$TKEY" "$IR_BODY"

# wrk's latency units (us, ms, s) to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000;
    else if (u == "m") n *= 60000;
    printf "%.2f", n }'
}

# CPU time (ns) of a process and its children, over their live threads.
cpu_ns() {
  local p kids
  kids=$(pgrep -P "$1" 2>/dev/null || true)
  for p in "$1" $kids; do cat /proc/"$p"/task/*/schedstat 2>/dev/null; done |
    awk '{ s += $1 } END { printf "%.0f\n", s }'
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"
run() { # NAME CONNS PID URL [LUA]: PID is the hop whose CPU is counted
  local name=$1 c=$2 pid=$3 url=$4 lua=${5:-} t=1 out rps p50 p90 p99 bad
  local cpu0 cpu1 nreq cpu
  [ "$c" -gt 1 ] && t=2
  out=$WORK/wrk-$name-$c.txt
  cpu0=$(cpu_ns "$pid")
  wrk -t"$t" -c"$c" -d"${DURATION}s" --latency ${lua:+-s "$lua"} "$url" \
    >"$out" 2>&1 || die "wrk failed: $(tail -3 "$out")"
  cpu1=$(cpu_ns "$pid")
  nreq=$(awk '/requests in/ { print $1 }' "$out")
  cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$nreq" \
    'BEGIN { printf "%.0f", (n > 0) ? (b - a) / n / 1000 : 0 }')
  rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  bad=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
             /Socket errors:/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) n += $i }
             END { print n + 0 }' "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$rps" "$p50" \
    "$p90" "$p99" "$cpu" "$bad" >>"$RESULTS"
  printf '%-26s %5s %9s %9s %9s %9s %9s %7s\n' "$name" "$c" "$rps" "$p50" \
    "$p90" "$p99" "$cpu" "$bad"
}

printf 'proxy overhead: %s s per run, wrk %s\n' "$DURATION" \
  "$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
printf 'machine: %s cores, %s, %s MiB RAM, Linux %s\n' "$(nproc)" \
  "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
  "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)" "$(uname -r)"
printf 'date: %s   load before: %s   build: %s\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(basename "$BUILD")"
printf '%-26s %5s %9s %9s %9s %9s %9s %7s\n' path conns req/s p50_ms \
  p90_ms p99_ms hop_us errors
CONNS="1 32"
[ "$QUICK" = 1 ] && CONNS=1
for c in $CONNS; do
  run emulator-direct-POST "$c" "$EMU_PID" \
    "$EMU_URL/openai/v1/images/generations" "$WORK/emu.lua"
  run nginx-to-emulator-POST "$c" "$N_PID" \
    "$N_URL/openai/v1/images/generations" "$WORK/emu.lua"
  run router-images-POST "$c" "$R_PID" "$R_URL/api/v1/images" \
    "$WORK/router.lua"
  [ -z "$T_URL" ] ||
    run router-images-POST-tmpfs "$c" "$T_PID" "$T_URL/api/v1/images" \
      "$WORK/router-tmpfs.lua"
  [ "$QUICK" = 1 ] && continue
  run emulator-direct-GET "$c" "$EMU_PID" "$EMU_URL/_emu/health"
  run nginx-to-emulator-GET "$c" "$N_PID" "$N_URL/_emu/health"
  run router-health-GET "$c" "$R_PID" "$R_URL/health"
done
echo "hop_us: CPU microseconds per request of the hop itself (the"
echo "emulator on direct rows, nginx's master+worker, or the router)"

# The added latency: each path's percentile minus the direct call's.
echo
echo "added over a direct POST to the emulator (ms; p50 / p99):"
awk -F'\t' '
  { p50[$1 "," $2] = $4; p99[$1 "," $2] = $6 }
  END {
    split("1 32", cs, " ");
    for (k = 1; k <= 2; k++) {
      if (!(("emulator-direct-POST," cs[k]) in p50)) continue;
      c = cs[k]; d = "emulator-direct-POST," c;
      printf "  %2s conn: nginx hop %+.2f / %+.2f   router %+.2f / %+.2f",
        c, p50["nginx-to-emulator-POST," c] - p50[d],
        p99["nginx-to-emulator-POST," c] - p99[d],
        p50["router-images-POST," c] - p50[d],
        p99["router-images-POST," c] - p99[d];
      t = "router-images-POST-tmpfs," c;
      if (t in p50)
        printf "   router, store on tmpfs %+.2f / %+.2f",
          p50[t] - p50[d], p99[t] - p99[d];
      printf "\n";
    }
  }' "$RESULTS"
printf 'load after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# The target, as rows of the combined table (bench/run.sh collects them
# from $PERF_TSV): at 1 connection the router may add no more than the
# nginx hop adds, at p50 and at p99.
echo
printf '%-14s %-34s %-16s %-26s %-14s %s\n' scenario figure value \
  reference target verdict
awk -F'\t' -v tsv="${PERF_TSV:-}" '
  { p50[$1 "," $2] = $4; p99[$1 "," $2] = $6; cpu[$1 "," $2] = $7
    rps[$1 "," $2] = $3 }
  function row(a, b, c, d, e, f) {
    printf "%-14s %-34s %-16s %-26s %-14s %s\n", a, b, c, d, e, f
    if (tsv != "")
      printf "%s\t%s\t%s\t%s\t%s\t%s\n", a, b, c, d, e, f >> tsv }
  function verdict(r, n) {
    if (r <= n) return "pass"
    if (n <= 0) return sprintf("MISS (+%.2f ms over nginx)", r - n)
    return sprintf("MISS (+%.2f ms over nginx, %.1fx)", r - n, r / n) }
  END {
    d = "emulator-direct-POST,1"; n = "nginx-to-emulator-POST,1"
    r = "router-images-POST,1"
    if (!(d in p50) || !(r in p50)) exit
    ra = p50[r] - p50[d]; na = p50[n] - p50[d]
    row("latency", "router added p50 ms, 1 conn", sprintf("%+.2f", ra),
        sprintf("nginx %+.2f", na), "<= nginx", verdict(ra, na))
    ra = p99[r] - p99[d]; na = p99[n] - p99[d]
    row("latency", "router added p99 ms, 1 conn", sprintf("%+.2f", ra),
        sprintf("nginx %+.2f", na), "<= nginx", verdict(ra, na))
    row("latency", "p50 ms direct/nginx/router", sprintf("%.2f/%.2f/%.2f",
        p50[d], p50[n], p50[r]), "1 KB image, 1 conn", "(info)", "-")
    row("latency", "hop CPU us/req: router", cpu[r],
        sprintf("nginx %s, emulator %s", cpu[n], cpu[d]), "(info)", "-")
  }' "$RESULTS"
