#!/usr/bin/env bash
# Makes sure Debian's Chromium is there for the browser tests; never downloads a browser.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then exit 0; fi
echo "Chromium is missing at $chromium; installing Debian's package 'chromium'…"
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Cannot install Chromium without root: run 'apt-get install chromium' as root, or set CHROMIUM_PATH." >&2
  exit 1
fi
[ -x "$chromium" ] || { echo "Chromium still missing at $chromium" >&2; exit 1; }
