#!/usr/bin/env bash
# Keycloak for the integration tests (OIDC against the real thing), from Maven Central's
# org.keycloak:keycloak-quarkus-dist tar.gz, run in dev mode on a JDK >= 21 (Temurin 25 here).
#   keycloak.sh ensure    download + extract into $TE/keycloak-$KEYCLOAK and "prime" it once
#   keycloak.sh start W   start a fresh instance (new H2 dev database) on 127.0.0.1:<free ports>;
#                         records the PID in $W/pids and KEYCLOAK_* in $W/env.d/keycloak.sh
#   keycloak.sh wait W    wait until /health/ready answers and the master realm serves OIDC
#
# Speed: `kc.sh start-dev` re-augments the Quarkus app (rewrites lib/quarkus, then relaunches the
# JVM) whenever the build-time options differ from the persisted ones: ~35 s extra on 2 cores.
# "Priming" runs start-dev once with our build-time options (--health-enabled=true) and keeps the
# resulting lib/quarkus in the cache, so every later start skips the augmentation.
# The cached dist is never written by a run: each run gets its own home under $W/keycloak/home with
# copies of bin/, conf/, lib/quarkus/ (3 MB) and symlinks to the big read-only parts (lib/lib).
set -euo pipefail
# shellcheck source=../testenv/lib.sh
. "$(dirname "$0")/../testenv/lib.sh"

KC_DIST=$TE/keycloak-$KEYCLOAK
# Build-time options: changing them invalidates the primed augmentation (re-prime happens by itself
# because the marker records them).
KC_BUILD_OPTS=(--health-enabled=true)

# find_java: JAVA_HOME of a JDK >= 21 (Keycloak 26.x needs 21+, Java 25 is supported from 26.6).
find_java() {
  local j v cands=()
  [ -n "${KEYCLOAK_JAVA_HOME:-}" ] && cands+=("$KEYCLOAK_JAVA_HOME")
  cands+=(/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*)
  [ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
  for j in "${cands[@]}"; do
    [ -x "$j/bin/java" ] || continue
    v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    v=${v%%.*}
    if [ -n "$v" ] && [ "$v" -ge 21 ] 2>/dev/null; then
      readlink -f "$j"
      return 0
    fi
  done
  die "Keycloak $KEYCLOAK needs a JDK >= 21 and none was found under /usr/lib/jvm (set KEYCLOAK_JAVA_HOME)"
}

# assemble_home DEST: a private Keycloak home backed by the cached dist (see header).
assemble_home() {
  local dest=$1
  rm -rf "$dest"
  mkdir -p "$dest/lib"
  cp -r "$KC_DIST/bin" "$KC_DIST/conf" "$dest/"
  cp -r "$KC_DIST/lib/quarkus" "$KC_DIST/lib/quarkus-run.jar" "$dest/lib/"
  ln -s "$KC_DIST/lib/lib" "$dest/lib/lib"
  ln -s "$KC_DIST/lib/app" "$dest/lib/app"
  ln -s "$KC_DIST/themes" "$dest/themes"
  ln -s "$KC_DIST/providers" "$dest/providers"
}

# run_kc HOME NAME HTTP_PORT MGMT_PORT: starts kc.sh start-dev via start() (records the PID).
run_kc() {
  local home=$1 name=$2 http=$3 mgmt=$4 java
  java=$(find_java)
  # kc.sh runs the JVM as its child and forwards TERM to it; down.sh also signals the whole group.
  start "$name" TERM env JAVA_HOME="$java" \
    KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN:-admin}" KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
    JAVA_OPTS_KC_HEAP="${KEYCLOAK_HEAP:--Xms64m -Xmx768m}" \
    JAVA_OPTS_APPEND="${KEYCLOAK_JAVA_OPTS_APPEND:-}" \
    "$home/bin/kc.sh" start-dev "${KC_BUILD_OPTS[@]}" \
    --http-host=127.0.0.1 --http-port="$http" --http-management-port="$mgmt" \
    ${KEYCLOAK_EXTRA_ARGS:-}
}

kc_ready() {
  http_ok "http://127.0.0.1:$2/health/ready" &&
    http_ok "http://127.0.0.1:$1/realms/master/.well-known/openid-configuration"
}

