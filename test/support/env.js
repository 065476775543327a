// Where the end-to-end network lives; shared by global setup/teardown and the suites.
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
module.exports = {
  root,
  dir: process.env.WAYBILL_E2E_DIR || path.join(root, '.network', 'test'),
  basePort: process.env.WAYBILL_E2E_BASE_PORT || '27000',
  cli: path.join(root, 'infra', 'dist', 'cli.js'),
};
