import { Option, type Command } from 'commander';
import { parsePort } from '../common/flags';

/** Flags every network-aware command shares, each with its environment fallback. */
export function networkOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dir <path>', 'runtime directory of the network').env('WAYBILL_NETWORK_DIR'))
    .addOption(new Option('--base-port <port>', 'first port of the network').env('WAYBILL_BASE_PORT').argParser(parsePort))
    .addOption(new Option('--topology <file>', 'topology file').env('WAYBILL_TOPOLOGY'));
}
