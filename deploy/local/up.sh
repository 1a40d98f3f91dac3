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

PORT_DB=55432
URL=http://127.0.0.1:5080
DETACH=false
STRIPE=true
for arg in "$@"; do
  case "$arg" in
    --detach) DETACH=true ;;
    --sandbox) STRIPE=false ;;
    *) echo "unknown option: $arg"; exit 2 ;;
  esac
done
STRIPE_URL=http://127.0.0.1:12111

command -v npm >/dev/null || apt_install nodejs npm
pg_install_if_missing
pg_start local "$PORT_DB"
pg_create_database local "$PORT_DB" fundraising

mkdir -p .data/local
ENV_FILE=.data/local/web.env
# Secrets of this local run: generated once, kept out of git with the rest of .data/.
touch "$ENV_FILE"; chmod 600 "$ENV_FILE"
random_token() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }
grep -q '^ADMIN_KEY=' "$ENV_FILE" || echo "ADMIN_KEY=$(random_token)" >> "$ENV_FILE"
grep -q '^STRIPE_SECRET_KEY=' "$ENV_FILE" || echo "STRIPE_SECRET_KEY=sk_test_local_$(random_token)" >> "$ENV_FILE"
grep -q '^STRIPE_WEBHOOK_SECRET=' "$ENV_FILE" || echo "STRIPE_WEBHOOK_SECRET=whsec_local_$(random_token)" >> "$ENV_FILE"
grep -q '^ADMIN_PASSWORD=' "$ENV_FILE" || echo "ADMIN_PASSWORD=$(random_token)" >> "$ENV_FILE"
grep -q '^MONTHLY_GIFT_TOKEN_SECRET=' "$ENV_FILE" || echo "MONTHLY_GIFT_TOKEN_SECRET=$(random_token)$(random_token)" >> "$ENV_FILE"
grep -q '^RECEIPT_TOKEN_SECRET=' "$ENV_FILE" || echo "RECEIPT_TOKEN_SECRET=$(random_token)$(random_token)" >> "$ENV_FILE"
grep -q '^DONOR_ADDRESS_KEY=' "$ENV_FILE" || echo "DONOR_ADDRESS_KEY=$(random_token)$(random_token)" >> "$ENV_FILE"
source "$ENV_FILE"

echo "Building..."
dotnet build src/Fundraising.Web/Fundraising.Web.csproj -c Release -nologo -v quiet >/dev/null
dotnet build src/Fundraising.FakeStripe/Fundraising.FakeStripe.csproj -c Release -nologo -v quiet >/dev/null

STRIPE_PID=""
if [ "$STRIPE" = true ]; then
  FakeStripe__ApiKey="$STRIPE_SECRET_KEY" FakeStripe__Webhooks__Secret="$STRIPE_WEBHOOK_SECRET" \
  FakeStripe__Webhooks__Url="$URL/api/payments/stripe/webhook" FakeStripe__PublicBaseUrl="$STRIPE_URL" \
    dotnet src/Fundraising.FakeStripe/bin/Release/net10.0/Fundraising.FakeStripe.dll --urls "$STRIPE_URL" \
    > .data/local/fake-stripe.log 2>&1 &
  STRIPE_PID=$!
  echo "$STRIPE_PID" > .data/local/fake-stripe.pid
  export Payments__Stripe__Enabled=true
  export Payments__Stripe__SecretKey="$STRIPE_SECRET_KEY"
  export Payments__Stripe__WebhookSecrets="$STRIPE_WEBHOOK_SECRET"
  export Payments__Stripe__ApiBase="$STRIPE_URL"
  export Payments__Stripe__PublicBaseUrl="$URL"
  export MonthlyGiving__TokenSecret="$MONTHLY_GIFT_TOKEN_SECRET"
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

for _ in $(seq 1 120); do
  if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$WEB_PID" 2>/dev/null; then echo "The web app exited; see .data/local/web.log"; tail -n 30 .data/local/web.log; exit 1; fi
  sleep 1
done
curl -fsS "$URL/healthz" >/dev/null || { echo "Not healthy after 120 s; see .data/local/web.log"; exit 1; }

# The first staff account, made with the bootstrap key as any first account is: 201 the first time, 409 on later
# runs against the same database (its password is the one kept in $ENV_FILE).
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$URL/api/admin/accounts" -H "Authorization: Bearer $ADMIN_KEY" \
  -H 'Content-Type: application/json' \
  -d "{\"userName\":\"admin\",\"displayName\":\"本地管理员 Local admin\",\"password\":\"$ADMIN_PASSWORD\",\"role\":\"admin\"}")
case "$status" in
  201|409) ;;
  *) echo "Could not create the first admin account (HTTP $status); see .data/local/web.log"; exit 1 ;;
esac

cat <<INFO

Fundraising is up: $URL
  Admin key of this local run: $ADMIN_KEY
  Admin sign-in of this local run: admin / $ADMIN_PASSWORD   ($URL/admin/)
  Card payments: $( [ "$STRIPE" = true ] && echo "local fake Stripe at $STRIPE_URL (logs: .data/local/fake-stripe.log)" || echo "sandbox (no card provider)")
  (admin requests:  curl -H "Authorization: Bearer $ADMIN_KEY" $URL/api/admin/reconciliation)
  Logs: .data/local/web.log     Stop the database: deploy/local/down.sh
INFO

if [ "$DETACH" = true ]; then exit 0; fi
trap 'kill "$WEB_PID" $STRIPE_PID 2>/dev/null; wait "$WEB_PID" 2>/dev/null; exit 0' INT TERM
wait "$WEB_PID"
