#!/usr/bin/env bash
# bench/bigimage.sh - one 4096x4096 PNG (about 34 MB, 45 MB of base64)
# through the router, against the same bytes fetched straight from the
# emulator. Measures the router's peak RSS growth per request (alone and
# with 4 at once) and its CPU time per request, against a measured base64
# decode + encode of the same bytes (bench/tools/b64ref.c).
#
#   bench/bigimage.sh [--quick] [-k REQUESTS]
#   bench/bigimage.sh --massif   (one request under valgrind massif: where
#                                 the peak's bytes are)
#   bench/bigimage.sh --perf     (also perf record the sequential requests
#                                 and print where the router's CPU goes)
#
# The provider is Gemini (google/gemini-3-pro-image, resolution 4K,
# aspect 1:1 = 4096x4096). The emulator's own 4K image is a smooth colour
# grid (7.7 MB of base64), far smaller than a real photo, so the emulator
# is scripted to answer with a noisy 4096x4096 PNG made here with the vips
# CLI (libvips-tools, fixed seeds): the 30-50 MB of base64 the issue
# describes. The built-in renderer (imagerouter/abstract, 4096x4096) is
# measured too and reported on its own: that is render + encode. So is
# one stream:true request (the image as an SSE event), made cold.
# Targets: RSS growth <= 2.5x the base64 size; CPU <= 2x decode+encode.
. "$(dirname "$0")/perf-lib.sh"

K=3 MASSIF=0 PERF=0
while [ $# -gt 0 ]; do
  case $1 in
  --quick) K=1 ;;
  --massif) MASSIF=1 ;;
  --perf) PERF=1 ;;
  -k) K=$2; shift ;;
  *) perf_die "unknown argument $1" ;;
  esac
  shift
done
perf_need_build
perf_need vips libvips-tools
W=$PERF_WORK

# The image: three bands of Gaussian noise (sigma 9), PNG level 1.
for b in 0 1 2; do
  vips gaussnoise "$W/n$b.v" 4096 4096 --sigma 9 --mean 128 \
    --seed $((b + 7))
done
vips bandjoin "$W/n0.v $W/n1.v $W/n2.v" "$W/n.v"
vips cast "$W/n.v" "$W/nc.v" uchar
vips pngsave "$W/nc.v" "$W/big.png" --compression 1
rm -f "$W"/n*.v
base64 -w0 "$W/big.png" >"$W/big.b64"
B64=$(stat -c %s "$W/big.b64")
PNG=$(stat -c %s "$W/big.png")

# The reference codecs, with the router's own codec linked in beside them.
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -I"$PERF_ROOT/src" -o "$W/b64ref" \
  "$PERF_ROOT/bench/tools/b64ref.c" "$PERF_ROOT/src/image/base64.c" \
  "$PERF_ROOT/src/util/mem.c" "$PERF_ROOT/src/util/err.c" -lcrypto ||
  perf_die "cannot build b64ref"
REF=$("$W/b64ref" "$W/big.png" 5)
ref() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$REF"; }
SSL_MS=$(ref openssl_dec_enc_ms)
CPY_MS=$(ref memcpy_ms) IR_MS=$(ref ir_dec_enc_ms)

# Emulator: every Gemini call answers with this image.
perf_start_emu emu
{
  printf '{"match":{"provider":"gemini"},"times":-1,"action":{"status":200,'
  printf '"body":{"candidates":[{"content":{"role":"model","parts":[{'
  printf '"inlineData":{"mimeType":"image/png","data":"'
  cat "$W/big.b64"
  printf '"}}]},"finishReason":"STOP","index":0}],"usageMetadata":{'
  printf '"promptTokenCount":2,"candidatesTokenCount":2000,'
  printf '"totalTokenCount":2002},"modelVersion":"gemini-3-pro-image-preview",'
  printf '"responseId":"bench"}}}'
} >"$W/script.json"
curl -sf -o /dev/null "http://127.0.0.1:$EMU_PORT/_emu/script" \
  --data-binary @"$W/script.json" || perf_die "cannot script the emulator"