ensure() {
  find_java >/dev/null
  local tgz=$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK/keycloak-quarkus-dist-$KEYCLOAK.tar.gz
  if [ ! -f "$KC_DIST/version.txt" ]; then
    if [ ! -f "$tgz" ]; then
      command -v mvn >/dev/null || apt_install maven
      log "downloading keycloak-quarkus-dist $KEYCLOAK from Maven Central"
      # No project needed; -Dtransitive=false: only the tar.gz itself.
      # Maven runs on its own (Debian default) JRE; only Keycloak needs the JDK >= 21.
      (cd /tmp && mvn -q -B dependency:get \
        "-Dartifact=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK:tar.gz" -Dtransitive=false >&2)
    fi
    rm -rf "$KC_DIST.tmp" && mkdir -p "$KC_DIST.tmp"
    tar -xzf "$tgz" -C "$KC_DIST.tmp" --strip-components=1
    rm -rf "$KC_DIST" && mv "$KC_DIST.tmp" "$KC_DIST"
  fi
  local marker="$KC_DIST/.primed" want="${KC_BUILD_OPTS[*]}"
  if [ "$(cat "$marker" 2>/dev/null)" != "$want" ]; then
    # One primer at a time per cache.
    exec 8>"$TE/.keycloak-prime.lock"
    flock 8
    if [ "$(cat "$marker" 2>/dev/null)" != "$want" ]; then
      log "priming Keycloak (one-off augmentation with: $want)"
      local W
      W=$(mktemp -d -t kc-prime.XXXXXX)
      assemble_home "$W/home"
      local http mgmt ok=0 lines
      alloc_port http keycloak-prime-http
      alloc_port mgmt keycloak-prime-management
      run_kc "$W/home" keycloak-prime "$http" "$mgmt"
      wait_running 300 keycloak-prime "Keycloak priming run" kc_ready "$http" "$mgmt" && ok=1
      mapfile -t lines <"$W/pids"
      stop_entries 30 "${lines[@]}"
      if [ "$ok" = 1 ]; then
        rm -rf "$KC_DIST/lib/quarkus.new" && cp -r "$W/home/lib/quarkus" "$KC_DIST/lib/quarkus.new"
        rm -rf "$KC_DIST/lib/quarkus" && mv "$KC_DIST/lib/quarkus.new" "$KC_DIST/lib/quarkus"
        echo "$want" >"$marker"
        rm -rf "$W"
      else
        tail -n 40 "$W/logs/keycloak-prime.log" >&2
        die "Keycloak priming failed (logs in $W/logs)"
      fi
    fi
    flock -u 8
  fi
}

# start_kc: picks ports, starts the instance of $W, records KEYCLOAK_* in $W/env.d/keycloak.sh.
start_kc() {
  local http mgmt
  alloc_port http keycloak-http
  alloc_port mgmt keycloak-management
  echo "$http $mgmt" >"$W/keycloak/ports"
  run_kc "$W/keycloak/home" keycloak "$http" "$mgmt"
  rm -f "$W/env.d/keycloak.sh"
  export ENV_GROUP=keycloak
  set_env KEYCLOAK_URL "http://127.0.0.1:$http"
  set_env KEYCLOAK_MANAGEMENT_URL "http://127.0.0.1:$mgmt"
  set_env KEYCLOAK_ADMIN "${KEYCLOAK_ADMIN:-admin}"
  set_env KEYCLOAK_ADMIN_PASSWORD "${KEYCLOAK_ADMIN_PASSWORD:-admin}"
}

cmd=${1:?usage: keycloak.sh ensure|start W|wait W}
case "$cmd" in
  ensure) ensure ;;
  start)
    W=${2:?W}
    [ -f "$KC_DIST/.primed" ] || die "Keycloak missing: run hack/services/keycloak.sh ensure"
    mkdir -p "$W/keycloak"
    assemble_home "$W/keycloak/home"
    start_kc
    ;;
  wait)
    W=${2:?W}
    # Another process can take one of our ports before the JVM binds it (~15-60 s after we chose
    # them): then Keycloak exits with "Port already bound" and we retry on new ports.
    for attempt in 1 2 3; do
      read -r http mgmt <"$W/keycloak/ports"
      if wait_running "${KEYCLOAK_START_TIMEOUT:-240}" keycloak "Keycloak on port $http" kc_ready "$http" "$mgmt"; then
        exit 0
      fi
      if running keycloak || ! grep -q 'Port already bound' "$W/logs/keycloak.log" || [ "$attempt" = 3 ]; then break; fi
      log "a Keycloak port was taken meanwhile; restarting it on new ports"
      mv "$W/logs/keycloak.log" "$W/logs/keycloak.attempt$attempt.log"
      start_kc
    done
    tail -n 40 "$W/logs/keycloak.log" >&2
    exit 1
    ;;
  *) die "unknown command $cmd" ;;
esac
