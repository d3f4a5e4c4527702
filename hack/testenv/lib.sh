# shellcheck shell=bash
# Shared helpers for hack/testenv/*.sh and hack/services/*.sh (sourced, not executed).
#
# Process bookkeeping: every process we start is recorded as one line in $W/pids:
#   PID NAME STARTTIME STOPSIGNAL
# PID is also the process-group id (we start through setsid), STARTTIME is field 22 of
# /proc/PID/stat (clock ticks since boot) so a stale file never makes us signal a recycled PID,
# and STOPSIGNAL is the graceful signal (INT for PostgreSQL = fast shutdown, TERM otherwise).
# We never look processes up by name (no pkill -f, no killall).

TESTENV_HACK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TESTENV_HACK/../.." && pwd)
export REPO
# shellcheck source=versions.sh
. "$TESTENV_HACK/versions.sh"
BIN=$TE/bin-$K8S-etcd$ETCD-kwok$KWOK
export BIN

# Go lives in /usr/local/go on our machines; a login PATH without it must not break the build.
case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) [ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin" ;; esac

log() { echo "testenv: $*" >&2; }
die() { echo "testenv: ERROR: $*" >&2; exit 1; }

# alloc_port VAR NAME: sets VAR to a random free port (see the range below) that nothing uses (any TCP state)
# and that no other component of this W got (all ports are recorded as "NAME PORT" in $W/ports,
# under a lock, since services start concurrently). Pure bash + ss: works before node/python exist.
# Another program could still grab the port before our component binds it; the window is short.
# Ports come from below the kernel's ephemeral range (ip_local_port_range, 32768-60999 here): an
# ephemeral port can be taken by any outgoing connection between our check and the bind (Keycloak
# binds ~15-60 s after we pick its ports), a port below that range only by another listener.
_TE_PORT_LO=15000
_TE_PORT_HI=32767
if read -r _eph_lo _eph_hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null; then
  if [ "$_eph_lo" -gt 17000 ]; then _TE_PORT_HI=$((_eph_lo - 1)); else _TE_PORT_LO=$((_eph_hi + 1)); _TE_PORT_HI=65000; fi
fi
alloc_port() {
  local __var=$1 __name=$2 __p __used
  mkdir -p "$W"
  exec 7>>"$W/ports.lock"
  flock 7
  __used=$(ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); print a[n]}' | tr '\n' ' ')
  [ -f "$W/ports" ] && __used="$__used $(awk '{print $2}' "$W/ports" | tr '\n' ' ')"
  for _ in $(seq 500); do
    __p=$((_TE_PORT_LO + RANDOM % (_TE_PORT_HI - _TE_PORT_LO + 1)))
    case " $__used " in *" $__p "*) continue ;; esac
    echo "$__name $__p" >>"$W/ports"
    flock -u 7
    exec 7>&-
    printf -v "$__var" '%s' "$__p"
    return 0
  done
  die "no free port found"
}

# proc_starttime PID: field 22 of /proc/PID/stat (after the ")" of the comm field), or empty.
proc_starttime() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}

# entry_alive PID STARTTIME: the recorded process still runs (same PID, same start time).
entry_alive() { [ -n "$1" ] && [ "$(proc_starttime "$1")" = "$2" ]; }

# group_alive PGID: some process of the group is still there.
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# start NAME STOPSIG CMD...: runs CMD in its own session (setsid => PID = PGID = SID), output to
# $W/logs/NAME.log, stdin from /dev/null, and records it in $W/pids. A non-interactive bash does
# not make background jobs group leaders, so setsid execs in place and $! is the process itself.
start() {
  local name=$1 sig=$2 pid st
  shift 2
  mkdir -p "$W/logs"
  # 7-9>&-: lock fds of our scripts must not leak into long-lived children (they would hold the lock).
  setsid "$@" >>"$W/logs/$name.log" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  pid=$!
  st=$(proc_starttime "$pid")
  [ -n "$st" ] || { sleep 0.2; st=$(proc_starttime "$pid"); }
  echo "$pid $name $st $sig" >>"$W/pids"
  echo "$pid" >"$W/$name.pid"
  # The exact command, so hack/services/ctl.sh can stop and start it again (outage tests).
  { echo "$sig"; printf '%q ' "$@"; echo; } >"$W/$name.cmd"
  log "started $name (pid $pid, log $W/logs/$name.log)"
}

