#!/usr/bin/env bash
# Runs the kubectl built by hack/testenv/build.sh (same version as the local control plane; builds
# it first if missing) with all arguments. KUBECONFIG defaults to .dev/kubeconfig (make dev-cluster).
set -euo pipefail
# shellcheck source=testenv/lib.sh
. "$(dirname "$0")/testenv/lib.sh"
[ -x "$BIN/kubectl" ] || bash "$TESTENV_HACK/build.sh" >/dev/null
export KUBECONFIG=${KUBECONFIG:-$REPO/.dev/kubeconfig}
exec "$BIN/kubectl" "$@"
