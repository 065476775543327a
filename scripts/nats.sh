#!/usr/bin/env bash
# The NATS server of the integration tests: Debian's nats-server, installed when missing (as root).
# `ensure` prints the binary's path.
set -euo pipefail

die() { printf 'waybill: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  ensure)
    if ! command -v nats-server >/dev/null 2>&1; then
      [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
        || die "nats-server is missing: install Debian's nats-server package"
      printf '[waybill] installing nats-server (Debian package)\n' >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >&2 \
        || die "apt-get could not install nats-server"
    fi
    command -v nats-server
    ;;
  *)
    echo "usage: nats.sh ensure" >&2
    exit 2
    ;;
esac
