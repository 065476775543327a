import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Contract, type Gateway } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalNetwork } from '../local/network';

export interface RawClient {
  readonly gateway: Gateway;
  readonly contract: Contract;
  close(): void;
}

/** A plain @hyperledger/fabric-gateway client as one user of an organisation (the baseline). */
export function rawClient(net: LocalNetwork, orgName: string, userId: string): RawClient {
  const org = net.topology.peerOrgs.find((o) => o.name === orgName);
  const peer = org?.peers[0];
  if (!org || !peer) throw new Error(`no organisation ${orgName}`);
  const msp = net.layout.userMsp(org, userId);
  const client = new grpc.Client(`localhost:${peer.port}`, grpc.credentials.createSsl(readFileSync(net.layout.orgTlsCa(org))), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: readFileSync(path.join(msp, 'signcerts', 'cert.pem')) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(path.join(msp, 'keystore', 'key.pem')))),
    hash: hash.sha256,
  });
  const contract = gateway.getNetwork(net.topology.channel).getContract(net.topology.chaincode.name);
  return {
    gateway,
    contract,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

export function assetInput(id: string): string {
  return JSON.stringify({
    id,
    product: { sku: 'SKU-BENCH', description: 'Benchmark lot' },
    quantity: { amount: 10, unit: 'case' },
    origin: { site: 'Bench plant', country: 'DE' },
    attributes: {},
    documents: [],
    personalDataRefs: [],
  });
}

/** Percentile of a sorted sample (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
