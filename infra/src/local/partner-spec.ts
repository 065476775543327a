import { ALL_ROLES, type Role } from '@waybill/chaincode/constants';
import { CliError } from '../common/errors';
import { IMPLICIT_HOST, type CaNode, type ChaincodeServerNode, type Org, type PeerNode, type UserSpec } from '../topology/topology';

/**
 * A partner organisation's own settings (`partner.json` in its data directory): who it is, its
 * ports, its users, and — once it joins — the channel's public coordinates from the founders.
 */
export interface PartnerSettings {
  readonly name: string;
  readonly mspId: string;
  readonly domain: string;
  readonly basePort: number;
  readonly users: readonly UserSpec[];
  readonly channel?: {
    readonly name: string;
    /** `host:port` of an orderer of the channel. */
    readonly orderer: string;
    /** The chaincode the channel runs. */
    readonly chaincode: string;
  };
}

/** Ports of a partner from its base port: CA +0/+1, peer +10 (+11 operations, +12 chaincode), chaincode server +20, API +30. */
export interface PartnerNodes {
  readonly org: Org;
  readonly ca: CaNode;
  readonly peer: PeerNode;
  readonly chaincodeServer: ChaincodeServerNode;
}

const NAME = /^[A-Za-z][A-Za-z0-9]{0,30}$/;
const MSP = /^[A-Za-z][A-Za-z0-9.-]{0,62}$/;
const ID = /^[a-z][a-z0-9-]{0,62}$/;
const DOMAIN = /^[a-z0-9.-]+$/;

/** Parses `id:role` (a `--user` flag). */
export function parseUser(v: string, prev: UserSpec[] = []): UserSpec[] {
  const [id, role, ...rest] = v.split(':');
  if (!id || !ID.test(id) || rest.length > 0 || !role || !(ALL_ROLES as readonly string[]).includes(role)) {
    throw new CliError(`--user "${v}" must be id:role with a lower-case id and a role of ${ALL_ROLES.join(', ')}`);
  }
  return [...prev, { id, role: role as Role }];
}

/**
 * Checks and completes a partner's settings: a trading user and an admin by default.
 * @throws CliError naming every problem.
 */
export function partnerSettings(input: {
  name: string;
  mspId: string;
  basePort: number;
  domain?: string;
  users?: readonly UserSpec[];
}): PartnerSettings {
  const problems: string[] = [];
  if (!NAME.test(input.name)) problems.push(`--name "${input.name}" must be a letter then letters or digits (at most 31)`);
  if (!MSP.test(input.mspId)) problems.push(`--msp-id "${input.mspId}" must be a letter then letters, digits, . and -`);
  if (!Number.isInteger(input.basePort) || input.basePort < 1024 || input.basePort > 60000) {
    problems.push(`--base-port ${input.basePort} must be an integer between 1024 and 60000`);
  }
  const key = input.name.toLowerCase();
  const domain = input.domain ?? `${key}.waybill.local`;
  if (!DOMAIN.test(domain)) problems.push(`--domain "${domain}" must be lower-case letters, digits, . and -`);
  const users = input.users?.length
    ? input.users
    : [
        { id: `${key}-user1`, role: 'carrier' as Role },
        { id: `${key}-admin1`, role: 'admin' as Role },
      ];
  const dup = users.map((u) => u.id).find((id, i, all) => all.indexOf(id) !== i);
  if (dup) problems.push(`user ${dup} is listed twice`);
  if (problems.length) throw new CliError(problems.join('; '));
  return { name: input.name, mspId: input.mspId, domain, basePort: input.basePort, users };
}

/** The partner as one organisation with its nodes and ports (the shapes the local network uses). Pure. */
export function partnerNodes(s: PartnerSettings): PartnerNodes {
  const key = s.name.toLowerCase();
  const base = s.basePort;
  const ca: CaNode = { kind: 'ca', name: `ca.${key}`, org: s.name, mspId: s.mspId, port: base, operationsPort: base + 1, host: IMPLICIT_HOST };
  const peer: PeerNode = {
    kind: 'peer',
    name: `peer0.${key}`,
    enrollId: `peer0-${key}`,
    org: s.name,
    mspId: s.mspId,
    port: base + 10,
    operationsPort: base + 11,
    chaincodePort: base + 12,
    failover: false,
    host: IMPLICIT_HOST,
  };
  const chaincodeServer: ChaincodeServerNode = { kind: 'chaincode', name: `chaincode.${key}`, org: s.name, mspId: s.mspId, port: base + 20, host: IMPLICIT_HOST };
  const org: Org = {
    name: s.name,
    mspId: s.mspId,
    domain: s.domain,
    key,
    isOrderer: false,
    host: IMPLICIT_HOST,
    ca,
    peers: [peer],
    orderers: [],
    users: s.users,
    oversight: false,
    apiPort: base + 30,
  };
  return { org, ca, peer, chaincodeServer };
}

/** Every port a partner listens on, named (for the port check before anything starts). */
export function partnerPorts(n: PartnerNodes): [string, number][] {
  return [
    [n.ca.name, n.ca.port],
    [`${n.ca.name} operations`, n.ca.operationsPort],
    [n.peer.name, n.peer.port],
    [`${n.peer.name} operations`, n.peer.operationsPort],
    [`${n.peer.name} chaincode`, n.peer.chaincodePort],
    [n.chaincodeServer.name, n.chaincodeServer.port],
    [`api.${n.org.key}`, n.org.apiPort ?? 0],
  ];
}

/**
 * Organisation names for the partner's connection profile from the channel's MSP IDs (public
 * configuration): its own name for itself, the MSP ID without a trailing `MSP` for the others.
 */
export function channelOrganizations(mspIds: readonly string[], own: { mspId: string; name: string }): Record<string, string> {
  return Object.fromEntries(
    [...new Set([...mspIds, own.mspId])].sort().map((m) => [m, m === own.mspId ? own.name : m.replace(/MSP$/, '') || m]),
  );
}
