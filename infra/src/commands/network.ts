import { Command, Option } from 'commander';
import { networkOptions, openNetwork, printProgress, type NetworkFlags } from './options';
import { envBool, parsePositiveInt } from '../common/flags';
import type { NetworkStatus } from '../local/network';

export function formatStatus(s: NetworkStatus): string {
  const rows = s.nodes.map((n) =>
    [n.name.padEnd(22), n.kind.padEnd(9), (n.pid ?? '-').toString().padEnd(8), n.endpoint.padEnd(24), n.running ? (n.healthy ? 'healthy' : 'unhealthy') : 'stopped'].join(' '),
  );
  return [
    `network ${s.dir} (base port ${s.basePort}), channel ${s.channel} height ${s.channelHeight ?? 'unknown'}`,
    `${'NODE'.padEnd(22)} ${'KIND'.padEnd(9)} ${'PID'.padEnd(8)} ${'ENDPOINT'.padEnd(24)} STATE`,
    ...rows,
  ].join('\n');
}

export function registerNetworkCommands(program: Command): void {
  const network = program.command('network').description('the local Fabric network (native processes, no Docker)');

  networkOptions(network.command('up').description('start CAs, orderers and peers; create and join the channel'))
    .addOption(new Option('--failover', 'also start the standby Manufacturer peer').env('WAYBILL_FAILOVER'))
    .action(async (flags: NetworkFlags) => {
      const failover = flags.failover ?? envBool('WAYBILL_FAILOVER');
      const net = openNetwork({ ...flags, ...(failover !== undefined ? { failover } : {}) });
      const t0 = Date.now();
      const { started, alreadyRunning } = await net.up();
      if (started.length === 0 && alreadyRunning.length > 0) printProgress(`already running: ${alreadyRunning.join(', ')}`);
      else printProgress(`network up in ${((Date.now() - t0) / 1000).toFixed(1)}s (${started.length} node(s) started)`);
      process.stdout.write(`${formatStatus(await net.status())}\n`);
    });

  networkOptions(network.command('down').description('stop the processes this network started (by PID)')).action(
    async (flags: NetworkFlags) => {
      const stopped = await openNetwork(flags).down();
      printProgress(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    },
  );

  networkOptions(network.command('status').description('each node, its PID, endpoint, health, and the channel height'))
    .option('--json', 'machine-readable output')
    .action(async (flags: NetworkFlags & { json?: boolean }) => {
      const s = await openNetwork(flags).status();
      process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    });

  networkOptions(network.command('logs').description('the last lines of a node log (no node: list the logs)'))
    .argument('[node]', 'node name, e.g. peer0.manufacturer, orderer1, ca.carrier, chaincode, api.retailer')
    .addOption(new Option('-n, --lines <n>', 'how many lines').default(50).env('WAYBILL_LOG_LINES').argParser(parsePositiveInt))
    .action((node: string | undefined, flags: NetworkFlags & { lines: number }) => {
      process.stdout.write(`${openNetwork(flags).logs(node, flags.lines)}\n`);
    });

  networkOptions(network.command('clean').description('stop the network and delete its runtime directory')).action(
    async (flags: NetworkFlags) => {
      const net = openNetwork(flags);
      await net.clean();
      printProgress(`removed ${net.layout.root}`);
    },
  );
}
