import { Option, type Command } from 'commander';
import { parsePort } from '../common/flags';
import { PROFILES } from '../local/topology';

/** Flags every network-aware command shares, each with its environment fallback. */
export function networkOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dir <path>', 'runtime directory of the network').env('WAYBILL_NETWORK_DIR'))
    .addOption(new Option('--base-port <port>', 'first port of the network').env('WAYBILL_BASE_PORT').argParser(parsePort))
    .addOption(new Option('--topology <file>', 'topology file').env('WAYBILL_TOPOLOGY'))
    .addOption(
      new Option('--profile <profile>', 'network profile: standard (Fabric 2.5) or amb (shaped like AWS Managed Blockchain, Fabric 2.2 peers)')
        .choices([...PROFILES])
        .env('WAYBILL_NETWORK_PROFILE'),
    );
}
