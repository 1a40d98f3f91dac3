#!/usr/bin/env bash
# CPU per acknowledged gift on the loopback cluster (deploy/local/cluster.sh: 3 silos, 2 front ends, nginx,
# PostgreSQL), for the capacity model: a steady run without faults at each given rate over 200 campaigns, each
# process's CPU time (utime + stime from /proc/PID/stat; PostgreSQL: every process of its server, nginx: master and
# workers) read at the start and the end of the measured window, divided by the gifts acknowledged in between.
# Usage: load/cluster-cpu.sh [--rates "300 600"] [--duration 60] [--campaigns 200] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/local/postgres.sh
source load/cluster-run.sh

RATES="300 600"; DURATION=60; CAMPAIGNS=200; OUT="load/results/$(date -u +%Y-%m-%d)-cluster-cpu"
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) RATES="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --campaigns) CAMPAIGNS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "Unknown option $1 (see the header of $0)"; exit 2 ;;
  esac
  shift
done
rm -rf "$OUT"; mkdir -p "$OUT"
cluster_up "$OUT"
PG_PID=$(head -n 1 "$(pg_data_root)/pg-local/data/postmaster.pid")
NGINX_PID=$(cat "$CLUSTER/nginx/nginx.pid")

# cpu_ticks PID...: the summed utime + stime (clock ticks) of the given processes (fields 14 and 15 of /proc/PID/stat,
# counted after the command's closing parenthesis, which may hold spaces).
cpu_ticks() {
  local total=0 pid rest
  for pid in "$@"; do
    rest=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    set -- $rest
    total=$(( total + ${12} + ${13} ))
  done
  echo "$total"
}
children() { ps -o pid= --ppid "$1" | tr -d ' '; }
# sample GENERATOR_PID: one line "name ticks" per part of the cluster.
sample() {
  local i
  for i in 1 2 3; do echo "silo-$i $(cpu_ticks "$(cat "$CLUSTER/silo-$i.pid")")"; done
  for i in 1 2; do echo "web-$i $(cpu_ticks "$(cat "$CLUSTER/web-$i.pid")")"; done
  # shellcheck disable=SC2046
  echo "postgresql $(cpu_ticks "$PG_PID" $(children "$PG_PID"))"
  # shellcheck disable=SC2046
  echo "nginx $(cpu_ticks "$NGINX_PID" $(children "$NGINX_PID"))"
  echo "generator $(cpu_ticks "$1")"
}
# acknowledged LOG: the generator's running total of acknowledged gifts, from its last progress line.
acknowledged() { grep "measure\]" "$1" | tail -n 1 | sed -E 's/.*total ([0-9,]+).*/\1/' | tr -d ,; }

for rate in $RATES; do
  log="$OUT/generator-$rate.log"
  echo "Steady: $rate gifts/s over $CAMPAIGNS campaigns for ${DURATION}s (no faults, no watchers)"
  dotnet load/Fundraising.Load/bin/Release/net10.0/Fundraising.Load.dll run --name "cpu-$rate" --target http://127.0.0.1:5080 \
    --admin-key "$ADMIN_KEY" --scenario spread --campaigns "$CAMPAIGNS" --zipf 1.0 --workers 256 --rate "$rate" \
    --warmup 10 --duration "$((DURATION + 10))" --retry-share 0 --out "$OUT/cpu-$rate.json" > "$log" 2>&1 &
  gen=$!
  for _ in $(seq 1 600); do grep -q "measure\]" "$log" 2>/dev/null && break; kill -0 $gen || break; sleep 1; done
  # A window of whole progress lines (one every 2 s), well inside the measured time.
  start_ack=$(acknowledged "$log"); start_time=$(date +%s.%N); sample "$gen" > "$OUT/start-$rate.txt"
  sleep "$DURATION"
  end_ack=$(acknowledged "$log"); end_time=$(date +%s.%N); sample "$gen" > "$OUT/end-$rate.txt"
  wait $gen || { echo "The generator failed at $rate gifts/s; see $log"; exit 1; }
  echo "$rate $start_ack $end_ack $start_time $end_time" >> "$OUT/windows.txt"
done

python3 - "$OUT" "$(getconf CLK_TCK)" <<'PY'
import json, sys
out, hz = sys.argv[1], int(sys.argv[2])
rows = []
for line in open(f"{out}/windows.txt"):
    rate, a0, a1, t0, t1 = line.split()
    start = dict(l.split() for l in open(f"{out}/start-{rate}.txt"))
    end = dict(l.split() for l in open(f"{out}/end-{rate}.txt"))
    gifts, seconds = int(a1) - int(a0), float(t1) - float(t0)
    parts = {k: (int(end[k]) - int(start[k])) / hz for k in start}
    rows.append({"rate": int(rate), "seconds": round(seconds, 1), "acknowledged": gifts, "acknowledgedPerSecond": round(gifts / seconds, 1),
                 "cpuSeconds": parts, "microsecondsPerGift": {k: round(v * 1e6 / gifts) for k, v in parts.items()},
                 "report": json.load(open(f"{out}/cpu-{rate}.json")).get("passed")})
json.dump(rows, open(f"{out}/cpu.json", "w"), indent=2)
names = list(rows[0]["cpuSeconds"])
with open(f"{out}/REPORT.md", "w") as f:
    f.write("# CPU per acknowledged gift on the loopback cluster\n\n")
    f.write(f"Clock ticks per second {hz}; CPU = utime + stime from /proc/PID/stat over the window; one core = 1,000,000 us a second.\n\n")
    f.write("| Offered rate | Window | Acknowledged (per second) | " + " | ".join(f"{n} us/gift" for n in names) + " | Total us/gift | Reconciled |\n")
    f.write("|---:|---:|---:|" + "---:|" * len(names) + "---:|---|\n")
    for r in rows:
        total = sum(r["microsecondsPerGift"][n] for n in names if n != "generator")
        f.write(f"| {r['rate']}/s | {r['seconds']} s | {r['acknowledged']:,} ({r['acknowledgedPerSecond']:,}/s) | "
                + " | ".join(f"{r['microsecondsPerGift'][n]:,}" for n in names) + f" | {total:,} (without the generator) | {r['report']} |\n")
print(open(f"{out}/REPORT.md").read())
PY
