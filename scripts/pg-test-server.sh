#!/usr/bin/env bash
# scripts/pg-test-server.sh - a throwaway PostgreSQL server for tests.
#
#   pg-test-server.sh start DIR PORT   initdb in DIR, listen on 127.0.0.1:PORT
#   pg-test-server.sh stop DIR         stop it and delete DIR
#
# Trust authentication, 127.0.0.1 only, unix socket in DIR, fsync off (the
# data is thrown away). Installs the postgresql package if it is missing
# and we are root (CI). PostgreSQL refuses to run as root, so as root the
# server runs as the "postgres" user, which then owns DIR.
# Connect with: postgresql://postgres@127.0.0.1:PORT/postgres
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
}

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

ensure_installed() {
  find_bin >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$0: PostgreSQL is not installed; run: apt-get install postgresql" >&2
    exit 1
  fi
  echo "$0: installing postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql \
    </dev/null >/dev/null
  if ! find_bin >/dev/null; then
    echo "$0: initdb not found after install" >&2
    exit 1
  fi
}

# Runs a command as the server's user: ourselves, or postgres when root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 port=$2 bin
  ensure_installed
  bin=$(find_bin)
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # Only loopback TCP and the socket in DIR; trust is safe there.
  cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
        -c full_page_writes=off -c max_connections=100" \
    start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
}

stop() {
  local dir=$1 bin
  [ -d "$dir/data" ] || { rm -rf "$dir"; return 0; }
  bin=$(find_bin)
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -ge 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
