#!/usr/bin/env bash
# bench/codec.sh - the base64 codec against OpenSSL and memcpy: the
# router's own codec (src/image/base64.c: ir_base64_decode, which
# allocates its output as the router does, and ir_base64_encode_to),
# OpenSSL's EVP_DecodeBlock/EVP_EncodeBlock, and a memcpy of the same
# number of base64 bytes as the floor. Random bytes (no shortcut helps),
# best of REPS runs, MB of base64 text per second of thread CPU time
# (bench/tools/b64ref.c, compiled here with the codec's sources at -O2,
# the optimisation level of the RelWithDebInfo build).
#
#   bench/codec.sh [--quick]        default 32 MB x 7 runs; --quick 8 MB x 3
. "$(dirname "$0")/perf-lib.sh"

MB=32 REPS=7
while [ $# -gt 0 ]; do
  case $1 in
  --quick) MB=8 REPS=3 ;;
  *) perf_die "unknown argument $1" ;;
  esac
  shift
done
S=$PERF_ROOT/src
cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$S" \
  -o "$PERF_WORK/b64ref" "$PERF_ROOT/bench/tools/b64ref.c" \
  "$S/image/base64.c" "$S/util/mem.c" "$S/util/err.c" -lcrypto ||
  perf_die "cannot build b64ref"
OUT=$("$PERF_WORK/b64ref" -r "$MB" "$REPS") || perf_die "b64ref failed"
get() { echo "$OUT" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "codec: $MB MB random, $(get b64_bytes) base64 bytes, best of $REPS" >&2
perf_header
perf_row codec "decode MB/s: ours" "$(get ir_dec_mbps)" \
  "OpenSSL $(get openssl_dec_mbps)" "(info)" \
  "$(x "$(get ir_dec_mbps)" "$(get openssl_dec_mbps)")x OpenSSL"
perf_row codec "encode MB/s: ours" "$(get ir_enc_mbps)" \
  "OpenSSL $(get openssl_enc_mbps)" "(info)" \
  "$(x "$(get ir_enc_mbps)" "$(get openssl_enc_mbps)")x OpenSSL"
perf_row codec "memcpy MB/s (floor)" "$(get memcpy_mbps)" "-" "(info)" \
  "ours dec $(x "$(get ir_dec_mbps)" "$(get memcpy_mbps)")x memcpy"
perf_row codec "decode+encode ms, $MB MB" "$(get ir_dec_enc_ms)" \
  "OpenSSL $(get openssl_dec_enc_ms)" "(info)" \
  "$(x "$(get ir_dec_enc_ms)" "$(get openssl_dec_enc_ms)")x OpenSSL time"
