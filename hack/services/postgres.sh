#!/usr/bin/env bash
# PostgreSQL 15 (+ pgvector) for the integration tests, from Debian's packages, as our own cluster.
#   postgres.sh ensure     install postgresql-15 and pgvector if missing
#   postgres.sh start W    initdb a fresh cluster in $W/postgres and start it on 127.0.0.1:<free port>
#                          (trust auth, fsync off); records the postmaster PID in $W/pids and
#                          DATABASE_URL in $W/env.d/postgres.sh
#   postgres.sh wait W     wait until it accepts connections and the vector extension is available
set -euo pipefail
# shellcheck source=../testenv/lib.sh
. "$(dirname "$0")/../testenv/lib.sh"

PG=${PG_MAJOR:-15}
PGBIN=/usr/lib/postgresql/$PG/bin
PGEXT=/usr/share/postgresql/$PG/extension

# pgvector is not packaged for bookworm (neither main nor backports; Debian has it from trixie on,
# built for PostgreSQL 17 only). So we take Debian's *source* package from trixie with apt's own
# client and a private apt configuration (the system's sources are not touched), and build it
# against postgresql-server-dev-$PG with PGXS. apt verifies the download against the signed index.
# The Debian mirror this machine's apt already uses (deb822 .sources first, then sources.list).
debian_mirror() {
  local u
  u=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$u" ] || u=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
    /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$u" ] || die "no Debian mirror found in the apt sources (/etc/apt/sources.list{,.d})"
  echo "$u"
}

install_pgvector() {
  # PGVECTOR_DESTDIR: stage the install elsewhere (to test this function on a machine that has it).
  [ -f "$PGEXT/vector.control" ] && [ -z "${PGVECTOR_DESTDIR:-}" ] && return 0
  apt_install build-essential "postgresql-server-dev-$PG" dpkg-dev
  local d
  d=$(mktemp -d -t pgvector-src.XXXXXX)
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  echo "deb-src $(debian_mirror) ${PGVECTOR_SUITE:-trixie} main" >"$d/sources.list"
  local A=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "APT::Sandbox::User=root")
  log "fetching Debian's pgvector source package (${PGVECTOR_SUITE:-trixie})"
  apt-get "${A[@]}" update -qq >&2
  (cd "$d" && apt-get "${A[@]}" source -qq --download-only pgvector >&2)
  local orig
  orig=$(ls "$d"/pgvector_*.orig.tar.* | head -n1)
  mkdir -p "$d/src" && tar -xf "$orig" -C "$d/src" --strip-components=1
  log "building pgvector $(basename "$orig") for PostgreSQL $PG"
  make -s -C "$d/src" USE_PGXS=1 PG_CONFIG="$PGBIN/pg_config" OPTFLAGS="" -j2 >&2
  make -s -C "$d/src" USE_PGXS=1 PG_CONFIG="$PGBIN/pg_config" DESTDIR="${PGVECTOR_DESTDIR:-}" install >&2
  rm -rf "$d"
  [ -f "${PGVECTOR_DESTDIR:-}$PGEXT/vector.control" ] || die "pgvector install failed"
}

# The user the server runs as: initdb and postgres refuse to run as root.
pg_user() {
  if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# AS_PG: prefix that runs a command as that user. setpriv and env exec in place (no fork, unlike
# su/runuser), so the PID that start() records is the postmaster itself and down.sh's SIGINT
# (fast shutdown) reaches it directly.
AS_PG=()
if [ "$(id -u)" = 0 ]; then
  AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- env "PATH=$PGBIN:/usr/bin:/bin" LANG=C.UTF-8)
fi
as_pg() { "${AS_PG[@]}" "$@"; }

cmd=${1:?usage: postgres.sh ensure|start W|wait W}
case "$cmd" in
  ensure)
    apt_install "postgresql-$PG" "postgresql-client-$PG"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    install_pgvector
    ;;
  start)
    W=${2:?W}
    [ -x "$PGBIN/postgres" ] || die "PostgreSQL $PG missing: run hack/services/postgres.sh ensure"
    [ -f "$PGEXT/vector.control" ] || die "pgvector missing: run hack/services/postgres.sh ensure"
    D=$W/postgres
    rm -rf "$D" && mkdir -p "$D/sock" "$W/logs"
    u=$(pg_user)
    if [ "$u" != "$(id -un)" ]; then
      # The server user must reach $W/postgres: W (often mode 0700 from mktemp) gets o+x only.
      chmod o+x "$W"
      chown -R "$u:" "$D"
      as_pg test -w "$D" || die "user $u cannot write $D (a parent directory is not searchable)"
    fi
    # --no-sync: nothing of this cluster must survive a crash. C.UTF-8 exists on every Debian.
    as_pg "$PGBIN/initdb" -D "$D/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$W/logs/postgres-initdb.log" 2>&1 || { cat "$W/logs/postgres-initdb.log" >&2; die "initdb failed"; }
    alloc_port port postgres
    echo "$port" >"$D/port"
    # fsync/full_page_writes/synchronous_commit off: speed over durability for throwaway data.
    start postgres INT "${AS_PG[@]}" "$PGBIN/postgres" -D "$D/data" -p "$port" \
      -c listen_addresses=127.0.0.1 -c unix_socket_directories="$D/sock" \
      -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
      -c max_connections=200 -c shared_buffers=128MB -c log_min_messages=warning
    rm -f "$W/env.d/postgres.sh"
    ENV_GROUP=postgres set_env DATABASE_URL "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  wait)
    W=${2:?W}
    port=$(cat "$W/postgres/port")
    wait_running 60 postgres "postgres on port $port" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres ||
      { tail -n 30 "$W/logs/postgres.log" >&2; exit 1; }
    have=$("$PGBIN/psql" -qtAX -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "select count(*) from pg_available_extensions where name = 'vector'")
    [ "$have" = 1 ] || die "the vector extension is not available to PostgreSQL"
    ;;
  *) die "unknown command $cmd" ;;
esac
