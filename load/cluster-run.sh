#!/usr/bin/env bash
# What the runs on the loopback cluster share (sourced by chaos.sh and cluster-cpu.sh, from the repository's root).

# cluster_up RESULTS: a fresh loopback cluster (deploy/local/cluster.sh --sandbox, its log in RESULTS/cluster.log),
# stopped when the calling script exits, and the Release generator; sets CLUSTER (its pid files and logs) and ADMIN_KEY.
cluster_up() {
  local results="$1"
  CLUSTER=.data/cluster
  # The cluster's processes take every gift from 127.0.0.1 (the generator): rate limits off, also for restarted ones.
  export RateLimits__Enabled=false
  deploy/local/down.sh >/dev/null 2>&1 || true
  trap 'deploy/local/down.sh >/dev/null 2>&1 || true' EXIT
  deploy/local/cluster.sh --sandbox --detach > "$results/cluster.log" 2>&1 || { tail -n 30 "$results/cluster.log"; exit 1; }
  ADMIN_KEY=$(grep '^ADMIN_KEY=' .data/local/web.env | cut -d= -f2)
  dotnet build load/Fundraising.Load/Fundraising.Load.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
}
