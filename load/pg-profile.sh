#!/usr/bin/env bash
# Where PostgreSQL's work goes for one scenario: which statements cost the time, and which tables and indexes write the WAL.
#
# Usage: load/pg-profile.sh [--scenario opening|burst] [--rate R] [--donors N] [--duration S] [--warmup S] [--out DIR]
#                           [-- extra generator options]
#   --scenario  opening (default: 200 campaigns, verified donors, a pool opening 20 s into the window) or burst (one hot campaign)
#   --rate      gifts a second offered (default 1500); keep it at or below what the machine takes, or the generator's
#               scheduled starts queue and its latencies measure the queue
#   --donors    verified donors of the opening (default 40000; their pace caps the offered rate at about donors / 20 s)
#   --out       results folder (default load/results/tmp/pg-profile-<scenario>)
# Environment: SERVER_ENV="Ledger__OverlapAfterRows=1 ..." reaches the platform's process.
#
# One fresh PostgreSQL (127.0.0.1:55531, under .data/pg-prof, with pg_stat_statements tracking nested statements and
# planning) and one Release platform process (127.0.0.1:55534, silo 55532/55533); both are stopped at the end. Writes:
#   statements.txt      pg_stat_statements over the measured window and the generator's checks after it: time (execution
#                       and planning), calls, rows, WAL per statement; "top = f" rows run inside another (foreign-key
#                       checks, triggers)
#   wal-by-relation.txt the window's WAL by table or index (pg_waldump, records and bytes, full-page images)
#   wal-by-record.txt   the window's WAL by record type (pg_waldump --stats=record)
#   generator.log       the generator's own report (rate, latency, CPU shares, reconciliation)
# pg_stat_statements costs a few per cent itself: compare profiles with profiles, never with the benchmark's rates.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=opening RATE=1500 DONORS=40000 DURATION=60 WARMUP=20 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) SCENARIO="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --donors) DONORS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
OUT="${OUT:-load/results/tmp/pg-profile-$SCENARIO}"
mkdir -p "$OUT"
source deploy/local/postgres.sh
pg_install_if_missing

dotnet build src/Fundraising.Web/Fundraising.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build load/Fundraising.Load/Fundraising.Load.csproj -c Release -nologo -v quiet -clp:ErrorsOnly

SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  pg_stop prof
}
trap cleanup EXIT

pg_stop prof
rm -rf .data/pg-prof
pg_start prof 55531 >/dev/null
cat >> .data/pg-prof/data/postgresql.conf <<CONF
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = 'all'
pg_stat_statements.track_planning = on
pg_stat_statements.max = 2000
max_wal_size = '16GB'
checkpoint_timeout = '1h'
CONF
pg_stop prof
pg_start prof 55531 >/dev/null
pg_create_database prof 55531 platform
PSQL() { PGPASSWORD="$(cat .data/pg-prof/password)" "$(pg_bin)/psql" -qAt -h 127.0.0.1 -p 55531 -U postgres -d platform "$@"; }
PSQL -c "CREATE EXTENSION pg_stat_statements" >/dev/null
PG_PID=$(head -n 1 .data/pg-prof/data/postmaster.pid)

CONN="${PG_CONNECTION/Database=postgres/Database=platform};Maximum Pool Size=100"
KEY="prof-$(head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9)"
# shellcheck disable=SC2086
env ${SERVER_ENV:-} ASPNETCORE_ENVIRONMENT=Benchmark RateLimits__Enabled=false ConnectionStrings__Fundraising="$CONN" Admin__ApiKey="$KEY" \
  Receipts__TokenSecret="prof-receipts-$(head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9)" \
  Donors__AddressKey="prof-donors-$(head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9)" \
  Orleans__ClusterId=prof Orleans__SiloPort=55532 Orleans__GatewayPort=55533 \
  dotnet src/Fundraising.Web/bin/Release/net10.0/Fundraising.Web.dll --urls http://127.0.0.1:55534 --contentRoot "$PWD/src/Fundraising.Web" \
  > "$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -fsS http://127.0.0.1:55534/healthz >/dev/null 2>&1 && break; sleep 1; done

