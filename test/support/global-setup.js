// Starts a fresh stack for the end-to-end suites: network, chaincode (ccaas) and one gateway API
// per organisation. Any failure fails the whole run loudly: no suite runs without the real network.
const { execFileSync } = require('node:child_process');
const { dir, basePort, cli, root } = require('./env');

module.exports = async function globalSetup() {
  const run = (...args) =>
    execFileSync(process.execPath, [cli, ...args, '--dir', dir, '--base-port', basePort], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 30 * 60 * 1000,
    });
  if (process.env.WAYBILL_E2E_REUSE !== '1') run('network', 'clean');
  run('stack', 'up', '--mode', 'ccaas');
};
