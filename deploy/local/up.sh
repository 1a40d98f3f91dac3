#!/usr/bin/env bash
# Brings the platform up locally on a fresh Debian/Ubuntu machine with the .NET 10 SDK:
# installs PostgreSQL if missing, starts a private server under .data/, builds, seeds a demo
# giving day and serves http://127.0.0.1:5080. Ctrl-C stops the web app; deploy/local/down.sh
# stops the database.  --detach: return once the platform is healthy (it keeps running).
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/postgres.sh

PORT_DB=55432
URL=http://127.0.0.1:5080
DETACH=false
[ "${1:-}" = "--detach" ] && DETACH=true

command -v npm >/dev/null || apt_install nodejs npm
pg_install_if_missing
pg_start local "$PORT_DB"
pg_create_database local "$PORT_DB" fundraising

mkdir -p .data/local
ENV_FILE=.data/local/web.env
if [ ! -f "$ENV_FILE" ]; then
  # The admin key of this local run: generated once, kept out of git with the rest of .data/.
  echo "ADMIN_KEY=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$ENV_FILE"
  chmod 600 "$ENV_FILE"
fi
source "$ENV_FILE"

echo "Building..."
dotnet build src/Fundraising.Web/Fundraising.Web.csproj -c Release -nologo -v quiet >/dev/null

export ASPNETCORE_ENVIRONMENT=Development
export ConnectionStrings__Fundraising="${PG_CONNECTION/Database=postgres/Database=fundraising}"
export Admin__ApiKey="$ADMIN_KEY"
export Demo__Seed=true
dotnet src/Fundraising.Web/bin/Release/net10.0/Fundraising.Web.dll --urls "$URL" --contentRoot "$PWD/src/Fundraising.Web" \
  > .data/local/web.log 2>&1 &
WEB_PID=$!
echo "$WEB_PID" > .data/local/web.pid

for _ in $(seq 1 120); do
  if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$WEB_PID" 2>/dev/null; then echo "The web app exited; see .data/local/web.log"; tail -n 30 .data/local/web.log; exit 1; fi
  sleep 1
done
curl -fsS "$URL/healthz" >/dev/null || { echo "Not healthy after 120 s; see .data/local/web.log"; exit 1; }

cat <<INFO

Fundraising is up: $URL
  Admin key of this local run: $ADMIN_KEY
  (admin requests:  curl -H "Authorization: Bearer $ADMIN_KEY" $URL/api/admin/reconciliation)
  Logs: .data/local/web.log     Stop the database: deploy/local/down.sh
INFO

if [ "$DETACH" = true ]; then exit 0; fi
trap 'kill "$WEB_PID" 2>/dev/null; wait "$WEB_PID" 2>/dev/null; exit 0' INT TERM
wait "$WEB_PID"
