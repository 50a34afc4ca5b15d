#!/usr/bin/env bash
# Installs the Debian packages imagerouter builds and runs with, if missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libevent-dev libcurl4-openssl-dev
      libjansson-dev libsqlite3-dev libpq-dev libssl-dev libvips-dev
      libcmocka-dev libhttp-parser-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
