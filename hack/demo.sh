#!/usr/bin/env bash
# `make demo`: brings up the local control plane (hack/dev-cluster.sh), installs the CRDs, starts
# the operator in the background, applies the sample Tenant (hack/demo-tenant.ts: its namespaces and
# Keycloak realm) and the sample AIModels, and waits until they are Ready.
# Everything it starts is recorded in .dev/pids, so `make dev-cluster-down` stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=testenv/lib.sh
. hack/testenv/lib.sh
W=$REPO/.dev
export PATH="$REPO/node_modules/.bin:$PATH"

bash hack/dev-cluster.sh up
export KUBECONFIG=$W/kubeconfig
k() { bash hack/kubectl.sh "$@"; }

log "installing CRDs"
k apply --server-side --field-manager=librechat-demo -k manifests/crd >/dev/null
k wait --for=condition=Established crd/aimodels.librechat.io crd/tenants.librechat.io crd/assistants.librechat.io crd/chatregions.librechat.io crd/chaospolicies.librechat.io --timeout=60s >/dev/null

if running operator; then
  log "operator already running (pid $(cat "$W/operator.pid"))"
else
  alloc_port OP_METRICS operator-metrics
  alloc_port OP_HEALTH operator-health
  ENV_GROUP=operator
  # The operator's namespace holds its Lease and the webhook certificate Secret.
  k create namespace librechat-system --dry-run=client -o yaml | k apply -f - >/dev/null
  alloc_port OP_WEBHOOK operator-webhook
  start operator TERM env KUBECONFIG="$KUBECONFIG" POD_NAMESPACE=librechat-system WEBHOOK_PORT="$OP_WEBHOOK" \
    "$REPO/node_modules/.bin/node" cmd/manager/main.ts \
    --leader-elect=true --lease-namespace=librechat-system --webhooks=local \
    --metrics-bind-address="127.0.0.1:$OP_METRICS" --health-probe-bind-address="127.0.0.1:$OP_HEALTH"
  wait_for 60 "operator readiness" http_ok "http://127.0.0.1:$OP_HEALTH/readyz"
  echo "http://127.0.0.1:$OP_METRICS/metrics" >"$W/operator.metrics-url"
fi

# The inference gateway in front of the models (backed here by the test upstream: no real LLM).
if running inference-gateway; then
  IGW_PORT=$(awk '$1 == "inference-gateway" {p = $2} END {print p}' "$W/ports")
else
  alloc_port IGW_PORT inference-gateway
  start inference-gateway TERM env GATEWAY_PORT="$IGW_PORT" bash hack/run-inference-gateway.sh
fi
wait_for 90 "inference gateway readiness" http_ok "http://127.0.0.1:$IGW_PORT/readyz"
for _ in $(seq 50); do grep -q 'API key:' "$W/logs/inference-gateway.log" && break; sleep 0.2; done
IGW_KEY=$(grep 'API key:' "$W/logs/inference-gateway.log" | tail -1 | awk '{print $3}')

# Two chat-gateway replicas with PostgreSQL, Redis and Keycloak (realm "demo", user demo/demo);
# its own work dir lives under .dev/chat and is stopped with everything else.
if ! running chat-gateway; then
  start chat-gateway TERM env RUN_DIR="$W/chat" bash hack/run-chat-gateway.sh
fi
wait_for 300 "chat gateway replicas" grep -q "Ctrl-C stops everything" "$W/logs/chat-gateway.log" ||
  { tail -n 30 "$W/logs/chat-gateway.log" >&2; die "the chat gateway did not start"; }

# The sample Tenant "acme" creates the namespaces the AIModel samples live in, and its realm.
log "applying the sample Tenant"
( for f in "$W"/chat/env.d/keycloak.sh; do . "$f"; done
  node hack/demo-tenant.ts ) >"$W/tenant-demo.txt" || { cat "$W/tenant-demo.txt" >&2; die "the sample Tenant did not become Ready"; }

log "applying sample AIModels"
NS=acme-chat # the namespace the samples live in (created by Tenant acme)
for f in manifests/samples/aimodel-*.yaml; do
  k apply --server-side --field-manager=librechat-demo -f "$f" >/dev/null
done
k wait --for=condition=Ready aimodel --all -n "$NS" --timeout=180s >/dev/null
echo
k get aimodels -n "$NS" -o wide
echo
echo "Asking the inference gateway (OpenAI-compatible; its upstream is the deterministic test upstream):"
curl -s "http://127.0.0.1:$IGW_PORT/v1/chat/completions" -H "Authorization: Bearer $IGW_KEY" \
  -H 'content-type: application/json' -d '{"model":"default","messages":[{"role":"user","content":"Hello"}]}'
echo; echo
cat <<MSG
The demo is up. Everything listens on 127.0.0.1.

Inference gateway: http://127.0.0.1:$IGW_PORT/v1   API key: $IGW_KEY
  curl -s http://127.0.0.1:$IGW_PORT/v1/models -H "Authorization: Bearer $IGW_KEY"

  export KUBECONFIG=$W/kubeconfig
  bash hack/kubectl.sh get librechat -A              # every librechat.io object
  bash hack/kubectl.sh describe aimodel -n $NS      # conditions and events
  bash hack/kubectl.sh get deploy,svc,pdb,pods -n $NS
  curl -s $(cat "$W/operator.metrics-url") | grep controller_runtime_reconcile_total
  tail -f $W/logs/operator.log                       # operator logs (JSON)
MSG
sed -n '/^chat gateway is running/,/^Ctrl-C stops everything/p' "$W/logs/chat-gateway.log" | sed '$d'
echo
cat "$W/tenant-demo.txt"
cat <<MSG

Tear it all down (stops exactly the processes it started):  make dev-cluster-down
MSG
