#!/usr/bin/env bash
# Run a command with the project's toolchain: Node >= 22.12 on PATH, dependencies installed,
# TypeScript compiled.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_all
export PATH="$WAYBILL_ROOT/node_modules/.bin:$PATH"
cd "$WAYBILL_ROOT"
exec "$@"
