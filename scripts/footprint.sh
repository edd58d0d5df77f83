#!/usr/bin/env bash
# Footprint targets (docs/BENCHMARKS.md): binary size, start to healthy, idle RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | cut -d' ' -f3)"
go run ./scripts/footprint --bin bin/userdesk --runs 10
echo "with the demo organisation:"
go run ./scripts/footprint --bin bin/userdesk --runs 3 --args --demo
