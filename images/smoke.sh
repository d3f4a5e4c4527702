#!/usr/bin/env bash
# Smoke test of the built images (images/build.sh): unpacks each image's filesystem and starts its
# entrypoint + cmd from there, as the image config says (user 65532:65532, workdir /app, its env), in
# a private mount namespace where the root filesystem is mounted read-only (as with
# readOnlyRootFilesystem), then probes /healthz.
#   inference-gateway: with a throw-away redis-server and an empty routing file
#   manager:           against $KUBECONFIG (an API server, e.g. hack/testenv/up.sh), webhooks off
#   chat-gateway:      not started (PostgreSQL, Redis, OIDC); its unpacked filesystem is checked
#                      for the built web client: index.html and every asset it references.
# Needs root (mount namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../hack/testenv/lib.sh
. hack/testenv/lib.sh
OUT=${IMAGES_DIR:-$PWD/.dev/images}
[ -d "$OUT/oci" ] || die "no images in $OUT/oci: run make images first"
: "${KUBECONFIG:?KUBECONFIG must point at an API server (hack/testenv/up.sh)}"
W=$(mktemp -d -t images-smoke.XXXXXX)
export W
cleanup() {
  local entries=()
  [ -f "$W/pids" ] && mapfile -t entries <"$W/pids"
  [ "${#entries[@]}" -gt 0 ] && stop_entries 10 "${entries[@]}"
  rm -rf "$W"
}
trap cleanup EXIT

run_image() { # run_image IMAGE PORT [KEY=VALUE...] [-- FLAG...]: starts the image's process
  local img=$1 port=$2 r=$W/$1 args envs=() flags=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  flags=("$@")
  umoci unpack --image "$OUT/oci:$img" "$r" >/dev/null
  # entrypoint + cmd, user and workdir from the image config.
  args=$(node -e 'const c=require(process.argv[1]).process;console.log(JSON.stringify({args:c.args,cwd:c.cwd,uid:c.user.uid,gid:c.user.gid}))' "$r/config.json")
  local a cwd uid gid
  a=$(node -e 'console.log(JSON.parse(process.argv[1]).args.join(" "))' "$args")
  cwd=$(node -e 'console.log(JSON.parse(process.argv[1]).cwd)' "$args")
  uid=$(node -e 'console.log(JSON.parse(process.argv[1]).uid)' "$args")
  gid=$(node -e 'console.log(JSON.parse(process.argv[1]).gid)' "$args")
  [ "$uid" = 65532 ] && [ "$gid" = 65532 ] || die "$img does not run as 65532:65532"
  mkdir -p "$W/mnt-$img"
  # shellcheck disable=SC2086
  # The image has no shell or env binary: the environment is set outside and inherited.
  start "$img" TERM env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin NODE_ENV=production "${envs[@]}" unshare --mount --fork sh -c '
    R=$1; shift; cwd=$1; shift; mnt=$1; shift
    mount --bind "$R" "$R" && mount -o remount,bind,ro "$R" && mount -t proc proc "$R/proc" &&
      mount --bind "$mnt" "$R/tmp" && exec unshare --root="$R" --wd="$cwd" --setuid 65532 --setgid 65532 "$@"' \
    sh "$r/rootfs" "$cwd" "$W/mnt-$img" $a "${flags[@]}"
  wait_running 60 "$img" "$img /healthz on $port" http_ok "http://127.0.0.1:$port/healthz" || { tail_logs 30; die "$img did not answer /healthz"; }
  log "$img: /healthz answered from its unpacked image (read-only root, uid 65532)"
}

alloc_port RP redis
start redis TERM redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no
wait_for 20 redis redis-cli -p "$RP" ping
alloc_port GP gateway
mkdir -p "$W/mnt-inference-gateway"
echo '{"apiVersion":"gateway.librechat.io/v1alpha1","kind":"InferenceGatewayConfig","backends":[],"models":[],"tenants":[]}' >"$W/mnt-inference-gateway/routing.json"
run_image inference-gateway "$GP" GATEWAY_CONFIG=/tmp/routing.json REDIS_URL="redis://127.0.0.1:$RP" GATEWAY_HOST=127.0.0.1 GATEWAY_PORT="$GP"

alloc_port HP health
alloc_port MP metrics
mkdir -p "$W/mnt-manager"
cp "$KUBECONFIG" "$W/mnt-manager/kubeconfig"
# Certificates the kubeconfig names by path must be inside the image's view: inline them.
KUBECONFIG=$W/mnt-manager/kubeconfig "$TESTENV_BIN/kubectl" config view --flatten --raw >"$W/mnt-manager/kc" && mv "$W/mnt-manager/kc" "$W/mnt-manager/kubeconfig"
chmod 0644 "$W/mnt-manager/kubeconfig"
run_image manager "$HP" KUBECONFIG=/tmp/kubeconfig POD_NAMESPACE=default LEADER_ELECT=false \
  -- --health-probe-bind-address="127.0.0.1:$HP" --metrics-bind-address="127.0.0.1:$MP" --webhooks=off
# The web client the chat gateway serves (CHAT_WEB_DIR=/app/workloads/chat-web/dist): its page and
# every /assets/ file the page loads are in the image, and read by the gateway's own loader.
umoci unpack --image "$OUT/oci:chat-gateway" "$W/chat-gateway" >/dev/null
WEB=$W/chat-gateway/rootfs/app/workloads/chat-web/dist
[ -f "$WEB/index.html" ] || die "chat-gateway: no web client at /app/workloads/chat-web/dist/index.html"
refs=$(grep -o '/assets/[^"'"'"' >]*' "$WEB/index.html" | sort -u)
[ -n "$refs" ] || die "chat-gateway: the web client's index.html references no /assets/ files"
for a in $refs; do [ -f "$WEB$a" ] || die "chat-gateway: index.html loads $a, which is not in the image"; done
node -e 'import(process.argv[1]).then((m) => console.log(m.loadAssets(process.argv[2]).size))' \
  "$W/chat-gateway/rootfs/app/workloads/chat-gateway/src/plugins/web.ts" "$WEB" >/dev/null ||
  die "chat-gateway: its web plugin cannot load the web client from the image"
log "chat-gateway: the web client is in the image ($(echo "$refs" | wc -l) assets referenced by index.html, all present)"
echo "images smoke: 3 passed, 0 failed"
