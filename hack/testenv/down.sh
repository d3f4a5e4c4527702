#!/usr/bin/env bash
# Stops exactly the processes that up.sh recorded in $W/pids (never anything looked up by name):
# graceful signal to each recorded leader, wait, then SIGTERM/SIGKILL to the recorded process
# groups (kc.sh's JVM child and PostgreSQL's backends are in their leader's group).
# Safe to run twice and on leftovers of a killed run: entries whose PID is gone or now belongs to
# another process (start time differs) are skipped.
#   usage: down.sh [W]      (W defaults to $TESTENV_DIR, then $W)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

W=${1:-${TESTENV_DIR:-${W:-}}}
[ -n "$W" ] || die "usage: down.sh W (the directory given to up.sh)"
[ -f "$W/pids" ] || { log "nothing recorded in $W/pids"; exit 0; }

# Newest first (tac): kwok before the API server before etcd, so nothing logs needless errors.
mapfile -t lines < <(tac "$W/pids")
stop_entries "${DOWN_TIMEOUT:-20}" "${lines[@]}"

# Verify: no recorded process group and no listener on a port we handed out survives.
bad=0
for line in "${lines[@]}"; do
  read -r pid name st _ <<<"$line"
  if entry_alive "$pid" "$st"; then
    log "ERROR: $name (pid $pid) is still running"
    bad=1
  fi
done
if [ -f "$W/ports" ]; then
  while read -r name port; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      log "ERROR: port $port ($name) still has a listener: $(ss -Hltnp "sport = :$port")"
      bad=1
    fi
  done <"$W/ports"
fi
[ "$bad" = 0 ] || exit 1
mv "$W/pids" "$W/pids.stopped"
rm -f "$W"/*.pid
log "stopped everything recorded in $W"
