import { Option, type Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { systemdUnits } from '../lifecycle/systemd';
import path from 'node:path';
import { CliError } from '../common/errors';
import { startApis } from '../local/apis';
import { networkOptions, openNetwork, printJson, printProgress, type NetworkFlags } from './options';

/** `--host` is mandatory for the host commands. */
function hostCommand(cmd: Command): Command {
  return networkOptions(cmd).hook('preAction', (c) => {
    if (!(c.opts<NetworkFlags>().host ?? '')) throw new CliError('--host NAME (or WAYBILL_HOST) is required: which host of the topology this is');
  });
}

export function registerHostCommands(program: Command): void {
  const host = program
    .command('host')
    .description('one host of a network spread over several (topology hosts:): its own material, public bundles, systemd units');

  hostCommand(host.command('init').description("start this host's CAs and issue its organisations' identities; keys and CSRs for orderers whose CA is elsewhere")).action(
    async (flags: NetworkFlags) => {
      const net = openNetwork(flags);
      const started = await net.initHost();
      printProgress(`host ${flags.host ?? ''} initialised in ${net.layout.root}${started.length ? ` (started ${started.join(', ')})` : ''}`);
    },
  );

  hostCommand(host.command('export').description("write this host's public bundle (MSPs, CSRs, issued and orderer TLS certificates) to <out>/<host>/"))
    .addOption(new Option('--out <dir>', 'where to write the bundle').makeOptionMandatory())
    .action((flags: NetworkFlags & { out: string }) => {
      const dir = openNetwork(flags).exportHost(flags.out);
      printProgress(`bundle of host ${flags.host ?? ''} in ${dir}`);
      process.stdout.write(`${dir}\n`);
    });

  hostCommand(host.command('import').description("take another host's public bundle (a directory host export wrote)"))
    .addOption(new Option('--from <dir>', "the other host's bundle directory").makeOptionMandatory())
    .action(async (flags: NetworkFlags & { from: string }) => {
      const done = await openNetwork(flags).importHost(flags.from);
      printProgress(done.length ? `imported: ${done.join('; ')}` : 'nothing new in that bundle');
    });

  hostCommand(host.command('systemd').description("write systemd unit files for this host's nodes (CAs, orderers, peers, chaincode servers, APIs) and a target"))
    .addOption(new Option('--out <dir>', 'where to write the units (default: <dir>/systemd)'))
    .addOption(new Option('--package-id <id>', "the chaincode package the servers run (default: this host's last deploy)"))
    .action(async (flags: NetworkFlags & { out?: string; packageId?: string }) => {
      const net = openNetwork(flags);
      const share = net.hostShare();
      const deployed = path.join(net.layout.chaincodeDir, 'deployed.json');
      const packageId =
        flags.packageId ?? (existsSync(deployed) ? (JSON.parse(readFileSync(deployed, 'utf8')) as { packageId?: string }).packageId : undefined);
      const units = systemdUnits(net, share, await net.nodeBinaries(), packageId);
      const out = path.resolve(flags.out ?? path.join(net.layout.root, 'systemd'));
      mkdirSync(out, { recursive: true });
      for (const u of units) writeFileSync(path.join(out, u.name), u.text);
      printProgress(`${units.length} unit(s) in ${out}; install: cp ${out}/* /etc/systemd/system/ && systemctl daemon-reload && systemctl enable --now waybill-${flags.host ?? ''}.target`);
      printJson(units.map((u) => path.join(out, u.name)));
    });

  hostCommand(host.command('apis').description("start the gateway APIs of this host's organisations")).action(async (flags: NetworkFlags) => {
    const apis = await startApis(openNetwork(flags), printProgress);
    printJson(apis);
  });
}
