#!/usr/bin/env bash
# Brings the platform up locally on a fresh Debian/Ubuntu machine with the .NET 10 SDK:
# installs PostgreSQL if missing, starts a private server under .data/, builds, seeds a demo
# giving day and serves http://127.0.0.1:5080. Card payments go to our local fake Stripe on
# 127.0.0.1:12111 (its checkout page lets you pay, decline or need 3-D Secure). Ctrl-C stops the
# web app and the fake Stripe; deploy/local/down.sh stops the database.
#   --detach     return once the platform is healthy (it keeps running)
#   --sandbox    no card provider: the sandbox confirm endpoint stands in for payments
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/postgres.sh
source deploy/local/common.sh

PORT_DB=55432
URL=http://127.0.0.1:5080
local_flags "$@"
STRIPE_URL=http://127.0.0.1:12111

command -v npm >/dev/null || apt_install nodejs npm
pg_install_if_missing
pg_start local "$PORT_DB"
pg_create_database local "$PORT_DB" fundraising

local_secrets .data/local/web.env
build_release src/Fundraising.Web/Fundraising.Web.csproj src/Fundraising.FakeStripe/Fundraising.FakeStripe.csproj

STRIPE_PID=""
if [ "$STRIPE" = true ]; then
  start_fake_stripe "$STRIPE_URL" "$URL/api/payments/stripe/webhook" .data/local/fake-stripe.log .data/local/fake-stripe.pid
  export Payments__Stripe__PublicBaseUrl="$URL"
fi

export ASPNETCORE_ENVIRONMENT=Development
export ConnectionStrings__Fundraising="${PG_CONNECTION/Database=postgres/Database=fundraising}"
export Admin__ApiKey="$ADMIN_KEY"
export Receipts__TokenSecret="$RECEIPT_TOKEN_SECRET"
# No SMTP host here: donors' verification codes go to the development outbox, $URL/dev/outbox.html.
export Donors__AddressKey="$DONOR_ADDRESS_KEY"
export Demo__Seed=true
dotnet src/Fundraising.Web/bin/Release/net10.0/Fundraising.Web.dll --urls "$URL" --contentRoot "$PWD/src/Fundraising.Web" \
  > .data/local/web.log 2>&1 &
WEB_PID=$!
echo "$WEB_PID" > .data/local/web.pid

wait_healthy "$URL/healthz" "$WEB_PID" .data/local/web.log 120
create_first_admin "$URL" .data/local/web.log
print_run "$URL" "$STRIPE" "$STRIPE_URL" ".data/local/web.log, .data/local/fake-stripe.log"

if [ "$DETACH" = true ]; then exit 0; fi
trap 'kill "$WEB_PID" $STRIPE_PID 2>/dev/null; wait "$WEB_PID" 2>/dev/null; exit 0' INT TERM
wait "$WEB_PID"
