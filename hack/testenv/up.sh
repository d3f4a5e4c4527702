#!/usr/bin/env bash
# Starts a real local control plane as plain processes, all on 127.0.0.1 with free ports:
#   etcd -> kube-apiserver -> kube-controller-manager -> kube-scheduler -> kwok (fake node
#   kwok-node-0, pods become Running/Ready without containers)
# and optionally the services the integration tests need (--with keycloak,postgres,redis | all).
#
#   usage: up.sh [--with LIST] [W]      W: work dir (default $TESTENV_DIR, else a new temp dir)
#   env:   TESTENV_WITH=LIST (like --with), TE (cache dir, default ~/.cache/op-testenv)
#
# Everything of a run lives in W: fresh PKI, etcd data, logs/, pids (PID NAME STARTTIME SIGNAL; each
# PID is a process-group leader via setsid), ports (NAME PORT), kubeconfig, and env (shell exports;
# contract in hack/testenv/README.md). Prints W on stdout.
# Idempotent: if W already runs a healthy control plane, only missing requested services are
# started. Leftovers of a killed run are stopped by recorded PID (down.sh) and W is reset.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WITH=${TESTENV_WITH:-} # same as --with (e.g. TESTENV_WITH=all)
W=""
while [ $# -gt 0 ]; do
  case "$1" in
    --with) WITH=${2:?--with needs a list}; shift ;;
    --with=*) WITH=${1#--with=} ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) W=$1 ;;
  esac
  shift
done
WITH=${WITH//,/ }
[ "$WITH" = all ] && WITH="keycloak postgres redis"
for s in $WITH; do [ -f "$TESTENV_HACK/../services/$s.sh" ] || die "unknown service '$s' (keycloak, postgres, redis)"; done

W=${W:-${TESTENV_DIR:-}}
[ -n "$W" ] || W=$(mktemp -d -t op-testenv.XXXXXX)
mkdir -p "$W"
W=$(cd "$W" && pwd)
export W
T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}'; }

# One up.sh at a time per W (two `make dev-cluster` in parallel would race on the pids file).
exec 9>"$W/.up.lock"
flock 9

KCFG=$W/kubeconfig
P=$W/pki
KUBECTL=("$BIN/kubectl" --kubeconfig="$KCFG")

port_of() { awk -v n="$1" '$1 == n {p = $2} END {print p}' "$W/ports" 2>/dev/null; }
readyz() {
  curl -sf -m 3 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" \
    "https://127.0.0.1:$(port_of kube-apiserver)/readyz" >/dev/null
}
node_ready() {
  [ "$("${KUBECTL[@]}" get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
cp_healthy() {
  local c
  [ -f "$W/env" ] || return 1
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do running "$c" || return 1; done
  readyz && node_ready
}

# ---- services (idempotent helpers; they only start processes with `start`) -----------------------
ensure_services() { local s; for s in $WITH; do bash "$TESTENV_HACK/../services/$s.sh" ensure; done; }
start_services() {
  local s
  for s in $WITH; do
    running "$s" && continue
    bash "$TESTENV_HACK/../services/$s.sh" start "$W"
  done
}
wait_services() { local s; for s in $WITH; do bash "$TESTENV_HACK/../services/$s.sh" wait "$W"; done; }

# ---- already running? -----------------------------------------------------------------------------
if [ -f "$W/pids" ] && cp_healthy; then
  log "control plane in $W is already running"
  ensure_services
  start_services
  wait_services
  write_env
  echo "$W"
  exit 0
fi
if [ -f "$W/pids" ]; then
  log "stopping leftovers of an earlier run in $W (by recorded PID)"
  bash "$TESTENV_HACK/down.sh" "$W" || true
fi
# Fresh state: only what we create (W itself may be the git-ignored .dev with other files).
# From here on a failure stops what this run started (by PID) and points at the logs.
UP_OK=0
on_exit() {
  [ "$UP_OK" = 1 ] && return 0
  log "up.sh failed; logs are in $W/logs; stopping what was started"
  bash "$TESTENV_HACK/down.sh" "$W" >&2 || true
}
trap on_exit EXIT
rm -rf "$P" "$W/etcd" "$W/logs" "$W/env.d" "$W/env" "$W/ports" "$W/pids" "$W/pids.stopped" \
  "$W"/*.pid "$W/kubeconfig" "$W/kwok" "$W/kube-apiserver.sh" "$W/postgres" "$W/redis" "$W/keycloak" "$W/certs"
mkdir -p "$P" "$W/logs" "$W/certs"

# ---- binaries and prerequisites -------------------------------------------------------------------
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
  if [ ! -x "$BIN/$b" ]; then
    log "binaries missing in $BIN: running hack/testenv/build.sh (cold: 20-40 min)"
    bash "$TESTENV_HACK/build.sh" >/dev/null
    break
  fi
done
command -v openssl >/dev/null || apt_install openssl
command -v curl >/dev/null || apt_install curl
GOMODCACHE=${GOMODCACHE:-$(go env GOMODCACHE 2>/dev/null || echo "$HOME/go/pkg/mod")}
KS=$GOMODCACHE/sigs.k8s.io/kwok@v$KWOK/kustomize/stage
if [ ! -d "$KS" ]; then
  (cd /tmp && GOFLAGS='' go mod download "sigs.k8s.io/kwok@v$KWOK") || die "kwok v$KWOK module source not in $GOMODCACHE"
fi
ensure_services

# Services start first: Keycloak is the slowest and boots while we bring up the control plane.
start_services

# ---- PKI: one CA, apiserver serving cert, admin client cert (system:masters), SA signing key --------
# ECDSA P-256: generating it is ~100x faster than RSA and every client here supports it.
(
  cd "$P"
  ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
  ec ca.key
  openssl req -x509 -new -key ca.key -out ca.crt -days 30 -subj "/CN=op-testenv-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  printf '[e]\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >srv.cnf
  printf '[e]\nextendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >cli.cnf
  ec apiserver.key
  openssl req -new -key apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile srv.cnf -extensions e -out apiserver.crt 2>/dev/null
  ec admin.key
  openssl req -new -key admin.key -out admin.csr -subj "/O=system:masters/CN=admin" 2>/dev/null
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile cli.cnf -extensions e -out admin.crt 2>/dev/null
  # Front-proxy (request-header) CA and client: kube-controller-manager/-scheduler read this CA
  # from kube-system/extension-apiserver-authentication (they log errors every few seconds without
  # it), and aggregated API servers get authenticated proxied requests.
  ec front-proxy-ca.key
  openssl req -x509 -new -key front-proxy-ca.key -out front-proxy-ca.crt -days 30 -subj "/CN=op-testenv-front-proxy-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  ec front-proxy-client.key
  openssl req -new -key front-proxy-client.key -out front-proxy-client.csr -subj "/CN=front-proxy-client" 2>/dev/null
  openssl x509 -req -in front-proxy-client.csr -CA front-proxy-ca.crt -CAkey front-proxy-ca.key -CAcreateserial -days 30 -extfile cli.cnf -extensions e -out front-proxy-client.crt 2>/dev/null
  ec sa.key
  openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
)
b64() { base64 -w0 "$1"; }

# ---- etcd -----------------------------------------------------------------------------------------
alloc_port EPORT etcd-client
alloc_port PEERPORT etcd-peer
# --unsafe-no-fsync: throwaway data, much faster on slow disks. No metrics listener.
start etcd TERM "$BIN/etcd" --name=op-testenv --data-dir="$W/etcd" --unsafe-no-fsync --log-level=warn \
  --listen-client-urls="http://127.0.0.1:$EPORT" --advertise-client-urls="http://127.0.0.1:$EPORT" \
  --listen-peer-urls="http://127.0.0.1:$PEERPORT" --initial-advertise-peer-urls="http://127.0.0.1:$PEERPORT" \
  --initial-cluster="op-testenv=http://127.0.0.1:$PEERPORT" --initial-cluster-state=new
wait_running 60 etcd "etcd" http_ok "http://127.0.0.1:$EPORT/health" || { tail_logs; die "etcd did not start"; }

# ---- kube-apiserver -------------------------------------------------------------------------------
alloc_port APORT kube-apiserver
# The command is saved as a script so restart-apiserver.sh (and test/helpers/testenv.ts) can stop and
# start it again with identical flags. Why these flags:
#  --endpoint-reconciler-type=none: the "kubernetes" Service endpoints would be 127.0.0.1, which
#    Endpoints validation rejects (loopback), so the reconciler would only log errors.
#  --authorization-mode=Node,RBAC: like a real cluster; the admin cert is in system:masters.
#  --service-account-*: tokens for pods/controllers (ServiceAccount admission stays on).
#  --requestheader-*/--proxy-client-*: the front-proxy chain (see the PKI section).
#  --enable-aggregator-routing: APIServices/webhooks given as Service refs resolve to endpoints.
#  Admission webhooks (Mutating/Validating) are on by default; a webhook at https://127.0.0.1:PORT
#  is called directly (no egress selector). CRDs, server-side apply, Leases, GC: defaults.
{
  echo '#!/usr/bin/env bash'
  echo '# Written by hack/testenv/up.sh: starts kube-apiserver with the flags of this test env.'
  printf 'exec %q' "$BIN/kube-apiserver"
  for a in \
    --etcd-servers="http://127.0.0.1:$EPORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APORT" \
    --cert-dir="$W/certs/apiserver" --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
    --client-ca-file="$P/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --endpoint-reconciler-type=none --enable-aggregator-routing=true \
    --requestheader-client-ca-file="$P/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$P/front-proxy-client.crt" --proxy-client-key-file="$P/front-proxy-client.key" \
    --shutdown-watch-termination-grace-period=2s \
    --profiling=false --event-ttl=1h; do
    printf ' \\\n  %q' "$a"
  done
  echo
} >"$W/kube-apiserver.sh"
chmod +x "$W/kube-apiserver.sh"
start kube-apiserver TERM bash "$W/kube-apiserver.sh"
cat >"$KCFG" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: op-testenv
  cluster:
    server: https://127.0.0.1:$APORT
    certificate-authority-data: $(b64 "$P/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$P/admin.crt")
    client-key-data: $(b64 "$P/admin.key")
contexts:
- name: op-testenv
  context: {cluster: op-testenv, user: admin, namespace: default}
current-context: op-testenv
YAML
chmod 600 "$KCFG"
wait_running 120 kube-apiserver "kube-apiserver /readyz" readyz || { tail_logs; die "kube-apiserver did not become ready"; }
log "kube-apiserver ready after $(elapsed)"

# ---- kube-controller-manager and kube-scheduler ---------------------------------------------------
alloc_port KCMPORT kube-controller-manager
alloc_port SCHEDPORT kube-scheduler
# --leader-elect=false: a single instance; it would only add start-up delay.
# --authentication/authorization-kubeconfig: delegated auth of their (loopback) health endpoints.
# --kube-api-qps/burst: the default client limit (20 qps) makes the Deployment/ReplicaSet
# controllers and the scheduler, not our operator, the bottleneck of anything over ~100 objects.
start kube-controller-manager TERM "$BIN/kube-controller-manager" --kubeconfig="$KCFG" \
  --authentication-kubeconfig="$KCFG" --authorization-kubeconfig="$KCFG" \
  --bind-address=127.0.0.1 --secure-port="$KCMPORT" --cert-dir="$W/certs/kcm" --leader-elect=false \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --service-cluster-ip-range=10.96.0.0/16 --use-service-account-credentials=false \
  --kube-api-qps=100 --kube-api-burst=200
start kube-scheduler TERM "$BIN/kube-scheduler" --kubeconfig="$KCFG" --kube-api-qps=100 --kube-api-burst=200 \
  --authentication-kubeconfig="$KCFG" --authorization-kubeconfig="$KCFG" \
  --bind-address=127.0.0.1 --secure-port="$SCHEDPORT" --cert-dir="$W/certs/scheduler" --leader-elect=false

# ---- kwok: fake node kwok-node-0 ------------------------------------------------------------------
# The plain kwok binary needs Stage objects in its config ("no stages found" otherwise); kwokctl
# would inject these defaults, we take them from kwok's module source of the pinned version.
mkdir -p "$W/kwok"
{
  # Explicit options: kwok does not apply its defaults to a config file's options (with `options: {}`
  # it exits with "node leases parallelism must be greater than 0"). Values = kwok's defaults.
  cat <<'EOF2'
kind: KwokConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  nodeLeaseParallelism: 4
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
  enableDebuggingHandlers: false
  enableProfilingHandler: false
EOF2
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo '---'
    cat "$KS/$f"
  done
} >"$W/kwok/kwok.yaml"
alloc_port KWOKPORT kwok
# HOME=$W/kwok: kwok's defaults (~/.kwok) stay inside W. Only nodes annotated kwok.x-k8s.io/node=fake
# are managed. --server-address: its (loopback) metrics/debug server.
start kwok TERM env HOME="$W/kwok" "$BIN/kwok" --kubeconfig="$KCFG" --config="$W/kwok/kwok.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr=10.244.0.0/16 --node-ip=127.0.0.1 --node-port="$KWOKPORT" --server-address="127.0.0.1:$KWOKPORT" \
  --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --node-lease-duration-seconds=40

# Node status (allocatable/capacity) is kept on create, and kwok's node-initialize stage keeps it.
# nvidia.com/gpu: "8" so GPU-requesting pods schedule.
"${KUBECTL[@]}" apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "64", memory: 512Gi, pods: "250", ephemeral-storage: 1Ti, nvidia.com/gpu: "8"}
  capacity: {cpu: "64", memory: 512Gi, pods: "250", ephemeral-storage: 1Ti, nvidia.com/gpu: "8"}
YAML
wait_running 90 kwok "node kwok-node-0 Ready" node_ready || { tail_logs; die "kwok node did not become Ready"; }
# The controller-manager creates the "default" ServiceAccount; pods cannot be admitted before that.
wait_for 60 "ServiceAccount default/default" "${KUBECTL[@]}" get serviceaccount default -n default ||
  { tail_logs; die "kube-controller-manager did not create the default ServiceAccount"; }
log "control plane ready after $(elapsed)"

export ENV_GROUP=00-control-plane
set_env TESTENV_DIR "$W"
set_env TESTENV_BIN "$BIN"
set_env KUBECONFIG "$KCFG"
set_env TESTENV_APISERVER_URL "https://127.0.0.1:$APORT"
set_env TESTENV_APISERVER_CMD "$W/kube-apiserver.sh"
set_env TESTENV_PKI_DIR "$P"

wait_services || { tail_logs; die "a service did not start"; }

# ---- every listener of every recorded process group must be on loopback ---------------------------
check_loopback() {
  local pgids pids bad
  pgids=" $(awk '{print $1}' "$W/pids" | tr '\n' ' ') "
  pids=$(ps -e -o pid=,pgid= | awk -v g="$pgids" 'index(g, " " $2 " ") {print $1}')
  bad=$(ss -Hltnp | while read -r _ _ _ local _ users; do
    for p in $pids; do
      case "$users" in *"pid=$p,"*)
        case "$local" in 127.0.0.1:* | "[::ffff:127.0.0.1]:"*) ;; *) echo "$local $users" ;; esac ;;
      esac
    done
  done)
  [ -z "$bad" ] || { log "listeners not on 127.0.0.1:"; echo "$bad" >&2; return 1; }
}
check_loopback || die "a component listens beyond loopback"
# Every recorded PID must lead its own process group (so down.sh's group signal is exact).
while read -r pid name _; do
  [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] || die "$name (pid $pid) is not a process-group leader"
done <"$W/pids"

write_env
UP_OK=1
log "up in $(elapsed): . $W/env"
echo "$W"
