#!/usr/bin/env bash
# The platform as production runs it, on loopback: 3 silos (Fundraising.Silo), 2 web front ends as Orleans clients
# (Fundraising.Web, Orleans:Mode=Client), PostgreSQL, and nginx in front on http://127.0.0.1:5080 (WebSocket upgrade,
# sticky sessions for SignalR, only ready front ends in its upstream). Same demo data, secrets and flags as up.sh;
# deploy/local/down.sh stops it all.
#   --detach     return once the cluster is healthy (it keeps running)
#   --sandbox    no card provider: the sandbox confirm endpoint stands in for payments
#   --restart silo-N|web-N   on a running cluster: stop that process gracefully (SIGTERM; it may already be gone, after a
#                kill -9 say) and start it again with the same settings, back once it is healthy (the chaos runs use it)
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/postgres.sh
source deploy/local/common.sh

PORT_DB=55432
URL=http://127.0.0.1:5080
STRIPE_URL=http://127.0.0.1:12111
SILOS=3
FRONT_ENDS=2
DIR=.data/cluster
RESTART=""
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --restart) RESTART="$2"; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
local_flags "${ARGS[@]+"${ARGS[@]}"}"
# A restart keeps the card mode the cluster was started with.
[ -n "$RESTART" ] && [ -f "$DIR/stripe" ] && STRIPE=$(cat "$DIR/stripe")
# The ports of silo i (1-based) and front end j: silo-to-silo 11110+i, gateway 30000+i-1, the silo's probes 8080+i,
# front end 5080+j.
silo_port() { echo $((11110 + $1)); }
health_port() { echo $((8080 + $1)); }
gateway_port() { echo $((29999 + $1)); }
web_port() { echo $((5080 + $1)); }

command -v npm >/dev/null || apt_install nodejs npm
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "Installing nginx (Debian package 'nginx')..."; apt_install nginx; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
pg_install_if_missing
pg_start local "$PORT_DB"
pg_create_database local "$PORT_DB" fundraising

mkdir -p "$DIR"
local_secrets .data/local/web.env
if [ -z "$RESTART" ]; then
  build_release src/Fundraising.Silo/Fundraising.Silo.csproj src/Fundraising.Web/Fundraising.Web.csproj src/Fundraising.FakeStripe/Fundraising.FakeStripe.csproj
  echo "$STRIPE" > "$DIR/stripe"
fi

if [ "$STRIPE" = true ]; then
  if [ -z "$RESTART" ]; then
    start_fake_stripe "$STRIPE_URL" "$URL/api/payments/stripe/webhook" "$DIR/fake-stripe.log" "$DIR/fake-stripe.pid"
  else
    stripe_settings "$STRIPE_URL"
  fi
  export Payments__Stripe__PublicBaseUrl="$URL"
fi

# What every process of the cluster is given; the environment's own settings (RateLimits__Enabled=false, say) pass
# through to each of them.
export ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development
export ConnectionStrings__Fundraising="${PG_CONNECTION/Database=postgres/Database=fundraising}"
export Orleans__ClusterId=fundraising-local Orleans__ServiceId=fundraising
export Admin__ApiKey="$ADMIN_KEY" Receipts__TokenSecret="$RECEIPT_TOKEN_SECRET" Donors__AddressKey="$DONOR_ADDRESS_KEY"
# Failure detection for a giving day (README, "The loopback cluster"): each silo probes others every ProbeTimeout and
# suspects one after NumMissedProbesLimit missed probes; NumVotesForDeathDeclaration suspicions (within
# DeathVoteExpirationTimeout) declare it dead, so a killed silo is out of the cluster about 2 x 2 s after it died and
# its grains come back elsewhere. A call already sent to it gets no answer: it fails after Messaging:ResponseTimeout
# and the front end retries it (GrainRetry) on the new activation. Clients re-read the gateway list every
# Gateway:GatewayListRefreshPeriod (a dead gateway's connection fails at once and is skipped anyway).
export Orleans__Membership__ProbeTimeout=00:00:02 Orleans__Membership__NumMissedProbesLimit=2
export Orleans__Membership__NumVotesForDeathDeclaration=2 Orleans__Membership__DeathVoteExpirationTimeout=00:00:30
export Orleans__Membership__IAmAliveTablePublishTimeout=00:00:10 Orleans__Membership__TableRefreshTimeout=00:00:10
export Orleans__Messaging__ResponseTimeout=00:00:05 Orleans__Gateway__GatewayListRefreshPeriod=00:00:10
# Every log line with its time (the chaos runs line logs up with faults).
export Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff "
# The front ends see donors through nginx: the address nginx puts in X-Forwarded-For is the donor's (rate limits).
export ForwardedHeaders__KnownProxies=127.0.0.1