rm -f "$W/script.json"

# Reference: the same bytes straight from the emulator.
DURL="http://127.0.0.1:$EMU_PORT/gemini/v1beta/models/gemini-3-pro-image-preview:generateContent"
E0=$(perf_cpu_ms "$EMU_PID")
DT=$(curl -s -o "$W/direct.json" -w '%{time_total}' "$DURL" \
  -H 'x-goog-api-key: tk' -H 'Content-Type: application/json' \
  -d '{"contents":[{"parts":[{"text":"a cat"}]}]}')
E1=$(perf_cpu_ms "$EMU_PID")
DSIZE=$(stat -c %s "$W/direct.json")

DB=$W/big.db
KEY=$(perf_key "$DB")
# Gemini only, no other provider configured.
R_ENV=(GEMINI_API_KEY=tk GEMINI_BASE_URL="http://127.0.0.1:$EMU_PORT/gemini")
MASSIF_RUN=()
[ "$MASSIF" = 1 ] && MASSIF_RUN=(valgrind --tool=massif --depth=12
  --threshold=2 --massif-out-file="$W/massif.out")
env "${R_ENV[@]}" "${MASSIF_RUN[@]}" "$IR" serve --listen 127.0.0.1:0 \
  --db "$DB" --no-bootstrap --log-level warn >"$W/router.out" \
  2>"$W/router.err" &
R_PID=$!
PERF_PIDS+=("$R_PID")
for i in $(seq 1 1000); do
  R_PORT=$(perf_listen_port "$R_PID")
  [ -n "$R_PORT" ] && break
  sleep 0.02
done
[ -n "$R_PORT" ] || perf_die "router did not listen"
if [ "$MASSIF" = 1 ]; then
  # One request under valgrind massif, then the peak's allocation sites.
  curl -s -o /dev/null -w 'massif run: %{http_code} %{time_total} s\n' \
    "http://127.0.0.1:$R_PORT/api/v1/images" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' -d '{"model":"google/gemini-3-pro-image","prompt":"a cat","resolution":"4K","aspect_ratio":"1:1"}'
  perf_stop "$R_PID"
  echo "massif: heap by allocation site at the peak of one request, MB" \
    "(base64 $((B64 / 1048576)) MB):"
  perf_massif_peak "$W/massif.out" 1048576 | sed 's/ B  / MB  /'
  exit 0
fi
RURL="http://127.0.0.1:$R_PORT/api/v1/images"
BODY='{"model":"google/gemini-3-pro-image","prompt":"a cat","resolution":"4K","aspect_ratio":"1:1"}'

# The first image's base64 in a {"created":N,"data":[{"b64_json":"..."
# answer (sed would take seconds on a 45 MB line).
b64field() { cut -d'"' -f8 "$1" | tr -d '\n'; }

router_req() {
  curl -s -o "$1" -w '%{http_code} %{time_total}\n' "$RURL" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "$BODY"
}

# Sequential: K requests, HWM reset before each.
sleep 0.3
if [ "$PERF" = 1 ]; then
  perf record -e cpu-clock -F 499 --call-graph dwarf,16384 \
    -o "$W/perf.data" -p "$R_PID" >/dev/null 2>"$W/perf.err" &
  PERF_REC=$!
  PERF_PIDS+=("$PERF_REC")
  sleep 0.5
