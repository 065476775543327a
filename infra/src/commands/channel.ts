import { Option, type Command } from 'commander';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WaybillError } from '../common/errors';
import type * as ChannelAdmin from '../fabric/channel-admin';
import { adminIdentity, orgOf } from '../local/endpoints';
import type { LocalNetwork } from '../local/network';
import type { Org } from '../local/topology';
import { openNetwork, say } from './network';
import { networkOptions } from './options';

// Fabric protobufs load when a channel command runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const admin = (): typeof ChannelAdmin => require('../fabric/channel-admin') as typeof ChannelAdmin;

interface OrgFlags {
  dir?: string;
  basePort?: number;
  topology?: string;
  org: string;
}

function orgCommand(cmd: Command): Command {
  return networkOptions(cmd).addOption(
    new Option('--org <name>', "organisation acting (name or MSP ID); only its admin's key is used").env('WAYBILL_ORG').makeOptionMandatory(),
  );
}

function actor(f: OrgFlags): { net: LocalNetwork; org: Org } {
  const net = openNetwork(f);
  return { net, org: orgOf(net, f.org) };
}

function print(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

export function registerChannelCommands(program: Command): void {
  const channel = program.command('channel').description('channel administration: configuration, updates signed one organisation at a time');
  const config = channel.command('config').description('the channel configuration');

  orgCommand(config.command('show').description('the current channel configuration as JSON (fetched from an orderer)')).action(async (f: OrgFlags) => {
    const { net, org } = actor(f);
    const a = admin();
    print(a.configToJson(await a.currentConfig(net, adminIdentity(net, org))));
  });

  const update = channel.command('update').description('compute a configuration update into a file for admins to sign');
  orgCommand(update.command('crl').description("put the organisation's CRL (its MSP crls/ folder) into its channel MSP"))
    .addOption(new Option('--out <file>', 'where to write the update (to sign and submit)').makeOptionMandatory())
    .addOption(new Option('--sign', "sign it at once as the organisation's admin"))
    .action(async (f: OrgFlags & { out: string; sign?: boolean }) => {
      const { net, org } = actor(f);
      const crlDir = path.join(net.layout.orgMsp(org), 'crls');
      const crls = existsSync(crlDir) ? readdirSync(crlDir).sort().map((n) => readFileSync(path.join(crlDir, n))) : [];
      if (!crls.length) throw new WaybillError(`${crlDir} holds no CRL: revoke an identity first (waybill identity revoke)`);
      const a = admin();
      const id = adminIdentity(net, org);
      const env = await a.updateOrgMsp(net, id, org, (m) => m.setRevocationListList(crls));
      if (f.sign) await a.signUpdate(id, env);
      writeFileSync(f.out, env.serializeBinary(), { mode: 0o600 });
      print(await a.updateStatus(net, id, env));
    });

  orgCommand(channel.command('sign').description("add the organisation admin's signature to an update file"))
    .argument('<file>', 'configuration update (from `waybill channel update …`)')
    .action(async (file: string, f: OrgFlags) => {
      const { net, org } = actor(f);
      const a = admin();
      const env = a.readUpdate(readFileSync(file));
      const id = adminIdentity(net, org);
      await a.signUpdate(id, env);
      writeFileSync(file, env.serializeBinary(), { mode: 0o600 });
      say(`${org.name} signed ${file}`);
      print(await a.updateStatus(net, id, env));
    });

  orgCommand(channel.command('submit').description('send a signed update to the ordering service; refused with the missing signers named'))
    .argument('<file>', 'configuration update')
    .action(async (file: string, f: OrgFlags) => {
      const { net, org } = actor(f);
      const a = admin();
      const env = a.readUpdate(readFileSync(file));
      const id = adminIdentity(net, org);
      const status = await a.updateStatus(net, id, env);
      if (status.missing.length) {
        throw new WaybillError(
          `not enough signatures (signed by ${status.signedBy.join(', ') || 'nobody'}): ${status.missing.map((m) => `${m.element} needs ${m.missing} (${m.policy})`).join('; ')}`,
        );
      }
      const sequence = await a.submitUpdate(net, id, env);
      // The update is in effect once the organisation's own peer has the new configuration.
      for (let i = 0; i < 100 && !(await a.peerHasConfig(net, id, org, sequence)); i++) await sleep(200);
      say(`configuration update committed (config sequence ${sequence})`);
      print({ sequence, signedBy: status.signedBy });
    });
}
