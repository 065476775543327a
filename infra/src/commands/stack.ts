import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type * as Deploy from '../lifecycle/deploy';
import { DEPLOY_MODES, type ChaincodeTarget, type DeployMode } from '../lifecycle/package';
import { PROJECT_ROOT } from '../local/context';
import { startApis, stopApis } from '../local/apis';
import { targetOption } from './chaincode';
import { formatStatus } from './network';
import { networkOptions, openNetwork, printProgress } from './options';

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('the whole stack: network, chaincode, one gateway API per organisation');

  networkOptions(stack.command('up').description('bring everything up (idempotent) and print the endpoints'))
    .addOption(new Option('--mode <mode>', 'chaincode deploy mode').choices([...DEPLOY_MODES]).default('ccaas').env('WAYBILL_CHAINCODE_MODE'))
    .addOption(targetOption())
    .action(async (flags: { mode: string; target: string; dir?: string; basePort?: number; topology?: string }) => {
      const t0 = Date.now();
      const net = openNetwork(flags);
      const up = await net.up();
      if (up.started.length === 0) printProgress('network already running');
      // The lifecycle (Fabric protobufs) loads when used, not for every `waybill` start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { deployChaincode } = require('../lifecycle/deploy') as typeof Deploy;
      const r = await deployChaincode(net, flags.mode as DeployMode, printProgress, flags.target as ChaincodeTarget);
      printProgress(`chaincode ${r.changed ? 'deployed' : 'up to date'} (sequence ${r.sequence}, ${r.mode}, ${r.target})`);
      const apis = existsSync(path.join(PROJECT_ROOT, 'gateway-api', 'dist', 'main.js')) ? await startApis(net, printProgress) : [];
      process.stdout.write(`${formatStatus(await net.status())}\n`);
      if (apis.length) {
        process.stdout.write('\nGateway APIs (API keys in the files shown; send them as X-API-Key):\n');
        for (const a of apis) process.stdout.write(`  ${a.org.padEnd(13)} ${a.url}  docs ${a.url}/docs  keys ${a.keysFile}\n`);
        process.stdout.write('\nWeb consoles (sign in with one of the organisation’s API keys):\n');
        for (const a of apis) process.stdout.write(`  ${a.org.padEnd(13)} ${a.url}/console/\n`);
      }
      printProgress(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s; stop it with \`npm run waybill -- stack down\``);
    });

  networkOptions(stack.command('down').description('stop the gateway APIs, the chaincode server and the network')).action(
    async (flags: { dir?: string; basePort?: number; topology?: string }) => {
      const net = openNetwork(flags);
      await stopApis(net);
      const stopped = await net.down();
      printProgress(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    },
  );
}
