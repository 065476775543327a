import { Option, type Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import { parsePositiveInt } from '../common/flags';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as ChannelAdmin from '../local/channel-admin';
import type * as CaRest from '../identity/ca-client';
import { ALL_ROLES, ROLE_ATTRIBUTE } from '@waybill/chaincode/constants';
import { LOCAL_HOSTS, caEndpoint, lockDown, mspCaller, writeMsp } from '../identity/fabric-ca';
import { adminIdentity } from '../local/endpoints';
import type { LocalNetwork } from '../local/network';
import type { Org } from '../topology/topology';
import { openOrg, type OrgFlags, orgOptions, printProgress } from './options';

const orgCommand = (cmd: Command): Command => orgOptions(cmd, 'organisation whose CA is used (name or MSP ID)');

// The CA client (X.509 requests) loads when an identity command runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ca = (): typeof CaRest => require('../identity/ca-client') as typeof CaRest;

function registrar(net: LocalNetwork, org: Org): CaRest.CaCaller {
  const msp = path.join(net.layout.registrarHome(org), 'msp');
  if (!existsSync(msp)) throw new CliError(`${org.name}'s CA registrar is not enrolled in ${net.layout.root} (is the network up?)`);
  return mspCaller(msp);
}

function checkId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(id)) throw new CliError(`identity name "${id}" must be letters, digits, . _ @ - (at most 64)`);
  return id;
}

/**
 * The enrolment secret: from a file (read, never echoed), standard input, or WAYBILL_ENROLL_SECRET;
 * never a command-line argument, where other local users could read it.
 */
async function readSecret(f: { secretFile?: string; secretStdin?: boolean }): Promise<string> {
  let secret: string | undefined;
  if (f.secretFile) secret = readFileSync(f.secretFile, 'utf8');
  else if (f.secretStdin) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    secret = Buffer.concat(chunks).toString('utf8');
  } else secret = process.env['WAYBILL_ENROLL_SECRET'];
  secret = secret?.trim();
  if (!secret) throw new CliError('no enrolment secret: give --secret-file FILE, --secret-stdin, or WAYBILL_ENROLL_SECRET');
  return secret;
}

function describeCert(pem: string): { subject: string; serial: string; notAfter: string } {
  const c = new X509Certificate(pem);
  return { subject: c.subject.replace(/\n/g, ', '), serial: c.serialNumber.toLowerCase(), notAfter: new Date(c.validTo).toISOString() };
}

