// Stops the end-to-end network (its runtime directory stays for post-mortem logs).
const { execFileSync } = require('node:child_process');
const { dir, basePort, cli, root } = require('./env');

module.exports = async function globalTeardown() {
  if (process.env.WAYBILL_E2E_KEEP === '1') return;
  execFileSync(process.execPath, [cli, 'stack', 'down', '--dir', dir, '--base-port', basePort], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
};
