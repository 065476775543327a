#!/usr/bin/env bash
# The chaincode built for Fabric 2.2 peers (chaincode/fabric-2.2: ES2019, fabric-contract-api
# 2.2), and its unit tests run by Jest 27 under Node 12, the Node of AWS Managed Blockchain's
# peers. Fails loudly when Node 12 cannot be provisioned. Arguments go to Jest.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node
ensure_fabric22_deps
dir="$WAYBILL_ROOT/chaincode/fabric-2.2"
rm -rf "$dir/dist"
"$WAYBILL_ROOT/node_modules/.bin/tsc" -p "$dir" || die "the chaincode does not compile for Node 12 and fabric-contract-api 2.2"
"$WAYBILL_ROOT/node_modules/.bin/tsc" -p "$dir/tsconfig.test.json" || die "the chaincode's tests do not compile to ES2019"
cd "$dir"
PATH="$(dirname "$WAYBILL_NODE12"):$PATH"
log "unit tests of the Fabric 2.2 build under Node $(node --version)"
node node_modules/jest/bin/jest.js --ci "$@"
