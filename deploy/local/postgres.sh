#!/usr/bin/env bash
# A private PostgreSQL server for local runs and tests: data under the repository's .data/ folder
# (ignored by git), listening on 127.0.0.1 only, password authentication.
# Usage (sourced):  pg_install_if_missing; pg_start NAME PORT; pg_stop NAME
# After pg_start, PG_CONNECTION holds an Npgsql connection string for the "postgres" database.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_ROOT="$REPO_ROOT/.data"

apt_install() {
  # Installing under a running server breaks it until restart: callers install before they start. Another install
  # running at the same time (a test run's chromium, say) holds dpkg's lock: wait for it rather than fail.
  local wait=(-o DPkg::Lock::Timeout=600)
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -q "$@" >/dev/null
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" update -q >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -q "$@" >/dev/null
  fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && echo "$dir"
}

pg_install_if_missing() {
  if [ -z "$(pg_bin)" ]; then
    echo "Installing the PostgreSQL server (Debian package 'postgresql')..."
    apt_install postgresql
  fi
}

# Runs a command as the server's owner: the postgres user when we are root (PostgreSQL refuses root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# As root the server runs as the postgres user, which must be able to reach the data folder. When the
# checkout sits under a folder it cannot enter (a private temporary folder, say), the data goes to a
# folder of its own under /tmp, named after the checkout.
pg_data_root() {
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$REPO_ROOT" 2>/dev/null; then
    echo "/tmp/fundraising-pg-$(echo "$REPO_ROOT" | md5sum | cut -c1-12)"
  else
    echo "$DATA_ROOT"
  fi
}

pg_start() {
  local name="$1" port="$2"
  local dir
  dir="$(pg_data_root)/pg-$name"
  local bin
  bin="$(pg_bin)"
  mkdir -p "$dir"
  if [ ! -f "$dir/password" ]; then
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/password"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    mkdir -p "$dir/data"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
    chmod 700 "$dir/data"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/password" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" || return 1
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
CONF
  fi
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # The port is given at every start, not only at initdb, so a data folder can move to another port.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null || return 1
  fi
  PG_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Password=$(cat "$dir/password");Database=postgres"
  export PG_CONNECTION
}

pg_stop() {
  local name="$1" dir
  dir="$(pg_data_root)/pg-$1"
  local bin
  bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# Creates a database if it does not exist yet.
pg_create_database() {
  local name="$1" port="$2" database="$3" bin
  bin="$(pg_bin)"
  export PGPASSWORD
  PGPASSWORD="$(cat "$(pg_data_root)/pg-$name/password")"
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" postgres | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  fi
  unset PGPASSWORD
}
