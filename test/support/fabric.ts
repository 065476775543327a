import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  signers,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveNetwork } from '../../infra/src/local/context';
import { LocalNetwork } from '../../infra/src/local/network';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const env = require('./env') as { dir: string; basePort: string; root: string; cli: string };

export interface Profile {
  organization: string;
  mspId: string;
  channel: string;
  chaincode: string;
  peers: { name: string; endpoint: string; tlsRootCertPath: string; hostnameOverride: string }[];
  identities: { id: string; role: string; certPath: string; keyPath: string }[];
}

/** The end-to-end network as the infra sees it (same topology, test directory and ports). */
export function testNetwork(): LocalNetwork {
  return new LocalNetwork(resolveNetwork({ dir: env.dir, basePort: Number(env.basePort) }), () => undefined);
}

export function profile(org: string): Profile {
  const file = path.join(env.dir, 'gateway', `${org.toLowerCase()}.json`);
  if (!existsSync(file)) throw new Error(`no gateway profile at ${file}: is the e2e network up?`);
  return JSON.parse(readFileSync(file, 'utf8')) as Profile;
}

export interface Session {
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  readonly client: grpc.Client;
  close(): void;
}

/**
 * Connects as one identity of an organisation to one of its peers (default: the first), the way
 * any Fabric Gateway client would.
 */
export function connectAs(org: string, identityId: string, peerIndex = 0): Session {
  const p = profile(org);
  const peer = p.peers[peerIndex];
  const id = p.identities.find((i) => i.id === identityId);
  if (!peer || !id) throw new Error(`no peer ${peerIndex} or identity ${identityId} in ${org}'s profile`);
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': peer.hostnameOverride,
  });
  const gateway = connect({
    client,
    identity: { mspId: p.mspId, credentials: readFileSync(id.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(id.keyPath))),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const network = gateway.getNetwork(p.channel);
  const contract = network.getContract(p.chaincode);
  return {
    gateway,
    network,
    contract,
    client,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

const utf8 = new TextDecoder();
export function json<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes)) as T;
}

/** A fresh identifier for assets created by a test. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export { env };
