#!/usr/bin/env bash
# Helm v4 for the tests (the chart in charts/ is rendered with `helm template` and compared with
# `kubectl kustomize`), built from the Go module proxy at a pinned version into a cache outside the
# repository, keyed by version (like hack/testenv/build.sh). Idempotent and flock'ed; a helm of the
# pinned version already on PATH (or in $HELM_BIN) is linked in instead of building.
#   bash hack/tools/helm.sh [path]   ensure the binary, print its path
#   bash hack/tools/helm.sh version  print the pinned version
set -euo pipefail
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
[ -d /usr/local/go/bin ] && export PATH=$PATH:/usr/local/go/bin
HELM=${HELM:-4.3.2}
TE=${TE:-$HOME/.cache/op-testenv}
BIN=$TE/helm-$HELM
log() { echo "tools/helm: $*" >&2; }

case "${1:-path}" in
  version) echo "$HELM"; exit 0 ;;
  path) ;;
  *) echo "usage: $0 [path|version]" >&2; exit 2 ;;
esac

has_version() { [ -x "$1" ] && "$1" version --short 2>/dev/null | grep -q "^v$HELM+\|^v$HELM\$"; }

if ! has_version "$BIN/helm"; then
  mkdir -p "$BIN"
  exec 9>"$TE/.helm.lock"
  flock 9
  if ! has_version "$BIN/helm"; then
    for cand in "${HELM_BIN:-/nonexistent}/helm" "$(command -v helm 2>/dev/null || true)"; do
      if [ -n "$cand" ] && [ "$cand" != "$BIN/helm" ] && has_version "$cand"; then
        ln -sf "$cand" "$BIN/helm"; log "using existing $cand"; break
      fi
    done
  fi
  if ! has_version "$BIN/helm"; then
    command -v go >/dev/null || { log "Go >= 1.26 is needed to build Helm"; exit 1; }
    log "building Helm v$HELM from the Go module proxy (cold: 3-10 min)"
    M=$TE/mod-helm-$HELM; rm -rf "$M"; mkdir -p "$M"; cd "$M"
    go mod init local/helm >/dev/null 2>&1
    go get -tool "helm.sh/helm/v4/cmd/helm@v$HELM"
    go mod tidy
    go build -p "${BUILD_JOBS:-2}" -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
      -o "$BIN/helm" helm.sh/helm/v4/cmd/helm
    has_version "$BIN/helm" || { log "built helm does not report version v$HELM: $("$BIN/helm" version --short 2>&1)"; exit 1; }
  fi
fi
echo "$BIN/helm"
