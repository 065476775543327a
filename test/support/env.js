// Where the end-to-end network lives; shared by global setup/teardown and the suites.
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
// WAYBILL_E2E_PROFILE=amb (test/jest.amb.config.js sets it): the suites run against the
// AMB-shaped network (Fabric 2.2 peers, gateways on the fabric-network adapter) in its own folder.
const profile = process.env.WAYBILL_E2E_PROFILE || 'standard';
module.exports = {
  root,
  profile,
  dir: process.env.WAYBILL_E2E_DIR || path.join(root, '.network', profile === 'amb' ? 'test-amb' : 'test'),
  basePort: process.env.WAYBILL_E2E_BASE_PORT || '27000',
  cli: path.join(root, 'infra', 'dist', 'cli.js'),
};
