import { ROLE_ATTRIBUTE } from '@waybill/chaincode/constants';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { Layout } from '../topology/layout';
import { tlsHostsOf, type CaNode, type Org, type OrdererNode, type PeerNode, type Role } from '../topology/topology';
import type * as CaRest from './ca-client';
import type { CaCaller, CaEndpoint, Enrollment } from './ca-client';

// The CA client (X.509 requests) loads when identities are issued, not for every `waybill` start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const caRest = (): typeof CaRest => require('./ca-client') as typeof CaRest;

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
    ca.host.address,
    '--ca.name',
    caName(org),
    '--csr.cn',
    `ca.${org.domain}`,
    '--csr.hosts',
    tlsHostsOf(ca.host).join(','),
    '--tls.enabled',
    '--operations.listenaddress',
    `${ca.host.address}:${ca.operationsPort}`,
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

/** Where an organisation's CA listens (local network). */
export function caEndpoint(layout: Layout, org: Org): CaEndpoint {
  return { url: `https://${org.ca.host.endpoint}:${org.ca.port}`, caName: caName(org), tlsRootCert: readFileSync(layout.caCert(org.ca)) };
}

/** Writes an enrolment as an MSP folder with stable names (cacerts/ca.pem, signcerts/cert.pem, keystore/key.pem). */
export function writeMsp(mspDir: string, e: Enrollment): void {
  for (const d of ['cacerts', 'signcerts', 'keystore']) mkdirSync(path.join(mspDir, d), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(mspDir, 'cacerts', 'ca.pem'), e.caChain);
  writeFileSync(path.join(mspDir, 'signcerts', 'cert.pem'), e.certificate);
  writeFileSync(path.join(mspDir, 'keystore', 'key.pem'), e.key, { mode: 0o600 });
}

/** Reads the enrolled identity of an MSP folder as a CA caller (its certificate and key). */
export function mspCaller(mspDir: string): CaCaller {
  return {
    certificate: readFileSync(path.join(mspDir, 'signcerts', 'cert.pem'), 'utf8'),
    key: readFileSync(path.join(mspDir, 'keystore', 'key.pem'), 'utf8'),
  };
}

/** Registers and enrols identities at one organisation's CA over its REST API (no fabric-ca-client). */
export class CaClient {
  readonly #layout: Layout;
  readonly #org: Org;
  readonly #ca: CaEndpoint;
  readonly #nodeOus: boolean;

  /** `nodeOus` false: MSP folders get no Node-OU config.yaml (admincerts-style MSPs). */
  constructor(layout: Layout, org: Org, nodeOus = true) {
    this.#layout = layout;
    this.#org = org;
    this.#ca = caEndpoint(layout, org);
    this.#nodeOus = nodeOus;
  }

  /** Enrols the bootstrap registrar (needed once, to register everything else). */
  async enrollRegistrar(secret: string): Promise<void> {
    const { enroll } = caRest();
    const home = this.#layout.registrarHome(this.#org);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeMsp(path.join(home, 'msp'), await this.#step(() => enroll(this.#ca, { id: 'admin', secret })));
    lockDown(home);
  }

