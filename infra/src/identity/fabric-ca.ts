import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { WaybillError, commandOutput } from '../common/errors';
import type { Layout } from '../local/layout';
import type { CaNode, Org, OrdererNode, PeerNode, Role } from '../local/topology';

const run = promisify(execFile);

/** The certificate attribute the chaincode reads the caller's role from. */
export const ROLE_ATTRIBUTE = 'waybill.role';
/** Hosts every local TLS certificate is valid for. */
export const LOCAL_HOSTS = 'localhost,127.0.0.1';

export type IdentityType = 'peer' | 'orderer' | 'admin' | 'client';

/**
 * Most enrollments a registered identity may make: its signing certificate and its TLS
 * certificate, each enrolled once with the same one-time secret. A third use is refused.
 */
export const MAX_ENROLLMENTS = 2;

/**
 * Arguments that start one organisation's Fabric CA (TLS on, its own operations port). No secret:
 * the bootstrap registrar comes from the environment ({@link caServerEnv}), because a command
 * line is readable by every local user for the process's whole life (`/proc/<pid>/cmdline`).
 */
export function caServerArgs(ca: CaNode, org: Org, home: string): string[] {
  return [
    'start',
    '--home',
    home,
    '--port',
    String(ca.port),
    '--address',
    '127.0.0.1',
    '--ca.name',
    caName(org),
    '--csr.cn',
    `ca.${org.domain}`,
    '--csr.hosts',
    LOCAL_HOSTS,
    '--tls.enabled',
    '--operations.listenaddress',
    `127.0.0.1:${ca.operationsPort}`,
    '--metrics.provider',
    'prometheus',
  ];
}

/**
 * Environment of a CA server process: the bootstrap registrar (`FABRIC_CA_SERVER_BOOT`, read only
 * when the CA initialises its home; the CA then keeps it in its 0600 config file) and the registry's
 * enrollment cap. `/proc/<pid>/environ` is readable by the process owner only.
 */
export function caServerEnv(bootstrapSecret: string): Record<string, string> {
  return {
    FABRIC_CA_SERVER_BOOT: `admin:${bootstrapSecret}`,
    FABRIC_CA_SERVER_REGISTRY_MAXENROLLMENTS: String(MAX_ENROLLMENTS),
  };
}

export function caName(org: Org): string {
  return `ca-${org.key}`;
}

/** A random secret for the CA bootstrap registrar, created once and kept owner-readable. */
export function bootstrapSecret(home: string): string {
  const file = path.join(home, 'bootstrap-secret');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) writeFileSync(file, randomBytes(18).toString('hex'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Drives `fabric-ca-client` against one organisation's CA. */
export class CaClient {
  readonly #bin: string;
  readonly #layout: Layout;
  readonly #org: Org;

  constructor(binDir: string, layout: Layout, org: Org) {
    this.#bin = path.join(binDir, 'fabric-ca-client');
    this.#layout = layout;
    this.#org = org;
  }

  get #url(): string {
    return `https://localhost:${this.#org.ca.port}`;
  }

  async #client(args: string[], home: string): Promise<void> {
    try {
      await run(
        this.#bin,
        [...args, '--caname', caName(this.#org), '--tls.certfiles', this.#layout.caCert(this.#org.ca), '-H', home],
        { timeout: 30_000, env: { ...process.env, FABRIC_CA_CLIENT_HOME: home } },
      );
    } catch (err) {
      throw new WaybillError(`fabric-ca-client ${args[0] ?? ''} failed at ${this.#org.name}: ${commandOutput(err)}`, {
        step: `identities of ${this.#org.name}`,
      });
    }
  }

  /** Enrols the bootstrap registrar (needed once, to register everything else). */
  async enrollRegistrar(secret: string): Promise<void> {
    const home = this.#layout.registrarHome(this.#org);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const url = this.#url.replace('https://', `https://admin:${secret}@`);
    await this.#client(['enroll', '-u', url, '-M', path.join(home, 'msp')], home);
    lockDown(home);
  }

  /** Registers an identity and enrols it: an MSP directory and optionally a TLS key pair. */
  async issue(opts: {
    readonly id: string;
    readonly type: IdentityType;
    readonly role?: Role;
    readonly mspDir: string;
    readonly tlsDir?: string;
  }): Promise<void> {
    const secret = randomBytes(16).toString('hex');
    const registrar = this.#layout.registrarHome(this.#org);
    const attrs = opts.role ? ['--id.attrs', `${ROLE_ATTRIBUTE}=${opts.role}:ecert`] : [];
    await this.#client(
      [
        'register',
        '--id.name',
        opts.id,
        '--id.secret',
        secret,
        '--id.type',
        opts.type,
        '--id.maxenrollments',
        String(opts.tlsDir ? MAX_ENROLLMENTS : 1),
        ...attrs,
        '-u',
        this.#url,
      ],
      registrar,
    );
    const url = this.#url.replace('https://', `https://${opts.id}:${secret}@`);
    const work = path.dirname(opts.mspDir);
    mkdirSync(work, { recursive: true, mode: 0o700 });
    await this.#client(['enroll', '-u', url, '-M', opts.mspDir, '--csr.hosts', LOCAL_HOSTS, '--csr.cn', opts.id], work);
    normaliseMsp(opts.mspDir);
    writeNodeOus(opts.mspDir);
    if (opts.tlsDir) {
      const tmp = `${opts.tlsDir}.enroll`;
      await this.#client(
        ['enroll', '-u', url, '-M', tmp, '--enrollment.profile', 'tls', '--csr.hosts', LOCAL_HOSTS, '--csr.cn', opts.id],
        work,
      );
      mkdirSync(opts.tlsDir, { recursive: true, mode: 0o700 });
      renameSync(onlyFile(path.join(tmp, 'signcerts')), path.join(opts.tlsDir, 'server.crt'));
      renameSync(onlyFile(path.join(tmp, 'keystore')), path.join(opts.tlsDir, 'server.key'));
      renameSync(onlyFile(path.join(tmp, 'tlscacerts')), path.join(opts.tlsDir, 'ca.crt'));
      rmSync(tmp, { recursive: true, force: true });
    }
    // fabric-ca-client leaves a default client config beside the MSP; it holds no secret.
    lockDown(work);
  }
}

