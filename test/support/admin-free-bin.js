// A FABRIC_BIN for the end-to-end run that holds no admin tool: orderer, configtxgen and
// fabric-ca-server as they are, and a `peer` that runs only as a node (`peer node start`, and
// `peer version` for the version check). Any other use of `peer` — the admin CLI — is written to
// `refused.log` and fails, and there is no osnadmin or fabric-ca-client at all: the suites show
// that every waybill command runs without them.
const { mkdirSync, rmSync, symlinkSync, writeFileSync, existsSync } = require('node:fs');
const path = require('node:path');
const { root } = require('./env');

function adminFreeBin(dir) {
  const { ensureBinaries } = require(path.join(root, 'infra', 'dist', 'local', 'binaries.js'));
  return ensureBinaries(root, () => undefined).then((real) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const name of ['orderer', 'configtxgen', 'fabric-ca-server']) symlinkSync(path.join(real, name), path.join(dir, name));
    const log = path.join(dir, 'refused.log');
    writeFileSync(
      path.join(dir, 'peer'),
      [
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        'if [[ "${1:-}" == node && "${2:-}" == start ]] || [[ "${1:-}" == version && $# -eq 1 ]]; then',
        `  exec ${JSON.stringify(path.join(real, 'peer'))} "$@"`,
        'fi',
        `printf '%s\\n' "peer $*" >>${JSON.stringify(log)}`,
        'echo "the peer admin CLI is not available in this test" >&2',
        'exit 97',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return { dir, log };
  });
}

/** What the admin-free bin saw refused (empty when no command used an admin tool). */
function refusedCalls(dir) {
  const log = path.join(dir, 'refused.log');
  return existsSync(log) ? require('node:fs').readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
}

module.exports = { adminFreeBin, refusedCalls };
