#!/usr/bin/env bash
# The giving-day benchmark in one command (see load/README.md). Builds Release; starts a private
# PostgreSQL on 127.0.0.1:55450, the platform (co-hosted silo), the naive baseline and the no-work
# ceiling server; runs, one after another on this machine with the same generator settings:
#   ceiling, baseline, platform   one hot campaign, flat out (burst)
#   platform-half                 the platform paced at half its measured peak (latency)
#   watchers                      the burst with thousands of SignalR clients watching the hot campaign
#   spread                        thousands of campaigns and village projects, Zipf popularity
#   opening-baseline, opening     the 10:00 opening: 200 campaigns, one event, one matching pool that opens 20 s into the
#                                 measured window and drains, verified donors (a few too fast: flagged); the naive baseline
#                                 and the platform with the same generator settings (the pool sized from the hot platform row)
#   opening-noboards              the opening on a fresh platform process and database with Leaderboards__Enabled=false (the rate
#                                 boards cost); the opening itself also runs on a fresh process and database, with BOARD_WATCHERS
#                                 SignalR clients on the event's boards (lag), and checks every board against the acknowledged gifts
#   opening-half                  the opening on the platform paced at half its opening rate (ack latency)
#   card                          the platform with Stripe through our fake Stripe: Checkout, declines, webhooks
#                                 duplicated, reordered and dropped; the dropped ones settled after the run by the
#                                 platform's Stripe reconcile job (a second platform process on its own database)
#   capacity                      100,000 campaigns activated in one fresh silo (resident memory)
# then prints the table with ratios and writes load/results/<UTC date>-<name>/ (raw JSON, summary.md, chart.svg).
# Every run must reconcile exactly; the script exits non-zero if one does not.
#
# Usage: load/run-benchmark.sh [--quick] [--hot-only] [--opening-only] [--name NAME] [--duration SECONDS] [--workers N] [--skip-capacity]
#   --quick         short runs (10 s after 10 s warm-up), 1,000 watchers, 10,000 campaigns; results in load/results/tmp/ (not committed)
#   --hot-only      only the one-hot-campaign rows (ceiling, naive baseline, platform): about 6 minutes, for comparing two builds
#   --opening-only  only the platform's hot row (the opening's yardstick) and the opening rows (naive, platform, half rate)
# Each run starts with a 30 s warm-up that is not measured (but is reconciled): a fresh .NET server spends its
# first 20 s or so compiling hot code again with tiered PGO, and the measured window should show it warm.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/local/postgres.sh

QUICK=false; HOT_ONLY=false; OPENING_ONLY=false; NAME=""; DURATION=60; SHORT=30; WARMUP=30; WORKERS=256
WATCHERS=5000; BOARD_WATCHERS=1000; SPREAD=2000; CAPACITY=100000; SKIP_CAPACITY=false
# The opening: campaigns in the seed's shape, verified donors (OPENING_FAST of them give every 2 to 8 s, the rest 16 to
# 24 s apart like people), a pool opening OPENING_AFTER s into the measured window whose budget lasts OPENING_DRAIN s at
# the hot platform row's rate (or the donors' pace, donors / 20 s, if that is lower). OPENING_DONORS at least 20,000; more when the hot rate needs them, so that the donors'
# own pace (donors / 20 s) does not cap the offered load (hot rate x 25 s), but at most OPENING_MAX_DONORS: each run
# verifies its donors through its server first (the platform verified 168 a second on a busy machine, 2026-12-02).
OPENING_CAMPAIGNS=200; OPENING_DONORS=20000; OPENING_MAX_DONORS=120000; OPENING_FAST=50; OPENING_AFTER=20; OPENING_DRAIN=20
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=true; DURATION=10; SHORT=10; WARMUP=10; WATCHERS=1000; BOARD_WATCHERS=200; CAPACITY=10000; OPENING_AFTER=4; OPENING_DRAIN=4 ;;
    --name) NAME="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --workers) WORKERS="$2"; shift ;;
    --skip-capacity) SKIP_CAPACITY=true ;;
    --hot-only) HOT_ONLY=true; SKIP_CAPACITY=true ;;
    --opening-only) OPENING_ONLY=true; SKIP_CAPACITY=true ;;
    *) echo "Unknown option $1 (see the header of $0)"; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = true ]; then
  RESULTS="load/results/tmp/$(date -u +%Y-%m-%d-%H%M)-${NAME:-quick}"
