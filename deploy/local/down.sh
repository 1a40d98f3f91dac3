#!/usr/bin/env bash
# Stops what deploy/local/up.sh or cluster.sh started: the web app (or the cluster's nginx, front ends and silos), the
# fake Stripe and the local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/postgres.sh
# stop_process PIDFILE: SIGTERM, then wait for it to exit (a silo's graceful stop writes to PostgreSQL, so the database
# outlives it; with the database already gone a silo's StopDeadline ends it about 35 s after SIGTERM), SIGKILL after 30 s.
stop_process() {
  [ -f "$1" ] || return 0
  local pid
  pid="$(cat "$1")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "Process $pid did not stop within 30 s; killing it."
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}
stop_process .data/local/web.pid
stop_process .data/local/fake-stripe.pid
# The cluster: the load balancer first (no new requests), then the front ends, then the silos one at a time (each
# hands its grains over while the others still run), then the database they all write to.
stop_process .data/cluster/readiness.pid
stop_process .data/cluster/nginx/nginx.pid
for pidfile in .data/cluster/web-*.pid .data/cluster/fake-stripe.pid .data/cluster/silo-*.pid; do
  [ -e "$pidfile" ] && stop_process "$pidfile"
done
pg_stop local
echo "Stopped."
