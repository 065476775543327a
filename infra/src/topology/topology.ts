import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ALL_ROLES as ROLES, type Role } from '@waybill/chaincode/constants';
import { CliError } from '../common/errors';

export type { Role };

export interface UserSpec {
  readonly id: string;
  readonly role: Role;
}

/** A machine of the network, by name and IPv4 address (topology `hosts:`). */
export interface HostSpec {
  readonly name: string;
  readonly address: string;
}

/**
 * A machine the nodes run on. Without `hosts:` in the topology every node is on one implicit host,
 * loopback, dialled as `localhost` (the single-machine network).
 */
export interface Host extends HostSpec {
  /** What other nodes dial: `localhost` on the implicit host, else the address. */
  readonly endpoint: string;
  readonly implicit: boolean;
}

/** The one host of a topology without `hosts:`. */
export const IMPLICIT_HOST: Host = { name: 'local', address: '127.0.0.1', endpoint: 'localhost', implicit: true };

/** Names and addresses a TLS certificate of a node on `host` carries (loopback adds localhost). */
export function tlsHostsOf(host: Host): string[] {
  const loopback = host.address.startsWith('127.');
  const names = host.implicit ? [] : [host.name, host.address];
  return [...new Set([...names, ...(loopback ? ['localhost', '127.0.0.1'] : [])])];
}

/** An orderer placed on a host other than its organisation's. */
export interface OrdererSpec {
  readonly name: string;
  readonly host?: string;
}

export interface OrgSpec {
  readonly name: string;
  readonly mspId: string;
  readonly domain: string;
  /** Host of the organisation's CA, peers, chaincode server, gateway API, admin and users. */
  readonly host?: string;
  readonly peers?: readonly string[];
  readonly failoverPeers?: readonly string[];
  readonly orderers?: readonly (string | OrdererSpec)[];
  readonly users?: readonly UserSpec[];
  /** Designated for oversight in the chaincode's governance record (regulators, auditors). */
  readonly oversight?: boolean;
}

/**
 * What kind of Fabric network the topology describes:
 * - `standard`: Fabric 2.5 peers with the Gateway service, Node-OU MSPs, V2_5 application
 *   capability (private data purge); the gateway API uses the Gateway adapter.
 * - `amb`: shaped like an AWS Managed Blockchain (Fabric 2.2) network: Fabric 2.2 peers (no
 *   Gateway service), `admincerts` MSPs without Node OUs (so policies name `member`/`admin`, never
 *   `peer`/`client`), V2_0 capabilities, and the gateway API on the fabric-network 2.2 adapter.
 */
export const PROFILES = ['standard', 'amb'] as const;
export type Profile = (typeof PROFILES)[number];

/** What a profile means for the nodes, the MSPs, the channel and the gateway. */
export interface ProfileTraits {
  /** Fabric release of the peers (`2.5` or `2.2`). */
  readonly peerRelease: '2.5' | '2.2';
  /** Peers serve the Gateway service (Fabric ≥ 2.4 only). */
  readonly gatewayService: boolean;
  /** MSPs classify identities with Node OUs; otherwise admins are listed under `admincerts`. */
  readonly nodeOus: boolean;
  /** The channel's application capability. */
  readonly applicationCapability: 'V2_5' | 'V2_0';
  /** The gateway API's ledger adapter (`WAYBILL_LEDGER_ADAPTER`). */
  readonly ledgerAdapter: 'fabric-gateway' | 'fabric-network';
}

export function profileTraits(profile: Profile): ProfileTraits {
  return profile === 'amb'
    ? { peerRelease: '2.2', gatewayService: false, nodeOus: false, applicationCapability: 'V2_0', ledgerAdapter: 'fabric-network' }
    : { peerRelease: '2.5', gatewayService: true, nodeOus: true, applicationCapability: 'V2_5', ledgerAdapter: 'fabric-gateway' };
}