# start_silo I: silo I in the background, its pid in $DIR/silo-I.pid, its log appended to $DIR/silo-I.log.
start_silo() {
  Orleans__SiloPort=$(silo_port "$1") Orleans__GatewayPort=$(gateway_port "$1") Health__Port=$(health_port "$1") \
    dotnet src/Fundraising.Silo/bin/Release/net10.0/Fundraising.Silo.dll >> "$DIR/silo-$1.log" 2>&1 &
  echo $! > "$DIR/silo-$1.pid"
}
# start_web J: front end J, an Orleans client that finds the silos' gateways in the membership table. The first seeds the
# demo giving day (at its first start); seeding twice at once is not something a second front end needs to do.
start_web() {
  Orleans__Mode=Client Demo__Seed=$([ "$1" = 1 ] && echo true || echo false) \
    dotnet src/Fundraising.Web/bin/Release/net10.0/Fundraising.Web.dll --urls "http://127.0.0.1:$(web_port "$1")" \
    --contentRoot "$PWD/src/Fundraising.Web" >> "$DIR/web-$1.log" 2>&1 &
  echo $! > "$DIR/web-$1.pid"
}
# wait_silo I: until silo I is ready (an active member of the cluster, its database answering) on its probes' port.
wait_silo() {
  wait_healthy "http://127.0.0.1:$(health_port "$1")/health/ready" "$(cat "$DIR/silo-$1.pid")" "$DIR/silo-$1.log" 180
}
# stop_gracefully PIDFILE: SIGTERM and wait (a silo finishes its commits and hands its grains over), SIGKILL after 60 s.
stop_gracefully() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  echo "process $pid did not stop within 60 s; killing it"; kill -9 "$pid" 2>/dev/null || true
}

if [ -n "$RESTART" ]; then
  case "$RESTART" in
    silo-[0-9]*) n=${RESTART#silo-}; stop_gracefully "$DIR/silo-$n.pid"; echo "=== start $(date -u +%T)" >> "$DIR/silo-$n.log"
                 start_silo "$n"; wait_silo "$n" ;;
    web-[0-9]*)  n=${RESTART#web-}; stop_gracefully "$DIR/web-$n.pid"; echo "=== start $(date -u +%T)" >> "$DIR/web-$n.log"
                 start_web "$n"; wait_healthy "http://127.0.0.1:$(web_port "$n")/health/ready" "$(cat "$DIR/web-$n.pid")" "$DIR/web-$n.log" 180 ;;
    *) echo "--restart takes silo-N or web-N"; exit 2 ;;
  esac
  echo "$RESTART restarted (pid $(cat "$DIR/$RESTART.pid"))"
  exit 0
fi

# The silos first: they migrate the database (under an advisory lock) and form the cluster.
for i in $(seq 1 "$SILOS"); do echo "=== start $(date -u +%T)" > "$DIR/silo-$i.log"; start_silo "$i"; done
for j in $(seq 1 "$FRONT_ENDS"); do echo "=== start $(date -u +%T)" > "$DIR/web-$j.log"; start_web "$j"; done
for j in $(seq 1 "$FRONT_ENDS"); do
  wait_healthy "http://127.0.0.1:$(web_port "$j")/health/ready" "$(cat "$DIR/web-$j.pid")" "$DIR/web-$j.log" 180
done

