#!/usr/bin/env bash
# One `opening` row with boards, like run-benchmark.sh's, on a fresh PG + platform. Usage: opening-once.sh WORKTREE OUTDIR [env...]
set -uo pipefail
WT="$1"; OUT="$2"; shift 2
cd "$WT"; source deploy/local/postgres.sh; mkdir -p "$OUT"
PORT=55531; URL=http://127.0.0.1:55532
pg_stop once; rm -rf .data/pg-once; pg_start once $PORT || exit 1
printf "max_wal_size = '16GB'\ncheckpoint_timeout = '1h'\n" >> .data/pg-once/data/postgresql.conf
pg_stop once; pg_start once $PORT || exit 1
pg_create_database once $PORT platform
PG_PID=$(head -n 1 .data/pg-once/data/postmaster.pid)
KEY="once-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
env "$@" ASPNETCORE_ENVIRONMENT=Benchmark RateLimits__Enabled=false \
  ConnectionStrings__Fundraising="${PG_CONNECTION/Database=postgres/Database=platform};Maximum Pool Size=100" \
  Admin__ApiKey="$KEY" Receipts__TokenSecret="once-receipts-0123456789abcdef0123456789abcdef" Donors__AddressKey="once-donors-0123456789abcdef0123456789abcdef" \
  Orleans__ClusterId=once Orleans__SiloPort=55533 Orleans__GatewayPort=55534 \
  dotnet src/Fundraising.Web/bin/Release/net10.0/Fundraising.Web.dll --urls "$URL" --contentRoot "$PWD/src/Fundraising.Web" > "$OUT/platform.log" 2>&1 &
SRV=$!
for _ in $(seq 1 120); do curl -fsS "$URL/healthz" >/dev/null 2>&1 && break; sleep 1; done
dotnet load/Fundraising.Load/bin/Release/net10.0/Fundraising.Load.dll run --name once --target "$URL" --admin-key "$KEY" --server-pid $SRV --postgres-pid $PG_PID \
  --workers 256 --warmup 30 --retry-share 0.1 --out "$OUT/opening.json" --scenario opening --duration 60 --campaigns 200 --donors ${DONORS:-68615} \
  --fast-donors 50 --opens-after 20 --pool-rate ${POOL_RATE:-2745} --pool-drain 20 --board-watchers ${BOARDS:-1000} 2> "$OUT/generator.log"
kill $SRV; wait $SRV 2>/dev/null; pg_stop once
grep "before the opening\|CPU generator" "$OUT/generator.log" | tail -2