fi
RSS_IDLE=$(perf_status "$R_PID" VmRSS)
MAXG=0 CPU_TOTAL=0 TIMES=""
for i in $(seq 1 "$K"); do
  R0=$(perf_status "$R_PID" VmRSS)
  echo 5 >"/proc/$R_PID/clear_refs"
  C0=$(perf_cpu_ms "$R_PID")
  OUT=$(router_req "$W/r$i.json")
  C1=$(perf_cpu_ms "$R_PID")
  H=$(perf_status "$R_PID" VmHWM)
  [ "${OUT%% *}" = 200 ] || perf_die "router answered $OUT: $(head -c 300 "$W/r$i.json")"
  G=$((H - R0))
  [ "$G" -gt "$MAXG" ] && MAXG=$G
  CPU_TOTAL=$((CPU_TOTAL + C1 - C0))
  TIMES="$TIMES ${OUT#* }"
  echo "request $i: ${OUT#* } s, RSS before $((R0 / 1024)) MB, peak" \
    "$((H / 1024)) MB, CPU $((C1 - C0)) ms" >&2
done
if [ "$PERF" = 1 ]; then
  kill -INT "$PERF_REC"
  wait "$PERF_REC" 2>/dev/null || true
  echo "perf: the router over $K request(s), inclusive, router functions:"
  perf report -i "$W/perf.data" --children --sort sym --stdio -g none \
    --percent-limit 2 2>/dev/null | grep -E '^ +[0-9.]+%' |
    grep -E '\] (ir_|img_|http_|json_|upstream_|resp_|base64_|workers_|event_base_loop|curl_multi_socket_action)' |
    head -20
fi
# Same image bytes out as in?
SAME=no
if [ "$(b64field "$W/r1.json" | sha256sum | cut -c1-16)" = \
  "$(sha256sum <"$W/big.b64" | cut -c1-16)" ]; then
  SAME=yes
fi
RSIZE=$(stat -c %s "$W/r1.json")
rm -f "$W"/r*.json

# Four at once.
R0=$(perf_status "$R_PID" VmRSS)
RSS_KEPT=$R0
echo 5 >"/proc/$R_PID/clear_refs"
C0=$(perf_cpu_ms "$R_PID")
CPIDS=()
for i in 1 2 3 4; do
  router_req "$W/c$i.json" >"$W/c$i.code" &
  CPIDS+=("$!")
done
wait "${CPIDS[@]}"
C1=$(perf_cpu_ms "$R_PID")
H4=$(perf_status "$R_PID" VmHWM)
OK4=$(cat "$W"/c?.code | grep -c "^200 " || true)
rm -f "$W"/c?.json
# From the idle RSS: what the first requests left allocated counts too.
G4=$((H4 - RSS_IDLE))
CPU4=$(((C1 - C0) / 4))

