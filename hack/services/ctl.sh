#!/usr/bin/env bash
# Stops and starts one recorded service of a test env again, with the exact command it was
# started with ($W/NAME.cmd, written by lib.sh's start): for outage tests (a service goes away
# during traffic and comes back on the same port with the same data directory).
#   ctl.sh stop W NAME      graceful stop of the recorded PID (process group), then escalation
#   ctl.sh start W NAME     start it again and wait until it answers (hack/services/NAME.sh wait)
#   ctl.sh freeze W NAME    SIGSTOP the recorded process group and the recorded process's children
#                           (a stalled, not a dead, service; PostgreSQL's backends call setsid,
#                           so they are not in the postmaster's group)
#   ctl.sh thaw W NAME      SIGCONT them
# Only recorded PIDs are signalled (start time checked), never processes found by name.
set -euo pipefail
# shellcheck source=../testenv/lib.sh
. "$(dirname "$0")/../testenv/lib.sh"

cmd=${1:?usage: ctl.sh stop|start|freeze|thaw W NAME}
W=${2:?W}
name=${3:?NAME}
case "$name" in redis | postgres | keycloak) ;; *) die "unknown service $name" ;; esac
W=$(cd "$W" && pwd)

alive_entry() {
  local e
  e=$(entry "$name")
  [ -n "$e" ] || return 1
  read -r pid st sig <<<"$e"
  entry_alive "$pid" "$st"
}

case "$cmd" in
  stop)
    alive_entry || die "$name is not running in $W"
    stop_entries 30 "$pid $name $st $sig"
    entry_alive "$pid" "$st" && die "$name (pid $pid) did not stop"
    awk -v p="$pid" -v n="$name" '!($1 == p && $2 == n)' "$W/pids" >"$W/pids.tmp" && mv "$W/pids.tmp" "$W/pids"
    log "stopped $name (pid $pid)"
    ;;
  start)
    [ -f "$W/$name.cmd" ] || die "no recorded command $W/$name.cmd"
    alive_entry && die "$name is already running (pid $pid)"
    sig=$(head -n1 "$W/$name.cmd")
    eval "argv=($(sed -n 2p "$W/$name.cmd"))"
    # shellcheck disable=SC2154 # argv is set by eval
    start "$name" "$sig" "${argv[@]}"
    bash "$(dirname "$0")/$name.sh" wait "$W" >&2
    ;;
  freeze | thaw)
    alive_entry || die "$name is not running in $W"
    s=CONT
    [ "$cmd" = freeze ] && s=STOP
    kill "-$s" -- "-$pid"
    # Children of the recorded PID (by parent PID, not by name), e.g. PostgreSQL backends.
    for c in $(ps -o pid= --ppid "$pid"); do kill "-$s" "$c" 2>/dev/null || true; done
    log "${cmd} $name (process group $pid)"
    ;;
  *) die "unknown command $cmd" ;;
esac
