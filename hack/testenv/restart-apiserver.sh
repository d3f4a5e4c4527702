#!/usr/bin/env bash
# Restarts the kube-apiserver of a running test env with the same flags ($W/kube-apiserver.sh):
# stops the recorded PID (its process group), starts it again, updates $W/pids, waits for /readyz.
# Used by operator resilience tests (test/helpers/testenv.ts restartApiServer()).
#   usage: restart-apiserver.sh [W]   (default $TESTENV_DIR)
#   env: DOWNTIME_SECONDS=N  keep it stopped N seconds before starting again (default 0)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

W=${1:-${TESTENV_DIR:-}}
{ [ -n "$W" ] && [ -f "$W/kube-apiserver.sh" ]; } || die "usage: restart-apiserver.sh W (a dir started by up.sh)"
W=$(cd "$W" && pwd)
exec 9>"$W/.up.lock"
flock 9

e=$(entry kube-apiserver)
if [ -n "$e" ]; then
  read -r pid st sig <<<"$e"
  stop_entries 30 "$pid kube-apiserver $st $sig"
  entry_alive "$pid" "$st" && die "kube-apiserver (pid $pid) did not stop"
  # Drop the old line so the pids file lists only live processes.
  awk -v p="$pid" '!($1 == p && $2 == "kube-apiserver")' "$W/pids" >"$W/pids.tmp" && mv "$W/pids.tmp" "$W/pids"
fi
sleep "${DOWNTIME_SECONDS:-0}"
start kube-apiserver TERM bash "$W/kube-apiserver.sh"
port=$(awk '$1 == "kube-apiserver" {p = $2} END {print p}' "$W/ports")
P=$W/pki
readyz() {
  curl -sf -m 3 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "https://127.0.0.1:$port/readyz" >/dev/null
}
wait_running 120 kube-apiserver "kube-apiserver /readyz" readyz || { tail -n 40 "$W/logs/kube-apiserver.log" >&2; exit 1; }
log "kube-apiserver restarted (pid $(cat "$W/kube-apiserver.pid"))"
