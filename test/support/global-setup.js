// Starts a fresh stack for the end-to-end suites: network, chaincode and one gateway API
// per organisation. Any failure fails the whole run loudly: no suite runs without the real network.
const { execFileSync } = require('node:child_process');
const { dir, basePort, cli, root, profile, chaincodeArgs, expectAmbPackage } = require('./env');
const { adminFreeBin } = require('./admin-free-bin');

module.exports = async function globalSetup() {
  // Every waybill command of the run (here and in the suites, which inherit the environment)
  // gets binaries without the admin tools; network.e2e.ts checks that none was called.
  process.env.FABRIC_BIN = (await adminFreeBin(`${dir}.bin`)).dir;
  const run = (...args) =>
    execFileSync(process.execPath, [cli, ...args, '--dir', dir, '--base-port', basePort], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 30 * 60 * 1000,
    });
  // The gateways of the run: the tests' webhook receivers listen on loopback, which gateways refuse
  // unless allowed; short request deadlines let the abuse suite watch them close slow clients.
  Object.assign(process.env, {
    WAYBILL_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
    WAYBILL_REQUEST_TIMEOUT_MS: '4000',
    WAYBILL_HEADERS_TIMEOUT_MS: '3000',
    WAYBILL_IDLE_TIMEOUT_MS: '5000',
  });
  if (process.env.WAYBILL_E2E_REUSE !== '1') run('network', 'clean');
  run('stack', 'up', ...chaincodeArgs, '--profile', profile);
  expectAmbPackage('after stack up');
};
