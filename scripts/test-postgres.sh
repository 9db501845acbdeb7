#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port for the tests (Debian's `postgresql` package,
# listed in Tests/apt-packages.txt).
#
#   scripts/test-postgres.sh start [--dir DIR] [--port PORT]   initialise (once) and start; prints
#                                                              `export PARLEY_TEST_POSTGRES_URL=...`
#   scripts/test-postgres.sh stop  [--dir DIR]                  stop and delete the cluster
#   scripts/test-postgres.sh kill  [--dir DIR]                  stop at once (pg_ctl -m immediate), keep the data
#   scripts/test-postgres.sh restart [--dir DIR]                start a killed cluster again on the same port
#   scripts/test-postgres.sh url   [--dir DIR]                  print the URL of a started cluster
#
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user (runuser)
# in a directory under /tmp that it owns. Everything listens on 127.0.0.1 only. fsync is off (the
# data is disposable) but commits stay synchronous, so a commit PostgreSQL acknowledged has reached
# the OS and survives `kill` (an immediate shutdown, no OS crash), which the outage test relies on.
set -euo pipefail

# The server outlives this script: close every inherited descriptor beyond stdio first, or the
# server would hold it (Foundation's Process on Linux waits for such a descriptor to close, so a
# test that starts a cluster would never see this script end).
for fd in "/proc/$$/fd"/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

command=${1:-}
shift || true
dir=""
port=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "test-postgres: unknown argument $1" >&2; exit 2 ;;
  esac
done
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$dir" ]; then
  dir="${TMPDIR:-/tmp}/parley-test-postgres-$(id -u)-$(printf '%s' "$repo" | sha256sum | cut -c1-12)"
fi

bindir=""
for candidate in /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then bindir=$candidate; fi  # Debian installs one major version
done
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "test-postgres: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- "$@"; else "$@"; fi
}

user=parley_test
password=parley-test-password

url() {
  echo "postgres://$user:$password@127.0.0.1:$(cat "$dir/port")/parley_test?sslmode=disable"
}

running() {
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start_server() {
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "-p $(cat "$dir/port")" start >/dev/null \
    || { echo "test-postgres: the server did not start; its log:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
}

case "$command" in
  start)
    if [ -f "$dir/port" ] && running; then url | sed 's/^/export PARLEY_TEST_POSTGRES_URL=/'; exit 0; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      if ! as_owner test -x "$(dirname "$dir")"; then
        echo "test-postgres: the postgres user cannot enter $(dirname "$dir"); use --dir under /tmp" >&2
        rm -rf "$dir"
        exit 1
      fi
      if [ "$port" = 0 ]; then
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
      fi
      echo "$port" >"$dir/port"
      printf '%s\n' "$password" >"$dir/pwfile"
      [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
      chmod 700 "$dir"
      as_owner "$bindir/initdb" -D "$dir/data" -U "$user" --pwfile="$dir/pwfile" -A scram-sha-256 --auth-local=trust \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { echo "test-postgres: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
      cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
full_page_writes = off
log_min_messages = warning
CONF
      start_server
      as_owner "$bindir/psql" -h "$dir" -p "$(cat "$dir/port")" -U "$user" -d postgres -qAt \
        -c "CREATE DATABASE parley_test" >/dev/null
    else
      start_server
    fi
    url | sed 's/^/export PARLEY_TEST_POSTGRES_URL=/'
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  kill)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  restart)
    start_server
    ;;
  url)
    running || { echo "test-postgres: no cluster running in $dir" >&2; exit 1; }
    url
    ;;
  *)
    sed -n '2,11p' "$0" >&2
    exit 2
    ;;
esac
