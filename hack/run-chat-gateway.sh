#!/usr/bin/env bash
# `make run-chat-gateway`: two chat-gateway replicas on 127.0.0.1 with their own PostgreSQL 15
# (+pgvector), Redis, Keycloak (realm "demo", user demo/demo) and the inference gateway's
# deterministic TEST UPSTREAM as INFERENCE_URL. Prints URLs and how to get a token; Ctrl-C stops
# everything it started, by recorded PID (hack/testenv/down.sh).
#   usage: hack/run-chat-gateway.sh [up|down W]     (RUN_DIR=W reuses a work dir)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=testenv/lib.sh
. hack/testenv/lib.sh
export PATH="$REPO/node_modules/.bin:$PATH"

if [ "${1:-up}" = down ]; then
  exec bash hack/testenv/down.sh "${2:?usage: run-chat-gateway.sh down W}"
fi

W=${RUN_DIR:-$(mktemp -d -t chat-gateway-run.XXXXXX)}
export W
mkdir -p "$W"
stop() { bash hack/testenv/down.sh "$W" || true; }
trap stop EXIT
trap 'exit 130' INT TERM

for s in postgres redis keycloak; do bash "hack/services/$s.sh" ensure; done
for s in postgres redis keycloak; do bash "hack/services/$s.sh" start "$W"; done
bash hack/services/postgres.sh wait "$W"
bash hack/services/redis.sh wait "$W"
bash hack/services/keycloak.sh wait "$W"
for f in "$W"/env.d/*.sh; do . "$f"; done

# Demo realm, client and user (Keycloak admin REST API).
KC=$KEYCLOAK_URL
admin_token() {
  curl -sf -d grant_type=password -d client_id=admin-cli -d "username=$KEYCLOAK_ADMIN" \
    -d "password=$KEYCLOAK_ADMIN_PASSWORD" "$KC/realms/master/protocol/openid-connect/token" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))'
}
kc_post() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "authorization: Bearer $(admin_token)" \
    -H 'content-type: application/json' -d "$2" "$KC/admin/realms$1")
  case "$code" in 201 | 204 | 409) ;; *) die "Keycloak POST $1 answered $code" ;; esac
}
kc_post "" '{"realm":"demo","enabled":true}'
kc_post /demo/clients '{"clientId":"chat-gateway","publicClient":true,"directAccessGrantsEnabled":true,"standardFlowEnabled":false,
  "protocolMappers":[{"name":"aud","protocol":"openid-connect","protocolMapper":"oidc-audience-mapper",
  "config":{"included.client.audience":"chat-gateway","access.token.claim":"true"}}]}'
kc_post /demo/users '{"username":"demo","enabled":true,"email":"demo@example.test","emailVerified":true,"firstName":"Demo",
  "lastName":"User","requiredActions":[],"credentials":[{"type":"password","value":"demo","temporary":false}]}'

# Test upstream (deterministic, not a model) as the inference API.
alloc_port up test-upstream
start test-upstream TERM node workloads/inference-gateway/test-upstream/server.ts --port "$up" --tps 20 --embedding-dim 16
INFERENCE_URL="http://127.0.0.1:$up"
wait_for 30 "test upstream" http_ok "$INFERENCE_URL/v1/models"

ISSUERS="[{\"issuer\":\"$KC/realms/demo\",\"tenant\":\"demo\",\"audience\":\"chat-gateway\"}]"
# The app role's password: generated per run (the gateway has no default password).
APP_DB_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
urls=()
for r in a b; do
  alloc_port p "chat-gateway-$r"
  DATABASE_URL=$DATABASE_URL CHAT_APP_DB_PASSWORD=$APP_DB_PASSWORD REDIS_URL=$REDIS_URL INFERENCE_URL=$INFERENCE_URL CHAT_OIDC_ISSUERS=$ISSUERS \
    CHAT_HOST=127.0.0.1 CHAT_PORT=$p CHAT_REPLICA_ID="replica-$r" \
    start "chat-gateway-$r" TERM node --max-semi-space-size=2 workloads/chat-gateway/src/server.ts
  wait_for 60 "chat-gateway replica $r" http_ok "http://127.0.0.1:$p/readyz"
  urls+=("http://127.0.0.1:$p")
done

cat <<MSG

chat gateway is running (work dir $W, logs in $W/logs):
  replica A   ${urls[0]}   (WebSocket ${urls[0]/http/ws}/v1/ws, SSE ${urls[0]}/v1/stream, POST ${urls[0]}/v1/frames)
  replica B   ${urls[1]}
  metrics     ${urls[0]}/metrics   probes /healthz /readyz
  Keycloak    $KC   (admin/admin; realm "demo", user demo / demo)
  inference   $INFERENCE_URL   (TEST UPSTREAM: deterministic, not a model)

Get a token and talk to it:
  TOKEN=\$(curl -s -d grant_type=password -d client_id=chat-gateway -d username=demo -d password=demo \\
    $KC/realms/demo/protocol/openid-connect/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  curl -s -H "authorization: Bearer \$TOKEN" -H 'content-type: application/json' \\
    -d '{"v":1,"type":"send","content":"hello"}' ${urls[0]}/v1/frames
  curl -N -H "authorization: Bearer \$TOKEN" "${urls[1]}/v1/stream?conversationId=<id from above>"

Ctrl-C stops everything (by recorded PID).
MSG
# `wait` (not a foreground sleep) so Ctrl-C / SIGTERM run the trap at once.
while :; do
  sleep 3600 &
  wait $! || true
done
