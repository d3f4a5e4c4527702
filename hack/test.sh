#!/usr/bin/env bash
# The command behind `make test` / `make test-integration`: does ALL set-up itself on a fresh Debian
# machine (Debian packages, the control-plane binaries via hack/testenv/build.sh, pgvector, the
# Keycloak download), then runs the tests:
#   hack/test.sh unit          unit tests only (no environment needed, none started)
#   hack/test.sh integration   one control plane + Keycloak, PostgreSQL, Redis in a temp dir W,
#                              `. $W/env`, npm run test:integration, teardown by recorded PID
#   hack/test.sh all           unit, then integration (default)
# Exits non-zero if any test fails. On failure it prints where the logs are and their last lines.
# KEEP_TESTENV=1 leaves the environment running afterwards (prints how to stop it).
# Extra arguments after MODE are passed to node --test for the integration run instead of the
# default glob, e.g. hack/test.sh integration test/integration/testenv/smoke.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# The Node 24 pinned in package.json (node_modules/.bin/node) must win over the system's node.
export PATH="$REPO/node_modules/.bin:$PATH"
# shellcheck source=testenv/lib.sh
. hack/testenv/lib.sh

MODE=${1:-all}
shift || true
case "$MODE" in all | unit | integration) ;; *) die "usage: hack/test.sh all|unit|integration [test files]" ;; esac

banner() { printf '\n=== %s\n' "$*" >&2; }
rc=0

# ---- set-up (idempotent; fast when everything is cached) -------------------------------------------
[ -x node_modules/.bin/node ] || bash hack/ensure-node.sh
# Fail clearly instead of running the .ts tests on a system node (e.g. while a parallel `npm ci`
# has removed node_modules/.bin/node).
check_node() {
  case "$(node --version 2>/dev/null)" in
    v24.*) ;;
    *) die "expected Node 24 from node_modules/.bin (got $(command -v node) $(node --version 2>/dev/null)); run make deps" ;;
  esac
}
check_node
if [ "$MODE" != unit ]; then
  banner "set-up: packages, binaries, services"
  t0=$(date +%s)
  # Tools the scripts use: openssl (PKI), curl (health checks), ss (ports), setsid/flock.
  for c in openssl:openssl curl:curl ss:iproute2 setsid:util-linux flock:util-linux ps:procps; do
    command -v "${c%%:*}" >/dev/null || apt_install "${c#*:}"
  done
  command -v go >/dev/null || die "Go >= 1.26 is needed to build the control plane (not on PATH)"
  bash hack/testenv/build.sh >/dev/null
  for s in redis postgres keycloak; do bash "hack/services/$s.sh" ensure; done
  # The web client's browser tests: Debian's Chromium and the built client the gateway serves.
  bash hack/tools/chromium.sh ensure
  # Jaeger (OTLP receiver + query API) for the trace tests, from the Go module proxy; cached by
  # version (cold: ~18 min on 2 busy cores), so the tests' own timeouts never cover a build.
  bash hack/tools/jaeger.sh >/dev/null
  npm run -s build:web
  log "set-up done in $(($(date +%s) - t0))s"
fi

# ---- unit tests ---------------------------------------------------------------------------------
if [ "$MODE" != integration ]; then
  banner "unit tests"
  npm run -s test:unit || rc=1
fi
[ "$MODE" = unit ] && exit "$rc"

# ---- integration tests against one environment ----------------------------------------------------
W=$(mktemp -d -t op-test.XXXXXX)
export W
teardown() {
  local code=$?
  trap - EXIT INT TERM
  if [ "${KEEP_TESTENV:-0}" = 1 ]; then
    log "KEEP_TESTENV=1: environment left running; use it with: . $W/env ; stop it with: bash hack/testenv/down.sh $W"
    exit "$code"
  fi
  bash hack/testenv/down.sh "$W" || code=1
  if [ "$code" = 0 ]; then rm -rf "$W"; else log "kept $W (logs in $W/logs)"; fi
  exit "$code"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

banner "starting the test environment in $W"
if ! bash hack/testenv/up.sh --with all "$W" >/dev/null; then
  log "the test environment did not start; logs in $W/logs"
  exit 1
fi
# shellcheck disable=SC1091
. "$W/env"

banner "integration tests"
check_node
if [ $# -gt 0 ]; then
  node --test --test-concurrency=1 --test-reporter=spec "$@" || rc=1
else
  npm run -s test:integration || rc=1
fi
if [ "$rc" != 0 ]; then
  banner "FAILED: component logs are in $W/logs (tails below)"
  tail_logs 40
fi
exit "$rc"
