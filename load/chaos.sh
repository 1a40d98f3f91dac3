#!/usr/bin/env bash
# The chaos run (issue 12): the loopback cluster of deploy/local/cluster.sh (3 silos, 2 front ends, nginx, PostgreSQL)
# takes a steady stream of gifts over many campaigns, with SignalR watchers through nginx, while faults are injected one
# after another, each with time to recover before the next:
#   (a) kill -9 of one silo (started again 20 s later)     (b) kill -9 of one front end (started again 10 s later)
#   (c) PostgreSQL restarted (fast shutdown, start)        (d) every silo rolled one at a time (SIGTERM, wait, start)
# The generator retries what it could not settle with the same Idempotency-Key at the end, then reconciles generator =
# API = ledger = grains = catalogue exactly; the report gives, per fault, the seconds in which donors saw errors.
# Usage: load/chaos.sh [--name NAME] [--rate DONATIONS_PER_SECOND] [--watchers N] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/local/postgres.sh

# The cluster's processes take every gift from 127.0.0.1 (the generator): rate limits off, also for restarted ones.
export RateLimits__Enabled=false
NAME=chaos; RATE=200; WATCHERS=200; CAMPAIGNS=20
FAULT_A=20; FAULT_B=60; FAULT_C=95; FAULT_D=125; DURATION=190; QUICK=false
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --watchers) WATCHERS="$2"; shift ;;
    --quick) QUICK=true ;;
    *) echo "Unknown option $1 (see the header of $0)"; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = true ]; then RESULTS="load/results/tmp/$(date -u +%Y-%m-%d-%H%M)-$NAME"; else RESULTS="load/results/$(date -u +%Y-%m-%d)-$NAME"; fi
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
CLUSTER=.data/cluster

deploy/local/down.sh >/dev/null 2>&1 || true
trap 'deploy/local/down.sh >/dev/null 2>&1 || true' EXIT
deploy/local/cluster.sh --sandbox --detach > "$RESULTS/cluster.log" 2>&1 || { tail -n 30 "$RESULTS/cluster.log"; exit 1; }
ADMIN_KEY=$(grep '^ADMIN_KEY=' .data/local/web.env | cut -d= -f2)
dotnet build load/Fundraising.Load/Fundraising.Load.csproj -c Release -nologo -v quiet -clp:ErrorsOnly

echo "Generator: $RATE donations/s over $CAMPAIGNS campaigns for ${DURATION}s, $WATCHERS watchers through nginx"
dotnet load/Fundraising.Load/bin/Release/net10.0/Fundraising.Load.dll run --name "$NAME" --target http://127.0.0.1:5080 \
  --admin-key "$ADMIN_KEY" --scenario spread --campaigns "$CAMPAIGNS" --zipf 1.0 --workers 128 --rate "$RATE" \
  --warmup 5 --duration "$DURATION" --retry-share 0.1 --watchers "$WATCHERS" --out "$RESULTS/$NAME.json" \
  > "$RESULTS/generator.log" 2>&1 &
GEN=$!

# Faults are timed from the start of the generator's measured window.
for _ in $(seq 1 600); do grep -q "measure\]" "$RESULTS/generator.log" 2>/dev/null && break; kill -0 $GEN || break; sleep 1; done
T0=$(date +%s)
at() { local wait=$(( T0 + $1 - $(date +%s) )); [ "$wait" -gt 0 ] && sleep "$wait"; return 0; }
fault() { echo "$(date -u +%T) $*" | tee -a "$RESULTS/faults.log"; }

at $FAULT_A; fault "a start: kill -9 silo-2"; kill -9 "$(cat $CLUSTER/silo-2.pid)"
at $((FAULT_A + 20)); fault "a restart silo-2"; deploy/local/cluster.sh --restart silo-2 >> "$RESULTS/cluster.log" 2>&1; fault "a end: silo-2 back"
at $FAULT_B; fault "b start: kill -9 web-2"; kill -9 "$(cat $CLUSTER/web-2.pid)"
at $((FAULT_B + 10)); fault "b restart web-2"; deploy/local/cluster.sh --restart web-2 >> "$RESULTS/cluster.log" 2>&1; fault "b end: web-2 back"
at $FAULT_C; fault "c start: PostgreSQL restart"; pg_stop local; pg_start local 55432; fault "c end: PostgreSQL back"
at $FAULT_D; fault "d start: rolling restart of the silos"
for i in 1 2 3; do deploy/local/cluster.sh --restart "silo-$i" >> "$RESULTS/cluster.log" 2>&1; fault "d silo-$i restarted"; done
fault "d end"
wait $GEN; STATUS=$?
cp "$CLUSTER"/*.log "$RESULTS/" 2>/dev/null || true

# Per fault: the seconds of the window (from its start to the next fault's) in which the generator's error count grew,
# read off its progress lines (one every 2 s: "HH:MM:SS [ Ns measure] ... errors N").
python3 - "$RESULTS" "$NAME" <<'PY'
import json, re, sys, datetime
results, name = sys.argv[1], sys.argv[2]
lines = [l for l in open(f"{results}/generator.log") if "measure]" in l]
points = []
for l in lines:
    m = re.match(r"(\d\d:\d\d:\d\d) .*?([\d,]+) donations/s .* errors ([\d,]+)", l)
    if m: points.append((m.group(1), int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))))
faults = [l.split(" ", 1) for l in open(f"{results}/faults.log")]
starts = [(t, text.strip()) for t, text in faults if " start:" in " " + text or text.startswith(("a start", "b start", "c start", "d start"))]
def secs(t): h, m, s = map(int, t.split(":")); return h * 3600 + m * 60 + s
report = json.load(open(f"{results}/{name}.json"))
rows = []
for k, (t, text) in enumerate(starts):
    end = secs(starts[k + 1][0]) if k + 1 < len(starts) else 10**9
    window = [p for p in points if secs(t) <= secs(p[0]) < end]
    grew = [window[i][0] for i in range(1, len(window)) if window[i][2] > window[i - 1][2]]
    first = grew[0] if grew else None
    seen = (secs(grew[-1]) - secs(grew[0]) + 2) if grew else 0
    low = min((p[1] for p in window), default=0)
    errors = (window[-1][2] - window[0][2]) if window else 0
    rows.append((text, errors, seen, low))
load = report["load"]; rec = report.get("reconciliation", {}); w = report.get("watchers") or {}
with open(f"{results}/REPORT.md", "w") as f:
    f.write(f"# Chaos run {name}\n\n")
    f.write(f"Acknowledged gifts: {load['succeededTotal']:,}; still in doubt after the generator's retries with the same keys: {load['unresolved']}; "
            f"reconciled exactly (generator = API = ledger = grains = catalogue): {report.get('passed')}.\n")
    f.write(f"Watchers: {w.get('connected')} connected, {w.get('sawFinalTotal')} saw the final total, {w.get('reconnects')} reconnects.\n")
    f.write(f"Request errors by kind (each retried or settled at the end): {load.get('errors')}\n\n")
    f.write("| Fault | Requests that failed in its window | Seconds donors saw errors | Lowest donations/s (2 s sample) |\n|---|---:|---:|---:|\n")
    for text, errors, seen, low in rows:
        f.write(f"| {text} | {errors:,} | {seen} | {low:,} |\n")
print(open(f"{results}/REPORT.md").read())
PY
exit $STATUS
