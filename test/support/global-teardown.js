// Stops the end-to-end network (its runtime directory stays for post-mortem logs).
const { execFileSync } = require('node:child_process');
const { dir, basePort, cli, root, expectAmbPackage } = require('./env');
const { refusedCalls } = require('./admin-free-bin');

module.exports = async function globalTeardown() {
  // Whatever suite ran after network.e2e.ts: no waybill command may have used an admin tool.
  const refused = refusedCalls(`${dir}.bin`);
  expectAmbPackage('at the end of the run');
  if (process.env.WAYBILL_E2E_KEEP === '1') {
    if (refused.length) throw new Error(`admin tools were called during the run: ${refused.join('; ')}`);
    return;
  }
  execFileSync(process.execPath, [cli, 'stack', 'down', '--dir', dir, '--base-port', basePort], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (refused.length) throw new Error(`admin tools were called during the run: ${refused.join('; ')}`);
};