ARGS=(--scenario burst)
if [ "$SCENARIO" = opening ]; then
  ARGS=(--scenario opening --campaigns 200 --donors "$DONORS" --fast-donors 50 --opens-after 20 --pool-rate "$RATE" --pool-drain 30)
fi
dotnet load/Fundraising.Load/bin/Release/net10.0/Fundraising.Load.dll run --name "pg-profile-$SCENARIO" --target http://127.0.0.1:55534 \
  --admin-key "$KEY" --server-pid "$SERVER" --postgres-pid "$PG_PID" --workers 256 --warmup "$WARMUP" --duration "$DURATION" \
  --retry-share 0.1 --rate "$RATE" "${ARGS[@]}" "$@" --out "$OUT/run.json" > "$OUT/generator.log" 2>&1 &
GEN=$!
# The window starts when the generator starts measuring (after verifying donors and its warm-up).
until grep -q "measure\]" "$OUT/generator.log" 2>/dev/null; do
  kill -0 "$GEN" 2>/dev/null || { echo "the generator stopped before measuring: $OUT/generator.log" >&2; exit 1; }
  sleep 1
done
PSQL -c "SELECT pg_stat_statements_reset()" >/dev/null
START=$(PSQL -c "SELECT pg_current_wal_lsn()")
wait "$GEN" || { echo "the generator failed: $OUT/generator.log" >&2; exit 1; }
END=$(PSQL -c "SELECT pg_current_wal_lsn()")

PGPASSWORD="$(cat .data/pg-prof/password)" "$(pg_bin)/psql" -h 127.0.0.1 -p 55531 -U postgres -d platform -c "
  SELECT round((total_exec_time + total_plan_time)::numeric) AS ms, round(total_plan_time::numeric) AS plan_ms, calls, rows,
         round(wal_bytes / 1e6, 1) AS wal_mb, toplevel AS top, left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS statement
  FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 50" > "$OUT/statements.txt"
PSQL -c "SELECT pg_relation_filenode(oid), relname FROM pg_class WHERE pg_relation_filenode(oid) IS NOT NULL" > "$OUT/relations.txt"
# Before PostgreSQL stops: its shutdown checkpoint may remove the window's WAL segments.
"$(pg_bin)/pg_waldump" -p .data/pg-prof/data/pg_wal -s "$START" -e "$END" --stats=record > "$OUT/wal-by-record.txt"
"$(pg_bin)/pg_waldump" -p .data/pg-prof/data/pg_wal -s "$START" -e "$END" 2>/dev/null | awk -F'|' -v names="$OUT/relations.txt" '
  BEGIN { while ((getline line < names) > 0) { split(line, p, "|"); name[p[1]] = p[2] } }
  {
    if (!match($0, /len \(rec\/tot\): *[0-9]+\/ *[0-9]+/)) next
    t = substr($0, RSTART, RLENGTH); sub(/.*\/ */, "", t); t += 0; all += t
    key = "(no relation)"
    if (match($0, /rel [0-9]+\/[0-9]+\/[0-9]+/)) { r = substr($0, RSTART, RLENGTH); sub(/.*\//, "", r); key = (r in name) ? name[r] : r }
    bytes[key] += t; records[key]++; if ($0 ~ /FPW/) images[key]++
  }
  END {
    printf "WAL of the window: %d bytes\n%12s %6s %9s %7s  %s\n", all, "bytes", "share", "records", "images", "relation"
    for (k in bytes) printf "%12d %5.1f%% %9d %7d  %s\n", bytes[k], 100 * bytes[k] / all, records[k], images[k], k
  }' | { read -r title; read -r header; echo "$title"; echo "$header"; sort -rn; } > "$OUT/wal-by-relation.txt"

grep -E "donations/s|before the opening|Reconciled" "$OUT/generator.log" | tail -3
echo "Statements: $OUT/statements.txt; WAL: $OUT/wal-by-relation.txt, $OUT/wal-by-record.txt"
