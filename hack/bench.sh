#!/usr/bin/env bash
# Runs every benchmark under bench/ (each prints its own table). Benchmarks are not tests: they
# measure speed and memory against a floor and print the ratio next to the target.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
only=${BENCH:-}
for f in bench/*.bench.ts; do
  [ -n "$only" ] && [[ "$f" != *"$only"* ]] && continue
  echo "== $f"
  node "$f"
done
