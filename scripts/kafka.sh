#!/usr/bin/env bash
# The Kafka broker of the integration tests: Apache Kafka (kafka_2.13, pinned in
# test/support/kafka/pom.xml) from Maven Central's artifacts, run as a KRaft single node with the
# machine's Java (17+). `ensure` copies the jars into .tools/kafka/libs when missing or when the pom
# changed (idempotent) and prints that folder; Maven is installed from Debian when missing and we are root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/kafka"
pom="$root/test/support/kafka/pom.xml"

log() { printf '[waybill] %s\n' "$*" >&2; }
die() { printf 'waybill: %s\n' "$*" >&2; exit 1; }

apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || die "$1 is missing: install $*"
  log "installing $* (Debian packages) for the Kafka broker"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

case "${1:-}" in
  ensure)
    command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
    command -v mvn >/dev/null 2>&1 || apt_install maven
    want="$(sha256sum "$pom" | cut -d' ' -f1)"
    stamp="$dir/.waybill-pom"
    if [ ! -d "$dir/libs" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
      log "fetching the Kafka broker's jars (pinned, $pom) into $dir/libs"
      rm -rf "$dir" && mkdir -p "$dir"
      mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$dir/libs" >&2 || die "maven could not fetch the Kafka broker's jars ($pom)"
      printf '%s' "$want" >"$stamp"
    fi
    echo "$dir/libs"
    ;;
  *)
    echo "usage: kafka.sh ensure" >&2
    exit 2
    ;;
esac
