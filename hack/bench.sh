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
# LiteLLM, the proxy the inference gateway is compared with, from PyPI into a cached venv. Best
# effort: if it does not install here, the benchmark table says so instead of measuring it.
LITELLM_VENV=$HOME/.cache/op-bench/litellm-venv
if { [ -z "$only" ] || [[ inference-gateway == *"$only"* ]]; } && [ ! -x "$LITELLM_VENV/bin/litellm" ]; then
  log "installing LiteLLM into $LITELLM_VENV (for the inference-gateway comparison)"
  { python3 -m venv "$LITELLM_VENV" && "$LITELLM_VENV/bin/pip" install -q 'litellm[proxy]'; } >&2 ||
    log "LiteLLM did not install; the benchmark will report it as missing"
fi
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
