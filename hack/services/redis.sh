#!/usr/bin/env bash
# Redis for the integration tests, from Debian's redis-server package, run as our own process.
#   redis.sh ensure      install the package if missing
#   redis.sh start W     start on 127.0.0.1:<free port>, no persistence, state under $W/redis;
#                        records the PID in $W/pids and REDIS_URL in $W/env.d/redis.sh
#   redis.sh wait W      wait until it answers PING
set -euo pipefail
# shellcheck source=../testenv/lib.sh
. "$(dirname "$0")/../testenv/lib.sh"

cmd=${1:?usage: redis.sh ensure|start W|wait W}
case "$cmd" in
  ensure)
    # redis-tools (redis-cli) comes with redis-server; on a systemd host the package also starts
    # a system redis on 6379, which we do not use (our port is random).
    apt_install redis-server
    ;;
  start)
    W=${2:?W}
    command -v redis-server >/dev/null || die "redis-server missing: run hack/services/redis.sh ensure"
    alloc_port port redis
    mkdir -p "$W/redis"
    # --save "" and --appendonly no: no persistence, tests start from an empty store.
    # --protected-mode yes is harmless since we bind loopback only.
    start redis TERM redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$W/redis" --daemonize no --protected-mode yes --databases 16 --logfile ""
    echo "$port" >"$W/redis/port"
    rm -f "$W/env.d/redis.sh"
    ENV_GROUP=redis set_env REDIS_URL "redis://127.0.0.1:$port"
    ;;
  wait)
    W=${2:?W}
    port=$(cat "$W/redis/port")
    wait_running 30 redis "redis on port $port" bash -c "[ \"\$(redis-cli -h 127.0.0.1 -p $port ping)\" = PONG ]" ||
      { tail -n 30 "$W/logs/redis.log" >&2; exit 1; }
    ;;
  *) die "unknown command $cmd" ;;
esac
