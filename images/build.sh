#!/usr/bin/env bash
# Builds the three OCI images (manager, inference-gateway, chat-gateway) without a Docker daemon or
# a registry, into an OCI image layout at $IMAGES_DIR (default .dev/images/oci):
#   layer 1: a root filesystem from Debian 12 packages (libc6, libgcc-s1, libstdc++6: what the Node
#            binary links against; no shell, no package manager) + the pinned Node 24 binary of
#            package.json (node_modules/node/bin/node) + /etc/passwd with the non-root user 65532;
#   layer 2: the production npm dependencies (npm ls --omit=dev), shared by the three images;
#   layer 3: the TypeScript sources of the deployable (Node 24 runs them directly), tests left out;
#            the chat-gateway image also holds the built web client (workloads/chat-web/dist, built
#            here with Vite from the devDependencies), which it serves when CHAT_WEB_DIR points at
#            /app/workloads/chat-web/dist.
# Assembled with umoci (Debian package). Config: user 65532:65532, workdir /app, entrypoint node.
# Prints a size table. images/Containerfile builds the same layout with Docker from the staged
# context (`bash images/build.sh stage` prints its path).
#   bash images/build.sh [all|stage]
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# shellcheck source=../hack/testenv/lib.sh
. hack/testenv/lib.sh
OUT=${IMAGES_DIR:-$REPO/.dev/images}
MODE=${1:-all}
DEBS="libc6 libgcc-s1 libstdc++6"
IMAGES="manager inference-gateway chat-gateway"
log() { echo "images: $*" >&2; }

[ -x node_modules/node/bin/node ] || bash hack/ensure-node.sh
command -v dpkg-deb >/dev/null || die "dpkg-deb is needed (Debian)"
NODE_BIN=$(readlink -f node_modules/node/bin/node)
NODE_VERSION=$("$NODE_BIN" --version)

# Sources of each image under /app (repository paths; tests and benchmarks are left out). Each
# image holds every top-level folder its entrypoints reach through relative imports
# (images/sources.ts), so a shared folder (lib/, which the gateways' tracing lives in) cannot be
# forgotten.
sources() {
  case "$1" in
    manager) "$NODE_BIN" images/sources.ts cmd/manager/main.ts cmd/webhooks/main.ts | tr '\n' ' ' ;;
    inference-gateway | chat-gateway) "$NODE_BIN" images/sources.ts "workloads/$1/src/server.ts" | tr '\n' ' ' ;;
  esac
}
# The command the Deployments run (they set it explicitly too).
cmd_of() {
  case "$1" in
    manager) echo cmd/manager/main.ts ;;
    inference-gateway) echo workloads/inference-gateway/src/server.ts ;;
    chat-gateway) echo workloads/chat-gateway/src/server.ts ;;
  esac
}

