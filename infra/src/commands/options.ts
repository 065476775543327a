import { Option, type Command } from 'commander';
import { CliError } from '../common/errors';
import { parsePort } from '../common/flags';
import { resolveNetwork, type NetworkOptions } from '../local/context';
import { orgOf } from '../local/endpoints';
import { LocalNetwork } from '../local/network';
import { PROFILES, type Org, type Profile } from '../topology/topology';

/** The flags of {@link networkOptions}. */
export interface NetworkFlags {
  dir?: string;
  basePort?: number;
  topology?: string;
  profile?: Profile;
  failover?: boolean;
  host?: string;
}

/** The flags of {@link orgOptions}. */
export interface OrgFlags extends NetworkFlags {
  org: string;
}

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
    )
    .addOption(new Option('--host <name>', "this machine's host in a topology with hosts: (only its nodes, from only its material)").env('WAYBILL_HOST'));
}

/** `--org` (mandatory, `WAYBILL_ORG`) besides the network flags: whose key acts. */
export function orgOptions(cmd: Command, description = "organisation acting (name or MSP ID); only its admin's key is used"): Command {
  return networkOptions(cmd).addOption(new Option('--org <name>', description).env('WAYBILL_ORG').makeOptionMandatory());
}

/** One line of progress on stderr (stdout stays the command's result). */
export function printProgress(msg: string): void {
  process.stderr.write(`[waybill] ${msg}\n`);
}

/** A command's result on stdout, as indented JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The local network the flags name. */
export function openNetwork(flags: NetworkFlags): LocalNetwork {
  const opts: NetworkOptions = {
    ...(flags.dir ? { dir: flags.dir } : {}),
    ...(flags.basePort ? { basePort: flags.basePort } : {}),
    ...(flags.topology ? { topologyFile: flags.topology } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.failover !== undefined ? { failover: flags.failover } : {}),
    ...(flags.host ? { host: flags.host } : {}),
  };
  return new LocalNetwork(resolveNetwork(opts), printProgress);
}

/** The network and the organisation `--org` names in it. */
export function openOrg(flags: OrgFlags): { net: LocalNetwork; org: Org } {
  const net = openNetwork(flags);
  return { net, org: orgOf(net, flags.org) };
}

/** {@link openOrg} for a command that peers run: the ordering organisation is refused. */
export function openPeerOrg(flags: OrgFlags): { net: LocalNetwork; org: Org } {
  const { net, org } = openOrg(flags);
  if (org.isOrderer) throw new CliError(`${org.name} is the ordering organisation; chaincode is run by peer organisations`);
  return { net, org };
}
