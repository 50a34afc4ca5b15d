#!/usr/bin/env bash
# Installs what the test suite needs beyond the build: PostgreSQL server,
# Node.js and npm for the client compatibility tests.
set -euo pipefail
pkgs=(postgresql nodejs libvips-tools)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
if [ -f tests/compat/package.json ] && [ ! -d tests/compat/node_modules ]; then
  (cd tests/compat && npm ci --no-audit --no-fund --loglevel=error </dev/null)
fi