export interface TopologySpec {
  readonly name: string;
  readonly profile?: Profile;
  readonly basePort: number;
  readonly channel: string;
  readonly ordering: {
    readonly type: 'etcdraft';
    readonly batchTimeout: string;
    readonly maxMessageCount: number;
    readonly absoluteMaxBytes: string;
    readonly preferredMaxBytes: string;
  };
  readonly chaincode: { readonly name: string; readonly signaturePolicy: string };
  readonly hosts?: readonly HostSpec[];
  readonly organizations: readonly OrgSpec[];
}

/** A node of the normalised network with its ports. */
export interface NodeBase {
  /** Unique, e.g. `peer0.manufacturer`, `orderer1`, `ca.carrier`. */
  readonly name: string;
  readonly org: string;
  readonly mspId: string;
  /** Service port (gRPC for peers/orderers, HTTPS for CAs). */
  readonly port: number;
  readonly operationsPort: number;
  /** Where it runs: it listens on this host's address and is dialled at its endpoint. */
  readonly host: Host;
}
export interface CaNode extends NodeBase {
  readonly kind: 'ca';
}
export interface OrdererNode extends NodeBase {
  readonly kind: 'orderer';
  readonly enrollId: string;
  readonly adminPort: number;
}
export interface PeerNode extends NodeBase {
  readonly kind: 'peer';
  readonly enrollId: string;
  readonly chaincodePort: number;
  readonly failover: boolean;
}
/** One organisation's chaincode-as-a-service process (serves only that organisation's peers). */
export interface ChaincodeServerNode {
  readonly kind: 'chaincode';
  /** `chaincode.<org key>`. */
  readonly name: string;
  readonly org: string;
  readonly mspId: string;
  readonly port: number;
  readonly host: Host;
}
export type NetworkNode = CaNode | OrdererNode | PeerNode;

export interface Org {
  readonly name: string;
  readonly mspId: string;
  readonly domain: string;
  /** Lower-case key used in node names and directories. */
  readonly key: string;
  readonly isOrderer: boolean;
  readonly ca: CaNode;
  readonly peers: readonly PeerNode[];
  readonly orderers: readonly OrdererNode[];
  readonly users: readonly UserSpec[];
  /** Designated for oversight in the chaincode's governance record. */
  readonly oversight: boolean;
  /** Port of this organisation's gateway API (peer organisations only). */
  readonly apiPort: number | undefined;
  /** Host of its CA, peers, chaincode server, API and private keys (orderers may be elsewhere). */
  readonly host: Host;
}

/** The normalised topology: every name resolved, every port computed. */
export interface Topology {
  readonly name: string;
  readonly profile: Profile;
  readonly traits: ProfileTraits;
  readonly basePort: number;
  readonly channel: string;
  readonly ordering: TopologySpec['ordering'];
  readonly chaincode: TopologySpec['chaincode'];
  readonly orgs: readonly Org[];
  readonly ordererOrg: Org;
  readonly peerOrgs: readonly Org[];
  readonly orderers: readonly OrdererNode[];
  /** Peers that run: failover peers only when enabled. */
  readonly peers: readonly PeerNode[];
  readonly cas: readonly CaNode[];
  /** One chaincode server per peer organisation, in organisation order. */
  readonly chaincodeServers: readonly ChaincodeServerNode[];
  /** The hosts: those of `hosts:`, or the one implicit loopback host. */
  readonly hosts: readonly Host[];
}

export interface NormaliseOptions {
  readonly basePort?: number;
  readonly failover?: boolean;
}

const NAME = /^[A-Za-z][A-Za-z0-9]{0,30}$/;
const NODE = /^[a-z][a-z0-9-]{0,30}$/;
const MSP = /^[A-Za-z][A-Za-z0-9.-]{0,62}$/;
const ID = /^[a-z][a-z0-9-]{0,62}$/;
const CHANNEL = /^[a-z][a-z0-9.-]{0,248}$/;
const DURATION = /^\d+(ms|s)$/;
const SIZE = /^\d+ (KB|MB)$/;
const HOST = /^[a-z][a-z0-9-]{0,30}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** Ports per node block; see network/topology.yaml. */
const BLOCK = 10;