stage() {
  local S=$OUT/context
  rm -rf "$S"; mkdir -p "$S/base" "$S/deps/app" "$OUT/debs"
  # ---- base: Debian packages, unpacked (no maintainer scripts run: none are needed for libraries)
  if ! ls "$OUT"/debs/libc6_*.deb >/dev/null 2>&1; then
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -print -quit 2>/dev/null)" ] || apt-get update -qq >&2
    (cd "$OUT/debs" && apt-get download $DEBS >&2 2>/dev/null) || die "apt-get download $DEBS failed"
  fi
  for d in "$OUT"/debs/*.deb; do dpkg-deb -x "$d" "$S/base"; done
  rm -rf "$S/base/usr/share/doc" "$S/base/usr/share/lintian" "$S/base/usr/share/gcc" "$S/base/usr/share/gdb" "$S/base/usr/share/locale"
  mkdir -p "$S/base/usr/local/bin" "$S/base/tmp" "$S/base/proc" "$S/base/dev" "$S/base/etc" "$S/base/app"
  chmod 1777 "$S/base/tmp"
  install -m 0755 "$NODE_BIN" "$S/base/usr/local/bin/node"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/app:/sbin/nologin\n' >"$S/base/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$S/base/etc/group"
  # The loader's cache, so libraries in the multiarch directories are found without LD_LIBRARY_PATH.
  ldconfig -r "$S/base"
  # ---- deps: production node_modules (paths from npm's own tree)
  cp package.json "$S/deps/app/"
  npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s#^$REPO/##p" | grep '^node_modules/' | while read -r p; do
    mkdir -p "$S/deps/app/$(dirname "$p")"
    cp -a "$p" "$S/deps/app/$p"
  done
  # ---- app: sources per image
  local img src srcs
  for img in $IMAGES; do
    mkdir -p "$S/app-$img/app"
    srcs=$(sources "$img") || die "cannot list the sources of $img"
    for src in $srcs; do
      (cd "$REPO" && find "$src" -type f -name '*.ts' ! -name '*.test.ts' ! -name '*.test-helpers.ts' ! -path '*/test/*' ! -path '*/bench/*' -print0 |
        xargs -0 -I{} cp --parents {} "$S/app-$img/app/")
      (cd "$REPO" && find "$src" -type f \( -name '*.sql' -o -name '*.json' -o -name '*.lua' \) ! -path '*/test/*' -print0 |
        xargs -0 -r -I{} cp --parents {} "$S/app-$img/app/")
    done
  done
  # The web client is built, not copied from a checkout: its bundle is never committed (.gitignore),
  # so a stale or missing dist cannot end up in the image.
  (cd "$REPO" && npm run -s build:web) >&2 || die "building the web client (npm run build:web) failed"
  [ -f "$REPO/workloads/chat-web/dist/index.html" ] || die "the web client build left no index.html"
  mkdir -p "$S/app-chat-gateway/app/workloads/chat-web"
  cp -a "$REPO/workloads/chat-web/dist" "$S/app-chat-gateway/app/workloads/chat-web/dist"
  cp images/Containerfile "$S/Containerfile"
  log "staged the build context in $S (node $NODE_VERSION)"
  echo "$S"
}

layer() { # layer IMAGE_REF DIR: adds DIR's tree as one layer
  local ref=$1 dir=$2 b=$OUT/bundle
  rm -rf "$b"
  umoci unpack --image "$ref" "$b" >/dev/null
  cp -a "$dir/." "$b/rootfs/"
  umoci repack --image "$ref" "$b" >/dev/null
  rm -rf "$b"
}

build() {
  command -v umoci >/dev/null || apt_install umoci
  local S img ref
  S=$(stage)
  rm -rf "$OUT/oci"
  umoci init --layout "$OUT/oci"
  for img in $IMAGES; do
    ref="$OUT/oci:$img"
    umoci new --image "$ref"
    layer "$ref" "$S/base"
    layer "$ref" "$S/deps"
    layer "$ref" "$S/app-$img"
    umoci config --image "$ref" --config.user 65532:65532 --config.workingdir /app \
      --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.env NODE_ENV=production \
      --config.entrypoint /usr/local/bin/node --config.cmd "$(cmd_of "$img")" \
      --config.label "org.opencontainers.image.title=librechat-operators $img" \
      --config.label "org.opencontainers.image.version=v0.1.0"
    umoci gc --layout "$OUT/oci"
  done
  report
}

# Size of each image: sum of its layer blobs (compressed) and of its unpacked root filesystem.
report() {
  local img manifest layers c u
  printf '%-20s %14s %14s\n' IMAGE COMPRESSED UNPACKED
  for img in $IMAGES; do
    manifest=$(umoci stat --image "$OUT/oci:$img" --json >/dev/null 2>&1; node -e '
      const fs=require("fs"),p=process.argv[1],t=process.argv[2];
      const idx=JSON.parse(fs.readFileSync(p+"/index.json"));
      const m=idx.manifests.find(x=>x.annotations&&x.annotations["org.opencontainers.image.ref.name"]===t);
      const man=JSON.parse(fs.readFileSync(p+"/blobs/"+m.digest.replace(":","/")));
      console.log(man.layers.reduce((a,l)=>a+l.size,0));' "$OUT/oci" "$img")
    rm -rf "$OUT/check"; umoci unpack --image "$OUT/oci:$img" "$OUT/check" >/dev/null
    u=$(du -sb "$OUT/check/rootfs" | cut -f1); rm -rf "$OUT/check"
    c=$manifest
    printf '%-20s %12s MB %12s MB\n' "$img" "$((c / 1000000))" "$((u / 1000000))"
  done
}

case "$MODE" in
  all) build ;;
  stage) stage ;;
  *) die "usage: images/build.sh [all|stage]" ;;
esac
