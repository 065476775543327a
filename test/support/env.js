// Where the end-to-end network lives; shared by global setup/teardown and the suites.
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
// WAYBILL_E2E_PROFILE=amb (test/jest.amb.config.js sets it): the suites run against the
// AMB-shaped network (Fabric 2.2 peers, gateways on the fabric-network adapter) in its own folder.
const profile = process.env.WAYBILL_E2E_PROFILE || 'standard';
const dir = process.env.WAYBILL_E2E_DIR || path.join(root, '.network', profile === 'amb' ? 'test-amb' : 'test');

/**
 * On the AMB-shaped network, throws unless the committed chaincode is the package built for 2.2
 * peers (`waybill_node22_…`): checked after global setup and again before teardown, so a suite
 * that redeployed another package (a chaincode server) cannot pass the run off as the 2.2 build's.
 */
function expectAmbPackage(when) {
  if (profile !== 'amb') return;
  const file = path.join(dir, 'chaincode', 'deployed.json');
  const state = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
  if (!String(state.packageId).startsWith('waybill_node22_')) {
    throw new Error(`${when}: the AMB-shaped network runs ${state.packageId} (${state.mode}), not the fabric-2.2 package`);
  }
}

module.exports = {
  root,
  expectAmbPackage,
  profile,
  dir,
  basePort: process.env.WAYBILL_E2E_BASE_PORT || '27000',
  cli: path.join(root, 'infra', 'dist', 'cli.js'),
  // How the run deploys the chaincode (global setup, and a suite that runs `stack up` again): the
  // AMB-shaped network as AWS Managed Blockchain's 2.2 peers run it, the package built for them
  // (Node 12, node_modules bundled), built and run by the peers; the standard one as a service.
  chaincodeArgs: profile === 'amb' ? ['--mode', 'package', '--target', 'fabric-2.2'] : ['--mode', 'ccaas'],
};
