#!/usr/bin/env bash
# npm test: lint, unit tests of every package, then the end-to-end suites against a real network
# that they start on their own ports (base 27000) and directory (.network/test) and stop after.
# Ends with one line "N passed, N failed[, N skipped]"; exits non-zero on any failure.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_all
export PATH="$WAYBILL_ROOT/node_modules/.bin:$PATH"
cd "$WAYBILL_ROOT"
results="$WAYBILL_ROOT/.test-results"
rm -rf "$results" && mkdir -p "$results"

status=0
log "lint (eslint, type-checked rules)"
if ! eslint . --max-warnings 0 >"$results/lint.txt" 2>&1; then
  cat "$results/lint.txt" >&2
  echo "lint failed" >"$results/lint.failed"
  status=1
fi

log "PostgreSQL for the storage tests (a throw-away server)"
pg="$(bash scripts/postgres.sh start)" || die "could not start PostgreSQL for the tests"
pg_dir="${pg%% *}"
export WAYBILL_TEST_DATABASE_URL="${pg#* }"
trap 'bash "$WAYBILL_ROOT/scripts/postgres.sh" stop "$pg_dir"' EXIT

log "unit tests"
# NestJS 12 ships ES modules only; the unit run loads them through Jest's VM modules API
# (Node >= 24.9). Only there: with it on, the ts-jest transform of @noble (fabric-gateway's
# ESM-only dependency) that the e2e suites rely on breaks.
NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning ${NODE_OPTIONS:-}" \
  jest --ci --coverage --json --outputFile="$results/unit.json" "$@" || status=1

log "unit tests of the chaincode built for Fabric 2.2 peers, under Node 12"
bash scripts/test-fabric-2.2.sh --json --outputFile="$results/unit-fabric-2.2.json" || status=1

ensure_chromium
ensure_schemathesis
log "end-to-end tests (starts its own Fabric network)"
jest --ci --json --outputFile="$results/e2e.json" -c test/jest.config.js "$@" || status=1
log "end-to-end tests on the AMB-shaped network (Fabric 2.2 peers, the fabric-network adapter)"
jest --ci --json --outputFile="$results/e2e-amb.json" -c test/jest.amb.config.js "$@" || status=1

node scripts/summarise-tests.js "$results" || status=1
exit "$status"
