#!/usr/bin/env bash
# A local image registry (Debian's docker-registry) for offline clusters and tests.
#   registry.sh start [--addr 127.0.0.1:5000] [--dir DIR]   idempotent: does nothing if one answers
#   registry.sh stop  [--dir DIR]
# Storage, config, log and pid file live in DIR (default /var/cache/k8ts/images/registry).
set -euo pipefail
cmd="${1:-}"; shift || true
addr=127.0.0.1:5000
dir=/var/cache/k8ts/images/registry
while [ $# -gt 0 ]; do
  case "$1" in
    --addr) addr="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "usage: $0 start|stop [--addr HOST:PORT] [--dir DIR]" >&2; exit 2 ;;
  esac
done
answers() { curl -fs -o /dev/null "http://$addr/v2/"; }
case "$cmd" in
  start)
    if answers; then echo "k8ts registry: already serving on $addr"; exit 0; fi
    command -v docker-registry >/dev/null || { echo "k8ts: docker-registry is missing; run scripts/install-containerd.sh as root" >&2; exit 1; }
    mkdir -p "$dir/data"
    cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
YML
    setsid nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
    echo $! >"$dir/registry.pid"
    for _ in $(seq 1 100); do
      if answers; then echo "k8ts registry: serving on $addr (pid $(cat "$dir/registry.pid"), data in $dir/data)"; exit 0; fi
      kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || break
      sleep 0.1
    done
    echo "k8ts registry: did not start on $addr; see $dir/registry.log" >&2
    tail -5 "$dir/registry.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -f "$dir/registry.pid" ]; then
      kill "$(cat "$dir/registry.pid")" 2>/dev/null || true
      rm -f "$dir/registry.pid"
      echo "k8ts registry: stopped"
    fi
    ;;
  *) echo "usage: $0 start|stop [--addr HOST:PORT] [--dir DIR]" >&2; exit 2 ;;
esac