  async #step<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new CliError(`${(err as Error).message} (CA of ${this.#org.name})`, { step: `identities of ${this.#org.name}` });
    }
  }

  /** Registers an identity and enrols it: an MSP directory and optionally a TLS key pair. */
  async issue(opts: {
    readonly id: string;
    readonly type: IdentityType;
    readonly role?: Role;
    readonly mspDir: string;
    readonly tlsDir?: string;
    /** SANs of its certificates (default: the organisation's host's). */
    readonly hosts?: readonly string[];
  }): Promise<void> {
    const { enroll, register } = caRest();
    // The secret lives in this process only, and serves the enrolment (and TLS enrolment) below.
    const secret = randomBytes(16).toString('hex');
    const registrar = mspCaller(path.join(this.#layout.registrarHome(this.#org), 'msp'));
    await this.#step(() =>
      register(this.#ca, registrar, {
        id: opts.id,
        type: opts.type,
        secret,
        maxEnrollments: opts.tlsDir ? MAX_ENROLLMENTS : 1,
        ...(opts.role ? { attrs: [{ name: ROLE_ATTRIBUTE, value: opts.role, ecert: true }] } : {}),
      }),
    );
    const hosts = [...(opts.hosts ?? tlsHostsOf(this.#org.host))];
    mkdirSync(path.dirname(opts.mspDir), { recursive: true, mode: 0o700 });
    writeMsp(opts.mspDir, await this.#step(() => enroll(this.#ca, { id: opts.id, secret, hosts })));
    if (this.#nodeOus) writeNodeOus(opts.mspDir);
    if (opts.tlsDir) {
      const tls = await this.#step(() => enroll(this.#ca, { id: opts.id, secret, hosts, profile: 'tls' }));
      mkdirSync(opts.tlsDir, { recursive: true, mode: 0o700 });
      writeFileSync(path.join(opts.tlsDir, 'server.crt'), tls.certificate);
      writeFileSync(path.join(opts.tlsDir, 'server.key'), tls.key, { mode: 0o600 });
      writeFileSync(path.join(opts.tlsDir, 'ca.crt'), tls.caChain);
    }
    lockDown(path.dirname(opts.mspDir));
  }
}

/** Certificates a CA signed for key pairs made on another host (from their CSRs). */
export interface IssuedFromCsr {
  readonly signCert: string;
  readonly tlsCert: string;
  readonly caChain: string;
}

/**
 * Registers a node of `org` and signs its two CSRs (enrolment and TLS), made on the host that runs
 * the node: the keys never come here, only the certificates go back.
 */
export async function issueFromCsr(
  layout: Layout,
  org: Org,
  o: { readonly id: string; readonly type: IdentityType; readonly signCsr: string; readonly tlsCsr: string; readonly hosts: readonly string[] },
): Promise<IssuedFromCsr> {
  const { enroll, register } = caRest();
  const ca = caEndpoint(layout, org);
  const secret = randomBytes(16).toString('hex');
  const registrar = mspCaller(path.join(layout.registrarHome(org), 'msp'));
  try {
    await register(ca, registrar, { id: o.id, type: o.type, secret, maxEnrollments: MAX_ENROLLMENTS });
    const sign = await enroll(ca, { id: o.id, secret, hosts: o.hosts, csr: o.signCsr });
    const tls = await enroll(ca, { id: o.id, secret, hosts: o.hosts, profile: 'tls', csr: o.tlsCsr });
    return { signCert: sign.certificate, tlsCert: tls.certificate, caChain: sign.caChain };
  } catch (err) {
    throw new CliError(`${(err as Error).message} (CA of ${org.name})`, { step: `certificates of ${o.id}` });
  }
}

/**
 * Issues every identity of one organisation and assembles its channel MSP. With `nodeOus` false
 * (the amb profile) the MSPs are admincerts-style, as AWS Managed Blockchain members' are: no
 * Node-OU classification, and the organisation admin's certificate listed under `admincerts` of
 * the channel MSP and of every local MSP (a node recognises its admins only that way).
 */
export async function issueOrgIdentities(
  layout: Layout,
  org: Org,
  nodeOus = true,
  /** Which of its nodes get identities here (default all; a host issues only those it runs). */
  only: (n: PeerNode | OrdererNode) => boolean = () => true,
): Promise<void> {
  const ca = new CaClient(layout, org, nodeOus);
  await ca.enrollRegistrar(bootstrapSecret(layout.caHome(org.ca)));
  // The organisation's MSP for the channel: its CA as root for both enrolment and TLS.
  const msp = layout.orgMsp(org);
  mkdirSync(path.join(msp, 'cacerts'), { recursive: true });
  mkdirSync(path.join(msp, 'tlscacerts'), { recursive: true });
  copyFileSync(layout.caCert(org.ca), path.join(msp, 'cacerts', 'ca.pem'));
  copyFileSync(layout.caCert(org.ca), path.join(msp, 'tlscacerts', 'ca.pem'));
  if (nodeOus) writeNodeOus(msp);

  const nodes: (PeerNode | OrdererNode)[] = [...org.peers, ...org.orderers].filter(only);
  // One registration at a time per CA keeps its SQLite store happy; orgs run in parallel.
  await ca.issue({ id: layout.adminId(org), type: 'admin', role: 'admin', mspDir: layout.adminMsp(org), tlsDir: path.join(layout.userDir(org, layout.adminId(org)), 'tls') });
  for (const node of nodes) {
    await ca.issue({
      id: node.enrollId,
      type: node.kind,
      mspDir: layout.nodeMsp(node),
      tlsDir: layout.nodeTls(node),
      hosts: tlsHostsOf(node.host),
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
  if (!nodeOus) {
    const adminCert = path.join(layout.adminMsp(org), 'signcerts', 'cert.pem');
    const msps = [msp, layout.adminMsp(org), ...nodes.map((n) => layout.nodeMsp(n)), ...org.users.map((u) => layout.userMsp(org, u.id))];
    for (const dir of msps) {
      mkdirSync(path.join(dir, 'admincerts'), { recursive: true, mode: 0o700 });
      copyFileSync(adminCert, path.join(dir, 'admincerts', 'admin.pem'));
    }
  }
}

/** Issues the TLS key pair of a chaincode server from the given organisation's CA. */
export async function issueServerTls(layout: Layout, org: Org, id: string, tlsDir: string): Promise<void> {
  const ca = new CaClient(layout, org);
  await ca.issue({ id, type: 'client', mspDir: path.join(path.dirname(tlsDir), 'msp'), tlsDir });
}

/** Node OUs: the certificate's OU (client, peer, admin, orderer) decides its MSP role. */
export function writeNodeOus(msp: string): void {
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
