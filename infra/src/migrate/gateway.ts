import { newNativeSigner } from '@waybill/fabric-signer';
import { connectAs, type ConnectOptions } from '../local/gateway-client';
import type { LocalNetwork } from '../local/network';
import { anchorPeer, orgOf, peerEndpoint } from '../local/endpoints';
import { openEndorser } from '../fabric/connection';
import { loadIdentity } from '../fabric/msp-identity';
import { newProposalEvaluate } from './proposal-reader';
import { CliError } from '../common/errors';
import { blockRefOf } from './block-hash';
import type { TargetContract } from './import';
import { newLedgerReader, type LedgerReader } from './reader';

/** A reader or writer connected through the Fabric Gateway; close it when done. */
export interface Connected<T> {
  readonly value: T;
  close(): void;
}

/**
 * Every proposal is signed by OpenSSL (as the gateway API signs), not the SDK's default ECDSA in
 * JavaScript: export and verify sign one proposal per asset, and the JavaScript signer cost
 * ~1.8 ms of CPU per signature here, a third of the CLI's CPU per record at 10k assets
 * (docs/benchmarks.md, *Migration between real networks*).
 */
const SIGNING: Readonly<ConnectOptions> = { messageSigner: newNativeSigner };

/** The organisation's admin (or `userId`) of a local network. */
function userOf(net: LocalNetwork, orgName: string, userId: string | undefined): { org: string; mspId: string; user: string } {
  const org = orgOf(net, orgName);
  const user = userId ?? org.users.find((u) => u.role === 'admin')?.id;
  if (user === undefined) throw new CliError(`organisation ${org.name} has no admin identity; pass --user`);
  return { org: org.name, mspId: org.mspId, user };
}

/**
 * Reads the ledger through the organisation's own peer (every query targets its organisation
 * only, so `verify` never takes another organisation's word).
 */
export function gatewayReader(net: LocalNetwork, orgName: string, userId?: string): Connected<LedgerReader> {
  const { org, mspId, user } = userOf(net, orgName, userId);
  const session = connectAs(net, org, user, 0, SIGNING);
  const channel = net.topology.channel;
  const reader = newLedgerReader(
    channel,
    mspId,
    (chaincode, name, args) =>
      (chaincode === 'qscc' ? session.network.getContract('qscc') : session.contract).evaluate(name, {
        arguments: [...args],
        endorsingOrganizations: [mspId],
      }),
    blockRefOf,
  );
  return { value: reader, close: () => session.close() };
}

/**
 * How a reader reaches the source peer: through its Gateway service (Fabric ≥ 2.4), or by signed
 * proposals to its Endorser service as the Fabric 2.2 SDKs do (AWS Managed Blockchain's 2.2 peers
 * have no Gateway service).
 */
export type SourceSdk = 'gateway' | 'fabric-2.2';
export const SOURCE_SDKS: readonly SourceSdk[] = ['gateway', 'fabric-2.2'];

/** The SDK a network's peers need: `fabric-2.2` for the amb profile, the Gateway otherwise. */
export function sourceSdkOf(net: LocalNetwork): SourceSdk {
  return net.topology.profile === 'amb' ? 'fabric-2.2' : 'gateway';
}

/**
 * Reads the ledger through the organisation's own (first) peer with signed proposals, without the
 * Gateway service: what `waybill migrate` uses on a Fabric 2.2 (AMB-shaped) network. Every query is
 * answered by that one peer, so `verify` takes no other organisation's word.
 */
export function proposalReader(net: LocalNetwork, orgName: string, userId?: string): Connected<LedgerReader> {
  const { org, mspId, user } = userOf(net, orgName, userId);
  const o = orgOf(net, org);
  const id = loadIdentity(mspId, net.layout.userMsp(o, user));
  const channel = net.topology.channel;
  const peer = openEndorser(peerEndpoint(net, anchorPeer(o)));
  const evaluate = newProposalEvaluate(id, peer, channel, net.topology.chaincode.name);
  return { value: newLedgerReader(channel, mspId, evaluate, blockRefOf), close: () => peer.close() };
}

/** A reader of the source through `sdk` (default: the one its profile needs). */
export function sourceReader(net: LocalNetwork, orgName: string, userId?: string, sdk: SourceSdk = sourceSdkOf(net)): Connected<LedgerReader> {
  return sdk === 'fabric-2.2' ? proposalReader(net, orgName, userId) : gatewayReader(net, orgName, userId);
}

/** The contract of a (target) network as the organisation's admin. */
export function gatewayTarget(net: LocalNetwork, orgName: string, userId?: string): Connected<TargetContract> {
  const { org, mspId, user } = userOf(net, orgName, userId);
  const session = connectAs(net, org, user, 0, SIGNING);
  return {
    value: {
      mspId,
      submit: (name, args) => session.contract.submit(name, { arguments: [...args] }),
      evaluate: (name, args) => session.contract.evaluate(name, { arguments: [...args], endorsingOrganizations: [mspId] }),
    },
    close: () => session.close(),
  };
}
