#!/usr/bin/env bash
# Jaeger (the v2, OpenTelemetry-collector-based `cmd/jaeger`: OTLP receiver + query API) for the trace
# tests, built from the Go module proxy at a pinned version into a cache outside the repository,
# keyed by version (like hack/tools/prometheus.sh). Idempotent and flock'ed; a binary of the pinned
# version already on PATH (or $JAEGER_BIN, a file or a directory holding `jaeger`) is linked in
# instead of building.
#   bash hack/tools/jaeger.sh [build]   ensure the binary, print its directory
#   bash hack/tools/jaeger.sh path      same (the contract other scripts rely on)
#   bash hack/tools/jaeger.sh version   print the pinned version
# The tests write the config file and start the server themselves, bound to 127.0.0.1.
set -euo pipefail
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
[ -d /usr/local/go/bin ] && export PATH=$PATH:/usr/local/go/bin
# v1.75.0 is the newest release that passed here; newer module versions are served but did not.
JAEGER=${JAEGER:-1.75.0}
TE=${TE:-$HOME/.cache/op-testenv}
BIN=$TE/jaeger-$JAEGER
log() { echo "tools/jaeger: $*" >&2; }

case "${1:-build}" in
  version) echo "$JAEGER"; exit 0 ;;
  build | path) ;;
  *) echo "usage: $0 [build|path|version]" >&2; exit 2 ;;
esac

# `jaeger version` prints {"gitCommit":..,"gitVersion":..,..}; our builds stamp the module version.
has_version() { [ -x "$1" ] && "$1" version 2>/dev/null | grep -q "\"gitVersion\":\"v$JAEGER\""; }
ready() { has_version "$BIN/jaeger"; }

if ! ready; then
  mkdir -p "$BIN"
  # One build per cache: a concurrent caller waits, then finds the binary.
  exec 9>"$TE/.jaeger.lock"
  flock 9
  if ! ready; then
    for cand in "${JAEGER_BIN:-/nonexistent}" "${JAEGER_BIN:-/nonexistent}/jaeger" "$(command -v jaeger 2>/dev/null || true)"; do
      if [ -n "$cand" ] && [ -f "$cand" ] && [ "$cand" != "$BIN/jaeger" ] && has_version "$cand"; then
        ln -sf "$cand" "$BIN/jaeger"; log "using existing $cand"; break
      fi
    done
  fi
  if ! ready; then
    command -v go >/dev/null || { log "Go >= 1.26 is needed to build Jaeger"; exit 1; }
    log "building Jaeger $JAEGER from the Go module proxy (cold: 5-15 min)"
    M=$TE/mod-jaeger-$JAEGER; rm -rf "$M"; mkdir -p "$M"; cd "$M"
    go mod init local/jaeger >/dev/null 2>&1
    # Jaeger's own go.mod pins sarama with a replace; replaces of a dependency are ignored, so
    # repeat it here to build what upstream builds.
    go mod edit -replace github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@v$JAEGER"
    go mod tidy
    V=github.com/jaegertracing/jaeger/internal/version
    go build -p "${BUILD_JOBS:-2}" -ldflags "-s -w -X $V.latestVersion=v$JAEGER -X $V.commitSHA=v$JAEGER" \
      -o "$BIN/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
    ready || { log "the built binary does not report version $JAEGER"; exit 1; }
  fi
fi
echo "$BIN"
