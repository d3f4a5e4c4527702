#!/usr/bin/env bash
# Builds the real control-plane binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok) from Go modules into a cache outside the repository, keyed by version.
# Idempotent: a second run finds the binaries and does nothing. Prints the bin directory.
# If KUBEBUILDER_ASSETS (or PATH) already holds binaries of the pinned versions, those are linked in instead.
set -euo pipefail
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
# shellcheck source=versions.sh
. "$(dirname "$0")/versions.sh"
MINOR=$(echo "$K8S" | cut -d. -f2)
BIN=$TE/bin-$K8S-etcd$ETCD-kwok$KWOK
mkdir -p "$BIN"
# One build at a time per cache: a second caller (make test while make dev-cluster builds) waits
# for the first and then finds the binaries.
exec 9>"$TE/.build.lock"
flock 9
log() { echo "testenv/build: $*" >&2; }

# kubectl has no --version flag (it has `kubectl version --client`), so it gets its own probe;
# without that the Kubernetes build would rerun every time.
has_version() {
  [ -x "$1" ] || return 1
  case "$(basename "$1")" in
    kubectl) "$1" version --client 2>/dev/null | grep -q "$2" ;;
    *) "$1" --version 2>/dev/null | grep -q "$2" ;;
  esac
}

# Reuse binaries the user already has (KUBEBUILDER_ASSETS first, then PATH) when versions match.
adopt() {
  local name=$1 want=$2 cand
  for cand in "${KUBEBUILDER_ASSETS:-/nonexistent}/$name" "$(command -v "$name" 2>/dev/null || true)"; do
    if [ -n "$cand" ] && [ "$cand" != "$BIN/$name" ] && has_version "$cand" "$want"; then
      ln -sf "$cand" "$BIN/$name"; log "using existing $cand"; return 0
    fi
  done
  return 1
}

need_k8s=0
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  has_version "$BIN/$c" "v$K8S" || adopt "$c" "v$K8S" || need_k8s=1
done
has_version "$BIN/kubectl" "v$K8S" || adopt kubectl "v$K8S" || need_k8s=1

if [ "$need_k8s" = 1 ]; then
  log "building Kubernetes v$K8S from the k8s.io/kubernetes module (cold: 20-40 min on 2 cores)"
  M=$TE/mod-k8s-$K8S; rm -rf "$M"; mkdir -p "$M"; cd "$M"
  go mod init local/k8sbins >/dev/null 2>&1
  GOMOD=$(go mod download -json "k8s.io/kubernetes@v$K8S" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  # The replace list is derived from the exact version's go.mod: staging modules change per minor.
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*#\1#p' "$GOMOD"); do
    go mod edit -replace="$m=$m@v0.${K8S#1.}"
  done
  CMDS="kube-apiserver kube-controller-manager kube-scheduler kubectl"
  # shellcheck disable=SC2046
  go get -tool $(for c in $CMDS; do echo "k8s.io/kubernetes/cmd/$c@v$K8S"; done)
  go mod tidy
  V="-X k8s.io/component-base/version.gitVersion=v$K8S -X k8s.io/component-base/version.gitMajor=1"
  V="$V -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
  V="$V -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
  V="$V ${V//component-base\/version/client-go\/pkg\/version}"
  # shellcheck disable=SC2046
  go build -p "${BUILD_JOBS:-2}" -ldflags "-s -w $V" -o "$BIN/" $(for c in $CMDS; do echo "k8s.io/kubernetes/cmd/$c"; done)
fi

if ! has_version "$BIN/etcd" "$ETCD" && ! adopt etcd "$ETCD"; then
  log "building etcd v$ETCD"
  M=$TE/mod-etcd-$ETCD; rm -rf "$M"; mkdir -p "$M"; cd "$M"
  go mod init local/etcd >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD" && go mod tidy
  go build -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
fi

if ! [ -x "$BIN/kwok" ]; then
  log "building kwok v$KWOK"
  GOBIN=$BIN go install "sigs.k8s.io/kwok/cmd/kwok@v$KWOK"
fi
# kwok's default stage files ship in its module source.
go mod download "sigs.k8s.io/kwok@v$KWOK" >/dev/null
echo "$BIN"