else
  RESULTS="load/results/$(date -u +%Y-%m-%d)-${NAME:-benchmark}"
fi
rm -rf "$RESULTS"; mkdir -p "$RESULTS/logs"

PORT_DB=55450
PLATFORM=http://127.0.0.1:55460
NAIVE=http://127.0.0.1:55470
CEILING=http://127.0.0.1:55471
CAPACITY_URL=http://127.0.0.1:55480
CARD=http://127.0.0.1:55490
STRIPE=http://127.0.0.1:55493
# The card path's donors: fewer than the burst's, since each gift costs a Checkout Session, a payment and about
# three webhooks. No donor starts a gift while more than CARD_BACKLOG webhook events wait at the fake: without that
# the payments outrun the webhooks, the queue grows all run and pay → succeeded only measures the queue.
CARD_WORKERS=64
CARD_BACKLOG=256
# Share of webhook events the fake never delivers. After the run the generator calls the platform's
# POST /api/admin/payments/stripe/reconcile until it has nothing left to settle, then reconciles as ever.
CARD_DROP_RATE=0.05
# A throw-away key for this run's servers; it never leaves this machine.
ADMIN_KEY="bench-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
RECEIPT_TOKEN_SECRET="bench-receipts-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
DONOR_ADDRESS_KEY="bench-donors-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
STRIPE_KEY="sk_test_bench_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
STRIPE_WEBHOOK_SECRET="whsec_bench_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  pg_stop bench
}
trap cleanup EXIT

command -v npm >/dev/null || apt_install nodejs npm
pg_install_if_missing

echo "Building (Release)..."
for project in src/Fundraising.Web/Fundraising.Web.csproj src/Fundraising.FakeStripe/Fundraising.FakeStripe.csproj load/Fundraising.Load/Fundraising.Load.csproj load/Fundraising.Load.Baseline/Fundraising.Load.Baseline.csproj; do
  dotnet build "$project" -c Release -nologo -v quiet -clp:ErrorsOnly
done
LOAD=(dotnet load/Fundraising.Load/bin/Release/net10.0/Fundraising.Load.dll)

echo "Starting PostgreSQL on 127.0.0.1:$PORT_DB (fresh)..."
pg_stop bench
rm -rf .data/pg-bench
pg_start bench "$PORT_DB"
for db in platform noboards boards baseline capacity card; do pg_create_database bench "$PORT_DB" "$db"; done
# A write-heavy server's usual setting: room for a whole run's WAL, so that no checkpoint (and the burst of
# full-page writes after it) lands in the middle of one run and not another. Same server for every run.
PGPASSWORD="$(cat .data/pg-bench/password)" "$(pg_bin)/psql" -q -h 127.0.0.1 -p "$PORT_DB" -U postgres -d postgres \
  -c "ALTER SYSTEM SET max_wal_size = '16GB'" -c "ALTER SYSTEM SET checkpoint_timeout = '1h'" -c "SELECT pg_reload_conf()" >/dev/null
PG_PID=$(head -n 1 .data/pg-bench/data/postmaster.pid)
# db_connection DATABASE POOL_SIZE
db_connection() { echo "${PG_CONNECTION/Database=postgres/Database=$1};Maximum Pool Size=$2"; }

wait_healthy() { # URL PID LOG
  for _ in $(seq 1 180); do
    if curl -fsS "$1/healthz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then echo "Server for $1 exited; see $3"; tail -n 30 "$3"; exit 1; fi
    sleep 1
  done
  echo "Server for $1 not healthy after 180 s; see $3"; exit 1
}

# start_platform NAME URL SILO_PORT GATEWAY_PORT DATABASE: the real web app with its co-hosted silo.
# Rate limits off: the generator is thousands of donors on one address (127.0.0.1); see load/README.md.
start_platform() {
  local log="$RESULTS/logs/$1.log"
  ASPNETCORE_ENVIRONMENT=Benchmark RateLimits__Enabled=false \
  ConnectionStrings__Fundraising="$(db_connection "$5" 100)" \
  Admin__ApiKey="$ADMIN_KEY" Receipts__TokenSecret="$RECEIPT_TOKEN_SECRET" Donors__AddressKey="$DONOR_ADDRESS_KEY" \
  Orleans__ClusterId="bench-$1" Orleans__SiloPort="$3" Orleans__GatewayPort="$4" \
  dotnet src/Fundraising.Web/bin/Release/net10.0/Fundraising.Web.dll --urls "$2" --contentRoot "$PWD/src/Fundraising.Web" >"$log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_healthy "$2" "$STARTED_PID" "$log"
}

