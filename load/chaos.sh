#!/usr/bin/env bash
# The chaos run (issue 12): the loopback cluster of deploy/local/cluster.sh (3 silos, 2 front ends, nginx, PostgreSQL)
# takes a steady stream of gifts over many campaigns, with SignalR watchers through nginx, while faults are injected one
# after another, each with time to recover before the next:
#   (a) kill -9 of one silo (started again 20 s later)     (b) kill -9 of one front end (started again 10 s later)
# (each 15 s after the previous fault's end).
#   (c) PostgreSQL restarted (fast shutdown, start)        (d) every silo rolled one at a time (SIGTERM, wait, start)
# The generator retries what it could not settle with the same Idempotency-Key at the end, then reconciles generator =
# API = ledger = grains = catalogue exactly; the report gives, per fault, the seconds in which donors saw errors.
# --quick: the same four faults with shorter recoveries at 100 gifts/s and 50 watchers (4 to 5 minutes with the
# cluster's start; the chaos test of tests/Fundraising.Load.Tests runs it), its results under load/results/tmp/ or --out.
# Usage: load/chaos.sh [--name NAME] [--rate DONATIONS_PER_SECOND] [--watchers N] [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/local/postgres.sh
source load/cluster-run.sh

NAME=chaos; RATE=200; WATCHERS=200; CAMPAIGNS=20
# The first fault FAULT_A s into the measured window; the killed silo and front end are started again SILO_DOWN and
# WEB_DOWN s after their kill; SETTLE s between one fault's end and the next one's start.
FAULT_A=20; SILO_DOWN=20; WEB_DOWN=10; SETTLE=15; DURATION=220; QUICK=false; OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --name) NAME="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --watchers) WATCHERS="$2"; shift ;;
    --quick) QUICK=true ;;
    *) echo "Unknown option $1 (see the header of $0)"; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = true ]; then
  RATE=100; WATCHERS=50; FAULT_A=10; SILO_DOWN=8; WEB_DOWN=5; SETTLE=8; DURATION=140
  RESULTS="load/results/tmp/$(date -u +%Y-%m-%d-%H%M)-$NAME"
else
  RESULTS="load/results/$(date -u +%Y-%m-%d)-$NAME"
fi
[ -n "$OUT" ] && RESULTS="$OUT"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
cluster_up "$RESULTS"

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

