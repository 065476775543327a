import { Option, type Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type * as ChannelAdmin from '../local/channel-admin';
import { adminIdentity, orgOf } from '../local/endpoints';
import type * as Admission from '../lifecycle/admission';
import type * as Partner from '../lifecycle/partner';
import { parseUser, partnerSettings } from '../local/partner-spec';
import type { UserSpec } from '../topology/topology';
import { parsePort } from '../common/flags';
import { networkOptions, openNetwork, printJson, printProgress } from './options';

// The partner's runtime and the founders' admission load Fabric protobufs: only when they run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const partner = (): typeof Partner => require('../lifecycle/partner') as typeof Partner;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const admission = (): typeof Admission => require('../lifecycle/admission') as typeof Admission;

/** A partner-side command: it reads and writes only the partner's own data directory. */
function partnerCommand(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dir <path>', "the partner's own data directory (its keys never leave it)").env('WAYBILL_PARTNER_DIR').makeOptionMandatory())
    .addOption(new Option('--base-port <port>', "first of the partner's ports (init; later read from its directory)").argParser(parsePort));
}

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

  partnerCommand(org.command('init').description("partner: start its own CA, enrol its admin, peer and users, export its public MSP folder"))
    .addOption(new Option('--name <name>', 'organisation name').makeOptionMandatory())
    .addOption(new Option('--msp-id <id>', 'its MSP ID').makeOptionMandatory())
    .addOption(new Option('--domain <domain>', 'its domain (default <name>.waybill.local)'))
    .addOption(new Option('--user <id:role>', 'a user with its waybill.role (repeatable; default <name>-user1:carrier and <name>-admin1:admin)').argParser(parseUser))
    .action(async (f: { dir: string; basePort?: number; name: string; mspId: string; domain?: string; user?: UserSpec[] }) => {
      if (f.basePort === undefined) throw new CliError('--base-port is required for org init');
      const settings = partnerSettings({ name: f.name, mspId: f.mspId, basePort: f.basePort, ...(f.domain ? { domain: f.domain } : {}), ...(f.user ? { users: f.user } : {}) });
      printJson(await new (partner().PartnerOrg)(f.dir, settings, printProgress).init());
    });

  partnerCommand(org.command('join').description("partner: start its peer and join it to the channel (public material from the founders only)"))
    .addOption(new Option('--channel <name>', 'the channel').makeOptionMandatory())
    .addOption(new Option('--orderer <host:port>', 'an orderer of the channel').makeOptionMandatory())
    .addOption(new Option('--orderer-tls-ca <file>', "the ordering organisation's TLS root certificate").makeOptionMandatory())
    .addOption(new Option('--chaincode <name>', 'the chaincode the channel runs').default('waybill'))
    .action(async (f: { dir: string; channel: string; orderer: string; ordererTlsCa: string; chaincode: string }) => {
      parseAnchor(f.orderer);
      if (!existsSync(f.ordererTlsCa)) throw new CliError(`--orderer-tls-ca ${f.ordererTlsCa} does not exist`);
      printJson(await partner().PartnerOrg.open(f.dir, printProgress).join({ name: f.channel, orderer: f.orderer, ordererTlsCa: f.ordererTlsCa, chaincode: f.chaincode }));
    });

  partnerCommand(org.command('approve').description('partner: run the chaincode (its own server), install it, approve the committed definition'))
    .action(async (f: { dir: string }) => printJson(await partner().PartnerOrg.open(f.dir, printProgress).approve()));

  partnerCommand(org.command('api').description('partner: write its connection profile and start its gateway API'))
    .action(async (f: { dir: string }) => printJson(await partner().PartnerOrg.open(f.dir, printProgress).api()));

  partnerCommand(org.command('down').description("partner: stop its API, chaincode server, peer and CA"))
    .action(async (f: { dir: string }) => printJson({ stopped: await partner().PartnerOrg.open(f.dir, printProgress).down() }));

  const member = (cmd: Command): Command =>
    networkOptions(cmd)
      .addOption(new Option('--org <name>', 'the member organisation acting (only its admin keys are used)').env('WAYBILL_ORG').makeOptionMandatory())
      .addOption(new Option('--msp-id <id>', 'MSP ID of the partner organisation').makeOptionMandatory());

  member(
    org
      .command('admit')
      .description("member: approve the chaincode definition that includes the partner (committed at a majority) and the governance record that lists it"),
  ).action(async (f: { org: string; mspId: string; dir?: string; basePort?: number; topology?: string }) => {
    printJson(await admission().admitOrRetire(openNetwork(f), f.org, f.mspId, 'add'));
  });

  member(org.command('retire').description('member: the reverse of admit (definition and governance without the partner)')).action(
    async (f: { org: string; mspId: string; dir?: string; basePort?: number; topology?: string }) => {
      printJson(await admission().admitOrRetire(openNetwork(f), f.org, f.mspId, 'remove'));
    },
  );

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
