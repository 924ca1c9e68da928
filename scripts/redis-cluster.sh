#!/usr/bin/env bash
# Starts a Redis Cluster of 3 masters and 3 replicas on loopback, unless one already answers on the
# first port. Usage: scripts/redis-cluster.sh [FIRST_PORT (7000)] [DIR (a new temp dir)]
# Ports FIRST_PORT..FIRST_PORT+5; prints the seed list (host:port,...) on its last line.
set -euo pipefail
first="${1:-7000}"
ports=$(seq "$first" $((first + 5)))
seeds=$(for p in $ports; do printf '127.0.0.1:%s,' "$p"; done); seeds="${seeds%,}"

state() { redis-cli -h 127.0.0.1 -p "$first" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }

if [ "$(state)" != "ok" ]; then
  dir="${2:-$(mktemp -d -t recs-redis-cluster.XXXXXX)}"
  mkdir -p "$dir"
  for p in $ports; do
    if ! redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1; then
      redis-server --bind 127.0.0.1 --port "$p" --cluster-enabled yes --cluster-config-file "nodes-$p.conf" \
        --cluster-node-timeout 2000 --save "" --appendonly no --daemonize yes --dir "$dir" --logfile "$dir/$p.log"
    fi
  done
  for p in $ports; do
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  known=$(redis-cli -h 127.0.0.1 -p "$first" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
  if [ "$known" = "1" ]; then
    # shellcheck disable=SC2046
    redis-cli --cluster create $(for p in $ports; do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 1 --cluster-yes >"$dir/create.log"
  fi
  for _ in $(seq 1 100); do [ "$(state)" = "ok" ] && break; sleep 0.2; done
  [ "$(state)" = "ok" ] || { echo "Redis Cluster on $first.. did not reach cluster_state:ok" >&2; exit 1; }
fi
# A replica can take over only once it is linked to its master and synced: wait for all three.
linked() {
  n=0
  for p in $ports; do
    redis-cli -h 127.0.0.1 -p "$p" info replication 2>/dev/null | tr -d '\r' | grep -q '^master_link_status:up' && n=$((n + 1))
  done
  [ "$n" -ge 3 ]
}
for _ in $(seq 1 150); do linked && break; sleep 0.2; done
linked || { echo "Redis Cluster on $first..: replicas did not link to their masters" >&2; exit 1; }
echo "$seeds"
