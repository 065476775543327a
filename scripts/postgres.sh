#!/usr/bin/env bash
# A throw-away PostgreSQL server for the test run: `start` prints the URL to use, `stop DIR` ends
# it and deletes its data. Loopback only, trust authentication, its own port (WAYBILL_TEST_PG_PORT,
# default 27500). Uses Debian's postgresql package; installs it when missing and we are root.
set -euo pipefail

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

as_pg() {
  # The server refuses to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if ! bin="$(pg_bin)"; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "[waybill] installing PostgreSQL (Debian package postgresql)" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      fi
      bin="$(pg_bin)" || { echo "waybill: PostgreSQL server binaries (initdb) not found: apt-get install postgresql" >&2; exit 1; }
    fi
    port="${WAYBILL_TEST_PG_PORT:-27500}"
    dir="$(mktemp -d /tmp/waybill-pg-XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # The port may be taken (another run's server on this machine): try the next ones.
    for _ in $(seq 1 20); do
      if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null 2>&1; then
        started=1
        break
      fi
      grep -q "Address already in use" "$dir/server.log" || break
      port=$((port + 1))
    done
    [ "${started:-0}" = 1 ] || { tail -20 "$dir/server.log" >&2; exit 1; }
    echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir="${2:?usage: postgres.sh stop DIR}"
    bin="$(pg_bin)"
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: postgres.sh start | stop DIR" >&2
    exit 2
    ;;
esac
