#!/usr/bin/env bash
# Local development cluster for `make dev-cluster` / `make dev-cluster-down`: the same control plane
# as the tests (hack/testenv/up.sh), kept in $REPO/.dev (git-ignored), kubeconfig .dev/kubeconfig.
#   hack/dev-cluster.sh up [--with keycloak,postgres,redis|all]   start (safe to run twice)
#   hack/dev-cluster.sh down                                       stop exactly what up started
#   hack/dev-cluster.sh status                                     print the recorded processes
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
W=${DEV_DIR:-$REPO/.dev}
# shellcheck source=testenv/lib.sh
. hack/testenv/lib.sh

cmd=${1:-up}
shift || true
case "$cmd" in
  up)
    with=()
    [ -n "${DEV_SERVICES:-}" ] && with=(--with "$DEV_SERVICES")
    bash hack/testenv/up.sh "${with[@]}" "$@" "$W" >/dev/null
    cat >&2 <<EOF

Local control plane is up (etcd, kube-apiserver, controller-manager, scheduler, kwok node kwok-node-0).
  export KUBECONFIG=$W/kubeconfig
  bash hack/kubectl.sh get nodes            # the matching kubectl ($BIN/kubectl)
  . $W/env    # all exports (KUBECONFIG, TESTENV_*, service URLs)
Logs: $W/logs/   Stop: make dev-cluster-down
EOF
    ;;
  down)
    bash hack/testenv/down.sh "$W"
    ;;
  status)
    if [ -f "$W/pids" ]; then
      while read -r pid name st _; do
        if entry_alive "$pid" "$st"; then s=running; else s=gone; fi
        printf '%-26s pid %-8s %s\n' "$name" "$pid" "$s"
      done <"$W/pids"
    else
      echo "no dev cluster recorded in $W"
    fi
    ;;
  *) die "usage: hack/dev-cluster.sh up|down|status" ;;
esac
