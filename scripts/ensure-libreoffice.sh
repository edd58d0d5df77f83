#!/usr/bin/env bash
# Makes sure LibreOffice Calc is there for the spreadsheet round-trip test (libreoffice_test.go):
# Debian's libreoffice-calc-nogui, about 200 MB, 45 s to install on 2 cores.
set -euo pipefail
if command -v soffice >/dev/null || command -v libreoffice >/dev/null; then exit 0; fi
echo "LibreOffice is missing; installing Debian's package 'libreoffice-calc-nogui'…"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "Cannot install LibreOffice without root: run 'apt-get install libreoffice-calc-nogui' as root." >&2
    exit 1
  fi
  sudo=(sudo)
fi
install() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; }
# The package lists are usually fresh (ensure-chromium.sh updates them); update only if needed.
install || { "${sudo[@]}" apt-get update -qq && install; }
command -v soffice >/dev/null || { echo "LibreOffice still missing" >&2; exit 1; }
