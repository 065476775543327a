#!/usr/bin/env bash
# Builds what `waybill chaincode package --target fabric-2.2` packs: the contract compiled for
# Node 12 against fabric-contract-api 2.2 (chaincode/fabric-2.2/dist) and its production
# dependencies installed by Node 12's npm from the committed lockfile, once per lockfile, under
# .tools/fabric-2.2-bundle/<lock sha256>/node_modules. Prints that node_modules folder.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node
ensure_fabric22_deps
dir="$WAYBILL_ROOT/chaincode/fabric-2.2"
rm -rf "$dir/dist"
"$WAYBILL_ROOT/node_modules/.bin/tsc" -p "$dir" >&2 || die "the chaincode does not compile for Node 12 and fabric-contract-api 2.2"
lock="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
bundle="$WAYBILL_ROOT/.tools/fabric-2.2-bundle/$lock"
if [ ! -f "$bundle/.complete" ]; then
  log "installing the production dependencies of the Fabric 2.2 build with npm $WAYBILL_NPM12_VERSION"
  rm -rf "$bundle" && mkdir -p "$bundle"
  cp "$dir/package.json" "$dir/package-lock.json" "$bundle/"
  (cd "$bundle" && PATH="$(dirname "$WAYBILL_NODE12"):$PATH" "$WAYBILL_NODE12" "$WAYBILL_NPM12" ci --production \
    --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || die "npm ci --production for the Fabric 2.2 build failed"
  touch "$bundle/.complete"
fi
printf '%s\n' "$bundle/node_modules"
