#!/usr/bin/env bash
# Prometheus server + promtool for the tests (steady-state probes of ChaosPolicy, rule checks),
# built from the Go module proxy at a pinned version into a cache outside the repository, keyed by
# version (like hack/testenv/build.sh). Idempotent and flock'ed; binaries of the pinned version
# already on PATH (or in $PROMETHEUS_BIN) are linked in instead of building.
#   bash hack/tools/prometheus.sh [build]   ensure the binaries, print their directory
#   bash hack/tools/prometheus.sh path      same (the contract other scripts rely on)
#   bash hack/tools/prometheus.sh version   print the pinned version
# Test scripts start the server themselves, bound to 127.0.0.1.
set -euo pipefail
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
[ -d /usr/local/go/bin ] && export PATH=$PATH:/usr/local/go/bin
# Go module v0.3XX.Y is Prometheus v3.XX.Y.
PROMETHEUS=${PROMETHEUS:-3.16.0}
MODVER=v0.$((${PROMETHEUS%%.*} * 100 + $(echo "$PROMETHEUS" | cut -d. -f2))).$(echo "$PROMETHEUS" | cut -d. -f3)
TE=${TE:-$HOME/.cache/op-testenv}
BIN=$TE/prometheus-$PROMETHEUS
log() { echo "tools/prometheus: $*" >&2; }

case "${1:-build}" in
  version) echo "$PROMETHEUS"; exit 0 ;;
  build | path) ;;
  *) echo "usage: $0 [build|path|version]" >&2; exit 2 ;;
esac

has_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | head -1 | grep -q "version $PROMETHEUS "; }
ready() { has_version "$BIN/prometheus" && has_version "$BIN/promtool"; }

if ! ready; then
  mkdir -p "$BIN"
  # One build per cache: a concurrent caller waits, then finds the binaries.
  exec 9>"$TE/.prometheus.lock"
  flock 9
  for name in prometheus promtool; do
    has_version "$BIN/$name" && continue
    for cand in "${PROMETHEUS_BIN:-/nonexistent}/$name" "$(command -v "$name" 2>/dev/null || true)"; do
      if [ -n "$cand" ] && [ "$cand" != "$BIN/$name" ] && has_version "$cand"; then
        ln -sf "$cand" "$BIN/$name"; log "using existing $cand"; break
      fi
    done
  done
  if ! ready; then
    command -v go >/dev/null || { log "Go >= 1.26 is needed to build Prometheus"; exit 1; }
    log "building Prometheus $PROMETHEUS (module $MODVER) from the Go module proxy (cold: 5-15 min)"
    M=$TE/mod-prometheus-$PROMETHEUS; rm -rf "$M"; mkdir -p "$M"; cd "$M"
    go mod init local/prometheus >/dev/null 2>&1
    go get -tool "github.com/prometheus/prometheus/cmd/prometheus@$MODVER" "github.com/prometheus/prometheus/cmd/promtool@$MODVER"
    go mod tidy
    V=github.com/prometheus/common/version
    go build -p "${BUILD_JOBS:-2}" -ldflags "-s -w -X $V.Version=$PROMETHEUS -X $V.Branch=module -X $V.Revision=$MODVER" \
      -o "$BIN/" github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool
    ready || { log "built binaries do not report version $PROMETHEUS"; exit 1; }
  fi
fi
echo "$BIN"