/** Issues every identity of one organisation and assembles its channel MSP. */
export async function issueOrgIdentities(binDir: string, layout: Layout, org: Org): Promise<void> {
  const ca = new CaClient(binDir, layout, org);
  await ca.enrollRegistrar(bootstrapSecret(layout.caHome(org.ca)));
  // The organisation's MSP for the channel: its CA as root for both enrolment and TLS.
  const msp = layout.orgMsp(org);
  mkdirSync(path.join(msp, 'cacerts'), { recursive: true });
  mkdirSync(path.join(msp, 'tlscacerts'), { recursive: true });
  copyFileSync(layout.caCert(org.ca), path.join(msp, 'cacerts', 'ca.pem'));
  copyFileSync(layout.caCert(org.ca), path.join(msp, 'tlscacerts', 'ca.pem'));
  writeNodeOus(msp);

  const nodes: (PeerNode | OrdererNode)[] = [...org.peers, ...org.orderers];
  // One registration at a time per CA keeps its SQLite store happy; orgs run in parallel.
  await ca.issue({ id: layout.adminId(org), type: 'admin', role: 'admin', mspDir: layout.adminMsp(org), tlsDir: path.join(layout.userDir(org, layout.adminId(org)), 'tls') });
  for (const node of nodes) {
    await ca.issue({
      id: node.enrollId,
      type: node.kind,
      mspDir: layout.nodeMsp(node),
      tlsDir: layout.nodeTls(node),
    });
  }
  for (const user of org.users) {
    await ca.issue({
      id: user.id,
      type: 'client',
      role: user.role,
      mspDir: layout.userMsp(org, user.id),
      tlsDir: path.join(layout.userDir(org, user.id), 'tls'),
    });
  }
}

/** Issues the TLS key pair of a chaincode server from the given organisation's CA. */
export async function issueServerTls(binDir: string, layout: Layout, org: Org, id: string, tlsDir: string): Promise<void> {
  const ca = new CaClient(binDir, layout, org);
  await ca.issue({ id, type: 'client', mspDir: path.join(path.dirname(tlsDir), 'msp'), tlsDir });
}

function onlyFile(dir: string): string {
  const files = readdirSync(dir);
  const first = files[0];
  if (files.length !== 1 || first === undefined) {
    throw new WaybillError(`expected one file in ${dir}, found ${files.length}`);
  }
  return path.join(dir, first);
}

/** Gives the enrolled files stable names: cacerts/ca.pem, signcerts/cert.pem, keystore/key.pem. */
function normaliseMsp(msp: string): void {
  renameSync(onlyFile(path.join(msp, 'cacerts')), path.join(msp, 'cacerts', 'ca.pem'));
  renameSync(onlyFile(path.join(msp, 'signcerts')), path.join(msp, 'signcerts', 'cert.pem'));
  renameSync(onlyFile(path.join(msp, 'keystore')), path.join(msp, 'keystore', 'key.pem'));
  rmSync(path.join(msp, 'user'), { recursive: true, force: true });
  rmSync(path.join(msp, 'IssuerPublicKey'), { force: true });
  rmSync(path.join(msp, 'IssuerRevocationPublicKey'), { force: true });
}

/** Node OUs: the certificate's OU (client, peer, admin, orderer) decides its MSP role. */
function writeNodeOus(msp: string): void {
  const ou = (name: string): string =>
    `  ${name}OUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${name.toLowerCase()}\n`;
  writeFileSync(
    path.join(msp, 'config.yaml'),
    `NodeOUs:\n  Enable: true\n${ou('Client')}${ou('Peer')}${ou('Admin')}${ou('Orderer')}`,
  );
}

/** Keys on disk are readable by their owner only. */
export function lockDown(dir: string): void {
  if (!existsSync(dir)) return;
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) lockDown(p);
    else if (entry.isFile() && (/key|secret|config\.yaml$/.test(entry.name) || p.includes(`${path.sep}keystore${path.sep}`))) chmodSync(p, 0o600);
  }
}