# nginx: consistent hashing on a cookie it hands out itself (open-source nginx has no sticky directive), so a browser's
# SignalR negotiate and its WebSocket reach the same front end; a front end that fails is skipped for 5 s and a request
# not yet sent goes to the other. A POST already sent is passed on to the other front end only where it is idempotent
# (non_idempotent): a gift (its Idempotency-Key) and the sandbox's confirmation of one; every other POST is sent once and
# its donor or admin retries. A front end that is killed is thus invisible to donors giving: what was in flight on it
# is sent again to the other one, which answers the same key with the same gift.
NGINX_DIR="$PWD/$DIR/nginx"
mkdir -p "$NGINX_DIR/tmp"
# This cluster's own logs of the load balancer (each run's start is a fresh cluster).
: > "$NGINX_DIR/error.log"; : > "$DIR/readiness.log"
write_nginx_conf() { # the upstream lists the front ends given as arguments (ports); none ready: all of them
  local servers="" port
  for port in "$@"; do servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'; done
  cat > "$NGINX_DIR/nginx.conf" <<CONF
# Written by deploy/local/cluster.sh; rewritten when a front end's readiness changes.
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  client_max_body_size 12m;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  map \$cookie_fundraising_lb \$lb_key { '' \$request_id; default \$cookie_fundraising_lb; }
  map \$cookie_fundraising_lb \$lb_cookie { '' "fundraising_lb=\$request_id; Path=/; HttpOnly; SameSite=Lax"; default ''; }
  upstream front_ends {
    hash \$lb_key consistent;
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:5080;
    location / {
      proxy_pass http://front_ends;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_read_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout http_502 http_503;
      add_header Set-Cookie \$lb_cookie always;
    }
    location ~ ^/api/(campaigns/[0-9a-fA-F-]+/donations|payments/sandbox/campaigns/[0-9a-fA-F-]+/donations/[0-9a-fA-F-]+/confirm)\$ {
      proxy_pass http://front_ends;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header Connection '';
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502 non_idempotent;
      proxy_next_upstream_tries 2;
      add_header Set-Cookie \$lb_cookie always;
    }
  }
}
CONF
}
ALL_PORTS=()
for j in $(seq 1 "$FRONT_ENDS"); do ALL_PORTS+=("$(web_port "$j")"); done
write_nginx_conf "${ALL_PORTS[@]}"
"$NGINX" -t -q -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" 2>>"$NGINX_DIR/error.log" || { cat "$NGINX_DIR/error.log"; exit 1; }
"$NGINX" -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" </dev/null >/dev/null 2>>"$NGINX_DIR/error.log"

# The load balancer follows readiness: open-source nginx has no active health checks, so this loop asks each front
# end's readiness every 2 s and, when the set of ready ones changes, rewrites the upstream and reloads nginx (which
# keeps serving the connections it has). A front end that refuses connections (killed, or not yet listening) stays in
# the upstream: nginx skips it at once by itself (a refused connection is passed to the other, POSTs too), whereas a
# reload closes every idle connection from donors and some of them fail with it. Only a front end that answers and is
# not ready (no gateway, say), or does not answer within 2 s, twice in a row, is taken out.
READY_PATH=/health/ready
(
  trap 'exit 0' TERM
  last="${ALL_PORTS[*]}"
  declare -A unready=()
  while true; do
    ready=()
    for port in "${ALL_PORTS[@]}"; do
      code=0; curl -fsS -m 2 "http://127.0.0.1:$port$READY_PATH" >/dev/null 2>&1 || code=$?
      if [ "$code" = 0 ] || [ "$code" = 7 ]; then unready[$port]=0; else unready[$port]=$(( ${unready[$port]:-0} + 1 )); fi
      # Out only after two answers in a row (4 s): one slow answer while the cluster fails over is not worth a reload.
      [ "${unready[$port]}" -lt 2 ] && ready+=("$port")
    done
    [ ${#ready[@]} -gt 0 ] || ready=("${ALL_PORTS[@]}")
    if [ "${ready[*]}" != "$last" ]; then
      write_nginx_conf "${ready[@]}"
      "$NGINX" -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" -s reload 2>>"$NGINX_DIR/error.log" || true
      echo "$(date -u +%T) ready front ends: ${ready[*]}" >> "$DIR/readiness.log"
      last="${ready[*]}"
    fi
    sleep 2
  done
) </dev/null >/dev/null 2>&1 &
echo $! > "$DIR/readiness.pid"

wait_healthy "$URL/healthz" "$(cat "$NGINX_DIR/nginx.pid")" "$NGINX_DIR/error.log" 30
create_first_admin "$URL" "$DIR/web-1.log"
print_run "$URL" "$STRIPE" "$STRIPE_URL" "$DIR/"
echo "  Cluster: $SILOS silos (gateways $(gateway_port 1)-$(gateway_port "$SILOS"), probes on 127.0.0.1:$(health_port 1)-$(health_port "$SILOS")), $FRONT_ENDS front ends (127.0.0.1:$(web_port 1)-$(web_port "$FRONT_ENDS")), nginx on $URL"

if [ "$DETACH" = true ]; then exit 0; fi
trap 'deploy/local/down.sh; exit 0' INT TERM
while kill -0 "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null; do sleep 2; done