# start_comparison MODE URL. The naive server gets 16 connections: with 100 it was clearly slower (more
# waiters on the hot row's lock), 8 to 32 were alike. The platform keeps Npgsql's default 100 (one in use per campaign).
start_comparison() {
  local log="$RESULTS/logs/$1.log"
  Baseline__Mode="$1" Admin__ApiKey="$ADMIN_KEY" ConnectionStrings__Baseline="$(db_connection baseline 16)" \
  dotnet load/Fundraising.Load.Baseline/bin/Release/net10.0/Fundraising.Load.Baseline.dll --urls "$2" >"$log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_healthy "$2" "$STARTED_PID" "$log"
}

# start_fake_stripe URL WEBHOOK_URL: our fake Stripe, its webhooks signed for and sent to the card platform. 64 deliveries
# in flight (the fake's default is 16, which held the webhooks back more than the platform did).
start_fake_stripe() {
  local log="$RESULTS/logs/fake-stripe.log"
  FakeStripe__ApiKey="$STRIPE_KEY" FakeStripe__Webhooks__Secret="$STRIPE_WEBHOOK_SECRET" FakeStripe__Webhooks__Url="$2" \
  FakeStripe__Webhooks__MaxConcurrency=64 FakeStripe__PublicBaseUrl="$1" Logging__LogLevel__Default=Warning \
  dotnet src/Fundraising.FakeStripe/bin/Release/net10.0/Fundraising.FakeStripe.dll --urls "$1" >"$log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_healthy "$1/_fake" "$STARTED_PID" "$log"
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

{
  echo "date (UTC):     $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "nproc:          $(nproc)"
  echo "memory:         $(free -h | awk '/^Mem:/ {print $2 " total, " $7 " available"}')"
  echo "CPU model:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel:         $(uname -sr)"
  echo "dotnet:         $(dotnet --version)"
  echo "PostgreSQL:     $("$(pg_bin)/postgres" --version) (fsync on, synchronous_commit on, shared_buffers 256MB, max_wal_size 16GB, checkpoint_timeout 1h)"
  echo "settings:       duration ${DURATION}s (+${WARMUP}s warm-up), shorter runs ${SHORT}s, $WORKERS donors, 10% retries, $WATCHERS watchers, $SPREAD spread campaigns, $CAPACITY capacity campaigns"
  echo "opening:        ${DURATION}s (+${WARMUP}s warm-up), $BOARD_WATCHERS board watchers, $OPENING_CAMPAIGNS campaigns, $OPENING_DONORS to $OPENING_MAX_DONORS verified donors ($OPENING_FAST fast), pool opens ${OPENING_AFTER}s into the window, budget for ${OPENING_DRAIN}s at the hot platform rate (or the donors' pace if lower), 1:1, max 5,000 fen a gift, 10,000 fen a donor a day"
  echo "card:           ${SHORT}s (+${WARMUP}s warm-up), $CARD_WORKERS donors (none starts while > $CARD_BACKLOG webhook events wait), 10% declined, 10% creates retried, webhooks 20% duplicated, reordered within 200 ms and dropped at rate ${CARD_DROP_RATE} (settled by the reconcile job after the run), 64 deliveries in flight"
  echo "load average:   $(cut -d' ' -f1-3 /proc/loadavg) (before the run)"
  echo "busiest other processes before the run (ps, %CPU since each started):"
  ps -eo pcpu,rss,comm --sort=-pcpu | head -n 8 | sed 's/^/  /'
} > "$RESULTS/machine.txt"

echo "Starting the platform, the naive baseline and the ceiling server..."
start_platform platform "$PLATFORM" 55461 55462 platform; PLATFORM_PID=$STARTED_PID
start_comparison naive "$NAIVE"; NAIVE_PID=$STARTED_PID
start_comparison ceiling "$CEILING"; CEILING_PID=$STARTED_PID

FAILED=()
run() { # NAME URL SERVER_PID extra args...
  local name="$1" url="$2" pid="$3"; shift 3
  echo; echo "=== $name"
  if ! "${LOAD[@]}" run --name "$name" --target "$url" --admin-key "$ADMIN_KEY" --server-pid "$pid" --postgres-pid "$PG_PID" \
      --workers "$WORKERS" --warmup "$WARMUP" --retry-share 0.1 --out "$RESULTS/$name.json" "$@" 2> >(tee "$RESULTS/logs/$name-generator.log" >&2); then
    FAILED+=("$name")
  fi
}

if [ "$OPENING_ONLY" = false ]; then
  run ceiling "$CEILING" "$CEILING_PID" --scenario burst --duration "$DURATION"
  run baseline "$NAIVE" "$NAIVE_PID" --scenario burst --duration "$DURATION"
fi
run platform "$PLATFORM" "$PLATFORM_PID" --scenario burst --duration "$DURATION"
if [ "$HOT_ONLY" = false ] && [ "$OPENING_ONLY" = false ] && [ -f "$RESULTS/platform.json" ]; then
  run platform-half "$PLATFORM" "$PLATFORM_PID" --scenario burst --duration "$SHORT" --rate-from "$RESULTS/platform.json" --rate-factor 0.5
fi
if [ "$HOT_ONLY" = false ] && [ "$OPENING_ONLY" = false ]; then
  run watchers "$PLATFORM" "$PLATFORM_PID" --scenario burst --duration "$SHORT" --watchers "$WATCHERS"
  run spread "$PLATFORM" "$PLATFORM_PID" --scenario spread --duration "$SHORT" --campaigns "$SPREAD" --zipf 1.0
fi
# The opening: the naive baseline and the platform with the same generator settings (donors, pool budget sized from the
# hot platform row), then the platform paced at half its own opening rate. Each run verifies its donors through the
# server's routes before its window and waits (under a minute, idle) for the whole minute its pool opens on.
if [ "$HOT_ONLY" = false ] && [ -f "$RESULTS/platform.json" ]; then
  HOT_RATE=$(grep -m1 -o '"donationsPerSecond": *[0-9.]*' "$RESULTS/platform.json" | grep -o '[0-9.]*$')
  DONORS=$(awk -v r="$HOT_RATE" -v d="$OPENING_DONORS" -v m="$OPENING_MAX_DONORS" 'BEGIN { n = int(r * 25); n = (n > m ? m : n); print (n > d ? n : d) }')
  # The budget lasts OPENING_DRAIN s at the rate the platform can be offered: its hot rate, or the donors' pace if lower.
  POOL_RATE=$(awk -v r="$HOT_RATE" -v n="$DONORS" 'BEGIN { p = n / 20; print int(r < p ? r : p) }')
  opening() { # NAME URL PID extra args...
    local name="$1" url="$2" pid="$3"; shift 3
    run "$name" "$url" "$pid" --scenario opening --duration "$DURATION" --campaigns "$OPENING_CAMPAIGNS" --donors "$DONORS" \
      --fast-donors "$OPENING_FAST" --opens-after "$OPENING_AFTER" --pool-rate "$POOL_RATE" --pool-drain "$OPENING_DRAIN" "$@"
  }
  opening opening-baseline "$NAIVE" "$NAIVE_PID"
  NOBOARDS=http://127.0.0.1:55465
  Leaderboards__Enabled=false start_platform noboards "$NOBOARDS" 55466 55467 noboards; NOBOARDS_PID=$STARTED_PID
  opening opening-noboards "$NOBOARDS" "$NOBOARDS_PID"
  stop_pid "$NOBOARDS_PID"
  # With boards, on a fresh process and database too, so that the two rows differ only in the boards.
  BOARDS=http://127.0.0.1:55468
  start_platform boards "$BOARDS" 55463 55464 boards; BOARDS_PID=$STARTED_PID
  opening opening "$BOARDS" "$BOARDS_PID" --board-watchers "$BOARD_WATCHERS"
  stop_pid "$BOARDS_PID"
  if [ -f "$RESULTS/opening.json" ]; then
    opening opening-half "$PLATFORM" "$PLATFORM_PID" --rate-from "$RESULTS/opening.json" --rate-factor 0.5
  fi
fi
stop_pid "$PLATFORM_PID"; stop_pid "$NAIVE_PID"; stop_pid "$CEILING_PID"

# The card path: a second platform process with Stripe enabled (no sandbox for donors), on its own database, talking
# to the fake Stripe through Stripe.net; the fake's webhooks come back duplicated, reordered and some dropped (set by the
# generator). The reconciliation job runs only when the generator asks (no timer), and looks at every pending gift at once
# (PendingAfter 0: the donors have stopped by then, so no one is still on a checkout page).
if [ "$HOT_ONLY" = false ] && [ "$OPENING_ONLY" = false ]; then
echo; echo "=== card: the platform with Stripe through the fake Stripe"
start_fake_stripe "$STRIPE" "$CARD/api/payments/stripe/webhook"; STRIPE_PID=$STARTED_PID
Payments__Stripe__Enabled=true Payments__Stripe__SecretKey="$STRIPE_KEY" Payments__Stripe__WebhookSecrets="$STRIPE_WEBHOOK_SECRET" \
Payments__Stripe__ApiBase="$STRIPE" Payments__Stripe__PublicBaseUrl="$CARD" \
Payments__Stripe__Reconciliation__Enabled=false Payments__Stripe__Reconciliation__PendingAfter=00:00:00 \
  start_platform card "$CARD" 55491 55492 card; CARD_PID=$STARTED_PID
if ! "${LOAD[@]}" run --scenario card --name card --target "$CARD" --admin-key "$ADMIN_KEY" --stripe "$STRIPE" --stripe-key "$STRIPE_KEY" \
    --server-pid "$CARD_PID" --postgres-pid "$PG_PID" --stripe-pid "$STRIPE_PID" --workers "$CARD_WORKERS" --max-backlog "$CARD_BACKLOG" --warmup "$WARMUP" --duration "$SHORT" --settle-timeout 180 \
    --decline-share 0.1 --retry-share 0.1 --duplicate-rate 0.2 --reorder-ms 200 --drop-rate "$CARD_DROP_RATE" --reconcile-timeout 180 --out "$RESULTS/card.json" 2> >(tee "$RESULTS/logs/card-generator.log" >&2); then
  FAILED+=(card)
fi
stop_pid "$CARD_PID"; stop_pid "$STRIPE_PID"
fi

if [ "$SKIP_CAPACITY" = false ]; then
  echo; echo "=== capacity: $CAPACITY campaigns in one silo"
  start_platform capacity-create "$CAPACITY_URL" 55481 55482 capacity
  "${LOAD[@]}" create-campaigns --target "$CAPACITY_URL" --admin-key "$ADMIN_KEY" --count "$CAPACITY" --ids-file "$RESULTS/logs/capacity-ids.txt" \
    2> >(tee "$RESULTS/logs/capacity-create-generator.log" >&2)
  stop_pid "$STARTED_PID"
  # A fresh process, so that every campaign is activated by the reads that follow (none is left over from creation).
  start_platform capacity "$CAPACITY_URL" 55481 55482 capacity
  if ! "${LOAD[@]}" capacity --target "$CAPACITY_URL" --admin-key "$ADMIN_KEY" --ids-file "$RESULTS/logs/capacity-ids.txt" \
      --server-pid "$STARTED_PID" --out "$RESULTS/capacity.json" 2> >(tee "$RESULTS/logs/capacity-generator.log" >&2); then
    FAILED+=(capacity)
  fi
  stop_pid "$STARTED_PID"
  rm -f "$RESULTS/logs/capacity-ids.txt"
fi

# Servers log every campaign they create: keep the end of each log (where failures show), not megabytes.
for log in "$RESULTS"/logs/*.log; do
  if [ "$(wc -c <"$log")" -gt 200000 ]; then
    { echo "[first $(( $(wc -l <"$log") - 400 )) lines cut]"; tail -n 400 "$log"; } >"$log.tail" && mv "$log.tail" "$log"
  fi
done

echo
"${LOAD[@]}" report --results "$RESULTS" | tee "$RESULTS/table.txt"
CARD_TABLE="$("${LOAD[@]}" card-report --results "$RESULTS")"
if [ -n "$CARD_TABLE" ]; then
  echo "$CARD_TABLE" | tee -a "$RESULTS/table.txt"
  printf '\n## Card path (Stripe through the fake)\n\n%s\n' "$CARD_TABLE" >> "$RESULTS/summary.md"
fi
echo "Results: $RESULTS (summary.md, chart.svg, raw JSON)"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "FAILED (did not reconcile or did not complete): ${FAILED[*]}"
  exit 1
fi