export function registerIdentityCommands(program: Command): void {
  const identity = program.command('identity').description("an organisation's identities at its Fabric CA (REST API, no fabric-ca-client)");

  orgCommand(identity.command('register').description('register an identity; its single-use enrolment secret goes to a 0600 file'))
    .argument('<id>', 'identity name')
    .addOption(new Option('--role <role>', `${ROLE_ATTRIBUTE} attribute`).choices([...ALL_ROLES]).makeOptionMandatory())
    .addOption(new Option('--type <type>', 'identity type').choices(['client', 'admin', 'peer', 'orderer']).default('client'))
    .addOption(new Option('--max-enrollments <n>', 'how many times the secret may enrol').argParser(parsePositiveInt).default(1))
    .addOption(new Option('--secret-out <file>', 'where to write the enrolment secret (mode 0600)').env('WAYBILL_SECRET_OUT').makeOptionMandatory())
    .action(async (id: string, f: OrgFlags & { role: string; type: string; maxEnrollments: number; secretOut: string }) => {
      const { net, org } = openOrg(f);
      if (existsSync(f.secretOut)) throw new CliError(`${f.secretOut} exists; refusing to overwrite a secret`);
      const secret = await ca().register(caEndpoint(net.layout, org), registrar(net, org), {
        id: checkId(id),
        type: f.type,
        maxEnrollments: f.maxEnrollments,
        attrs: [{ name: ROLE_ATTRIBUTE, value: f.role, ecert: true }],
      });
      mkdirSync(path.dirname(path.resolve(f.secretOut)), { recursive: true });
      writeFileSync(f.secretOut, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      printProgress(`registered ${id} (${f.role}) at ${org.name}'s CA; enrolment secret in ${f.secretOut} (valid for ${f.maxEnrollments} enrolment(s))`);
    });

  orgCommand(identity.command('enroll').description("enrol an identity into the organisation's folder (key made here, never sent)"))
    .argument('<id>', 'identity name')
    .addOption(new Option('--secret-file <file>', 'file holding the enrolment secret'))
    .addOption(new Option('--secret-stdin', 'read the enrolment secret from standard input'))
    .addOption(new Option('--tls', 'also enrol a TLS key pair (needs a secret valid for two enrolments)'))
    .action(async (id: string, f: OrgFlags & { secretFile?: string; secretStdin?: boolean; tls?: boolean }) => {
      const { net, org } = openOrg(f);
      const secret = await readSecret(f);
      const endpoint = caEndpoint(net.layout, org);
      const msp = net.layout.userMsp(org, checkId(id));
      if (existsSync(path.join(msp, 'signcerts', 'cert.pem'))) throw new CliError(`${id} is already enrolled in ${msp}; use \`waybill identity reenroll\``);
      const e = await ca().enroll(endpoint, { id, secret, hosts: LOCAL_HOSTS.split(',') });
      writeMsp(msp, e);
      if (f.tls) {
        const t = await ca().enroll(endpoint, { id, secret, hosts: LOCAL_HOSTS.split(','), profile: 'tls' });
        const tls = path.join(net.layout.userDir(org, id), 'tls');
        mkdirSync(tls, { recursive: true, mode: 0o700 });
        writeFileSync(path.join(tls, 'server.crt'), t.certificate);
        writeFileSync(path.join(tls, 'server.key'), t.key, { mode: 0o600 });
        writeFileSync(path.join(tls, 'ca.crt'), t.caChain);
      }
      lockDown(net.layout.userDir(org, id));
      process.stdout.write(`${JSON.stringify({ id, msp, ...describeCert(e.certificate) }, null, 2)}\n`);
    });

  orgCommand(identity.command('reenroll').description('renew an enrolled identity: a new key and certificate, same attributes'))
    .argument('<id>', 'identity name')
    .action(async (id: string, f: OrgFlags) => {
      const { net, org } = openOrg(f);
      const msp = net.layout.userMsp(org, checkId(id));
      if (!existsSync(path.join(msp, 'signcerts', 'cert.pem'))) throw new CliError(`${id} is not enrolled in ${msp}`);
      const e = await ca().reenroll(caEndpoint(net.layout, org), mspCaller(msp), { hosts: LOCAL_HOSTS.split(',') });
      writeMsp(msp, e);
      lockDown(net.layout.userDir(org, id));
      process.stdout.write(`${JSON.stringify({ id, msp, ...describeCert(e.certificate) }, null, 2)}\n`);
    });

  orgCommand(identity.command('revoke').description("revoke an identity at its CA and put the CA's new CRL into the organisation's channel MSP"))
    .argument('<id>', 'identity name')
    .addOption(new Option('--reason <reason>', 'revocation reason').default('unspecified'))
    .addOption(new Option('--no-channel', "only write the CRL to the organisation's MSP folder (update the channel later with `channel update crl`)"))
    .action(async (id: string, f: OrgFlags & { reason: string; channel: boolean }) => {
      const { net, org } = openOrg(f);
      const r = await ca().revoke(caEndpoint(net.layout, org), registrar(net, org), { id: checkId(id), reason: f.reason });
      const crls = path.join(net.layout.orgMsp(org), 'crls');
      mkdirSync(crls, { recursive: true });
      writeFileSync(path.join(crls, 'crl.pem'), r.crl);
      printProgress(`revoked ${id} at ${org.name}'s CA (${r.revoked.length} certificate(s)); CRL written to ${crls}/crl.pem`);
      let configSequence: number | null = null;
      if (f.channel) {
        // The organisation's own MSP is governed by its own Admins: its admin alone signs.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const admin = require('../local/channel-admin') as typeof ChannelAdmin;
        const me = adminIdentity(net, org);
        const env = await admin.updateOrgMsp(net, me, org, (m) => m.setRevocationListList([Buffer.from(r.crl)]));
        await admin.signUpdate(me, env);
        configSequence = await admin.submitUpdate(net, me, env);
        for (let i = 0; i < 100 && !(await admin.peerHasConfig(net, me, org, configSequence)); i++) await sleep(200);
        printProgress(`CRL of ${org.name} in channel ${net.topology.channel} (config sequence ${configSequence})`);
      }
      process.stdout.write(`${JSON.stringify({ id, revoked: r.revoked.map((c) => c.Serial), crl: path.join(crls, 'crl.pem'), configSequence }, null, 2)}\n`);
    });

  orgCommand(identity.command('list').description("the identities registered at the organisation's CA")).action(async (f: OrgFlags) => {
    const { net, org } = openOrg(f);
    const ids = await ca().listIdentities(caEndpoint(net.layout, org), registrar(net, org));
    process.stdout.write(
      `${JSON.stringify(
        ids.map((i) => ({ id: i.id, type: i.type, role: i.attrs.find((a) => a.name === ROLE_ATTRIBUTE)?.value ?? null, maxEnrollments: i.max_enrollments })),
        null,
        2,
      )}\n`,
    );
  });
}
