#!/usr/bin/env bash
# The AWS control plane of the AMB tests: moto (PyPI) in a virtual environment of its own,
# .tools/moto, with every package pinned in test/support/moto/requirements.txt. `ensure` installs
# it when missing or when the pins changed (idempotent) and prints the environment's python.
# Needs python3 >= 3.9 with venv; installs Debian's python3-venv when missing and we are root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/moto"
req="$root/test/support/moto/requirements.txt"

log() { printf '[waybill] %s\n' "$*" >&2; }
die() { printf 'waybill: %s\n' "$*" >&2; exit 1; }

make_venv() {
  if python3 -m venv "$venv" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing python3-venv (Debian package) for moto"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >&2
    rm -rf "$venv"
    python3 -m venv "$venv" && return 0
  fi
  die "cannot create a Python virtual environment at $venv: install python3 (>= 3.9) with venv"
}

case "${1:-}" in
  ensure)
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    stamp="$venv/.waybill-requirements"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
      log "installing moto (pinned, $req) into $venv"
      rm -rf "$venv"
      make_venv
      # Every package is pinned in the file, so no resolver step may bring in another version.
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req" >&2 \
        || die "pip could not install moto from $req"
      printf '%s' "$want" >"$stamp"
    fi
    echo "$venv/bin/python"
    ;;
  *)
    echo "usage: moto.sh ensure" >&2
    exit 2
    ;;
esac
