import { Option, type Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type * as ChannelAdmin from '../local/channel-admin';
import { adminIdentity, orgOf } from '../local/endpoints';
import { networkOptions, openNetwork } from './options';

// Fabric protobufs load when an org command runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const admin = (): typeof ChannelAdmin => require('../local/channel-admin') as typeof ChannelAdmin;

interface Flags {
  dir?: string;
  basePort?: number;
  topology?: string;
  org: string;
  mspId: string;
  out: string;
  sign?: boolean;
}

function parseAnchor(v: string, prev: { host: string; port: number }[] = []): { host: string; port: number }[] {
  const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m?.[1] || !m[2] || Number(m[2]) > 65535) throw new CliError(`--anchor-peer "${v}" is not host:port`);
  return [...prev, { host: m[1], port: Number(m[2]) }];
}

function common(cmd: Command): Command {
  return networkOptions(cmd)
    .addOption(new Option('--org <name>', 'member organisation computing the update (its admin reads the channel)').env('WAYBILL_ORG').makeOptionMandatory())
    .addOption(new Option('--msp-id <id>', 'MSP ID of the partner organisation').makeOptionMandatory())
    .addOption(new Option('--out <file>', 'where to write the update for the admins to sign').makeOptionMandatory())
    .addOption(new Option('--sign', "sign it at once as --org's admin"));
}

export function registerOrgCommands(program: Command): void {
  const org = program.command('org').description('partner organisations of the channel: onboarding and removal by majority');

  common(org.command('add').description("compute the update that adds a partner from its public MSP folder (CA certificates, Node OUs)"))
    .addOption(new Option('--msp-dir <dir>', "the partner's public MSP folder (cacerts/, tlscacerts/, config.yaml)").makeOptionMandatory())
    .addOption(new Option('--anchor-peer <host:port>', "the partner's anchor peer (repeatable)").argParser(parseAnchor))
    .action(async (f: Flags & { mspDir: string; anchorPeer?: { host: string; port: number }[] }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(f.mspId)) throw new CliError(`--msp-id "${f.mspId}" must be letters, digits, . and -`);
      if (!existsSync(path.join(f.mspDir, 'cacerts'))) throw new CliError(`${f.mspDir} is not an MSP folder (no cacerts/)`);
      const net = openNetwork(f);
      const id = adminIdentity(net, orgOf(net, f.org));
      const a = admin();
      const env = await a.addOrgUpdate(net, id, f.mspId, f.mspDir, f.anchorPeer ?? []);
      if (f.sign) await a.signUpdate(id, env);
      writeFileSync(f.out, env.serializeBinary(), { mode: 0o600 });
      process.stdout.write(`${JSON.stringify(await a.updateStatus(net, id, env), null, 2)}\n`);
    });

  common(org.command('remove').description('compute the update that removes a partner organisation')).action(async (f: Flags) => {
    const net = openNetwork(f);
    const id = adminIdentity(net, orgOf(net, f.org));
    const a = admin();
    const env = await a.removeOrgUpdate(net, id, f.mspId);
    if (f.sign) await a.signUpdate(id, env);
    writeFileSync(f.out, env.serializeBinary(), { mode: 0o600 });
    process.stdout.write(`${JSON.stringify(await a.updateStatus(net, id, env), null, 2)}\n`);
  });
}