# Each fault follows the previous one's end (its process back and ready) by SETTLE seconds, so that every window holds
# one fault and its recovery: a silo's start takes 10 to 25 s on a loaded machine, which fixed times would not allow.
after_settle() { sleep "$SETTLE"; }
at $FAULT_A; fault "a start: kill -9 silo-2"; kill -9 "$(cat $CLUSTER/silo-2.pid)"
sleep "$SILO_DOWN"; fault "a restart silo-2"; deploy/local/cluster.sh --restart silo-2 >> "$RESULTS/cluster.log" 2>&1; fault "a end: silo-2 back"
after_settle; fault "b start: kill -9 web-2"; kill -9 "$(cat $CLUSTER/web-2.pid)"
sleep "$WEB_DOWN"; fault "b restart web-2"; deploy/local/cluster.sh --restart web-2 >> "$RESULTS/cluster.log" 2>&1; fault "b end: web-2 back"
after_settle; fault "c start: PostgreSQL restart"; pg_stop local; pg_start local 55432; fault "c end: PostgreSQL back"
after_settle; fault "d start: rolling restart of the silos"
for i in 1 2 3; do deploy/local/cluster.sh --restart "silo-$i" >> "$RESULTS/cluster.log" 2>&1; fault "d silo-$i restarted"; done
fault "d end"
# The last window needs SETTLE seconds of gifts after the rolling restart, inside the generator's measured time.
LEFT=$(( T0 + DURATION - $(date +%s) ))
[ "$LEFT" -ge "$SETTLE" ] || { echo "The faults ended ${LEFT} s before the generator's end (need $SETTLE s): raise DURATION in $0"; TOO_SHORT=1; }
STATUS=0; wait $GEN || STATUS=$?
[ -z "${TOO_SHORT:-}" ] || STATUS=1
cp "$CLUSTER"/*.log "$RESULTS/" 2>/dev/null || true
cp "$CLUSTER/nginx/error.log" "$RESULTS/nginx-error.log" 2>/dev/null || true

# Per fault: the failed requests of its window (from its start to the next fault's), second by second from the
# generator's own count (load.errorsPerSecond), the seconds from the first to the last failure, and the lowest rate.
# Also chaos-summary.json, which the chaos test asserts on (tests/Fundraising.Load.Tests, ChaosTests).
python3 - "$RESULTS" "$NAME" <<'PY'
import json, re, sys
results, name = sys.argv[1], sys.argv[2]
def secs(t): h, m, s = map(int, t.split(":")); return h * 3600 + m * 60 + s
report = json.load(open(f"{results}/{name}.json"))
load = report["load"]; w = report.get("watchers") or {}
# Failure detection as cluster.sh sets it: a dead silo is suspected after NumMissedProbesLimit probes ProbeTimeout apart.
cluster = open("deploy/local/cluster.sh").read()
probe = secs(re.search(r"Orleans__Membership__ProbeTimeout=(\d\d:\d\d:\d\d)", cluster).group(1))
missed = int(re.search(r"Orleans__Membership__NumMissedProbesLimit=(\d+)", cluster).group(1))
detection = probe * missed
# The generator's seconds are Unix seconds; the faults' times are UTC clock times of the same day.
failures = {int(t) % 86400: int(n) for t, n in (load.get("errorsPerSecond") or [])}
points = [l for l in open(f"{results}/generator.log") if "measure]" in l]
rates = []
for l in points:
    m = re.match(r"(\d\d:\d\d:\d\d) .*?([\d,]+) donations/s", l)
    if m: rates.append((secs(m.group(1)), int(m.group(2).replace(",", ""))))
starts = [(secs(t), text.strip()) for t, text in (l.split(" ", 1) for l in open(f"{results}/faults.log")) if re.match(r"[a-z] start:", text)]
faults = []
for k, (t, text) in enumerate(starts):
    end = starts[k + 1][0] if k + 1 < len(starts) else 10**9
    seconds = sorted(s for s in failures if t <= s < end)
    faults.append({
        "fault": text, "key": text[0], "failedRequests": sum(failures[s] for s in seconds),
        "errorSeconds": (seconds[-1] - seconds[0] + 1) if seconds else 0,
        "firstErrorAfter": (seconds[0] - t) if seconds else None,
        "perSecond": {f"+{s - t}": failures[s] for s in seconds},
        "lowestRate": min((r for at, r in rates if t <= at < end), default=0)})
summary = {
    "acknowledged": load["succeededTotal"], "unresolved": load["unresolved"], "reconciled": report.get("passed"),
    "watchers": w.get("connected"), "watchersSawFinalTotal": w.get("sawFinalTotal"), "reconnects": w.get("reconnects"),
    "errors": load.get("errors"), "detectionSeconds": detection, "faults": faults}
json.dump(summary, open(f"{results}/chaos-summary.json", "w"), indent=2)
with open(f"{results}/REPORT.md", "w") as f:
    f.write(f"# Chaos run {name}\n\n")
    f.write(f"Acknowledged gifts: {load['succeededTotal']:,}; still in doubt after the generator's retries with the same keys: {load['unresolved']}; "
            f"reconciled exactly (generator = API = ledger = grains = catalogue): {report.get('passed')}.\n")
    f.write(f"Watchers: {w.get('connected')} connected, {w.get('sawFinalTotal')} saw the final total, {w.get('reconnects')} reconnects.\n")
    f.write(f"Request errors by kind (each retried or settled at the end): {load.get('errors')}\n")
    f.write(f"Failure detection (cluster.sh): ProbeTimeout {probe} s x NumMissedProbesLimit {missed} = {detection} s.\n\n")
    f.write("| Fault | Requests that failed in its window | Seconds from first to last failure | Failed requests per second (seconds after the fault's start) | Lowest donations/s (2 s sample) |\n|---|---:|---:|---|---:|\n")
    for x in faults:
        per = ", ".join(f"{k}: {v}" for k, v in x["perSecond"].items()) or "none"
        f.write(f"| {x['fault']} | {x['failedRequests']:,} | {x['errorSeconds']} | {per} | {x['lowestRate']:,} |\n")
print(open(f"{results}/REPORT.md").read())
PY
exit $STATUS
