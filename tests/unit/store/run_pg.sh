#!/usr/bin/env bash
# tests/unit/store/run_pg.sh - runs a store test binary against a private
# PostgreSQL server: starts one on a free loopback port, sets
# IR_TEST_PG_URL, runs the binary, and always stops the server.
#
#   run_pg.sh TEST_BINARY [ARGS...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 TEST_BINARY [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
server="$here/../../../scripts/pg-test-server.sh"
dir=$(mktemp -d /tmp/irpg.XXXXXX)
trap '"$server" stop "$dir"' EXIT INT TERM

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

started=0
for _ in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  port_free "$port" || continue
  # Another process may take the port between the check and the start.
  if "$server" start "$dir" "$port"; then started=1; break; fi
  "$server" stop "$dir"
  mkdir -p "$dir"
done
[ "$started" -eq 1 ] || { echo "$0: could not start PostgreSQL" >&2; exit 1; }

export IR_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
"$@"
