#!/bin/bash
# Starts one of the image's two programs from its own folder (its content root, where its appsettings.json is), or
# asks one of them whether it is healthy (the image has no curl: compose healthchecks use this).
#   entrypoint.sh web  [ARGS...]   the web front end (HTTP API, SignalR hub, pages) on ASPNETCORE_HTTP_PORTS
#   entrypoint.sh silo [ARGS...]   a standalone Orleans silo (its health endpoints on Health:Port, 8081)
#   entrypoint.sh probe PORT PATH  exit 0 when GET http://127.0.0.1:PORT/PATH answers 200, else 1
# `exec` makes the program replace this shell, so SIGTERM from `docker stop` or Kubernetes reaches it and the silo
# shuts down gracefully (it leaves the cluster and hands its grains over) within the host's shutdown timeout.
set -euo pipefail
program="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$program" in
  web)  cd /app/web  && exec dotnet Fundraising.Web.dll "$@" ;;
  silo) cd /app/silo && exec dotnet Fundraising.Silo.dll "$@" ;;
  probe)
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
    read -r -t 5 _ status _ <&3
    [ "$status" = 200 ] ;;
  *) echo "usage: entrypoint.sh web|silo [arguments] | probe PORT PATH" >&2; exit 2 ;;
esac