/** Reads and normalises a topology file; throws {@link CliError} listing every problem. */
export function loadTopology(file: string, options: NormaliseOptions = {}): Topology {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read topology ${file}: ${(err as Error).message}`);
  }
  return normaliseTopology(validateTopology(raw, path.basename(file)), options);
}

/** Checks the shape of a parsed topology file; throws one error naming every bad field. */
export function validateTopology(raw: unknown, source = 'topology'): TopologySpec {
  const problems: string[] = [];
  const obj = (v: unknown, at: string): Record<string, unknown> => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`${at} must be a mapping`);
      return {};
    }
    return v as Record<string, unknown>;
  };
  const str = (o: Record<string, unknown>, key: string, at: string, re: RegExp): string => {
    const v = o[key];
    if (typeof v !== 'string' || !re.test(v)) problems.push(`${at}.${key} is missing or malformed`);
    return typeof v === 'string' ? v : '';
  };
  const list = (o: Record<string, unknown>, key: string, at: string, re: RegExp): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !re.test(x))) {
      problems.push(`${at}.${key} must be a list of names matching ${re.source}`);
      return [];
    }
    return v as string[];
  };
  const onlyKeys = (o: Record<string, unknown>, keys: string[], at: string): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) problems.push(`${at}.${k} is not a known field`);
  };

  const root = obj(raw, source);
  onlyKeys(root, ['name', 'profile', 'basePort', 'channel', 'ordering', 'chaincode', 'hosts', 'organizations'], source);
  let hosts: HostSpec[] | undefined;
  if (root['hosts'] !== undefined) {
    hosts = [];
    if (!Array.isArray(root['hosts']) || root['hosts'].length === 0) problems.push(`${source}.hosts must be a non-empty list`);
    else
      root['hosts'].forEach((h, i) => {
        const at = `hosts[${i}]`;
        const host = obj(h, at);
        onlyKeys(host, ['name', 'address'], at);
        hosts?.push({ name: str(host, 'name', at, HOST), address: str(host, 'address', at, IPV4) });
      });
  }
  const hostNames = new Set((hosts ?? []).map((h) => h.name));
  const placed = (v: unknown, at: string, required = true): string | undefined => {
    if (v === undefined) {
      if (hosts && required) problems.push(`${at}.host is missing: with hosts: every organisation names its host`);
      return undefined;
    }
    if (!hosts) problems.push(`${at}.host needs a hosts: list`);
    else if (typeof v !== 'string' || !hostNames.has(v)) problems.push(`${at}.host must be one of the hosts: ${[...hostNames].join(', ')}`);
    return typeof v === 'string' ? v : undefined;
  };
  const name = str(root, 'name', source, NAME);
  const profile = root['profile'];
  if (profile !== undefined && !(PROFILES as readonly unknown[]).includes(profile)) {
    problems.push(`${source}.profile must be one of ${PROFILES.join(', ')}`);
  }
  const basePort = root['basePort'];
  if (typeof basePort !== 'number' || !Number.isInteger(basePort) || basePort < 1024 || basePort > 60000) {
    problems.push(`${source}.basePort must be an integer between 1024 and 60000`);
  }
  const channel = str(root, 'channel', source, CHANNEL);
  const ord = obj(root['ordering'], `${source}.ordering`);
  onlyKeys(ord, ['type', 'batchTimeout', 'maxMessageCount', 'absoluteMaxBytes', 'preferredMaxBytes'], 'ordering');
  if (ord['type'] !== 'etcdraft') problems.push('ordering.type must be etcdraft');
  const batchTimeout = str(ord, 'batchTimeout', 'ordering', DURATION);
  const mmc = ord['maxMessageCount'];
  if (typeof mmc !== 'number' || !Number.isInteger(mmc) || mmc < 1) {
    problems.push('ordering.maxMessageCount must be a positive integer');
  }
  const absoluteMaxBytes = str(ord, 'absoluteMaxBytes', 'ordering', SIZE);
  const preferredMaxBytes = str(ord, 'preferredMaxBytes', 'ordering', SIZE);
  const cc = obj(root['chaincode'], `${source}.chaincode`);
  onlyKeys(cc, ['name', 'signaturePolicy'], 'chaincode');
  const ccName = str(cc, 'name', 'chaincode', /^[a-z][a-z0-9_-]{0,62}$/);
  const signaturePolicy = str(cc, 'signaturePolicy', 'chaincode', /^(AND|OR|OutOf)\(.+\)$/);

  const orgsRaw = root['organizations'];
  const organizations: OrgSpec[] = [];
  if (!Array.isArray(orgsRaw) || orgsRaw.length === 0) {
    problems.push(`${source}.organizations must be a non-empty list`);
  } else {
    orgsRaw.forEach((o, i) => {
      const at = `organizations[${i}]`;
      const org = obj(o, at);
      onlyKeys(org, ['name', 'mspId', 'domain', 'host', 'peers', 'failoverPeers', 'orderers', 'users', 'oversight'], at);
      const orgHost = placed(org['host'], at);
      const oversight = org['oversight'];
      if (oversight !== undefined && typeof oversight !== 'boolean') problems.push(`${at}.oversight must be true or false`);
      const users: UserSpec[] = [];
      const usersRaw = org['users'];
      if (usersRaw !== undefined) {
        if (!Array.isArray(usersRaw)) problems.push(`${at}.users must be a list`);
        else
          usersRaw.forEach((u, j) => {
            const uat = `${at}.users[${j}]`;
            const user = obj(u, uat);
            onlyKeys(user, ['id', 'role'], uat);
            const id = str(user, 'id', uat, ID);
            const role = user['role'];
            if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
              problems.push(`${uat}.role must be one of ${ROLES.join(', ')}`);
            }
            users.push({ id, role: role as Role });
          });
      }
      const spec: OrgSpec = {
        name: str(org, 'name', at, NAME),
        mspId: str(org, 'mspId', at, MSP),
        domain: str(org, 'domain', at, /^[a-z0-9.-]+$/),
        users,
      };
      const peers = list(org, 'peers', at, NODE);
      const failoverPeers = list(org, 'failoverPeers', at, NODE);
      // An orderer is a name, or { name, host } for one placed away from its organisation's host.
      let orderers: (string | OrdererSpec)[] | undefined;
      const ordRaw = org['orderers'];
      if (ordRaw !== undefined) {
        orderers = [];
        if (!Array.isArray(ordRaw)) problems.push(`${at}.orderers must be a list`);
        else
          ordRaw.forEach((x, j) => {
            const oat = `${at}.orderers[${j}]`;
            if (typeof x === 'string') {
              if (!NODE.test(x)) problems.push(`${oat} must match ${NODE.source}`);
              orderers?.push(x);
              return;
            }
            const o = obj(x, oat);
            onlyKeys(o, ['name', 'host'], oat);
            const host = placed(o['host'], oat, false);
            orderers?.push({ name: str(o, 'name', oat, NODE), ...(host ? { host } : {}) });
          });
      }
      organizations.push({
        ...spec,
        ...(orgHost ? { host: orgHost } : {}),
        ...(oversight === true ? { oversight: true } : {}),
        ...(peers ? { peers } : {}),
        ...(failoverPeers ? { failoverPeers } : {}),
        ...(orderers ? { orderers } : {}),
      });
      if (peers && orderers) problems.push(`${at} has both peers and orderers; use separate organisations`);
      if (oversight === true && !peers?.length) problems.push(`${at} is an oversight organisation without peers`);
    });
  }
  if (profile === 'amb' && /\.(peer|client)'/.test(signaturePolicy)) {
    problems.push(
      "chaincode.signaturePolicy names 'peer' or 'client' roles, which the amb profile's MSPs (admincerts, no Node OUs) cannot tell apart: use 'member'",
    );
  }
  if (hosts && profile === 'amb') problems.push(`${source}.hosts: is for the standard profile (an amb network's nodes are AWS's)`);
  const ordererOrgs = organizations.filter((o) => o.orderers?.length);
  if (ordererOrgs.length !== 1) problems.push('exactly one organisation must list orderers');
  const odd = ordererOrgs[0]?.orderers?.length ?? 1;
  if (odd % 2 === 0) problems.push('a Raft ordering service needs an odd number of orderers');
  if (!organizations.some((o) => o.peers?.length)) problems.push('at least one organisation must list peers');
  const peerOrgCount = organizations.filter((o) => o.peers?.length).length;
  const oversightCount = organizations.filter((o) => o.oversight === true).length;
  if (oversightCount > 0 && oversightCount >= peerOrgCount) {
    problems.push('at least one peer organisation must not be an oversight organisation');
  }
  const dup = (xs: string[]): string | undefined => xs.find((x, i) => xs.indexOf(x) !== i);
  const d1 = dup(organizations.map((o) => o.name.toLowerCase()));
  if (d1) problems.push(`organisation name ${d1} is used twice`);
  const d2 = dup(organizations.map((o) => o.mspId));
  if (d2) problems.push(`MSP ID ${d2} is used twice`);
  const d3 = dup(organizations.flatMap((o) => (o.users ?? []).map((u) => u.id)));
  if (d3) problems.push(`user id ${d3} is used twice`);
  const d4 = dup((hosts ?? []).map((h) => h.name));
  if (d4) problems.push(`host ${d4} is listed twice`);
  const d5 = dup((hosts ?? []).map((h) => h.address));
  if (d5) problems.push(`host address ${d5} is used twice`);

  if (problems.length > 0) throw new CliError(`invalid topology: ${problems.join('; ')}`);
  return {
    name,
    ...(profile === 'amb' ? { profile: 'amb' as const } : {}),
    basePort: basePort as number,
    channel,
    ordering: {
      type: 'etcdraft',
      batchTimeout,
      maxMessageCount: mmc as number,
      absoluteMaxBytes,
      preferredMaxBytes,
    },
    chaincode: { name: ccName, signaturePolicy },
    ...(hosts ? { hosts } : {}),
    organizations,
  };
}

function ordererName(o: string | OrdererSpec): string {
  return typeof o === 'string' ? o : o.name;
}

/** Resolves names and ports. Pure: the same spec and options give the same topology. */
export function normaliseTopology(spec: TopologySpec, options: NormaliseOptions = {}): Topology {
  const basePort = options.basePort ?? spec.basePort;
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 60000) {
    throw new CliError(`base port ${basePort} must be an integer between 1024 and 60000`);
  }
  let slot = 0;
  const next = (): number => basePort + BLOCK * slot++;
  const key = (o: OrgSpec): string => o.name.toLowerCase();
  const hosts: Host[] = spec.hosts?.length
    ? spec.hosts.map((h) => ({ name: h.name, address: h.address, endpoint: h.address, implicit: false }))
    : [IMPLICIT_HOST];
  const hostNamed = (name: string | undefined): Host => {
    if (name === undefined) return hosts[0] as Host;
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new CliError(`unknown host ${name}; known: ${hosts.map((x) => x.name).join(', ')}`);
    return h;
  };
  const orgHost = (o: OrgSpec): Host => hostNamed(o.host);

  const cas = new Map<string, CaNode>();
  for (const o of spec.organizations) {
    const port = next();
    cas.set(o.name, { kind: 'ca', name: `ca.${key(o)}`, org: o.name, mspId: o.mspId, port, operationsPort: port + 1, host: orgHost(o) });
  }
  const orderers = new Map<string, OrdererNode[]>();
  for (const o of spec.organizations) {
    orderers.set(
      o.name,
      (o.orderers ?? []).map((spec) => {
        const port = next();
        const n = ordererName(spec);
        return {
          kind: 'orderer',
          name: n,
          enrollId: n,
          host: typeof spec === 'string' || spec.host === undefined ? orgHost(o) : hostNamed(spec.host),
          org: o.name,
          mspId: o.mspId,
          port,
          operationsPort: port + 1,
          adminPort: port + 2,
        };
      }),
    );
  }
  const peers = new Map<string, PeerNode[]>();
  for (const o of spec.organizations) {
    const mk = (n: string, failover: boolean): PeerNode => {
      const port = next();
      return {
        kind: 'peer',
        name: `${n}.${key(o)}`,
        enrollId: `${n}-${key(o)}`,
        org: o.name,
        mspId: o.mspId,
        port,
        operationsPort: port + 1,
        chaincodePort: port + 2,
        failover,
        host: orgHost(o),
      };
    };
    const regular = (o.peers ?? []).map((n) => mk(n, false));
    const standby = (o.failoverPeers ?? []).map((n) => mk(n, true));
    peers.set(o.name, [...regular, ...(options.failover ? standby : [])]);
  }
  const chaincodeServers: ChaincodeServerNode[] = spec.organizations
    .filter((o) => (o.peers ?? []).length > 0)
    .map((o) => ({ kind: 'chaincode', name: `chaincode.${key(o)}`, org: o.name, mspId: o.mspId, port: next(), host: orgHost(o) }));

  let apiIndex = 0;
  const orgs: Org[] = spec.organizations.map((o) => {
    const isOrderer = (o.orderers ?? []).length > 0;
    return {
      name: o.name,
      mspId: o.mspId,
      domain: o.domain,
      key: key(o),
      isOrderer,
      ca: cas.get(o.name) as CaNode,
      peers: peers.get(o.name) ?? [],
      orderers: orderers.get(o.name) ?? [],
      users: o.users ?? [],
      oversight: o.oversight === true,
      apiPort: isOrderer ? undefined : basePort + 1000 + apiIndex++,
      host: orgHost(o),
    };
  });
  const ordererOrg = orgs.find((o) => o.isOrderer) as Org;
  const profile = spec.profile ?? 'standard';
  return {
    name: spec.name,
    profile,
    traits: profileTraits(profile),
    basePort,
    channel: spec.channel,
    ordering: spec.ordering,
    chaincode: spec.chaincode,
    orgs,
    ordererOrg,
    peerOrgs: orgs.filter((o) => !o.isOrderer),
    orderers: ordererOrg.orderers,
    peers: orgs.flatMap((o) => o.peers),
    cas: orgs.map((o) => o.ca),
    chaincodeServers,
    hosts,
  };
}

/** The host a name designates; throws a one-line reason naming the known hosts. */
export function hostNamed(topology: Pick<Topology, 'hosts'>, name: string): Host {
  const h = topology.hosts.find((x) => x.name === name);
  if (!h) throw new CliError(`unknown host ${name}; the topology's hosts: ${topology.hosts.map((x) => x.name).join(', ')}`);
  return h;
}

/** What runs on one host: its organisations (CA, peers, chaincode server, API) and its orderers. */
export interface HostShare {
  readonly host: Host;
  /** Organisations whose CA, admin and users live here. */
  readonly orgs: readonly Org[];
  readonly cas: readonly CaNode[];
  readonly orderers: readonly OrdererNode[];
  readonly peers: readonly PeerNode[];
  readonly chaincodeServers: readonly ChaincodeServerNode[];
  /** Whether the ordering organisation's admin is here: this host creates the channel. */
  readonly createsChannel: boolean;
}

export function hostShare(topology: Topology, name: string): HostShare {
  const host = hostNamed(topology, name);
  const here = (n: { host: Host }): boolean => n.host.name === host.name;
  return {
    host,
    orgs: topology.orgs.filter(here),
    cas: topology.cas.filter(here),
    orderers: topology.orderers.filter(here),
    peers: topology.peers.filter(here),
    chaincodeServers: topology.chaincodeServers.filter(here),
    createsChannel: here(topology.ordererOrg),
  };
}
