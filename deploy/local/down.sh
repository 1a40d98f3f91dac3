#!/usr/bin/env bash
# Stops what deploy/local/up.sh started: the web app and fake Stripe (if detached) and the local PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/postgres.sh
if [ -f .data/local/web.pid ]; then
  kill "$(cat .data/local/web.pid)" 2>/dev/null || true
  rm -f .data/local/web.pid
fi
if [ -f .data/local/fake-stripe.pid ]; then
  kill "$(cat .data/local/fake-stripe.pid)" 2>/dev/null || true
  rm -f .data/local/fake-stripe.pid
fi
pg_stop local
echo "Stopped."
