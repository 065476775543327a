import { Option, type Command } from 'commander';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../common/errors';
import type * as ChannelAdmin from '../local/channel-admin';
import { adminIdentity } from '../local/endpoints';
import { openOrg, type OrgFlags, orgOptions, printJson, printProgress } from './options';

// Fabric protobufs load when a channel command runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const admin = (): typeof ChannelAdmin => require('../local/channel-admin') as typeof ChannelAdmin;

export function registerChannelCommands(program: Command): void {
  const channel = program.command('channel').description('channel administration: configuration, updates signed one organisation at a time');
  const config = channel.command('config').description('the channel configuration');

  orgOptions(config.command('show').description('the current channel configuration as JSON (fetched from an orderer)')).action(async (f: OrgFlags) => {
    const { net, org } = openOrg(f);
    const a = admin();
    printJson(a.configToJson(await a.currentConfig(net, adminIdentity(net, org))));
  });

  const update = channel.command('update').description('compute a configuration update into a file for admins to sign');
  orgOptions(update.command('crl').description("put the organisation's CRL (its MSP crls/ folder) into its channel MSP"))
    .addOption(new Option('--out <file>', 'where to write the update (to sign and submit)').makeOptionMandatory())
    .addOption(new Option('--sign', "sign it at once as the organisation's admin"))
    .action(async (f: OrgFlags & { out: string; sign?: boolean }) => {
      const { net, org } = openOrg(f);
      const crlDir = path.join(net.layout.orgMsp(org), 'crls');
      const crls = existsSync(crlDir) ? readdirSync(crlDir).sort().map((n) => readFileSync(path.join(crlDir, n))) : [];
      if (!crls.length) throw new CliError(`${crlDir} holds no CRL: revoke an identity first (waybill identity revoke)`);
      const a = admin();
      const id = adminIdentity(net, org);
      const env = await a.updateOrgMsp(net, id, org, (m) => m.setRevocationListList(crls));
      if (f.sign) await a.signUpdate(id, env);
      writeFileSync(f.out, env.serializeBinary(), { mode: 0o600 });
      printJson(await a.updateStatus(net, id, env));
    });

  orgOptions(channel.command('sign').description("add the organisation admin's signature to an update file"))
    .argument('<file>', 'configuration update (from `waybill channel update …`)')
    .action(async (file: string, f: OrgFlags) => {
      const { net, org } = openOrg(f);
      const a = admin();
      const env = a.readUpdate(readFileSync(file));
      const id = adminIdentity(net, org);
      await a.signUpdate(id, env);
      writeFileSync(file, env.serializeBinary(), { mode: 0o600 });
      printProgress(`${org.name} signed ${file}`);
      printJson(await a.updateStatus(net, id, env));
    });

  orgOptions(channel.command('submit').description('send a signed update to the ordering service; refused with the missing signers named'))
    .argument('<file>', 'configuration update')
    .action(async (file: string, f: OrgFlags) => {
      const { net, org } = openOrg(f);
      const a = admin();
      const env = a.readUpdate(readFileSync(file));
      const id = adminIdentity(net, org);
      const status = await a.updateStatus(net, id, env);
      if (status.missing.length) {
        throw new CliError(
          `not enough signatures (signed by ${status.signedBy.join(', ') || 'nobody'}): ${status.missing.map((m) => `${m.element} needs ${m.missing} (${m.policy})`).join('; ')}`,
        );
      }
      const sequence = await a.submitUpdate(net, id, env);
      // The update is in effect once the organisation's own peer has the new configuration.
      for (let i = 0; i < 100 && !(await a.peerHasConfig(net, id, org, sequence)); i++) await sleep(200);
      printProgress(`configuration update committed (config sequence ${sequence})`);
      printJson({ sequence, signedBy: status.signedBy });
    });
}