# stream:true on the OpenAI route: the image goes out as one SSE event.
# After the router's kept big block has expired (2 s), so a cold request.
sleep 2.5
R0=$(perf_status "$R_PID" VmRSS)
echo 5 >"/proc/$R_PID/clear_refs"
C0=$(perf_cpu_ms "$R_PID")
SOUT=$(curl -s -o "$W/s.txt" -w '%{http_code}' \
  "http://127.0.0.1:$R_PORT/v1/images/generations" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model":"google/gemini-3-pro-image","prompt":"a cat","size":"4096x4096","stream":true}')
C1=$(perf_cpu_ms "$R_PID")
HS=$(perf_status "$R_PID" VmHWM)
SSIZE=$(stat -c %s "$W/s.txt")
rm -f "$W/s.txt"
CPUS=$((C1 - C0)) GS=$((HS - R0))
perf_stop "$R_PID"

# The built-in renderer at the same size (render + encode; no target).
LDB=$W/local.db
LKEY=$(perf_key "$LDB")
"$IR" serve --listen 127.0.0.1:0 --db "$LDB" --no-bootstrap \
  --log-level warn >"$W/local.out" 2>"$W/local.err" &
L_PID=$!
PERF_PIDS+=("$L_PID")
for i in $(seq 1 250); do
  L_PORT=$(perf_listen_port "$L_PID")
  [ -n "$L_PORT" ] && break
  sleep 0.02
done
sleep 0.3
L0=$(perf_status "$L_PID" VmRSS)
LC0=$(perf_cpu_ms "$L_PID")
LOUT=$(curl -s -o "$W/local.json" -w '%{http_code} %{time_total}' \
  "http://127.0.0.1:$L_PORT/api/v1/images" -H "Authorization: Bearer $LKEY" \
  -H 'Content-Type: application/json' \
  -d '{"model":"imagerouter/abstract","prompt":"a cat","size":"4096x4096"}')
LC1=$(perf_cpu_ms "$L_PID")
LH=$(perf_status "$L_PID" VmHWM)
LB64=$(b64field "$W/local.json" | wc -c)
perf_stop "$L_PID"

MB() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
RATIO=$(awk -v g="$MAXG" -v b="$B64" 'BEGIN { printf "%.2f", g * 1024 / b }')
RATIO4=$(awk -v g="$G4" -v b="$B64" \
  'BEGIN { printf "%.2f", g * 1024 / 4 / b }')
CPU1=$((CPU_TOTAL / K))
CPUX=$(awk -v c="$CPU1" -v r="$SSL_MS" 'BEGIN { printf "%.1f", c / r }')
CPUX4=$(awk -v c="$CPU4" -v r="$SSL_MS" 'BEGIN { printf "%.1f", c / r }')

echo "image: 4096x4096 PNG $PNG bytes, base64 $B64 bytes; direct answer" \
  "$DSIZE bytes in ${DT}s (emulator CPU $((E1 - E0)) ms); router answer" \
  "$RSIZE bytes, times$TIMES s; same image bytes out: $SAME;" \
  "router idle RSS $((RSS_IDLE / 1024)) MB, after $K request(s)" \
  "$((RSS_KEPT / 1024)) MB" >&2
echo "reference: $REF" >&2
perf_header
perf_row bigimage "base64 size MB" "$(MB "$B64")" "PNG $(MB "$PNG") MB" \
  "30-50" "-"
perf_row bigimage "peak RSS growth / request MB" \
  "$(MB $((MAXG * 1024)))" "${RATIO}x base64" "<= 2.5x" \
  "$(perf_verdict "$RATIO" 2.5)"
perf_row bigimage "peak RSS growth / req, 4 at once" \
  "$(MB $((G4 * 1024 / 4)))" "${RATIO4}x base64 ($OK4/4 ok)" "<= 2.5x" \
  "$(perf_verdict "$RATIO4" 2.5)"
perf_row bigimage "router CPU ms / request" "$CPU1 (${CPUX}x ref)" \
  "b64 dec+enc $SSL_MS (OpenSSL)" "<= 2x = $(awk -v r="$SSL_MS" \
    'BEGIN { printf "%.0f", 2 * r }')" "$(perf_verdict "$CPUX" 2)"
perf_row bigimage "router CPU ms / req, 4 at once" "$CPU4 (${CPUX4}x ref)" \
  "ours $IR_MS, memcpy $CPY_MS" "<= 2x" "$(perf_verdict "$CPUX4" 2)"
perf_row bigimage "stream:true (SSE) CPU ms, cold" \
  "$CPUS ($(awk -v c="$CPUS" -v r="$SSL_MS" 'BEGIN { printf "%.1f", c / r }')x ref)" \
  "RSS +$(awk -v g="$GS" -v b="$B64" 'BEGIN { printf "%.2f", g * 1024 / b }')x base64, $SSIZE B, $SOUT" \
  "-" "-"
perf_row bigimage "wall s: router vs direct" \
  "$(for t in $TIMES; do printf '%.2f ' "$t"; done | sed 's/ $//')" \
  "direct $(printf '%.2f' "$DT")" "-" "-"
perf_row bigimage "local renderer 4096^2 (info)" \
  "CPU $((LC1 - LC0)) ms" "RSS +$(((LH - L0) / 1024)) MB, b64 $(MB "$LB64") MB" \
  "-" "${LOUT%% *}, $(awk -v t="${LOUT#* }" 'BEGIN { printf "%.1f s", t }')"
