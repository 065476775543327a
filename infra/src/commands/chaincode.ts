import { Option, type Command } from 'commander';
import { WaybillError } from '../common/errors';
import { deployChaincode } from '../lifecycle/deploy';
import { runDevLoop } from '../lifecycle/dev';
import { DEPLOY_MODES, type DeployMode } from '../lifecycle/package';
import { openNetwork, say } from './network';
import { networkOptions } from './options';

export function parseMode(v: string): DeployMode {
  if (!(DEPLOY_MODES as readonly string[]).includes(v)) {
    throw new WaybillError(`--mode must be one of ${DEPLOY_MODES.join(', ')}, not "${v}"`);
  }
  return v as DeployMode;
}

export function registerChaincodeCommands(program: Command): void {
  const cc = program.command('chaincode').description('the waybill chaincode lifecycle');

  networkOptions(cc.command('deploy').description('package, install, approve, commit, and wait until it answers'))
    .addOption(
      new Option('--mode <mode>', 'ccaas (chaincode server run by waybill) or package (built by the peer)')
        .choices([...DEPLOY_MODES])
        .default('ccaas')
        .env('WAYBILL_CHAINCODE_MODE'),
    )
    .action(async (flags: { mode: string; dir?: string; basePort?: number; topology?: string }) => {
      const mode = parseMode(flags.mode);
      const r = await deployChaincode(openNetwork(flags), mode, say);
      say(
        `${r.changed ? 'deployed' : 'up to date:'} waybill ${r.version} sequence ${r.sequence} (${r.mode}) in ${r.seconds.toFixed(1)}s`,
      );
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });

  networkOptions(
    cc.command('dev').description('rebuild and restart the chaincode server on every change (no lifecycle round)'),
  ).action(async (flags: { dir?: string; basePort?: number; topology?: string }) => {
    await runDevLoop(openNetwork(flags), say);
  });
}
