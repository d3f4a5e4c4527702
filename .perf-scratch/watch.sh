#!/bin/bash
# sends SIGUSR2 every 15 s to the bench's operator; SIGWINCH (GC + stats) every 60 s
while true; do
  pid=$(pgrep -f "operators/manager/main.ts --metrics-bind-address=127.0.0.1:0 --health-probe-bind-address=127.0.0.1:0 --namespace bench-operator-" | head -1)
  if [ -n "$pid" ]; then kill -USR2 $pid 2>/dev/null; n=$((n+1)); if [ $((n % 4)) = 0 ]; then sleep 1; kill -WINCH $pid 2>/dev/null; fi; echo $pid > /tmp/exp-pid; fi
  sleep 15
done
