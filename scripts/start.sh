#!/usr/bin/env bash
# npm start: install what is missing (Node 24, npm packages, Fabric binaries), bring up the local
# network, deploy the chaincode, start one gateway API per organisation, print the endpoints.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_all
cd "$WAYBILL_ROOT"
exec node infra/dist/cli.js stack up "$@"