# entry NAME: prints "PID STARTTIME SIG" of the last recorded entry NAME, or nothing.
entry() { [ -f "$W/pids" ] && awk -v n="$1" '$2 == n {l = $1 " " $3 " " $4} END {if (l) print l}' "$W/pids"; }

# running NAME: the recorded process NAME is alive.
running() {
  local e
  e=$(entry "$1")
  [ -n "$e" ] || return 1
  # shellcheck disable=SC2086
  entry_alive $e
}

# stop_entries TIMEOUT "PID NAME ST SIG"...: graceful signal to each alive leader, wait up to
# TIMEOUT s for every group to be empty, then SIGTERM, then SIGKILL the remaining groups.
# Groups are only signalled if their leader was still ours when we started (start time check).
stop_entries() {
  local timeout=$1 line pid name st sig groups="" g left left2=""
  shift
  for line in "$@"; do
    read -r pid name st sig <<<"$line"
    [ -n "$pid" ] || continue
    if entry_alive "$pid" "$st"; then
      kill "-${sig:-TERM}" "$pid" 2>/dev/null || true
      groups="$groups $pid"
      log "stopping $name (pid $pid, SIG${sig:-TERM})"
    fi
  done
  [ -n "$groups" ] || return 0
  for _ in $(seq $((timeout * 5))); do
    left=""
    for g in $groups; do group_alive "$g" && left="$left $g"; done
    [ -n "$left" ] || return 0
    sleep 0.2
  done
  # Leaders that ignored their signal, or children (kc.sh's JVM, PostgreSQL backends) left over.
  for g in $left; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for _ in $(seq 25); do
    left2=""
    for g in $left; do group_alive "$g" && left2="$left2 $g"; done
    [ -n "$left2" ] || return 0
    sleep 0.2
  done
  for g in $left2; do
    log "process group $g ignored SIGTERM, sending SIGKILL"
    kill -KILL -- "-$g" 2>/dev/null || true
  done
  sleep 0.5
}

# wait_for TIMEOUT DESCRIPTION CMD...: retries CMD every 0.5 s until it succeeds.
wait_for() {
  local t=$1 what=$2
  shift 2
  for _ in $(seq $((t * 2))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  log "timed out after ${t}s waiting for $what"
  return 1
}

# wait_running TIMEOUT NAME DESCRIPTION CMD...: like wait_for, but gives up at once when the recorded
# process NAME has exited (a crashed JVM should not cost the whole timeout).
wait_running() {
  local t=$1 name=$2 what=$3
  shift 3
  for _ in $(seq $((t * 2))); do
    "$@" >/dev/null 2>&1 && return 0
    running "$name" || { log "$name exited while waiting for $what"; return 1; }
    sleep 0.5
  done
  log "timed out after ${t}s waiting for $what"
  return 1
}

# http_ok URL [curl args]: 2xx within 3 s.
http_ok() { curl -sf -m 3 -o /dev/null "$@"; }

# set_env KEY VALUE: records an export in $W/env.d/<group>.sh (ENV_GROUP), later joined to $W/env.
set_env() {
  mkdir -p "$W/env.d"
  printf 'export %s=%q\n' "$1" "$2" >>"$W/env.d/${ENV_GROUP:?}.sh"
}

# write_env: $W/env = all fragments, in a stable order (control plane first).
write_env() {
  local f
  {
    echo "# Written by hack/testenv/up.sh; source it: . $W/env"
    for f in "$W/env.d/"*.sh; do [ -f "$f" ] && cat "$f"; done
  } >"$W/env.tmp"
  mv "$W/env.tmp" "$W/env"
}

# tail_logs: last lines of every component log (for failures).
tail_logs() {
  local f
  for f in "$W"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "----- $f (last ${1:-30} lines)" >&2
    tail -n "${1:-30}" "$f" >&2
  done
}

# apt_install PKG...: installs the Debian packages that are missing (apt-get update first, once per
# shell: a fresh machine has no package lists). Needs root, as on CI and the dev machines.
_TE_APT_UPDATED=0
apt_install() {
  local missing="" p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -n "$missing" ] || return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages:$missing (run as root or install them)"
  # Package lists younger than an hour are fresh enough (each service script runs in its own
  # process, so the in-shell flag alone would update once per script on a fresh machine).
  if [ "$_TE_APT_UPDATED" = 0 ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -60 -print -quit 2>/dev/null)" ]; then
    log "apt-get update"
    apt-get update -qq >&2
    _TE_APT_UPDATED=1
  fi
  log "apt-get install$missing"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}
