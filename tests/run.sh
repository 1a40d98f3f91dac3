#!/usr/bin/env bash
# Runs every test on a fresh Debian/Ubuntu machine with the .NET 10 SDK: installs what is missing
# (PostgreSQL server, Chromium, a CJK font), starts a throw-away PostgreSQL on 127.0.0.1, builds,
# runs each test project and the load smoke test, and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source deploy/local/postgres.sh
set +e

PORT_DB=${FUNDRAISING_TEST_PG_PORT:-55433}
RESULTS=.data/test-results
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

missing=()
[ -z "$(pg_bin)" ] && missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
[ "$(fc-list 2>/dev/null | grep -ci "wenquanyi\|noto sans cjk")" -gt 0 ] || missing+=(fonts-wqy-zenhei)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  apt_install "${missing[@]}" || { echo "0 passed, 1 failed"; exit 1; }
fi

# A fresh server per run: tests create their own databases in it.
pg_stop test
rm -rf "$(pg_data_root)/pg-test"
pg_start test "$PORT_DB" || { echo "PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1; }
trap 'pg_stop test' EXIT
export FUNDRAISING_TEST_PG="$PG_CONNECTION"
export FUNDRAISING_CHROMIUM="$(command -v chromium)"

echo "Building..."
if ! dotnet build Fundraising.sln -nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

# run_tests PROJECT NAME [FILTER]: one test run, its results in $RESULTS/NAME.trx; prints only what matters.
run_tests() {
  local project="$1" name="$2" filter="${3:-}"
  echo "== $name"
  dotnet test "$project" --no-build -nologo -v quiet ${filter:+--filter "$filter"} \
    --logger "trx;LogFileName=$PWD/$RESULTS/$name.trx" --logger "console;verbosity=normal" \
    2>&1 | grep -E "^\s*(Passed|Failed|Skipped) |Error Message|Assert|Exception|^\s+at Fundraising|Total tests|Passed!|Failed!" | grep -v "^\s*Passed " || true
  [ -f "$RESULTS/$name.trx" ] || { echo "$name produced no results"; return 1; }
}

# Two lanes side by side: the web tests in process, and everything else (the other projects and the web tests
# about separate processes: clusters and silo kills, which spend most of their time waiting for failure
# detection). Each lane runs its tests one class at a time; the lanes share the PostgreSQL server (a database
# per class) and nothing else. The in-process lane's output is printed after the other's.
WEB=tests/Fundraising.Web.Tests/Fundraising.Web.Tests.csproj
PROCESS_TESTS="FullyQualifiedName~Fundraising.Web.Tests.Cluster"
IN_PROCESS_TESTS="FullyQualifiedName!~Fundraising.Web.Tests.Cluster"
( run_tests "$WEB" Fundraising.Web.Tests "$IN_PROCESS_TESTS" > "$RESULTS/lane-web.log" 2>&1; echo $? > "$RESULTS/lane-web.status" ) &
WEB_LANE=$!
status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  if [ "$project" = "$WEB" ]; then
    run_tests "$project" "$name.Processes" "$PROCESS_TESTS" || status=1
  else
    run_tests "$project" "$name" || status=1
  fi
done
wait "$WEB_LANE"
cat "$RESULTS/lane-web.log"
[ "$(cat "$RESULTS/lane-web.status" 2>/dev/null)" = 0 ] || status=1

passed=0; failed=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(echo "$counters" | grep -o 'passed="[0-9]*"' | grep -o '[0-9]*')
  f=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  e=$(echo "$counters" | grep -o ' error="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
