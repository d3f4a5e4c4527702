#!/usr/bin/env bash
# The prometheus-operator CRDs (PodMonitor, ServiceMonitor, PrometheusRule) at a pinned version,
# taken from the prometheus-operator Go module (its example/prometheus-operator-crd/ folder) through
# the Go module proxy, copied into a cache outside the repository. Prints the directory holding them.
# The tests apply them to the test API server to validate manifests/monitoring/.
set -euo pipefail
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
[ -d /usr/local/go/bin ] && export PATH=$PATH:/usr/local/go/bin
VERSION=${PROMETHEUS_OPERATOR:-0.85.0}
TE=${TE:-$HOME/.cache/op-testenv}
OUT=$TE/prometheus-operator-crds-$VERSION
KINDS="podmonitors servicemonitors prometheusrules"
ready() { for k in $KINDS; do [ -s "$OUT/monitoring.coreos.com_$k.yaml" ] || return 1; done; }
if ! ready; then
  mkdir -p "$TE"
  exec 9>"$TE/.prometheus-operator-crds.lock"
  flock 9
  if ! ready; then
    command -v go >/dev/null || { echo "prometheus-operator-crds: Go is needed to fetch the module" >&2; exit 1; }
    DIR=$(cd "$TE" && go mod download -json "github.com/prometheus-operator/prometheus-operator@v$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
    [ -d "$DIR/example/prometheus-operator-crd" ] || { echo "prometheus-operator-crds: no CRDs in $DIR" >&2; exit 1; }
    mkdir -p "$OUT.tmp"
    for k in $KINDS; do cp "$DIR/example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml" "$OUT.tmp/"; done
    chmod -R u+w "$OUT.tmp"
    rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
  fi
fi
echo "$OUT"
