#!/usr/bin/env bash
# bench/idle.sh - the idle router: RSS once it is up, and the time from
# exec to the first 200 from GET /health, repeated (SQLite store).
#
#   bench/idle.sh [--quick] [-r RUNS]
#
# Default 20 runs (--quick: 5). The first run creates the database (the
# schema migration is part of its start); later runs reopen it. Targets:
# idle RSS <= 10 MB; ready <= 20 ms after start.
. "$(dirname "$0")/perf-lib.sh"

RUNS=20
while [ $# -gt 0 ]; do
  case $1 in
  --quick) RUNS=5 ;;
  -r) RUNS=$2; shift ;;
  *) perf_die "unknown argument $1" ;;
  esac
  shift
done
perf_need_build
cc -O2 -Wall -o "$PERF_WORK/readyprobe" \
  "$PERF_ROOT/bench/tools/readyprobe.c" || perf_die "cannot build readyprobe"

perf_start_emu emu --tiny
DB=$PERF_WORK/idle.db
export OPENAI_API_KEY=tk
export OPENAI_BASE_URL="http://127.0.0.1:$EMU_PORT/openai/v1"
RES=$("$PERF_WORK/readyprobe" -r "$RUNS" -s 1000 -- "$IR" serve --db "$DB" \
  --no-bootstrap --log-level warn --listen @ 2>"$PERF_WORK/probe.err") ||
  perf_die "readyprobe failed: $(tail -3 "$PERF_WORK/probe.err")"
get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$RES"; }

# The same idle router once more, for where its RSS is.
"$IR" keys create --db "$DB" --name bench >/dev/null
perf_start_router idle "$DB"
sleep 1
RSS=$(perf_status "$R_PID" VmRSS)
ANON=$(perf_status "$R_PID" RssAnon)
FILE=$(perf_status "$R_PID" RssFile)
PSS=$(awk '$1 == "Pss:" { print $2 }' "/proc/$R_PID/smaps_rollup")
NLIBS=$(awk '$6 ~ /\.so/ { print $6 }' "/proc/$R_PID/maps" | sort -u | wc -l)
VIPS=$(awk '$6 ~ /libvips/ { print $6 }' "/proc/$R_PID/maps" | sort -u | wc -l)
perf_stop "$R_PID"

# Where the idle cost comes from: the same libraries in an empty program,
# without and with libvips, and with VIPS_INIT (which loads vips modules);
# and the router itself with VIPSHOME pointing where there are no modules.
# The libraries the router links (libcurl, libpq and libcrypto are
# dlopened on first use since perf-idle3, and not part of this).
LIBS="-Wl,--no-as-needed -levent -levent_pthreads -ljansson -lsqlite3
  -lhttp_parser -lm"
LC=$PERF_ROOT/bench/tools/linkcost.c
# shellcheck disable=SC2086,SC2046
{
  cc -O2 -o "$PERF_WORK/lc-none" "$LC" &&
    cc -O2 -o "$PERF_WORK/lc-libs" "$LC" $LIBS &&
    cc -O2 -DWITH_VIPS -o "$PERF_WORK/lc-vips" "$LC" \
      $(pkg-config --cflags vips) $LIBS $(pkg-config --libs vips)
} || perf_die "cannot build linkcost"
exec_ms() { # CMD...: mean wall ms of 20 runs
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq 1 20); do "$@" -q || return 1; done
  t1=$(date +%s%N)
  awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 20 / 1e6 }'
}
rss_of() { "$@" | awk '{ printf "%.1f", $1 / 1024 }'; }
LC_NONE="$(exec_ms "$PERF_WORK/lc-none") ms $(rss_of "$PERF_WORK/lc-none") MB"
LC_LIBS="$(exec_ms "$PERF_WORK/lc-libs") ms $(rss_of "$PERF_WORK/lc-libs") MB"
LC_VIPS="$(exec_ms "$PERF_WORK/lc-vips") ms $(rss_of "$PERF_WORK/lc-vips") MB"
LC_INIT="$(exec_ms "$PERF_WORK/lc-vips" init) ms $(rss_of "$PERF_WORK/lc-vips" init) MB"
NOMOD=$(VIPSHOME=/nonexistent "$PERF_WORK/readyprobe" -r "$RUNS" -s 1000 -- \
  "$IR" serve --db "$DB" --no-bootstrap --log-level warn --listen @ \
  2>>"$PERF_WORK/probe.err") || perf_die "readyprobe failed"

echo "readyprobe: $RES" >&2
echo "empty program: $LC_NONE; + the router's libraries except libvips:" \
  "$LC_LIBS; + libvips: $LC_VIPS; + VIPS_INIT: $LC_INIT" >&2
echo "router with VIPSHOME=/nonexistent (no vips modules): $NOMOD" >&2
echo "idle router: VmRSS $RSS kB = RssAnon $ANON + RssFile $FILE" \
  "(shared libraries); Pss $PSS kB; $NLIBS shared objects mapped" \
  "(libvips: $VIPS)" >&2
MB() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
perf_header
perf_row idle "idle RSS MB" "$(MB "$(get idle_rss_kb)")" \
  "anon $(MB "$ANON"), file $(MB "$FILE")" "<= 10" \
  "$(perf_verdict "$(MB "$(get idle_rss_kb)")" 10)"
perf_row idle "exec to /health 200, median ms" "$(get median_ms)" \
  "max $(get max_ms), $(get runs) runs" "<= 20" \
  "$(perf_verdict "$(get median_ms)" 20)"
perf_row idle "same, worst run ms" "$(get max_ms)" \
  "first (new db) $(get first_ms)" "<= 20" \
  "$(perf_verdict "$(get max_ms)" 20)"
perf_row idle "(why) libs w/o vips: exec, RSS" "$LC_LIBS" \
  "empty program $LC_NONE" "-" "info"
perf_row idle "(why) + libvips linked" "$LC_VIPS" "+ VIPS_INIT $LC_INIT" \
  "-" "info"
NM_MED=$(sed -n 's/.*median_ms=\([^ ]*\).*/\1/p' <<<"$NOMOD")
NM_RSS=$(sed -n 's/.*idle_rss_kb=\([^ ]*\).*/\1/p' <<<"$NOMOD")
perf_row idle "(why) router, no vips modules" "$NM_MED ms $(MB "$NM_RSS") MB" \
  "VIPSHOME=/nonexistent" "-" "info"
