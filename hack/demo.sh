#!/usr/bin/env bash
# `make demo`: the platform on one machine. Brings up the local control plane with Keycloak,
# PostgreSQL and Redis (hack/dev-cluster.sh), installs the CRDs, starts the operator (all
# controllers, webhooks at 127.0.0.1) and hack/demo-platform.ts (a kubelet stand-in that runs the
# pods scheduled to node demo-bridge as local processes, plus the two Services the demo needs),
# applies the sample Tenant (hack/demo-tenant.ts: namespaces, Keycloak realm, a user), the sample
# AIModels, an AIModel served by the deterministic test upstream, an Assistant and a ChatRegion,
# and shows one chat turn that went chat gateway → inference gateway → upstream (hack/demo-chat.ts).
# Every hop is rendered by the operator from the CRs. Everything it starts is recorded in
# .dev/pids, so `make dev-cluster-down` stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=testenv/lib.sh
. hack/testenv/lib.sh
W=$REPO/.dev
export PATH="$REPO/node_modules/.bin:$PATH"

DEV_SERVICES=all bash hack/dev-cluster.sh up
export KUBECONFIG=$W/kubeconfig
# KEYCLOAK_URL, KEYCLOAK_ADMIN*, DATABASE_URL, REDIS_URL of the services started with the cluster.
for f in "$W"/env.d/*.sh; do . "$f"; done
k() { bash hack/kubectl.sh "$@"; }
NS=acme-chat # the namespace the samples live in (created by Tenant acme)
ASSISTANT=acme-helper
MODEL=demo-echo
alloc_once() { # VAR NAME: the port recorded for NAME in an earlier run, else a new one
  local p
  p=$(awk -v n="$2" '$1 == n {p = $2} END {print p}' "$W/ports" 2>/dev/null)
  if [ -n "$p" ]; then printf -v "$1" '%s' "$p"; else alloc_port "$1" "$2"; fi
}
alloc_once IGW_SVC inference-gateway-service
alloc_once CHAT_SVC chat-service
alloc_once UP_PORT test-upstream

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
  mkdir -p "$W/gateway-credentials"
  # The chat fleets call the inference gateway's Service (demo-platform stands in for it) with
  # the Tenant's key; the gateway reads provider keys from the directory demo-platform syncs.
  start operator TERM env KUBECONFIG="$KUBECONFIG" POD_NAMESPACE=librechat-system WEBHOOK_PORT="$OP_WEBHOOK" \
    GATEWAY_CREDENTIALS_DIR="$W/gateway-credentials" CHATREGION_INFERENCE_URL="http://127.0.0.1:$IGW_SVC" \
    CHATREGION_KEYCLOAK_URL="$KEYCLOAK_URL" CHATREGION_SYNC_PERIOD=2 \
    "$REPO/node_modules/.bin/node" cmd/manager/main.ts \
    --leader-elect=true --lease-namespace=librechat-system --webhooks=local \
    --metrics-bind-address="127.0.0.1:$OP_METRICS" --health-probe-bind-address="127.0.0.1:$OP_HEALTH"
  wait_for 60 "operator readiness" http_ok "http://127.0.0.1:$OP_HEALTH/readyz"
  echo "http://127.0.0.1:$OP_METRICS/metrics" >"$W/operator.metrics-url"
fi

# The chat fleet serves the web client from the checkout (as the image does from /app): build it.
[ -f workloads/chat-web/dist/index.html ] || npm run -s build:web

# The deterministic test upstream plays the LLM provider: it echoes the messages it receives.
if ! running test-upstream; then
  start test-upstream TERM env TEST_UPSTREAM_ECHO=1 "$REPO/node_modules/.bin/node" workloads/inference-gateway/test-upstream/server.ts --port "$UP_PORT"
fi
wait_for 30 "test upstream" http_ok "http://127.0.0.1:$UP_PORT/health"

# The kubelet stand-in (node demo-bridge) and the shipped inference gateway on it.
if ! running demo-platform; then
  start demo-platform TERM env KUBECONFIG="$KUBECONFIG" REDIS_URL="$REDIS_URL" DEMO_NAMESPACE=librechat-system \
    GATEWAY_CREDENTIALS_DIR="$W/gateway-credentials" DEMO_IGW_PORT="$IGW_SVC" DEMO_CHAT_PORT="$CHAT_SVC" \
    "$REPO/node_modules/.bin/node" hack/demo-platform.ts
fi
wait_for 60 "demo platform" grep -q "demo-platform: bridge node" "$W/logs/demo-platform.log" ||
  { tail -n 30 "$W/logs/demo-platform.log" >&2; die "the demo platform did not start"; }

# The sample Tenant "acme" creates the namespaces the AIModel samples live in, and its realm.
log "applying the sample Tenant"
DEMO_CHAT_ORIGIN="http://127.0.0.1:$CHAT_SVC" node hack/demo-tenant.ts >"$W/tenant-demo.txt" || { cat "$W/tenant-demo.txt" >&2; die "the sample Tenant did not become Ready"; }

log "applying sample AIModels, the demo model, an Assistant and a ChatRegion"
for f in manifests/samples/aimodel-*.yaml; do
  k apply --server-side --field-manager=librechat-demo -f "$f" >/dev/null
done
cat <<YAML | k apply --server-side --field-manager=librechat-demo -f - >/dev/null
apiVersion: v1
kind: Secret
metadata: {name: demo-provider, namespace: $NS, labels: {librechat.io/model-secret: "true"}}
stringData: {api-key: sk-demo-provider}
---
apiVersion: librechat.io/v1alpha1
kind: AIModel
metadata: {name: $MODEL, namespace: $NS}
spec:
  provider: openai
  modelName: $MODEL
  external: {baseURL: "http://127.0.0.1:$UP_PORT/v1", providerModel: test-model, credentialsSecretRef: {name: demo-provider, key: api-key}}
  costPerToken: {input: "0.000001", output: "0.000002", currency: USD}
---
apiVersion: librechat.io/v1alpha1
kind: Assistant
metadata: {name: $ASSISTANT, namespace: $NS}
spec:
  displayName: Acme Helper
  versions:
    - {name: v1, modelRef: $MODEL, instructions: "You are Acme's helper. Answer in one friendly sentence."}
  variants: [{version: v1, weight: 100}]
---
apiVersion: v1
kind: Secret
metadata: {name: eu-postgres, namespace: $NS}
stringData: {url: "$DATABASE_URL", appPassword: demo-app-password}
---
apiVersion: v1
kind: Secret
metadata: {name: eu-redis, namespace: $NS}
stringData: {url: "$REDIS_URL"}
YAML
# The sample ChatRegion, placed on the bridge, serving the Assistant and the demo model.
node -e '
  const y = require("yaml"), fs = require("fs");
  const r = y.parse(fs.readFileSync("manifests/samples/chatregion-eu.yaml", "utf8"));
  r.spec.placement = { nodeSelector: { "kubernetes.io/hostname": "demo-bridge" },
    tolerations: [{ key: "librechat.io/pod-bridge", operator: "Exists", effect: "NoSchedule" }] };
  r.spec.fleet = { ...r.spec.fleet, replicas: 1, minReplicas: 1 };
  r.spec.drain = { preStopSeconds: 1, terminationGracePeriodSeconds: 30, maxDrainSeconds: 20 };
  r.spec.models = [process.argv[1], process.argv[2]];
  r.spec.endpoint = process.argv[3]; // demo-platform stands in for its Service at this address
  process.stdout.write(JSON.stringify(r));
' "$ASSISTANT" "$MODEL" "ws://127.0.0.1:$CHAT_SVC/v1/ws" | k apply --server-side --field-manager=librechat-demo -f - >/dev/null
k wait --for=condition=Ready aimodel --all -n "$NS" --timeout=180s >/dev/null
k wait --for=condition=Ready chatregion/eu-west -n "$NS" --timeout=240s >/dev/null
echo
k get aimodels,assistants,chatregions -n "$NS"
echo
DEMO_CHAT_URL="ws://127.0.0.1:$CHAT_SVC/v1/ws" DEMO_REALM=acme DEMO_CLIENT=demo-cli \
  DEMO_USER=acme-demo DEMO_PASSWORD='Acme-Demo-Passw0rd!' DEMO_MODEL="$ASSISTANT" \
  node hack/demo-chat.ts || die "the chat turn failed (logs in $W/logs; pods: $W/logs/demo-platform.log)"
echo
IGW_KEY=$(k get secret inference-gateway-api-key -n "$NS" -o jsonpath='{.data.api-key}' | base64 -d)
cat <<MSG
The demo is up. Everything listens on 127.0.0.1.

Inference gateway (its routing rendered from the CRs): http://127.0.0.1:$IGW_SVC/v1
  Tenant acme's generated key (Secret $NS/inference-gateway-api-key): $IGW_KEY
  curl -s http://127.0.0.1:$IGW_SVC/v1/models -H "Authorization: Bearer \$IGW_KEY"
Chat fleet (ChatRegion eu-west): ws://127.0.0.1:$CHAT_SVC/v1/ws
  Web client: http://127.0.0.1:$CHAT_SVC/   (sign in as acme-demo / Acme-Demo-Passw0rd!)

  export KUBECONFIG=$W/kubeconfig
  bash hack/kubectl.sh get librechat -A              # every librechat.io object
  bash hack/kubectl.sh describe aimodel -n $NS      # conditions and events
  bash hack/kubectl.sh get deploy,svc,pdb,pods -n $NS
  bash hack/kubectl.sh get configmap inference-gateway-routing -n librechat-system -o yaml
  curl -s \$(cat "$W/operator.metrics-url") | grep controller_runtime_reconcile_total
  tail -f $W/logs/operator.log                       # operator logs (JSON)
  tail -f $W/logs/demo-platform.log                  # the bridged pods (gateways) and their output
MSG
echo
cat "$W/tenant-demo.txt"
cat <<MSG

Tear it all down (stops exactly the processes it started):  make dev-cluster-down
MSG
