#!/usr/bin/env bash
# What up.sh and cluster.sh share (sourced after postgres.sh): this run's secrets, the Release build, the fake Stripe,
# waiting for health, the first admin account and the closing lines that name the admin key.
set -euo pipefail

# local_flags ARGS...: --detach (return once healthy) and --sandbox (no card provider), as DETACH and STRIPE.
local_flags() {
  DETACH=false
  STRIPE=true
  for arg in "$@"; do
    case "$arg" in
      --detach) DETACH=true ;;
      --sandbox) STRIPE=false ;;
      *) echo "unknown option: $arg"; exit 2 ;;
    esac
  done
}

# local_secrets ENV_FILE: this run's secrets, generated once, kept out of git with the rest of .data/, then sourced.
local_secrets() {
  local file="$1"
  mkdir -p "$(dirname "$file")"
  touch "$file"; chmod 600 "$file"
  random_token() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }
  grep -q '^ADMIN_KEY=' "$file" || echo "ADMIN_KEY=$(random_token)" >> "$file"
  grep -q '^STRIPE_SECRET_KEY=' "$file" || echo "STRIPE_SECRET_KEY=sk_test_local_$(random_token)" >> "$file"
  grep -q '^STRIPE_WEBHOOK_SECRET=' "$file" || echo "STRIPE_WEBHOOK_SECRET=whsec_local_$(random_token)" >> "$file"
  grep -q '^ADMIN_PASSWORD=' "$file" || echo "ADMIN_PASSWORD=$(random_token)" >> "$file"
  grep -q '^MONTHLY_GIFT_TOKEN_SECRET=' "$file" || echo "MONTHLY_GIFT_TOKEN_SECRET=$(random_token)$(random_token)" >> "$file"
  grep -q '^RECEIPT_TOKEN_SECRET=' "$file" || echo "RECEIPT_TOKEN_SECRET=$(random_token)$(random_token)" >> "$file"
  grep -q '^DONOR_ADDRESS_KEY=' "$file" || echo "DONOR_ADDRESS_KEY=$(random_token)$(random_token)" >> "$file"
  # shellcheck disable=SC1090
  source "$file"
}

# build_release PROJECT...: Release builds of the programs a run starts.
build_release() {
  echo "Building..."
  for project in "$@"; do
    dotnet build "$project" -c Release -nologo -v quiet >/dev/null
  done
}

# start_fake_stripe PUBLIC_URL WEBHOOK_URL LOG PIDFILE: our fake Stripe for card payments, and the web app's settings
# that point at it (exported). Sets STRIPE_PID.
start_fake_stripe() {
  local url="$1" webhook="$2" log="$3" pidfile="$4"
  FakeStripe__ApiKey="$STRIPE_SECRET_KEY" FakeStripe__Webhooks__Secret="$STRIPE_WEBHOOK_SECRET" \
  FakeStripe__Webhooks__Url="$webhook" FakeStripe__PublicBaseUrl="$url" \
    dotnet src/Fundraising.FakeStripe/bin/Release/net10.0/Fundraising.FakeStripe.dll --urls "$url" > "$log" 2>&1 &
  STRIPE_PID=$!
  echo "$STRIPE_PID" > "$pidfile"
  stripe_settings "$url"
}

# stripe_settings URL: the web app's settings for the fake Stripe at URL (exported).
stripe_settings() {
  local url="$1"
  export Payments__Stripe__Enabled=true
  export Payments__Stripe__SecretKey="$STRIPE_SECRET_KEY"
  export Payments__Stripe__WebhookSecrets="$STRIPE_WEBHOOK_SECRET"
  export Payments__Stripe__ApiBase="$url"
  export MonthlyGiving__TokenSecret="$MONTHLY_GIFT_TOKEN_SECRET"
}

# wait_healthy URL PID LOG [SECONDS]: until URL answers 2xx; fails early when the process exits.
wait_healthy() {
  local url="$1" pid="$2" log="$3" seconds="${4:-120}"
  for _ in $(seq 1 "$seconds"); do
    if curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "The process behind $url exited; see $log"; tail -n 30 "$log"; return 1; fi
    sleep 1
  done
  echo "$url did not answer within $seconds s; see $log"
  return 1
}

# create_first_admin URL LOG: the first staff account, made with the bootstrap key as any first account is: 201 the
# first time, 409 on later runs against the same database (its password is the one kept in the secrets file).
create_first_admin() {
  local url="$1" log="$2" status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$url/api/admin/accounts" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' \
    -d "{\"userName\":\"admin\",\"displayName\":\"本地管理员 Local admin\",\"password\":\"$ADMIN_PASSWORD\",\"role\":\"admin\"}")
  case "$status" in
    201|409) ;;
    *) echo "Could not create the first admin account (HTTP $status); see $log"; return 1 ;;
  esac
}

# print_run URL STRIPE(true|false) STRIPE_URL LOGS: the lines that tell the operator how to use this run.
print_run() {
  local url="$1" stripe="$2" stripe_url="$3" logs="$4"
  cat <<INFO

Fundraising is up: $url
  Admin key of this local run: $ADMIN_KEY
  Admin sign-in of this local run: admin / $ADMIN_PASSWORD   ($url/admin/)
  Card payments: $( [ "$stripe" = true ] && echo "local fake Stripe at $stripe_url" || echo "sandbox (no card provider)")
  (admin requests:  curl -H "Authorization: Bearer $ADMIN_KEY" $url/api/admin/reconciliation)
  Logs: $logs     Stop everything: deploy/local/down.sh
INFO
}
