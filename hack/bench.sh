#!/usr/bin/env bash
# `make bench`: benchmarks, not tests. Starts one local environment (control plane, Keycloak,
# PostgreSQL, Redis) like the tests do, runs every bench/*.bench.ts (each prints its own table with
# the measured numbers next to the floor and the target), and stops what it started by PID.
#   BENCH=operator make bench    runs only the benchmarks whose file name contains "operator"
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# shellcheck source=testenv/lib.sh
. hack/testenv/lib.sh
only=${BENCH:-}

bash hack/testenv/build.sh >/dev/null
for s in redis postgres keycloak; do bash "hack/services/$s.sh" ensure; done
W=$(mktemp -d -t op-bench.XXXXXX)
export W
trap 'bash hack/testenv/down.sh "$W" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
bash hack/testenv/up.sh --with all "$W" >/dev/null
# shellcheck disable=SC1091
. "$W/env"

rc=0
for f in bench/*.bench.ts; do
  [ -n "$only" ] && [[ "$f" != *"$only"* ]] && continue
  echo "== $f"
  node "$f" || rc=1
done
exit "$rc"
