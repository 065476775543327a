import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract, type Gateway, type Network } from '@hyperledger/fabric-gateway';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../common/errors';
import type { LocalNetwork } from './network';

/** A plain @hyperledger/fabric-gateway session as one user of an organisation. */
export interface GatewaySession {
  readonly gateway: Gateway;
  readonly network: Network;
  readonly contract: Contract;
  close(): void;
}

/** Options of {@link connectAs}. */
export interface ConnectOptions {
  /**
   * Signs whole messages (used with the SDK's `hash.none`) instead of the SDK's default signer
   * (ECDSA in JavaScript), e.g. the gateway API's native OpenSSL signer, so a benchmark's raw
   * baseline signs the way the API does.
   */
  readonly messageSigner?: (key: KeyObject) => (message: Uint8Array) => Promise<Uint8Array>;
}

/**
 * Connects as `userId` of `orgName` to one of its peers (default: the first), the way any Fabric
 * Gateway client would: TLS to the peer, the user's enrolment certificate and key from the CA.
 * Used by the benchmarks (the raw baseline) and the end-to-end suites.
 */
export function connectAs(net: LocalNetwork, orgName: string, userId: string, peerIndex = 0, options: Readonly<ConnectOptions> = {}): GatewaySession {
  const org = net.topology.peerOrgs.find((o) => o.name === orgName);
  const peer = org?.peers[peerIndex];
  if (!org || !peer) throw new CliError(`no peer ${peerIndex} in organisation ${orgName}`);
  const msp = net.layout.userMsp(org, userId);
  // The topology's users, or one enrolled later (`waybill identity enroll`).
  if (!org.users.some((u) => u.id === userId) && !existsSync(path.join(msp, 'signcerts', 'cert.pem'))) {
    throw new CliError(`no identity ${userId} in ${orgName}`);
  }
  return connectWithMsp(net, orgName, msp, peerIndex, options);
}

/**
 * Connects with the identity in an MSP folder (signcerts/cert.pem, keystore/key.pem) of `orgName`
 * to one of its peers: {@link connectAs} for identities kept outside the organisation's users,
 * e.g. ones a test enrols itself.
 */
export function connectWithMsp(
  net: LocalNetwork,
  orgName: string,
  msp: string,
  peerIndex = 0,
  options: Readonly<ConnectOptions> = {},
): GatewaySession {
  const org = net.topology.peerOrgs.find((o) => o.name === orgName);
  const peer = org?.peers[peerIndex];
  if (!org || !peer) throw new CliError(`no peer ${peerIndex} in organisation ${orgName}`);
  const key = createPrivateKey(readFileSync(path.join(msp, 'keystore', 'key.pem')));
  const client = new grpc.Client(
    `${peer.host.endpoint}:${peer.port}`,
    grpc.credentials.createSsl(readFileSync(net.layout.orgTlsCa(org))),
    peer.host.implicit ? { 'grpc.ssl_target_name_override': 'localhost' } : {},
  );
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: readFileSync(path.join(msp, 'signcerts', 'cert.pem')) },
    ...(options.messageSigner
      ? { signer: options.messageSigner(key), hash: hash.none }
      : { signer: signers.newPrivateKeySigner(key), hash: hash.sha256 }),
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  const network = gateway.getNetwork(net.topology.channel);
  return {
    gateway,
    network,
    contract: network.getContract(net.topology.chaincode.name),
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

/** A valid `createAsset` input (JSON) for benchmarks and tests; fields can be overridden. */
export function sampleAssetInput(id: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    product: { sku: 'SKU-SAMPLE', description: 'Pallet of canned tomatoes' },
    quantity: { amount: 10, unit: 'case' },
    origin: { site: 'Plant 7', country: 'IT' },
    attributes: {},
    documents: [],
    personalDataRefs: [],
    ...overrides,
  });
}
